//! Tests of the quick well-formedness scan against roxmltree.

use proptest::prelude::*;

use super::*;

/// The quick scan accepts `ok`; roxmltree agrees.
fn accepted(ok: &str) {
    assert!(quick(ok).is_some(), "{ok:?}");
    assert!(roxmltree::Document::parse(ok).is_ok(), "{ok:?}");
}

#[test]
fn the_quick_scan_takes_what_invoices_use() {
    accepted(include_str!("../../../../fixtures/invoices/fa3-basic.xml"));
    for ok in [
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone='yes'?>\n<a/>\n",
        "<?xml version='1.0'?><!-- c - c --><a/><!---->",
        "<p:a xmlns:p=\"u\"><p:b xmlns:p=\"v\"/><p:c/></p:a>",
        "<a xml:lang=\"pl\"/>",
        "<a xmlns:p=\"u\" x=\"1\" p:x=\"2\"/>",
        "<a xmlns=\"u\"><b xmlns=\"\" c='\"&gt;'/></a>",
        "<a>&#x10FFFF;&#9;&#10;&apos; ]] > ] ]></a>",
        "<a\n  b = 'x' >zażółć\u{7F}</a >",
    ] {
        accepted(ok);
    }
}

#[test]
fn what_the_quick_scan_refuses_goes_to_roxmltree() {
    for bad in [
        "<a><b xmlns:p=\"u\"/><p:c/></a>",
        "<p:a xmlns:p=\"u\"></q:a>",
        "<a xmlns:p=\"u\" xmlns:p=\"v\"/>",
        "<a xmlns=\"u\" xmlns=\"v\"/>",
        "<a xmlns:p=\"u\" xmlns:q=\"u\" p:x=\"1\" q:x=\"2\"/>",
        "<a b='1' b='2'/>",
        "<a b='1'c='2'/>",
        "<xmlns:a/>",
        "<a xmlns:xml=\"urn:x\"/>",
        "<a xmlns:p=\"http://www.w3.org/XML/1998/namespace\"/>",
        "<a xmlns:xmlns=\"urn:x\"/>",
        "<a><b></a></b>",
        "<a><b/>",
        "<a>",
        "<a/><b/>",
        "text<a/>",
        "<a/>text",
        "<a>&#0;</a>",
        "<a>&amp</a>",
        "<a>&#x;</a>",
        "<a>&nbsp;</a>",
        "<a b=\"&#1;\"/>",
        "<a b=\"<\"/>",
        "<a>]]></a>",
        "<a><!-- a -- b --></a>",
        "<a><!-- a ---></a>",
        "<!DOCTYPE a [<!ENTITY e \"x\">]><a>&e;</a>",
        "<a/>\u{0}",
        "<a>\u{FFFE}</a>",
        "<?xml version=\"1.0\"?><?xml version=\"1.0\"?><a/>",
        "<?xml encoding=\"UTF-8\" version=\"1.0\"?><a/>",
        "<?xml version=\"2.0\"?><a/>",
        "<a/><?pi?>",
        "<a><![CDATA[x]]></a>",
        "<ą/>",
        "",
        "   ",
    ] {
        assert_eq!(quick(bad), None, "{bad:?}");
        assert_eq!(
            check_well_formed(bad).is_ok(),
            roxmltree::Document::parse(bad).is_ok(),
            "{bad:?}"
        );
    }
    assert_eq!(
        check_well_formed("<a/><b/>"),
        Err(roxmltree::Document::parse("<a/><b/>")
            .unwrap_err()
            .to_string())
    );
}

#[test]
fn attachments_and_processing_instructions_are_reported() {
    let facts = check_well_formed("<a xmlns:z=\"u\"><z:Zalacznik/></a>").unwrap();
    assert!(facts.has_attachment && !facts.processing_instruction);
    let facts = check_well_formed("<a><Zalacznik/><?pi x?></a>").unwrap();
    assert!(facts.has_attachment && facts.processing_instruction);
    let facts = check_well_formed("<?xml version=\"1.0\"?><a><ZalacznikX/></a>").unwrap();
    assert!(!facts.has_attachment && !facts.processing_instruction);
}

/// Characters that make or break markup, spliced into a real invoice.
fn splice() -> impl Strategy<Value = (usize, usize, String)> {
    let piece = prop::sample::select(vec![
        "<",
        ">",
        "/",
        "&",
        ";",
        "\"",
        "'",
        "=",
        ":",
        "x",
        " ",
        "!",
        "-",
        "?",
        "]]>",
        "]",
        "<b>",
        "</b>",
        "<b/>",
        "&amp;",
        "&#x41;",
        "&#0;",
        "xmlns:p=\"u\" ",
        "xmlns=\"\" ",
        "p:",
        "<!--",
        "-->",
        "\u{1}",
        "\u{FFFE}",
        "ż",
        "<Zalacznik/>",
        "<?p?>",
        "1.",
    ]);
    (
        0usize..1_000_000,
        0usize..4,
        prop::collection::vec(piece, 0..3),
    )
        .prop_map(|(at, cut, pieces)| (at, cut, pieces.concat()))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(5_000))]

    /// On a real invoice with random markup spliced in, whatever the quick scan accepts
    /// roxmltree accepts too, with the same facts.
    #[test]
    fn the_quick_scan_accepts_only_what_roxmltree_accepts(
        edits in prop::collection::vec(splice(), 1..4),
    ) {
        let mut text = include_str!("../../../../fixtures/invoices/fa3-basic.xml").to_owned();
        for (at, cut, piece) in edits {
            let mut at = at % (text.len() + 1);
            while !text.is_char_boundary(at) {
                at -= 1;
            }
            let mut end = (at + cut).min(text.len());
            while !text.is_char_boundary(end) {
                end += 1;
            }
            text.replace_range(at..end, &piece);
        }
        if let Some(has_attachment) = quick(&text) {
            let doc = roxmltree::Document::parse(&text);
            prop_assert!(doc.is_ok(), "{:?}\n{}", doc.err(), text);
            let doc = doc.unwrap();
            prop_assert_eq!(has_attachment, doc.descendants().any(|n| n.has_tag_name("Zalacznik")));
            prop_assert!(!doc.descendants().any(|n| n.is_pi()));
        }
    }
}
