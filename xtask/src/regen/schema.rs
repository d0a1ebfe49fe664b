//! Resolving spec schemas to Rust types, and the inline types that resolution discovers.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde_json::{Map, Value};

use super::naming::pascal;

/// A resolved Rust type of a property, parameter or body.
#[derive(Debug, Clone, PartialEq)]
pub enum Ty {
    /// A generated type (component schema or inline type), by Rust name.
    Named(String),
    /// `String`
    Str,
    /// `i32`
    I32,
    /// `i64`
    I64,
    /// `f64`
    F64,
    /// `bool`
    Bool,
    /// `time::OffsetDateTime`
    DateTime,
    /// `time::Date`
    Date,
    /// `Base64Data`
    Base64,
    /// `Vec<T>`
    Vec(Box<Ty>),
    /// `BTreeMap<String, T>`
    Map(Box<Ty>),
    /// `Option<T>` inside a container (nullable map values or array items).
    Nullable(Box<Ty>),
    /// `serde_json::Value` (free-form or not representable).
    Json,
}

impl Ty {
    /// The Rust spelling, relative to the `types` module.
    pub fn rust(&self) -> String {
        match self {
            Ty::Named(n) => n.clone(),
            Ty::Str => "String".into(),
            Ty::I32 => "i32".into(),
            Ty::I64 => "i64".into(),
            Ty::F64 => "f64".into(),
            Ty::Bool => "bool".into(),
            Ty::DateTime => "time::OffsetDateTime".into(),
            Ty::Date => "time::Date".into(),
            Ty::Base64 => "crate::rt::Base64Data".into(),
            Ty::Vec(t) => format!("Vec<{}>", t.rust()),
            Ty::Map(t) => format!("std::collections::BTreeMap<String, {}>", t.rust()),
            Ty::Nullable(t) => format!("Option<{}>", t.rust()),
            Ty::Json => "serde_json::Value".into(),
        }
    }

    /// Same, spelled from the `operations` module.
    pub fn rust_from_ops(&self) -> String {
        match self {
            Ty::Named(n) => format!("types::{n}"),
            Ty::Vec(t) => format!("Vec<{}>", t.rust_from_ops()),
            Ty::Map(t) => format!("std::collections::BTreeMap<String, {}>", t.rust_from_ops()),
            Ty::Nullable(t) => format!("Option<{}>", t.rust_from_ops()),
            other => other.rust(),
        }
    }

    /// The serde `with` adapter a field of this type needs, if any.
    pub fn serde_with(&self, optional: bool) -> Option<&'static str> {
        match (self, optional) {
            (Ty::DateTime, false) => Some("crate::rt::datetime::date_time"),
            (Ty::DateTime, true) => Some("crate::rt::datetime::date_time::option"),
            (Ty::Date, false) => Some("crate::rt::datetime::date"),
            (Ty::Date, true) => Some("crate::rt::datetime::date::option"),
            _ => None,
        }
    }

    /// Whether the type contains a float (which rules out `Eq`).
    pub fn has_float(&self, kinds: &HashMap<String, bool>) -> bool {
        match self {
            Ty::F64 | Ty::Json => true,
            Ty::Named(n) => kinds.get(n).copied().unwrap_or(true),
            Ty::Vec(t) | Ty::Map(t) | Ty::Nullable(t) => t.has_float(kinds),
            _ => false,
        }
    }
}

/// String constraints of a newtype.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct StrConstraints {
    pub min: Option<u64>,
    pub max: Option<u64>,
    pub pattern: Option<String>,
    pub byte: bool,
    /// The type of another crate that stands for this schema (see [`Overrides::identifiers`]).
    pub external: Option<String>,
}

/// A type definition to be rendered.
#[derive(Debug, Clone)]
pub enum Def {
    Struct { props: Vec<Prop> },
    Enum { values: Vec<String> },
    Newtype { constraints: StrConstraints },
    Alias { target: Ty },
}

/// One property of a struct.
#[derive(Debug, Clone)]
pub struct Prop {
    pub wire: String,
    pub ty: Ty,
    pub required: bool,
    pub nullable: bool,
    pub description: Option<String>,
    pub deprecated: bool,
    pub default: Option<Value>,
    pub lenient_reason: Option<String>,
    pub secret: bool,
    pub constraints: Vec<String>,
    /// The constraints `validate()` checks on the field itself (the field's type checks its own).
    pub checks: Checks,
}

/// Field-level constraints of a property, as `validate()` checks them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Checks {
    /// `minLength`/`maxLength` of a plain string field.
    pub length: (Option<u64>, Option<u64>),
    /// `minItems`/`maxItems` of an array field.
    pub items: (Option<u64>, Option<u64>),
    /// `minimum`/`maximum` of a number field, each with whether it is exclusive.
    pub minimum: Option<(f64, bool)>,
    /// See [`Checks::minimum`].
    pub maximum: Option<(f64, bool)>,
}

