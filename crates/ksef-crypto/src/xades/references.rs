//! `SignedInfo` parsing helpers: algorithms, references and transforms.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use roxmltree::{Document, Node, NodeId};

use super::{DSIG_NS, XadesError, algorithms};
use crate::c14n::{self, C14nMethod};
use crate::credentials::{HashAlgorithm, SignatureAlgorithm};

/// Namespace of `InclusiveNamespaces`.
const EXC_C14N_NS: &str = "http://www.w3.org/2001/10/xml-exc-c14n#";

/// Whether `n` is the element `ds:<local>`.
pub(super) fn is_ds(n: Node<'_, '_>, local: &str) -> bool {
    n.is_element() && n.tag_name().namespace() == Some(DSIG_NS) && n.tag_name().name() == local
}

/// Element children named `ds:<local>`.
pub(super) fn ds_children<'a, 'i>(
    n: Node<'a, 'i>,
    local: &'static str,
) -> impl Iterator<Item = Node<'a, 'i>> + use<'a, 'i> {
    n.children().filter(move |c| is_ds(*c, local))
}

/// The single child `ds:<local>`, or an error.
pub(super) fn one_ds_child<'a, 'i>(
    n: Node<'a, 'i>,
    local: &'static str,
) -> Result<Node<'a, 'i>, XadesError> {
    let mut it = ds_children(n, local);
    let first = it
        .next()
        .ok_or_else(|| XadesError::MalformedSignature(format!("missing ds:{local}")))?;
    if it.next().is_some() {
        return Err(XadesError::MalformedSignature(format!(
            "duplicated ds:{local}"
        )));
    }
    Ok(first)
}

/// The `Algorithm` attribute of an element.
pub(super) fn algorithm_of<'a>(n: Node<'a, '_>) -> Result<&'a str, XadesError> {
    n.attribute("Algorithm").ok_or_else(|| {
        XadesError::MalformedSignature(format!("{} without Algorithm", n.tag_name().name()))
    })
}

/// Text content with all whitespace removed, base64-decoded.
pub(super) fn base64_text(n: Node<'_, '_>) -> Result<Vec<u8>, XadesError> {
    let text: String = n
        .descendants()
        .filter(|c| c.is_text())
        .filter_map(|c| c.text())
        .flat_map(|t| t.chars())
        .filter(|c| !c.is_ascii_whitespace())
        .collect();
    B64.decode(text.as_bytes()).map_err(|_| {
        XadesError::MalformedSignature(format!("invalid base64 in {}", n.tag_name().name()))
    })
}

/// Maps a `DigestMethod` URI.
pub(super) fn digest_algorithm(uri: &str) -> Result<HashAlgorithm, XadesError> {
    match uri {
        algorithms::SHA1 => Ok(HashAlgorithm::Sha1),
        algorithms::SHA256 => Ok(HashAlgorithm::Sha256),
        algorithms::SHA384 => Ok(HashAlgorithm::Sha384),
        algorithms::SHA512 => Ok(HashAlgorithm::Sha512),
        other => Err(XadesError::UnsupportedAlgorithm(other.to_owned())),
    }
}

/// Maps a `SignatureMethod` URI.
pub(super) fn signature_algorithm(uri: &str) -> Result<SignatureAlgorithm, XadesError> {
    use HashAlgorithm::*;
    use SignatureAlgorithm::*;
    Ok(match uri {
        algorithms::RSA_SHA1 => RsaPkcs1(Sha1),
        algorithms::RSA_SHA256 => RsaPkcs1(Sha256),
        algorithms::RSA_SHA384 => RsaPkcs1(Sha384),
        algorithms::RSA_SHA512 => RsaPkcs1(Sha512),
        algorithms::RSA_PSS_SHA1 => RsaPss(Sha1),
        algorithms::RSA_PSS_SHA256 => RsaPss(Sha256),
        algorithms::RSA_PSS_SHA384 => RsaPss(Sha384),
        algorithms::RSA_PSS_SHA512 => RsaPss(Sha512),
        algorithms::ECDSA_SHA1 => EcdsaP256(Sha1),
        algorithms::ECDSA_SHA256 => EcdsaP256(Sha256),
        algorithms::ECDSA_SHA384 => EcdsaP256(Sha384),
        algorithms::ECDSA_SHA512 => EcdsaP256(Sha512),
        other => return Err(XadesError::UnsupportedAlgorithm(other.to_owned())),
    })
}

/// The canonicalization method of a `CanonicalizationMethod` or `Transform` element.
pub(super) fn c14n_method(n: Node<'_, '_>) -> Result<C14nMethod, XadesError> {
    let uri = algorithm_of(n)?;
    let mut method = C14nMethod::from_uri(uri)
        .ok_or_else(|| XadesError::UnsupportedAlgorithm(uri.to_owned()))?;
    if let C14nMethod::Exclusive {
        inclusive_prefixes, ..
    } = &mut method
    {
        for inc in n.children().filter(|c| {
            c.is_element()
                && c.tag_name().namespace() == Some(EXC_C14N_NS)
                && c.tag_name().name() == "InclusiveNamespaces"
        }) {
            if let Some(list) = inc.attribute("PrefixList") {
                inclusive_prefixes.extend(list.split_ascii_whitespace().map(str::to_owned));
            }
        }
    }
    Ok(method)
}

