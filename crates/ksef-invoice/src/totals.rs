//! What the law derives from an invoice's lines: line values, the per-rate sums `P_13_x`/`P_14_x`
//! (and `P_14_xW` in PLN), and `P_15`, rounded to the grosz (half away from zero).
//!
//! Two pricing methods (art. 106e of the VAT act): net prices (`P_9A`, line net `P_11`; the tax of
//! each rate is computed once on the rate's net sum) and gross prices (`P_9B`, line gross
//! `P_11A`; the tax of each rate is extracted from the rate's gross sum, `gross × r / (100 + r)`).

use std::collections::BTreeMap;

use crate::Decimal;
use crate::generated::fa3::{self, StawkaPodatku};

/// Which `P_13_x` field a line's value goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum Bucket {
    /// `P_13_1`/`P_14_1`: the basic rate (23 % or 22 %).
    Basic,
    /// `P_13_2`/`P_14_2`: the first reduced rate (8 % or 7 %).
    Reduced1,
    /// `P_13_3`/`P_14_3`: the second reduced rate (5 %).
    Reduced2,
    /// `P_13_4`/`P_14_4`: the flat rate for taxi services (4 % or 3 %).
    Taxi,
    /// `P_13_5`/`P_14_5`: the special OSS procedure (rate in `P_12_XII`).
    Oss,
    /// `P_13_6_1`: 0 % domestic.
    ZeroDomestic,
    /// `P_13_6_2`: 0 % intra-community supply.
    ZeroWdt,
    /// `P_13_6_3`: 0 % export.
    ZeroExport,
    /// `P_13_7`: exempt.
    Exempt,
    /// `P_13_8`: outside the country (np I).
    OutsideCountry,
    /// `P_13_9`: services of art. 100 (np II).
    Art100,
    /// `P_13_10`: reverse charge (oo).
    ReverseCharge,
    /// `P_13_11`: margin procedure.
    Margin,
}

impl Bucket {
    /// The bucket and the tax rate in percent (`None`: no tax is charged) of a line.
    pub fn of(rate: Option<StawkaPodatku>, oss_rate: Option<Decimal>) -> (Bucket, Option<Decimal>) {
        if let Some(r) = oss_rate {
            return (Bucket::Oss, Some(r));
        }
        let pct = |n: i64| Some(Decimal::from_int(n));
        match rate {
            Some(StawkaPodatku::V23) => (Bucket::Basic, pct(23)),
            Some(StawkaPodatku::V22) => (Bucket::Basic, pct(22)),
            Some(StawkaPodatku::V8) => (Bucket::Reduced1, pct(8)),
            Some(StawkaPodatku::V7) => (Bucket::Reduced1, pct(7)),
            Some(StawkaPodatku::V5) => (Bucket::Reduced2, pct(5)),
            Some(StawkaPodatku::V4) => (Bucket::Taxi, pct(4)),
            Some(StawkaPodatku::V3) => (Bucket::Taxi, pct(3)),
            Some(StawkaPodatku::V0Kr) => (Bucket::ZeroDomestic, None),
            Some(StawkaPodatku::V0Wdt) => (Bucket::ZeroWdt, None),
            Some(StawkaPodatku::V0Ex) => (Bucket::ZeroExport, None),
            Some(StawkaPodatku::Zw) => (Bucket::Exempt, None),
            Some(StawkaPodatku::NpI) => (Bucket::OutsideCountry, None),
            Some(StawkaPodatku::NpIi) => (Bucket::Art100, None),
            Some(StawkaPodatku::Oo) => (Bucket::ReverseCharge, None),
            None => (Bucket::Margin, None),
        }
    }

