//! Rendering the `operations` and `registry` modules from the operations read by [`super::ops`].

use std::fmt::Write as _;

use super::docs::{doc_comment, first_sentence};
use super::naming::{lit, pascal};
use super::ops::{Body, Op, PageSpec, Param};
use super::schema::Ty;

fn param_value(expr: &str) -> String {
    format!("crate::rt::ToParam::to_param(&{expr})")
}

fn field_type(p: &Param) -> String {
    if p.required {
        p.ty.rust_from_ops()
    } else {
        format!("Option<{}>", p.ty.rust_from_ops())
    }
}

/// Renders the `operations` module body.
pub fn render_ops(ops: &[Op]) -> String {
    let mut out = String::new();
    out.push_str("use crate::catalogue::{BodyKind, Method, Operation, OperationMeta, Pagination, ParamLocation, ParamMeta, RateLimit, RequestBody};\nuse crate::types;\n\n");
    for op in ops {
        out.push_str(&render_op(op));
        out.push('\n');
    }
    out.push_str("/// Every operation of the spec, in spec order.\npub static OPERATIONS: &[&OperationMeta] = &[\n");
    for op in ops {
        let _ = writeln!(out, "    {}::META,", op.struct_name);
    }
    out.push_str("];\n\n");
    out.push_str("/// Finds an operation by method and path template.\npub fn find(method: Method, path: &str) -> Option<&'static OperationMeta> {\n    crate::catalogue::find(OPERATIONS, method, path)\n}\n");
    out
}

