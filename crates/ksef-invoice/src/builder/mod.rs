//! Building the common documents — VAT invoice, correction (KOR), advance (ZAL) and settlement
//! (ROZ) — with every derived amount computed from the lines (see [`crate::totals`]).

mod advance;

use time::Date;

use crate::error::ValidationErrors;
use crate::generated::fa3::{self, KodWaluty, RodzajFaktury, StawkaPodatku, Wybor1, Wybor12};
use crate::totals::{PricedLine, Pricing, Totals};
use crate::{DateTime, Decimal, Invoice};

/// One line of goods or services.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    /// `P_7`: name.
    pub name: String,
    /// `P_8A`: unit of measure.
    pub unit: Option<String>,
    /// `P_8B`: quantity.
    pub quantity: Decimal,
    /// `P_9A` (net pricing) or `P_9B` (gross pricing): unit price.
    pub unit_price: Decimal,
    /// `P_10`: discount per unit not included in the price.
    pub discount: Option<Decimal>,
    /// `P_12`: the rate; `None` for the margin procedure.
    pub rate: Option<StawkaPodatku>,
}

impl Line {
    /// A line at a rate.
    pub fn new(
        name: impl Into<String>,
        quantity: Decimal,
        unit_price: Decimal,
        rate: StawkaPodatku,
    ) -> Self {
        Line {
            name: name.into(),
            unit: None,
            quantity,
            unit_price,
            discount: None,
            rate: Some(rate),
        }
    }

    /// With a unit of measure (`szt.`, `kg`, `h`).
    pub fn unit(mut self, unit: impl Into<String>) -> Self {
        self.unit = Some(unit.into());
        self
    }

    /// With a discount per unit.
    pub fn discount(mut self, per_unit: Decimal) -> Self {
        self.discount = Some(per_unit);
        self
    }

    fn priced(&self) -> PricedLine {
        PricedLine {
            quantity: self.quantity,
            unit_price: self.unit_price,
            discount: self.discount,
            rate: self.rate,
            oss_rate: None,
        }
    }
}

/// The invoice a correction corrects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CorrectedInvoice {
    /// Its number (`P_2`).
    pub number: String,
    /// Its issue date (`P_1`).
    pub issue_date: Date,
    /// Its KSeF number, when it was issued in KSeF.
    pub ksef_number: Option<String>,
}

/// Why an invoice could not be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BuildError {
    /// No seller was given.
    #[error("the seller (Podmiot1) is missing")]
    MissingSeller,
    /// No buyer was given.
    #[error("the buyer (Podmiot2) is missing")]
    MissingBuyer,
    /// The document needs lines and has none.
    #[error("the invoice has no lines")]
    NoLines,
    /// An amount does not fit the decimal range.
    #[error("an amount overflows")]
    Overflow,
    /// Exempt lines need the legal basis of the exemption.
    #[error("exempt (zw) lines need the legal basis of the exemption (P_19A/B/C)")]
    MissingExemptionBasis,
    /// Margin-procedure lines need the kind of margin procedure.
    #[error("margin lines need the kind of margin procedure (P_PMarzy_*)")]
    MissingMarginProcedure,
    /// The advance received is missing on an advance invoice.
    #[error("an advance invoice needs the amount received")]
    MissingAdvanceAmount,
    /// The result fails validation (schema or business rules).
    #[error("the built invoice is not valid: {0}")]
    Invalid(ValidationErrors),
}

