//! Seller, buyer, third parties and the authorised subject.

use ksef_invoice::Invoice;
use ksef_invoice::fa3::{
    Adres, GV, JST, KodKraju, Podmiot3RolaOrRolaInna, TPodmiot2NIPOrKodUEOrKodKraju as Id2,
    TPodmiot3NIPOrIDWewOrKodUE as Id3,
};

use super::with_name;
use crate::doc::{Block, Column, Field, field};
use crate::format;

pub(super) fn blocks(invoice: &Invoice, out: &mut Vec<Block>) {
    let seller = seller(invoice);
    let buyer = buyer(invoice);
    out.push(Block::Section("Sprzedawca i nabywca".into()));
    out.push(Block::Columns(vec![
        Column {
            heading: "SPRZEDAWCA".into(),
            fields: seller,
        },
        Column {
            heading: "NABYWCA".into(),
            fields: buyer,
        },
    ]));
    for (i, p) in invoice.podmiot3.iter().enumerate() {
        out.push(Block::Section(format!("Podmiot trzeci {}", i + 1)));
        let mut f = Vec::new();
        if let Some(id) = &p.id_nabywcy {
            f.push(field("ID nabywcy:", id));
        }
        if let Some(eori) = &p.nr_eori {
            f.push(field("Numer EORI:", eori));
        }
        let ident = &p.dane_identyfikacyjne;
        match &ident.nip_or_id_wew_or_kod_ue {
            Id3::NIP(nip) => f.push(field("NIP:", nip)),
            Id3::IDWew(id) => f.push(field("Identyfikator wewnętrzny z NIP:", id)),
            Id3::KodUE(ue) => f.push(field(
                "Kod (prefiks) nabywcy VAT UE:",
                format!("{} {}", ue.kod_ue.as_str(), ue.nr_vat_ue),
            )),
            Id3::KodKraju(k) => f.push(field(
                "Identyfikator podatkowy inny:",
                format!(
                    "{} {}",
                    k.kod_kraju.map(|c| c.as_str()).unwrap_or_default(),
                    k.nr_id
                )
                .trim()
                .to_owned(),
            )),
            Id3::BrakID(_) => f.push(field(
                "Podmiot nie posiada identyfikatora podatkowego:",
                "Tak",
            )),
        }
        if let Some(n) = &ident.nazwa_group {
            f.push(field("Imię i nazwisko lub nazwa:", &n.nazwa));
        }
        if let Some(a) = &p.adres {
            address(&mut f, "Adres podmiotu trzeciego", a);
        }
        if let Some(a) = &p.adres_koresp {
            address(&mut f, "Adres korespondencyjny podmiotu trzeciego", a);
        }
        for c in &p.dane_kontaktowe {
            contact(&mut f, c.email.as_deref(), c.telefon.as_deref());
        }
        let role = match &p.rola_or_rola_inna {
            Podmiot3RolaOrRolaInna::Rola(r) => r.description().unwrap_or(r.as_str()).to_owned(),
            Podmiot3RolaOrRolaInna::RolaInna(r) => r.opis_roli.clone(),
        };
        f.push(field("Rola:", role));
        if let Some(u) = &p.udzial {
            f.push(field("Udział:", format!("{}%", format::number(u))));
        }
        if let Some(n) = &p.nr_klienta {
            f.push(field("Numer klienta:", n));
        }
        out.push(Block::Fields(f));
    }
    if let Some(pu) = &invoice.podmiot_upowazniony {
        out.push(Block::Section("Podmiot upoważniony".into()));
        let mut f = Vec::new();
        if let Some(eori) = &pu.nr_eori {
            f.push(field("Numer EORI:", eori));
        }
        f.push(field("NIP:", &pu.dane_identyfikacyjne.nip));
        f.push(field(
            "Imię i nazwisko lub nazwa:",
            &pu.dane_identyfikacyjne.nazwa,
        ));
        address(&mut f, "Adres podmiotu upoważnionego", &pu.adres);
        if let Some(a) = &pu.adres_koresp {
            address(&mut f, "Adres korespondencyjny podmiotu upoważnionego", a);
        }
        for c in &pu.dane_kontaktowe {
            contact(&mut f, c.email_pu.as_deref(), c.telefon_pu.as_deref());
        }
        f.push(field(
            "Rola podmiotu upoważnionego:",
            pu.rola_pu.description().unwrap_or(pu.rola_pu.as_str()),
        ));
        out.push(Block::Fields(f));
    }
}

