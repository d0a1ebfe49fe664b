//! The API's conventions shared by the areas' handlers, beyond what the generated request types
//! check: the spelling of enumeration values (the service reads them regardless of case),
//! identifiers with the rules the schemas do not state, array sizes, paging parameters and
//! the answer's date-time form.
//!
//! Request bodies are decoded into the generated request types and checked by their
//! `validate()` (see [`crate::extract`]); what is here adds only what the spec's schemas do not
//! carry, each failure a 400/21405 naming the field by its JSON pointer.

use serde::Deserialize;

use crate::error::{EmuError, EmuResult};
use crate::extract::invalid_field;
use crate::state::Ident;

/// A generated enumeration: its values as the spec spells them, and the value as received.
pub(crate) trait SpecEnum {
    /// Every value the spec lists.
    const KNOWN: &'static [&'static str];
    /// The value as received.
    fn received(&self) -> &str;
}

macro_rules! spec_enums {
    ($($t:ident),* $(,)?) => {$(
        impl SpecEnum for ksef_model::$t {
            const KNOWN: &'static [&'static str] = ksef_model::$t::KNOWN;
            fn received(&self) -> &str {
                self.as_str()
            }
        }
    )*};
}
spec_enums!(
    CertificateListItemStatus,
    CurrencyCode,
    CertificateRevocationReason,
    EntityAuthorizationPermissionType,
    EntityAuthorizationPermissionsSubjectIdentifierType,
    EntityPermissionType,
    EntityPermissionsSubjectIdentifierType,
    EuEntityAdministrationPermissionsContextIdentifierType,
    EuEntityAdministrationPermissionsSubjectIdentifierType,
    EuEntityPermissionSubjectDetailsType,
    EuEntityPermissionType,
    EuEntityPermissionsSubjectIdentifierType,
    IndirectPermissionType,
    IndirectPermissionsSubjectIdentifierType,
    IndirectPermissionsTargetIdentifierType,
    PersonIdentifierType,
    PersonPermissionSubjectDetailsType,
    PersonPermissionType,
    PersonPermissionsSubjectIdentifierType,
    SubjectType,
    SubunitPermissionsContextIdentifierType,
    SubunitPermissionsSubjectIdentifierType,
    TestDataAuthenticationContextIdentifierType,
    TestDataAuthorizedIdentifierType,
    TestDataContextIdentifierType,
    TestDataPermissionType,
    TokenPermissionType,
    AuthenticationTokenStatus,
    TokenAuthorIdentifierType,
    KsefCertificateType,
    SubjectIdentifierType,
    PermissionState,
    PersonalPermissionType,
    PersonalPermissionsContextIdentifierType,
    PersonalPermissionsTargetIdentifierType,
    PersonPermissionsAuthorIdentifierType,
    PersonPermissionsAuthorizedIdentifierType,
    PersonPermissionsContextIdentifierType,
    PersonPermissionsTargetIdentifierType,
    PersonPermissionsQueryType,
    SubunitPermissionsSubunitIdentifierType,
    EntityPermissionsContextIdentifierType,
    EntityPermissionsSubordinateEntityIdentifierType,
    EntityAuthorizationsAuthorizingEntityIdentifierType,
    EntityAuthorizationsAuthorizedEntityIdentifierType,
    QueryType,
    InvoicePermissionType,
    EuEntityPermissionsQueryPermissionType,
);

/// The spec's spelling of an enumeration value the service accepted in any case (the spec's
/// own examples send `"type": "nip"`); a value it does not know is kept as received (the
/// generated `validate()` has refused it before a handler reads it).
pub(crate) fn spelling<E: SpecEnum>(value: &E) -> String {
    let received = value.received();
    E::KNOWN
        .iter()
        .find(|k| k.eq_ignore_ascii_case(received))
        .map_or_else(|| received.to_owned(), |k| (*k).to_owned())
}

/// A query parameter `name` that takes one of the values of the generated enumeration `E`.
pub(crate) fn query_value<E>(value: &str, name: &str) -> EmuResult<String>
where
    E: SpecEnum + for<'a> From<&'a str>,
{
    let spelled = spelling(&E::from(value));
    if E::KNOWN.contains(&spelled.as_str()) {
        Ok(spelled)
    } else {
        Err(EmuError::validation(format!(
            "'{name}' musi mieć jedną z wartości: {}.",
            E::KNOWN.join(", ")
        )))
    }
}

/// The spellings of a list of enumeration values.
pub(crate) fn spellings<E: SpecEnum>(values: &[E]) -> Vec<String> {
    values.iter().map(spelling).collect()
}

/// A generated `{type, value}` identifier of a request.
pub(crate) trait SpecIdent {
    /// The type, in the spec's spelling.
    fn kind(&self) -> String;
    /// The value (empty when the kind names no single party and the value was left out).
    fn value(&self) -> &str;
}

/// The text of an identifier's value, required or optional by the schema.
trait IdentValue {
    fn text(&self) -> &str;
}

impl IdentValue for String {
    fn text(&self) -> &str {
        self
    }
}

impl IdentValue for Option<String> {
    fn text(&self) -> &str {
        self.as_deref().unwrap_or_default()
    }
}

