//! Renders the schema model as Rust: one struct per complex type (named or anonymous), one enum
//! per choice and per enumerated simple type, each with generated XML reading, writing and
//! facet validation against the runtime in `ksef_invoice::rt`.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use super::schema::{Complex, Content, Element, Particle, Prim, Schema, Simple, Term, TypeRef, Ws};

const KEYWORDS: &[&str] = &[
    "as", "break", "const", "continue", "crate", "else", "enum", "extern", "false", "fn", "for",
    "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut", "pub", "ref", "return",
    "self", "static", "struct", "super", "trait", "true", "type", "unsafe", "use", "where",
    "while", "async", "await", "dyn", "abstract", "become", "box", "do", "final", "macro",
    "override", "priv", "typeof", "unsized", "virtual", "yield", "try", "gen",
];

pub fn snake(name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    let mut out = String::new();
    for (i, &c) in chars.iter().enumerate() {
        if c == '_' || c == '-' || c == ' ' {
            if !out.ends_with('_') && !out.is_empty() {
                out.push('_');
            }
            continue;
        }
        if c.is_uppercase() && i > 0 {
            let prev = chars[i - 1];
            let next_lower = chars.get(i + 1).is_some_and(|n| n.is_lowercase());
            if (prev.is_lowercase() || prev.is_ascii_digit() || (prev.is_uppercase() && next_lower))
                && !out.ends_with('_')
            {
                out.push('_');
            }
        }
        out.extend(c.to_lowercase());
    }
    let out = ascii_fold(&out);
    if KEYWORDS.contains(&out.as_str()) {
        format!("r#{out}")
    } else {
        out
    }
}

fn ascii_fold(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            'ą' => 'a',
            'ć' => 'c',
            'ę' => 'e',
            'ł' => 'l',
            'ń' => 'n',
            'ó' => 'o',
            'ś' => 's',
            'ź' | 'ż' => 'z',
            'Ą' => 'A',
            'Ć' => 'C',
            'Ę' => 'E',
            'Ł' => 'L',
            'Ń' => 'N',
            'Ó' => 'O',
            'Ś' => 'S',
            'Ź' | 'Ż' => 'Z',
            c => c,
        })
        .collect()
}

pub fn camel(name: &str) -> String {
    let mut out = String::new();
    let mut up = true;
    for c in ascii_fold(name).chars() {
        if !c.is_ascii_alphanumeric() {
            up = true;
            continue;
        }
        if up {
            out.extend(c.to_uppercase());
            up = false;
        } else {
            out.push(c);
        }
    }
    if out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert(0, 'V');
    }
    out
}

fn variant_name(value: &str) -> String {
    let mut out = String::new();
    for part in ascii_fold(value).split(|c: char| !c.is_ascii_alphanumeric()) {
        let mut cs = part.chars();
        if let Some(f) = cs.next() {
            out.extend(f.to_uppercase());
            out.extend(cs.flat_map(char::to_lowercase));
        }
    }
    if out.is_empty() {
        out.push_str("Empty");
    }
    if out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert(0, 'V');
    }
    out
}

fn type_name_of_named(name: &str) -> String {
    let mut cs = name.chars();
    let stripped = match (cs.next(), cs.next()) {
        (Some('T'), Some(c)) if c.is_uppercase() => &name[1..],
        _ => name,
    };
    camel(stripped)
}

/// Escapes text for rustdoc (no links, no HTML, no emphasis).
pub fn doc_text(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        if matches!(c, '[' | ']' | '<' | '>' | '*' | '`' | '\\' | '_' | '#') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

fn doc_lines(out: &mut String, doc: Option<&str>, fallback: &str) {
    let text = doc.map(doc_text).unwrap_or_else(|| fallback.to_owned());
    let _ = writeln!(out, "/// {text}");
}

fn lit(s: &str) -> String {
    format!("{s:?}")
}

/// Everything needed to render one Rust item.
enum Item {
    Struct {
        name: String,
        doc: String,
        cx: usize,
    },
    Group {
        name: String,
        doc: String,
        particles: Vec<Particle>,
    },
    Choice {
        name: String,
        doc: String,
        branches: Vec<Particle>,
    },
}

/// Rust field/variant of a particle.
struct Slot {
    rust: String,
    ty: String,
    kind: SlotKind,
}

#[allow(clippy::large_enum_variant)]
enum SlotKind {
    Element {
        el: Element,
        min: u32,
        max: Option<u32>,
        facets: Option<String>,
        complex: bool,
    },
    Choice {
        first: Vec<String>,
        nullable: bool,
        min: u32,
    },
    Group {
        first: Vec<String>,
        min: u32,
    },
}

pub struct Renderer<'s> {
    schema: &'s Schema,
    used: BTreeSet<String>,
    complex_names: BTreeMap<usize, String>,
    items: Vec<Item>,
    enums: BTreeMap<String, (String, Simple)>,
    anon_enum_count: BTreeMap<String, usize>,
    facets: BTreeMap<String, String>,
    out: String,
}

