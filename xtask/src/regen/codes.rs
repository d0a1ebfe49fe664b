//! The spec's code tables as Rust: the exception codes listed in the error responses'
//! descriptions (`| ExceptionCode | ExceptionDescription | Details |`) become the
//! `ExceptionCode` enum, and the status tables of status properties (`| Code | Description |`)
//! become named constants. The spec gives Polish descriptions only; the English names come from
//! the override file (`exceptionCodes`, `statusCodes`). A code without a name is still generated
//! (`Code21999`, `CODE_999`) and reported as a warning.

use std::collections::BTreeMap;

use serde_json::Value;

use super::docs::doc_comment;
use super::naming::{lit, snake};

/// Names for the spec's codes (from the override file).
#[derive(Debug, Default)]
pub struct CodeNames {
    /// Exception code → variant name (PascalCase).
    pub exceptions: BTreeMap<i64, String>,
    /// Schema → status code → constant name (UPPER_SNAKE_CASE).
    pub statuses: BTreeMap<String, BTreeMap<i32, String>>,
}

/// One row of a code table: the code, its description(s) and details.
#[derive(Debug, Default, Clone)]
struct Row {
    descriptions: Vec<String>,
    details: Vec<String>,
}

fn cells(line: &str) -> Option<Vec<String>> {
    let line = line.trim();
    if !line.starts_with('|') {
        return None;
    }
    Some(
        line.trim_matches('|')
            .split('|')
            .map(|c| c.trim().to_owned())
            .collect(),
    )
}

fn add(rows: &mut BTreeMap<i64, Row>, code: i64, cells: &[String]) {
    let row = rows.entry(code).or_default();
    let push = |list: &mut Vec<String>, text: Option<&String>| {
        if let Some(t) = text
            && !t.is_empty()
            && t != "-"
            && !list.contains(t)
        {
            list.push(t.clone());
        }
    };
    push(&mut row.descriptions, cells.get(1));
    push(&mut row.details, cells.get(2));
}

/// Rows of the tables in `text` whose header's first cell is `header`.
fn table_rows(text: &str, header: &str, rows: &mut BTreeMap<i64, Row>) {
    let mut inside = false;
    for line in text.lines() {
        match cells(line) {
            Some(c) if c.first().is_some_and(|h| h == header) => inside = true,
            Some(c) if inside => {
                if let Some(code) = c.first().and_then(|v| v.parse::<i64>().ok()) {
                    add(rows, code, &c);
                }
            }
            Some(_) => {}
            None => inside = false,
        }
    }
}

fn strings<'a>(v: &'a Value, out: &mut Vec<&'a str>) {
    match v {
        Value::String(s) => out.push(s),
        Value::Array(a) => a.iter().for_each(|x| strings(x, out)),
        Value::Object(o) => o.values().for_each(|x| strings(x, out)),
        _ => {}
    }
}

/// Renders `codes.rs`.
pub fn render(spec: &Value, names: &CodeNames, warnings: &mut Vec<String>) -> String {
    let mut texts = Vec::new();
    strings(spec, &mut texts);
    let mut exceptions = BTreeMap::new();
    for t in &texts {
        table_rows(t, "ExceptionCode", &mut exceptions);
    }
    let mut out = String::new();
    render_exceptions(&exceptions, names, warnings, &mut out);

    out.push_str("/// The status codes of the spec's status tables, by the schema whose `status` they describe.\npub mod status {\n");
    let schemas = spec
        .pointer("/components/schemas")
        .and_then(Value::as_object);
    for (schema, def) in schemas.into_iter().flatten() {
        let Some(text) = def
            .pointer("/properties/status/description")
            .and_then(Value::as_str)
        else {
            continue;
        };
        let mut rows = BTreeMap::new();
        table_rows(text, "Code", &mut rows);
        if rows.is_empty() {
            continue;
        }
        render_statuses(schema, &rows, names, warnings, &mut out);
    }
    for schema in names.statuses.keys() {
        if !schemas.is_some_and(|s| s.contains_key(schema)) {
            warnings.push(format!(
                "status code names for {schema}: no such schema (stale entry?)"
            ));
        }
    }
    out.push_str("}\n");
    out
}

fn row_doc(row: &Row) -> String {
    let mut text = row.descriptions.join(" / ");
    if !row.details.is_empty() {
        text.push_str(&format!(" ({})", row.details.join("; ")));
    }
    text
}

