//! Collective identifiers (API 2.9): the persisted records and the rules the spec's
//! descriptions give — who may group which invoices, what a context sees, and in what order.
//! The handlers in `routes::collective` only decode, call these and encode.

use std::collections::{BTreeMap, HashSet};

use ksef_crypto::identifiers::{CollectiveIdentifierNumber, Nip};
use ksef_model::InvoiceMetadata;
use rand::Rng as _;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::state::invoices::{is_subject, visible_to};
use crate::state::{Ident, Store};

/// How many collective identifiers of one context an invoice may belong to (71002 beyond).
pub(crate) const MAX_IDENTIFIERS_PER_INVOICE: usize = 132;
/// The default `collectiveIdentifier.maxInvoices` of a context.
pub(crate) const DEFAULT_MAX_INVOICES: u32 = 500;
/// The longest creation-date range of a query.
pub(crate) const MAX_QUERY_DAYS: i64 = 100;
/// The most identifiers one invoices query takes.
pub(crate) const MAX_NUMBERS_PER_INVOICES_QUERY: usize = 10;

/// Payment data given for an invoice of an identifier.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Payment {
    /// Amount.
    pub amount: f64,
    /// ISO 4217 currency code.
    pub currency: String,
}

/// One invoice of an identifier, with what its creator said about it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Member {
    /// KSeF number of the invoice.
    pub ksef_number: String,
    /// Payment amount and currency, if given.
    pub payment: Option<Payment>,
    /// Description, if given.
    pub description: Option<String>,
}

/// A generated collective identifier.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CollectiveRecord {
    /// The identifier.
    pub number: String,
    /// When it was generated.
    pub created: OffsetDateTime,
    /// The context it was generated in.
    pub context: Ident,
    /// The NIP of the seller of every member invoice.
    pub seller_nip: String,
    /// The invoices, in request order.
    pub members: Vec<Member>,
}

/// Every collective identifier, by number (`Store::collective`).
pub(crate) type CollectiveStore = BTreeMap<String, CollectiveRecord>;

/// Why a generation request is refused (the spec's exception codes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum GenerateError {
    /// Fewer than two invoices or more than the context's limit (21405).
    Count {
        /// Invoices given.
        given: usize,
        /// The context's limit.
        max: u32,
    },
    /// 71005: the KSeF number appears twice.
    Repeated(String),
    /// 71001: no such invoice (or not one the context may see).
    NotFound(String),
    /// 71004: the invoice has another seller than the first one.
    OtherSeller(String),
    /// 71002: the invoice is already in the most identifiers of this context.
    TooManyIdentifiers(String),
}

/// The invoice metadata of `ksef_number` if the context may see the invoice.
fn visible<'a>(
    store: &'a Store,
    context: &Ident,
    ksef_number: &str,
) -> Option<&'a InvoiceMetadata> {
    store
        .invoices
        .get(ksef_number)
        .map(|r| &r.metadata)
        .filter(|m| visible_to(m, context))
}

/// Checks a generation request against the rules and, when it passes, records a new identifier
/// and returns its number. `max_invoices` is the context's `collectiveIdentifier.maxInvoices`.
pub(crate) fn generate(
    store: &mut Store,
    context: &Ident,
    members: Vec<Member>,
    max_invoices: u32,
    now: OffsetDateTime,
) -> Result<String, GenerateError> {
    let given = members.len();
    if given < 2 || given > usize::try_from(max_invoices).unwrap_or(usize::MAX) {
        return Err(GenerateError::Count {
            given,
            max: max_invoices,
        });
    }
    let mut seen = HashSet::new();
    let mut seller: Option<String> = None;
    for m in &members {
        if !seen.insert(m.ksef_number.as_str()) {
            return Err(GenerateError::Repeated(m.ksef_number.clone()));
        }
        let meta = visible(store, context, &m.ksef_number)
            .ok_or_else(|| GenerateError::NotFound(m.ksef_number.clone()))?;
        let nip = meta.seller.nip.as_str();
        match &seller {
            None => seller = Some(nip.to_owned()),
            Some(first) if first != nip => {
                return Err(GenerateError::OtherSeller(m.ksef_number.clone()));
            }
            Some(_) => {}
        }
        let memberships = store
            .collective
            .values()
            .filter(|r| r.context == *context)
            .filter(|r| r.members.iter().any(|x| x.ksef_number == m.ksef_number))
            .count();
        if memberships >= MAX_IDENTIFIERS_PER_INVOICE {
            return Err(GenerateError::TooManyIdentifiers(m.ksef_number.clone()));
        }
    }
    let seller_nip = seller.unwrap_or_default();
    let nip = Nip::parse(&seller_nip).map_err(|_| GenerateError::NotFound(seller_nip.clone()))?;
    let number = loop {
        let technical: [u8; 6] = rand::thread_rng().r#gen();
        let id = CollectiveIdentifierNumber::new(&nip, now.year(), now.month(), technical)
            .map_err(|_| GenerateError::NotFound(seller_nip.clone()))?;
        if !store.collective.contains_key(id.as_str()) {
            break id.as_str().to_owned();
        }
    };
    store.collective.insert(
        number.clone(),
        CollectiveRecord {
            number: number.clone(),
            created: now,
            context: context.clone(),
            seller_nip,
            members,
        },
    );
    Ok(number)
}

