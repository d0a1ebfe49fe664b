use super::generate::{random_internal_id, random_nip, random_pesel};
use super::*;

#[test]
fn ksef_numbers_from_docs_are_valid() {
    for s in [
        "5265877635-20250826-0100001AF629-AF",
        "5265877635-20250626-010080DD2B5E-26",
        "5555555555-20250828-010080615740-E4",
        "5265877635-20250925-010020A0A242-0A",
        "5265877635-20250729-01004014E040-00",
    ] {
        let n = KsefNumber::parse(s).unwrap_or_else(|e| panic!("{s}: {e}"));
        assert_eq!(n.as_str(), s);
        assert_eq!(n.canonical(), s);
        assert!(!n.is_legacy());
    }
    let n = KsefNumber::parse("5265877635-20250826-0100001AF629-AF").unwrap();
    assert_eq!(n.nip(), "5265877635");
    assert_eq!(
        n.date(),
        Some(time::Date::from_calendar_date(2025, time::Month::August, 26).unwrap())
    );
    assert_eq!(n.technical_part(), "0100001AF629");
    assert_eq!(n.checksum(), "AF");
}

#[test]
fn ksef_number_errors() {
    assert_eq!(
        KsefNumber::parse("   ").unwrap_err(),
        IdentifierError::Empty {
            kind: IdentifierKind::KsefNumber
        }
    );
    let e = KsefNumber::parse("5265877635-20250826-0100001AF629-A").unwrap_err();
    assert!(matches!(e, IdentifierError::Length { actual: 34, .. }));
    assert_eq!(
        e.to_string(),
        "KSeF number has length 34; expected 35 characters (or 36 in the KSeF 1.0 form)"
    );
    let e = KsefNumber::parse("5265877635-20250826-0100001AF629-AE").unwrap_err();
    assert_eq!(
        e.to_string(),
        "KSeF number has a wrong checksum: expected AF, found AE"
    );
    let e = KsefNumber::parse("5265877635-20250826-0100001af629-AF").unwrap_err();
    assert!(matches!(
        e,
        IdentifierError::InvalidChar {
            position: 28,
            found: 'a',
            ..
        }
    ));
    let e = KsefNumber::parse("5265877635-20250231-0100001AF629-AF").unwrap_err();
    assert!(matches!(e, IdentifierError::InvalidDate { .. }));
}

#[test]
fn ksef_crc_ignores_the_33rd_character() {
    let s = "5265877635-20250826-0100001AF629-AF";
    let data = &s.as_bytes()[..32];
    assert_eq!(ksef_crc8(data), 0xAF);
    // The catalogue check value of CRC-8/SMBUS.
    assert_eq!(ksef_crc8(b"123456789"), 0xF4);
}

#[test]
fn ksef_number_construction_and_legacy_form() {
    let nip = Nip::parse("5265877635").unwrap();
    let date = time::Date::from_calendar_date(2025, time::Month::August, 26).unwrap();
    let n = KsefNumber::compose(&nip, date, [0x01, 0x00, 0x00, 0x1A, 0xF6, 0x29]).unwrap();
    assert_eq!(n.as_str(), "5265877635-20250826-0100001AF629-AF");
    let from_parts = KsefNumber::from_parts("5265877635", date, "0100001AF629").unwrap();
    assert_eq!(from_parts, n);

    // 36-character KSeF 1.0 form: both checksum conventions are accepted.
    let legacy = KsefNumber::parse("5265877635-20250826-010000-1AF629-AF").unwrap();
    assert!(legacy.is_legacy());
    assert_eq!(legacy.canonical(), "5265877635-20250826-0100001AF629-AF");
    let data33 = "5265877635-20250826-010000-1AF629";
    let crc = format!("{:02X}", ksef_crc8(data33.as_bytes()));
    let legacy33 = KsefNumber::parse(&format!("{data33}-{crc}")).unwrap();
    assert_eq!(legacy33.canonical(), "5265877635-20250826-0100001AF629-AF");
    assert_eq!(legacy33.checksum(), "AF");
}

