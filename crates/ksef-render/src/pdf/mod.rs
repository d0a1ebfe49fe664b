//! PDF output: lays the document out ([`layout`]) and writes it with `pdf-writer`, embedding
//! subsets of the fonts.

mod fonts;
mod layout;

use std::io::Write as _;

use pdf_writer::{Content, Filter, Finish, Name, Pdf, Rect, Ref, Str, TextStr};

use crate::RenderError;
use crate::doc::Doc;
use fonts::{FontUse, Fonts, Weight};
use layout::{Op, PAGE_H, PAGE_W};

/// zlib-compresses a stream.
pub(crate) fn deflate(data: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::ZlibEncoder::new(
        Vec::with_capacity(data.len() / 3),
        flate2::Compression::new(6),
    );
    // Writing into a Vec cannot fail.
    let _ = encoder.write_all(data);
    encoder.finish().unwrap_or_default()
}

/// Quiet zone around a QR code, in modules.
const QUIET: usize = 4;

const REGULAR: Name<'static> = Name(b"F1");
const BOLD: Name<'static> = Name(b"F2");

/// Renders `doc` as a PDF document.
pub(crate) fn render(doc: &Doc) -> Result<Vec<u8>, RenderError> {
    let pages = layout::layout(doc)?;
    let fonts = Fonts::get()?;
    let mut regular = FontUse::new(&fonts.regular);
    let mut bold = FontUse::new(&fonts.bold);

    let mut next = 1;
    let mut alloc = move || {
        let r = Ref::new(next);
        next += 1;
        r
    };
    let catalog_ref = alloc();
    let pages_ref = alloc();
    let info_ref = alloc();
    let regular_ref = alloc();
    let bold_ref = alloc();
    let page_refs: Vec<(Ref, Ref)> = pages.iter().map(|_| (alloc(), alloc())).collect();

    let mut pdf = Pdf::new();
    pdf.catalog(catalog_ref).pages(pages_ref);
    pdf.pages(pages_ref)
        .kids(page_refs.iter().map(|(p, _)| *p))
        .count(i32::try_from(page_refs.len()).unwrap_or(i32::MAX));
    pdf.document_info(info_ref)
        .title(TextStr(&doc.title))
        .producer(TextStr(concat!("ksef-rs ", env!("CARGO_PKG_VERSION"))));

    for (page, &(page_ref, content_ref)) in pages.iter().zip(&page_refs) {
        let mut content = Content::new();
        for op in &page.ops {
            match op {
                Op::Text {
                    x,
                    y,
                    size,
                    weight,
                    gray,
                    text,
                } => {
                    let (name, font) = match weight {
                        Weight::Regular => (REGULAR, &mut regular),
                        Weight::Bold => (BOLD, &mut bold),
                    };
                    let glyphs = font.encode(text);
                    content.set_fill_gray(*gray);
                    content
                        .begin_text()
                        .set_font(name, *size)
                        .next_line(*x, PAGE_H - y)
                        .show(Str(&glyphs))
                        .end_text();
                }
                Op::Fill { x, y, w, h, gray } => {
                    content
                        .set_fill_gray(*gray)
                        .rect(*x, PAGE_H - y - h, *w, *h)
                        .fill_nonzero();
                }
                Op::Frame { x, y, w, h } => {
                    content
                        .set_stroke_gray(0.55)
                        .set_line_width(0.4)
                        .rect(*x, PAGE_H - y - h, *w, *h)
                        .stroke();
                }
                Op::Qr { x, y, size, matrix } => {
                    // The square includes the quiet zone of four modules ISO/IEC 18004 asks for.
                    let n = matrix.width();
                    let m = size / (n + 2 * QUIET) as f32;
                    let (x, y) = (x + QUIET as f32 * m, y + QUIET as f32 * m);
                    content.set_fill_gray(0.0);
                    for row in 0..n {
                        let mut col = 0;
                        while col < n {
                            if !matrix.is_dark(col, row) {
                                col += 1;
                                continue;
                            }
                            let start = col;
                            while col < n && matrix.is_dark(col, row) {
                                col += 1;
                            }
                            let top = y + row as f32 * m;
                            content.rect(
                                x + start as f32 * m,
                                PAGE_H - top - m,
                                (col - start) as f32 * m,
                                m,
                            );
                        }
                    }
                    content.fill_nonzero();
                }
            }
        }
        let data = deflate(&content.finish());
        pdf.stream(content_ref, &data).filter(Filter::FlateDecode);
        let mut p = pdf.page(page_ref);
        p.parent(pages_ref)
            .media_box(Rect::new(0.0, 0.0, PAGE_W, PAGE_H))
            .contents(content_ref);
        let mut resources = p.resources();
        resources
            .fonts()
            .pair(REGULAR, regular_ref)
            .pair(BOLD, bold_ref);
        resources.finish();
        p.finish();
    }
    regular.write(&mut pdf, &mut alloc, regular_ref, "LiberationSans")?;
    bold.write(&mut pdf, &mut alloc, bold_ref, "LiberationSans-Bold")?;
    Ok(pdf.finish())
}
