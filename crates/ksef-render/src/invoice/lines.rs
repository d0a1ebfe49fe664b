//! The invoice lines, the per-rate VAT summary and the amount due.

use ksef_invoice::fa3::Fa;
use ksef_invoice::{Decimal, Invoice};

use crate::doc::{Align, Block, Table, field};
use crate::format::{self, opt_amount, opt_number};

pub(super) fn blocks(invoice: &Invoice, out: &mut Vec<Block>) {
    let fa = &invoice.fa;
    if !fa.fa_wiersz.is_empty() {
        out.push(Block::Section("Pozycje".into()));
        out.push(Block::Table(lines(fa)));
    }
    let summary = vat_summary(fa);
    if summary.rows.is_empty() {
        out.push(Block::Section("Należność".into()));
    } else {
        out.push(Block::Section("Podsumowanie wg stawek".into()));
        out.push(Block::Table(summary));
    }
    let mut due = vec![field(
        "Kwota należności ogółem:",
        format!("{} {}", format::amount(&fa.p_15), fa.kod_waluty.as_str()),
    )];
    if let Some(k) = &fa.kurs_waluty_z {
        due.push(field("Kurs waluty z Działu VI ustawy:", format::number(k)));
    }
    out.push(Block::Fields(due));
}

/// A price or value with `netto`/`brutto`, as the official visualisation marks them.
fn net_or_gross(net: Option<&Decimal>, gross: Option<&Decimal>) -> String {
    match (net, gross) {
        (Some(n), _) => format!("{} netto", format::amount(n)),
        (None, Some(g)) => format!("{} brutto", format::amount(g)),
        (None, None) => String::new(),
    }
}

fn lines(fa: &Fa) -> Table {
    use Align::{Left, Right};
    let mut t = Table::new(&[
        ("Lp.", 0.45, Right),
        ("Uniwersalny unikalny numer wiersza faktury", 0.3, Left),
        ("Nazwa (rodzaj) towaru lub usługi", 6.0, Left),
        ("Indeks", 1.0, Left),
        ("Jednostka miary", 0.7, Left),
        ("Ilość", 0.8, Right),
        ("Cena jednostkowa", 1.25, Right),
        ("Opusty i obniżki cen", 0.9, Right),
        ("Wartość sprzedaży", 1.3, Right),
        ("Kwota VAT", 0.9, Right),
        ("Stawka podatku", 0.65, Right),
        ("Stawka podatku od wartości dodanej", 0.7, Right),
        ("Data dostawy / usługi", 0.9, Left),
        ("Klasyfikacja", 0.5, Left),
        ("Kwota podatku akcyzowego", 0.9, Right),
        ("GTU / procedura", 0.8, Left),
        ("Kurs waluty", 0.7, Right),
        ("Zał. 15", 0.45, Left),
        ("Stan przed korektą", 0.6, Left),
    ]);
    for w in &fa.fa_wiersz {
        let mut class = Vec::new();
        for (label, value) in [
            ("GTIN", &w.gtin),
            ("PKWiU", &w.pk_wi_u),
            ("CN", &w.cn),
            ("PKOB", &w.pkob),
        ] {
            if let Some(v) = value {
                class.push(format!("{label}: {v}"));
            }
        }
        let mut marks = Vec::new();
        if let Some(g) = w.gtu {
            marks.push(g.as_str().to_owned());
        }
        if let Some(p) = w.procedura {
            marks.push(p.as_str().to_owned());
        }
        let rate = w
            .p_12
            .map(|r| {
                let s = r.as_str();
                if s.chars().all(|c| c.is_ascii_digit()) {
                    format!("{s}%")
                } else {
                    s.to_owned()
                }
            })
            .unwrap_or_default();
        t.rows.push(vec![
            w.nr_wiersza_fa.to_string(),
            w.uu_id.clone().unwrap_or_default(),
            w.p_7.clone().unwrap_or_default(),
            w.indeks.clone().unwrap_or_default(),
            w.p_8_a.clone().unwrap_or_default(),
            opt_number(w.p_8_b.as_ref()),
            net_or_gross(w.p_9_a.as_ref(), w.p_9_b.as_ref()),
            opt_amount(w.p_10.as_ref()),
            net_or_gross(w.p_11.as_ref(), w.p_11_a.as_ref()),
            opt_amount(w.p_11_vat.as_ref()),
            rate,
            w.p_12_xii
                .as_ref()
                .map(|r| format!("{}%", format::number(r)))
                .unwrap_or_default(),
            w.p_6_a.map(format::date).unwrap_or_default(),
            class.join("\n"),
            opt_amount(w.kwota_akcyzy.as_ref()),
            marks.join("\n"),
            opt_number(w.kurs_waluty.as_ref()),
            if w.p_12_zal_15.is_some() {
                "Tak".into()
            } else {
                String::new()
            },
            if w.stan_przed.is_some() {
                "Tak".into()
            } else {
                String::new()
            },
        ]);
    }
    t.drop_empty_columns(&[0, 2, 8]);
    t
}

