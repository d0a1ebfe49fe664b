//! The emulator's module graph: the domain layer (`src/state/`: the store and the rules over
//! it) refers to no handler or runtime module, so no dependency cycle can run through state and
//! handlers.
//!
//! The check reads the sources. Every path out of a domain file names the top-level module it
//! enters: `crate::<module>` (also each item of a `crate::{a, b::c}` group), and a `super::`
//! chain that climbs out of `src/state/` to the crate root (`super::<module>` in
//! `state/mod.rs`, `super::super::<module>` one level down). Comments are skipped.

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

fn ident(text: &str) -> String {
    text.chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect()
}

/// The first segment of each path of a `{a, b::c, d::{e, f}}` group (the text after `{`).
fn group_heads(rest: &str, out: &mut BTreeSet<String>) {
    let mut depth = 0usize;
    let mut at_head = true;
    for (i, c) in rest.char_indices() {
        match c {
            '{' => depth += 1,
            '}' if depth == 0 => return,
            '}' => depth -= 1,
            ',' if depth == 0 => at_head = true,
            c if c.is_whitespace() => {}
            _ if at_head && depth == 0 => {
                let name = ident(&rest[i..]);
                if !name.is_empty() && name != "self" {
                    out.insert(name);
                }
                at_head = false;
            }
            _ => {}
        }
    }
}

/// The top-level modules reached from `text` by paths that start with `root` (`"crate::"`, or
/// the `super::` chain that leads to the crate root).
fn references_from(text: &str, root: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    // A multi-line `use` group is read as one piece: comments go, lines are joined.
    let code: String = text
        .lines()
        .map(|line| line.split("//").next().unwrap_or_default())
        .collect::<Vec<_>>()
        .join(" ");
    let mut rest = code.as_str();
    while let Some(at) = rest.find(root) {
        rest = &rest[at + root.len()..];
        if let Some(group) = rest.strip_prefix('{') {
            group_heads(group, &mut out);
        } else {
            let name = ident(rest);
            if !name.is_empty() && name != "super" {
                out.insert(name);
            }
        }
    }
    out
}

/// The `super::` chain that climbs from the module of a file in `src/state/` to the crate root:
/// one `super` per level of the module's path (`state/mod.rs` is `crate::state`,
/// `state/limits.rs` is `crate::state::limits`).
fn root_chain(file: &Path, state_dir: &Path) -> String {
    let rel = file.strip_prefix(state_dir).unwrap();
    let mut levels = rel.components().count() + 1;
    if file.file_name().is_some_and(|n| n == "mod.rs") {
        levels -= 1;
    }
    "super::".repeat(levels)
}

fn domain_references(file: &Path, state_dir: &Path) -> BTreeSet<String> {
    let text = std::fs::read_to_string(file).unwrap();
    let mut refs = references_from(&text, "crate::");
    refs.extend(references_from(&text, &root_chain(file, state_dir)));
    refs
}

#[test]
fn the_domain_layer_refers_to_no_handler_module() {
    let src = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src");
    let state_dir = src.join("state");
    let mut files = Vec::new();
    sources(&state_dir, &mut files);
    assert!(files.len() > 5, "the domain files are found");
    let mut offences = Vec::new();
    for file in &files {
        for module in domain_references(file, &state_dir) {
            if !DOMAIN_MAY_USE.contains(&module.as_str()) {
                offences.push(format!(
                    "{} refers to the crate's {module}",
                    file.strip_prefix(&src).unwrap().display()
                ));
            }
        }
    }
    assert!(offences.is_empty(), "{}", offences.join("\n"));
}

#[test]
fn the_reference_reader_sees_use_lines_groups_and_inline_paths() {
    let refs = references_from(
        "use crate::state::{Ident, Store};\nlet x = crate::routes::limits::f(); // crate::app\n\
         use crate::{\n    config::EmulatorConfig,\n    routes::wire::{self, PageQuery},\n};\n",
        "crate::",
    );
    assert_eq!(
        refs,
        ["config", "routes", "state"]
            .map(String::from)
            .into_iter()
            .collect()
    );
}

#[test]
fn the_reference_reader_follows_super_chains_to_the_crate_root() {
    let state = Path::new("src/state");
    assert_eq!(root_chain(Path::new("src/state/mod.rs"), state), "super::");
    assert_eq!(
        root_chain(Path::new("src/state/limits.rs"), state),
        "super::super::"
    );
    assert_eq!(
        root_chain(Path::new("src/state/sessions/mod.rs"), state),
        "super::super::"
    );
    assert_eq!(
        root_chain(Path::new("src/state/sessions/upo.rs"), state),
        "super::super::super::"
    );
    // In `state/mod.rs`, `super::` is the crate root.
    let refs = references_from(
        "use super::routes::wire;\nuse super::{extract, state::X};",
        "super::",
    );
    assert_eq!(
        refs,
        ["extract", "routes", "state"]
            .map(String::from)
            .into_iter()
            .collect()
    );
    // One level down, only the whole chain leaves `state`.
    let refs = references_from(
        "use super::Ident;\nuse super::super::app_state::AppState;",
        "super::super::",
    );
    assert_eq!(refs, ["app_state"].map(String::from).into_iter().collect());
}
