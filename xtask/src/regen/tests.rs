//! Tests of the generator itself (the model's own tests live in `crates/ksef-model/tests`).

use serde_json::{Value, json};

use super::generate;

fn spec_path() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/ksef-api-2.9.0/open-api.json")
}

fn load_spec() -> Value {
    let path = spec_path();
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!("the official spec is needed at ../shared/ksef-api-2.9.0/open-api.json ({e})")
    });
    serde_json::from_str(&text).expect("spec is JSON")
}

/// The generator is real: a property and an operation added to the spec appear in the output.
#[test]
fn added_property_and_operation_appear() {
    let mut spec = load_spec();
    let baseline = generate(&spec.to_string(), None).expect("generates");
    assert!(!baseline.files["types.rs"].contains("pub favourite_colour"));

    spec["components"]["schemas"]["SessionStatusResponse"]["properties"]["favouriteColour"] =
        json!({"type": "string", "description": "Ulubiony kolor sesji.", "nullable": true});
    spec["paths"]["/sessions/{referenceNumber}/colour"] = json!({
        "put": {
            "tags": ["Status wysyłki i UPO"],
            "summary": "Zmiana koloru sesji",
            "description": "Ustawia kolor.",
            "parameters": [{"name": "referenceNumber", "in": "path", "required": true,
                            "schema": {"$ref": "#/components/schemas/ReferenceNumber"}}],
            "requestBody": {"content": {"application/json": {"schema":
                {"$ref": "#/components/schemas/SessionStatusResponse"}}}},
            "responses": {"204": {"description": "No Content"}},
            "x-rate-limits": {"perSecond": 1},
            "security": [{"Bearer": []}]
        }
    });
    let changed = generate(&spec.to_string(), None).expect("generates");
    let types = &changed.files["types.rs"];
    assert!(
        types.contains("pub favourite_colour: Option<String>"),
        "new property missing"
    );
    assert!(types.contains("Ulubiony kolor sesji."));
    let ops = &changed.files["operations.rs"];
    assert!(
        ops.contains("pub struct PutSessionsByReferenceNumberColour"),
        "new operation missing"
    );
    assert!(ops.contains("name: \"put_sessions_by_reference_number_colour\""));
    assert!(ops.contains("method: Method::Put"));
    assert_eq!(changed.operation_count, baseline.operation_count + 1);
}

/// Unsupported constructs degrade to `serde_json::Value` with a warning instead of failing.
#[test]
fn unsupported_constructs_warn() {
    let mut spec = load_spec();
    spec["components"]["schemas"]["SessionStatusResponse"]["properties"]["variant"] =
        json!({"oneOf": [{"type": "string"}, {"type": "integer"}]});
    let g = generate(&spec.to_string(), None).expect("generates");
    assert!(
        g.warnings.iter().any(|w| w.contains("oneOf")),
        "{:?}",
        g.warnings
    );
    assert!(g.files["types.rs"].contains("pub variant: Option<serde_json::Value>"));
}

/// Issue 14: exception and status codes come from the spec's tables; a code without an English
/// name in the override file is still generated, under a numeric name, with a warning.
#[test]
fn code_tables_become_named_codes() {
    let mut spec = load_spec();
    spec["paths"]["/auth/challenge"]["post"]["responses"]["400"]["description"] = json!(
        "| ExceptionCode | ExceptionDescription | Details |\n|---|---|---|\n| 21470 | Klucz nieznany. | - |\n| 29999 | Nowy kod. | - |"
    );
    let overrides = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../crates/ksef-model/regen-overrides.json"),
    )
    .unwrap();
    let g = generate(&spec.to_string(), Some(&overrides)).expect("generates");
    let codes = &g.files["codes.rs"];
    assert!(codes.contains("UnknownPublicKey,"), "{codes}");
    assert!(codes.contains("Code29999,"), "{codes}");
    assert!(
        codes.contains("29999 => ExceptionCode::Code29999"),
        "{codes}"
    );
    assert!(codes.contains("pub const DUPLICATE: i32 = 440;"), "{codes}");
    assert!(
        g.warnings.iter().any(|w| w.contains("29999")),
        "{:?}",
        g.warnings
    );
    assert!(
        g.files["conversions.rs"]
            .contains("impl From<EffectiveContextLimits> for SetSessionLimitsRequest")
    );
}