#[test]
fn nip_vectors() {
    assert!(Nip::parse("1234563218").is_ok());
    for ok in ["5265877635", "1111111111", "6824515772", "9876543210"] {
        assert!(Nip::parse(ok).is_ok(), "{ok}");
    }
    assert_eq!(
        Nip::parse("1234563219").unwrap_err().to_string(),
        "NIP has a wrong checksum: expected 8, found 9"
    );
    assert_eq!(
        Nip::parse("123456").unwrap_err().to_string(),
        "NIP has length 6; expected 10 digits"
    );
    assert!(matches!(
        Nip::parse("123456789012").unwrap_err(),
        IdentifierError::Length { actual: 12, .. }
    ));
    assert_eq!(
        Nip::parse("12345678A9").unwrap_err().to_string(),
        "NIP has 'A' at position 9; expected a digit 0-9"
    );
    assert!(Nip::parse("123-456-78-90").is_err());
    assert!(matches!(
        Nip::parse("0123456789").unwrap_err(),
        IdentifierError::Format { .. }
    ));
}

#[test]
fn internal_id_vectors() {
    let id = InternalId::parse("6824515772-12343").unwrap();
    assert_eq!(id.nip_part(), "6824515772");
    assert!(InternalId::parse("123-456-7890124").is_err());
    assert!(matches!(
        InternalId::parse("9876543210-12345").unwrap_err(),
        IdentifierError::Checksum { .. }
    ));
    assert!(matches!(
        InternalId::parse("6824515772_12343").unwrap_err(),
        IdentifierError::InvalidChar { position: 11, .. }
    ));
}

#[test]
fn pesel_rules() {
    // 1990-01-01, check digit computed by the weights 1,3,7,9.
    let p = Pesel::parse("90010112318").unwrap();
    assert_eq!(
        p.birth_date(),
        Some(time::Date::from_calendar_date(1990, time::Month::January, 1).unwrap())
    );
    assert!(!p.is_female());
    // 2001-02-29 does not exist (2001 is not a leap year).
    assert!(matches!(
        Pesel::parse("01222912345").unwrap_err(),
        IdentifierError::InvalidDate { .. }
    ));
    // 2000-02-29 exists; month 22 = February of the 2000s.
    let leap = "0022291234";
    let d: Vec<u8> = leap.bytes().map(|b| b - b'0').collect();
    let check = pesel_check_digit(&d.clone().try_into().unwrap());
    assert!(Pesel::parse(&format!("{leap}{check}")).is_ok());
    assert!(matches!(
        Pesel::parse(&format!("{leap}{}", (check + 1) % 10)).unwrap_err(),
        IdentifierError::Checksum { .. }
    ));
    assert!(Pesel::parse("9901011234").is_err());
    assert!(Pesel::parse("990101123456").is_err());
}

#[test]
fn generators_produce_valid_identifiers() {
    use rand::SeedableRng as _;
    let mut rng = rand::rngs::StdRng::seed_from_u64(14);
    for _ in 0..200 {
        let nip = random_nip(&mut rng);
        assert!(Nip::parse(nip.as_str()).is_ok());
        let id = random_internal_id(&mut rng, &nip);
        assert!(InternalId::parse(id.as_str()).is_ok());
        assert_eq!(id.nip_part(), nip.as_str());
        let pesel = random_pesel(&mut rng);
        assert!(Pesel::parse(pesel.as_str()).is_ok());
    }
}

#[test]
fn the_date_check_follows_the_gregorian_leap_rule() {
    // Every fourth year, except centuries not divisible by 400.
    for (year, leap) in [
        (2024, true),
        (2025, false),
        (1900, false),
        (2000, true),
        (2100, false),
    ] {
        assert_eq!(
            days_in_month(year, 2),
            Some(if leap { 29 } else { 28 }),
            "{year}"
        );
    }
    assert_eq!(days_in_month(2025, 4), Some(30));
    assert_eq!(days_in_month(2025, 12), Some(31));
    assert_eq!(days_in_month(2025, 13), None);
    assert!(!is_calendar_date(2025, 6, 31));
    assert!(!is_calendar_date(2025, 6, 0));
    // The same rule for KSeF numbers: 2024-02-29 exists, 2100-02-29 does not.
    let nip = "5265877635";
    for (date, ok) in [("20240229", true), ("21000229", false), ("20250431", false)] {
        let data = format!("{nip}-{date}-0100001AF629");
        let s = format!("{data}-{:02X}", ksef_crc8(data.as_bytes()));
        assert_eq!(KsefNumber::parse(&s).is_ok(), ok, "{s}");
    }
}