/// Whether `context` sees the identifier: it generated it, or (a NIP context) it is the seller
/// (Podmiot 1) of its invoices.
pub(crate) fn sees(record: &CollectiveRecord, context: &Ident) -> bool {
    record.context == *context || (context.kind == "Nip" && context.value == record.seller_nip)
}

/// Newest first, then number descending: the order of both identifier lists.
fn newest_first(a: &&CollectiveRecord, b: &&CollectiveRecord) -> std::cmp::Ordering {
    b.created.cmp(&a.created).then(b.number.cmp(&a.number))
}

/// Filters of the identifier query (`CollectiveIdentifiersQueryRequest`).
#[derive(Debug, Clone, Default)]
pub(crate) struct QueryFilter {
    /// Exactly this identifier.
    pub number: Option<String>,
    /// Created from.
    pub from: Option<OffsetDateTime>,
    /// Created to.
    pub to: Option<OffsetDateTime>,
    /// At least this many invoices.
    pub count_from: Option<i64>,
    /// At most this many invoices.
    pub count_to: Option<i64>,
    /// Only (true) or never (false) those generated in the context.
    pub created_here: Option<bool>,
}

/// The identifiers `context` sees that pass `filter`, newest first.
pub(crate) fn query<'a>(
    store: &'a Store,
    context: &Ident,
    filter: &QueryFilter,
) -> Vec<&'a CollectiveRecord> {
    let mut out: Vec<&CollectiveRecord> = store
        .collective
        .values()
        .filter(|r| sees(r, context))
        .filter(|r| filter.number.as_ref().is_none_or(|n| *n == r.number))
        .filter(|r| filter.from.is_none_or(|f| r.created >= f))
        .filter(|r| filter.to.is_none_or(|t| r.created <= t))
        .filter(|r| {
            let n = i64::try_from(r.members.len()).unwrap_or(i64::MAX);
            filter.count_from.is_none_or(|f| n >= f) && filter.count_to.is_none_or(|t| n <= t)
        })
        .filter(|r| {
            filter
                .created_here
                .is_none_or(|want| (r.context == *context) == want)
        })
        .collect();
    out.sort_by(newest_first);
    out
}

/// The identifiers `context` sees that contain the invoice, newest first.
pub(crate) fn by_invoice<'a>(
    store: &'a Store,
    context: &Ident,
    ksef_number: &str,
) -> Vec<&'a CollectiveRecord> {
    let mut out: Vec<&CollectiveRecord> = store
        .collective
        .values()
        .filter(|r| sees(r, context) || visible(store, context, ksef_number).is_some())
        .filter(|r| r.members.iter().any(|m| m.ksef_number == ksef_number))
        .collect();
    out.sort_by(newest_first);
    out
}

/// One invoice of an identifier as a context sees it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ShownMember {
    /// The identifier.
    pub number: String,
    /// The invoice with its details, or with `payment`/`description` withheld.
    pub member: Member,
    /// Whether details were withheld because the context may not see them.
    pub details_hidden: bool,
}

/// The invoices of the given identifiers (those `context` sees), KSeF number descending. The
/// details are shown to the identifier's creator and to a party of the invoice; to others they
/// are withheld, and marked hidden when there were any.
pub(crate) fn members(store: &Store, context: &Ident, numbers: &[String]) -> Vec<ShownMember> {
    let mut out = Vec::new();
    for number in numbers {
        let Some(record) = store.collective.get(number) else {
            continue;
        };
        let party_of = |ksef: &str| {
            store.invoices.get(ksef).is_some_and(|r| {
                [
                    ksef_model::InvoiceQuerySubjectType::Subject1,
                    ksef_model::InvoiceQuerySubjectType::Subject2,
                    ksef_model::InvoiceQuerySubjectType::Subject3,
                ]
                .iter()
                .any(|s| is_subject(&r.metadata, s, context))
            })
        };
        if !sees(record, context) && !record.members.iter().any(|m| party_of(&m.ksef_number)) {
            continue;
        }
        for m in &record.members {
            let allowed = record.context == *context || party_of(&m.ksef_number);
            let has_details = m.payment.is_some() || m.description.is_some();
            let member = if allowed {
                m.clone()
            } else {
                Member {
                    ksef_number: m.ksef_number.clone(),
                    payment: None,
                    description: None,
                }
            };
            out.push(ShownMember {
                number: record.number.clone(),
                member,
                details_hidden: !allowed && has_details,
            });
        }
    }
    out.sort_by(|a, b| {
        b.member
            .ksef_number
            .cmp(&a.member.ksef_number)
            .then(b.number.cmp(&a.number))
    });
    out
}
