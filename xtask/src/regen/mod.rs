//! `cargo xtask regen`: generates `ksef-model` from the OpenAPI spec.
//!
//! The generator is pure: [`generate`] maps the spec text (and the override file) to the set of
//! generated files. [`run`] writes them, or with `--check` compares them with the files on disk.

mod codes;
mod conversions;
mod docs;
mod naming;
mod ops;
mod render_ops;
mod render_types;
mod schema;

use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::Value;
use sha2::{Digest, Sha256};

use schema::{Overrides, Resolver};

/// The result of a generation: file name (relative to `src/generated`) → content.
#[derive(Debug)]
pub struct Generated {
    pub files: BTreeMap<String, String>,
    pub warnings: Vec<String>,
    pub schema_count: usize,
    pub operation_count: usize,
}

/// Generates the model from the spec text and the overrides (JSON text, may be empty).
pub fn generate(spec_text: &str, overrides_text: Option<&str>) -> Result<Generated, String> {
    let spec: Value =
        serde_json::from_str(spec_text).map_err(|e| format!("the spec is not valid JSON: {e}"))?;
    if !spec
        .get("openapi")
        .and_then(Value::as_str)
        .is_some_and(|v| v.starts_with("3."))
    {
        return Err("the spec is not an OpenAPI 3.x document (no `openapi: 3.x` field)".into());
    }
    let overrides = parse_overrides(overrides_text)?;
    let empty = serde_json::Map::new();
    let schemas = spec
        .pointer("/components/schemas")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    let mut resolver = Resolver::new(schemas, &overrides);
    resolver.build_components()?;
    let mut operations = ops::read_ops(&spec, &mut resolver)?;
    ops::attach_pagination(&mut operations, &mut resolver);
    check_patterns(&resolver)?;

    let mut warnings = std::mem::take(&mut resolver.warnings);
    for key in overrides
        .lenient_required
        .keys()
        .chain(overrides.secret.iter())
    {
        if !resolver.applied.contains(key) {
            warnings.push(format!(
                "override for {}.{} matches nothing in this spec (stale entry?)",
                key.0, key.1
            ));
        }
    }

    for schema in overrides.identifiers.keys() {
        if !schemas.contains_key(schema) {
            warnings.push(format!(
                "identifier override for {schema} matches no schema (stale entry?)"
            ));
        }
    }

    let header = header(&spec, spec_text);
    let allow = "#![allow(clippy::doc_lazy_continuation, clippy::doc_overindented_list_items, clippy::large_enum_variant)]\n";
    let mut files = BTreeMap::new();
    let types = format!(
        "{header}//! Every component schema of the spec as a Rust type (descriptions are the spec's, in Polish).\n{allow}\n{}",
        render_types::render_types(&resolver.defs)
    );
    files.insert("types.rs".to_owned(), types);
    let operations_src = format!(
        "{header}//! Every operation of the spec as a request type implementing [`Operation`], with its\n//! static [`OperationMeta`].\n{allow}\n{}",
        render_ops::render_ops(&operations)
    );
    files.insert("operations.rs".to_owned(), operations_src);
    let schema_names: Vec<(String, String)> = resolver
        .defs
        .iter()
        .filter_map(|d| d.schema.clone().map(|s| (s, d.name.clone())))
        .collect();
    let registry = format!(
        "{header}//! Access to the generated types by name (for tests and tools that handle JSON generically).\n\n{}",
        render_ops::render_registry(&schema_names, &operations)
    );
    files.insert("registry.rs".to_owned(), registry);
    let codes = format!(
        "{header}//! The spec's exception codes and status codes, by name (descriptions are the spec's, in Polish).\n{allow}\n{}",
        codes::render(&spec, &overrides.codes, &mut warnings)
    );
    files.insert("codes.rs".to_owned(), codes);
    let conversions_src = format!(
        "{header}//! `From` conversions between schemas paired in the override file (read-modify-write).\n\n{}",
        conversions::render(&resolver.defs, &overrides.conversions, &mut warnings)
    );
    files.insert("conversions.rs".to_owned(), conversions_src);
    let (title, version) = title_version(&spec);
    let mod_rs = format!(
        "{header}//! Generated code (see the crate documentation).\n\npub mod codes;\nmod conversions;\npub mod operations;\npub mod registry;\npub mod types;\n\n/// The `info.title` of the spec the model was generated from.\npub const SPEC_TITLE: &str = {};\n/// The API version of the spec the model was generated from.\npub const SPEC_VERSION: &str = {};\n/// SHA-256 (hex) of the spec file the model was generated from.\npub const SPEC_SHA256: &str = {};\n",
        naming::lit(&title),
        naming::lit(&version),
        naming::lit(&sha256_hex(spec_text))
    );
    files.insert("mod.rs".to_owned(), mod_rs);
    for (name, content) in files.iter_mut() {
        *content = rustfmt(content).map_err(|e| format!("rustfmt failed on {name}: {e}"))?;
    }
    Ok(Generated {
        files,
        warnings,
        schema_count: schema_names.len(),
        operation_count: operations.len(),
    })
}

