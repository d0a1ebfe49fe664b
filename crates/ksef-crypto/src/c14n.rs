//! XML Canonicalization: Exclusive XML Canonicalization 1.0 (with `InclusiveNamespaces`
//! `PrefixList`), Canonical XML 1.0 and Canonical XML 1.1 (without `xml:base` fix-up), each with
//! or without comments, over a `roxmltree` tree. The traversal is iterative, so deeply nested
//! input cannot overflow the stack.
//!
//! The node sets supported are those XML-DSig references produce: a whole document, the subtree of
//! an element (`URI="#id"`, `SignedInfo`), and either of these minus one subtree (the
//! enveloped-signature transform removes the `ds:Signature` element).
//!
//! Rules implemented (W3C `xml-c14n` and `xml-exc-c14n`): no XML declaration or DTD; empty elements
//! as start/end tag pairs; namespace declarations first, sorted by prefix (default first), then
//! attributes sorted by namespace URI and local name; text escaping `&amp; &lt; &gt; &#xD;`;
//! attribute escaping `&amp; &lt; &quot; &#x9; &#xA; &#xD;`; line endings normalised by the parser;
//! exclusive mode renders only visibly utilised namespaces not already in the output context.

use std::collections::BTreeMap;

use roxmltree::{Document, Node, NodeId, NodeType};

/// The `xml` prefix namespace, never declared in canonical output.
const XML_NS: &str = "http://www.w3.org/XML/1998/namespace";

/// Algorithm URI of Exclusive XML Canonicalization 1.0 (without comments).
pub const EXC_C14N: &str = "http://www.w3.org/2001/10/xml-exc-c14n#";
/// Algorithm URI of Exclusive XML Canonicalization 1.0 with comments.
pub const EXC_C14N_WITH_COMMENTS: &str = "http://www.w3.org/2001/10/xml-exc-c14n#WithComments";
/// Algorithm URI of Canonical XML 1.0 (without comments).
pub const C14N: &str = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315";
/// Algorithm URI of Canonical XML 1.0 with comments.
pub const C14N_WITH_COMMENTS: &str = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315#WithComments";
/// Algorithm URI of Canonical XML 1.1 (without comments).
pub const C14N11: &str = "http://www.w3.org/2006/12/xml-c14n11";
/// Algorithm URI of Canonical XML 1.1 with comments.
pub const C14N11_WITH_COMMENTS: &str = "http://www.w3.org/2006/12/xml-c14n11#WithComments";

/// A canonicalization method.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum C14nMethod {
    /// Exclusive XML Canonicalization 1.0.
    Exclusive {
        /// Prefixes of the `InclusiveNamespaces PrefixList` (`#default` for the default namespace),
        /// treated as in inclusive canonicalization.
        inclusive_prefixes: Vec<String>,
        /// Whether comments are kept.
        with_comments: bool,
    },
    /// Canonical XML 1.0 (inclusive).
    Inclusive {
        /// Whether comments are kept.
        with_comments: bool,
    },
    /// Canonical XML 1.1: as 1.0, except that `xml:id` is not inherited by the apex of a
    /// subtree. (`xml:base` fix-up is not implemented: `xml:base` is not inherited either, so
    /// callers must not use it on subtrees whose ancestors carry `xml:base`.)
    Inclusive11 {
        /// Whether comments are kept.
        with_comments: bool,
    },
}

impl C14nMethod {
    /// Exclusive canonicalization without comments and without an inclusive prefix list.
    pub fn exclusive() -> Self {
        C14nMethod::Exclusive {
            inclusive_prefixes: Vec::new(),
            with_comments: false,
        }
    }

    /// Inclusive Canonical XML 1.0 without comments.
    pub fn inclusive() -> Self {
        C14nMethod::Inclusive {
            with_comments: false,
        }
    }

