//! Issue 14: one set of identifier types. The spec's `Nip`, `Pesel`, `InternalId` and
//! `KsefNumber` are `ksef-ids`' types (the ones `ksef_crypto::identifiers` re-exports): building
//! one checks its check digits, JSON keeps the text exactly, `Validate` checks the spec's
//! constraints and the identifier's rules, and every value the identifier rules accept also meets
//! the spec's constraints.

use ksef_model::rt::{Rule, SpecConstrained, Validate};
use ksef_model::{AttachmentPermissionGrantRequest, InternalId, KsefNumber, Nip, Pesel};

#[test]
fn a_wrong_check_digit_is_refused_by_the_model_types() {
    let e = Nip::new("5265877636").unwrap_err();
    assert_eq!(
        e.to_string(),
        "NIP has a wrong checksum: expected 5, found 6"
    );
    let e = "5265877635-20250826-0100001AF629-AE"
        .parse::<KsefNumber>()
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "KSeF number has a wrong checksum: expected AF, found AE"
    );
    assert!(Pesel::try_from("90010112319").is_err());
    assert!(InternalId::new("9876543210-12345").is_err());
    // The spec's pattern alone accepts them: the check digits are the identifier's own rule.
    assert!(<Nip as SpecConstrained>::check_spec("5265877636").is_ok());
    assert!(
        <KsefNumber as SpecConstrained>::check_spec("5265877635-20250826-0100001AF629-AE").is_ok()
    );
}

#[test]
fn the_same_type_round_trips_through_json_losslessly() {
    let nip: ksef_ids::Nip = Nip::random();
    let request = AttachmentPermissionGrantRequest::new(nip.clone());
    let json = serde_json::to_string(&request).unwrap();
    assert_eq!(json, format!("{{\"nip\":\"{nip}\"}}"));
    let back: AttachmentPermissionGrantRequest = serde_json::from_str(&json).unwrap();
    assert_eq!(back, request);
    // A KSeF 1.0 number keeps its 36-character text; the canonical form is derived.
    let legacy = KsefNumber::parse("5265877635-20250826-010000-1AF629-AF").unwrap();
    let text = serde_json::to_string(&legacy).unwrap();
    assert_eq!(text, "\"5265877635-20250826-010000-1AF629-AF\"");
    let back: KsefNumber = serde_json::from_str(&text).unwrap();
    assert_eq!(back, legacy);
    assert_eq!(back.canonical(), "5265877635-20250826-0100001AF629-AF");
    assert_eq!(String::from(back), legacy.into_string());
}

#[test]
fn validate_reports_the_spec_and_the_identifier_rules() {
    // Decoding a response does not check (KSeF TEST accepts NIPs with wrong check digits).
    let decoded: AttachmentPermissionGrantRequest =
        serde_json::from_str(r#"{"nip":"5265877636"}"#).unwrap();
    let invalid = decoded.check_constraints().unwrap_err();
    assert_eq!(invalid.violations.len(), 1);
    assert_eq!(invalid.violations[0].pointer, "/nip");
    assert_eq!(invalid.violations[0].rule, Rule::Identifier);
    let shape = AttachmentPermissionGrantRequest::new(Nip::new_unchecked("0265877635"));
    let invalid = shape.check_constraints().unwrap_err();
    assert_eq!(invalid.violations[0].rule, Rule::Pattern);
    assert!(
        AttachmentPermissionGrantRequest::new(Nip::random())
            .check_constraints()
            .is_ok()
    );
}

#[test]
fn what_the_identifier_rules_accept_meets_the_spec() {
    let date = time::OffsetDateTime::now_utc().date();
    for i in 0..500u32 {
        let nip = Nip::random();
        let pesel = Pesel::random();
        let internal = InternalId::random_under(&nip);
        let number = KsefNumber::compose(
            &nip,
            date,
            i.to_be_bytes().repeat(2)[..6].try_into().unwrap(),
        )
        .unwrap();
        assert!(
            <Nip as SpecConstrained>::check_spec(nip.as_str()).is_ok(),
            "{nip}"
        );
        assert!(
            <Pesel as SpecConstrained>::check_spec(pesel.as_str()).is_ok(),
            "{pesel}"
        );
        assert!(
            <InternalId as SpecConstrained>::check_spec(internal.as_str()).is_ok(),
            "{internal}"
        );
        assert!(
            <KsefNumber as SpecConstrained>::check_spec(number.as_str()).is_ok(),
            "{number}"
        );
        for v in [
            nip.check_constraints(),
            pesel.check_constraints(),
            internal.check_constraints(),
            number.check_constraints(),
        ] {
            assert!(v.is_ok(), "{v:?}");
        }
    }
    // The edges of the spec's patterns that the identifier rules carry too.
    for bad in ["0265877635", "5005877635"] {
        assert!(Nip::parse(bad).is_err() && <Nip as SpecConstrained>::check_spec(bad).is_err());
    }
    let old = "5265877635-20191231-0100001AF629";
    let old = format!("{old}-{:02X}", ksef_ids::ksef_crc8(old.as_bytes()));
    assert!(KsefNumber::parse(&old).is_err());
    assert!(<KsefNumber as SpecConstrained>::check_spec(&old).is_err());
}
