//! Rendering type definitions as Rust source.

use std::collections::HashMap;
use std::fmt::Write as _;

use super::docs::{doc_comment, first_sentence};
use super::naming::{lit, pascal, snake};
use super::schema::{Def, Prop, StrConstraints, Ty, TypeDef};

/// Renders every definition of the `types` module.
pub fn render_types(defs: &[TypeDef]) -> String {
    // Which named types contain floats (no Eq/Hash derive).
    let mut floaty: HashMap<String, bool> = HashMap::new();
    // Iterate to a fixed point: struct float-ness depends on referenced types.
    for _ in 0..16 {
        let mut changed = false;
        for d in defs {
            let f = match &d.def {
                Def::Struct { props } => props.iter().any(|p| p.ty.has_float(&floaty)),
                Def::Alias { target } => target.has_float(&floaty),
                Def::Enum { .. } | Def::Newtype { .. } => false,
            };
            if floaty.get(&d.name) != Some(&f) {
                floaty.insert(d.name.clone(), f);
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    let described: HashMap<&str, &str> = defs
        .iter()
        .filter_map(|d| Some((d.name.as_str(), d.description.as_deref()?)))
        .collect();
    let mut out = String::new();
    for d in defs {
        out.push_str(&render_def(d, &floaty, &described));
        out.push('\n');
    }
    out
}

fn type_doc(d: &TypeDef) -> String {
    let mut doc = String::new();
    match &d.description {
        Some(text) => doc.push_str(text),
        None => doc.push_str(&format!("`{}`", d.schema.as_deref().unwrap_or(&d.name))),
    }
    if let Some(schema) = &d.schema {
        let _ = write!(doc, "\n\nSpec schema: `{schema}`.");
    }
    if d.deprecated {
        doc.push_str("\n\n**Deprecated** in the spec.");
    }
    doc_comment(&doc, "")
}

fn render_def(
    d: &TypeDef,
    floaty: &HashMap<String, bool>,
    described: &HashMap<&str, &str>,
) -> String {
    match &d.def {
        Def::Struct { props } => render_struct(d, props, floaty, described),
        Def::Enum { values } => render_enum(d, values),
        Def::Newtype { constraints } => render_newtype(d, constraints),
        Def::Alias { target } => {
            format!("{}pub type {} = {};\n", type_doc(d), d.name, target.rust())
        }
    }
}

fn field_type(p: &Prop) -> String {
    if p.required && !p.nullable {
        p.ty.rust()
    } else {
        format!("Option<{}>", p.ty.rust())
    }
}

/// A struct is `#[non_exhaustive]`, so that a spec update adding a property is not a breaking
/// change: code outside the crate builds it with `new(required…)` and the `with_*` setters of
/// its optional fields (`new()` takes nothing, like `default()`, when nothing is required).
fn render_struct(
    d: &TypeDef,
    props: &[Prop],
    floaty: &HashMap<String, bool>,
    described: &HashMap<&str, &str>,
) -> String {
    let mut out = type_doc(d);
    let all_optional = props.iter().all(|p| !p.required || p.nullable);
    let has_secret = props.iter().any(|p| p.secret);
    let mut derives = vec!["Clone", "PartialEq"];
    if !floaty.get(&d.name).copied().unwrap_or(true) {
        derives.push("Eq");
    }
    if !has_secret {
        derives.insert(0, "Debug");
    }
    if all_optional {
        derives.push("Default");
    }
    derives.extend(["serde::Serialize", "serde::Deserialize"]);
    let _ = writeln!(out, "#[derive({})]", derives.join(", "));
    out.push_str("#[non_exhaustive]\n");
    let _ = writeln!(out, "pub struct {} {{", d.name);
    for p in props {
        out.push_str(&field_doc(p));
        let optional = !p.required || p.nullable;
        let mut attrs = Vec::new();
        let name = snake(&p.wire);
        if name.trim_start_matches("r#") != p.wire {
            attrs.push(format!("rename = {}", lit(&p.wire)));
        }
        if let Some(with) = p.ty.serde_with(optional) {
            attrs.push(format!("with = {}", lit(with)));
        }
        if optional {
            attrs.push("default".to_owned());
            if !p.required {
                attrs.push("skip_serializing_if = \"Option::is_none\"".to_owned());
            }
        }
        if !attrs.is_empty() {
            let _ = writeln!(out, "    #[serde({})]", attrs.join(", "));
        }
        let _ = writeln!(out, "    pub {name}: {},", field_type(p));
    }
    out.push_str("}\n");

    // Constructor from the required fields, then a setter per optional field.
    let required: Vec<&Prop> = props.iter().filter(|p| p.required && !p.nullable).collect();
    let _ = writeln!(out, "\nimpl {} {{", d.name);
    if all_optional {
        out.push_str("    /// Creates a value with every field `None` (the same as `Default`).\n");
        out.push_str("    pub fn new() -> Self {\n        Self::default()\n    }\n");
    } else {
        let _ = writeln!(
            out,
            "    /// Creates a value from the required fields; every optional field is `None`."
        );
        let args: Vec<String> = required
            .iter()
            .map(|p| format!("{}: {}", snake(&p.wire), field_type(p)))
            .collect();
        if args.len() > 7 {
            let _ = writeln!(out, "    #[allow(clippy::too_many_arguments)]");
        }
        let _ = writeln!(out, "    pub fn new({}) -> Self {{", args.join(", "));
        let _ = writeln!(out, "        Self {{");
        for p in props {
            let name = snake(&p.wire);
            if p.required && !p.nullable {
                let _ = writeln!(out, "            {name},");
            } else {
                let _ = writeln!(out, "            {name}: None,");
            }
        }
        out.push_str("        }\n    }\n");
    }
    for p in props.iter().filter(|p| !p.required || p.nullable) {
        out.push_str(&render_setter(p, described));
    }
    out.push_str("}\n");

    if has_secret {
        let _ = writeln!(out, "\nimpl std::fmt::Debug for {} {{", d.name);
        out.push_str("    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {\n");
        let _ = writeln!(out, "        f.debug_struct({})", lit(&d.name));
        for p in props {
            let name = snake(&p.wire);
            let field = name.trim_start_matches("r#");
            if p.secret {
                let _ = writeln!(out, "            .field({}, &\"[redacted]\")", lit(field));
            } else {
                let _ = writeln!(out, "            .field({}, &self.{name})", lit(field));
            }
        }
        out.push_str("            .finish()\n    }\n}\n");
    }
    out.push_str(&render_struct_validate(d, props));
    out
}

/// `Validate` for a struct: the field-level constraints of each property, then the property's
/// own type (which checks its patterns, enumerations and nested fields).
fn render_struct_validate(d: &TypeDef, props: &[Prop]) -> String {
    let mut body = String::new();
    for p in props {
        let name = snake(&p.wire);
        let pointer = p.wire.replace('~', "~0").replace('/', "~1");
        let optional = !p.required || p.nullable;
        // How the checks spell the value: `v` (a reference) inside `if let Some(v)`, else the
        // field itself.
        let (string, list, number) = if optional {
            ("v".to_owned(), "v".to_owned(), "*v".to_owned())
        } else {
            (
                format!("&self.{name}"),
                format!("self.{name}"),
                format!("self.{name}"),
            )
        };
        let mut checks = Vec::new();
        let opt_usize = |v: Option<u64>| match v {
            Some(v) => format!("Some({v})"),
            None => "None".to_owned(),
        };
        let opt_bound = |v: Option<(f64, bool)>| match v {
            Some((v, e)) => format!("Some(({v:?}, {e}))"),
            None => "None".to_owned(),
        };
        let c = &p.checks;
        if matches!(p.ty, Ty::Str) && (c.length.0.is_some() || c.length.1.is_some()) {
            checks.push(format!(
                "crate::rt::validate::check_length({string}, {}, {}, &at, out);",
                opt_usize(c.length.0),
                opt_usize(c.length.1)
            ));
        }
        if matches!(p.ty, Ty::Vec(_)) && (c.items.0.is_some() || c.items.1.is_some()) {
            checks.push(format!(
                "crate::rt::validate::check_items({list}.len(), {}, {}, &at, out);",
                opt_usize(c.items.0),
                opt_usize(c.items.1)
            ));
        }
        if matches!(p.ty, Ty::I32 | Ty::I64 | Ty::F64)
            && (c.minimum.is_some() || c.maximum.is_some())
        {
            checks.push(format!(
                "crate::rt::validate::check_number({number} as f64, {}, {}, &at, out);",
                opt_bound(c.minimum),
                opt_bound(c.maximum)
            ));
        }
        let _ = writeln!(body, "        let at = format!(\"{{pointer}}/{pointer}\");");
        if !checks.is_empty() {
            if optional {
                let _ = writeln!(
                    body,
                    "        if let Some(v) = &self.{name} {{\n            {}\n        }}",
                    checks.join("\n            ")
                );
            } else {
                for check in &checks {
                    let _ = writeln!(body, "        {check}");
                }
            }
        }
        let _ = writeln!(body, "        self.{name}.validate_at(&at, out);");
    }
    let (pointer, out) = if props.is_empty() {
        ("_", "_")
    } else {
        ("pointer", "out")
    };
    format!(
        "\nimpl crate::rt::Validate for {name} {{\n    #[allow(clippy::cast_precision_loss)]\n    fn validate_at(&self, {pointer}: &str, {out}: &mut Vec<crate::rt::Invalid>) {{\n{body}    }}\n}}\n\nimpl {name} {{\n    /// Checks the value against the spec's constraints (lengths, patterns, enumerations,\n    /// array sizes, numeric bounds) and reports every violation with its JSON pointer.\n    pub fn validate(&self) -> Result<(), crate::rt::ValidationError> {{\n        crate::rt::Validate::check_constraints(self)\n    }}\n}}\n",
        name = d.name
    )
}

/// `with_<field>(value)` for an optional field, documented with the first sentence of the
/// field's description (or of its type's, when the property has none).
fn render_setter(p: &Prop, described: &HashMap<&str, &str>) -> String {
    let name = snake(&p.wire);
    let own = p.description.as_deref().and_then(first_sentence);
    let of_type = || match &p.ty {
        Ty::Named(n) => described.get(n.as_str()).copied().and_then(first_sentence),
        _ => None,
    };
    let mut doc = own
        .or_else(of_type)
        .unwrap_or_else(|| format!("Sets `{}` (the spec does not describe it).", p.wire));
    if p.deprecated {
        doc.push_str(" **Deprecated** in the spec.");
    }
    if p.secret {
        doc.push_str(" Secret: never shown by `Debug`.");
    }
    format!(
        "\n{}    pub fn with_{}(mut self, value: {}) -> Self {{\n        self.{name} = Some(value);\n        self\n    }}\n",
        doc_comment(&doc, "    "),
        name.trim_start_matches("r#"),
        p.ty.rust()
    )
}

fn field_doc(p: &Prop) -> String {
    let mut doc = p
        .description
        .clone()
        .unwrap_or_else(|| format!("`{}`", p.wire));
    let mut notes = Vec::new();
    if !p.constraints.is_empty() {
        notes.push(format!("Constraints: {}.", p.constraints.join(", ")));
    }
    if let Some(default) = &p.default {
        notes.push(format!("Server default when absent: `{default}`."));
    }
    if p.deprecated {
        notes.push("**Deprecated** in the spec.".to_owned());
    }
    if let Some(reason) = &p.lenient_reason {
        notes.push(format!("Required by the spec, but optional here: {reason}"));
    }
    if p.secret {
        notes.push("Secret: never shown by `Debug`.".to_owned());
    }
    if !notes.is_empty() {
        doc.push_str("\n\n");
        doc.push_str(&notes.join(" "));
    }
    doc_comment(&doc, "    ")
}

/// Per-value descriptions from the `| Wartość | Opis |` table many enum descriptions carry.
fn value_docs(description: Option<&str>, values: &[String]) -> HashMap<String, String> {
    let mut out = HashMap::new();
    let Some(text) = description else { return out };
    for line in text.lines() {
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        if cells.len() >= 4 && cells.first() == Some(&"") {
            let key = cells[1].trim_matches('`');
            if values.iter().any(|v| v == key) && !cells[2].is_empty() {
                out.insert(key.to_owned(), cells[2].to_owned());
            }
        }
    }
    out
}

fn render_enum(d: &TypeDef, values: &[String]) -> String {
    let name = &d.name;
    let mut out = type_doc(d);
    let variants: Vec<String> = dedupe_variants(values);
    let catch_all = if variants.iter().any(|v| v == "Unknown") {
        "UnknownValue"
    } else {
        "Unknown"
    };
    let docs = value_docs(d.description.as_deref(), values);
    out.push_str("#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]\n");
    let _ = writeln!(out, "pub enum {name} {{");
    for (v, value) in variants.iter().zip(values) {
        let doc = match docs.get(value) {
            Some(text) => format!("`{value}`: {text}"),
            None => format!("`{value}`"),
        };
        out.push_str(&doc_comment(&doc, "    "));
        let _ = writeln!(out, "    {v},");
    }
    out.push_str("    /// A value this version of the model does not know, kept as received.\n");
    let _ = writeln!(out, "    {catch_all}(String),");
    out.push_str("}\n\n");
    let _ = writeln!(
        out,
        "impl crate::rt::Validate for {name} {{\n    fn validate_at(&self, pointer: &str, out: &mut Vec<crate::rt::Invalid>) {{\n        // The service reads enumerations regardless of case (the spec's own examples send\n        // `nip`): only a value that matches no known one in any case is refused.\n        if let Self::{catch_all}(value) = self\n            && !Self::KNOWN.iter().any(|k| k.eq_ignore_ascii_case(value))\n        {{\n            out.push(crate::rt::Invalid {{ pointer: pointer.to_owned(), rule: crate::rt::Rule::Enumeration, reason: format!(\"{{value:?}} is not one of: {{}}\", Self::KNOWN.join(\", \")) }});\n        }}\n    }}\n}}\n"
    );
    let _ = writeln!(out, "impl {name} {{");
    out.push_str("    /// Every value this version of the model knows, as sent on the wire.\n");
    let list: Vec<String> = values.iter().map(|v| lit(v)).collect();
    let _ = writeln!(
        out,
        "    pub const KNOWN: &'static [&'static str] = &[{}];",
        list.join(", ")
    );
    out.push_str("\n    /// The value as sent on the wire.\n");
    out.push_str("    pub fn as_str(&self) -> &str {\n        match self {\n");
    for (v, value) in variants.iter().zip(values) {
        let _ = writeln!(out, "            Self::{v} => {},", lit(value));
    }
    let _ = writeln!(out, "            Self::{catch_all}(value) => value,");
    out.push_str("        }\n    }\n\n");
    out.push_str("    /// Whether the value is one this version of the model knows.\n");
    let _ = writeln!(
        out,
        "    pub fn is_known(&self) -> bool {{\n        !matches!(self, Self::{catch_all}(_))\n    }}\n}}\n"
    );
    let _ = writeln!(out, "impl From<&str> for {name} {{");
    out.push_str("    fn from(value: &str) -> Self {\n        match value {\n");
    for (v, value) in variants.iter().zip(values) {
        let _ = writeln!(out, "            {} => Self::{v},", lit(value));
    }
    let _ = writeln!(
        out,
        "            other => Self::{catch_all}(other.to_owned()),"
    );
    out.push_str("        }\n    }\n}\n\n");
    let _ = writeln!(
        out,
        "impl From<String> for {name} {{\n    fn from(value: String) -> Self {{\n        Self::from(value.as_str())\n    }}\n}}\n"
    );
    let _ = writeln!(
        out,
        "impl std::str::FromStr for {name} {{\n    type Err = std::convert::Infallible;\n\n    fn from_str(value: &str) -> Result<Self, Self::Err> {{\n        Ok(Self::from(value))\n    }}\n}}\n"
    );
    let _ = writeln!(
        out,
        "impl std::fmt::Display for {name} {{\n    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {{\n        f.write_str(self.as_str())\n    }}\n}}\n"
    );
    let _ = writeln!(
        out,
        "impl serde::Serialize for {name} {{\n    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {{\n        s.serialize_str(self.as_str())\n    }}\n}}\n"
    );
    let _ = writeln!(
        out,
        "impl<'de> serde::Deserialize<'de> for {name} {{\n    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {{\n        let value = std::borrow::Cow::<'de, str>::deserialize(d)?;\n        Ok(Self::from(value.as_ref()))\n    }}\n}}\n"
    );
    let _ = writeln!(
        out,
        "impl crate::rt::ToParam for {name} {{\n    fn to_param(&self) -> String {{\n        self.as_str().to_owned()\n    }}\n}}"
    );
    out
}

fn dedupe_variants(values: &[String]) -> Vec<String> {
    let mut seen = std::collections::HashSet::new();
    values
        .iter()
        .map(|v| {
            let base = pascal(v);
            let mut name = base.clone();
            let mut i = 2;
            while !seen.insert(name.clone()) {
                name = format!("{base}{i}");
                i += 1;
            }
            name
        })
        .collect()
}

fn render_newtype(d: &TypeDef, c: &StrConstraints) -> String {
    if let Some(path) = &c.external {
        return render_identifier(d, c, path);
    }
    let name = &d.name;
    let upper = snake(name).trim_start_matches("r#").to_ascii_uppercase();
    let mut out = type_doc(d);
    let rules = constraint_rules(c);
    out.push_str("///\n");
    if rules.is_empty() {
        out.push_str(
            "/// Unconstrained text; a distinct type so that values cannot be mixed up.\n",
        );
    } else {
        let _ = writeln!(
            out,
            "/// Constraints (checked by [`{name}::new`], not when decoding a response): {}.",
            rules.join("; ")
        );
    }
    out.push_str("#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]\n#[serde(transparent)]\n");
    let _ = writeln!(out, "pub struct {name}(String);\n");
    out.push_str(&constraint_statics(name, &upper, c));
    let _ = writeln!(out, "impl {name} {{");
    out.push_str("    /// Creates a value after checking the spec's constraints.\n");
    out.push_str("    pub fn new(value: impl Into<String>) -> Result<Self, crate::rt::ConstraintError> {\n        let value = value.into();\n");
    let _ = writeln!(
        out,
        "        {upper}_CONSTRAINTS.check(&value)?;\n        Ok(Self(value))\n    }}\n"
    );
    out.push_str(
        "    /// Wraps a value without checking it (for values that come from the server).\n",
    );
    out.push_str("    pub fn new_unchecked(value: impl Into<String>) -> Self {\n        Self(value.into())\n    }\n\n");
    out.push_str("    /// Checks the value against the spec's constraints.\n");
    let _ = writeln!(
        out,
        "    pub fn validate(&self) -> Result<(), crate::rt::ConstraintError> {{\n        {upper}_CONSTRAINTS.check(&self.0)\n    }}\n"
    );
    out.push_str(
        "    /// The text.\n    pub fn as_str(&self) -> &str {\n        &self.0\n    }\n\n",
    );
    out.push_str("    /// Consumes the value and returns the text.\n    pub fn into_string(self) -> String {\n        self.0\n    }\n");
    if c.byte {
        out.push_str("\n    /// Encodes binary data as base64 and checks the result against the constraints.\n");
        out.push_str("    pub fn encode(bytes: impl AsRef<[u8]>) -> Result<Self, crate::rt::ConstraintError> {\n        Self::new(crate::rt::Base64Data::encode(bytes).into_string())\n    }\n\n");
        out.push_str("    /// Decodes the base64 text.\n    pub fn decode(&self) -> Result<Vec<u8>, crate::rt::Base64Error> {\n        crate::rt::base64::decode_str(&self.0)\n    }\n");
    }
    out.push_str("}\n\n");
    let _ = writeln!(
        out,
        "impl std::fmt::Display for {name} {{\n    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {{\n        f.write_str(&self.0)\n    }}\n}}\n"
    );
    let _ = writeln!(
        out,
        "impl AsRef<str> for {name} {{\n    fn as_ref(&self) -> &str {{\n        &self.0\n    }}\n}}\n"
    );
    let _ = writeln!(
        out,
        "impl std::str::FromStr for {name} {{\n    type Err = crate::rt::ConstraintError;\n\n    fn from_str(value: &str) -> Result<Self, Self::Err> {{\n        Self::new(value)\n    }}\n}}\n"
    );
    let _ = writeln!(
        out,
        "impl TryFrom<String> for {name} {{\n    type Error = crate::rt::ConstraintError;\n\n    fn try_from(value: String) -> Result<Self, Self::Error> {{\n        Self::new(value)\n    }}\n}}\n"
    );
    let _ = writeln!(
        out,
        "impl TryFrom<&str> for {name} {{\n    type Error = crate::rt::ConstraintError;\n\n    fn try_from(value: &str) -> Result<Self, Self::Error> {{\n        Self::new(value)\n    }}\n}}\n"
    );
    let _ = writeln!(
        out,
        "impl crate::rt::ToParam for {name} {{\n    fn to_param(&self) -> String {{\n        self.0.clone()\n    }}\n}}"
    );
    let _ = writeln!(
        out,
        "\nimpl crate::rt::Validate for {name} {{\n    fn validate_at(&self, pointer: &str, out: &mut Vec<crate::rt::Invalid>) {{\n        if let Err(e) = self.validate() {{\n            out.push(crate::rt::Invalid {{ pointer: pointer.to_owned(), rule: crate::rt::Rule::Pattern, reason: e.reason }});\n        }}\n    }}\n}}"
    );
    out
}

/// The spec's constraints of a string schema, in words.
fn constraint_rules(c: &StrConstraints) -> Vec<String> {
    let mut rules = Vec::new();
    if let Some(min) = c.min {
        rules.push(format!("at least {min} characters"));
    }
    if let Some(max) = c.max {
        rules.push(format!("at most {max} characters"));
    }
    if let Some(p) = &c.pattern {
        rules.push(format!("matches `{p}`"));
    }
    if c.byte {
        rules.push("base64 text of binary data".to_owned());
    }
    rules
}

/// The `{UPPER}_PATTERN` and `{UPPER}_CONSTRAINTS` statics of a string schema.
fn constraint_statics(name: &str, upper: &str, c: &StrConstraints) -> String {
    let opt = |v: Option<u64>| match v {
        Some(v) => format!("Some({v})"),
        None => "None".to_owned(),
    };
    let pattern = match &c.pattern {
        Some(p) => format!("Some({})", lit(p)),
        None => "None".to_owned(),
    };
    format!(
        "static {upper}_PATTERN: std::sync::OnceLock<Option<regex_lite::Regex>> = std::sync::OnceLock::new();\nstatic {upper}_CONSTRAINTS: crate::rt::constrained::StringConstraints = crate::rt::constrained::StringConstraints {{ type_name: {}, min_length: {}, max_length: {}, pattern: {pattern}, compiled: &{upper}_PATTERN }};\n\n",
        lit(name),
        opt(c.min),
        opt(c.max)
    )
}

/// A string schema whose type is another crate's (an identifier of `ksef-ids`, see the override
/// file): re-exported, with the spec's constraints for `Validate` and `SpecConstrained`.
fn render_identifier(d: &TypeDef, c: &StrConstraints, path: &str) -> String {
    let name = &d.name;
    let upper = snake(name).trim_start_matches("r#").to_ascii_uppercase();
    let mut out = type_doc(d);
    let _ = writeln!(
        out,
        "///\n/// The identifier type [`{path}`]: `{name}::new`/`parse` check its own rules (check digits, embedded dates), which imply the spec's constraints ({}); decoding a response does not check. `Validate` checks both.\n#[doc(inline)]\npub use {path};\n",
        constraint_rules(c).join("; ")
    );
    out.push_str(&constraint_statics(name, &upper, c));
    let _ = writeln!(
        out,
        "impl crate::rt::SpecConstrained for {name} {{\n    fn spec_constraints() -> &'static crate::rt::constrained::StringConstraints {{\n        &{upper}_CONSTRAINTS\n    }}\n}}\n"
    );
    let _ = writeln!(
        out,
        "impl crate::rt::ToParam for {name} {{\n    fn to_param(&self) -> String {{\n        self.as_str().to_owned()\n    }}\n}}\n"
    );
    let _ = writeln!(
        out,
        "impl crate::rt::Validate for {name} {{\n    fn validate_at(&self, pointer: &str, out: &mut Vec<crate::rt::Invalid>) {{\n        crate::rt::constrained::validate_identifier(&{upper}_CONSTRAINTS, self.as_str(), self.validate(), pointer, out);\n    }}\n}}"
    );
    out
}
