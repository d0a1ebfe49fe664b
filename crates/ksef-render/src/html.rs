//! HTML output: one standalone page with inline styles and the QR codes as inline SVG.

use ksef_crypto::markup::escape_markup as esc;
use std::fmt::Write as _;

use ksef_crypto::qr::render::{RenderOptions, render_svg};

use crate::RenderError;
use crate::doc::{Align, Block, Doc, Field, Table};

const STYLE: &str = "body{font-family:'Liberation Sans',Arial,sans-serif;font-size:10pt;max-width:210mm;margin:1em auto;color:#000}\
.banner{font-weight:bold;font-size:9pt}h1{font-size:14pt;margin:.4em 0}\
h2{font-size:11pt;background:#e0e0e0;padding:2px 4px;margin:1em 0 .4em}h3{font-size:10pt;margin:.6em 0 .2em}\
table{border-collapse:collapse;width:100%;margin:.2em 0 .6em}\
table.data td,table.data th{border:1px solid #8c8c8c;padding:2px 3px;font-size:8.5pt;vertical-align:top}\
table.data th{background:#e6e6e6;text-align:left}td.r{text-align:right;white-space:nowrap}\
table.data tfoot td{font-weight:bold}table.fields td{padding:1px 3px;vertical-align:top}\
td.label{color:#4d4d4d;width:40%;font-size:9pt}td.value{font-weight:bold;white-space:pre-wrap}\
.columns{display:flex;gap:1.5em}.columns>div{flex:1}.codes{display:flex;gap:2em}\
.code{width:45%}.code .caption{font-weight:bold}.code .label{font-weight:bold;text-align:center;width:160px}\
.code .url{font-size:7pt;color:#4d4d4d;word-break:break-all}p{white-space:pre-wrap;margin:.2em 0}\
footer{margin-top:2em;border-top:1px solid #999;font-size:8pt;color:#555}";

/// Renders `doc` as an HTML page.
pub(crate) fn render(doc: &Doc) -> Result<String, RenderError> {
    let mut h = String::with_capacity(16 * 1024);
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"pl\">\n<head>\n<meta charset=\"utf-8\">\n<title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n",
        esc(&doc.title)
    );
    for block in &doc.blocks {
        match block {
            Block::Banner(t) => {
                let _ = writeln!(h, "<div class=\"banner\">{}</div>", esc(t));
            }
            Block::Title(t) => {
                let _ = writeln!(h, "<h1>{}</h1>", esc(t));
            }
            Block::Section(t) => {
                let _ = writeln!(h, "<h2>{}</h2>", esc(t));
            }
            Block::Subsection(t) => {
                let _ = writeln!(h, "<h3>{}</h3>", esc(t));
            }
            Block::Fields(fields) => fields_html(&mut h, fields),
            Block::Columns(columns) => {
                h.push_str("<div class=\"columns\">\n");
                for c in columns {
                    let _ = writeln!(h, "<div><h3>{}</h3>", esc(&c.heading));
                    fields_html(&mut h, &c.fields);
                    h.push_str("</div>\n");
                }
                h.push_str("</div>\n");
            }
            Block::Table(t) => table_html(&mut h, t),
            Block::Text(t) => {
                let _ = writeln!(h, "<p>{}</p>", esc(t));
            }
            Block::Codes(codes) => {
                h.push_str("<div class=\"codes\">\n");
                for c in codes {
                    let svg = render_svg(&c.url, None, &RenderOptions::default())
                        .map_err(|e| RenderError::Qr(e.to_string()))?;
                    let _ = writeln!(
                        h,
                        "<div class=\"code\"><div class=\"caption\">{}</div>\n<a href=\"{}\">{svg}</a>\n<div class=\"label\">{}</div>\n<div class=\"url\">{}</div></div>",
                        esc(&c.caption),
                        esc(&c.url),
                        esc(&c.label),
                        esc(&c.url)
                    );
                }
                h.push_str("</div>\n");
            }
        }
    }
    let _ = write!(
        h,
        "<footer>{}</footer>\n</body>\n</html>\n",
        esc(&doc.footer)
    );
    Ok(h)
}

fn fields_html(h: &mut String, fields: &[Field]) {
    h.push_str("<table class=\"fields\">\n");
    for f in fields {
        let _ = writeln!(
            h,
            "<tr><td class=\"label\">{}</td><td class=\"value\">{}</td></tr>",
            esc(&f.label),
            esc(&f.value)
        );
    }
    h.push_str("</table>\n");
}

fn table_html(h: &mut String, t: &Table) {
    h.push_str("<table class=\"data\">\n<thead><tr>");
    for c in &t.columns {
        let _ = write!(h, "<th>{}</th>", esc(&c.header));
    }
    h.push_str("</tr></thead>\n<tbody>\n");
    let row = |h: &mut String, cells: &[String]| {
        h.push_str("<tr>");
        for (i, c) in t.columns.iter().enumerate() {
            let text = cells.get(i).map_or("", String::as_str);
            let class = if c.align == Align::Right {
                " class=\"r\""
            } else {
                ""
            };
            let _ = write!(h, "<td{class}>{}</td>", esc(text).replace('\n', "<br>"));
        }
        h.push_str("</tr>\n");
    };
    for r in &t.rows {
        row(h, r);
    }
    h.push_str("</tbody>\n");
    if !t.footer.is_empty() {
        h.push_str("<tfoot>\n");
        for r in &t.footer {
            row(h, r);
        }
        h.push_str("</tfoot>\n");
    }
    h.push_str("</table>\n");
}