fn render_op(op: &Op) -> String {
    let mut out = String::new();
    let mut doc = format!("`{} {}` — {}", op.method, op.path, op.summary);
    if let Some(d) = &op.description {
        doc.push_str("\n\n");
        doc.push_str(d);
    }
    let _ = write!(doc, "\n\nOperation name: `{}`.", op.name);
    out.push_str(&doc_comment(&doc, ""));
    // `#[non_exhaustive]`: a parameter the spec adds later is not a breaking change; requests
    // are built with `new(required…)` and the `with_*` setters.
    out.push_str("#[derive(Debug, Clone, PartialEq)]\n#[non_exhaustive]\n");
    let _ = writeln!(out, "pub struct {} {{", op.struct_name);
    for p in &op.params {
        let d = p
            .description
            .clone()
            .unwrap_or_else(|| format!("`{}`", p.wire));
        let loc = p.location.to_ascii_lowercase();
        out.push_str(&doc_comment(
            &format!("{d}\n\nSent as the {loc} parameter `{}`.", p.wire),
            "    ",
        ));
        let _ = writeln!(out, "    pub {}: {},", p.field, field_type(p));
    }
    if let Some(b) = &op.request {
        let ty = body_type(b);
        out.push_str(&doc_comment(
            &format!("The request body (`{}`).", b.content_type),
            "    ",
        ));
        let ty = if b.required {
            ty
        } else {
            format!("Option<{ty}>")
        };
        let _ = writeln!(out, "    pub body: {ty},");
    }
    out.push_str("}\n\n");

    // Constructor.
    let mut args = Vec::new();
    let mut inits = Vec::new();
    for p in &op.params {
        if p.required {
            args.push(format!("{}: {}", p.field, field_type(p)));
            inits.push(p.field.clone());
        } else {
            inits.push(format!("{}: None", p.field));
        }
    }
    if let Some(b) = &op.request {
        if b.required {
            args.push(format!("body: {}", body_type(b)));
            inits.push("body".to_owned());
        } else {
            inits.push("body: None".to_owned());
        }
    }
    let _ = writeln!(out, "impl {} {{", op.struct_name);
    out.push_str(
        "    /// Creates the request from its required parts; optional parts are `None`.\n",
    );
    if args.is_empty() {
        out.push_str("    #[allow(clippy::new_without_default)]\n");
    }
    let _ = writeln!(
        out,
        "    pub fn new({}) -> Self {{\n        Self {{ {} }}\n    }}",
        args.join(", "),
        inits.join(", ")
    );
    for p in op.params.iter().filter(|p| !p.required) {
        let setter = format!("with_{}", p.field.trim_start_matches("r#"));
        let doc = p
            .description
            .as_deref()
            .and_then(first_sentence)
            .unwrap_or_else(|| {
                format!(
                    "Sets the {} parameter `{}`.",
                    p.location.to_ascii_lowercase(),
                    p.wire
                )
            });
        let _ = writeln!(
            out,
            "\n{}    pub fn {setter}(mut self, value: {}) -> Self {{\n        self.{} = Some(value);\n        self\n    }}",
            doc_comment(&doc, "    "),
            p.ty.rust_from_ops(),
            p.field
        );
    }
    if let Some(b) = op.request.as_ref().filter(|b| !b.required) {
        let _ = writeln!(
            out,
            "\n    /// Sets the request body (`{}`), which the spec makes optional.\n    pub fn with_body(mut self, body: {}) -> Self {{\n        self.body = Some(body);\n        self\n    }}",
            b.content_type,
            body_type(b)
        );
    }
    out.push_str("}\n\n");

    // Operation impl.
    let response_ty = match &op.response {
        Some(b) if b.kind == "Json" => {
            b.ty.as_ref()
                .map(Ty::rust_from_ops)
                .unwrap_or("serde_json::Value".into())
        }
        Some(_) => "crate::catalogue::RawBody".to_owned(),
        None => "()".to_owned(),
    };
    let _ = writeln!(out, "impl Operation for {} {{", op.struct_name);
    let _ = writeln!(out, "    type Response = {response_ty};\n");
    let _ = writeln!(
        out,
        "    const META: &'static OperationMeta = &OperationMeta {{"
    );
    let _ = writeln!(out, "        name: {},", lit(&op.name));
    let _ = writeln!(
        out,
        "        method: Method::{},",
        pascal(&op.method.to_ascii_lowercase())
    );
    let _ = writeln!(out, "        path: {},", lit(&op.path));
    let _ = writeln!(out, "        tag: {},", lit(&op.tag));
    let _ = writeln!(out, "        summary: {},", lit(&op.summary));
    let _ = writeln!(out, "        success_status: {},", op.success_status);
    let opt_lit = |s: Option<&str>| {
        s.map(|s| format!("Some({})", lit(s)))
            .unwrap_or("None".into())
    };
    let _ = writeln!(
        out,
        "        request_content_type: {},",
        opt_lit(op.request.as_ref().map(|b| b.content_type.as_str()))
    );
    let _ = writeln!(
        out,
        "        request_body: BodyKind::{},",
        op.request.as_ref().map(|b| b.kind).unwrap_or("None")
    );
    let _ = writeln!(
        out,
        "        response_content_type: {},",
        opt_lit(op.response.as_ref().map(|b| b.content_type.as_str()))
    );
    let _ = writeln!(
        out,
        "        response_body: BodyKind::{},",
        op.response.as_ref().map(|b| b.kind).unwrap_or("None")
    );
    let _ = writeln!(
        out,
        "        request_schema: {},",
        opt_lit(op.request.as_ref().and_then(|b| b.schema.as_deref()))
    );
    let _ = writeln!(
        out,
        "        response_schema: {},",
        opt_lit(op.response.as_ref().and_then(|b| b.schema.as_deref()))
    );
    let _ = writeln!(
        out,
        "        response_is_array: {},",
        op.response.as_ref().is_some_and(|b| b.is_array)
    );
    match &op.rate_limit {
        Some((group, [s, m, h])) => {
            let n = |v: &Option<u64>| v.map(|v| format!("Some({v})")).unwrap_or("None".into());
            let _ = writeln!(
                out,
                "        rate_limit: Some(RateLimit {{ group: {}, per_second: {}, per_minute: {}, per_hour: {} }}),",
                opt_lit(group.as_deref()),
                n(s),
                n(m),
                n(h)
            );
        }
        None => out.push_str("        rate_limit: None,\n"),
    }
    let perms: Vec<String> = op.permissions.iter().map(|p| lit(p)).collect();
    let _ = writeln!(
        out,
        "        required_permissions: &[{}],",
        perms.join(", ")
    );
    let _ = writeln!(out, "        requires_bearer: {},", op.bearer);
    let _ = writeln!(out, "        pagination: Pagination::{},", op.pagination);
    out.push_str("        params: &[");
    for p in &op.params {
        let repeated = matches!(p.ty, Ty::Vec(_));
        let _ = write!(
            out,
            "ParamMeta {{ name: {}, location: ParamLocation::{}, required: {}, repeated: {repeated} }}, ",
            lit(&p.wire),
            p.location,
            p.required
        );
    }
    out.push_str("],\n");
    let hdrs: Vec<String> = op.response_headers.iter().map(|h| lit(h)).collect();
    let _ = writeln!(out, "        response_headers: &[{}],", hdrs.join(", "));
    let errs: Vec<String> = op.error_statuses.iter().map(u16::to_string).collect();
    let _ = writeln!(out, "        error_statuses: &[{}],", errs.join(", "));
    let codes: Vec<String> = op.exception_codes.iter().map(u32::to_string).collect();
    let _ = writeln!(out, "        exception_codes: &[{}],", codes.join(", "));
    let _ = writeln!(out, "        deprecated: {},", op.deprecated);
    out.push_str("    };\n\n");

    // path()
    out.push_str("    fn path(&self) -> String {\n");
    let path_params: Vec<&Param> = op.params.iter().filter(|p| p.location == "Path").collect();
    if path_params.is_empty() {
        let _ = writeln!(out, "        {}.to_owned()", lit(&op.path));
    } else {
        let mut template = op.path.clone();
        let mut args = Vec::new();
        for p in &path_params {
            template = template.replace(&format!("{{{}}}", p.wire), "{}");
            args.push(format!(
                "crate::rt::path::encode_segment(&{})",
                param_value(&format!("self.{}", p.field))
            ));
        }
        let _ = writeln!(
            out,
            "        format!({}, {})",
            lit(&template),
            args.join(", ")
        );
    }
    out.push_str("    }\n\n");
    for (fn_name, location) in [("query", "Query"), ("headers", "Header")] {
        let list: Vec<&Param> = op
            .params
            .iter()
            .filter(|p| p.location == location)
            .collect();
        if list.is_empty() {
            let _ = writeln!(
                out,
                "    fn {fn_name}(&self) -> Vec<(&'static str, String)> {{\n        Vec::new()\n    }}\n"
            );
            continue;
        }
        let _ = writeln!(
            out,
            "    fn {fn_name}(&self) -> Vec<(&'static str, String)> {{"
        );
        out.push_str("        let mut out = Vec::new();\n");
        for p in list {
            let key = lit(&p.wire);
            let is_vec = matches!(p.ty, Ty::Vec(_));
            let value = if p.required {
                format!("Some(&self.{})", p.field)
            } else {
                format!("self.{}.as_ref()", p.field)
            };
            if is_vec {
                let _ = writeln!(
                    out,
                    "        for item in {value}.into_iter().flatten() {{\n            out.push(({key}, {}));\n        }}",
                    param_value("item")
                );
            } else {
                let _ = writeln!(
                    out,
                    "        if let Some(value) = {value} {{\n            out.push(({key}, {}));\n        }}",
                    param_value("value")
                );
            }
        }
        out.push_str("        out\n    }\n\n");
    }
    // body()
    out.push_str(
        "    fn body(&self) -> Result<Option<RequestBody>, crate::catalogue::EncodeError> {\n",
    );
    match &op.request {
        None => out.push_str("        Ok(None)\n"),
        Some(b) => {
            let expr = |v: &str| match b.kind {
                "Json" => format!("crate::catalogue::encode_json({v})"),
                _ => format!(
                    "Ok(Some(RequestBody {{ content_type: {}, bytes: AsRef::<[u8]>::as_ref({v}).to_vec() }}))",
                    lit(&b.content_type)
                ),
            };
            if b.required {
                let _ = writeln!(out, "        {}", expr("&self.body"));
            } else {
                let _ = writeln!(
                    out,
                    "        match &self.body {{\n            Some(body) => {},\n            None => Ok(None),\n        }}",
                    expr("body")
                );
            }
        }
    }
    out.push_str("    }\n\n");
    // decode_response()
    let _ = writeln!(
        out,
        "    fn decode_response(body: &[u8]) -> Result<Self::Response, crate::catalogue::DecodeError> {{"
    );
    match &op.response {
        Some(b) if b.kind == "Json" => {
            let _ = writeln!(
                out,
                "        crate::catalogue::decode_json({}, body)",
                lit(&op.name)
            );
        }
        Some(_) => out.push_str("        Ok(crate::catalogue::RawBody(body.to_vec()))\n"),
        None => out.push_str("        let _ = body;\n        Ok(())\n"),
    }
    out.push_str("    }\n}\n");
    if let Some(page) = &op.page {
        out.push_str(&render_paginated(op, page));
    }
    out
}

