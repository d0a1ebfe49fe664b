//! Output for people (text on stdout, progress on stderr) or for scripts (`--output json`: one
//! JSON document on stdout, also on failure).

use serde_json::Value;

use crate::error::CliError;

/// How results are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Format {
    /// Readable text.
    #[default]
    Text,
    /// One JSON document on stdout.
    Json,
}

/// Collects a command's result and prints it in the chosen format.
#[derive(Debug)]
pub struct Report {
    format: Format,
    lines: Vec<String>,
    json: serde_json::Map<String, Value>,
}

impl Report {
    /// An empty report.
    pub fn new(format: Format) -> Self {
        Self {
            format,
            lines: Vec::new(),
            json: serde_json::Map::new(),
        }
    }

    /// The chosen format.
    pub fn format(&self) -> Format {
        self.format
    }

    /// A line of the text summary.
    pub fn line(&mut self, text: impl Into<String>) {
        self.lines.push(text.into());
    }

    /// A field of the JSON document.
    pub fn field(&mut self, key: &str, value: Value) {
        self.json.insert(key.to_owned(), value);
    }

    /// A field of the JSON document that is also shown as text (rendered readably).
    pub fn show(&mut self, key: &str, value: Value) {
        if self.format == Format::Text {
            let rendered = render_text(&value);
            if rendered.contains('\n') || matches!(value, Value::Object(_) | Value::Array(_)) {
                self.lines.push(format!("{key}:"));
                for l in rendered.lines() {
                    self.lines.push(format!("  {l}"));
                }
            } else {
                self.lines.push(format!("{key}: {rendered}"));
            }
        }
        self.field(key, value);
    }

    /// Serialises `value` (a model type) and shows it under `key`.
    pub fn show_serialized<T: serde::Serialize>(&mut self, key: &str, value: &T) {
        let value = serde_json::to_value(value).unwrap_or(Value::Null);
        self.show(key, value);
    }

    /// A progress message on stderr (text mode only; JSON mode stays quiet for scripts).
    pub fn progress(&self, text: &str) {
        if self.format == Format::Text {
            eprintln!("{text}");
        }
    }

    /// A warning on stderr (both modes).
    pub fn warn(&self, text: &str) {
        eprintln!("warning: {text}");
    }

    /// Prints the result.
    pub fn finish(self) {
        match self.format {
            Format::Text => print_lines(&self.lines),
            Format::Json => print_lines(&[Value::Object(self.json).to_string()]),
        }
    }

    /// Prints a failure: the message on stderr, and in JSON mode a document on stdout with the
    /// error and whatever the command had already reported.
    pub fn fail(mut self, error: &CliError) {
        eprintln!("error: {error}");
        if self.format == Format::Json {
            self.json.insert(
                "error".into(),
                serde_json::json!({
                    "message": error.message,
                    "exitCode": error.kind.exit_code(),
                }),
            );
            print_lines(&[Value::Object(self.json).to_string()]);
        } else {
            print_lines(&self.lines);
        }
    }
}

/// Writes lines to stdout; a closed pipe (`ksef … | head`) is not an error worth a panic.
fn print_lines(lines: &[String]) {
    use std::io::Write as _;
    let mut out = std::io::stdout().lock();
    for line in lines {
        if writeln!(out, "{line}").is_err() {
            return;
        }
    }
    let _ = out.flush();
}

fn scalar(value: &Value) -> Option<String> {
    match value {
        Value::Null => Some("-".into()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Number(n) => Some(n.to_string()),
        Value::String(s) => Some(s.clone()),
        Value::Array(a) if a.is_empty() => Some("(none)".into()),
        Value::Object(o) if o.is_empty() => Some("{}".into()),
        _ => None,
    }
}

/// Renders a JSON value as indented `key: value` text (lists as `- ` items).
pub fn render_text(value: &Value) -> String {
    let mut out = String::new();
    render_into(value, 0, &mut out);
    while out.ends_with('\n') {
        out.pop();
    }
    out
}

fn render_into(value: &Value, indent: usize, out: &mut String) {
    let pad = " ".repeat(indent);
    match value {
        Value::Object(map) => {
            for (key, v) in map {
                match scalar(v) {
                    Some(s) => out.push_str(&format!("{pad}{key}: {s}\n")),
                    None => {
                        out.push_str(&format!("{pad}{key}:\n"));
                        render_into(v, indent + 2, out);
                    }
                }
            }
        }
        Value::Array(items) => {
            for item in items {
                match scalar(item) {
                    Some(s) => out.push_str(&format!("{pad}- {s}\n")),
                    None => {
                        let mut inner = String::new();
                        render_into(item, indent + 2, &mut inner);
                        let trimmed = inner.trim_start();
                        out.push_str(&format!("{pad}- {trimmed}"));
                        if !trimmed.ends_with('\n') {
                            out.push('\n');
                        }
                    }
                }
            }
        }
        other => {
            out.push_str(&format!("{pad}{}\n", scalar(other).unwrap_or_default()));
        }
    }
}

/// Writes raw bytes to stdout, ignoring a closed pipe.
pub fn write_stdout(bytes: &[u8]) {
    use std::io::Write as _;
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(bytes).and_then(|()| out.flush());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_nested_values_readably() {
        let v = serde_json::json!({"a": 1, "b": {"c": "x"}, "d": [{"e": 1, "f": 2}, "g"], "h": []});
        assert_eq!(
            render_text(&v),
            "a: 1\nb:\n  c: x\nd:\n  - e: 1\n    f: 2\n  - g\nh: (none)"
        );
    }
}