impl Checks {
    fn of(prop: &Value) -> Self {
        let uint = |k: &str| prop.get(k).and_then(Value::as_u64);
        let bound = |k: &str, exclusive: &str| {
            let value = prop.get(k).and_then(Value::as_f64);
            // OpenAPI 3.0 spells an exclusive bound as a flag; JSON Schema as the number.
            match prop.get(exclusive) {
                Some(Value::Bool(true)) => value.map(|v| (v, true)),
                Some(Value::Number(n)) => n.as_f64().map(|v| (v, true)),
                _ => value.map(|v| (v, false)),
            }
        };
        Self {
            length: (uint("minLength"), uint("maxLength")),
            items: (uint("minItems"), uint("maxItems")),
            minimum: bound("minimum", "exclusiveMinimum"),
            maximum: bound("maximum", "exclusiveMaximum"),
        }
    }
}

/// A named type: a component schema or an inline type discovered while resolving.
#[derive(Debug, Clone)]
pub struct TypeDef {
    pub name: String,
    pub description: Option<String>,
    pub deprecated: bool,
    pub def: Def,
    /// The component schema name (None for inline types).
    pub schema: Option<String>,
}

/// Per-spec knowledge that the spec itself does not carry (see `crates/ksef-model/regen-overrides.json`).
#[derive(Debug, Default)]
pub struct Overrides {
    /// `(schema, property)` → reason: spec-required properties the server is known to omit.
    pub lenient_required: BTreeMap<(String, String), String>,
    /// `(schema, property)` of secret values to keep out of `Debug`, besides properties named `token`.
    pub secret: HashSet<(String, String)>,
    /// English names of the spec's exception and status codes.
    pub codes: super::codes::CodeNames,
    /// `(from, into)` schema pairs to generate `From` conversions for.
    pub conversions: Vec<(String, String)>,
    /// String schemas whose type lives in another crate (schema → Rust path, e.g.
    /// `ksef_ids::Nip`): re-exported, with the spec's constraints checked by `Validate` on top
    /// of the type's own rules.
    pub identifiers: BTreeMap<String, String>,
}

/// Resolution state.
pub struct Resolver<'a> {
    pub schemas: &'a Map<String, Value>,
    pub overrides: &'a Overrides,
    pub defs: Vec<TypeDef>,
    /// Inline string constraints already turned into a type → its name.
    inline_strings: HashMap<String, String>,
    pub used: HashSet<String>,
    pub warnings: Vec<String>,
    /// Overrides actually applied (to report stale ones).
    pub applied: HashSet<(String, String)>,
}

impl<'a> Resolver<'a> {
    pub fn new(schemas: &'a Map<String, Value>, overrides: &'a Overrides) -> Self {
        let used = schemas.keys().map(|k| type_name(k)).collect();
        Self {
            schemas,
            overrides,
            defs: Vec::new(),
            inline_strings: HashMap::new(),
            used,
            warnings: Vec::new(),
            applied: HashSet::new(),
        }
    }

    /// Builds the definitions of every component schema, in spec order.
    pub fn build_components(&mut self) -> Result<(), String> {
        for (name, schema) in self.schemas {
            let def = self.component(name, schema)?;
            self.defs.push(def);
        }
        Ok(())
    }

    fn component(&mut self, name: &str, schema: &Value) -> Result<TypeDef, String> {
        let rust_name = type_name(name);
        let description = str_of(schema, "description");
        let deprecated = schema.get("deprecated").and_then(Value::as_bool) == Some(true);
        let def = self.definition(&rust_name, Some(name), schema)?;
        Ok(TypeDef {
            name: rust_name,
            description,
            deprecated,
            def,
            schema: Some(name.to_owned()),
        })
    }

    fn definition(
        &mut self,
        rust_name: &str,
        schema_name: Option<&str>,
        schema: &Value,
    ) -> Result<Def, String> {
        if let Some(values) = schema.get("enum").and_then(Value::as_array) {
            let values = values
                .iter()
                .map(|v| match v {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                })
                .collect();
            return Ok(Def::Enum { values });
        }
        let ty = schema.get("type").and_then(Value::as_str);
        let has_props = schema.get("properties").is_some();
        if ty == Some("object") || has_props {
            if has_props {
                return Ok(Def::Struct {
                    props: self.properties(rust_name, schema_name, schema)?,
                });
            }
            let target = self.resolve(schema, rust_name, "value")?;
            return Ok(Def::Alias { target });
        }
        if ty == Some("string")
            && !matches!(
                schema.get("format").and_then(Value::as_str),
                Some("date-time") | Some("date")
            )
        {
            let mut constraints = string_constraints(schema);
            constraints.external =
                schema_name.and_then(|n| self.overrides.identifiers.get(n).cloned());
            return Ok(Def::Newtype { constraints });
        }
        let target = self.resolve(schema, rust_name, "value")?;
        Ok(Def::Alias { target })
    }