fn render_paginated(op: &Op, page: &PageSpec) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "\nimpl crate::catalogue::Paginated for {} {{",
        op.struct_name
    );
    let _ = writeln!(out, "    type Item = {};\n", page.item_ty.rust_from_ops());
    out.push_str("    fn into_page(response: Self::Response) -> (Vec<Self::Item>, crate::catalogue::PageInfo) {\n");
    let token = match &page.token_field {
        Some((f, true)) => format!("response.{f}.clone()"),
        Some((f, false)) => format!("Some(response.{f}.clone())"),
        None => "None".to_owned(),
    };
    let has_more = match &page.has_more_field {
        Some((f, true)) => format!("response.{f}"),
        Some((f, false)) => format!("Some(response.{f})"),
        None => "None".to_owned(),
    };
    let items = if page.items_optional {
        format!("response.{}.unwrap_or_default()", page.items_field)
    } else {
        format!("response.{}", page.items_field)
    };
    let _ = writeln!(
        out,
        "        let info = crate::catalogue::PageInfo {{ continuation_token: {token}, has_more: {has_more} }};\n        ({items}, info)\n    }}\n"
    );
    // The largest page the spec allows, used when the caller chose no size: fewer requests
    // against the rate limits when reading everything.
    if let Some((field, max)) = op.params.iter().find_map(|p| {
        (p.location == "Query" && p.wire.eq_ignore_ascii_case("pageSize") && !p.required)
            .then_some(())
            .and(p.maximum.map(|m| (p.field.clone(), m)))
    }) {
        let _ = writeln!(
            out,
            "    fn use_largest_pages(&mut self) {{\n        self.{field}.get_or_insert({max});\n    }}\n"
        );
    }
    out.push_str("    fn advance(&mut self, page: &crate::catalogue::PageInfo) -> bool {\n");
    if op.pagination == "ContinuationToken" {
        let field = op
            .params
            .iter()
            .find(|p| p.wire.eq_ignore_ascii_case("x-continuation-token"))
            .map(|p| p.field.clone())
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "        match page.continuation_token.as_deref().filter(|t| !t.is_empty()) {{\n            Some(token) => {{\n                self.{field} = Some(token.to_owned());\n                true\n            }}\n            None => false,\n        }}"
        );
    } else {
        let _ = writeln!(
            out,
            "        if page.has_more == Some(true) {{\n            self.page_offset = Some(self.page_offset.unwrap_or(0) + 1);\n            true\n        }} else {{\n            false\n        }}"
        );
    }
    out.push_str("    }\n}\n");
    out
}