fn first_set(particles: &[Particle]) -> (Vec<String>, bool) {
    let mut first = Vec::new();
    for p in particles {
        let (f, nullable) = particle_first(p);
        first.extend(f);
        if !nullable {
            return (first, false);
        }
    }
    (first, true)
}

fn particle_first(p: &Particle) -> (Vec<String>, bool) {
    let (f, nullable) = match &p.term {
        Term::Element(e) => (vec![e.name.clone()], false),
        Term::Sequence(items) => first_set(items),
        Term::Choice(branches) => {
            let mut f = Vec::new();
            let mut nullable = false;
            for b in branches {
                let (bf, bn) = particle_first(b);
                f.extend(bf);
                nullable |= bn;
            }
            (f, nullable)
        }
    };
    (f, nullable || p.min == 0)
}

fn pattern_arm(names: &[String]) -> String {
    names
        .iter()
        .map(|n| format!("Some({})", lit(n)))
        .collect::<Vec<_>>()
        .join(" | ")
}

impl<'s> Renderer<'s> {
    pub fn new(schema: &'s Schema) -> Self {
        Renderer {
            schema,
            used: BTreeSet::new(),
            complex_names: BTreeMap::new(),
            items: Vec::new(),
            enums: BTreeMap::new(),
            anon_enum_count: BTreeMap::new(),
            facets: BTreeMap::new(),
            out: String::new(),
        }
    }

    fn unique(&mut self, preferred: String, owner: Option<&str>) -> String {
        let mut name = preferred.clone();
        if self.used.contains(&name)
            && let Some(o) = owner
        {
            name = format!("{}{}", camel(o), preferred);
        }
        let base = name.clone();
        let mut n = 2;
        while self.used.contains(&name) {
            name = format!("{base}{n}");
            n += 1;
        }
        self.used.insert(name.clone());
        name
    }

    /// `TPodmiot1` becomes `Podmiot1` unless that name is taken, then `TPodmiot1`.
    fn named_type_name(&mut self, xsd_name: &str) -> String {
        let short = type_name_of_named(xsd_name);
        if self.used.insert(short.clone()) {
            short
        } else {
            self.unique(camel(xsd_name), None)
        }
    }

    fn complex_name(&mut self, idx: usize) -> String {
        if let Some(n) = self.complex_names.get(&idx) {
            return n.clone();
        }
        let c: &Complex = &self.schema.complex[idx];
        let name = if c.named {
            // `TPodmiot1` becomes `Podmiot1` unless an element's type already has that name.
            self.named_type_name(&c.name)
        } else {
            let owner = c.owner.clone();
            self.unique(camel(&c.name), owner.as_deref())
        };
        self.complex_names.insert(idx, name.clone());
        let doc = c
            .doc
            .as_deref()
            .map(doc_text)
            .unwrap_or_else(|| format!("Content of the `{}` element.", c.name));
        self.items.push(Item::Struct {
            name: name.clone(),
            doc,
            cx: idx,
        });
        name
    }

    /// Rust type of a simple type; registers its enum when it has one.
    fn simple_type(&mut self, s: &Simple, context: &str) -> String {
        if !s.enums.is_empty() {
            let key = match &s.enum_origin {
                Some(origin) => origin.clone(),
                None => {
                    let n = self.anon_enum_count.entry(context.to_owned()).or_insert(0);
                    *n += 1;
                    format!("{context}#{n}")
                }
            };
            if let Some((name, _)) = self.enums.get(&key) {
                return name.clone();
            }
            let name = match &s.enum_origin {
                Some(origin) => self.named_type_name(origin),
                None => self.unique(camel(context), None),
            };
            self.enums.insert(key, (name.clone(), s.clone()));
            return name;
        }
        match s.prim {
            Prim::Str => "String".into(),
            Prim::Decimal => "crate::Decimal".into(),
            Prim::Integer => "i64".into(),
            Prim::Date => "time::Date".into(),
            Prim::DateTime => "crate::DateTime".into(),
        }
    }

