//! Input validation helpers for JSON request bodies and paging parameters: each failure is a
//! 400/21405 whose detail names the offending field, as the API's validator does.

use serde::Deserialize;
use serde_json::Value;

use crate::error::{EmuError, EmuResult};
use crate::state::Ident;

fn field_name(pointer: &str) -> String {
    pointer.trim_start_matches('/').replace('/', ".")
}

fn invalid(pointer: &str, what: &str) -> EmuError {
    EmuError::validation(format!("'{}' {what}", field_name(pointer)))
}

/// The string at `pointer`, required, with a length in `min..=max` characters.
pub(crate) fn req_str(body: &Value, pointer: &str, min: usize, max: usize) -> EmuResult<String> {
    opt_str(body, pointer, min, max)?.ok_or_else(|| invalid(pointer, "jest wymagane."))
}

/// The string at `pointer` if present and not null, with a length in `min..=max` characters.
pub(crate) fn opt_str(
    body: &Value,
    pointer: &str,
    min: usize,
    max: usize,
) -> EmuResult<Option<String>> {
    match body.pointer(pointer) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => {
            let n = s.chars().count();
            if n < min || n > max {
                return Err(invalid(
                    pointer,
                    &format!("musi mieć długość od {min} do {max} znaków."),
                ));
            }
            Ok(Some(s.clone()))
        }
        Some(_) => Err(invalid(pointer, "musi być tekstem.")),
    }
}

/// The boolean at `pointer` if present and not null.
pub(crate) fn opt_bool(body: &Value, pointer: &str) -> EmuResult<Option<bool>> {
    match body.pointer(pointer) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(_) => Err(invalid(pointer, "musi być wartością logiczną.")),
    }
}

/// The integer at `pointer` if present and not null, within `min..=max`.
pub(crate) fn opt_int(body: &Value, pointer: &str, min: i64, max: i64) -> EmuResult<Option<i64>> {
    match body.pointer(pointer) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => match v.as_i64() {
            Some(n) if (min..=max).contains(&n) => Ok(Some(n)),
            Some(_) => Err(invalid(
                pointer,
                &format!("musi mieścić się w zakresie {min}–{max}."),
            )),
            None => Err(invalid(pointer, "musi być liczbą całkowitą.")),
        },
    }
}

/// The integer at `pointer`, required, within `min..=max`.
pub(crate) fn req_int(body: &Value, pointer: &str, min: i64, max: i64) -> EmuResult<i64> {
    opt_int(body, pointer, min, max)?.ok_or_else(|| invalid(pointer, "jest wymagane."))
}

/// The spelling in `allowed` of `value`; enum values are read case-insensitively, as the API
/// does (its own examples send `"type": "nip"`).
fn canonical<'a>(allowed: &[&'a str], value: &str) -> Option<&'a str> {
    allowed
        .iter()
        .copied()
        .find(|a| a.eq_ignore_ascii_case(value))
}

/// The enum value at `pointer`, required, one of `allowed`.
pub(crate) fn req_enum(body: &Value, pointer: &str, allowed: &[&str]) -> EmuResult<String> {
    opt_enum(body, pointer, allowed)?.ok_or_else(|| invalid(pointer, "jest wymagane."))
}

/// The enum value at `pointer` if present and not null, one of `allowed`.
pub(crate) fn opt_enum(body: &Value, pointer: &str, allowed: &[&str]) -> EmuResult<Option<String>> {
    match body.pointer(pointer) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if canonical(allowed, s).is_some() => {
            Ok(canonical(allowed, s).map(str::to_owned))
        }
        Some(_) => Err(invalid(
            pointer,
            &format!("musi mieć jedną z wartości: {}.", allowed.join(", ")),
        )),
    }
}

/// The list of enum values at `pointer` (absent or null: empty; `required`: at least one).
pub(crate) fn enum_list(
    body: &Value,
    pointer: &str,
    allowed: &[&str],
    required: bool,
) -> EmuResult<Vec<String>> {
    let list = match body.pointer(pointer) {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => {
            let mut out = Vec::with_capacity(items.len());
            for item in items {
                match item.as_str().and_then(|s| canonical(allowed, s)) {
                    Some(s) => out.push(s.to_owned()),
                    _ => {
                        return Err(invalid(
                            pointer,
                            &format!("może zawierać tylko wartości: {}.", allowed.join(", ")),
                        ));
                    }
                }
            }
            out
        }
        Some(_) => return Err(invalid(pointer, "musi być listą.")),
    };
    if required && list.is_empty() {
        return Err(invalid(pointer, "nie może być puste."));
    }
    Ok(list)
}

/// Checks an identifier value of `kind` (NIP and PESEL with their check digits).
pub(crate) fn check_identifier(kind: &str, value: &str) -> Result<(), String> {
    use ksef_crypto::identifiers::{InternalId, Nip, Pesel};
    let ok = match kind {
        "Nip" => Nip::parse(value).is_ok(),
        "Pesel" => Pesel::parse(value).is_ok(),
        "InternalId" => InternalId::parse(value).is_ok(),
        "NipVatUe" => {
            value.len() >= 15
                && value.len() <= 25
                && value.get(..10).is_some_and(|n| Nip::parse(n).is_ok())
                && value.as_bytes().get(10) == Some(&b'-')
        }
        "PeppolId" => {
            let b = value.as_bytes();
            b.len() == 9
                && b[0] == b'P'
                && b[1..3].iter().all(u8::is_ascii_uppercase)
                && b[3..].iter().all(u8::is_ascii_digit)
        }
        "Fingerprint" => value.len() == 64 && value.bytes().all(|c| c.is_ascii_hexdigit()),
        "AllPartners" | "System" => true,
        _ => false,
    };
    if ok {
        Ok(())
    } else {
        Err(format!(
            "Nieprawidłowa wartość identyfikatora typu {kind}: '{value}'."
        ))
    }
}

