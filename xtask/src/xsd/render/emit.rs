//! Rendering of structs, groups, choice enums and enumerations.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use super::naming::{camel, doc_lines, doc_text, lit, snake, variant_name};
use super::{Item, Renderer, Slot, SlotKind, particle_first, pattern_arm};
use crate::xsd::schema::{Content, Particle, Prim, Simple, Term, Ws};

impl Renderer<'_> {
    pub(super) fn render_struct(&mut self, name: &str, doc: &str, idx: usize) {
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

    pub(super) fn render_group(&mut self, name: &str, doc: &str, particles: &[Particle]) {
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

    pub(super) fn render_choice(&mut self, name: &str, doc: &str, branches: &[Particle]) {
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

    pub(super) fn render_enum(out: &mut String, name: &str, s: &Simple) {
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
            variants.push((v, value.clone(), doc.clone()));
        }
        let _ = writeln!(out, "}}\n");
        let _ = writeln!(out, "impl {name} {{");
        let _ = writeln!(out, "/// Every value, in schema order.");
        let _ = writeln!(
            out,
            "pub const ALL: &'static [Self] = &[{}];",
            variants
                .iter()
                .map(|(v, _, _)| format!("Self::{v}"))
                .collect::<Vec<_>>()
                .join(", ")
        );
        let _ = writeln!(out, "/// The value as written in XML.");
        let _ = writeln!(
            out,
            "pub const fn as_str(self) -> &'static str {{ match self {{"
        );
        for (v, value, _) in &variants {
            let _ = writeln!(out, "Self::{v} => {},", lit(value));
        }
        let _ = writeln!(out, "}} }}");
        let _ = writeln!(
            out,
            "/// The schema's description of the value (e.g. a country's or currency's Polish name),\n/// when the schema gives one."
        );
        let _ = writeln!(
            out,
            "pub const fn description(self) -> Option<&'static str> {{ match self {{"
        );
        for (v, _, doc) in &variants {
            let text = doc
                .as_deref()
                .map(|d| d.split_whitespace().collect::<Vec<_>>().join(" "))
                .filter(|d| !d.is_empty());
            match text {
                Some(d) => {
                    let _ = writeln!(out, "Self::{v} => Some({}),", lit(&d));
                }
                None => {
                    let _ = writeln!(out, "Self::{v} => None,");
                }
            }
        }
        let _ = writeln!(out, "}} }}");
        let _ = writeln!(
            out,
            "/// Parses the value as written in XML (after the schema's whitespace rule)."
        );
        let _ = writeln!(out, "pub fn from_xml_str(s: &str) -> Option<Self> {{");
        if s.prim == Prim::Integer {
            let _ = writeln!(out, "let n: i64 = s.trim().parse().ok()?; match n {{");
            for (v, value, _) in &variants {
                let _ = writeln!(out, "{value} => Some(Self::{v}),");
            }
        } else {
            let norm = match s.ws {
                Ws::Collapse => "crate::rt::collapse(s)",
                Ws::Replace => "crate::rt::replace(s)",
                Ws::Preserve => "std::borrow::Cow::Borrowed(s)",
            };
            let _ = writeln!(out, "match &*{norm} {{");
            for (v, value, _) in &variants {
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
}
