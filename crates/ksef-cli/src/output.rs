//! Output for people (text on stdout, progress on stderr) or for scripts (`--output json`).

use serde_json::Value;

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

    /// A line of the text summary.
    pub fn line(&mut self, text: impl Into<String>) {
        self.lines.push(text.into());
    }

    /// A field of the JSON document.
    pub fn field(&mut self, key: &str, value: Value) {
        self.json.insert(key.to_owned(), value);
    }

    /// A progress message on stderr (text mode only; JSON mode stays quiet for scripts).
    pub fn progress(&self, text: &str) {
        if self.format == Format::Text {
            eprintln!("{text}");
        }
    }

    /// Prints the result.
    #[allow(clippy::print_stdout)]
    pub fn finish(self) {
        match self.format {
            Format::Text => {
                for line in self.lines {
                    println!("{line}");
                }
            }
            Format::Json => println!("{}", Value::Object(self.json)),
        }
    }
}
