//! Reads FA(3) files and prints every schema or business problem with its element path.
//!
//! `cargo run -p ksef-invoice --example validate_file -- invoice.xml…`
#![allow(clippy::print_stdout)]

use std::process::ExitCode;

fn main() -> ExitCode {
    let mut ok = true;
    for path in std::env::args().skip(1) {
        let bytes = match std::fs::read(&path) {
            Ok(b) => b,
            Err(e) => {
                println!("{path}: cannot read: {e}");
                ok = false;
                continue;
            }
        };
        match ksef_invoice::validate_xml(&bytes) {
            Ok(invoice) => println!(
                "{path}: valid ({} {}, total {})",
                invoice.fa.rodzaj_faktury, invoice.fa.p_2, invoice.fa.p_15
            ),
            Err(errors) => {
                ok = false;
                println!("{path}: {} problem(s)", errors.errors.len());
                for e in &errors.errors {
                    println!("  {e}");
                }
            }
        }
    }
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
