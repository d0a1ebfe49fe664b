//! The document model both outputs share: a title, sections of labelled fields, tables,
//! paragraphs and QR codes. The invoice and UPO views build it once; the PDF and HTML writers
//! only lay it out, so both show the same sections with the same labels.

/// A document to lay out.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Doc {
    /// The document title (PDF metadata, HTML `<title>`).
    pub(crate) title: String,
    /// Text of the running footer, left of the page number.
    pub(crate) footer: String,
    /// The content, top to bottom.
    pub(crate) blocks: Vec<Block>,
}

/// One piece of content.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Block {
    /// A small line above the title (e.g. the system name).
    Banner(String),
    /// The large document heading.
    Title(String),
    /// A section heading.
    Section(String),
    /// A sub-heading inside a section.
    Subsection(String),
    /// Labelled values, one per row.
    Fields(Vec<Field>),
    /// Columns side by side (e.g. seller and buyer), each a heading with fields.
    Columns(Vec<Column>),
    /// A table.
    Table(Table),
    /// A wrapped paragraph.
    Text(String),
    /// QR codes side by side.
    Codes(Vec<Code>),
}

/// A label with its value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Field {
    pub(crate) label: String,
    pub(crate) value: String,
}

/// Builds a field.
pub(crate) fn field(label: impl Into<String>, value: impl Into<String>) -> Field {
    Field {
        label: label.into(),
        value: value.into(),
    }
}

/// One column of a [`Block::Columns`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Column {
    pub(crate) heading: String,
    pub(crate) fields: Vec<Field>,
}

/// Horizontal alignment of a table column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Align {
    Left,
    Right,
}

/// A table column: header, relative width, alignment.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct TableColumn {
    pub(crate) header: String,
    pub(crate) weight: f32,
    pub(crate) align: Align,
}

/// A table; the header repeats on every page the table spans.
#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) struct Table {
    pub(crate) columns: Vec<TableColumn>,
    pub(crate) rows: Vec<Vec<String>>,
    /// Rows printed in bold after the body (totals).
    pub(crate) footer: Vec<Vec<String>>,
}

impl Table {
    /// A table with these columns: `(header, weight, align)`.
    pub(crate) fn new(columns: &[(&str, f32, Align)]) -> Self {
        Self {
            columns: columns
                .iter()
                .map(|(header, weight, align)| TableColumn {
                    header: (*header).to_owned(),
                    weight: *weight,
                    align: *align,
                })
                .collect(),
            rows: Vec::new(),
            footer: Vec::new(),
        }
    }

    /// Drops the columns that are empty in every body row (and in the footer), keeping those
    /// marked `keep`.
    pub(crate) fn drop_empty_columns(&mut self, keep: &[usize]) {
        let used: Vec<bool> = (0..self.columns.len())
            .map(|i| {
                keep.contains(&i)
                    || self
                        .rows
                        .iter()
                        .chain(&self.footer)
                        .any(|r| r.get(i).is_some_and(|c| !c.is_empty()))
            })
            .collect();
        let retain = |cells: &mut Vec<String>| {
            let mut i = 0;
            cells.retain(|_| {
                let k = used.get(i).copied().unwrap_or(true);
                i += 1;
                k
            });
        };
        let mut i = 0;
        self.columns.retain(|_| {
            let k = used.get(i).copied().unwrap_or(true);
            i += 1;
            k
        });
        self.rows.iter_mut().for_each(retain);
        self.footer.iter_mut().for_each(retain);
    }
}

/// A QR code with its caption above and label below.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Code {
    /// What the code is for (above the code).
    pub(crate) caption: String,
    /// The encoded link.
    pub(crate) url: String,
    /// The label under the code (KSeF number, `OFFLINE`, `CERTYFIKAT`).
    pub(crate) label: String,
}