/// A `{type, value}` identifier at `pointer`, required; the type must be in `kinds`.
pub(crate) fn req_ident(body: &Value, pointer: &str, kinds: &[&str]) -> EmuResult<Ident> {
    opt_ident(body, pointer, kinds)?.ok_or_else(|| invalid(pointer, "jest wymagane."))
}

/// A `{type, value}` identifier at `pointer` if present and not null.
pub(crate) fn opt_ident(body: &Value, pointer: &str, kinds: &[&str]) -> EmuResult<Option<Ident>> {
    match body.pointer(pointer) {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::Object(_)) => {}
        Some(_) => return Err(invalid(pointer, "musi być obiektem.")),
    }
    let kind = req_enum(body, &format!("{pointer}/type"), kinds)?;
    let value = if matches!(kind.as_str(), "AllPartners" | "System") {
        opt_str(body, &format!("{pointer}/value"), 0, 64)?.unwrap_or_default()
    } else {
        req_str(body, &format!("{pointer}/value"), 1, 64)?
    };
    if !value.is_empty() {
        check_identifier(&kind, &value).map_err(EmuError::validation)?;
    }
    Ok(Some(Ident::new(kind, value)))
}

/// A NIP string at `pointer`, required and valid.
pub(crate) fn req_nip(body: &Value, pointer: &str) -> EmuResult<String> {
    let nip = req_str(body, pointer, 10, 10)?;
    check_identifier("Nip", &nip).map_err(EmuError::validation)?;
    Ok(nip)
}

/// A date-time at `pointer` if present and not null (RFC 3339).
pub(crate) fn opt_datetime(body: &Value, pointer: &str) -> EmuResult<Option<time::OffsetDateTime>> {
    match opt_str(body, pointer, 1, 64)? {
        None => Ok(None),
        Some(s) => ksef_model::rt::datetime::parse_date_time(&s)
            .map(Some)
            .map_err(|_| invalid(pointer, "musi być datą i czasem (ISO 8601).")),
    }
}

/// `pageOffset`/`pageSize` query parameters.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct PageQuery {
    /// Page index, from 0.
    pub page_offset: Option<i64>,
    /// Page size, 10–100 (default 10).
    pub page_size: Option<i64>,
}

impl PageQuery {
    /// `(offset, size)` checked: offset ≥ 0, size in 10–100.
    pub(crate) fn checked(&self) -> EmuResult<(usize, usize)> {
        let size = self.page_size.unwrap_or(10);
        if !(10..=100).contains(&size) {
            return Err(EmuError::validation(
                "'pageSize' musi mieścić się w zakresie 10–100.",
            ));
        }
        let offset = self.page_offset.unwrap_or(0);
        if offset < 0 {
            return Err(EmuError::validation("'pageOffset' nie może być ujemne."));
        }
        let offset = usize::try_from(offset).unwrap_or(usize::MAX);
        let size = usize::try_from(size).unwrap_or(10);
        Ok((offset, size))
    }
}

/// One page of `items` (`pageOffset` counts pages) and whether more follow.
pub(crate) fn page<T>(items: Vec<T>, offset: usize, size: usize) -> (Vec<T>, bool) {
    let start = offset.saturating_mul(size);
    let total = items.len();
    let page: Vec<T> = items.into_iter().skip(start).take(size).collect();
    let more = start.saturating_add(page.len()) < total;
    (page, more)
}

/// The caller's context as an identifier.
pub(crate) fn context_of(caller: &crate::pipeline::Caller) -> Ident {
    Ident::new(caller.claims.ctx_type.clone(), caller.claims.ctx.clone())
}

/// The caller's subject as an identifier.
pub(crate) fn subject_of(caller: &crate::pipeline::Caller) -> Ident {
    Ident::new(caller.claims.sub_type.clone(), caller.claims.sub.clone())
}

/// The RFC 3339 form of a time, as the API writes it.
pub(crate) fn rfc3339(t: time::OffsetDateTime) -> String {
    ksef_model::rt::datetime::format_date_time(&t)
}

/// A JSON body that may be empty (then `{}`); anything else that is not JSON is a 400/21405.
pub(crate) fn optional_body(raw: &[u8]) -> EmuResult<Value> {
    if raw.iter().all(u8::is_ascii_whitespace) {
        return Ok(Value::Object(serde_json::Map::new()));
    }
    match serde_json::from_slice::<Value>(raw) {
        Ok(Value::Null) => Ok(Value::Object(serde_json::Map::new())),
        Ok(v @ Value::Object(_)) => Ok(v),
        Ok(_) => Err(EmuError::validation(
            "Treść żądania musi być obiektem JSON.",
        )),
        Err(e) => Err(EmuError::validation(format!("Nieprawidłowy JSON: {e}"))),
    }
}
