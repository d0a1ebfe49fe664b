//! The sections after the amounts: payment, annotations, correction data, partial payments,
//! additional descriptions and settlement. The remaining ones are in [`more`].

mod more;

use ksef_invoice::Invoice;
use ksef_invoice::fa3::{
    DaneFaKorygowanejNrKSeFOrNrKSeFN as NrKsef,
    FakturaZaliczkowaNrKSeFZNOrNrKSeFFaZaliczkowej as Zal, NoweSrodkiTransportuP22OrP22N as P22,
    PMarzyPPMarzyOrPPMarzyN as Marza,
    PMarzyPPMarzyOrPPMarzyNPPMarzyPPMarzy2OrPPMarzy31OrPPMarzy32 as MarzaKind,
    PlatnoscFormaPlatnosciOrPlatnoscInna as Forma,
    PlatnoscZaplaconoOrZnacznikZaplatyCzesciowej as Paid,
    RozliczenieDoZaplatyOrDoRozliczenia as Due, Wybor12,
    ZaplataCzesciowaFormaPlatnosciOrPlatnoscInna as FormaZ, ZwolnienieP19OrP19N as P19,
    ZwolnienieP19OrP19NP19P19AOrP19BOrP19C as P19Basis,
};

use crate::doc::{Align, Block, Field, Table, field};
use crate::format::{self, amount};

pub(super) fn blocks(invoice: &Invoice, out: &mut Vec<Block>) {
    payment(invoice, out);
    annotations(invoice, out);
    correction(invoice, out);
    advances(invoice, out);
    description(invoice, out);
    settlement(invoice, out);
    more::blocks(invoice, out);
}

fn yes_no(v: Wybor12) -> &'static str {
    if v == Wybor12::V1 { "Tak" } else { "Nie" }
}

fn payment(invoice: &Invoice, out: &mut Vec<Block>) {
    let Some(p) = &invoice.fa.platnosc else {
        return;
    };
    out.push(Block::Section("Warunki płatności".into()));
    let mut f = Vec::new();
    let mut partial = None;
    match &p.zaplacono_or_znacznik_zaplaty_czesciowej {
        Some(Paid::Zaplacono(z)) => {
            f.push(field(
                "Znacznik informujący, że należność wynikająca z faktury została zapłacona:",
                "zapłacono",
            ));
            f.push(field(
                "Data zapłaty, jeśli do wystawienia faktury płatność została dokonana:",
                format::date(z.data_zaplaty),
            ));
        }
        Some(Paid::ZnacznikZaplatyCzesciowej(z)) => {
            f.push(field(
                "Znacznik informujący, że należność wynikająca z faktury została zapłacona w części lub w całości:",
                if z.znacznik_zaplaty_czesciowej == Wybor12::V1 {
                    "zapłacono w części"
                } else {
                    "zapłacono w całości"
                },
            ));
            partial = Some(&z.zaplata_czesciowa);
        }
        None => {}
    }
    for t in &p.termin_platnosci {
        if let Some(g) = &t.termin_group {
            if let Some(d) = g.termin {
                f.push(field("Termin płatności:", format::date(d)));
            }
            if let Some(o) = &g.termin_opis {
                f.push(field(
                    "Opis terminu płatności:",
                    format!("{} {} {}", o.ilosc, o.jednostka, o.zdarzenie_poczatkowe),
                ));
            }
        }
    }
    match &p.forma_platnosci_or_platnosc_inna {
        Some(Forma::FormaPlatnosci(k)) => {
            f.push(field(
                "Forma płatności:",
                k.description().unwrap_or(k.as_str()),
            ));
        }
        Some(Forma::PlatnoscInna(o)) => {
            f.push(field(
                "Uszczegółowienie innej formy płatności:",
                &o.opis_platnosci,
            ));
        }
        None => {}
    }
    if let Some(s) = &p.skonto {
        f.push(field("Skonto — warunki:", &s.warunki_skonta));
        f.push(field("Skonto — wysokość:", &s.wysokosc_skonta));
    }
    if let Some(l) = &p.link_do_platnosci {
        f.push(field("Link do płatności:", l));
    }
    if let Some(i) = &p.ipk_se_f {
        f.push(field("Identyfikator płatności KSeF:", i));
    }
    out.push(Block::Fields(f));
    if let Some(parts) = partial.filter(|p| !p.is_empty()) {
        out.push(Block::Subsection("Dane zapłat częściowych".into()));
        let mut t = Table::new(&[
            ("Kwota zapłaty częściowej", 1.0, Align::Right),
            ("Data zapłaty częściowej", 1.0, Align::Left),
            ("Forma płatności", 2.0, Align::Left),
        ]);
        for z in parts {
            let form = match &z.forma_platnosci_or_platnosc_inna {
                Some(FormaZ::FormaPlatnosci(k)) => k.description().unwrap_or(k.as_str()).to_owned(),
                Some(FormaZ::PlatnoscInna(o)) => o.opis_platnosci.clone(),
                None => String::new(),
            };
            t.rows.push(vec![
                amount(&z.kwota_zaplaty_czesciowej),
                format::date(z.data_zaplaty_czesciowej),
                form,
            ]);
        }
        out.push(Block::Table(t));
    }
    for (heading, accounts) in [
        ("Rachunek bankowy", &p.rachunek_bankowy),
        ("Rachunek faktora", &p.rachunek_bankowy_faktora),
    ] {
        for a in accounts {
            out.push(Block::Subsection(heading.into()));
            let mut f = vec![field("Pełny numer rachunku:", &a.nr_rb)];
            if let Some(s) = &a.swift {
                f.push(field("Kod SWIFT:", s));
            }
            if let Some(w) = a.rachunek_wlasny_banku {
                f.push(field(
                    "Rachunek własny banku:",
                    w.description().unwrap_or(w.as_str()),
                ));
            }
            if let Some(n) = &a.nazwa_banku {
                f.push(field("Nazwa banku:", n));
            }
            if let Some(o) = &a.opis_rachunku {
                f.push(field("Opis rachunku:", o));
            }
            out.push(Block::Fields(f));
        }
    }
}

