//! Builds a VAT invoice with computed totals and prints its FA(3) XML.
//!
//! `cargo run -p ksef-invoice --example build_invoice`
#![allow(clippy::print_stdout)]

use ksef_invoice::builder::{InvoiceBuilder, Line};
use ksef_invoice::fa3::{Adres, KodKraju, Podmiot1, Podmiot2, StawkaPodatku};
use time::macros::date;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let address = Adres::new(
        KodKraju::Pl,
        "ul. Kwiatowa 1 m. 2",
        Some("00-001 Warszawa".into()),
    );
    let invoice = InvoiceBuilder::vat("FV/2026/02/150", date!(2026 - 02 - 15))
        .seller(Podmiot1::with_nip(
            "9999999999",
            "ABC AGD sp. z o. o.",
            address.clone(),
        ))
        .buyer(Podmiot2::with_nip(
            "1111111111",
            "F.H.U. Jan Kowalski",
            address,
        ))
        .place("Warszawa")
        .line(
            Line::new(
                "lodówka Zimnotech mk1",
                "1".parse()?,
                "1626.01".parse()?,
                StawkaPodatku::V23,
            )
            .unit("szt."),
        )
        .line(
            Line::new(
                "wniesienie sprzętu",
                "1".parse()?,
                "40.65".parse()?,
                StawkaPodatku::V23,
            )
            .unit("szt."),
        )
        .line(Line::new("mleko", "2".parse()?, "0.95".parse()?, StawkaPodatku::V5).unit("l"))
        .build()?;
    println!("{}", invoice.to_xml_string());
    Ok(())
}
