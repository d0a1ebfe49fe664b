//! The emulator's module graph: the domain layer (`src/state/`: the store and the rules over
//! it) refers to no handler or runtime module, so no dependency cycle can run through state and
//! handlers.
//!
//! The check reads the sources: every `crate::<module>` path (in `use` lines and inline paths,
//! outside comments) of a domain file names a top-level module it depends on.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// Top-level modules the domain may use: itself, configuration and the persistence format.
const DOMAIN_MAY_USE: &[&str] = &["state", "config", "persist"];

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The top-level modules a source file refers to as `crate::<module>`.
fn crate_references(text: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for line in text.lines() {
        let code = line.split("//").next().unwrap_or_default();
        let mut rest = code;
        while let Some(at) = rest.find("crate::") {
            rest = &rest[at + "crate::".len()..];
            let name: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            if !name.is_empty() {
                out.insert(name);
            }
        }
    }
    out
}

#[test]
fn the_domain_layer_refers_to_no_handler_module() {
    let src = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&src.join("state"), &mut files);
    assert!(files.len() > 5, "the domain files are found");
    let mut offences = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        for module in crate_references(&text) {
            if !DOMAIN_MAY_USE.contains(&module.as_str()) {
                offences.push(format!(
                    "{} refers to crate::{module}",
                    file.strip_prefix(&src).unwrap().display()
                ));
            }
        }
    }
    assert!(offences.is_empty(), "{}", offences.join("\n"));
}

#[test]
fn the_reference_reader_sees_use_lines_and_inline_paths() {
    let refs = crate_references(
        "use crate::store::{Ident, Store};\nlet x = crate::routes::limits::f(); // crate::app\n",
    );
    assert_eq!(
        refs,
        ["routes", "store"].map(String::from).into_iter().collect()
    );
}