    /// The name of the bucket's net field (`P_13_1`, `P_13_6_2`, …; the tax field is the same
    /// with `P_14`).
    pub fn field(self) -> &'static str {
        match self {
            Bucket::Basic => "P_13_1",
            Bucket::Reduced1 => "P_13_2",
            Bucket::Reduced2 => "P_13_3",
            Bucket::Taxi => "P_13_4",
            Bucket::Oss => "P_13_5",
            Bucket::ZeroDomestic => "P_13_6_1",
            Bucket::ZeroWdt => "P_13_6_2",
            Bucket::ZeroExport => "P_13_6_3",
            Bucket::Exempt => "P_13_7",
            Bucket::OutsideCountry => "P_13_8",
            Bucket::Art100 => "P_13_9",
            Bucket::ReverseCharge => "P_13_10",
            Bucket::Margin => "P_13_11",
        }
    }

    /// Whether the bucket carries a tax amount (`P_14_x`).
    pub fn taxed(self) -> bool {
        matches!(
            self,
            Bucket::Basic | Bucket::Reduced1 | Bucket::Reduced2 | Bucket::Taxi | Bucket::Oss
        )
    }
}

/// How line prices are given.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Pricing {
    /// Net unit prices (`P_9A`), net line values (`P_11`).
    #[default]
    Net,
    /// Gross unit prices (`P_9B`), gross line values (`P_11A`).
    Gross,
}

/// Sums of one bucket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct BucketSum {
    /// `P_13_x`: net value.
    pub net: Decimal,
    /// `P_14_x`: tax (zero for untaxed buckets).
    pub vat: Decimal,
    /// `P_14_xW`: tax in PLN for foreign-currency invoices.
    pub vat_pln: Option<Decimal>,
}

/// The totals of an invoice.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Totals {
    /// Per bucket, only buckets with lines.
    pub buckets: BTreeMap<Bucket, BucketSum>,
    /// `P_15`: the total amount due.
    pub total: Decimal,
}

/// One priced line as the computation sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PricedLine {
    /// `P_8B`: quantity (1 when absent).
    pub quantity: Decimal,
    /// `P_9A` or `P_9B`: unit price, net or gross by [`Pricing`].
    pub unit_price: Decimal,
    /// `P_10`: discount per unit (the official samples apply it per unit).
    pub discount: Option<Decimal>,
    /// `P_12`.
    pub rate: Option<StawkaPodatku>,
    /// `P_12_XII`: OSS rate in percent.
    pub oss_rate: Option<Decimal>,
}

fn r2(d: Decimal) -> Decimal {
    d.round(2)
}

fn add(a: Decimal, b: Decimal) -> Decimal {
    a.checked_add(&b).unwrap_or(a)
}

impl PricedLine {
    /// The line value (`P_11` for net pricing, `P_11A` for gross): quantity × (price − discount),
    /// rounded to the grosz. `None` when it overflows.
    pub fn value(&self) -> Option<Decimal> {
        let price = match self.discount {
            Some(d) => self.unit_price.checked_sub(&d)?,
            None => self.unit_price,
        };
        Some(r2(self.quantity.checked_mul(&price)?))
    }
}

/// Tax of `amount` at `rate` percent, net (`amount × r / 100`) or gross (`amount × r / (100 + r)`),
/// rounded to the grosz.
pub fn tax(amount: Decimal, rate: Decimal, pricing: Pricing) -> Decimal {
    let hundred = Decimal::from_int(100);
    let num = amount.checked_mul(&rate).unwrap_or_default();
    let den = match pricing {
        Pricing::Net => hundred,
        Pricing::Gross => add(hundred, rate),
    };
    num.checked_div(&den, 2).unwrap_or_default()
}

impl Totals {
    /// Totals from line values (`P_11` or `P_11A` per `pricing`) with their rates; `exchange_rate`
    /// gives `P_14_xW` for foreign currencies.
    pub fn from_values(
        values: &[(Decimal, Option<StawkaPodatku>, Option<Decimal>)],
        pricing: Pricing,
        exchange_rate: Option<Decimal>,
    ) -> Totals {
        // Sum per (bucket, rate): tax is computed once per rate.
        let mut per_rate: BTreeMap<(Bucket, Option<Decimal>), Decimal> = BTreeMap::new();
        for (value, rate, oss) in values {
            let key = Bucket::of(*rate, *oss);
            let e = per_rate.entry(key).or_default();
            *e = add(*e, *value);
        }
        let mut t = Totals::default();
        for ((bucket, rate), sum) in per_rate {
            let vat = rate.map(|r| tax(sum, r, pricing)).unwrap_or_default();
            let net = match pricing {
                Pricing::Net => sum,
                Pricing::Gross => sum.checked_sub(&vat).unwrap_or(sum),
            };
            let b = t.buckets.entry(bucket).or_default();
            b.net = r2(add(b.net, net));
            b.vat = r2(add(b.vat, vat));
            t.total = r2(add(add(t.total, net), vat));
        }
        if let Some(x) = exchange_rate {
            for (bucket, b) in &mut t.buckets {
                if bucket.taxed() {
                    b.vat_pln = b.vat.checked_mul(&x).map(r2);
                }
            }
        }
        t
    }

