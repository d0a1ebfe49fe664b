//! Reference numbers, challenges and KSeF numbers.

use rand::Rng;
use time::OffsetDateTime;

/// A 36-character reference number `YYYYMMDD-TT-HEX10-HEX10-HEX2` with the two-letter type code
/// (`AU` authentication, `SO` online session, `SB` batch session, `EE` invoice, `EU` UPO,
/// `EH` export, `EC` KSeF token, `EG` permission operation, `CR` challenge).
pub(crate) fn reference_number(kind: &str, at: OffsetDateTime) -> String {
    let mut rng = rand::thread_rng();
    format!(
        "{:04}{:02}{:02}-{kind}-{}-{}-{}",
        at.year(),
        u8::from(at.month()),
        at.day(),
        hex(10, &mut rng),
        hex(10, &mut rng),
        hex(2, &mut rng)
    )
}

/// A fresh KSeF number for an invoice of `seller_nip` accepted at `at`. The NIP is checked for
/// its shape only: KSeF checks the check digit of the parties' NIPs in production alone
/// (`faktury/weryfikacja-faktury.md`), and the TEST environment numbers such invoices too.
pub(crate) fn ksef_number(seller_nip: &str, at: OffsetDateTime) -> Option<String> {
    let technical = hex(12, &mut rand::thread_rng());
    ksef_crypto::identifiers::KsefNumber::from_parts(seller_nip, at.date(), &technical)
        .ok()
        .map(|n| n.as_str().to_owned())
}

/// `n` random uppercase hex digits.
fn hex(n: usize, rng: &mut impl Rng) -> String {
    (0..n)
        .map(|_| char::from(b"0123456789ABCDEF"[rng.gen_range(0..16)]))
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn shapes() {
        let now = time::OffsetDateTime::now_utc();
        let r = super::reference_number("SO", now);
        assert_eq!(r.len(), 36);
        assert_eq!(&r[8..12], "-SO-");
        let k = super::ksef_number("5265877635", now).unwrap();
        assert!(ksef_crypto::identifiers::KsefNumber::parse(&k).is_ok());
    }

    #[test]
    fn a_seller_nip_with_a_wrong_check_digit_is_numbered_as_on_test() {
        let now = time::OffsetDateTime::now_utc();
        assert!(ksef_crypto::identifiers::Nip::parse("5265877636").is_err());
        let k = super::ksef_number("5265877636", now).unwrap();
        assert!(k.starts_with("5265877636-"), "{k}");
        assert!(ksef_crypto::identifiers::KsefNumber::parse(&k).is_ok());
        assert!(
            super::ksef_number("0265877636", now).is_none(),
            "shape still checked"
        );
    }
}