/// Builds an FA(3) invoice, computing line values, per-rate sums and `P_15`.
///
/// ```
/// use ksef_invoice::builder::{InvoiceBuilder, Line};
/// use ksef_invoice::fa3::{Adres, KodKraju, Podmiot1, Podmiot2, StawkaPodatku};
/// use time::macros::date;
///
/// let address = Adres::new(KodKraju::Pl, "ul. Kwiatowa 1", Some("00-001 Warszawa".into()));
/// let invoice = InvoiceBuilder::vat("FV/1/2026", date!(2026 - 02 - 15))
///     .seller(Podmiot1::with_nip("9999999999", "ABC sp. z o.o.", address.clone()))
///     .buyer(Podmiot2::with_nip("1111111111", "Jan Kowalski", address))
///     .line(Line::new("Lodówka", "1".parse()?, "1626.01".parse()?, StawkaPodatku::V23).unit("szt."))
///     .build()?;
/// assert_eq!(invoice.fa.p_15.to_string(), "1999.99");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct InvoiceBuilder {
    kind: RodzajFaktury,
    number: String,
    issue_date: Date,
    place: Option<String>,
    sale_date: Option<Date>,
    created: Option<DateTime>,
    system_info: Option<String>,
    seller: Option<fa3::Podmiot1>,
    buyer: Option<fa3::Podmiot2>,
    currency: KodWaluty,
    exchange_rate: Option<Decimal>,
    pricing: Pricing,
    lines: Vec<Line>,
    lines_before: Vec<Line>,
    corrected: Vec<CorrectedInvoice>,
    correction_reason: Option<String>,
    correction_type: Option<fa3::TypKorekty>,
    advance_received: Option<Decimal>,
    advances: Vec<(String, Totals)>,
    exemption: Option<fa3::ZwolnienieP19OrP19NP19P19AOrP19BOrP19C>,
    margin: Option<fa3::PMarzyPPMarzyOrPPMarzyNPPMarzyPPMarzy2OrPPMarzy31OrPPMarzy32>,
    split_payment: bool,
}

impl InvoiceBuilder {
    fn new(kind: RodzajFaktury, number: impl Into<String>, issue_date: Date) -> Self {
        InvoiceBuilder {
            kind,
            number: number.into(),
            issue_date,
            place: None,
            sale_date: None,
            created: None,
            system_info: None,
            seller: None,
            buyer: None,
            currency: KodWaluty::Pln,
            exchange_rate: None,
            pricing: Pricing::Net,
            lines: Vec::new(),
            lines_before: Vec::new(),
            corrected: Vec::new(),
            correction_reason: None,
            correction_type: None,
            advance_received: None,
            advances: Vec::new(),
            exemption: None,
            margin: None,
            split_payment: false,
        }
    }

    /// A VAT invoice (`RodzajFaktury` `VAT`).
    pub fn vat(number: impl Into<String>, issue_date: Date) -> Self {
        Self::new(RodzajFaktury::Vat, number, issue_date)
    }

    /// A correction (`KOR`) of `corrected`: give the corrected lines' state before with
    /// [`line_before`](Self::line_before) and after with [`line`](Self::line); the totals are
    /// the differences.
    pub fn correction(
        number: impl Into<String>,
        issue_date: Date,
        corrected: CorrectedInvoice,
        reason: impl Into<String>,
    ) -> Self {
        let mut b = Self::new(RodzajFaktury::Kor, number, issue_date);
        b.corrected.push(corrected);
        b.correction_reason = Some(reason.into());
        b
    }

    /// An advance invoice (`ZAL`) for `received` (gross) towards the order given by the lines:
    /// the amount is split over the order's rates in proportion to their gross values.
    pub fn advance(number: impl Into<String>, issue_date: Date, received: Decimal) -> Self {
        let mut b = Self::new(RodzajFaktury::Zal, number, issue_date);
        b.advance_received = Some(received);
        b
    }

    /// A settlement invoice (`ROZ`): the lines are the whole order; add each advance invoice
    /// with [`advance_invoice`](Self::advance_invoice); the totals are what remains.
    pub fn settlement(number: impl Into<String>, issue_date: Date) -> Self {
        Self::new(RodzajFaktury::Roz, number, issue_date)
    }

    /// An advance invoice settled by this settlement: its KSeF number and the invoice itself
    /// (its stated totals are deducted).
    pub fn advance_invoice(mut self, ksef_number: impl Into<String>, advance: &Invoice) -> Self {
        self.advances
            .push((ksef_number.into(), Totals::of_invoice(&advance.fa)));
        self
    }

