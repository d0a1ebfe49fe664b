//! Lays a [`Doc`] out on A4 pages: wrapped text, labelled fields, tables whose header repeats
//! on every page they span, QR codes, a footer with page numbers.

use ksef_crypto::qr::render::{ErrorCorrection, QrMatrix};

use super::fonts::{FontFace, Fonts, Weight};
use crate::RenderError;
use crate::doc::{Align, Block, Code, Column, Doc, Field, Table};

/// A4 width in points.
pub(crate) const PAGE_W: f32 = 595.28;
/// A4 height in points.
pub(crate) const PAGE_H: f32 = 841.89;
const MARGIN_X: f32 = 36.0;
const TOP: f32 = 36.0;
/// Lowest point of the content (from the top).
const BOTTOM: f32 = PAGE_H - 50.0;
const CONTENT_W: f32 = PAGE_W - 2.0 * MARGIN_X;
const BODY: f32 = 8.0;
const SMALL: f32 = 7.0;
const CELL_PAD: f32 = 2.5;
const QR_SIZE: f32 = 108.0;

/// A drawing operation; `y` is measured from the top of the page.
#[derive(Debug, Clone)]
pub(crate) enum Op {
    /// Text with its baseline at `y`.
    Text {
        x: f32,
        y: f32,
        size: f32,
        weight: Weight,
        gray: f32,
        text: String,
    },
    /// A filled rectangle (top-left corner at `x`, `y`).
    Fill {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        gray: f32,
    },
    /// An outlined rectangle.
    Frame { x: f32, y: f32, w: f32, h: f32 },
    /// A QR code `size` points wide, top-left at `x`, `y`.
    Qr {
        x: f32,
        y: f32,
        size: f32,
        matrix: QrMatrix,
    },
}

/// One laid-out page.
#[derive(Debug, Clone, Default)]
pub(crate) struct Page {
    pub(crate) ops: Vec<Op>,
}

/// A cell of a row: its box and wrapped lines.
#[derive(Clone)]
struct Cell {
    x: f32,
    w: f32,
    lines: Vec<String>,
    weight: Weight,
    size: f32,
    gray: f32,
    align: Align,
}

/// How a row is drawn.
#[derive(Clone, Copy)]
struct RowStyle {
    leading: f32,
    framed: bool,
    background: Option<f32>,
}

struct Layouter<'f> {
    fonts: &'f Fonts,
    pages: Vec<Page>,
    page: Page,
    y: f32,
}

/// Lays `doc` out.
pub(crate) fn layout(doc: &Doc) -> Result<Vec<Page>, RenderError> {
    let fonts = Fonts::get()?;
    let mut l = Layouter {
        fonts,
        pages: Vec::new(),
        page: Page::default(),
        y: TOP,
    };
    for block in &doc.blocks {
        l.block(block)?;
    }
    let mut pages = l.finish();
    let total = pages.len();
    for (i, page) in pages.iter_mut().enumerate() {
        footer(fonts, page, &doc.footer, i + 1, total);
    }
    Ok(pages)
}

fn footer(fonts: &Fonts, page: &mut Page, text: &str, number: usize, total: usize) {
    let y = PAGE_H - 26.0;
    page.ops.push(Op::Fill {
        x: MARGIN_X,
        y: y - 10.0,
        w: CONTENT_W,
        h: 0.5,
        gray: 0.6,
    });
    let label = format!("Strona {number} z {total}");
    let w = fonts.regular.width(&label, SMALL);
    let left = wrap(&fonts.regular, text, SMALL, CONTENT_W - w - 12.0);
    if let Some(first) = left.into_iter().next() {
        page.ops
            .push(text_op(MARGIN_X, y, SMALL, Weight::Regular, 0.35, first));
    }
    page.ops.push(text_op(
        PAGE_W - MARGIN_X - w,
        y,
        SMALL,
        Weight::Regular,
        0.35,
        label,
    ));
}

fn text_op(x: f32, y: f32, size: f32, weight: Weight, gray: f32, text: String) -> Op {
    Op::Text {
        x,
        y,
        size,
        weight,
        gray,
        text,
    }
}