    /// Totals of priced lines.
    pub fn from_lines(
        lines: &[PricedLine],
        pricing: Pricing,
        exchange_rate: Option<Decimal>,
    ) -> Option<Totals> {
        let values = lines
            .iter()
            .map(|l| Some((l.value()?, l.rate, l.oss_rate)))
            .collect::<Option<Vec<_>>>()?;
        Some(Self::from_values(&values, pricing, exchange_rate))
    }

    /// `self − other` per bucket (corrections: after − before; settlements: order − advances).
    pub fn minus(&self, other: &Totals) -> Totals {
        let mut t = self.clone();
        for (bucket, o) in &other.buckets {
            let b = t.buckets.entry(*bucket).or_default();
            b.net = b.net.checked_sub(&o.net).unwrap_or(b.net);
            b.vat = b.vat.checked_sub(&o.vat).unwrap_or(b.vat);
            b.vat_pln = match (b.vat_pln, o.vat_pln) {
                (Some(a), Some(c)) => a.checked_sub(&c),
                (a, None) => a,
                (None, Some(c)) => Some(c.neg()),
            };
        }
        t.total = t.total.checked_sub(&other.total).unwrap_or(t.total);
        t
    }

    /// The totals an invoice states (`P_13_x`, `P_14_x`, `P_14_xW`, `P_15`).
    pub fn of_invoice(fa: &fa3::Fa) -> Totals {
        let mut t = Totals {
            buckets: BTreeMap::new(),
            total: fa.p_15,
        };
        let mut put = |b: Bucket, net: Decimal, vat: Option<Decimal>, vat_pln: Option<Decimal>| {
            t.buckets.insert(
                b,
                BucketSum {
                    net,
                    vat: vat.unwrap_or_default(),
                    vat_pln,
                },
            );
        };
        if let Some(g) = &fa.p_13_1_group {
            put(Bucket::Basic, g.p_13_1, Some(g.p_14_1), g.p_14_1_w);
        }
        if let Some(g) = &fa.p_13_2_group {
            put(Bucket::Reduced1, g.p_13_2, Some(g.p_14_2), g.p_14_2_w);
        }
        if let Some(g) = &fa.p_13_3_group {
            put(Bucket::Reduced2, g.p_13_3, Some(g.p_14_3), g.p_14_3_w);
        }
        if let Some(g) = &fa.p_13_4_group {
            put(Bucket::Taxi, g.p_13_4, Some(g.p_14_4), g.p_14_4_w);
        }
        if let Some(g) = &fa.p_13_5_group {
            put(Bucket::Oss, g.p_13_5, g.p_14_5, None);
        }
        for (b, v) in [
            (Bucket::ZeroDomestic, fa.p_13_6_1),
            (Bucket::ZeroWdt, fa.p_13_6_2),
            (Bucket::ZeroExport, fa.p_13_6_3),
            (Bucket::Exempt, fa.p_13_7),
            (Bucket::OutsideCountry, fa.p_13_8),
            (Bucket::Art100, fa.p_13_9),
            (Bucket::ReverseCharge, fa.p_13_10),
            (Bucket::Margin, fa.p_13_11),
        ] {
            if let Some(v) = v {
                put(b, v, None, None);
            }
        }
        t
    }

