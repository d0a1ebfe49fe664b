//! Advance invoices (ZAL): the order written as `Zamowienie`, the amount received split over its
//! rates.

use super::{BuildError, InvoiceBuilder};
use crate::Decimal;
use crate::generated::fa3;
use crate::totals::{Bucket, Pricing, Totals, tax};

impl InvoiceBuilder {
    /// Splits the advance received over the order's rates in proportion to their gross values.
    pub(super) fn advance_totals(&self, received: Decimal) -> Result<Totals, BuildError> {
        let mut gross_per_rate: Vec<((Bucket, Option<Decimal>), Decimal)> = Vec::new();
        for line in &self.lines {
            let (bucket, pct) = Bucket::of(line.rate, None);
            let v = line.priced().value().ok_or(BuildError::Overflow)?;
            let gross = match (self.pricing, pct) {
                (Pricing::Net, Some(p)) => v
                    .checked_add(&tax(v, p, Pricing::Net))
                    .ok_or(BuildError::Overflow)?,
                _ => v,
            };
            match gross_per_rate.iter_mut().find(|(k, _)| *k == (bucket, pct)) {
                Some((_, g)) => *g = g.checked_add(&gross).ok_or(BuildError::Overflow)?,
                None => gross_per_rate.push(((bucket, pct), gross)),
            }
        }
        let order_gross = gross_per_rate
            .iter()
            .try_fold(Decimal::ZERO, |a, (_, g)| a.checked_add(g))
            .ok_or(BuildError::Overflow)?;
        let mut t = Totals {
            total: received.round(2),
            ..Totals::default()
        };
        let mut left = received.round(2);
        let n = gross_per_rate.len();
        for (i, ((bucket, pct), gross)) in gross_per_rate.into_iter().enumerate() {
            let part = if i + 1 == n {
                left
            } else {
                received
                    .checked_mul(&gross)
                    .and_then(|x| x.checked_div(&order_gross, 2))
                    .ok_or(BuildError::Overflow)?
            };
            left = left.checked_sub(&part).ok_or(BuildError::Overflow)?;
            let vat = pct
                .map(|p| tax(part, p, Pricing::Gross))
                .unwrap_or_default();
            let b = t.buckets.entry(bucket).or_default();
            b.net = b
                .net
                .checked_add(&part.checked_sub(&vat).ok_or(BuildError::Overflow)?)
                .ok_or(BuildError::Overflow)?;
            b.vat = b.vat.checked_add(&vat).ok_or(BuildError::Overflow)?;
            if let Some(x) = self.foreign_rate()
                && bucket.taxed()
            {
                b.vat_pln = b.vat.checked_mul(&x).map(|v| v.round(2));
            }
        }
        Ok(t)
    }

    pub(super) fn order(&self) -> Result<fa3::Zamowienie, BuildError> {
        let mut rows = Vec::new();
        for (i, line) in self.lines.iter().enumerate() {
            let value = line.priced().value().ok_or(BuildError::Overflow)?;
            let (_, pct) = Bucket::of(line.rate, None);
            let (net, vat) = match (self.pricing, pct) {
                (Pricing::Net, Some(p)) => (value, tax(value, p, Pricing::Net)),
                (Pricing::Gross, Some(p)) => {
                    let vat = tax(value, p, Pricing::Gross);
                    (value.checked_sub(&vat).ok_or(BuildError::Overflow)?, vat)
                }
                (_, None) => (value, Decimal::ZERO.round(2)),
            };
            rows.push(fa3::ZamowienieWiersz {
                nr_wiersza_zam: i64::try_from(i + 1).map_err(|_| BuildError::Overflow)?,
                uu_idz: None,
                p_7_z: Some(line.name.clone()),
                indeks_z: None,
                gtinz: None,
                pk_wi_uz: None,
                cnz: None,
                pkobz: None,
                p_8_az: line.unit.clone(),
                p_8_bz: Some(line.quantity),
                p_9_az: (self.pricing == Pricing::Net).then_some(line.unit_price),
                p_11_netto_z: Some(net),
                p_11_vat_z: Some(vat),
                p_12_z: line.rate,
                p_12_z_xii: None,
                p_12_z_zal_15: None,
                gtuz: None,
                procedura_z: None,
                kwota_akcyzy_z: None,
                stan_przed_z: None,
            });
        }
        Ok(fa3::Zamowienie {
            wartosc_zamowienia: self.totals_of(&self.lines)?.total,
            zamowienie_wiersz: rows,
        })
    }
}