fn render_exceptions(
    rows: &BTreeMap<i64, Row>,
    names: &CodeNames,
    warnings: &mut Vec<String>,
    out: &mut String,
) {
    let named: Vec<(i64, String, &Row)> = rows
        .iter()
        .map(|(code, row)| {
            let name = names.exceptions.get(code).cloned().unwrap_or_else(|| {
                warnings.push(format!(
                    "exception code {code} has no name in the override file"
                ));
                format!("Code{code}")
            });
            (*code, name, row)
        })
        .collect();
    for code in names.exceptions.keys() {
        if !rows.contains_key(code) {
            warnings.push(format!(
                "exception code {code}: named but not in the spec (stale entry?)"
            ));
        }
    }
    out.push_str(
        "/// A KSeF exception code: the codes the spec lists in its error responses' tables, by\n\
         /// name (descriptions are the spec's), and [`ExceptionCode::Unknown`] for any other.\n\
         ///\n\
         /// Converts losslessly from and to the number sent on the wire (`From<i64>`, [`ExceptionCode::code`]).\n\
         #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]\n#[non_exhaustive]\npub enum ExceptionCode {\n",
    );
    for (code, name, row) in &named {
        out.push_str(&doc_comment(&format!("{code}: {}", row_doc(row)), "    "));
        out.push_str(&format!("    {name},\n"));
    }
    out.push_str(
        "    /// A code the spec does not list (kept as received).\n    Unknown(i64),\n}\n\n",
    );
    out.push_str("impl ExceptionCode {\n    /// Every code the spec lists.\n    pub const ALL: &'static [ExceptionCode] = &[");
    for (_, name, _) in &named {
        out.push_str(&format!("ExceptionCode::{name}, "));
    }
    out.push_str("];\n\n    /// The number sent on the wire.\n    pub const fn code(self) -> i64 {\n        match self {\n");
    for (code, name, _) in &named {
        out.push_str(&format!("            ExceptionCode::{name} => {code},\n"));
    }
    out.push_str("            ExceptionCode::Unknown(code) => code,\n        }\n    }\n\n");
    out.push_str("    /// The code for a number (an unlisted number is [`ExceptionCode::Unknown`]).\n    pub const fn from_code(code: i64) -> Self {\n        match code {\n");
    for (code, name, _) in &named {
        out.push_str(&format!("            {code} => ExceptionCode::{name},\n"));
    }
    out.push_str("            other => ExceptionCode::Unknown(other),\n        }\n    }\n\n");
    out.push_str("    /// The spec's description (Polish), `None` for an unknown code.\n    pub const fn description(self) -> Option<&'static str> {\n        match self {\n");
    for (_, name, row) in &named {
        out.push_str(&format!(
            "            ExceptionCode::{name} => Some({}),\n",
            lit(&row.descriptions.join(" / "))
        ));
    }
    out.push_str("            ExceptionCode::Unknown(_) => None,\n        }\n    }\n}\n\n");
    out.push_str(
        "impl From<i64> for ExceptionCode {\n    fn from(code: i64) -> Self {\n        Self::from_code(code)\n    }\n}\n\n\
         impl From<ExceptionCode> for i64 {\n    fn from(code: ExceptionCode) -> Self {\n        code.code()\n    }\n}\n\n\
         impl std::fmt::Display for ExceptionCode {\n    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {\n        write!(f, \"{}\", self.code())\n    }\n}\n\n",
    );
}

fn render_statuses(
    schema: &str,
    rows: &BTreeMap<i64, Row>,
    names: &CodeNames,
    warnings: &mut Vec<String>,
    out: &mut String,
) {
    let given = names.statuses.get(schema);
    out.push_str(&format!(
        "    /// Status codes of [`{schema}`](crate::{schema})`.status`.\n    pub mod {} {{\n",
        snake(
            schema
                .strip_suffix("StatusResponse")
                .or_else(|| schema.strip_suffix("Response"))
                .unwrap_or(schema)
        )
    ));
    for (code, row) in rows {
        let code = *code as i32;
        let name = given
            .and_then(|g| g.get(&code))
            .cloned()
            .unwrap_or_else(|| {
                warnings.push(format!(
                    "status code {code} of {schema} has no name in the override file"
                ));
                format!("CODE_{code}")
            });
        out.push_str(&doc_comment(&row_doc(row), "        "));
        out.push_str(&format!("        pub const {name}: i32 = {code};\n"));
    }
    if let Some(g) = given {
        for code in g.keys() {
            if !rows.contains_key(&i64::from(*code)) {
                warnings.push(format!(
                    "status code {code} of {schema}: named but not in the spec (stale entry?)"
                ));
            }
        }
    }
    out.push_str("    }\n");
}
