//! Transaction terms, the order of an advance invoice, WZ numbers, the footer with registers
//! and the attachment.

use ksef_invoice::Invoice;
use ksef_invoice::fa3::{
    TransportOpisLadunkuOrLadunekInny as Cargo, TransportRodzajTransportuOrTransportInny as Kind,
};

use crate::doc::{Align, Block, Table, field};
use crate::format::{self, amount, opt_amount, opt_number};

pub(super) fn blocks(invoice: &Invoice, out: &mut Vec<Block>) {
    terms(invoice, out);
    order(invoice, out);
    if !invoice.fa.wz.is_empty() {
        out.push(Block::Section("Numery dokumentów magazynowych WZ".into()));
        out.push(Block::Text(invoice.fa.wz.join(", ")));
    }
    footer(invoice, out);
    attachment(invoice, out);
    let n = &invoice.naglowek;
    out.push(Block::Section("Informacje o dokumencie".into()));
    let mut f = vec![field(
        "Data i czas wytworzenia faktury:",
        format::date_time(n.data_wytworzenia_fa.to_offset_date_time()),
    )];
    if let Some(s) = &n.system_info {
        f.push(field(
            "Nazwa systemu teleinformatycznego, z którego korzysta podatnik:",
            s,
        ));
    }
    out.push(Block::Fields(f));
}

fn terms(invoice: &Invoice, out: &mut Vec<Block>) {
    let Some(w) = &invoice.fa.warunki_transakcji else {
        return;
    };
    out.push(Block::Section("Warunki transakcji".into()));
    for (heading, date_label, number_label, items) in [
        (
            "Umowy",
            "Data umowy",
            "Numer umowy",
            w.umowy
                .iter()
                .filter_map(|u| u.data_umowy_group.as_ref())
                .map(|g| (g.data_umowy, g.nr_umowy.clone()))
                .collect::<Vec<_>>(),
        ),
        (
            "Zamówienia",
            "Data zamówienia",
            "Numer zamówienia",
            w.zamowienia
                .iter()
                .filter_map(|z| z.data_zamowienia_group.as_ref())
                .map(|g| (g.data_zamowienia, g.nr_zamowienia.clone()))
                .collect(),
        ),
    ] {
        if items.is_empty() {
            continue;
        }
        out.push(Block::Subsection(heading.into()));
        let mut t = Table::new(&[
            (date_label, 1.0, Align::Left),
            (number_label, 3.0, Align::Left),
        ]);
        for (d, n) in items {
            t.rows.push(vec![
                d.map(format::date).unwrap_or_default(),
                n.unwrap_or_default(),
            ]);
        }
        out.push(Block::Table(t));
    }
    let mut f = Vec::new();
    if !w.nr_partii_towaru.is_empty() {
        f.push(field("Numer partii towaru:", w.nr_partii_towaru.join(", ")));
    }
    if let Some(d) = &w.warunki_dostawy {
        f.push(field("Warunki dostawy towarów (Incoterms):", d));
    }
    if let Some(k) = &w.kurs_umowny_group {
        f.push(field("Kurs umowny:", format::number(&k.kurs_umowny)));
        f.push(field(
            "Waluta umowna:",
            super::super::currency(k.waluta_umowna),
        ));
    }
    for t in &w.transport {
        let kind = match &t.rodzaj_transportu_or_transport_inny {
            Kind::RodzajTransportu(r) => r.description().unwrap_or(r.as_str()).to_owned(),
            Kind::TransportInny(o) => o.opis_innego_transportu.clone(),
        };
        f.push(field("Rodzaj zastosowanego transportu:", kind));
        if let Some(n) = &t.nr_zlecenia_transportu {
            f.push(field("Numer zlecenia transportu:", n));
        }
        let cargo = match &t.opis_ladunku_or_ladunek_inny {
            Cargo::OpisLadunku(l) => l.description().unwrap_or(l.as_str()).to_owned(),
            Cargo::LadunekInny(o) => o.opis_innego_ladunku.clone(),
        };
        f.push(field("Opis ładunku:", cargo));
        if let Some(j) = &t.jednostka_opakowania {
            f.push(field("Jednostka opakowania:", j));
        }
    }
    if w.podmiot_posredniczacy.is_some() {
        f.push(field(
            "Dostawa dokonana przez podmiot pośredniczący (art. 22 ust. 2d ustawy):",
            "Tak",
        ));
    }
    if !f.is_empty() {
        out.push(Block::Fields(f));
    }
}

