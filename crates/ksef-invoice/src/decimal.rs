//! An exact decimal number that keeps its scale (`2051` and `2051.00` write back as they came),
//! with the arithmetic invoices need and rounding to a number of places, half away from zero.

use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::str::FromStr;

/// Largest scale (digits after the point) a [`Decimal`] holds.
pub(crate) const MAX_SCALE: u32 = 30;

/// An exact decimal: `mantissa × 10^-scale`. Equality and order are by value (`1.50 == 1.5`);
/// the scale is kept for writing.
#[derive(Clone, Copy, Default)]
pub struct Decimal {
    mantissa: i128,
    scale: u32,
}

/// Why text is not a decimal, or an operation overflowed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DecimalError {
    /// The text is not `[+-]digits[.digits]`.
    #[error("not a decimal number")]
    Syntax,
    /// More digits than 38 significant or 30 after the point.
    #[error("too many digits")]
    Overflow,
}

const fn pow10(n: u32) -> Option<i128> {
    10i128.checked_pow(n)
}

impl Decimal {
    /// Zero.
    pub const ZERO: Decimal = Decimal {
        mantissa: 0,
        scale: 0,
    };

    /// `mantissa × 10^-scale`.
    pub fn new(mantissa: i128, scale: u32) -> Result<Self, DecimalError> {
        if scale > MAX_SCALE {
            return Err(DecimalError::Overflow);
        }
        Ok(Decimal { mantissa, scale })
    }

    /// An integer.
    pub const fn from_int(n: i64) -> Self {
        Decimal {
            mantissa: n as i128,
            scale: 0,
        }
    }

    /// The unscaled value.
    pub const fn mantissa(&self) -> i128 {
        self.mantissa
    }

    /// Digits after the point as written.
    pub const fn scale(&self) -> u32 {
        self.scale
    }

    /// Whether the value is zero.
    pub const fn is_zero(&self) -> bool {
        self.mantissa == 0
    }

    /// Whether the value is below zero.
    pub const fn is_negative(&self) -> bool {
        self.mantissa < 0
    }

    /// Without trailing zeros after the point (`1.500` → `1.5`).
    pub fn normalized(&self) -> Self {
        let mut d = *self;
        while d.scale > 0 && d.mantissa % 10 == 0 {
            d.mantissa /= 10;
            d.scale -= 1;
        }
        d
    }

    /// Number of significant digits of the value (the schema's `totalDigits`).
    pub fn total_digits(&self) -> u32 {
        let n = self.normalized();
        let digits = n
            .mantissa
            .unsigned_abs()
            .checked_ilog10()
            .map_or(1, |l| l + 1);
        digits.max(n.scale)
    }

    /// Number of digits after the point of the value (the schema's `fractionDigits`).
    pub fn fraction_digits(&self) -> u32 {
        self.normalized().scale
    }

    /// The same value written with `scale` places (only when no digit is lost).
    pub fn with_scale(&self, scale: u32) -> Option<Self> {
        match scale.cmp(&self.scale) {
            Ordering::Equal => Some(*self),
            Ordering::Greater => Some(Decimal {
                mantissa: self.mantissa.checked_mul(pow10(scale - self.scale)?)?,
                scale,
            }),
            Ordering::Less => {
                let p = pow10(self.scale - scale)?;
                (self.mantissa % p == 0).then_some(Decimal {
                    mantissa: self.mantissa / p,
                    scale,
                })
            }
        }
    }

    /// Rounded to `places` digits after the point, half away from zero (the usual rounding of
    /// amounts to the grosz: 0.005 → 0.01), written with exactly `places` digits.
    pub fn round(&self, places: u32) -> Self {
        if places >= self.scale {
            return self.with_scale(places).unwrap_or(*self);
        }
        let p = pow10(self.scale - places).unwrap_or(i128::MAX);
        let q = self.mantissa / p;
        let r = self.mantissa % p;
        let adj = if r.unsigned_abs() * 2 >= p.unsigned_abs() {
            self.mantissa.signum()
        } else {
            0
        };
        Decimal {
            mantissa: q + adj,
            scale: places,
        }
    }

    fn aligned(a: Self, b: Self) -> Option<(i128, i128, u32)> {
        let s = a.scale.max(b.scale);
        Some((a.with_scale(s)?.mantissa, b.with_scale(s)?.mantissa, s))
    }