fn seller(invoice: &Invoice) -> Vec<Field> {
    let p = &invoice.podmiot1;
    let mut f = Vec::new();
    if let Some(eori) = &p.nr_eori {
        f.push(field("Numer EORI:", eori));
    }
    let prefix = p
        .prefiks_podatnika
        .map(|k| format!("{} ", k.as_str()))
        .unwrap_or_default();
    f.push(field(
        "NIP:",
        format!("{prefix}{}", p.dane_identyfikacyjne.nip),
    ));
    f.push(field(
        "Imię i nazwisko lub nazwa:",
        &p.dane_identyfikacyjne.nazwa,
    ));
    address(&mut f, "Adres podatnika", &p.adres);
    if let Some(a) = &p.adres_koresp {
        let a = Adres {
            kod_kraju: a.kod_kraju,
            adres_l1: a.adres_l1.clone(),
            adres_l2: a.adres_l2.clone(),
            gln: a.gln.clone(),
        };
        address(&mut f, "Adres korespondencyjny podatnika", &a);
    }
    for c in &p.dane_kontaktowe {
        if let Some(g) = &c.email_group {
            contact(&mut f, g.email.as_deref(), g.telefon.as_deref());
        }
    }
    if let Some(s) = p.status_info_podatnika {
        f.push(field(
            "Status podatnika:",
            s.description().unwrap_or(s.as_str()),
        ));
    }
    f
}

fn buyer(invoice: &Invoice) -> Vec<Field> {
    let p = &invoice.podmiot2;
    let mut f = Vec::new();
    if let Some(eori) = &p.nr_eori {
        f.push(field("Numer EORI:", eori));
    }
    let ident = &p.dane_identyfikacyjne;
    match &ident.nip_or_kod_ue_or_kod_kraju {
        Id2::NIP(nip) => f.push(field("NIP:", nip)),
        Id2::KodUE(ue) => f.push(field(
            "Kod (prefiks) nabywcy VAT UE:",
            format!("{} {}", ue.kod_ue.as_str(), ue.nr_vat_ue),
        )),
        Id2::KodKraju(k) => f.push(field(
            "Identyfikator podatkowy inny:",
            format!("{} {}", k.kod_kraju.map(|c| c.as_str()).unwrap_or_default(), k.nr_id)
                .trim()
                .to_owned(),
        )),
        Id2::BrakID(_) => f.push(field(
            "Podmiot nie posiada identyfikatora podatkowego lub identyfikator nie występuje na fakturze:",
            "Tak",
        )),
    }
    if let Some(n) = &ident.nazwa_group {
        f.push(field("Imię i nazwisko lub nazwa:", &n.nazwa));
    }
    if let Some(a) = &p.adres {
        address(&mut f, "Adres nabywcy", a);
    }
    if let Some(a) = &p.adres_koresp {
        address(&mut f, "Adres korespondencyjny nabywcy", a);
    }
    for c in &p.dane_kontaktowe {
        if let Some(g) = &c.email_group {
            contact(&mut f, g.email.as_deref(), g.telefon.as_deref());
        }
    }
    if let Some(n) = &p.nr_klienta {
        f.push(field("Numer klienta:", n));
    }
    if let Some(id) = &p.id_nabywcy {
        f.push(field("ID nabywcy:", id));
    }
    f.push(field(
        "Faktura dotyczy jednostki podrzędnej JST:",
        if p.jst == JST::V1 { "Tak" } else { "Nie" },
    ));
    f.push(field(
        "Faktura dotyczy członka GV:",
        if p.gv == GV::V1 { "Tak" } else { "Nie" },
    ));
    f
}

/// A country code with its Polish name: `PL (POLSKA)`.
pub(crate) fn country(code: KodKraju) -> String {
    with_name(code.as_str(), code.description())
}

fn address(f: &mut Vec<Field>, heading: &str, a: &Adres) {
    let mut line = a.adres_l1.clone();
    if let Some(l2) = &a.adres_l2 {
        line.push('\n');
        line.push_str(l2);
    }
    f.push(field(format!("{heading}:"), line));
    f.push(field("Kod kraju:", country(a.kod_kraju)));
    if let Some(gln) = &a.gln {
        f.push(field("GLN:", gln));
    }
}

fn contact(f: &mut Vec<Field>, email: Option<&str>, phone: Option<&str>) {
    if let Some(e) = email {
        f.push(field("Adres e-mail:", e));
    }
    if let Some(p) = phone {
        f.push(field("Numer telefonu:", p));
    }
}