fn annotations(invoice: &Invoice, out: &mut Vec<Block>) {
    let a = &invoice.fa.adnotacje;
    out.push(Block::Section("Adnotacje".into()));
    let mut f: Vec<Field> = vec![
        field("Metoda kasowa:", yes_no(a.p_16)),
        field("Samofakturowanie:", yes_no(a.p_17)),
        field("Odwrotne obciążenie:", yes_no(a.p_18)),
        field("Mechanizm podzielonej płatności:", yes_no(a.p_18_a)),
    ];
    match &a.zwolnienie.p_19_or_p_19_n {
        P19::P19(z) => {
            let (label, text) = match &z.p_19_a_or_p_19_b_or_p_19_c {
                P19Basis::P19A(t) => ("Przepis ustawy albo aktu wydanego na podstawie ustawy:", t),
                P19Basis::P19B(t) => ("Przepis dyrektywy 2006/112/WE:", t),
                P19Basis::P19C(t) => ("Inna podstawa prawna:", t),
            };
            f.push(field(
                "Dostawy towarów lub świadczenia usług zwolnionych od podatku:",
                "Tak",
            ));
            f.push(field(label, text));
        }
        P19::P19N(_) => f.push(field(
            "Dostawy towarów lub świadczenia usług zwolnionych od podatku:",
            "Nie",
        )),
    }
    match &a.nowe_srodki_transportu.p_22_or_p_22_n {
        P22::P22(n) => {
            f.push(field(
                "Wewnątrzwspólnotowa dostawa nowych środków transportu:",
                "Tak",
            ));
            for s in &n.nowy_srodek_transportu {
                f.push(field(
                    "Numer wiersza faktury, w którym wykazano dostawę nowego środka transportu:",
                    s.p_nr_wiersza_nst.to_string(),
                ));
                f.push(field(
                    "Data dopuszczenia nowego środka transportu do użytku:",
                    format::date(s.p_22_a),
                ));
            }
        }
        P22::P22N(_) => f.push(field(
            "Wewnątrzwspólnotowa dostawa nowych środków transportu:",
            "Nie",
        )),
    }
    f.push(field(
        "VAT: Faktura WE uproszczona na mocy art. 135-138 ustawy o ptu:",
        yes_no(a.p_23),
    ));
    match &a.p_marzy.p_p_marzy_or_p_p_marzy_n {
        Marza::PPMarzy(m) => {
            let kind = match &m.p_p_marzy_2_or_p_p_marzy_3_1_or_p_p_marzy_3_2 {
                MarzaKind::PPMarzy2(_) => "Procedura marży dla biur podróży",
                MarzaKind::PPMarzy31(_) => "Procedura marży - towary używane",
                MarzaKind::PPMarzy32(_) => "Procedura marży - dzieła sztuki",
                MarzaKind::PPMarzy33(_) => "Procedura marży - przedmioty kolekcjonerskie i antyki",
            };
            f.push(field("Procedura marży:", kind));
        }
        Marza::PPMarzyN(_) => f.push(field("Procedura marży:", "Nie")),
    }
    out.push(Block::Fields(f));
}