macro_rules! spec_idents {
    ($($t:ident),* $(,)?) => {$(
        impl SpecIdent for ksef_model::$t {
            fn kind(&self) -> String {
                spelling(&self.r#type)
            }
            fn value(&self) -> &str {
                self.value.text()
            }
        }
    )*};
}
spec_idents!(
    EntityAuthorizationPermissionsSubjectIdentifier,
    EntityAuthorizationsAuthorizedEntityIdentifier,
    EntityAuthorizationsAuthorizingEntityIdentifier,
    EntityPermissionsContextIdentifier,
    EntityPermissionsSubjectIdentifier,
    EntityPermissionsSubordinateEntityIdentifier,
    EuEntityAdministrationPermissionsContextIdentifier,
    EuEntityAdministrationPermissionsSubjectIdentifier,
    EuEntityPermissionsSubjectIdentifier,
    IndirectPermissionsSubjectIdentifier,
    IndirectPermissionsTargetIdentifier,
    PersonIdentifier,
    PersonPermissionsAuthorIdentifier,
    PersonPermissionsAuthorizedIdentifier,
    PersonPermissionsContextIdentifier,
    PersonPermissionsSubjectIdentifier,
    PersonPermissionsTargetIdentifier,
    PersonalPermissionsContextIdentifier,
    PersonalPermissionsTargetIdentifier,
    SubunitPermissionsContextIdentifier,
    SubunitPermissionsSubjectIdentifier,
    SubunitPermissionsSubunitIdentifier,
    TestDataAuthenticationContextIdentifier,
    TestDataAuthorizedIdentifier,
    TestDataContextIdentifier,
);

/// The identifier of a request found at `pointer`, with the rules of
/// [`crate::state::identifiers`] (check digits; a value for every kind naming a party).
pub(crate) fn ident(id: &impl SpecIdent, pointer: &str) -> EmuResult<Ident> {
    crate::state::identifiers::checked(&id.kind(), id.value())
        .map_err(|reason| invalid_field(&format!("{pointer}/value"), &reason))
}

/// An optional identifier of a request (a query's filter), checked like [`ident`].
pub(crate) fn opt_ident<T: SpecIdent>(id: Option<&T>, pointer: &str) -> EmuResult<Option<Ident>> {
    id.map(|id| ident(id, pointer)).transpose()
}

/// A NIP field at `pointer`, with its check digit.
pub(crate) fn nip(value: &ksef_model::Nip, pointer: &str) -> EmuResult<String> {
    crate::state::identifiers::check("Nip", value.as_str())
        .map_err(|reason| invalid_field(pointer, &reason))?;
    Ok(value.as_str().to_owned())
}

/// A PESEL field at `pointer`, with its check digit.
pub(crate) fn pesel(value: &ksef_model::Pesel, pointer: &str) -> EmuResult<String> {
    crate::state::identifiers::check("Pesel", value.as_str())
        .map_err(|reason| invalid_field(pointer, &reason))?;
    Ok(value.as_str().to_owned())
}

/// A field the schema makes optional that the request needs (e.g. the details block that its
/// `subjectDetailsType` names).
pub(crate) fn required<'a, T>(field: Option<&'a T>, pointer: &str) -> EmuResult<&'a T> {
    field.ok_or_else(|| invalid_field(pointer, "jest wymagane."))
}

/// A list the spec requires at least one item of (the request extractor leaves array sizes to
/// the handlers, as some operations answer them with their own exception codes).
pub(crate) fn at_least_one<T>(list: &[T], pointer: &str) -> EmuResult<()> {
    items(list, 1, usize::MAX, pointer)
}

/// A list of `min..=max` items, as the spec's schema states it (see [`at_least_one`]).
pub(crate) fn items<T>(list: &[T], min: usize, max: usize, pointer: &str) -> EmuResult<()> {
    if list.is_empty() && min > 0 {
        Err(invalid_field(pointer, "nie może być puste."))
    } else if !(min..=max).contains(&list.len()) {
        Err(invalid_field(
            pointer,
            &format!("musi zawierać od {min} do {max} elementów."),
        ))
    } else {
        Ok(())
    }
}

/// A text the schema gives only a maximum length: the service still refuses it empty.
pub(crate) fn not_empty(text: &str, pointer: &str) -> EmuResult<()> {
    if text.trim().is_empty() {
        Err(invalid_field(pointer, "nie może być puste."))
    } else {
        Ok(())
    }
}

/// A text the schema leaves unbounded that the emulator holds to `max` characters.
pub(crate) fn at_most(text: &str, max: usize, pointer: &str) -> EmuResult<()> {
    if text.chars().count() > max {
        Err(invalid_field(
            pointer,
            &format!("może mieć najwyżej {max} znaków."),
        ))
    } else {
        Ok(())
    }
}

/// `pageOffset`/`pageSize` query parameters.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct PageQuery {
    /// Page index, from 0.
    pub(crate) page_offset: Option<i64>,
    /// Page size, 10–100 (default 10).
    pub(crate) page_size: Option<i64>,
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

/// The RFC 3339 form of a time, as the API writes it.
pub(crate) fn rfc3339(t: time::OffsetDateTime) -> String {
    ksef_model::rt::datetime::format_date_time(&t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enumeration_values_take_the_spec_spelling() {
        let kind = ksef_model::PersonPermissionsSubjectIdentifierType::from("nip");
        assert_eq!(spelling(&kind), "Nip");
        let odd = ksef_model::PersonPermissionsSubjectIdentifierType::from("Nope");
        assert_eq!(spelling(&odd), "Nope");
    }

    #[test]
    fn identifiers_carry_their_pointer() {
        use ksef_model::{
            PersonPermissionsSubjectIdentifier as Id,
            PersonPermissionsSubjectIdentifierType as Kind,
        };
        let good = Id::new(Kind::from("nip"), "5265877635".to_owned());
        assert_eq!(
            ident(&good, "/subjectIdentifier").unwrap(),
            Ident::new("Nip", "5265877635")
        );
        let bad = Id::new(Kind::Nip, "5265877636".to_owned());
        let err = ident(&bad, "/subjectIdentifier").unwrap_err();
        assert!(
            format!("{err:?}").contains("/subjectIdentifier/value"),
            "{err:?}"
        );
    }
}