    /// Name of the `Facets` static checking `s` (and `fixed`), or `None` when nothing to check.
    fn facets(&mut self, s: &Simple, fixed: Option<&str>, context: &str) -> Option<String> {
        let is_enum = !s.enums.is_empty();
        let strs = |v: &[String]| {
            format!(
                "&[{}]",
                v.iter().map(|x| lit(x)).collect::<Vec<_>>().join(", ")
            )
        };
        let opt = |v: Option<u32>| match v {
            Some(n) => format!("Some({n})"),
            None => "None".into(),
        };
        let (patterns, length, min_length, max_length) = if is_enum {
            (Vec::new(), None, None, None)
        } else {
            (s.patterns.clone(), s.length, s.min_length, s.max_length)
        };
        let empty = patterns.is_empty()
            && length.is_none()
            && min_length.is_none()
            && max_length.is_none()
            && s.total_digits.is_none()
            && s.fraction_digits.is_none()
            && s.min_inclusive.is_empty()
            && s.max_inclusive.is_empty()
            && s.min_exclusive.is_empty()
            && s.max_exclusive.is_empty()
            && fixed.is_none();
        if empty || (is_enum && fixed.is_none()) {
            return None;
        }
        let (min_i, max_i, min_e, max_e, td, fd) = if is_enum {
            (vec![], vec![], vec![], vec![], None, None)
        } else {
            (
                s.min_inclusive.clone(),
                s.max_inclusive.clone(),
                s.min_exclusive.clone(),
                s.max_exclusive.clone(),
                s.total_digits,
                s.fraction_digits,
            )
        };
        let ws = match s.ws {
            Ws::Preserve => "Preserve",
            Ws::Replace => "Replace",
            Ws::Collapse => "Collapse",
        };
        let pats = format!(
            "&[{}]",
            patterns
                .iter()
                .map(|step| strs(step))
                .collect::<Vec<_>>()
                .join(", ")
        );
        let body = format!(
            "crate::rt::Facets {{ ws: crate::rt::Ws::{ws}, length: {}, min_length: {}, max_length: {}, total_digits: {}, fraction_digits: {}, min_inclusive: {}, max_inclusive: {}, min_exclusive: {}, max_exclusive: {}, patterns: {pats}, fixed: {}, compiled: std::sync::OnceLock::new() }}",
            opt(length),
            opt(min_length),
            opt(max_length),
            opt(td),
            opt(fd),
            strs(&min_i),
            strs(&max_i),
            strs(&min_e),
            strs(&max_e),
            match fixed {
                Some(f) => format!("Some({})", lit(f)),
                None => "None".into(),
            }
        );
        if let Some(name) = self.facets.get(&body) {
            return Some(name.clone());
        }
        let base = match (&s.name, fixed) {
            (Some(n), None) => n.clone(),
            _ => context.to_owned(),
        };
        let mut name = format!("F_{}", snake(&base).trim_start_matches("r#").to_uppercase());
        let mut n = 2;
        while self.facets.values().any(|v| *v == name) {
            name = format!(
                "F_{}_{n}",
                snake(&base).trim_start_matches("r#").to_uppercase()
            );
            n += 1;
        }
        self.facets.insert(body, name.clone());
        Some(name)
    }

    fn element_slot(&mut self, el: &Element, min: u32, max: Option<u32>, owner: &str) -> Slot {
        let (base_ty, facets, complex) = match &el.ty {
            TypeRef::Simple(s) => {
                let ty = self.simple_type(s, &el.name);
                let f = self.facets(s, el.fixed.as_deref(), &el.name);
                (ty, f, false)
            }
            TypeRef::Complex(i) => (self.complex_name(*i), None, true),
        };
        let _ = owner;
        let ty = if max != Some(1) {
            format!("Vec<{base_ty}>")
        } else if min == 0 {
            format!("Option<{base_ty}>")
        } else {
            base_ty
        };
        Slot {
            rust: snake(&el.name),
            ty,
            kind: SlotKind::Element {
                el: el.clone(),
                min,
                max,
                facets,
                complex,
            },
        }
    }

