//! Random valid identifiers, **for test data only** (they may belong to real people or
//! companies; never use them for anything but tests and emulators).

use rand::Rng;

use super::{
    InternalId, Nip, Pesel, days_in_month, internal_id_check_digit, nip_check_digit,
    pesel_check_digit, pesel_date_digits,
};

fn digits_to_string(d: &[u8]) -> String {
    d.iter().map(|v| char::from(b'0' + v % 10)).collect()
}

/// A random valid NIP (tax-office prefix allowed by the KSeF schemas, correct check digit).
pub fn random_nip<R: Rng + ?Sized>(rng: &mut R) -> Nip {
    loop {
        let mut d = [0u8; 9];
        for slot in d.iter_mut() {
            *slot = rng.gen_range(0..10);
        }
        d[0] = rng.gen_range(1..10);
        if d[1] == 0 && d[2] == 0 {
            continue;
        }
        if let Some(check) = nip_check_digit(&d) {
            let mut s = digits_to_string(&d);
            s.push(char::from(b'0' + check));
            if let Ok(nip) = Nip::parse(&s) {
                return nip;
            }
        }
    }
}

/// A random valid PESEL of a person born between 1950-01-01 and 2005-12-31.
pub fn random_pesel<R: Rng + ?Sized>(rng: &mut R) -> Pesel {
    loop {
        let year = rng.gen_range(1950..=2005);
        let month = rng.gen_range(1u8..=12);
        let Some(days) = days_in_month(year, month) else {
            continue;
        };
        let day = rng.gen_range(1..=days);
        let Some(date_digits) = pesel_date_digits(year, month, day) else {
            continue;
        };
        let mut d = [0u8; 10];
        d[..6].copy_from_slice(&date_digits);
        for slot in d[6..].iter_mut() {
            *slot = rng.gen_range(0..10);
        }
        let mut s = digits_to_string(&d);
        s.push(char::from(b'0' + pesel_check_digit(&d)));
        if let Ok(pesel) = Pesel::parse(&s) {
            return pesel;
        }
    }
}

/// A random valid internal identifier (`NIP-NNNNN`) under the given NIP.
pub fn random_internal_id<R: Rng + ?Sized>(rng: &mut R, nip: &Nip) -> InternalId {
    loop {
        let mut d = [0u8; 14];
        for (slot, b) in d.iter_mut().zip(nip.as_str().bytes()) {
            *slot = b.wrapping_sub(b'0') % 10;
        }
        for slot in d[10..].iter_mut() {
            *slot = rng.gen_range(0..10);
        }
        let check = internal_id_check_digit(&d);
        let s = format!(
            "{}-{}{}",
            nip.as_str(),
            digits_to_string(&d[10..]),
            char::from(b'0' + check)
        );
        if let Ok(id) = InternalId::parse(&s) {
            return id;
        }
    }
}
