//! Renders an FA(3) invoice as PDF and HTML, with KOD I for the TEST environment.
//!
//! `cargo run -p ksef-render --example render_invoice -- INVOICE.xml OUT.pdf [OUT.html] [KSEF_NUMBER]`

use ksef_render::{InvoiceDocument, InvoiceRenderOptions, QrEnvironment};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [input, pdf_out, rest @ ..] = args.as_slice() else {
        return Err("usage: render_invoice INVOICE.xml OUT.pdf [OUT.html] [KSEF_NUMBER]".into());
    };
    let invoice = InvoiceDocument::from_xml(std::fs::read(input)?)?;
    let options = InvoiceRenderOptions {
        qr_environment: Some(QrEnvironment::Test),
        ksef_number: rest.get(1).cloned(),
        ..Default::default()
    };
    std::fs::write(pdf_out, invoice.to_pdf(&options)?)?;
    if let Some(html_out) = rest.first() {
        std::fs::write(html_out, invoice.to_html(&options)?)?;
    }
    Ok(())
}
