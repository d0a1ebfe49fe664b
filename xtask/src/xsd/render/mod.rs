//! Renders the schema model as Rust: one struct per complex type (named or anonymous), one enum
//! per choice and per enumerated simple type, each with generated XML reading, writing and
//! facet validation against the runtime in `ksef_invoice::rt`.

mod emit;
mod naming;
mod slots;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use super::schema::{Complex, Element, Particle, Prim, Schema, Simple, Term, TypeRef, Ws};

use naming::{camel, doc_text, lit, snake, type_name_of_named};

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
}

impl Renderer<'_> {
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