    /// The seller (`Podmiot1`).
    pub fn seller(mut self, seller: fa3::Podmiot1) -> Self {
        self.seller = Some(seller);
        self
    }

    /// The buyer (`Podmiot2`).
    pub fn buyer(mut self, buyer: fa3::Podmiot2) -> Self {
        self.buyer = Some(buyer);
        self
    }

    /// `P_1M`: place of issue.
    pub fn place(mut self, place: impl Into<String>) -> Self {
        self.place = Some(place.into());
        self
    }

    /// `P_6`: date of sale when it differs from the issue date.
    pub fn sale_date(mut self, date: Date) -> Self {
        self.sale_date = Some(date);
        self
    }

    /// `DataWytworzeniaFa` (default: now).
    pub fn created(mut self, at: DateTime) -> Self {
        self.created = Some(at);
        self
    }

    /// `SystemInfo`: the issuing system's name.
    pub fn system_info(mut self, name: impl Into<String>) -> Self {
        self.system_info = Some(name.into());
        self
    }

    /// A foreign currency with the exchange rate to PLN used for the tax (`KursWaluty`,
    /// `P_14_xW`).
    pub fn currency(mut self, currency: KodWaluty, exchange_rate: Decimal) -> Self {
        self.currency = currency;
        self.exchange_rate = Some(exchange_rate);
        self
    }

    /// Net (default) or gross unit prices.
    pub fn pricing(mut self, pricing: Pricing) -> Self {
        self.pricing = pricing;
        self
    }

    /// A line.
    pub fn line(mut self, line: Line) -> Self {
        self.lines.push(line);
        self
    }

    /// A line as it was before the correction (written with `StanPrzed`).
    pub fn line_before(mut self, line: Line) -> Self {
        self.lines_before.push(line);
        self
    }

    /// `TypKorekty` of a correction.
    pub fn correction_type(mut self, t: fa3::TypKorekty) -> Self {
        self.correction_type = Some(t);
        self
    }

    /// The legal basis for exempt lines (`P_19A`: the act's provision, `P_19B`: the
    /// directive's, `P_19C`: another).
    pub fn exemption(mut self, basis: fa3::ZwolnienieP19OrP19NP19P19AOrP19BOrP19C) -> Self {
        self.exemption = Some(basis);
        self
    }

    /// The kind of margin procedure for margin lines.
    pub fn margin_procedure(
        mut self,
        kind: fa3::PMarzyPPMarzyOrPPMarzyNPPMarzyPPMarzy2OrPPMarzy31OrPPMarzy32,
    ) -> Self {
        self.margin = Some(kind);
        self
    }

    /// `P_18A`: the split payment mechanism applies.
    pub fn split_payment(mut self) -> Self {
        self.split_payment = true;
        self
    }

    fn fa_line(&self, nr: usize, line: &Line, before: bool) -> Result<fa3::FaWiersz, BuildError> {
        let value = line.priced().value().ok_or(BuildError::Overflow)?;
        let net = self.pricing == Pricing::Net;
        Ok(fa3::FaWiersz {
            nr_wiersza_fa: i64::try_from(nr).map_err(|_| BuildError::Overflow)?,
            uu_id: None,
            p_6_a: None,
            p_7: Some(line.name.clone()),
            indeks: None,
            gtin: None,
            pk_wi_u: None,
            cn: None,
            pkob: None,
            p_8_a: line.unit.clone(),
            p_8_b: Some(line.quantity),
            p_9_a: net.then_some(line.unit_price),
            p_9_b: (!net).then_some(line.unit_price),
            p_10: line.discount,
            p_11: net.then_some(value),
            p_11_a: (!net).then_some(value),
            p_11_vat: None,
            p_12: line.rate,
            p_12_xii: None,
            p_12_zal_15: None,
            kwota_akcyzy: None,
            gtu: None,
            procedura: None,
            kurs_waluty: self
                .exchange_rate
                .filter(|_| self.currency != KodWaluty::Pln),
            stan_przed: before.then_some(Wybor1::V1),
        })
    }

