//! Polish formatting of amounts, quantities and dates.

use ksef_invoice::Decimal;

/// The thousands separator: a no-break space, so amounts never wrap.
pub(crate) const THOUSANDS: char = '\u{a0}';

/// An amount: thousands grouped, decimal comma, at least two decimals (`1 234,50`).
pub(crate) fn amount(value: &Decimal) -> String {
    let scaled = value
        .with_scale(value.fraction_digits().max(2))
        .unwrap_or(*value);
    number(&scaled)
}

/// A number with the digits it was written with (`1 234,5`, `3`).
pub(crate) fn number(value: &Decimal) -> String {
    let text = value.to_string();
    let (sign, digits) = match text.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", text.as_str()),
    };
    let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
    let mut out = String::with_capacity(text.len() + 4);
    out.push_str(sign);
    let len = int.chars().count();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (len - i) % 3 == 0 {
            out.push(THOUSANDS);
        }
        out.push(c);
    }
    if !frac.is_empty() {
        out.push(',');
        out.push_str(frac);
    }
    out
}

/// An optional amount (empty when absent).
pub(crate) fn opt_amount(value: Option<&Decimal>) -> String {
    value.map(amount).unwrap_or_default()
}

/// An optional number (empty when absent).
pub(crate) fn opt_number(value: Option<&Decimal>) -> String {
    value.map(number).unwrap_or_default()
}

/// A date as `DD.MM.YYYY`.
pub(crate) fn date(d: time::Date) -> String {
    format!("{:02}.{:02}.{:04}", d.day(), u8::from(d.month()), d.year())
}

/// A date-time as `DD.MM.YYYY HH:MM:SS` in its own offset.
pub(crate) fn date_time(t: time::OffsetDateTime) -> String {
    format!(
        "{} {:02}:{:02}:{:02}",
        date(t.date()),
        t.hour(),
        t.minute(),
        t.second()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    #[test]
    fn polish_amounts() {
        assert_eq!(amount(&d("1234.5")), "1\u{a0}234,50");
        assert_eq!(amount(&d("-1234567.891")), "-1\u{a0}234\u{a0}567,891");
        assert_eq!(amount(&d("0")), "0,00");
        assert_eq!(amount(&d("999")), "999,00");
        assert_eq!(number(&d("3")), "3");
        assert_eq!(number(&d("1000.25")), "1\u{a0}000,25");
    }
}