    /// The method for an algorithm URI (`Algorithm` attribute), if it is a supported C14N 1.0 one.
    pub fn from_uri(uri: &str) -> Option<Self> {
        match uri {
            EXC_C14N => Some(Self::exclusive()),
            EXC_C14N_WITH_COMMENTS => Some(C14nMethod::Exclusive {
                inclusive_prefixes: Vec::new(),
                with_comments: true,
            }),
            C14N => Some(Self::inclusive()),
            C14N_WITH_COMMENTS => Some(C14nMethod::Inclusive {
                with_comments: true,
            }),
            C14N11 => Some(C14nMethod::Inclusive11 {
                with_comments: false,
            }),
            C14N11_WITH_COMMENTS => Some(C14nMethod::Inclusive11 {
                with_comments: true,
            }),
            _ => None,
        }
    }

    fn with_comments(&self) -> bool {
        match self {
            C14nMethod::Exclusive { with_comments, .. }
            | C14nMethod::Inclusive { with_comments }
            | C14nMethod::Inclusive11 { with_comments } => *with_comments,
        }
    }
}

/// Errors of the canonicalization entry points that look an element up.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum C14nError {
    /// No element carries the requested ID.
    #[error("no element with ID `{0}`")]
    IdNotFound(String),
    /// More than one element carries the requested ID.
    #[error("more than one element with ID `{0}`")]
    DuplicateId(String),
}

/// Canonicalizes the whole document.
pub fn canonicalize_document(doc: &Document<'_>, method: &C14nMethod) -> String {
    canonicalize(doc.root(), None, method)
}

/// Canonicalizes the subtree of `apex` (a document root or an element), leaving out the subtree of
/// `exclude` if given (the enveloped-signature transform).
pub fn canonicalize(apex: Node<'_, '_>, exclude: Option<NodeId>, method: &C14nMethod) -> String {
    let mut c = Canonicalizer {
        out: String::new(),
        method,
        exclude,
        input: apex.document().input_text(),
    };
    if apex.node_type() == NodeType::Root {
        c.document(apex);
    } else {
        c.subtree(apex);
    }
    c.out
}

/// Canonicalizes the element whose attribute `id_attribute` (no namespace) equals `id`.
pub fn canonicalize_by_id(
    doc: &Document<'_>,
    id_attribute: &str,
    id: &str,
    exclude: Option<NodeId>,
    method: &C14nMethod,
) -> Result<String, C14nError> {
    let node = find_by_id(doc, id_attribute, id)?;
    Ok(canonicalize(node, exclude, method))
}

/// Finds the single element whose attribute `id_attribute` (no namespace) equals `id`.
pub fn find_by_id<'a, 'input>(
    doc: &'a Document<'input>,
    id_attribute: &str,
    id: &str,
) -> Result<Node<'a, 'input>, C14nError> {
    let mut found = None;
    for n in doc.descendants().filter(|n| n.is_element()) {
        if n.attribute(id_attribute) == Some(id) {
            if found.is_some() {
                return Err(C14nError::DuplicateId(id.to_owned()));
            }
            found = Some(n);
        }
    }
    found.ok_or_else(|| C14nError::IdNotFound(id.to_owned()))
}

/// Namespace declarations already rendered by output ancestors: prefix ("" = default) → URI.
#[derive(Default, Clone)]
struct NsContext {
    rendered: BTreeMap<String, String>,
}

impl NsContext {
    fn rendered_uri(&self, prefix: &str) -> &str {
        self.rendered.get(prefix).map(String::as_str).unwrap_or("")
    }
}

struct Canonicalizer<'m, 'i> {
    out: String,
    method: &'m C14nMethod,
    exclude: Option<NodeId>,
    input: &'i str,
}