    /// `self + other`, `None` on overflow.
    pub fn checked_add(&self, other: &Self) -> Option<Self> {
        let (a, b, scale) = Self::aligned(*self, *other)?;
        Some(Decimal {
            mantissa: a.checked_add(b)?,
            scale,
        })
    }

    /// `self - other`, `None` on overflow.
    pub fn checked_sub(&self, other: &Self) -> Option<Self> {
        self.checked_add(&other.neg())
    }

    /// `self × other` (exact; the scales add up), `None` on overflow.
    pub fn checked_mul(&self, other: &Self) -> Option<Self> {
        let a = self.normalized();
        let b = other.normalized();
        let scale = a.scale + b.scale;
        if scale > MAX_SCALE {
            return None;
        }
        Some(Decimal {
            mantissa: a.mantissa.checked_mul(b.mantissa)?,
            scale,
        })
    }

    /// `self / other` rounded to `places` digits, half away from zero; `None` on division by
    /// zero or overflow.
    pub fn checked_div(&self, other: &Self, places: u32) -> Option<Self> {
        if other.mantissa == 0 {
            return None;
        }
        // self / other = (m1 / m2) × 10^(s2 - s1); compute with two extra digits, then round.
        let target = places + 2;
        let shift = i64::from(target) + i64::from(other.scale) - i64::from(self.scale);
        let (num, den) = if shift >= 0 {
            (
                self.mantissa
                    .checked_mul(pow10(u32::try_from(shift).ok()?)?)?,
                other.mantissa,
            )
        } else {
            (
                self.mantissa,
                other
                    .mantissa
                    .checked_mul(pow10(u32::try_from(-shift).ok()?)?)?,
            )
        };
        // Truncating two digits below the target cannot change the half-away-from-zero
        // decision: the dropped remainder is below one unit of the 2nd extra digit.
        Some(
            Decimal {
                mantissa: num / den,
                scale: target,
            }
            .round(places),
        )
    }

    /// `-self`.
    pub fn neg(&self) -> Self {
        Decimal {
            mantissa: -self.mantissa,
            scale: self.scale,
        }
    }

    /// `|self|`.
    pub fn abs(&self) -> Self {
        Decimal {
            mantissa: self.mantissa.abs(),
            scale: self.scale,
        }
    }
}

impl PartialEq for Decimal {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Decimal {}

impl Hash for Decimal {
    fn hash<H: Hasher>(&self, state: &mut H) {
        let n = self.normalized();
        n.mantissa.hash(state);
        n.scale.hash(state);
    }
}

impl PartialOrd for Decimal {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Decimal {
    fn cmp(&self, other: &Self) -> Ordering {
        // Same scale (the usual case: amounts of one document): the mantissas decide.
        if self.scale == other.scale {
            return self.mantissa.cmp(&other.mantissa);
        }
        let (a, b) = (self.normalized(), other.normalized());
        match Self::aligned(a, b) {
            Some((x, y, _)) => x.cmp(&y),
            // Alignment overflows only when magnitudes differ hugely; signs and then the
            // integer parts decide.
            None => a.mantissa.signum().cmp(&b.mantissa.signum()).then_with(|| {
                let ia = a.mantissa / pow10(a.scale).unwrap_or(1);
                let ib = b.mantissa / pow10(b.scale).unwrap_or(1);
                ia.cmp(&ib)
            }),
        }
    }
}

impl FromStr for Decimal {
    type Err = DecimalError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (neg, body) = match s.as_bytes().first() {
            Some(b'-') => (true, &s[1..]),
            Some(b'+') => (false, &s[1..]),
            _ => (false, s),
        };
        let (int, frac) = body.split_once('.').unwrap_or((body, ""));
        if (int.is_empty() && frac.is_empty())
            || !int.bytes().all(|b| b.is_ascii_digit())
            || !frac.bytes().all(|b| b.is_ascii_digit())
        {
            return Err(DecimalError::Syntax);
        }
        let scale = u32::try_from(frac.len()).map_err(|_| DecimalError::Overflow)?;
        if scale > MAX_SCALE {
            return Err(DecimalError::Overflow);
        }
        let mut m: i128 = 0;
        for b in int.bytes().chain(frac.bytes()) {
            m = m
                .checked_mul(10)
                .and_then(|m| m.checked_add(i128::from(b - b'0')))
                .ok_or(DecimalError::Overflow)?;
        }
        Ok(Decimal {
            mantissa: if neg { -m } else { m },
            scale,
        })
    }
}

impl Decimal {
    /// Appends the decimal as written (`-12.30`) to `out`, without allocating.
    pub(crate) fn write_to(&self, out: &mut String) {
        let mut digits = [0u8; 40];
        let mut n = self.mantissa.unsigned_abs();
        let mut len = 0;
        // 128-bit division is a library call per digit: peel digits off only until the rest fits
        // in 64 bits (at once for every amount an invoice holds), then divide natively.
        while n > u128::from(u64::MAX) {
            digits[len] = b'0' + (n % 10) as u8;
            n /= 10;
            len += 1;
        }
        let mut n = n as u64;
        loop {
            digits[len] = b'0' + (n % 10) as u8;
            n /= 10;
            len += 1;
            if n == 0 {
                break;
            }
        }
        let scale = self.scale as usize;
        while len <= scale {
            digits[len] = b'0';
            len += 1;
        }
        if self.mantissa < 0 {
            out.push('-');
        }
        for i in (0..len).rev() {
            if i + 1 == scale {
                out.push('.');
            }
            out.push(char::from(digits[i]));
        }
    }
}

impl fmt::Display for Decimal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = String::with_capacity(24);
        self.write_to(&mut s);
        f.write_str(&s)
    }
}