    fn totals_of(&self, lines: &[Line]) -> Result<Totals, BuildError> {
        let priced: Vec<PricedLine> = lines.iter().map(Line::priced).collect();
        Totals::from_lines(&priced, self.pricing, self.foreign_rate()).ok_or(BuildError::Overflow)
    }

    fn foreign_rate(&self) -> Option<Decimal> {
        self.exchange_rate
            .filter(|_| self.currency != KodWaluty::Pln)
    }

    /// Builds and validates the invoice (schema and business rules).
    pub fn build(self) -> Result<Invoice, BuildError> {
        let seller = self.seller.clone().ok_or(BuildError::MissingSeller)?;
        let buyer = self.buyer.clone().ok_or(BuildError::MissingBuyer)?;
        if self.lines.is_empty() && self.lines_before.is_empty() {
            return Err(BuildError::NoLines);
        }
        let all = || self.lines.iter().chain(&self.lines_before);
        if all().any(|l| l.rate == Some(StawkaPodatku::Zw)) && self.exemption.is_none() {
            return Err(BuildError::MissingExemptionBasis);
        }
        if all().any(|l| l.rate.is_none()) && self.margin.is_none() {
            return Err(BuildError::MissingMarginProcedure);
        }
        let totals = match self.kind {
            RodzajFaktury::Kor => self
                .totals_of(&self.lines)?
                .minus(&self.totals_of(&self.lines_before)?),
            RodzajFaktury::Zal => self.advance_totals(
                self.advance_received
                    .ok_or(BuildError::MissingAdvanceAmount)?,
            )?,
            RodzajFaktury::Roz => {
                let mut t = self.totals_of(&self.lines)?;
                for (_, advance) in &self.advances {
                    t = t.minus(advance);
                }
                t
            }
            _ => self.totals_of(&self.lines)?,
        };
        let mut fa_lines = Vec::new();
        if self.kind != RodzajFaktury::Zal {
            for line in &self.lines_before {
                fa_lines.push(self.fa_line(fa_lines.len() + 1, line, true)?);
            }
            for line in &self.lines {
                fa_lines.push(self.fa_line(fa_lines.len() + 1, line, false)?);
            }
        }
        let reverse_charge = all().any(|l| l.rate == Some(StawkaPodatku::Oo));
        let yes_no = |b: bool| if b { Wybor12::V1 } else { Wybor12::V2 };
        let mut fa = fa3::Fa {
            kod_waluty: self.currency,
            p_1: self.issue_date,
            p_1_m: self.place.clone(),
            p_2: self.number.clone(),
            wz: Vec::new(),
            p_6_or_okres_fa: self.sale_date.map(fa3::FaP6OrOkresFa::P6),
            p_13_1_group: None,
            p_13_2_group: None,
            p_13_3_group: None,
            p_13_4_group: None,
            p_13_5_group: None,
            p_13_6_1: None,
            p_13_6_2: None,
            p_13_6_3: None,
            p_13_7: None,
            p_13_8: None,
            p_13_9: None,
            p_13_10: None,
            p_13_11: None,
            p_15: Decimal::ZERO,
            kurs_waluty_z: if self.kind == RodzajFaktury::Zal {
                self.foreign_rate()
            } else {
                None
            },
            adnotacje: fa3::Adnotacje {
                p_16: Wybor12::V2,
                p_17: Wybor12::V2,
                p_18: yes_no(reverse_charge),
                p_18_a: yes_no(self.split_payment),
                zwolnienie: fa3::Zwolnienie {
                    p_19_or_p_19_n: match &self.exemption {
                        Some(basis) => fa3::ZwolnienieP19OrP19N::P19(fa3::ZwolnienieP19OrP19NP19 {
                            p_19: Wybor1::V1,
                            p_19_a_or_p_19_b_or_p_19_c: basis.clone(),
                        }),
                        None => fa3::ZwolnienieP19OrP19N::P19N(Wybor1::V1),
                    },
                },
                nowe_srodki_transportu: fa3::NoweSrodkiTransportu {
                    p_22_or_p_22_n: fa3::NoweSrodkiTransportuP22OrP22N::P22N(Wybor1::V1),
                },
                p_23: Wybor12::V2,
                p_marzy: fa3::PMarzy {
                    p_p_marzy_or_p_p_marzy_n: match &self.margin {
                        Some(kind) => fa3::PMarzyPPMarzyOrPPMarzyN::PPMarzy(
                            fa3::PMarzyPPMarzyOrPPMarzyNPPMarzy {
                                p_p_marzy: Wybor1::V1,
                                p_p_marzy_2_or_p_p_marzy_3_1_or_p_p_marzy_3_2: kind.clone(),
                            },
                        ),
                        None => fa3::PMarzyPPMarzyOrPPMarzyN::PPMarzyN(Wybor1::V1),
                    },
                },
            },
            rodzaj_faktury: self.kind,
            przyczyna_korekty_group: (self.kind == RodzajFaktury::Kor).then(|| {
                fa3::FaPrzyczynaKorektyGroup {
                    przyczyna_korekty: self.correction_reason.clone(),
                    typ_korekty: self.correction_type,
                    dane_fa_korygowanej: self
                        .corrected
                        .iter()
                        .map(|c| fa3::DaneFaKorygowanej {
                            data_wyst_fa_korygowanej: c.issue_date,
                            nr_fa_korygowanej: c.number.clone(),
                            nr_k_se_f_or_nr_k_se_fn: match &c.ksef_number {
                                Some(n) => fa3::DaneFaKorygowanejNrKSeFOrNrKSeFN::NrKSeF(
                                    fa3::DaneFaKorygowanejNrKSeFOrNrKSeFNNrKSeF {
                                        nr_k_se_f: Wybor1::V1,
                                        nr_k_se_f_fa_korygowanej: n.clone(),
                                    },
                                ),
                                None => fa3::DaneFaKorygowanejNrKSeFOrNrKSeFN::NrKSeFN(Wybor1::V1),
                            },
                        })
                        .collect(),
                    okres_fa_korygowanej: None,
                    nr_fa_korygowany: None,
                    podmiot1_k: None,
                    podmiot2_k: Vec::new(),
                    p_15_zk_group: None,
                }
            }),
            zaliczka_czesciowa: Vec::new(),
            fp: None,
            tp: None,
            dodatkowy_opis: Vec::new(),
            faktura_zaliczkowa: self
                .advances
                .iter()
                .map(|(n, _)| fa3::FakturaZaliczkowa {
                    nr_k_se_fzn_or_nr_k_se_f_fa_zaliczkowej:
                        fa3::FakturaZaliczkowaNrKSeFZNOrNrKSeFFaZaliczkowej::NrKSeFFaZaliczkowej(
                            n.clone(),
                        ),
                })
                .collect(),
            zwrot_akcyzy: None,
            fa_wiersz: fa_lines,
            rozliczenie: None,
            platnosc: None,
            warunki_transakcji: None,
            zamowienie: if self.kind == RodzajFaktury::Zal {
                Some(self.order()?)
            } else {
                None
            },
        };
        totals.apply(&mut fa);
        let invoice = fa3::Faktura {
            naglowek: fa3::Naglowek {
                kod_formularza: fa3::KodFormularza {
                    kod_systemowy: fa3::KodFormularza::KOD_SYSTEMOWY_FIXED.into(),
                    wersja_schemy: fa3::KodFormularza::WERSJA_SCHEMY_FIXED.into(),
                    value: fa3::TKodFormularza::Fa,
                },
                wariant_formularza: fa3::WariantFormularza::V3,
                data_wytworzenia_fa: self.created.clone().unwrap_or_else(DateTime::now_utc),
                system_info: self.system_info.clone(),
            },
            podmiot1: seller,
            podmiot2: buyer,
            podmiot3: Vec::new(),
            podmiot_upowazniony: None,
            fa,
            stopka: None,
            zalacznik: None,
        };
        invoice.validate().map_err(BuildError::Invalid)?;
        Ok(invoice)
    }
}
