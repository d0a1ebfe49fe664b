//! Helpers of the integration tests: the official samples, poppler's `pdftotext`/`pdftoppm`
//! (the tests fail — never skip — when they are missing; `cargo xtask test` installs them) and
//! a QR decoder.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

/// The shared material next to the repository.
pub(crate) fn shared() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared")
}

/// The official FA(3) samples, by file name.
pub(crate) fn samples() -> Vec<(String, Vec<u8>)> {
    let dir = shared().join("fa3-samples");
    let mut out: Vec<(String, Vec<u8>)> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "xml"))
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read(&p).unwrap())
        })
        .collect();
    out.sort();
    assert!(
        out.len() >= 10,
        "expected the official samples in {}",
        dir.display()
    );
    out
}

fn run(tool: &str, args: &[&std::ffi::OsStr]) -> Vec<u8> {
    let out = Command::new(tool).args(args).output().unwrap_or_else(|e| {
        panic!(
            "cannot run `{tool}` ({e}); install poppler-utils (`cargo xtask test` does it when it can)"
        )
    });
    assert!(
        out.status.success(),
        "{tool} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// The text of a PDF in content-stream order (`pdftotext -raw`).
pub(crate) fn pdf_text(pdf: &[u8]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("doc.pdf");
    std::fs::write(&path, pdf).unwrap();
    let text = run(
        "pdftotext",
        &[
            "-raw".as_ref(),
            "-enc".as_ref(),
            "UTF-8".as_ref(),
            path.as_os_str(),
            "-".as_ref(),
        ],
    );
    String::from_utf8(text).unwrap()
}

/// The text with every kind of white space removed (cells wrap, amounts group with no-break
/// spaces), for searching.
pub(crate) fn squeeze(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

/// The number of pages (`Strona N z M` of the footer).
pub(crate) fn page_count(text: &str) -> usize {
    text.split("Strona 1 z ")
        .nth(1)
        .and_then(|r| r.split(|c: char| !c.is_ascii_digit()).next())
        .and_then(|n| n.parse().ok())
        .expect("a page number in the footer")
}

/// Rasterises page `page` (1-based) as 8-bit grey pixels at `dpi`: (width, height, pixels).
pub(crate) fn rasterise(pdf: &[u8], page: usize, dpi: u32) -> (usize, usize, Vec<u8>) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("doc.pdf");
    std::fs::write(&path, pdf).unwrap();
    let prefix = dir.path().join("page");
    let (page, dpi) = (page.to_string(), dpi.to_string());
    run(
        "pdftoppm",
        &[
            "-png".as_ref(),
            "-gray".as_ref(),
            "-singlefile".as_ref(),
            "-r".as_ref(),
            dpi.as_ref(),
            "-f".as_ref(),
            page.as_ref(),
            "-l".as_ref(),
            page.as_ref(),
            path.as_os_str(),
            prefix.as_os_str(),
        ],
    );
    let png_bytes = std::fs::read(dir.path().join("page.png")).unwrap();
    let decoder = png::Decoder::new(std::io::Cursor::new(png_bytes));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    assert_eq!(info.bit_depth, png::BitDepth::Eight);
    buf.truncate(info.buffer_size());
    // Some poppler versions write RGB even with -gray: keep one channel.
    let channels = match info.color_type {
        png::ColorType::Grayscale => 1,
        png::ColorType::Rgb => 3,
        png::ColorType::Rgba => 4,
        other => panic!("unexpected PNG colour type {other:?}"),
    };
    let grey = buf.chunks_exact(channels).map(|p| p[0]).collect();
    (info.width as usize, info.height as usize, grey)
}

/// The QR codes found on the page, decoded, sorted. The page is scanned at 200 dpi and, until
/// `expected` different codes have been read, again at 300 and 400 dpi, keeping what any scan
/// reads: `rqrr` misses some dense codes (a KOD II link of 500+ characters) at one resolution and
/// reads them at another, as a phone camera does at another distance. A code that no scan
/// reads is missing from the result.
pub(crate) fn decode_qr_codes(pdf: &[u8], page: usize, expected: usize) -> Vec<String> {
    let mut found = std::collections::BTreeSet::new();
    for dpi in [200, 300, 400] {
        if found.len() >= expected {
            break;
        }
        let (w, h, px) = rasterise(pdf, page, dpi);
        let mut img = rqrr::PreparedImage::prepare_from_greyscale(w, h, |x, y| px[y * w + x]);
        for grid in img.detect_grids() {
            if let Ok((_, text)) = grid.decode() {
                found.insert(text);
            }
        }
    }
    found.into_iter().collect()
}

/// An FA(3) invoice with `lines` lines, built from the project's basic fixture, with totals
/// that add up.
pub(crate) fn long_invoice(lines: usize) -> String {
    let base = include_str!("../../../../fixtures/invoices/fa3-basic.xml");
    let start = base.find("<FaWiersz>").unwrap();
    let end = base.find("</FaWiersz>").unwrap() + "</FaWiersz>".len();
    let mut rows = String::new();
    for i in 1..=lines {
        rows.push_str(&format!(
            "<FaWiersz><NrWierszaFa>{i}</NrWierszaFa><P_7>Pozycja numer {i}: usługa serwisowa z długim opisem, który się zawija w komórce tabeli (zażółć gęślą jaźń)</P_7><P_8A>szt.</P_8A><P_8B>1</P_8B><P_9A>100.00</P_9A><P_11>100.00</P_11><P_12>23</P_12></FaWiersz>"
        ));
    }
    let net = 100 * lines;
    base[..start]
        .replace(
            "<P_13_1>100.00</P_13_1>",
            &format!("<P_13_1>{net}.00</P_13_1>"),
        )
        .replace(
            "<P_14_1>23.00</P_14_1>",
            &format!("<P_14_1>{}.00</P_14_1>", 23 * lines),
        )
        .replace(
            "<P_15>123.00</P_15>",
            &format!("<P_15>{}.00</P_15>", 123 * lines),
        )
        + &rows
        + &base[end..]
}