    fn slots(&mut self, particles: &[Particle], owner: &str) -> Vec<Slot> {
        let mut slots = Vec::new();
        for p in particles {
            match &p.term {
                Term::Element(el) => slots.push(self.element_slot(el, p.min, p.max, owner)),
                Term::Sequence(items) if p.min == 1 && p.max == Some(1) => {
                    slots.extend(self.slots(items, owner));
                }
                Term::Sequence(items) => {
                    let (first, _) = first_set(items);
                    let head = first.first().cloned().unwrap_or_default();
                    let name = self.unique(format!("{}{}Group", camel(owner), camel(&head)), None);
                    self.items.push(Item::Group {
                        name: name.clone(),
                        doc: format!("Optional group of `{}` starting with `{head}`.", owner),
                        particles: items.clone(),
                    });
                    slots.push(Slot {
                        rust: format!("{}_group", snake(&head).trim_start_matches("r#")),
                        ty: format!("Option<{name}>"),
                        kind: SlotKind::Group { first, min: p.min },
                    });
                }
                Term::Choice(branches) => {
                    let (first, nullable) = particle_first(p);
                    let heads: Vec<String> = branches
                        .iter()
                        .map(|b| particle_first(b).0.first().cloned().unwrap_or_default())
                        .collect();
                    let preferred = format!(
                        "{}{}",
                        camel(owner),
                        heads
                            .iter()
                            .take(3)
                            .map(|h| camel(h))
                            .collect::<Vec<_>>()
                            .join("Or")
                    );
                    let name = self.unique(preferred, None);
                    self.items.push(Item::Choice {
                        name: name.clone(),
                        doc: format!(
                            "Choice in `{owner}` between {}.",
                            heads
                                .iter()
                                .map(|h| format!("`{h}`"))
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                        branches: branches.clone(),
                    });
                    let rust = heads
                        .iter()
                        .take(3)
                        .map(|h| snake(h).trim_start_matches("r#").to_owned())
                        .collect::<Vec<_>>()
                        .join("_or_");
                    let optional = p.min == 0;
                    slots.push(Slot {
                        rust,
                        ty: if optional {
                            format!("Option<{name}>")
                        } else {
                            name
                        },
                        kind: SlotKind::Choice {
                            first,
                            nullable,
                            min: p.min,
                        },
                    });
                }
            }
        }
        // Disambiguate repeated field names.
        let mut seen = BTreeSet::new();
        for s in &mut slots {
            let base = s.rust.clone();
            let mut n = 2;
            while !seen.insert(s.rust.clone()) {
                s.rust = format!("{base}_{n}");
                n += 1;
            }
        }
        slots
    }

    fn slot_type_inner(ty: &str) -> &str {
        ty.strip_prefix("Vec<")
            .or_else(|| ty.strip_prefix("Option<"))
            .and_then(|t| t.strip_suffix('>'))
            .unwrap_or(ty)
    }

    /// Expression reading a slot from cursor `c` (statements that bind `let <rust> = …;`).
    fn read_slot(s: &Slot) -> String {
        let inner = Self::slot_type_inner(&s.ty);
        match &s.kind {
            SlotKind::Element {
                el,
                min,
                max,
                complex,
                ..
            } => {
                let f = if *complex {
                    format!("|n, cx| {inner}::read_element(n, cx)")
                } else {
                    "|n, cx| crate::rt::read_text(n, cx)".to_owned()
                };
                let method = if *max != Some(1) {
                    "repeated"
                } else if *min == 0 {
                    "optional"
                } else {
                    "required"
                };
                format!("let {} = c.{method}({}, cx, {f})?;", s.rust, lit(&el.name))
            }
            SlotKind::Choice {
                first,
                nullable,
                min,
            } => {
                if *min == 0 {
                    format!(
                        "let {} = if matches!(c.peek(), {}) {{ Some({inner}::read_choice(c, cx)?) }} else {{ None }};",
                        s.rust,
                        pattern_arm(first)
                    )
                } else {
                    let _ = nullable;
                    format!("let {} = {inner}::read_choice(c, cx)?;", s.rust)
                }
            }
            SlotKind::Group { first, .. } => format!(
                "let {} = if matches!(c.peek(), {}) {{ Some({inner}::read_content(c, cx)?) }} else {{ None }};",
                s.rust,
                pattern_arm(first)
            ),
        }
    }

    fn write_slot(s: &Slot, access: &str) -> String {
        match &s.kind {
            SlotKind::Element {
                el,
                max,
                min,
                complex,
                ..
            } => {
                // `v` is a reference, `access` a place.
                let one = |v: &str, is_ref: bool| {
                    if *complex {
                        format!("{v}.write_element({}, w);", lit(&el.name))
                    } else if is_ref {
                        format!("w.leaf({}, {v});", lit(&el.name))
                    } else {
                        format!("w.leaf({}, &{v});", lit(&el.name))
                    }
                };
                if *max != Some(1) {
                    format!("for v in &{access} {{ {} }}", one("v", true))
                } else if *min == 0 {
                    format!("if let Some(v) = &{access} {{ {} }}", one("v", true))
                } else {
                    one(access, false)
                }
            }
            SlotKind::Choice { min, .. } => {
                if *min == 0 {
                    format!("if let Some(v) = &{access} {{ v.write_content(w); }}")
                } else {
                    format!("{access}.write_content(w);")
                }
            }
            SlotKind::Group { .. } => {
                format!("if let Some(v) = &{access} {{ v.write_content(w); }}")
            }
        }
    }

    fn validate_slot(s: &Slot, access: &str) -> String {
        match &s.kind {
            SlotKind::Element {
                el,
                max,
                min,
                facets,
                complex,
            } => {
                let name = lit(&el.name);
                let one = |x: &str| -> String {
                    if *complex {
                        format!(
                            "v.enter({name}); {}.validate_content(v); v.leave();",
                            x.trim_start_matches('&')
                        )
                    } else if let Some(f) = facets {
                        format!("v.value({name}, {x}, &{f});")
                    } else {
                        String::new()
                    }
                };
                if *max != Some(1) {
                    let max = match max {
                        Some(m) => format!("Some({m})"),
                        None => "None".into(),
                    };
                    let each = if *complex {
                        format!("v.enter_index({name}, i); x.validate_content(v); v.leave();")
                    } else if let Some(f) = facets {
                        format!("v.enter_index({name}, i); v.value_here(x, &{f}); v.leave();")
                    } else {
                        String::new()
                    };
                    let mut out = format!("v.occurs({name}, {access}.len(), {min}, {max});");
                    if !each.is_empty() {
                        let _ = write!(
                            out,
                            " for (i, x) in {access}.iter().enumerate() {{ {each} }}"
                        );
                    }
                    out
                } else if *min == 0 {
                    let body = one("x");
                    if body.is_empty() {
                        String::new()
                    } else {
                        format!("if let Some(x) = &{access} {{ {body} }}")
                    }
                } else {
                    one(&format!("&{access}"))
                }
            }
            SlotKind::Choice { min, .. } | SlotKind::Group { min, .. } => {
                if *min == 0 {
                    format!("if let Some(x) = &{access} {{ x.validate_content(v); }}")
                } else {
                    format!("{access}.validate_content(v);")
                }
            }
        }
    }

    fn render_fields(out: &mut String, slots: &[Slot], docs: &[Option<String>]) {
        for (s, d) in slots.iter().zip(docs) {
            let _ = writeln!(out, "/// {}", d.clone().unwrap_or_default());
            let _ = writeln!(out, "pub {}: {},", s.rust, s.ty);
        }
    }

    fn slot_doc(s: &Slot) -> Option<String> {
        Some(match &s.kind {
            SlotKind::Element { el, .. } => {
                let d = el.doc.as_deref().map(doc_text).unwrap_or_default();
                if d.is_empty() {
                    format!("`{}`.", el.name)
                } else {
                    format!("`{}`: {d}", el.name)
                }
            }
            SlotKind::Choice { first, .. } => format!(
                "One of: {}.",
                first
                    .iter()
                    .map(|f| format!("`{f}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            SlotKind::Group { first, .. } => format!(
                "Optional group starting with {}.",
                first
                    .iter()
                    .map(|f| format!("`{f}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        })
    }

    fn render_struct(&mut self, name: &str, doc: &str, idx: usize) {
        let c = self.schema.complex[idx].clone();
        let mut out = String::new();
        let _ = writeln!(out, "/// {doc}");
        let _ = writeln!(out, "#[derive(Debug, Clone, PartialEq)]");
        let _ = writeln!(out, "pub struct {name} {{");
        // Attributes.
        let mut attrs = Vec::new();
        for a in &c.attrs {
            let ty = self.simple_type(&a.ty, &a.name);
            let facets = self.facets(&a.ty, a.fixed.as_deref(), &a.name);
            let mut rust = snake(&a.name);
            if c.attrs.len() > 1 && rust == "value" {
                rust.push_str("_attr");
            }
            let ty = if a.required {
                ty
            } else {
                format!("Option<{ty}>")
            };
            let d = a.doc.as_deref().map(doc_text).unwrap_or_default();
            let _ = writeln!(out, "/// Attribute `{}`. {d}", a.name);
            let _ = writeln!(out, "pub {rust}: {ty},");
            attrs.push((a.clone(), rust, facets));
        }
        let mut read = String::new();
        let mut write_attrs = String::new();
        let mut write_content = String::new();
        let mut validate = String::new();
        let mut fields = Vec::new();
        for (a, rust, facets) in &attrs {
            let n = lit(&a.name);
            if a.required {
                let _ = writeln!(
                    read,
                    "let {rust} = crate::rt::required_attr(node, {n}, cx)?;"
                );
                let _ = writeln!(write_attrs, "w.attr({n}, &self.{rust});");
                if let Some(f) = facets {
                    let _ = writeln!(validate, "v.attr({n}, &self.{rust}, &{f});");
                }
            } else {
                let _ = writeln!(
                    read,
                    "let {rust} = crate::rt::optional_attr(node, {n}, cx)?;"
                );
                let _ = writeln!(
                    write_attrs,
                    "if let Some(x) = &self.{rust} {{ w.attr({n}, x); }}"
                );
                if let Some(f) = facets {
                    let _ = writeln!(
                        validate,
                        "if let Some(x) = &self.{rust} {{ v.attr({n}, x, &{f}); }}"
                    );
                }
            }
            fields.push(rust.clone());
        }
        let text_content = match &c.content {
            Content::Text(s) => Some(s.clone()),
            Content::Elements(_) => None,
        };
        if let Some(s) = &text_content {
            let ty = self.simple_type(s, &c.name);
            let f = self.facets(s, None, &c.name);
            let _ = writeln!(out, "/// The element's text.");
            let _ = writeln!(out, "pub value: {ty},");
            let _ = writeln!(read, "let value = crate::rt::read_text(node, cx)?;");
            let _ = writeln!(write_content, "w.text(&self.value);");
            if let Some(f) = f {
                let _ = writeln!(validate, "v.value_here(&self.value, &{f});");
            }
            fields.push("value".into());
        }
        let slots = match &c.content {
            Content::Elements(ps) => {
                let ps = ps.clone();
                self.slots(&ps, &c.name)
            }
            Content::Text(_) => Vec::new(),
        };
        let docs: Vec<Option<String>> = slots.iter().map(Self::slot_doc).collect();
        Self::render_fields(&mut out, &slots, &docs);
        let _ = writeln!(out, "}}\n");
        for s in &slots {
            let _ = writeln!(read, "{}", Self::read_slot(s));
            let _ = writeln!(
                write_content,
                "{}",
                Self::write_slot(s, &format!("self.{}", s.rust))
            );
            let _ = writeln!(
                validate,
                "{}",
                Self::validate_slot(s, &format!("self.{}", s.rust))
            );
            fields.push(s.rust.clone());
        }
        let has_elements = !slots.is_empty();
        let _ = writeln!(out, "impl {name} {{");
        for (a, rust, _) in &attrs {
            if let Some(fixed) = &a.fixed {
                let _ = writeln!(
                    out,
                    "/// The value the schema fixes for attribute `{}`.\npub const {}_FIXED: &'static str = {};",
                    a.name,
                    rust.trim_start_matches("r#").to_uppercase(),
                    lit(fixed)
                );
            }
        }
        let _ = writeln!(
            out,
            "pub(crate) fn read_element(node: roxmltree::Node<'_, '_>, cx: &mut crate::rt::ReadCx) -> Result<Self, crate::ParseError> {{"
        );
        if text_content.is_some() {
            let _ = writeln!(out, "{read}");
        } else {
            let _ = writeln!(out, "let mut c = crate::rt::Cursor::new(node, cx)?;");
            let _ = writeln!(out, "let c = &mut c;");
            let _ = writeln!(out, "{read}");
            let _ = writeln!(out, "c.end(cx)?;");
        }
        let _ = writeln!(out, "Ok(Self {{ {} }})\n}}", fields.join(", "));
        let _ = writeln!(
            out,
            "pub(crate) fn write_element(&self, name: &str, w: &mut crate::rt::Writer) {{ w.start(name); self.write_attrs(w); {} }}",
            if has_elements || text_content.is_some() {
                "w.close_start(); self.write_content(w); w.end(name);"
            } else {
                "w.close_start(); w.end(name);"
            }
        );
        let _ = writeln!(
            out,
            "#[allow(unused_variables)] pub(crate) fn write_attrs(&self, w: &mut crate::rt::Writer) {{ {write_attrs} }}"
        );
        let _ = writeln!(
            out,
            "#[allow(unused_variables)] pub(crate) fn write_content(&self, w: &mut crate::rt::Writer) {{ {write_content} }}"
        );
        let _ = writeln!(
            out,
            "/// Checks every facet and occurrence constraint of the schema below this element.\n#[allow(unused_variables)] pub(crate) fn validate_content(&self, v: &mut crate::rt::Validator) {{ {validate} }}"
        );
        let _ = writeln!(out, "}}\n");
        self.out.push_str(&out);
    }

    fn render_group(&mut self, name: &str, doc: &str, particles: &[Particle]) {
        let slots = self.slots(particles, name);
        let docs: Vec<Option<String>> = slots.iter().map(Self::slot_doc).collect();
        let mut out = String::new();
        let _ = writeln!(out, "/// {doc}");
        let _ = writeln!(out, "#[derive(Debug, Clone, PartialEq)]");
        let _ = writeln!(out, "pub struct {name} {{");
        Self::render_fields(&mut out, &slots, &docs);
        let _ = writeln!(out, "}}\n");
        let _ = writeln!(out, "impl {name} {{");
        let _ = writeln!(
            out,
            "pub(crate) fn read_content(c: &mut crate::rt::Cursor<'_, '_>, cx: &mut crate::rt::ReadCx) -> Result<Self, crate::ParseError> {{"
        );
        for s in &slots {
            let _ = writeln!(out, "{}", Self::read_slot(s));
        }
        let fields: Vec<String> = slots.iter().map(|s| s.rust.clone()).collect();
        let _ = writeln!(out, "Ok(Self {{ {} }})\n}}", fields.join(", "));
        let _ = writeln!(
            out,
            "pub(crate) fn write_content(&self, w: &mut crate::rt::Writer) {{"
        );
        for s in &slots {
            let _ = writeln!(out, "{}", Self::write_slot(s, &format!("self.{}", s.rust)));
        }
        let _ = writeln!(out, "}}");
        let _ = writeln!(
            out,
            "/// Checks every facet and occurrence constraint of the schema in this group.\npub(crate) fn validate_content(&self, v: &mut crate::rt::Validator) {{"
        );
        for s in &slots {
            let _ = writeln!(
                out,
                "{}",
                Self::validate_slot(s, &format!("self.{}", s.rust))
            );
        }
        let _ = writeln!(out, "}}\n}}\n");
        self.out.push_str(&out);
    }

    fn render_choice(&mut self, name: &str, doc: &str, branches: &[Particle]) {
        let mut out = String::new();
        let _ = writeln!(out, "/// {doc}");
        let _ = writeln!(out, "#[derive(Debug, Clone, PartialEq)]");
        let _ = writeln!(out, "pub enum {name} {{");
        let mut read_arms = String::new();
        let mut write_arms = String::new();
        let mut validate_arms = String::new();
        let mut fallback: Option<String> = None;
        let mut all_first = Vec::new();
        let mut used = BTreeSet::new();
        for b in branches {
            // Each branch is rendered as a one-slot content: a single element, or a group.
            let (first, nullable) = particle_first(b);
            let head = first.first().cloned().unwrap_or_default();
            let mut vname = camel(&head);
            let base = vname.clone();
            let mut n = 2;
            while !used.insert(vname.clone()) {
                vname = format!("{base}{n}");
                n += 1;
            }
            let slot = match &b.term {
                Term::Element(el) => self.element_slot(el, b.min, b.max, name),
                Term::Sequence(items) => {
                    let gname = self.unique(format!("{name}{}", camel(&head)), None);
                    self.items.push(Item::Group {
                        name: gname.clone(),
                        doc: format!("Branch of [`{name}`] starting with `{head}`."),
                        particles: items.clone(),
                    });
                    Slot {
                        rust: "x".into(),
                        ty: if b.min == 0 {
                            format!("Option<{gname}>")
                        } else {
                            gname
                        },
                        kind: SlotKind::Group {
                            first: first.clone(),
                            min: b.min,
                        },
                    }
                }
                Term::Choice(_) => {
                    let mut s = self.slots(std::slice::from_ref(b), name);
                    s.remove(0)
                }
            };
            let slot = Slot {
                rust: "x".into(),
                ..slot
            };
            let d = Self::slot_doc(&slot).unwrap_or_default();
            let _ = writeln!(out, "/// {d}");
            let _ = writeln!(out, "{vname}({}),", slot.ty);
            let read = match &slot.kind {
                SlotKind::Group { min: 1, .. } => {
                    format!("let x = {}::read_content(c, cx)?;", slot.ty)
                }
                _ => Self::read_slot(&slot),
            };
            let arm = format!("{{ {read} Ok(Self::{vname}(x)) }}");
            if nullable && fallback.is_none() {
                fallback = Some(arm.clone());
            }
            if !first.is_empty() {
                let _ = writeln!(read_arms, "{} => {arm}", pattern_arm(&first));
            }
            all_first.extend(first);
            let write = match &slot.kind {
                SlotKind::Group { min: 1, .. } => "x.write_content(w);".to_owned(),
                _ => Self::write_slot(&slot, "(*x)"),
            };
            let _ = writeln!(write_arms, "Self::{vname}(x) => {{ {write} }}");
            let val = match &slot.kind {
                SlotKind::Group { min: 1, .. } => "x.validate_content(v);".to_owned(),
                _ => Self::validate_slot(&slot, "(*x)"),
            };
            let _ = writeln!(validate_arms, "Self::{vname}(x) => {{ {val} }}");
        }
        let _ = writeln!(out, "}}\n");
        let fallback = fallback.unwrap_or_else(|| {
            format!(
                "Err(cx.expected(&[{}], c))",
                all_first
                    .iter()
                    .map(|f| lit(f))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        });
        let _ = writeln!(out, "impl {name} {{");
        let _ = writeln!(
            out,
            "#[allow(clippy::needless_borrow, clippy::match_single_binding)] pub(crate) fn read_choice(c: &mut crate::rt::Cursor<'_, '_>, cx: &mut crate::rt::ReadCx) -> Result<Self, crate::ParseError> {{ match c.peek() {{ {read_arms} _ => {fallback} }} }}"
        );
        let _ = writeln!(
            out,
            "#[allow(clippy::needless_borrow)] pub(crate) fn write_content(&self, w: &mut crate::rt::Writer) {{ match self {{ {write_arms} }} }}"
        );
        let _ = writeln!(
            out,
            "/// Checks every facet and occurrence constraint of the schema in the chosen branch.\n#[allow(clippy::needless_borrow, unused_variables)] pub(crate) fn validate_content(&self, v: &mut crate::rt::Validator) {{ match self {{ {validate_arms} }} }}"
        );
        let _ = writeln!(out, "}}\n");
        self.out.push_str(&out);
    }

    fn render_enum(out: &mut String, name: &str, s: &Simple) {
        doc_lines(out, s.doc.as_deref(), &format!("Values of `{name}`."));
        let _ = writeln!(out, "#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]");
        let _ = writeln!(out, "pub enum {name} {{");
        let mut variants = Vec::new();
        let mut used = BTreeSet::new();
        for (value, doc) in &s.enums {
            let mut v = variant_name(value);
            let base = v.clone();
            let mut n = 2;
            while !used.insert(v.clone()) {
                v = format!("{base}{n}");
                n += 1;
            }
            let d = doc.as_deref().map(doc_text).unwrap_or_default();
            let _ = writeln!(
                out,
                "/// `{}`{}",
                value,
                if d.is_empty() {
                    String::new()
                } else {
                    format!(": {d}")
                }
            );
            let _ = writeln!(out, "{v},");
            variants.push((v, value.clone()));
        }
        let _ = writeln!(out, "}}\n");
        let _ = writeln!(out, "impl {name} {{");
        let _ = writeln!(out, "/// Every value, in schema order.");
        let _ = writeln!(
            out,
            "pub const ALL: &'static [Self] = &[{}];",
            variants
                .iter()
                .map(|(v, _)| format!("Self::{v}"))
                .collect::<Vec<_>>()
                .join(", ")
        );
        let _ = writeln!(out, "/// The value as written in XML.");
        let _ = writeln!(
            out,
            "pub const fn as_str(self) -> &'static str {{ match self {{"
        );
        for (v, value) in &variants {
            let _ = writeln!(out, "Self::{v} => {},", lit(value));
        }
        let _ = writeln!(out, "}} }}");
        let _ = writeln!(
            out,
            "/// Parses the value as written in XML (after the schema's whitespace rule)."
        );
        let _ = writeln!(out, "pub fn from_xml_str(s: &str) -> Option<Self> {{");
        if s.prim == Prim::Integer {
            let _ = writeln!(out, "let n: i64 = s.trim().parse().ok()?; match n {{");
            for (v, value) in &variants {
                let _ = writeln!(out, "{value} => Some(Self::{v}),");
            }
        } else {
            let norm = match s.ws {
                Ws::Collapse => "crate::rt::collapse(s)",
                Ws::Replace => "crate::rt::replace(s)",
                Ws::Preserve => "std::borrow::Cow::Borrowed(s)",
            };
            let _ = writeln!(out, "match &*{norm} {{");
            for (v, value) in &variants {
                let _ = writeln!(out, "{} => Some(Self::{v}),", lit(value));
            }
        }
        let _ = writeln!(out, "_ => None }} }} }}\n");
        let _ = writeln!(
            out,
            "impl std::fmt::Display for {name} {{ fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {{ f.write_str(self.as_str()) }} }}\n"
        );
        let _ = writeln!(
            out,
            "impl crate::rt::XmlValue for {name} {{ fn from_lexical(s: &str) -> Result<Self, String> {{ Self::from_xml_str(s).ok_or_else(|| format!(\"{{s:?}} is not a value of {name}\")) }} fn write_lexical(&self, out: &mut String) {{ out.push_str(self.as_str()) }} fn check(&self, facets: &crate::rt::Facets, v: &mut crate::rt::Validator) {{ crate::rt::check_str(self.as_str(), facets, v) }} }}\n"
        );
    }

    /// Renders the whole module body.
    pub fn render(mut self) -> String {
        let root = self.schema.root.clone();
        let root_ty = match &root.ty {
            TypeRef::Complex(i) => self.complex_name(*i),
            TypeRef::Simple(_) => return "compile_error!(\"simple root element\");".into(),
        };
        let mut done = 0;
        while done < self.items.len() {
            let item = std::mem::replace(
                &mut self.items[done],
                Item::Group {
                    name: String::new(),
                    doc: String::new(),
                    particles: Vec::new(),
                },
            );
            match &item {
                Item::Struct { name, doc, cx } => self.render_struct(name, doc, *cx),
                Item::Group {
                    name,
                    doc,
                    particles,
                } => self.render_group(name, doc, particles),
                Item::Choice {
                    name,
                    doc,
                    branches,
                } => self.render_choice(name, doc, branches),
            }
            done += 1;
        }
        let mut out = String::new();
        let ns = &self.schema.target_ns;
        let _ = writeln!(out, "/// Namespace of the schema's elements.");
        let _ = writeln!(out, "pub const NAMESPACE: &str = {};", lit(ns));
        let _ = writeln!(out, "/// Name of the root element.");
        let _ = writeln!(out, "pub const ROOT_ELEMENT: &str = {};", lit(&root.name));
        let _ = writeln!(
            out,
            "/// Other namespaces the schema declares (prefix, URI), declared on the written root."
        );
        let _ = writeln!(
            out,
            "pub const EXTRA_NAMESPACES: &[(&str, &str)] = &[{}];",
            self.schema
                .namespaces
                .iter()
                .map(|(p, u)| format!("({}, {})", lit(p), lit(u)))
                .collect::<Vec<_>>()
                .join(", ")
        );
        let _ = writeln!(out, "/// The root element's type.");
        let _ = writeln!(out, "pub type Root = {root_ty};\n");
        for (body, name) in &self.facets {
            let _ = writeln!(out, "pub(crate) static {name}: crate::rt::Facets = {body};");
        }
        out.push('\n');
        let enums: Vec<(String, Simple)> = self.enums.values().cloned().collect();
        let mut sorted = enums;
        sorted.sort_by(|a, b| a.0.cmp(&b.0));
        for (name, s) in &sorted {
            Self::render_enum(&mut out, name, s);
        }
        out.push_str(&self.out);
        out
    }
}
