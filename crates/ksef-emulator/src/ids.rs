//! Reference numbers, challenges and KSeF numbers.

use rand::Rng;
use time::OffsetDateTime;

/// A 36-character reference number `YYYYMMDD-TT-HEX10-HEX10-HEX2` with the two-letter type code
/// (`AU` authentication, `SO` online session, `SB` batch session, `EE` invoice, `EU` UPO,
/// `EH` export, `EC` KSeF token, `EG` permission operation, `CR` challenge).
pub(crate) fn reference_number(kind: &str, at: OffsetDateTime) -> String {
    let mut rng = rand::thread_rng();
    let hex = |n: usize, rng: &mut rand::rngs::ThreadRng| -> String {
        (0..n)
            .map(|_| char::from(b"0123456789ABCDEF"[rng.gen_range(0..16)]))
            .collect()
    };
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

/// A fresh KSeF number for an invoice of `seller_nip` accepted at `at`.
pub(crate) fn ksef_number(seller_nip: &str, at: OffsetDateTime) -> Option<String> {
    let nip = ksef_crypto::identifiers::Nip::parse(seller_nip).ok()?;
    let technical: [u8; 6] = rand::thread_rng().r#gen();
    ksef_crypto::identifiers::KsefNumber::compose(&nip, at.date(), technical)
        .ok()
        .map(|n| n.as_str().to_owned())
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
}