    fn properties(
        &mut self,
        parent: &str,
        schema_name: Option<&str>,
        schema: &Value,
    ) -> Result<Vec<Prop>, String> {
        let required: HashSet<&str> = schema
            .get("required")
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        let Some(props) = schema.get("properties").and_then(Value::as_object) else {
            return Ok(Vec::new());
        };
        let mut out = Vec::new();
        for (wire, prop) in props {
            let ty = self.resolve(prop, parent, wire)?;
            let key = (schema_name.unwrap_or(parent).to_owned(), wire.clone());
            let lenient_reason = self.overrides.lenient_required.get(&key).cloned();
            if lenient_reason.is_some() {
                self.applied.insert(key.clone());
            }
            let secret = wire == "token" || self.overrides.secret.contains(&key);
            if self.overrides.secret.contains(&key) {
                self.applied.insert(key.clone());
            }
            out.push(Prop {
                wire: wire.clone(),
                ty,
                required: required.contains(wire.as_str()) && lenient_reason.is_none(),
                nullable: prop.get("nullable").and_then(Value::as_bool) == Some(true),
                description: str_of(prop, "description"),
                deprecated: prop.get("deprecated").and_then(Value::as_bool) == Some(true),
                default: prop.get("default").cloned(),
                lenient_reason,
                secret,
                constraints: describe_constraints(prop),
                checks: Checks::of(prop),
            });
        }
        Ok(out)
    }

    /// Resolves a (property, parameter or body) schema to a type. `parent` and `field` name
    /// inline types.
    pub fn resolve(&mut self, schema: &Value, parent: &str, field: &str) -> Result<Ty, String> {
        if let Some(r) = schema.get("$ref").and_then(Value::as_str) {
            return self.reference(r);
        }
        if let Some(all) = schema.get("allOf").and_then(Value::as_array) {
            if all.len() == 1 {
                return self.resolve(&all[0], parent, field);
            }
            self.warnings.push(format!(
                "{parent}.{field}: allOf with {} members is not supported; using serde_json::Value",
                all.len()
            ));
            return Ok(Ty::Json);
        }
        for combinator in ["oneOf", "anyOf"] {
            if schema.get(combinator).is_some() {
                self.warnings.push(format!(
                    "{parent}.{field}: {combinator} is not supported; using serde_json::Value"
                ));
                return Ok(Ty::Json);
            }
        }
        let format = schema.get("format").and_then(Value::as_str);
        match schema.get("type").and_then(Value::as_str) {
            Some("string") => {
                if schema.get("enum").is_some() {
                    let name = self.fresh_name(&format!("{parent}{}", pascal(field)));
                    let def = self.definition(&name, None, schema)?;
                    self.push_inline(&name, schema, def);
                    return Ok(Ty::Named(name));
                }
                match format {
                    Some("date-time") => Ok(Ty::DateTime),
                    Some("date") => Ok(Ty::Date),
                    Some("byte") if schema.get("pattern").is_none() => Ok(Ty::Base64),
                    _ if schema.get("pattern").is_some() => {
                        Ok(Ty::Named(self.inline_string(schema, parent, field)))
                    }
                    _ => Ok(Ty::Str),
                }
            }
            Some("integer") => Ok(match format {
                Some("int32") => Ty::I32,
                _ => Ty::I64,
            }),
            Some("number") => Ok(Ty::F64),
            Some("boolean") => Ok(Ty::Bool),
            Some("array") => {
                let items = schema.get("items").cloned().unwrap_or(Value::Null);
                let item_field = singular(field);
                let mut item = self.resolve(&items, parent, &item_field)?;
                if items.get("nullable").and_then(Value::as_bool) == Some(true) {
                    item = Ty::Nullable(Box::new(item));
                }
                Ok(Ty::Vec(Box::new(item)))
            }
            Some("object") | None if schema.get("properties").is_some() => {
                let name = self.fresh_name(&format!("{parent}{}", pascal(field)));
                let props = self.properties(&name, None, schema)?;
                self.push_inline(&name, schema, Def::Struct { props });
                Ok(Ty::Named(name))
            }
            Some("object") => match schema.get("additionalProperties") {
                Some(Value::Object(ap)) => {
                    let ap_value = Value::Object(ap.clone());
                    let mut inner = if ap.get("type").is_none() && ap.get("$ref").is_none() {
                        Ty::Json
                    } else {
                        self.resolve(&ap_value, parent, &format!("{field}Value"))?
                    };
                    if ap.get("nullable").and_then(Value::as_bool) == Some(true)
                        && inner != Ty::Json
                    {
                        inner = Ty::Nullable(Box::new(inner));
                    }
                    Ok(Ty::Map(Box::new(inner)))
                }
                _ => Ok(Ty::Map(Box::new(Ty::Json))),
            },
            _ => Ok(Ty::Json),
        }
    }