/// A resolved and digested reference.
pub(super) struct CheckedReference {
    /// The apex node of the referenced node set.
    pub(super) apex: NodeId,
    /// The subtree excluded by an enveloped-signature transform.
    pub(super) excluded: Option<NodeId>,
    /// The `Type` attribute.
    pub(super) ref_type: Option<String>,
}

/// Resolves `reference`, applies its transforms, and checks its digest.
pub(super) fn check_reference(
    doc: &Document<'_>,
    signature: Node<'_, '_>,
    reference: Node<'_, '_>,
) -> Result<CheckedReference, XadesError> {
    let uri = reference
        .attribute("URI")
        .ok_or_else(|| XadesError::UnsupportedReference("(no URI attribute)".into()))?;
    let apex = if uri.is_empty() {
        doc.root()
    } else if let Some(id) = uri.strip_prefix('#') {
        if id.is_empty() || id.starts_with("xpointer(") {
            return Err(XadesError::UnsupportedReference(uri.to_owned()));
        }
        find_by_any_id(doc, id)?
    } else {
        return Err(XadesError::UnsupportedReference(uri.to_owned()));
    };

    let mut excluded = None;
    let mut method: Option<C14nMethod> = None;
    let transforms: Vec<Node<'_, '_>> = match ds_children(reference, "Transforms").next() {
        Some(t) => ds_children(t, "Transform").collect(),
        None => Vec::new(),
    };
    for t in transforms {
        if method.is_some() {
            // Canonicalization yields octets; nothing may follow it.
            return Err(XadesError::UnsupportedTransform(format!(
                "{} after canonicalization",
                algorithm_of(t)?
            )));
        }
        let alg = algorithm_of(t)?;
        match alg {
            algorithms::ENVELOPED_SIGNATURE => excluded = Some(signature.id()),
            algorithms::XPATH => {
                if is_not_ancestor_or_self_signature(t) {
                    excluded = Some(signature.id());
                } else {
                    return Err(XadesError::UnsupportedTransform(
                        "XPath other than not(ancestor-or-self::ds:Signature)".into(),
                    ));
                }
            }
            _ => match C14nMethod::from_uri(alg) {
                Some(_) => {
                    let mut m = c14n_method(t)?;
                    // Same-document references select node sets without comments.
                    match &mut m {
                        C14nMethod::Exclusive { with_comments, .. }
                        | C14nMethod::Inclusive { with_comments }
                        | C14nMethod::Inclusive11 { with_comments } => *with_comments = false,
                    }
                    method = Some(m);
                }
                None => return Err(XadesError::UnsupportedTransform(alg.to_owned())),
            },
        }
    }
    // A node set left at the end is serialised with inclusive C14N 1.0.
    let method = method.unwrap_or_else(C14nMethod::inclusive);
    check_c14n11_base(apex, &method)?;
    let canonical = c14n::canonicalize(apex, excluded, &method);

    let digest_method = one_ds_child(reference, "DigestMethod")?;
    let hash = digest_algorithm(algorithm_of(digest_method)?)?;
    let expected = base64_text(one_ds_child(reference, "DigestValue")?)?;
    let actual = hash.digest(canonical.as_bytes());
    if actual != expected {
        return Err(XadesError::DigestMismatch(uri.to_owned()));
    }
    Ok(CheckedReference {
        apex: apex.id(),
        excluded,
        ref_type: reference.attribute("Type").map(str::to_owned),
    })
}

/// C14N 1.1 fixes up inherited `xml:base`, which is not implemented: refuse that case.
pub(super) fn check_c14n11_base(apex: Node<'_, '_>, method: &C14nMethod) -> Result<(), XadesError> {
    const XML_NS: &str = "http://www.w3.org/XML/1998/namespace";
    if matches!(method, C14nMethod::Inclusive11 { .. })
        && apex
            .ancestors()
            .skip(1)
            .any(|a| a.attribute((XML_NS, "base")).is_some())
    {
        return Err(XadesError::UnsupportedTransform(
            "Canonical XML 1.1 of a subtree with an inherited xml:base".into(),
        ));
    }
    Ok(())
}

/// Finds the element with `Id`, `ID` or `id` equal to `id` (must be unique).
fn find_by_any_id<'a, 'i>(doc: &'a Document<'i>, id: &str) -> Result<Node<'a, 'i>, XadesError> {
    let mut found = None;
    for n in doc.descendants().filter(|n| n.is_element()) {
        let hit = ["Id", "ID", "id"]
            .iter()
            .any(|name| n.attribute(*name) == Some(id));
        if hit {
            if found.is_some() {
                return Err(c14n::C14nError::DuplicateId(id.to_owned()).into());
            }
            found = Some(n);
        }
    }
    found.ok_or_else(|| c14n::C14nError::IdNotFound(id.to_owned()).into())
}

fn is_not_ancestor_or_self_signature(transform: Node<'_, '_>) -> bool {
    let Some(xpath) = ds_children(transform, "XPath").next() else {
        return false;
    };
    let expr: String = xpath
        .text()
        .unwrap_or("")
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    let Some(prefix) = expr
        .strip_prefix("not(ancestor-or-self::")
        .and_then(|r| r.strip_suffix(":Signature)"))
    else {
        return false;
    };
    xpath.lookup_namespace_uri(Some(prefix)) == Some(DSIG_NS)
}