/// Greedy word wrap of `text` into lines at most `width` wide; words longer than a line are
/// broken between characters, `\n` starts a new line.
fn wrap(face: &FontFace, text: &str, size: f32, width: f32) -> Vec<String> {
    let mut lines = Vec::new();
    let space = face.width(" ", size);
    for paragraph in text.split('\n') {
        let mut line = String::new();
        let mut line_w = 0.0;
        for word in paragraph.split(' ').filter(|w| !w.is_empty()) {
            let word_w = face.width(word, size);
            let needed = if line.is_empty() {
                word_w
            } else {
                line_w + space + word_w
            };
            if needed <= width {
                if !line.is_empty() {
                    line.push(' ');
                }
                line.push_str(word);
                line_w = needed;
                continue;
            }
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
                line_w = 0.0;
            }
            if word_w <= width {
                line.push_str(word);
                line_w = word_w;
                continue;
            }
            for c in word.chars() {
                let mut buf = [0u8; 4];
                let cw = face.width(c.encode_utf8(&mut buf), size);
                if line_w + cw > width && !line.is_empty() {
                    lines.push(std::mem::take(&mut line));
                    line_w = 0.0;
                }
                line.push(c);
                line_w += cw;
            }
        }
        lines.push(line);
    }
    lines
}

impl Layouter<'_> {
    fn finish(mut self) -> Vec<Page> {
        self.pages.push(self.page);
        self.pages
    }

    fn new_page(&mut self) {
        let done = std::mem::take(&mut self.page);
        self.pages.push(done);
        self.y = TOP;
    }

    /// Starts a new page unless `h` points fit below the cursor.
    fn ensure(&mut self, h: f32) {
        if self.y + h > BOTTOM && self.y > TOP {
            self.new_page();
        }
    }

    fn face(&self, weight: Weight) -> &FontFace {
        self.fonts.face(weight)
    }

    fn cell(&self, x: f32, w: f32, text: &str, weight: Weight, size: f32, align: Align) -> Cell {
        Cell {
            x,
            w,
            lines: wrap(self.face(weight), text, size, w - 2.0 * CELL_PAD),
            weight,
            size,
            gray: 0.0,
            align,
        }
    }

    fn block(&mut self, block: &Block) -> Result<(), RenderError> {
        match block {
            Block::Banner(text) => {
                let c = self.cell(MARGIN_X, CONTENT_W, text, Weight::Bold, BODY, Align::Left);
                self.row(vec![c], &plain(10.0), None);
            }
            Block::Title(text) => {
                self.y += 4.0;
                let c = self.cell(MARGIN_X, CONTENT_W, text, Weight::Bold, 12.0, Align::Left);
                self.row(vec![c], &plain(15.0), None);
                self.y += 4.0;
            }
            Block::Section(text) => {
                self.y += 6.0;
                self.ensure(60.0);
                let c = self.cell(MARGIN_X, CONTENT_W, text, Weight::Bold, 9.5, Align::Left);
                let style = RowStyle {
                    leading: 12.0,
                    framed: false,
                    background: Some(0.88),
                };
                self.row(vec![c], &style, None);
                self.y += 3.0;
            }
            Block::Subsection(text) => {
                self.y += 2.0;
                self.ensure(40.0);
                let c = self.cell(MARGIN_X, CONTENT_W, text, Weight::Bold, BODY, Align::Left);
                self.row(vec![c], &plain(10.5), None);
            }
            Block::Fields(fields) => self.fields(fields),
            Block::Columns(columns) => self.columns(columns),
            Block::Table(table) => self.table(table),
            Block::Text(text) => {
                let c = self.cell(
                    MARGIN_X,
                    CONTENT_W,
                    text,
                    Weight::Regular,
                    BODY,
                    Align::Left,
                );
                self.row(vec![c], &plain(10.0), None);
            }
            Block::Codes(codes) => self.codes(codes)?,
        }
        Ok(())
    }

    fn field_cells(&self, x: f32, w: f32, field: Option<&Field>) -> [Cell; 2] {
        let label_w = (w * 0.42).min(190.0);
        let (label, value) = field.map_or(("", ""), |f| (f.label.as_str(), f.value.as_str()));
        let mut label = self.cell(x, label_w, label, Weight::Regular, SMALL, Align::Left);
        label.gray = 0.3;
        let value = self.cell(
            x + label_w,
            w - label_w,
            value,
            Weight::Bold,
            BODY,
            Align::Left,
        );
        [label, value]
    }

    fn fields(&mut self, fields: &[Field]) {
        for f in fields {
            let cells = self.field_cells(MARGIN_X, CONTENT_W, Some(f)).into();
            self.row(cells, &plain(10.0), None);
        }
    }

    fn columns(&mut self, columns: &[Column]) {
        let n = columns.len().max(1);
        let gap = 12.0;
        let w = (CONTENT_W - gap * (n - 1) as f32) / n as f32;
        let x = |i: usize| MARGIN_X + i as f32 * (w + gap);
        let heads = columns
            .iter()
            .enumerate()
            .map(|(i, c)| self.cell(x(i), w, &c.heading, Weight::Bold, 9.0, Align::Left))
            .collect();
        self.ensure(50.0);
        self.row(heads, &plain(11.5), None);
        let rows = columns.iter().map(|c| c.fields.len()).max().unwrap_or(0);
        for r in 0..rows {
            let cells = columns
                .iter()
                .enumerate()
                .flat_map(|(i, c)| self.field_cells(x(i), w, c.fields.get(r)))
                .collect();
            self.row(cells, &plain(10.0), None);
        }
    }

    fn table(&mut self, table: &Table) {
        let widths = self.column_widths(table);
        let mut xs = Vec::with_capacity(widths.len());
        let mut x = MARGIN_X;
        for w in widths {
            xs.push((x, w));
            x += w;
        }
        let header: Vec<Cell> = table
            .columns
            .iter()
            .zip(&xs)
            .map(|(c, &(x, w))| self.cell(x, w, &c.header, Weight::Bold, 6.5, Align::Left))
            .collect();
        let header_style = RowStyle {
            leading: 8.0,
            framed: true,
            background: Some(0.9),
        };
        let header_h =
            header.iter().map(|c| c.lines.len()).max().unwrap_or(1) as f32 * 8.0 + 2.0 * CELL_PAD;
        // The header and at least one body row stay together.
        self.ensure(header_h + 24.0);
        let repeat = (header, header_style);
        self.row(repeat.0.clone(), &repeat.1, None);
        let body = RowStyle {
            leading: 9.0,
            framed: true,
            background: None,
        };
        for (rows, weight) in [
            (&table.rows, Weight::Regular),
            (&table.footer, Weight::Bold),
        ] {
            for row in rows {
                let cells = table
                    .columns
                    .iter()
                    .zip(&xs)
                    .enumerate()
                    .map(|(i, (c, &(x, w)))| {
                        let text = row.get(i).map_or("", String::as_str);
                        self.cell(x, w, text, weight, SMALL, c.align)
                    })
                    .collect();
                self.row(cells, &body, Some(&repeat));
            }
        }
        self.y += 4.0;
    }

    /// Column widths: each column gets at least its longest word (so dates and amounts do not
    /// break), the rest of the width is shared by the columns' weights.
    fn column_widths(&self, table: &Table) -> Vec<f32> {
        let longest_word = |face: &FontFace, size: f32, text: &str| {
            text.split([' ', '\n'])
                .map(|w| face.width(w, size))
                .fold(0.0, f32::max)
        };
        let cap = CONTENT_W * 0.36;
        let minimum: Vec<f32> = table
            .columns
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let header = longest_word(&self.fonts.bold, 6.5, &c.header).min(60.0);
                let body = table
                    .rows
                    .iter()
                    .map(|r| (r, &self.fonts.regular))
                    .chain(table.footer.iter().map(|r| (r, &self.fonts.bold)))
                    .filter_map(|(r, face)| r.get(i).map(|t| longest_word(face, SMALL, t)))
                    .fold(0.0, f32::max);
                (header.max(body) + 2.0 * CELL_PAD + 0.5).min(cap)
            })
            .collect();
        let total_weight: f32 = table
            .columns
            .iter()
            .map(|c| c.weight)
            .sum::<f32>()
            .max(0.001);
        let needed: f32 = minimum.iter().sum();
        if needed >= CONTENT_W {
            // Too wide for the page: every column shrinks in proportion to its need.
            return minimum.iter().map(|m| m * CONTENT_W / needed).collect();
        }
        let spare = CONTENT_W - needed;
        minimum
            .iter()
            .zip(&table.columns)
            .map(|(m, c)| m + spare * c.weight / total_weight)
            .collect()
    }

    fn codes(&mut self, codes: &[Code]) -> Result<(), RenderError> {
        let slot = CONTENT_W / codes.len().max(1) as f32;
        let caption_w = slot - 12.0;
        let mut blocks = Vec::new();
        for code in codes {
            let matrix = QrMatrix::encode(&code.url, ErrorCorrection::Medium)
                .map_err(|e| RenderError::Qr(e.to_string()))?;
            let caption = wrap(&self.fonts.bold, &code.caption, BODY, caption_w);
            let label = wrap(&self.fonts.bold, &code.label, SMALL, caption_w);
            let url = wrap(&self.fonts.regular, &code.url, 5.5, caption_w);
            blocks.push((matrix, caption, label, url));
        }
        let height = |b: &(QrMatrix, Vec<String>, Vec<String>, Vec<String>)| {
            b.1.len() as f32 * 10.0
                + QR_SIZE
                + 6.0
                + b.2.len() as f32 * 9.0
                + b.3.len() as f32 * 7.0
        };
        let h = blocks.iter().map(height).fold(0.0, f32::max);
        self.ensure(h + 8.0);
        let top = self.y;
        for (i, (matrix, caption, label, url)) in blocks.into_iter().enumerate() {
            let x0 = MARGIN_X + i as f32 * slot;
            let mut y = top;
            for line in caption {
                y += 10.0;
                self.page
                    .ops
                    .push(text_op(x0, y, BODY, Weight::Bold, 0.0, line));
            }
            y += 4.0;
            self.page.ops.push(Op::Qr {
                x: x0,
                y,
                size: QR_SIZE,
                matrix,
            });
            y += QR_SIZE + 2.0;
            for line in label {
                y += 9.0;
                let w = self.fonts.bold.width(&line, SMALL);
                let x = x0 + ((QR_SIZE - w) / 2.0).max(0.0);
                self.page
                    .ops
                    .push(text_op(x, y, SMALL, Weight::Bold, 0.0, line));
            }
            for line in url {
                y += 7.0;
                self.page
                    .ops
                    .push(text_op(x0, y, 5.5, Weight::Regular, 0.3, line));
            }
        }
        self.y = top + h + 8.0;
        Ok(())
    }

    /// Places a row of cells; a row taller than the space left continues on the next page
    /// (after `header`, which is repeated there).
    fn row(&mut self, cells: Vec<Cell>, style: &RowStyle, header: Option<&(Vec<Cell>, RowStyle)>) {
        let n = cells
            .iter()
            .map(|c| c.lines.len())
            .max()
            .unwrap_or(0)
            .max(1);
        let pad = if style.framed || style.background.is_some() {
            CELL_PAD
        } else {
            0.0
        };
        let full_page = ((BOTTOM - TOP - 2.0 * pad - 40.0) / style.leading)
            .floor()
            .max(1.0) as usize;
        let mut start = 0;
        while start < n {
            let fit = ((BOTTOM - self.y - 2.0 * pad) / style.leading)
                .floor()
                .max(0.0) as usize;
            let rest = n - start;
            // Break before the row when it does not fit here but would fit on a fresh page.
            if fit == 0 || (fit < rest && start == 0 && rest <= full_page && self.y > TOP + 60.0) {
                self.new_page();
                if let Some((h, s)) = header {
                    self.row(h.clone(), s, None);
                }
                continue;
            }
            let chunk = fit.min(rest);
            self.draw_rows(&cells, start, chunk, style, pad);
            start += chunk;
            if start < n {
                self.new_page();
                if let Some((h, s)) = header {
                    self.row(h.clone(), s, None);
                }
            }
        }
    }

    fn draw_rows(
        &mut self,
        cells: &[Cell],
        start: usize,
        count: usize,
        style: &RowStyle,
        pad: f32,
    ) {
        let h = count as f32 * style.leading + 2.0 * pad;
        for c in cells {
            if let Some(gray) = style.background {
                self.page.ops.push(Op::Fill {
                    x: c.x,
                    y: self.y,
                    w: c.w,
                    h,
                    gray,
                });
            }
            if style.framed {
                self.page.ops.push(Op::Frame {
                    x: c.x,
                    y: self.y,
                    w: c.w,
                    h,
                });
            }
            let face = self.fonts.face(c.weight);
            let ascent = face.ascent(c.size);
            for (k, line) in c.lines.iter().skip(start).take(count).enumerate() {
                if line.is_empty() {
                    continue;
                }
                let x = match c.align {
                    Align::Left => c.x + CELL_PAD,
                    Align::Right => c.x + c.w - CELL_PAD - face.width(line, c.size),
                };
                let y = self.y
                    + pad
                    + k as f32 * style.leading
                    + ascent
                    + (style.leading - c.size) / 2.0;
                self.page
                    .ops
                    .push(text_op(x, y, c.size, c.weight, c.gray, line.clone()));
            }
        }
        self.y += h;
    }
}

fn plain(leading: f32) -> RowStyle {
    RowStyle {
        leading,
        framed: false,
        background: None,
    }
}