    fn reference(&self, r: &str) -> Result<Ty, String> {
        let name = r
            .strip_prefix("#/components/schemas/")
            .ok_or_else(|| format!("unsupported $ref {r:?} (only #/components/schemas/… is)"))?;
        if !self.schemas.contains_key(name) {
            return Err(format!("$ref {r:?} points to a schema that does not exist"));
        }
        Ok(Ty::Named(type_name(name)))
    }

    /// A newtype for an inline patterned string; equal constraints share one type, named after
    /// the first field that uses them.
    fn inline_string(&mut self, schema: &Value, parent: &str, field: &str) -> String {
        let constraints = string_constraints(schema);
        let key = format!("{constraints:?}");
        if let Some(name) = self.inline_strings.get(&key) {
            return name.clone();
        }
        let base = pascal(field);
        let name = if self.used.contains(&base) {
            self.fresh_name(&format!("{parent}{base}"))
        } else {
            self.used.insert(base.clone());
            base
        };
        self.inline_strings.insert(key, name.clone());
        self.push_inline(&name, schema, Def::Newtype { constraints });
        name
    }

    fn push_inline(&mut self, name: &str, schema: &Value, def: Def) {
        self.defs.push(TypeDef {
            name: name.to_owned(),
            description: str_of(schema, "description"),
            deprecated: false,
            def,
            schema: None,
        });
    }

    fn fresh_name(&mut self, base: &str) -> String {
        let mut name = base.to_owned();
        let mut i = 2;
        while self.used.contains(&name) {
            name = format!("{base}{i}");
            i += 1;
        }
        self.used.insert(name.clone());
        name
    }
}

/// The name for the items of an array field: a simple English singular (`ip4Addresses` →
/// `ip4Address`, `certificateSerialNumbers` → `certificateSerialNumber`), else `{field}Item`.
fn singular(field: &str) -> String {
    if let Some(stem) = field.strip_suffix("sses") {
        format!("{stem}ss")
    } else if let Some(stem) = field
        .strip_suffix('s')
        .filter(|s| !s.ends_with('s') && !s.is_empty())
    {
        stem.to_owned()
    } else {
        format!("{field}Item")
    }
}

/// The Rust name of a component schema: kept as written when it is already a valid type name.
pub fn type_name(schema: &str) -> String {
    let valid = schema.starts_with(|c: char| c.is_ascii_uppercase())
        && schema.chars().all(|c| c.is_ascii_alphanumeric());
    if valid {
        schema.to_owned()
    } else {
        pascal(schema)
    }
}

pub fn str_of(v: &Value, key: &str) -> Option<String> {
    v.get(key)
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

fn string_constraints(schema: &Value) -> StrConstraints {
    StrConstraints {
        min: schema.get("minLength").and_then(Value::as_u64),
        max: schema.get("maxLength").and_then(Value::as_u64),
        pattern: schema
            .get("pattern")
            .and_then(Value::as_str)
            .map(str::to_owned),
        byte: schema.get("format").and_then(Value::as_str) == Some("byte"),
        external: None,
    }
}

/// Human-readable constraints for the field documentation.
fn describe_constraints(prop: &Value) -> Vec<String> {
    let mut out = Vec::new();
    let num = |k: &str| prop.get(k).and_then(Value::as_f64);
    if let Some(v) = prop.get("minLength").and_then(Value::as_u64) {
        out.push(format!("length ≥ {v}"));
    }
    if let Some(v) = prop.get("maxLength").and_then(Value::as_u64) {
        out.push(format!("length ≤ {v}"));
    }
    if let Some(v) = num("minimum") {
        out.push(format!("≥ {v}"));
    }
    if let Some(v) = num("maximum") {
        out.push(format!("≤ {v}"));
    }
    if let Some(v) = prop.get("minItems").and_then(Value::as_u64) {
        out.push(format!("items ≥ {v}"));
    }
    if let Some(v) = prop.get("maxItems").and_then(Value::as_u64) {
        out.push(format!("items ≤ {v}"));
    }
    out
}