/// The line before `pub struct {name}` (after rustfmt), to see its attributes.
fn attribute_before(source: &str, name: &str) -> String {
    let at = source
        .find(&format!("pub struct {name} {{"))
        .unwrap_or_else(|| panic!("{name} is generated"));
    source[..at]
        .lines()
        .last()
        .unwrap_or_default()
        .trim()
        .to_owned()
}

/// Issue 14: generated structs are `#[non_exhaustive]` (a property or parameter the spec adds
/// later is not a breaking change) and every optional field has a `with_*` setter documented by
/// the first sentence of the field's description; structs without required fields get `new()`.
#[test]
fn structs_are_non_exhaustive_with_documented_setters() {
    let mut spec = load_spec();
    spec["components"]["schemas"]["SessionStatusResponse"]["properties"]["favouriteColour"] = json!(
        {"type": "string", "description": "Ulubiony kolor sesji. Np. zielony.", "nullable": true}
    );
    let g = generate(&spec.to_string(), None).expect("generates");
    let types = &g.files["types.rs"];
    for name in ["SessionStatusResponse", "AllowedIps", "InvoiceQueryFilters"] {
        assert_eq!(attribute_before(types, name), "#[non_exhaustive]", "{name}");
    }
    assert!(
        types.contains(
            "    /// Ulubiony kolor sesji.\n    pub fn with_favourite_colour(mut self, value: String) -> Self {\n        self.favourite_colour = Some(value);\n        self\n    }"
        ),
        "the setter of an added optional property, documented by its first sentence"
    );
    // A struct whose fields are all optional: `new()` besides `Default`.
    assert!(types.contains("impl AllowedIps {\n    /// Creates a value with every field `None`"));
    assert!(types.contains("pub fn with_ip4_addresses(mut self, value: Vec<Ip4Address>) -> Self"));
    // A required field gets no setter (it is an argument of `new`).
    assert!(!types.contains("pub fn with_date_range("));

    let ops = &g.files["operations.rs"];
    assert_eq!(
        attribute_before(ops, "GetAuthSessions"),
        "#[non_exhaustive]"
    );
    assert!(ops.contains(
        "    /// Token służący do pobrania kolejnej strony wyników.\n    pub fn with_x_continuation_token(mut self, value: String) -> Self"
    ));
    // No setter restates its name.
    assert!(!ops.contains("/// Sets `"), "a setter without a real doc");
}

#[test]
fn bad_input_is_a_clear_error() {
    assert!(generate("{", None).unwrap_err().contains("not valid JSON"));
    assert!(generate("{}", None).unwrap_err().contains("OpenAPI 3"));
    let spec = load_spec();
    let mut broken = spec.clone();
    broken["components"]["schemas"]["SessionStatusResponse"]["properties"]["x"] =
        json!({"$ref": "#/components/schemas/DoesNotExist"});
    assert!(
        generate(&broken.to_string(), None)
            .unwrap_err()
            .contains("does not exist")
    );
    assert!(
        generate(&spec.to_string(), Some("["))
            .unwrap_err()
            .contains("override")
    );
}

/// The older specs the generator must keep handling: (directory under `../shared`, operations,
/// schemas).
const OLDER_SPECS: &[(&str, usize, usize)] = &[("ksef-docs", 78, 289), ("ksef-api-2.7.0", 83, 303)];

fn read_shared_spec(dir: &str) -> String {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared")
        .join(dir)
        .join("open-api.json");
    std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("the spec is needed at ../shared/{dir}/open-api.json ({e})"))
}

/// The default spec (2.9.0) generates every operation and schema.
#[test]
fn default_spec_generates() {
    let g = generate(&load_spec().to_string(), None).expect("2.9 generates");
    assert_eq!(g.operation_count, 83);
    assert_eq!(g.schema_count, 306);
    assert!(g.files["operations.rs"].contains("PostCollectiveIdentifiersQuery"));
    assert!(g.files["operations.rs"].contains("PutTestdataCertificatesBySerialNumber"));
}

/// The older specs (2.6.0 without collective identifiers, 2.7.0 with them) still generate.
#[test]
fn older_specs_generate() {
    for (dir, operations, schemas) in OLDER_SPECS {
        let g = generate(&read_shared_spec(dir), None).unwrap_or_else(|e| panic!("{dir}: {e}"));
        assert_eq!(g.operation_count, *operations, "{dir}");
        assert_eq!(g.schema_count, *schemas, "{dir}");
    }
}

