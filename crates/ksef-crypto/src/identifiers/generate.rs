//! Random valid identifiers, **for test data only** (they may belong to real people or
//! companies; never use them for anything but tests and emulators).
//!
//! [`Nip::random`], [`Pesel::random`] and [`InternalId::random_under`] draw from the operating
//! system's random source (no `rand` needed); the `random_*` functions (feature `test-data`)
//! take any `rand` generator, e.g. a seeded one for reproducible data.

#[cfg(feature = "test-data")]
use rand::Rng;

use super::{
    InternalId, Nip, Pesel, days_in_month, internal_id_check_digit, nip_check_digit,
    pesel_check_digit, pesel_date_digits,
};

fn digits_to_string(d: &[u8]) -> String {
    d.iter().map(|v| char::from(b'0' + v % 10)).collect()
}

/// A source of uniformly distributed random numbers below a bound.
trait Draw {
    /// A number in `lo..hi`.
    fn range(&mut self, lo: u32, hi: u32) -> u32;
}

/// Draws from the operating system's random source (through `ring`).
struct System;

impl Draw for System {
    fn range(&mut self, lo: u32, hi: u32) -> u32 {
        let span = hi.saturating_sub(lo).max(1);
        // Rejection sampling: values in the last incomplete block of `span` would bias the result.
        let zone = u32::MAX - (u32::MAX % span);
        loop {
            let mut b = [0u8; 4];
            crate::random::fill(&mut b);
            let v = u32::from_le_bytes(b);
            if v < zone {
                return lo + v % span;
            }
        }
    }
}

#[cfg(feature = "test-data")]
struct WithRng<'a, R: Rng + ?Sized>(&'a mut R);

#[cfg(feature = "test-data")]
impl<R: Rng + ?Sized> Draw for WithRng<'_, R> {
    fn range(&mut self, lo: u32, hi: u32) -> u32 {
        self.0.gen_range(lo..hi)
    }
}

impl Nip {
    /// A random valid NIP, **for test data only** (it may belong to a real company): a
    /// tax-office prefix the KSeF schemas allow and a correct check digit.
    pub fn random() -> Nip {
        nip(&mut System)
    }
}

impl Pesel {
    /// A random valid PESEL, **for test data only** (it may belong to a real person), of
    /// someone born between 1950-01-01 and 2005-12-31.
    pub fn random() -> Pesel {
        pesel(&mut System)
    }
}

impl InternalId {
    /// A random valid internal identifier (`NIP-NNNNN`) under `nip`, **for test data only**.
    pub fn random_under(nip: &Nip) -> InternalId {
        internal_id(&mut System, nip)
    }
}

/// A random valid NIP (tax-office prefix allowed by the KSeF schemas, correct check digit).
#[cfg(feature = "test-data")]
pub fn random_nip<R: Rng + ?Sized>(rng: &mut R) -> Nip {
    nip(&mut WithRng(rng))
}

/// A random valid PESEL of a person born between 1950-01-01 and 2005-12-31.
#[cfg(feature = "test-data")]
pub fn random_pesel<R: Rng + ?Sized>(rng: &mut R) -> Pesel {
    pesel(&mut WithRng(rng))
}

/// A random valid internal identifier (`NIP-NNNNN`) under the given NIP.
#[cfg(feature = "test-data")]
pub fn random_internal_id<R: Rng + ?Sized>(rng: &mut R, nip: &Nip) -> InternalId {
    internal_id(&mut WithRng(rng), nip)
}

/// A random decimal digit.
fn digit(rng: &mut impl Draw) -> u8 {
    rng.range(0, 10) as u8
}

fn nip(rng: &mut impl Draw) -> Nip {
    loop {
        let mut d = [0u8; 9];
        for slot in d.iter_mut() {
            *slot = digit(rng);
        }
        d[0] = rng.range(1, 10) as u8;
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

fn pesel(rng: &mut impl Draw) -> Pesel {
    loop {
        let year = 1950 + rng.range(0, 56) as i32;
        let month = rng.range(1, 13) as u8;
        let Some(days) = days_in_month(year, month) else {
            continue;
        };
        let day = rng.range(1, u32::from(days) + 1) as u8;
        let Some(date_digits) = pesel_date_digits(year, month, day) else {
            continue;
        };
        let mut d = [0u8; 10];
        d[..6].copy_from_slice(&date_digits);
        for slot in d[6..].iter_mut() {
            *slot = digit(rng);
        }
        let mut s = digits_to_string(&d);
        s.push(char::from(b'0' + pesel_check_digit(&d)));
        if let Ok(pesel) = Pesel::parse(&s) {
            return pesel;
        }
    }
}

fn internal_id(rng: &mut impl Draw, nip: &Nip) -> InternalId {
    loop {
        let mut d = [0u8; 14];
        for (slot, b) in d.iter_mut().zip(nip.as_str().bytes()) {
            *slot = b.wrapping_sub(b'0') % 10;
        }
        for slot in d[10..].iter_mut() {
            *slot = digit(rng);
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