fn vat_summary(fa: &Fa) -> Table {
    use Align::{Left, Right};
    let mut t = Table::new(&[
        ("Stawka VAT", 1.6, Left),
        ("Suma wartości sprzedaży netto", 1.3, Right),
        ("Kwota podatku od sumy wartości sprzedaży netto", 1.3, Right),
        (
            "Kwota podatku od sumy wartości sprzedaży netto, przeliczona zgodnie z przepisami Działu VI ustawy",
            1.5,
            Right,
        ),
    ]);
    let mut row =
        |label: &str, net: Option<&Decimal>, tax: Option<&Decimal>, tax_pln: Option<&Decimal>| {
            if net.is_some() || tax.is_some() {
                t.rows.push(vec![
                    label.to_owned(),
                    opt_amount(net),
                    opt_amount(tax),
                    opt_amount(tax_pln),
                ]);
            }
        };
    if let Some(g) = &fa.p_13_1_group {
        row(
            "22% lub 23%",
            Some(&g.p_13_1),
            Some(&g.p_14_1),
            g.p_14_1_w.as_ref(),
        );
    }
    if let Some(g) = &fa.p_13_2_group {
        row(
            "7% lub 8%",
            Some(&g.p_13_2),
            Some(&g.p_14_2),
            g.p_14_2_w.as_ref(),
        );
    }
    if let Some(g) = &fa.p_13_3_group {
        row("5%", Some(&g.p_13_3), Some(&g.p_14_3), g.p_14_3_w.as_ref());
    }
    if let Some(g) = &fa.p_13_4_group {
        row(
            "ryczałt taxi",
            Some(&g.p_13_4),
            Some(&g.p_14_4),
            g.p_14_4_w.as_ref(),
        );
    }
    if let Some(g) = &fa.p_13_5_group {
        row("oss", Some(&g.p_13_5), g.p_14_5.as_ref(), None);
    }
    row("0% krajowe", fa.p_13_6_1.as_ref(), None, None);
    row("0% WDT", fa.p_13_6_2.as_ref(), None, None);
    row("0% eksport", fa.p_13_6_3.as_ref(), None, None);
    row("zw", fa.p_13_7.as_ref(), None, None);
    row(
        "np z wyjątkiem art. 100 ust. 1 pkt 4 ustawy",
        fa.p_13_8.as_ref(),
        None,
        None,
    );
    row(
        "np wynikające z art. 100 ust. 1 pkt 4 ustawy",
        fa.p_13_9.as_ref(),
        None,
        None,
    );
    row("oo", fa.p_13_10.as_ref(), None, None);
    row("marża", fa.p_13_11.as_ref(), None, None);
    t.drop_empty_columns(&[0, 1, 2]);
    t
}