impl<'i> Canonicalizer<'_, 'i> {
    fn document(&mut self, root: Node<'_, 'i>) {
        let mut seen_element = false;
        for child in root.children() {
            match child.node_type() {
                NodeType::Element => {
                    self.subtree(child);
                    seen_element = true;
                }
                NodeType::PI | NodeType::Comment => {
                    if child.is_comment() && !self.method.with_comments() {
                        continue;
                    }
                    if seen_element {
                        self.out.push('\n');
                    }
                    self.misc(child);
                    if !seen_element {
                        self.out.push('\n');
                    }
                }
                _ => {}
            }
        }
    }

    fn misc(&mut self, node: Node<'_, '_>) {
        if let Some(pi) = node.pi() {
            self.out.push_str("<?");
            self.out.push_str(pi.target);
            if let Some(v) = pi.value
                && !v.is_empty()
            {
                self.out.push(' ');
                self.out.push_str(v);
            }
            self.out.push_str("?>");
        } else if node.is_comment() {
            self.out.push_str("<!--");
            self.out.push_str(node.text().unwrap_or(""));
            self.out.push_str("-->");
        }
    }

    /// Canonicalizes the subtree of `apex` without recursion (deep documents cannot overflow the
    /// stack): a work stack of visits and end tags, and a stack of rendered-namespace contexts.
    fn subtree(&mut self, apex: Node<'_, 'i>) {
        enum Step<'a, 'i> {
            Visit(Node<'a, 'i>),
            Close(&'i str),
        }
        let mut work = vec![Step::Visit(apex)];
        let mut contexts = vec![NsContext::default()];
        while let Some(step) = work.pop() {
            match step {
                Step::Close(qname) => {
                    self.out.push_str("</");
                    self.out.push_str(qname);
                    self.out.push('>');
                    contexts.pop();
                }
                Step::Visit(node) => {
                    if Some(node.id()) == self.exclude {
                        continue;
                    }
                    match node.node_type() {
                        NodeType::Element => {
                            let parent_ctx = contexts.last().cloned().unwrap_or_default();
                            let is_apex = node.id() == apex.id();
                            let (qname, ctx) = self.start_tag(node, &parent_ctx, is_apex);
                            contexts.push(ctx);
                            work.push(Step::Close(qname));
                            let children: Vec<_> = node.children().collect();
                            work.extend(children.into_iter().rev().map(Step::Visit));
                        }
                        NodeType::Text => escape_text(&mut self.out, node.text().unwrap_or("")),
                        NodeType::PI => self.misc(node),
                        NodeType::Comment => {
                            if self.method.with_comments() {
                                self.misc(node);
                            }
                        }
                        NodeType::Root => {}
                    }
                }
            }
        }
    }

    /// Writes the start tag of `node`; returns its qualified name and namespace context.
    fn start_tag(
        &mut self,
        node: Node<'_, 'i>,
        parent_ctx: &NsContext,
        is_apex: bool,
    ) -> (&'i str, NsContext) {
        let qname = element_qname(self.input, node);
        let (prefix, _) = split_qname(qname);

        // Namespace declarations to render: prefix → URI.
        let mut decls: BTreeMap<String, String> = BTreeMap::new();
        let consider = |p: &str, decls: &mut BTreeMap<String, String>| {
            if p == "xml" || p == "xmlns" {
                return;
            }
            let uri = in_scope_uri(node, p);
            if parent_ctx.rendered_uri(p) != uri {
                decls.insert(p.to_owned(), uri.to_owned());
            }
        };
        match self.method {
            C14nMethod::Exclusive {
                inclusive_prefixes, ..
            } => {
                consider(prefix, &mut decls);
                for attr in node.attributes() {
                    let (ap, _) = split_qname(attr_qname(self.input, &attr));
                    if !ap.is_empty() {
                        consider(ap, &mut decls);
                    }
                }
                for p in inclusive_prefixes {
                    let p = if p == "#default" { "" } else { p.as_str() };
                    let declared = p.is_empty() || node.lookup_namespace_uri(Some(p)).is_some();
                    if declared {
                        consider(p, &mut decls);
                    }
                }
            }
            C14nMethod::Inclusive { .. } | C14nMethod::Inclusive11 { .. } => {
                for ns in node.namespaces() {
                    consider(ns.name().unwrap_or(""), &mut decls);
                }
                consider("", &mut decls);
            }
        }

        let mut ctx = parent_ctx.clone();
        for (p, uri) in &decls {
            ctx.rendered.insert(p.clone(), uri.clone());
        }

        // Attributes sorted by (namespace URI, local name).
        let mut attrs: Vec<(&str, &str, String, &str)> = node
            .attributes()
            .map(|a| {
                (
                    a.namespace().unwrap_or(""),
                    a.name(),
                    attr_qname(self.input, &a).to_owned(),
                    a.value(),
                )
            })
            .collect();
        match self.method {
            C14nMethod::Inclusive { .. } if is_apex => {
                inherit_xml_attributes(self.input, node, &mut attrs, &[]);
            }
            C14nMethod::Inclusive11 { .. } if is_apex => {
                inherit_xml_attributes(self.input, node, &mut attrs, &["id", "base"]);
            }
            _ => {}
        }
        attrs.sort_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)));

        self.out.push('<');
        self.out.push_str(qname);
        for (p, uri) in &decls {
            if p.is_empty() {
                self.out.push_str(" xmlns=\"");
            } else {
                self.out.push_str(" xmlns:");
                self.out.push_str(p);
                self.out.push_str("=\"");
            }
            escape_attr(&mut self.out, uri);
            self.out.push('"');
        }
        for (_, _, q, v) in &attrs {
            self.out.push(' ');
            self.out.push_str(q);
            self.out.push_str("=\"");
            escape_attr(&mut self.out, v);
            self.out.push('"');
        }
        self.out.push('>');
        (qname, ctx)
    }
}

