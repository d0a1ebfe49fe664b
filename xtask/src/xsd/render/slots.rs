//! The code of one field or choice branch: reading, writing, validating, documenting.

use std::fmt::Write as _;

use super::naming::{doc_text, lit};
use super::{Renderer, Slot, SlotKind, pattern_arm};

impl Renderer<'_> {
    pub(super) fn slot_type_inner(ty: &str) -> &str {
        ty.strip_prefix("Vec<")
            .or_else(|| ty.strip_prefix("Option<"))
            .and_then(|t| t.strip_suffix('>'))
            .unwrap_or(ty)
    }

    /// Expression reading a slot from cursor `c` (statements that bind `let <rust> = …;`).
    pub(super) fn read_slot(s: &Slot) -> String {
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

    pub(super) fn write_slot(s: &Slot, access: &str) -> String {
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

    pub(super) fn validate_slot(s: &Slot, access: &str) -> String {
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

    pub(super) fn render_fields(out: &mut String, slots: &[Slot], docs: &[Option<String>]) {
        for (s, d) in slots.iter().zip(docs) {
            let _ = writeln!(out, "/// {}", d.clone().unwrap_or_default());
            let _ = writeln!(out, "pub {}: {},", s.rust, s.ty);
        }
    }

    pub(super) fn slot_doc(s: &Slot) -> Option<String> {
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
}
