//! A 1,000-line invoice: the lines table continues over many pages with its header on each,
//! every page is numbered, every line is there and readable.

mod common;

use common::{long_invoice, page_count, pdf_text, squeeze};
use ksef_render::InvoiceDocument;

#[test]
fn a_thousand_lines_break_across_pages_with_repeated_headers() {
    let xml = long_invoice(1000);
    let doc = InvoiceDocument::from_xml(xml).unwrap();
    let pdf = doc.to_pdf(&Default::default()).unwrap();
    assert!(pdf.len() < 2_000_000, "{} bytes", pdf.len());
    let text = pdf_text(&pdf);
    let pages = page_count(&text);
    assert!(pages > 20, "{pages} pages");
    for n in 1..=pages {
        assert!(
            text.contains(&format!("Strona {n} z {pages}")),
            "page {n} numbered"
        );
    }
    let pages_text: Vec<&str> = text
        .split('\u{c}')
        .filter(|p| !p.trim().is_empty())
        .collect();
    assert_eq!(pages_text.len(), pages);
    let header = squeeze("Nazwa (rodzaj) towaru lub usługi");
    let with_header = pages_text
        .iter()
        .filter(|p| squeeze(p).contains(&header))
        .count();
    // Every page holding lines starts with the header (the first and last may hold other sections).
    let with_lines = pages_text
        .iter()
        .filter(|p| p.contains("Pozycja numer"))
        .count();
    assert!(with_lines >= pages - 2, "{with_lines} of {pages}");
    assert_eq!(
        with_header, with_lines,
        "the header repeats on every page of the table"
    );
    let all = squeeze(&text);
    for i in [1, 2, 333, 999, 1000] {
        let line = squeeze(&format!(
            "Pozycja numer {i}: usługa serwisowa z długim opisem, który się zawija w komórce tabeli (zażółć gęślą jaźń)"
        ));
        assert!(all.contains(&line), "line {i} whole");
    }
    assert!(all.contains("123000,00"), "the total");
}

#[test]
fn a_cell_longer_than_a_page_continues_on_the_next() {
    let long_name = "bardzo długa nazwa ".repeat(2000);
    let xml = long_invoice(2).replace("Pozycja numer 2:", &format!("Pozycja numer 2: {long_name}"));
    let pdf = InvoiceDocument::from_xml(xml)
        .unwrap()
        .to_pdf(&Default::default())
        .unwrap();
    let text = pdf_text(&pdf);
    assert!(page_count(&text) >= 3);
    // Every word is there once (phrases may be cut by the footer and header of a page break).
    for word in ["bardzo", "długa"] {
        assert_eq!(text.matches(word).count(), 2000, "{word}");
    }
}