/// The namespace URI bound to `prefix` ("" = default) at `node`, "" when unbound.
fn in_scope_uri<'a>(node: Node<'a, '_>, prefix: &str) -> &'a str {
    if prefix.is_empty() {
        node.default_namespace().unwrap_or("")
    } else {
        node.lookup_namespace_uri(Some(prefix)).unwrap_or("")
    }
}

/// `xml:*` attributes of ancestors not overridden on the apex (Canonical XML 1.0 §2.4), except
/// those named in `skip`.
fn inherit_xml_attributes<'a>(
    input: &'a str,
    node: Node<'a, '_>,
    attrs: &mut Vec<(&'a str, &'a str, String, &'a str)>,
    skip: &[&str],
) {
    for anc in node.ancestors().skip(1).filter(|n| n.is_element()) {
        for a in anc.attributes() {
            if a.namespace() == Some(XML_NS)
                && !skip.contains(&a.name())
                && !attrs
                    .iter()
                    .any(|(ns, local, _, _)| *ns == XML_NS && *local == a.name())
            {
                attrs.push((
                    XML_NS,
                    a.name(),
                    attr_qname(input, &a).to_owned(),
                    a.value(),
                ));
            }
        }
    }
}

/// The qualified name of an element as written in the source.
fn element_qname<'a>(input: &'a str, node: Node<'_, '_>) -> &'a str {
    let start = node.range().start + 1;
    let rest = input.get(start..).unwrap_or("");
    let end = rest
        .find(|c: char| c.is_ascii_whitespace() || c == '>' || c == '/')
        .unwrap_or(rest.len());
    rest.get(..end).unwrap_or("")
}

/// The qualified name of an attribute as written in the source.
fn attr_qname<'a>(input: &'a str, attr: &roxmltree::Attribute<'_, '_>) -> &'a str {
    input.get(attr.range_qname()).unwrap_or("")
}

/// Splits `p:local` into (`p`, `local`); unprefixed names give ("", name).
fn split_qname(q: &str) -> (&str, &str) {
    match q.split_once(':') {
        Some((p, l)) => (p, l),
        None => ("", q),
    }
}

fn escape_text(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\r' => out.push_str("&#xD;"),
            _ => out.push(c),
        }
    }
}

fn escape_attr(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '"' => out.push_str("&quot;"),
            '\t' => out.push_str("&#x9;"),
            '\n' => out.push_str("&#xA;"),
            '\r' => out.push_str("&#xD;"),
            _ => out.push(c),
        }
    }
}
