//! Exclusive / inclusive C14N against `xmllint --exc-c14n` / `--c14n` (libxml2) on tricky documents.

use std::path::PathBuf;
use std::process::Command;

use ksef_crypto::c14n::{self, C14nMethod};
use roxmltree::Document;

const DOCS: &[&str] = &[
    "namespaces.xml",
    "attributes.xml",
    "text.xml",
    "misc.xml",
    "xmlattrs.xml",
];

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/crypto/c14n")
        .join(name)
}

/// Runs `xmllint <flag> <file>`; xmllint always keeps comments.
fn xmllint(flag: &str, path: &PathBuf) -> String {
    let out = Command::new("xmllint")
        .arg(flag)
        .arg(path)
        .output()
        .unwrap_or_else(|e| {
            panic!("`xmllint` is required for this test (apt-get install libxml2-utils): {e}")
        });
    assert!(
        out.status.success(),
        "xmllint failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("xmllint output is UTF-8")
}

fn ours(path: &PathBuf, method: &C14nMethod) -> String {
    let text = std::fs::read_to_string(path).expect("fixture readable");
    let doc = Document::parse(&text).expect("fixture parses");
    c14n::canonicalize_document(&doc, method)
}

#[test]
fn exclusive_with_comments_matches_xmllint() {
    let method = C14nMethod::Exclusive {
        inclusive_prefixes: vec![],
        with_comments: true,
    };
    for name in DOCS {
        let path = fixture(name);
        assert_eq!(ours(&path, &method), xmllint("--exc-c14n", &path), "{name}");
    }
}

#[test]
fn inclusive_with_comments_matches_xmllint() {
    let method = C14nMethod::Inclusive {
        with_comments: true,
    };
    for name in DOCS {
        let path = fixture(name);
        assert_eq!(ours(&path, &method), xmllint("--c14n", &path), "{name}");
    }
}

#[test]
fn c14n11_with_comments_matches_xmllint() {
    let method = C14nMethod::Inclusive11 {
        with_comments: true,
    };
    for name in DOCS {
        let path = fixture(name);
        assert_eq!(ours(&path, &method), xmllint("--c14n11", &path), "{name}");
    }
}

#[test]
fn xml_attribute_inheritance_on_subtrees() {
    let xml =
        r#"<r xml:lang="pl" xml:id="root" xml:space="preserve"><a Id="t" xml:lang="en"/></r>"#;
    let doc = Document::parse(xml).unwrap();
    let c10 = c14n::canonicalize_by_id(&doc, "Id", "t", None, &C14nMethod::inclusive()).unwrap();
    assert_eq!(
        c10,
        r#"<a Id="t" xml:id="root" xml:lang="en" xml:space="preserve"></a>"#
    );
    let m11 = C14nMethod::Inclusive11 {
        with_comments: false,
    };
    let c11 = c14n::canonicalize_by_id(&doc, "Id", "t", None, &m11).unwrap();
    assert_eq!(c11, r#"<a Id="t" xml:lang="en" xml:space="preserve"></a>"#);
    // Exclusive C14N inherits nothing.
    let exc = c14n::canonicalize_by_id(&doc, "Id", "t", None, &C14nMethod::exclusive()).unwrap();
    assert_eq!(exc, r#"<a Id="t" xml:lang="en"></a>"#);
}

#[test]
fn without_comments_drops_comments_only() {
    let path = fixture("misc.xml");
    let out = ours(&path, &C14nMethod::exclusive());
    assert_eq!(
        out,
        "<?xml-stylesheet href=\"doc.xsl\"\n   type=\"text/xsl\"   ?>\n<doc attr=\"v\">\n  \n  \
         <?pi-in-doc data ?>\n  <?empty?>\n  <e></e>\n</doc>\n<?after data?>"
    );
}

#[test]
fn exclusive_subtree_renders_only_utilized_namespaces() {
    let xml = r#"<a:root xmlns:a="urn:a" xmlns:b="urn:b" xmlns="urn:d"><b:x Id="t" a:attr="1"><y/></b:x></a:root>"#;
    let doc = Document::parse(xml).unwrap();
    let sub = c14n::canonicalize_by_id(&doc, "Id", "t", None, &C14nMethod::exclusive()).unwrap();
    assert_eq!(
        sub,
        r#"<b:x xmlns:a="urn:a" xmlns:b="urn:b" Id="t" a:attr="1"><y xmlns="urn:d"></y></b:x>"#
    );
    // Inclusive C14N renders every namespace in scope at the apex.
    let inc = c14n::canonicalize_by_id(&doc, "Id", "t", None, &C14nMethod::inclusive()).unwrap();
    assert_eq!(
        inc,
        r#"<b:x xmlns="urn:d" xmlns:a="urn:a" xmlns:b="urn:b" Id="t" a:attr="1"><y></y></b:x>"#
    );
    // `InclusiveNamespaces PrefixList="#default"` renders the default namespace as inclusive
    // C14N would, on the apex.
    let m = C14nMethod::Exclusive {
        inclusive_prefixes: vec!["#default".into()],
        with_comments: false,
    };
    let incl = c14n::canonicalize_by_id(&doc, "Id", "t", None, &m).unwrap();
    assert_eq!(
        incl,
        r#"<b:x xmlns="urn:d" xmlns:a="urn:a" xmlns:b="urn:b" Id="t" a:attr="1"><y></y></b:x>"#
    );
}

#[test]
fn excluded_subtree_is_left_out() {
    let xml =
        "<r xmlns=\"urn:r\">\n<a>1</a>\n<s:Signature xmlns:s=\"urn:s\"><s:x/></s:Signature>\n</r>";
    let doc = Document::parse(xml).unwrap();
    let sig = doc
        .descendants()
        .find(|n| n.tag_name().name() == "Signature")
        .unwrap();
    let out = c14n::canonicalize(doc.root(), Some(sig.id()), &C14nMethod::exclusive());
    assert_eq!(out, "<r xmlns=\"urn:r\">\n<a>1</a>\n\n</r>");
}

#[test]
fn id_lookup_errors() {
    let doc = Document::parse(r#"<r><a Id="x"/><b Id="x"/></r>"#).unwrap();
    assert_eq!(
        c14n::canonicalize_by_id(&doc, "Id", "x", None, &C14nMethod::exclusive()),
        Err(c14n::C14nError::DuplicateId("x".into()))
    );
    assert_eq!(
        c14n::canonicalize_by_id(&doc, "Id", "y", None, &C14nMethod::exclusive()),
        Err(c14n::C14nError::IdNotFound("y".into()))
    );
}