/// Issue 14: random identifiers without `rand`, valid by their own parsers.
#[test]
fn random_identifiers_from_the_system_source_are_valid() {
    for _ in 0..200 {
        let nip = Nip::random();
        assert_eq!(Nip::parse(nip.as_str()).unwrap(), nip);
        let pesel = Pesel::random();
        assert_eq!(Pesel::parse(pesel.as_str()).unwrap(), pesel);
        let year = pesel.birth_date().unwrap().year();
        assert!((1950..=2005).contains(&year), "{pesel:?}");
        let id = InternalId::random_under(&nip);
        assert_eq!(id.nip_part(), nip.as_str());
    }
}

/// Values from KSeF are kept as they are; `validate` checks them later, with the same answer as
/// `parse`.
#[test]
fn unchecked_values_are_kept_and_validated_later() {
    let bad = Nip::new_unchecked("5265877636");
    assert_eq!(bad.as_str(), "5265877636");
    assert_eq!(bad.validate(), Nip::parse("5265877636").map(|_| ()));
    assert!(Nip::new_unchecked("5265877635").validate().is_ok());
    let n = KsefNumber::new_unchecked("5265877635-20250826-0100001AF629-AE");
    assert!(matches!(
        n.validate(),
        Err(IdentifierError::Checksum { .. })
    ));
    assert_eq!(n.technical_part(), "0100001AF629");
    assert_eq!(Pesel::new_unchecked("99999999999").birth_date(), None);
    assert_eq!(KsefNumber::new_unchecked("garbage").date(), None);
    // An internal identifier under a NIP that is not one is never valid, and never loops.
    assert!(
        InternalId::random_under(&Nip::new_unchecked("0000000000"))
            .validate()
            .is_err()
    );
}

/// JSON: a string both ways; decoding does not check (the TEST environment accepts NIPs with
/// wrong check digits in invoices, and such values must still decode).
#[test]
fn serde_is_a_plain_string_and_decoding_is_lenient() {
    let nip = Nip::parse("5265877635").unwrap();
    let json = serde_json::to_string(&nip).unwrap();
    assert_eq!(json, "\"5265877635\"");
    assert_eq!(serde_json::from_str::<Nip>(&json).unwrap(), nip);
    let bad: Nip = serde_json::from_str("\"5265877636\"").unwrap();
    assert!(bad.validate().is_err());
    let legacy: KsefNumber =
        serde_json::from_str("\"5265877635-20250826-010000-1AF629-AF\"").unwrap();
    assert_eq!(legacy.canonical(), "5265877635-20250826-0100001AF629-AF");
    assert_eq!(
        serde_json::to_string(&legacy).unwrap(),
        "\"5265877635-20250826-010000-1AF629-AF\""
    );
}

/// The rules of the KSeF schemas that go beyond the check digits: a NIP prefix in internal
/// identifiers and KSeF numbers, and KSeF numbers dated 2020 or later.
#[test]
fn the_schema_rules_hold_too() {
    assert!(matches!(
        InternalId::parse("0000000000-00000").unwrap_err(),
        IdentifierError::Format { .. }
    ));
    let data = "5265877635-20191231-0100001AF629";
    let s = format!("{data}-{:02X}", ksef_crc8(data.as_bytes()));
    assert!(matches!(
        KsefNumber::parse(&s).unwrap_err(),
        IdentifierError::Format { .. }
    ));
    let data = "0065877635-20250826-0100001AF629";
    let s = format!("{data}-{:02X}", ksef_crc8(data.as_bytes()));
    assert!(matches!(
        KsefNumber::parse(&s).unwrap_err(),
        IdentifierError::Format { .. }
    ));
}
