//! `From` conversions between schemas that the override file pairs (`conversions`), e.g. the
//! limits in force into the request that sets them (read-modify-write). A pair converts
//! property by property, by wire name: the same type is moved, a type of another listed pair is
//! converted with `.into()`, a required value fills an optional field with `Some`. Properties of
//! the source that the target lacks are dropped. A pair that cannot be converted (a target
//! property the source lacks or only has optionally) is left out with a warning, so that every
//! spec version generates what it supports.

use std::collections::{BTreeSet, HashMap};

use super::naming::snake;
use super::schema::{Def, Prop, Ty, TypeDef};

/// Renders `conversions.rs`.
pub fn render(defs: &[TypeDef], pairs: &[(String, String)], warnings: &mut Vec<String>) -> String {
    let by_schema: HashMap<&str, &TypeDef> = defs
        .iter()
        .filter_map(|d| d.schema.as_deref().map(|s| (s, d)))
        .collect();
    let listed: BTreeSet<(String, String)> = pairs
        .iter()
        .filter_map(|(f, t)| {
            Some((
                by_schema.get(f.as_str())?.name.clone(),
                by_schema.get(t.as_str())?.name.clone(),
            ))
        })
        .collect();
    let mut out = String::from("use crate::types::*;\n\n");
    for (from, into) in pairs {
        let (Some(f), Some(t)) = (by_schema.get(from.as_str()), by_schema.get(into.as_str()))
        else {
            warnings.push(format!(
                "conversion {from} → {into}: no such schema in this spec"
            ));
            continue;
        };
        let (Def::Struct { props: fp }, Def::Struct { props: tp }) = (&f.def, &t.def) else {
            warnings.push(format!(
                "conversion {from} → {into}: not two object schemas"
            ));
            continue;
        };
        match fields(fp, tp, &listed) {
            Ok(fields) => {
                out.push_str(&format!(
                    "/// Keeps every value of [`{0}`] that [`{1}`] can carry (read-modify-write).\nimpl From<{0}> for {1} {{\n    fn from(v: {0}) -> Self {{\n        Self {{\n{fields}        }}\n    }}\n}}\n\n",
                    f.name, t.name
                ));
            }
            Err(why) => warnings.push(format!("conversion {from} → {into} left out: {why}")),
        }
    }
    out
}

fn optional(p: &Prop) -> bool {
    !p.required || p.nullable
}

fn fields(
    from: &[Prop],
    into: &[Prop],
    listed: &BTreeSet<(String, String)>,
) -> Result<String, String> {
    let mut out = String::new();
    for t in into {
        let name = snake(&t.wire);
        let Some(f) = from.iter().find(|f| f.wire == t.wire) else {
            if optional(t) {
                out.push_str(&format!("            {name}: None,\n"));
                continue;
            }
            return Err(format!("the source has no `{}`", t.wire));
        };
        let value = match (&f.ty, &t.ty) {
            (a, b) if a == b => format!("v.{name}"),
            (Ty::Named(a), Ty::Named(b)) if listed.contains(&(a.clone(), b.clone())) => {
                if optional(f) {
                    format!("v.{name}.map(Into::into)")
                } else {
                    format!("v.{name}.into()")
                }
            }
            _ => return Err(format!("`{}` has different types", t.wire)),
        };
        let value = match (optional(f), optional(t)) {
            (false, false) | (true, true) => value,
            (false, true) => format!("Some({value})"),
            (true, false) => return Err(format!("`{}` is optional in the source only", t.wire)),
        };
        out.push_str(&format!("            {name}: {value},\n"));
    }
    Ok(out)
}