/// The models generated from the older specs compile: the crate is copied into `target/`, its
/// generated files replaced, and `cargo check` runs on it with the workspace's lock file.
#[test]
fn older_spec_models_compile() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let overrides =
        std::fs::read_to_string(root.join("crates/ksef-model/regen-overrides.json")).ok();
    let work = root.join("target/spec-check");
    for (dir, _, _) in OLDER_SPECS {
        let generated =
            generate(&read_shared_spec(dir), overrides.as_deref()).expect("the spec generates");
        let krate = work.join("ksef-model");
        let _ = std::fs::remove_dir_all(&krate);
        copy_dir(&root.join("crates/ksef-model/src"), &krate.join("src"));
        for (name, content) in &generated.files {
            std::fs::write(krate.join("src/generated").join(name), content).unwrap();
        }
        std::fs::write(krate.join("Cargo.toml"), standalone_manifest(&root)).unwrap();
        std::fs::copy(root.join("Cargo.lock"), krate.join("Cargo.lock")).unwrap();
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let output = std::process::Command::new(cargo)
            .current_dir(&krate)
            .env("CARGO_TARGET_DIR", work.join("target"))
            .args(["check", "--lib", "--offline", "--quiet"])
            .output()
            .expect("cargo runs");
        assert!(
            output.status.success(),
            "the model of ../shared/{dir} does not compile:\n{}",
            String::from_utf8_lossy(&output.stderr)
                .lines()
                .take(60)
                .collect::<Vec<_>>()
                .join("\n")
        );
    }
}

fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap().flatten() {
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// The model crate's manifest with every `workspace = true` inheritance resolved from the root
/// manifest, as its own workspace.
fn standalone_manifest(root: &std::path::Path) -> String {
    let workspace = std::fs::read_to_string(root.join("Cargo.toml")).unwrap();
    let member = std::fs::read_to_string(root.join("crates/ksef-model/Cargo.toml")).unwrap();
    // A workspace crate's `path` is relative to the workspace root; the copy lives elsewhere.
    let root_path = format!("path = \"{}/", root.display());
    let dependency = |name: &str| {
        workspace
            .lines()
            .find(|l| l.starts_with(&format!("{name} = ")))
            .unwrap_or_else(|| panic!("{name} is not a workspace dependency"))
            .replace("path = \"", &root_path)
    };
    let mut out = String::from("[workspace]\n\n");
    let mut skip_section = false;
    for line in member.lines() {
        if line.starts_with('[') {
            skip_section = matches!(line, "[lints]" | "[dev-dependencies]");
        }
        if skip_section {
            continue;
        }
        if let Some(name) = line.strip_suffix(".workspace = true") {
            match name {
                "version" => out.push_str("version = \"0.0.0\"\n"),
                "edition" => out.push_str("edition = \"2024\"\n"),
                "rust-version" | "license" | "repository" | "authors" | "keywords"
                | "categories" => {}
                dep => {
                    out.push_str(&dependency(dep));
                    out.push('\n');
                }
            }
        } else if let Some((name, rest)) = line.split_once(" = { workspace = true") {
            // `name = { workspace = true, features = [...], optional = true }`: the workspace's
            // declaration with the member's features added.
            let declared = dependency(name);
            let spec = declared[name.len() + 3..].trim();
            let mut inner = match spec.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                Some(table) => table.trim().to_owned(),
                None => format!("version = {spec}"),
            };
            let rest = rest
                .trim()
                .trim_end_matches('}')
                .trim()
                .trim_start_matches(',')
                .trim();
            let mut extra = Vec::new();
            for part in split_top_level(rest) {
                match part.strip_prefix("features = [") {
                    Some(list) if inner.contains("features = [") => {
                        let list = list.trim_end_matches(']');
                        inner = inner.replacen("features = [", &format!("features = [{list}, "), 1);
                    }
                    _ => extra.push(part),
                }
            }
            extra.insert(0, inner);
            out.push_str(&format!("{name} = {{ {} }}\n", extra.join(", ")));
        } else {
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

/// Splits `a = 1, b = [x, y]` at the commas outside brackets.
fn split_top_level(text: &str) -> Vec<String> {
    let mut parts = Vec::new();
    let mut depth = 0;
    let mut current = String::new();
    for c in text.chars() {
        match c {
            '[' => depth += 1,
            ']' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(current.trim().to_owned());
                current.clear();
                continue;
            }
            _ => {}
        }
        current.push(c);
    }
    if !current.trim().is_empty() {
        parts.push(current.trim().to_owned());
    }
    parts
}