fn parse_overrides(text: Option<&str>) -> Result<Overrides, String> {
    let mut o = Overrides::default();
    let Some(text) = text else { return Ok(o) };
    let v: Value = serde_json::from_str(text)
        .map_err(|e| format!("the override file is not valid JSON: {e}"))?;
    let entries = |key: &str| {
        v.get(key)
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default()
    };
    let field = |e: &Value, k: &str| -> Result<String, String> {
        e.get(k)
            .and_then(Value::as_str)
            .map(str::to_owned)
            .ok_or(format!("override entry {e} has no string field `{k}`"))
    };
    for e in entries("lenientRequired") {
        o.lenient_required.insert(
            (field(&e, "schema")?, field(&e, "property")?),
            field(&e, "reason")?,
        );
    }
    if let Some(map) = v.get("exceptionCodes").and_then(Value::as_object) {
        for (code, name) in map {
            let code = code
                .parse::<i64>()
                .map_err(|_| format!("exceptionCodes: {code:?} is not a number"))?;
            let name = name.as_str().ok_or(format!(
                "exceptionCodes: the name of {code} is not a string"
            ))?;
            o.codes.exceptions.insert(code, name.to_owned());
        }
    }
    if let Some(map) = v.get("statusCodes").and_then(Value::as_object) {
        for (schema, codes) in map {
            let codes = codes
                .as_object()
                .ok_or(format!("statusCodes.{schema} is not an object"))?;
            let entry = o.codes.statuses.entry(schema.clone()).or_default();
            for (code, name) in codes {
                let code = code
                    .parse::<i32>()
                    .map_err(|_| format!("statusCodes.{schema}: {code:?} is not a number"))?;
                let name = name
                    .as_str()
                    .ok_or(format!("statusCodes.{schema}.{code} is not a string"))?;
                entry.insert(code, name.to_owned());
            }
        }
    }
    for e in entries("conversions") {
        o.conversions.push((field(&e, "from")?, field(&e, "into")?));
    }
    if let Some(map) = v.get("identifiers").and_then(Value::as_object) {
        for (schema, path) in map {
            let path = path
                .as_str()
                .ok_or(format!("identifiers.{schema} is not a string"))?;
            o.identifiers.insert(schema.clone(), path.to_owned());
        }
    }
    for e in entries("secret") {
        o.secret
            .insert((field(&e, "schema")?, field(&e, "property")?));
    }
    Ok(o)
}

/// Every pattern must compile with the regex engine the model uses.
fn check_patterns(resolver: &Resolver<'_>) -> Result<(), String> {
    for d in &resolver.defs {
        if let schema::Def::Newtype { constraints } = &d.def
            && let Some(p) = &constraints.pattern
        {
            regex_lite::Regex::new(p)
                .map_err(|e| format!("pattern of {} does not compile: {e}", d.name))?;
        }
    }
    Ok(())
}

fn title_version(spec: &Value) -> (String, String) {
    let title = spec
        .pointer("/info/title")
        .and_then(Value::as_str)
        .unwrap_or("untitled")
        .to_owned();
    // The KSeF spec keeps `info.version` at "v2" and states the real version in the description.
    let described = spec
        .pointer("/info/description")
        .and_then(Value::as_str)
        .and_then(|d| d.split("Wersja API:**").nth(1))
        .and_then(|rest| rest.split_whitespace().next())
        .map(str::to_owned);
    let version = described
        .or_else(|| {
            spec.pointer("/info/version")
                .and_then(Value::as_str)
                .map(str::to_owned)
        })
        .unwrap_or_else(|| "unknown".to_owned());
    (title, version)
}

fn header(spec: &Value, text: &str) -> String {
    let (title, version) = title_version(spec);
    format!(
        "// @generated by cargo xtask regen from {title} {version}, sha256 {} — DO NOT EDIT\n",
        sha256_hex(text)
    )
}

