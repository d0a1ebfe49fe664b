//! Templates made from an official sample: filled, escaped, checked.

mod common;

use ksef_invoice::template::{Template, TemplateError};

fn template() -> Template {
    let (_, xml) = common::samples()
        .into_iter()
        .find(|(n, _)| n == "FA3_example_01.xml")
        .unwrap();
    let text = String::from_utf8(xml).unwrap();
    let text = text
        .replacen("<NIP>9999999999</NIP>", "<NIP>#nip#</NIP>", 1)
        .replace("<P_2>FV2026/02/150</P_2>", "<P_2>#invoice_number#</P_2>")
        .replace("<P_1>2026-02-15</P_1>", "<P_1>#date#</P_1>")
        .replace(
            "<Nazwa>F.H.U. Jan Kowalski</Nazwa>",
            "<Nazwa>#buyer#</Nazwa>",
        );
    Template::parse(&text)
}

#[test]
fn fills_escapes_and_validates() {
    let t = template();
    assert_eq!(
        t.placeholders().collect::<Vec<_>>(),
        ["buyer", "date", "invoice_number", "nip"]
    );
    let inv = t
        .fill([
            ("#nip#", "5260250274"),
            ("invoice_number", "FV/7/2026"),
            ("#date#", "2026-03-01"),
            ("#buyer#", "Kowalski & <Syn> \"S.A.\""),
        ])
        .unwrap();
    assert_eq!(inv.podmiot1.dane_identyfikacyjne.nip, "5260250274");
    assert_eq!(inv.fa.p_2, "FV/7/2026");
    assert_eq!(
        inv.podmiot2
            .dane_identyfikacyjne
            .nazwa_group
            .as_ref()
            .unwrap()
            .nazwa,
        "Kowalski & <Syn> \"S.A.\""
    );
}

#[test]
fn unresolved_unknown_and_bad_keys_are_errors() {
    let t = template();
    let e = t
        .fill([
            ("nip", "5260250274"),
            ("date", "2026-03-01"),
            ("buyer", "B"),
        ])
        .unwrap_err();
    assert_eq!(e, TemplateError::Unresolved(vec!["invoice_number".into()]));
    let e = t
        .fill([
            ("nip", "5260250274"),
            ("date", "2026-03-01"),
            ("buyer", "B"),
            ("invoice_number", "1"),
            ("nipp", "x"),
        ])
        .unwrap_err();
    assert_eq!(e, TemplateError::Unknown(vec!["nipp".into()]));
    assert!(matches!(
        t.render([("#no space#", "x")]),
        Err(TemplateError::BadKey(_))
    ));
}

#[test]
fn filled_values_are_validated_with_paths() {
    let t = template();
    let e = t
        .fill([
            ("nip", "1234567890"),
            ("date", "2026-03-01"),
            ("buyer", "B"),
            ("invoice_number", "1"),
        ])
        .unwrap_err();
    let TemplateError::Invalid(errors) = e else {
        panic!("{e:?}")
    };
    assert_eq!(
        errors.errors[0].path,
        "/Faktura/Podmiot1/DaneIdentyfikacyjne/NIP"
    );
    let e = t
        .fill([
            ("nip", "5260250274"),
            ("date", "2026-02-30"),
            ("buyer", "B"),
            ("invoice_number", "1"),
        ])
        .unwrap_err();
    let TemplateError::Parse(p) = e else {
        panic!("{e:?}")
    };
    assert_eq!(p.path, "/Faktura/Fa/P_1");
}

#[test]
fn a_lone_hash_is_text() {
    let t = Template::parse("<a>#1 # x #ok#</a>");
    assert_eq!(t.placeholders().collect::<Vec<_>>(), ["ok"]);
    assert_eq!(t.render([("ok", "'")]).unwrap(), "<a>#1 # x &apos;</a>");
}