impl fmt::Debug for Decimal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl From<i64> for Decimal {
    fn from(n: i64) -> Self {
        Decimal::from_int(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_mantissas_beyond_64_bits_and_compares_across_scales() {
        let big = Decimal::new(-123_456_789_012_345_678_901_234_567, 4).expect("fits");
        assert_eq!(big.to_string(), "-12345678901234567890123.4567");
        let d = |t: &str| t.parse::<Decimal>().expect("decimal");
        assert_eq!(d("0.05").to_string(), "0.05");
        assert!(d("1.10") > d("1.09"));
        assert!(d("-2.5") < d("1.00"));
        assert_eq!(d("1.10"), d("1.1"));
        assert!(d("1.10") < d("1.2"));
    }

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    #[test]
    fn keeps_the_written_scale() {
        for s in ["2051", "2051.00", "0.95", "-1.5", "0.001", "100"] {
            assert_eq!(d(s).to_string(), s);
        }
        assert_eq!(d("+01.50").to_string(), "1.50");
        assert_eq!(d("1.50"), d("1.5"));
        assert!(
            d("1.").to_string() == "1"
                && "".parse::<Decimal>().is_err()
                && "1e3".parse::<Decimal>().is_err()
        );
    }

    #[test]
    fn rounds_half_away_from_zero() {
        assert_eq!(d("0.005").round(2).to_string(), "0.01");
        assert_eq!(d("0.0049").round(2).to_string(), "0.00");
        assert_eq!(d("-0.005").round(2).to_string(), "-0.01");
        assert_eq!(d("2").round(2).to_string(), "2.00");
        assert_eq!(d("383.3318").round(2).to_string(), "383.33");
    }

    #[test]
    fn digits_follow_the_value() {
        assert_eq!(d("1.500").fraction_digits(), 1);
        assert_eq!(d("123.45").total_digits(), 5);
        assert_eq!(d("0.001").total_digits(), 3);
        assert_eq!(d("0").total_digits(), 1);
    }

    #[test]
    fn divides_with_rounding() {
        assert_eq!(
            d("100").checked_div(&d("1.23"), 2).unwrap().to_string(),
            "81.30"
        );
        assert_eq!(d("1").checked_div(&d("3"), 2).unwrap().to_string(), "0.33");
        assert_eq!(d("2").checked_div(&d("3"), 2).unwrap().to_string(), "0.67");
        assert_eq!(
            d("-2").checked_div(&d("3"), 2).unwrap().to_string(),
            "-0.67"
        );
        assert_eq!(
            d("0.125").checked_div(&d("1"), 2).unwrap().to_string(),
            "0.13"
        );
    }
}
