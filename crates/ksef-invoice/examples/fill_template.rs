//! Fills an invoice template (`#name#` placeholders) and prints the validated XML.
//!
//! `cargo run -p ksef-invoice --example fill_template -- template.xml nip=5260250274 invoice_number=FV/1`
#![allow(clippy::print_stdout)]

use ksef_invoice::template::Template;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let Some(path) = args.next() else {
        return Err("usage: fill_template TEMPLATE key=value…".into());
    };
    let template = Template::parse(&std::fs::read_to_string(path)?);
    let values: Vec<(String, String)> = args
        .map(|a| {
            a.split_once('=')
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .ok_or(format!("{a:?} is not key=value"))
        })
        .collect::<Result<_, _>>()?;
    let invoice = template.fill(values)?;
    println!("{}", invoice.to_xml_string());
    Ok(())
}