fn correction(invoice: &Invoice, out: &mut Vec<Block>) {
    let Some(k) = &invoice.fa.przyczyna_korekty_group else {
        return;
    };
    out.push(Block::Section("Korekta".into()));
    let mut f = Vec::new();
    if let Some(p) = &k.przyczyna_korekty {
        f.push(field("Przyczyna korekty dla faktur korygujących:", p));
    }
    if let Some(t) = k.typ_korekty {
        f.push(field(
            "Typ skutku korekty w ewidencji dla podatku od towarów i usług:",
            t.description().unwrap_or(t.as_str()),
        ));
    }
    if let Some(o) = &k.okres_fa_korygowanej {
        f.push(field("Okres, do którego odnosi się opust lub obniżka:", o));
    }
    if let Some(n) = &k.nr_fa_korygowany {
        f.push(field("Poprawny numer faktury korygowanej:", n));
    }
    if let Some(z) = &k.p_15_zk_group {
        f.push(field(
            "Kwota zapłaty / pozostała do zapłaty przed korektą:",
            amount(&z.p_15_zk),
        ));
    }
    out.push(Block::Fields(f));
    if !k.dane_fa_korygowanej.is_empty() {
        let mut t = Table::new(&[
            ("Data wystawienia faktury korygowanej", 1.0, Align::Left),
            ("Numer faktury korygowanej", 1.6, Align::Left),
            (
                "Numer identyfikujący fakturę korygowaną w KSeF",
                2.2,
                Align::Left,
            ),
        ]);
        for d in &k.dane_fa_korygowanej {
            t.rows.push(vec![
                format::date(d.data_wyst_fa_korygowanej),
                d.nr_fa_korygowanej.clone(),
                match &d.nr_k_se_f_or_nr_k_se_fn {
                    NrKsef::NrKSeF(n) => n.nr_k_se_f_fa_korygowanej.clone(),
                    NrKsef::NrKSeFN(_) => "poza KSeF".into(),
                },
            ]);
        }
        out.push(Block::Table(t));
    }
}

fn advances(invoice: &Invoice, out: &mut Vec<Block>) {
    let fa = &invoice.fa;
    if !fa.zaliczka_czesciowa.is_empty() {
        out.push(Block::Section("Zaliczka częściowa".into()));
        let mut t = Table::new(&[
            ("Data otrzymania płatności", 1.0, Align::Left),
            ("Kwota płatności", 1.0, Align::Right),
            ("Kurs waluty", 1.0, Align::Right),
        ]);
        for z in &fa.zaliczka_czesciowa {
            t.rows.push(vec![
                format::date(z.p_6_z),
                amount(&z.p_15_z),
                format::opt_number(z.kurs_waluty_zw.as_ref()),
            ]);
        }
        t.drop_empty_columns(&[0, 1]);
        out.push(Block::Table(t));
    }
    if !fa.faktura_zaliczkowa.is_empty() {
        out.push(Block::Section("Faktury zaliczkowe".into()));
        let mut t = Table::new(&[
            (
                "Numer faktury zaliczkowej wystawionej poza KSeF",
                1.0,
                Align::Left,
            ),
            (
                "Numer faktury zaliczkowej wystawionej w KSeF",
                1.0,
                Align::Left,
            ),
        ]);
        for z in &fa.faktura_zaliczkowa {
            t.rows
                .push(match &z.nr_k_se_fzn_or_nr_k_se_f_fa_zaliczkowej {
                    Zal::NrKSeFZN(n) => vec![n.nr_fa_zaliczkowej.clone(), String::new()],
                    Zal::NrKSeFFaZaliczkowej(n) => vec![String::new(), n.clone()],
                });
        }
        out.push(Block::Table(t));
    }
}

fn description(invoice: &Invoice, out: &mut Vec<Block>) {
    let d = &invoice.fa.dodatkowy_opis;
    if d.is_empty() {
        return;
    }
    out.push(Block::Section("Dodatkowy opis".into()));
    let mut t = Table::new(&[
        ("Numer wiersza", 0.5, Align::Right),
        ("Klucz", 1.5, Align::Left),
        ("Wartość", 3.0, Align::Left),
    ]);
    for kv in d {
        t.rows.push(vec![
            kv.nr_wiersza.map(|n| n.to_string()).unwrap_or_default(),
            kv.klucz.clone(),
            kv.wartosc.clone(),
        ]);
    }
    t.drop_empty_columns(&[1, 2]);
    out.push(Block::Table(t));
}

fn settlement(invoice: &Invoice, out: &mut Vec<Block>) {
    let Some(r) = &invoice.fa.rozliczenie else {
        return;
    };
    out.push(Block::Section("Dodatkowe rozliczenia na fakturze".into()));
    for (heading, items, sum, label) in [
        (
            "Obciążenia",
            r.obciazenia
                .iter()
                .map(|o| (&o.kwota, &o.powod))
                .collect::<Vec<_>>(),
            &r.suma_obciazen,
            "Suma obciążeń",
        ),
        (
            "Odliczenia",
            r.odliczenia.iter().map(|o| (&o.kwota, &o.powod)).collect(),
            &r.suma_odliczen,
            "Suma odliczeń",
        ),
    ] {
        if items.is_empty() && sum.is_none() {
            continue;
        }
        out.push(Block::Subsection(heading.into()));
        let mut t = Table::new(&[("Kwota", 1.0, Align::Right), ("Powód", 3.0, Align::Left)]);
        for (k, p) in items {
            t.rows.push(vec![amount(k), p.clone()]);
        }
        if let Some(s) = sum {
            t.footer.push(vec![amount(s), label.into()]);
        }
        out.push(Block::Table(t));
    }
    match &r.do_zaplaty_or_do_rozliczenia {
        Some(Due::DoZaplaty(k)) => out.push(Block::Fields(vec![field("Do zapłaty:", amount(k))])),
        Some(Due::DoRozliczenia(k)) => out.push(Block::Fields(vec![field(
            "Kwota nadpłacona do rozliczenia/zwrotu:",
            amount(k),
        )])),
        None => {}
    }
}