    /// Writes the totals into `fa` (every `P_13_x` group, `P_15`), replacing what was there.
    pub fn apply(&self, fa: &mut fa3::Fa) {
        let get = |b: Bucket| self.buckets.get(&b).copied();
        fa.p_13_1_group = get(Bucket::Basic).map(|s| fa3::FaP131Group {
            p_13_1: s.net,
            p_14_1: s.vat,
            p_14_1_w: s.vat_pln,
        });
        fa.p_13_2_group = get(Bucket::Reduced1).map(|s| fa3::FaP132Group {
            p_13_2: s.net,
            p_14_2: s.vat,
            p_14_2_w: s.vat_pln,
        });
        fa.p_13_3_group = get(Bucket::Reduced2).map(|s| fa3::FaP133Group {
            p_13_3: s.net,
            p_14_3: s.vat,
            p_14_3_w: s.vat_pln,
        });
        fa.p_13_4_group = get(Bucket::Taxi).map(|s| fa3::FaP134Group {
            p_13_4: s.net,
            p_14_4: s.vat,
            p_14_4_w: s.vat_pln,
        });
        fa.p_13_5_group = get(Bucket::Oss).map(|s| fa3::FaP135Group {
            p_13_5: s.net,
            p_14_5: Some(s.vat),
        });
        let net = |b: Bucket| get(b).map(|s| s.net);
        fa.p_13_6_1 = net(Bucket::ZeroDomestic);
        fa.p_13_6_2 = net(Bucket::ZeroWdt);
        fa.p_13_6_3 = net(Bucket::ZeroExport);
        fa.p_13_7 = net(Bucket::Exempt);
        fa.p_13_8 = net(Bucket::OutsideCountry);
        fa.p_13_9 = net(Bucket::Art100);
        fa.p_13_10 = net(Bucket::ReverseCharge);
        fa.p_13_11 = net(Bucket::Margin);
        fa.p_15 = self.total;
    }

    /// The line values and rates of an invoice's `FaWiersz` lines, the pricing they use, and the
    /// lines' common exchange rate; `None` when a line lacks its value (`P_11`/`P_11A`).
    /// `StanPrzed` lines (the state before a correction) are returned separately.
    pub fn line_values(fa: &fa3::Fa) -> Option<LineValues> {
        let pricing = if fa.fa_wiersz.iter().all(|w| w.p_11.is_some()) {
            Pricing::Net
        } else {
            Pricing::Gross
        };
        let mut out = LineValues {
            pricing,
            before: Vec::new(),
            after: Vec::new(),
            exchange_rate: None,
        };
        let mut rates = Vec::new();
        for w in &fa.fa_wiersz {
            let value = match pricing {
                Pricing::Net => w.p_11?,
                Pricing::Gross => w.p_11_a?,
            };
            if let Some(k) = w.kurs_waluty {
                rates.push(k);
            }
            let entry = (value, w.p_12, w.p_12_xii);
            if w.stan_przed.is_some() {
                out.before.push(entry)
            } else {
                out.after.push(entry)
            }
        }
        if let Some(first) = rates.first()
            && rates.iter().all(|r| r == first)
            && rates.len() == fa.fa_wiersz.len()
        {
            out.exchange_rate = Some(*first);
        }
        Some(out)
    }
}

/// Line values of an invoice, see [`Totals::line_values`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineValues {
    /// The pricing the lines use (gross when any line lacks `P_11`).
    pub pricing: Pricing,
    /// Lines describing the state before a correction (`StanPrzed`).
    pub before: Vec<(Decimal, Option<StawkaPodatku>, Option<Decimal>)>,
    /// The other lines.
    pub after: Vec<(Decimal, Option<StawkaPodatku>, Option<Decimal>)>,
    /// The exchange rate every line gives (`KursWaluty`), when they all give the same one.
    pub exchange_rate: Option<Decimal>,
}

impl LineValues {
    /// The totals these lines give: after − before.
    pub fn totals(&self) -> Totals {
        let after = Totals::from_values(&self.after, self.pricing, self.exchange_rate);
        if self.before.is_empty() {
            after
        } else {
            after.minus(&Totals::from_values(
                &self.before,
                self.pricing,
                self.exchange_rate,
            ))
        }
    }
}
