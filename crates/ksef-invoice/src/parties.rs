//! Convenience constructors for the parts of an invoice most invoices need.

use crate::generated::fa3::{self, KodKraju};

impl fa3::Adres {
    /// An address: country, first line (street and number), second line (postcode and city).
    pub fn new(country: KodKraju, line1: impl Into<String>, line2: Option<String>) -> Self {
        fa3::Adres {
            kod_kraju: country,
            adres_l1: line1.into(),
            adres_l2: line2,
            gln: None,
        }
    }
}

impl fa3::Podmiot1 {
    /// A seller identified by NIP.
    pub fn with_nip(nip: impl Into<String>, name: impl Into<String>, address: fa3::Adres) -> Self {
        fa3::Podmiot1 {
            prefiks_podatnika: None,
            nr_eori: None,
            dane_identyfikacyjne: fa3::TPodmiot1 {
                nip: nip.into(),
                nazwa: name.into(),
            },
            adres: address,
            adres_koresp: None,
            dane_kontaktowe: Vec::new(),
            status_info_podatnika: None,
        }
    }
}

impl fa3::Podmiot2 {
    fn with_id(
        id: fa3::TPodmiot2NIPOrKodUEOrKodKraju,
        name: Option<String>,
        address: Option<fa3::Adres>,
    ) -> Self {
        fa3::Podmiot2 {
            nr_eori: None,
            dane_identyfikacyjne: fa3::TPodmiot2 {
                nip_or_kod_ue_or_kod_kraju: id,
                nazwa_group: name.map(|nazwa| fa3::TPodmiot2NazwaGroup { nazwa }),
            },
            adres: address,
            adres_koresp: None,
            dane_kontaktowe: Vec::new(),
            nr_klienta: None,
            id_nabywcy: None,
            // Not a local-government unit, not a VAT group member: the common case.
            jst: fa3::JST::V2,
            gv: fa3::GV::V2,
        }
    }

    /// A buyer identified by NIP.
    pub fn with_nip(nip: impl Into<String>, name: impl Into<String>, address: fa3::Adres) -> Self {
        Self::with_id(
            fa3::TPodmiot2NIPOrKodUEOrKodKraju::NIP(nip.into()),
            Some(name.into()),
            Some(address),
        )
    }

    /// A buyer from another EU country identified by its VAT number.
    pub fn with_eu_vat(
        country: fa3::KodyKrajowUE,
        vat_number: impl Into<String>,
        name: impl Into<String>,
        address: fa3::Adres,
    ) -> Self {
        Self::with_id(
            fa3::TPodmiot2NIPOrKodUEOrKodKraju::KodUE(fa3::TPodmiot2NIPOrKodUEOrKodKrajuKodUE {
                kod_ue: country,
                nr_vat_ue: vat_number.into(),
            }),
            Some(name.into()),
            Some(address),
        )
    }

    /// A buyer without a tax identifier (a consumer).
    pub fn without_id(name: impl Into<String>, address: Option<fa3::Adres>) -> Self {
        Self::with_id(
            fa3::TPodmiot2NIPOrKodUEOrKodKraju::BrakID(fa3::Wybor1::V1),
            Some(name.into()),
            address,
        )
    }
}
