//! Random valid identifiers, **for test data only** (they may belong to real people or
//! companies; never use them for anything but tests and emulators).
//!
//! [`Nip::random`], [`Pesel::random`] and [`InternalId::random_under`] (feature `random`) draw
//! from a small generator seeded by the standard library's per-process random keys (no `rand`
//! needed; not for secrets, which test identifiers are not); the `random_*` functions (feature
//! `rand`) take any `rand` generator, e.g. a seeded one for reproducible data.

#[cfg(feature = "rand")]
use rand::Rng;

use crate::internal_id::internal_id_check_digit;
use crate::nip::nip_check_digit;
use crate::pesel::{date_digits, pesel_check_digit};
use crate::{InternalId, Nip, Pesel, days_in_month};

fn digits_to_string(d: &[u8]) -> String {
    d.iter().map(|v| char::from(b'0' + v % 10)).collect()
}

/// A source of uniformly distributed random numbers.
trait Draw {
    /// A number in `lo..hi`.
    fn range(&mut self, lo: u32, hi: u32) -> u32;
}

/// `fastrand`'s thread-local generator.
#[cfg(feature = "random")]
struct Fast;

#[cfg(feature = "random")]
impl Draw for Fast {
    fn range(&mut self, lo: u32, hi: u32) -> u32 {
        fastrand::u32(lo..hi)
    }
}

#[cfg(feature = "rand")]
struct WithRng<'a, R: Rng + ?Sized>(&'a mut R);

#[cfg(feature = "rand")]
impl<R: Rng + ?Sized> Draw for WithRng<'_, R> {
    fn range(&mut self, lo: u32, hi: u32) -> u32 {
        self.0.gen_range(lo..hi)
    }
}

#[cfg(feature = "random")]
impl Nip {
    /// A random valid NIP, **for test data only** (it may belong to a real company): a
    /// tax-office prefix the KSeF schemas allow and a correct check digit. Feature `random`.
    pub fn random() -> Nip {
        nip(&mut Fast)
    }
}

#[cfg(feature = "random")]
impl Pesel {
    /// A random valid PESEL, **for test data only** (it may belong to a real person), of
    /// someone born between 1950-01-01 and 2005-12-31. Feature `random`.
    pub fn random() -> Pesel {
        pesel(&mut Fast)
    }
}

#[cfg(feature = "random")]
impl InternalId {
    /// A random valid internal identifier (`NIP-NNNNN`) under `nip`, **for test data only**.
    /// Feature `random`.
    pub fn random_under(nip: &Nip) -> InternalId {
        internal_id(&mut Fast, nip)
    }
}

/// A random valid NIP (tax-office prefix allowed by the KSeF schemas, correct check digit).
#[cfg(feature = "rand")]
pub fn random_nip<R: Rng + ?Sized>(rng: &mut R) -> Nip {
    nip(&mut WithRng(rng))
}

/// A random valid PESEL of a person born between 1950-01-01 and 2005-12-31.
#[cfg(feature = "rand")]
pub fn random_pesel<R: Rng + ?Sized>(rng: &mut R) -> Pesel {
    pesel(&mut WithRng(rng))
}

/// A random valid internal identifier (`NIP-NNNNN`) under the given NIP.
#[cfg(feature = "rand")]
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
        let Some(date_digits) = date_digits(year, month, day) else {
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

/// The check digit makes the identifier valid whenever `nip` is a valid NIP; under an unchecked
/// NIP that is not, the result fails `validate()` as well (no loop waits for a valid one).
fn internal_id(rng: &mut impl Draw, nip: &Nip) -> InternalId {
    let mut d = [0u8; 14];
    for (slot, b) in d.iter_mut().zip(nip.as_str().bytes()) {
        *slot = b.wrapping_sub(b'0') % 10;
    }
    for slot in d[10..].iter_mut() {
        *slot = digit(rng);
    }
    let check = internal_id_check_digit(&d);
    InternalId::new_unchecked(format!(
        "{}-{}{}",
        nip.as_str(),
        digits_to_string(&d[10..]),
        char::from(b'0' + check)
    ))
}