fn sha256_hex(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

pub(crate) fn rustfmt(source: &str) -> Result<String, String> {
    let mut child = Command::new(std::env::var("RUSTFMT").unwrap_or_else(|_| "rustfmt".into()))
        .args(["--edition", "2024", "--emit", "stdout", "--quiet"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| {
            format!("cannot run rustfmt (install it with `rustup component add rustfmt`): {e}")
        })?;
    let mut stdin = child.stdin.take().ok_or("rustfmt has no stdin")?;
    let input = source.to_owned();
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let output = child.wait_with_output().map_err(|e| e.to_string())?;
    writer
        .join()
        .map_err(|_| "rustfmt writer thread panicked")?
        .map_err(|e| e.to_string())?;
    if !output.status.success() {
        let err = String::from_utf8_lossy(&output.stderr);
        return Err(err.lines().take(30).collect::<Vec<_>>().join("\n"));
    }
    String::from_utf8(output.stdout).map_err(|e| e.to_string())
}

/// Options of `cargo xtask regen`.
pub struct Options {
    pub spec: Option<PathBuf>,
    pub check: bool,
    pub model_dir: PathBuf,
}

/// Runs `cargo xtask regen`.
pub fn run(root: &Path, opts: Options) -> Result<(), String> {
    let spec_path = match opts.spec {
        Some(p) => p,
        None => {
            let default = root.join("../shared/ksef-api-2.9.0/open-api.json");
            if !default.exists() {
                return Err(format!(
                    "no spec given and the default {} does not exist: pass --spec PATH",
                    "../shared/ksef-api-2.9.0/open-api.json"
                ));
            }
            default
        }
    };
    let spec_text = std::fs::read_to_string(&spec_path)
        .map_err(|e| format!("cannot read the spec {}: {e}", spec_path.display()))?;
    let overrides_path = opts.model_dir.join("regen-overrides.json");
    let overrides = match std::fs::read_to_string(&overrides_path) {
        Ok(t) => Some(t),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(format!("cannot read {}: {e}", overrides_path.display())),
    };
    let generated = generate(&spec_text, overrides.as_deref())?;
    for w in &generated.warnings {
        eprintln!("warning: {w}");
    }
    let out_dir = opts.model_dir.join("src/generated");
    if opts.check {
        return check(&out_dir, &generated);
    }
    std::fs::create_dir_all(&out_dir)
        .map_err(|e| format!("cannot create {}: {e}", out_dir.display()))?;
    // Remove generated files that are no longer produced.
    if let Ok(entries) = std::fs::read_dir(&out_dir) {
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.ends_with(".rs") && !generated.files.contains_key(&name) {
                let _ = std::fs::remove_file(entry.path());
            }
        }
    }
    for (name, content) in &generated.files {
        let path = out_dir.join(name);
        let tmp = out_dir.join(format!(".{name}.tmp"));
        std::fs::write(&tmp, content)
            .map_err(|e| format!("cannot write {}: {e}", tmp.display()))?;
        std::fs::rename(&tmp, &path)
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    }
    eprintln!(
        "generated {} schemas and {} operations into {}",
        generated.schema_count,
        generated.operation_count,
        out_dir.display()
    );
    Ok(())
}

fn check(out_dir: &Path, generated: &Generated) -> Result<(), String> {
    let mut problems = Vec::new();
    for (name, content) in &generated.files {
        let path = out_dir.join(name);
        match std::fs::read_to_string(&path) {
            Ok(existing) if existing == *content => {}
            Ok(existing) => problems.push(diff_summary(name, &existing, content)),
            Err(_) => problems.push(format!("{name}: missing (would be created)")),
        }
    }
    if let Ok(entries) = std::fs::read_dir(out_dir) {
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.ends_with(".rs") && !generated.files.contains_key(&name) {
                problems.push(format!("{name}: no longer generated (would be removed)"));
            }
        }
    }
    if problems.is_empty() {
        eprintln!(
            "generated model is up to date ({} schemas, {} operations)",
            generated.schema_count, generated.operation_count
        );
        Ok(())
    } else {
        Err(format!(
            "the committed model differs from what the generator produces; run `cargo xtask regen`:\n{}",
            problems.join("\n")
        ))
    }
}

pub(crate) fn diff_summary(name: &str, old: &str, new: &str) -> String {
    let diff = similar::TextDiff::from_lines(old, new);
    let (mut added, mut removed) = (0, 0);
    for change in diff.iter_all_changes() {
        match change.tag() {
            similar::ChangeTag::Insert => added += 1,
            similar::ChangeTag::Delete => removed += 1,
            similar::ChangeTag::Equal => {}
        }
    }
    let unified = diff
        .unified_diff()
        .context_radius(2)
        .header("committed", "generated")
        .to_string();
    let shown: Vec<&str> = unified.lines().take(40).collect();
    let more = unified.lines().count().saturating_sub(shown.len());
    let mut out = format!(
        "{name}: {added} lines added, {removed} removed\n{}",
        shown.join("\n")
    );
    if more > 0 {
        out.push_str(&format!("\n… {more} more diff lines"));
    }
    out
}

#[cfg(test)]
mod tests;