fn order(invoice: &Invoice, out: &mut Vec<Block>) {
    let Some(z) = &invoice.fa.zamowienie else {
        return;
    };
    out.push(Block::Section("Zamówienie".into()));
    out.push(Block::Fields(vec![field(
        "Wartość zamówienia lub umowy z uwzględnieniem kwoty podatku:",
        amount(&z.wartosc_zamowienia),
    )]));
    let mut t = Table::new(&[
        ("Lp.", 0.45, Align::Right),
        ("Nazwa (rodzaj) towaru lub usługi", 3.0, Align::Left),
        ("Jednostka miary", 0.8, Align::Left),
        ("Ilość", 0.8, Align::Right),
        ("Cena jednostkowa netto", 1.1, Align::Right),
        ("Wartość sprzedaży netto", 1.2, Align::Right),
        ("Kwota VAT", 1.0, Align::Right),
        ("Stawka podatku", 0.7, Align::Right),
    ]);
    for w in &z.zamowienie_wiersz {
        t.rows.push(vec![
            w.nr_wiersza_zam.to_string(),
            w.p_7_z.clone().unwrap_or_default(),
            w.p_8_az.clone().unwrap_or_default(),
            opt_number(w.p_8_bz.as_ref()),
            opt_amount(w.p_9_az.as_ref()),
            opt_amount(w.p_11_netto_z.as_ref()),
            opt_amount(w.p_11_vat_z.as_ref()),
            w.p_12_z.map(|r| r.as_str().to_owned()).unwrap_or_default(),
        ]);
    }
    t.drop_empty_columns(&[0, 1]);
    out.push(Block::Table(t));
}

fn footer(invoice: &Invoice, out: &mut Vec<Block>) {
    let Some(g) = invoice
        .stopka
        .as_ref()
        .and_then(|s| s.informacje_group.as_ref())
    else {
        return;
    };
    let texts: Vec<&str> = g
        .informacje
        .iter()
        .filter_map(|i| i.stopka_faktury_group.as_ref()?.stopka_faktury.as_deref())
        .collect();
    if !texts.is_empty() {
        out.push(Block::Section("Pozostałe dane na fakturze".into()));
        for t in texts {
            out.push(Block::Text(t.to_owned()));
        }
    }
    let registers: Vec<_> = g
        .rejestry
        .iter()
        .filter_map(|r| r.pelna_nazwa_group.as_ref())
        .collect();
    if !registers.is_empty() {
        out.push(Block::Section(
            "Numery podmiotu lub grupy podmiotów w innych rejestrach i bazach danych".into(),
        ));
        let mut t = Table::new(&[
            ("Pełna nazwa", 2.0, Align::Left),
            ("KRS", 1.0, Align::Left),
            ("REGON", 1.0, Align::Left),
            ("BDO", 1.0, Align::Left),
        ]);
        for r in registers {
            t.rows.push(
                [&r.pelna_nazwa, &r.krs, &r.regon, &r.bdo]
                    .iter()
                    .map(|v| (*v).clone().unwrap_or_default())
                    .collect(),
            );
        }
        t.drop_empty_columns(&[]);
        out.push(Block::Table(t));
    }
}

fn attachment(invoice: &Invoice, out: &mut Vec<Block>) {
    let Some(z) = &invoice.zalacznik else {
        return;
    };
    out.push(Block::Section("Załącznik do faktury VAT".into()));
    for b in &z.blok_danych {
        if let Some(h) = &b.z_naglowek {
            out.push(Block::Subsection(h.clone()));
        }
        if !b.meta_dane.is_empty() {
            out.push(Block::Fields(
                b.meta_dane
                    .iter()
                    .map(|m| field(format!("{}:", m.z_klucz), &m.z_wartosc))
                    .collect(),
            ));
        }
        if let Some(t) = &b.tekst {
            for a in &t.akapit {
                out.push(Block::Text(a.clone()));
            }
        }
        for tab in b.tabela_group.iter().flat_map(|g| &g.tabela) {
            if !tab.t_meta_dane.is_empty() {
                out.push(Block::Fields(
                    tab.t_meta_dane
                        .iter()
                        .map(|m| field(format!("{}:", m.t_klucz), &m.t_wartosc))
                        .collect(),
                ));
            }
            if let Some(o) = &tab.opis {
                out.push(Block::Text(o.clone()));
            }
            let t = Table {
                columns: tab
                    .t_naglowek
                    .kol
                    .iter()
                    .map(|k| crate::doc::TableColumn {
                        header: k.n_kom.value.clone(),
                        weight: 1.0,
                        align: if k.typ.as_str() == "txt" {
                            Align::Left
                        } else {
                            Align::Right
                        },
                    })
                    .collect(),
                rows: tab.wiersz.iter().map(|w| w.w_kom.clone()).collect(),
                footer: tab.suma.iter().map(|s| s.s_kom.clone()).collect(),
            };
            out.push(Block::Table(t));
        }
    }
}