fn body_type(b: &Body) -> String {
    match b.kind {
        "Json" => {
            b.ty.as_ref()
                .map(Ty::rust_from_ops)
                .unwrap_or("serde_json::Value".into())
        }
        "Xml" => "String".to_owned(),
        _ => "Vec<u8>".to_owned(),
    }
}

/// Renders the `registry` module: dynamic (by name) round trips through the generated types,
/// used by the example tests, fuzz tests and tools that validate JSON against the model.
pub fn render_registry(schema_names: &[(String, String)], ops: &[Op]) -> String {
    let mut out = String::new();
    out.push_str("use crate::catalogue::Operation;\nuse crate::{operations, types};\n\n");
    out.push_str("/// The component schemas of the spec, as `(spec name, Rust type name)`.\npub static SCHEMAS: &[(&str, &str)] = &[\n");
    for (spec, rust) in schema_names {
        let _ = writeln!(out, "    ({}, {}),", lit(spec), lit(rust));
    }
    out.push_str("];\n\n");
    out.push_str("fn round_trip<T: serde::de::DeserializeOwned + serde::Serialize>(value: serde_json::Value) -> Result<serde_json::Value, serde_json::Error> {\n    let typed: T = serde_json::from_value(value)?;\n    serde_json::to_value(&typed)\n}\n\n");
    out.push_str("/// Decodes `value` as the type of the named component schema and encodes it again.\n/// `None` when no schema has that name.\npub fn round_trip_schema(schema: &str, value: serde_json::Value) -> Option<Result<serde_json::Value, serde_json::Error>> {\n    Some(match schema {\n");
    for (spec, rust) in schema_names {
        let _ = writeln!(
            out,
            "        {} => round_trip::<types::{rust}>(value),",
            lit(spec)
        );
    }
    out.push_str("        _ => return None,\n    })\n}\n\n");
    out.push_str("/// Decodes `value` as the JSON request body of the named operation and encodes it again.\n/// `None` when the operation does not exist or has no JSON body.\npub fn round_trip_request_body(operation: &str, value: serde_json::Value) -> Option<Result<serde_json::Value, serde_json::Error>> {\n    Some(match operation {\n");
    for op in ops {
        if let Some(b) = op.request.as_ref().filter(|b| b.kind == "Json") {
            let _ = writeln!(
                out,
                "        {} => round_trip::<{}>(value),",
                lit(&op.name),
                body_type(b)
            );
        }
    }
    out.push_str("        _ => return None,\n    })\n}\n\n");
    out.push_str("fn validated<T: serde::de::DeserializeOwned + crate::rt::Validate>(value: &serde_json::Value) -> Result<(), crate::rt::ValidationError> {\n    let typed: T = T::deserialize(value).map_err(|e| crate::rt::ValidationError { violations: vec![crate::rt::Invalid { pointer: String::new(), rule: crate::rt::Rule::Shape, reason: e.to_string() }] })?;\n    crate::rt::Validate::check_constraints(&typed)\n}\n\n");
    out.push_str("/// Checks `value` as the JSON request body of the named operation: it must decode into the\n/// operation's body type (shape, required fields) and pass the type's `validate()` (the spec's\n/// constraints, violations named by JSON pointer; a body that does not decode is one violation\n/// at `\"\"`). `None` when the operation does not exist or has no JSON body.\npub fn validate_request_body(operation: &str, value: &serde_json::Value) -> Option<Result<(), crate::rt::ValidationError>> {\n    Some(match operation {\n");
    for op in ops {
        if let Some(b) = op.request.as_ref().filter(|b| b.kind == "Json") {
            let _ = writeln!(
                out,
                "        {} => validated::<{}>(value),",
                lit(&op.name),
                body_type(b)
            );
        }
    }
    out.push_str("        _ => return None,\n    })\n}\n\n");
    out.push_str("/// Decodes `value` as the JSON success response of the named operation (through\n/// [`Operation::decode_response`]) and encodes it again. `None` when the operation does not\n/// exist or its success response is not JSON.\npub fn round_trip_response(operation: &str, value: serde_json::Value) -> Option<Result<serde_json::Value, serde_json::Error>> {\n");
    out.push_str("    fn via<O: Operation>(value: serde_json::Value) -> Result<serde_json::Value, serde_json::Error> where O::Response: serde::Serialize {\n        let bytes = serde_json::to_vec(&value)?;\n        let typed = O::decode_response(&bytes).map_err(|e| e.source)?;\n        serde_json::to_value(&typed)\n    }\n");
    out.push_str("    Some(match operation {\n");
    for op in ops {
        if op.response.as_ref().is_some_and(|b| b.kind == "Json") {
            let _ = writeln!(
                out,
                "        {} => via::<operations::{}>(value),",
                lit(&op.name),
                op.struct_name
            );
        }
    }
    out.push_str("        _ => return None,\n    })\n}\n");
    out
}
