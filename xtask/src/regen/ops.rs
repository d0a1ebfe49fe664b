//! Reading the operations of the spec and rendering the `operations` module.

use std::collections::HashSet;
use std::fmt::Write as _;

use serde_json::Value;

use super::docs::doc_comment;
use super::naming::{lit, operation_name, pascal, snake};
use super::schema::{Resolver, Ty, str_of};

/// One parameter of an operation.
pub struct Param {
    pub wire: String,
    pub field: String,
    pub location: &'static str,
    pub required: bool,
    pub ty: Ty,
    pub description: Option<String>,
}

/// Body of a request or response.
pub struct Body {
    pub content_type: String,
    pub kind: &'static str,
    pub ty: Option<Ty>,
    pub schema: Option<String>,
    pub is_array: bool,
    pub required: bool,
}

/// One operation of the spec.
pub struct Op {
    pub name: String,
    pub struct_name: String,
    pub method: String,
    pub path: String,
    pub tag: String,
    pub summary: String,
    pub description: Option<String>,
    pub params: Vec<Param>,
    pub request: Option<Body>,
    pub success_status: u16,
    pub response: Option<Body>,
    pub response_headers: Vec<String>,
    pub error_statuses: Vec<u16>,
    pub exception_codes: Vec<u32>,
    pub rate_limit: Option<(Option<String>, [Option<u64>; 3])>,
    pub permissions: Vec<String>,
    pub bearer: bool,
    pub pagination: &'static str,
    pub deprecated: bool,
    pub page: Option<PageSpec>,
}

/// How to page through a paginated operation's response.
pub struct PageSpec {
    /// The list field of the response (snake case) and whether it is optional.
    pub items_field: String,
    pub items_optional: bool,
    pub item_ty: Ty,
    /// `continuationToken` field (snake case) and whether it is optional.
    pub token_field: Option<(String, bool)>,
    /// `hasMore` field and whether it is optional.
    pub has_more_field: Option<(String, bool)>,
}

/// Finds, for every paginated operation, the list and the next-page fields of its response.
pub fn attach_pagination(ops: &mut [Op], resolver: &mut Resolver<'_>) {
    for op in ops.iter_mut().filter(|o| o.pagination != "None") {
        let Some(schema) = op.response.as_ref().and_then(|b| b.schema.clone()) else {
            continue;
        };
        let Some(props) = resolver.defs.iter().find_map(|d| match &d.def {
            super::schema::Def::Struct { props }
                if d.schema.as_deref() == Some(schema.as_str()) =>
            {
                Some(props.clone())
            }
            _ => None,
        }) else {
            continue;
        };
        let lists: Vec<_> = props
            .iter()
            .filter(|p| matches!(p.ty, Ty::Vec(_)))
            .collect();
        let optional = |p: &super::schema::Prop| !p.required || p.nullable;
        let find = |wire: &str| {
            props
                .iter()
                .find(|p| p.wire == wire)
                .map(|p| (snake(&p.wire), optional(p)))
        };
        let token_field = find("continuationToken");
        let has_more_field = find("hasMore");
        let usable = match op.pagination {
            "ContinuationToken" => token_field.is_some(),
            _ => has_more_field.is_some() && op.params.iter().any(|p| p.wire == "pageOffset"),
        };
        match (lists.as_slice(), usable) {
            ([list], true) => {
                let Ty::Vec(item) = &list.ty else { continue };
                op.page = Some(PageSpec {
                    items_field: snake(&list.wire),
                    items_optional: optional(list),
                    item_ty: (**item).clone(),
                    token_field,
                    has_more_field,
                });
            }
            _ => resolver.warnings.push(format!(
                "{}: paginated, but its response {schema} has no single list with next-page fields; no Paginated impl",
                op.name
            )),
        }
    }
}

const METHODS: &[&str] = &["get", "put", "post", "delete", "patch"];

/// Reads every operation, in spec order.
pub fn read_ops(spec: &Value, resolver: &mut Resolver<'_>) -> Result<Vec<Op>, String> {
    let paths = spec
        .get("paths")
        .and_then(Value::as_object)
        .ok_or("the spec has no `paths` object")?;
    let global_security = spec.get("security");
    let mut ops = Vec::new();
    let mut names = HashSet::new();
    for (path, item) in paths {
        let Some(item) = item.as_object() else {
            continue;
        };
        let shared_params: Vec<Value> = item
            .get("parameters")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        for (method, op) in item {
            if !METHODS.contains(&method.as_str()) {
                continue;
            }
            let o = read_op(path, method, op, &shared_params, global_security, resolver)?;
            if !names.insert(o.name.clone()) {
                return Err(format!("two operations map to the name {}", o.name));
            }
            ops.push(o);
        }
    }
    Ok(ops)
}

fn read_op(
    path: &str,
    method: &str,
    op: &Value,
    shared_params: &[Value],
    global_security: Option<&Value>,
    resolver: &mut Resolver<'_>,
) -> Result<Op, String> {
    let name = operation_name(method, path);
    let struct_name = pascal(&name);
    let mut params = Vec::new();
    let mut fields = HashSet::new();
    let all_params = shared_params.iter().chain(
        op.get("parameters")
            .and_then(Value::as_array)
            .into_iter()
            .flatten(),
    );
    for p in all_params {
        let wire = p
            .get("name")
            .and_then(Value::as_str)
            .ok_or(format!("{name}: parameter without a name"))?;
        let location = match p.get("in").and_then(Value::as_str) {
            Some("path") => "Path",
            Some("query") => "Query",
            Some("header") => "Header",
            Some("cookie") => continue,
            other => return Err(format!("{name}: parameter {wire} in {other:?}")),
        };
        let schema = p.get("schema").cloned().unwrap_or(Value::Null);
        let ty = resolver.resolve(&schema, &struct_name, wire)?;
        let mut field = snake(wire);
        if !fields.insert(field.clone()) {
            field = format!(
                "{}_{}",
                field.trim_start_matches("r#"),
                location.to_ascii_lowercase()
            );
            fields.insert(field.clone());
        }
        params.push(Param {
            wire: wire.to_owned(),
            field,
            location,
            required: location == "Path"
                || p.get("required").and_then(Value::as_bool) == Some(true),
            ty,
            description: str_of(p, "description"),
        });
    }
    // Keep path parameters first, in path order, for constructors.
    params.sort_by_key(|p| match p.location {
        "Path" => path.find(&format!("{{{}}}", p.wire)).unwrap_or(0),
        _ => usize::MAX,
    });

    let request = match op.get("requestBody") {
        Some(rb) => {
            let content = rb.get("content").and_then(Value::as_object);
            // OpenAPI's default is "optional", and this spec never says otherwise for JSON
            // bodies; a body whose schema has required properties cannot be left out, so it
            // is required as well.
            let required = rb.get("required").and_then(Value::as_bool) == Some(true)
                || content
                    .and_then(|c| c.values().next())
                    .and_then(|media| media.get("schema"))
                    .is_some_and(|schema| has_required(schema, resolver.schemas));
            match content.and_then(|c| c.iter().next()) {
                Some((ct, media)) => Some(read_body(
                    ct,
                    media,
                    &struct_name,
                    "Body",
                    required,
                    resolver,
                )?),
                None => None,
            }
        }
        None => None,
    };

    let responses = op
        .get("responses")
        .and_then(Value::as_object)
        .ok_or(format!("{name}: no responses"))?;
    let (success_status, success) = responses
        .iter()
        .filter_map(|(code, r)| {
            code.parse::<u16>()
                .ok()
                .filter(|c| (200..300).contains(c))
                .map(|c| (c, r))
        })
        .min_by_key(|(c, _)| *c)
        .ok_or(format!("{name}: no 2xx response"))?;
    let response = match success
        .get("content")
        .and_then(Value::as_object)
        .and_then(|c| c.iter().next())
    {
        Some((ct, media)) => Some(read_body(
            ct,
            media,
            &struct_name,
            "Response",
            true,
            resolver,
        )?),
        None => None,
    };
    let response_headers = success
        .get("headers")
        .and_then(Value::as_object)
        .map(|h| h.keys().cloned().collect())
        .unwrap_or_default();
    let error_statuses = responses
        .keys()
        .filter_map(|c| c.parse::<u16>().ok())
        .filter(|c| *c >= 400)
        .collect();
    let exception_codes = responses
        .get("400")
        .and_then(|r| r.get("description"))
        .and_then(Value::as_str)
        .map(table_codes)
        .unwrap_or_default();
    let rate_limit = op.get("x-rate-limits").map(|rl| {
        let n = |k: &str| rl.get(k).and_then(Value::as_u64);
        let group = responses
            .get("429")
            .and_then(|r| r.get("description"))
            .and_then(Value::as_str)
            .and_then(rate_limit_group);
        (group, [n("perSecond"), n("perMinute"), n("perHour")])
    });
    let permissions = op
        .get("x-required-permissions")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    let security = op.get("security").or(global_security);
    let bearer = security.and_then(Value::as_array).is_some_and(|reqs| {
        reqs.iter()
            .any(|r| r.as_object().is_some_and(|o| !o.is_empty()))
    });
    let pagination = if params
        .iter()
        .any(|p| p.location == "Header" && p.wire.eq_ignore_ascii_case("x-continuation-token"))
    {
        "ContinuationToken"
    } else if params
        .iter()
        .any(|p| p.location == "Query" && p.wire == "pageOffset")
    {
        "PageOffset"
    } else {
        "None"
    };
    Ok(Op {
        name,
        struct_name,
        method: method.to_ascii_uppercase(),
        path: path.to_owned(),
        tag: op
            .get("tags")
            .and_then(Value::as_array)
            .and_then(|t| t.first())
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned(),
        summary: str_of(op, "summary").unwrap_or_default(),
        description: str_of(op, "description"),
        params,
        request,
        success_status,
        response,
        response_headers,
        error_statuses,
        exception_codes,
        rate_limit,
        permissions,
        bearer,
        pagination,
        deprecated: op.get("deprecated").and_then(Value::as_bool) == Some(true),
        page: None,
    })
}

fn read_body(
    content_type: &str,
    media: &Value,
    parent: &str,
    field: &str,
    required: bool,
    resolver: &mut Resolver<'_>,
) -> Result<Body, String> {
    let schema = media.get("schema").cloned().unwrap_or(Value::Null);
    let kind = body_kind(content_type);
    let (ty, schema_name, is_array) = if kind == "Json" {
        let ty = resolver.resolve(&schema, parent, field)?;
        let (name, is_array) = match &ty {
            Ty::Named(_) => (schema_ref(&schema), false),
            Ty::Vec(_) => (schema.get("items").and_then(schema_ref), true),
            _ => (None, false),
        };
        (Some(ty), name, is_array)
    } else {
        (None, None, false)
    };
    Ok(Body {
        content_type: content_type.to_owned(),
        kind,
        ty,
        schema: schema_name,
        is_array,
        required,
    })
}

/// Whether a body schema (inline, or through its reference) lists required properties.
fn has_required(schema: &Value, schemas: &serde_json::Map<String, Value>) -> bool {
    let listed = |s: &Value| {
        s.get("required")
            .and_then(Value::as_array)
            .is_some_and(|a| !a.is_empty())
    };
    listed(schema)
        || schema_ref(schema)
            .and_then(|name| schemas.get(&name))
            .is_some_and(listed)
}

fn schema_ref(schema: &Value) -> Option<String> {
    if let Some(r) = schema.get("$ref").and_then(Value::as_str) {
        return r.strip_prefix("#/components/schemas/").map(str::to_owned);
    }
    schema
        .get("allOf")
        .and_then(Value::as_array)
        .filter(|a| a.len() == 1)
        .and_then(|a| schema_ref(&a[0]))
}

fn body_kind(content_type: &str) -> &'static str {
    let ct = content_type.to_ascii_lowercase();
    if ct.contains("json") {
        "Json"
    } else if ct.contains("xml") {
        "Xml"
    } else {
        "Binary"
    }
}

/// Exception codes from the first column of a Markdown table.
fn table_codes(text: &str) -> Vec<u32> {
    let mut codes: Vec<u32> = text
        .lines()
        .filter_map(|l| l.trim().strip_prefix('|'))
        .filter_map(|l| l.split('|').next())
        .filter_map(|c| c.trim().parse().ok())
        .collect();
    codes.dedup();
    codes
}

/// The group named in the last column of the 429 table's `Limity` row (`-` means none).
fn rate_limit_group(text: &str) -> Option<String> {
    let row = text.lines().find(|l| l.contains("Limity"))?;
    let last = row.trim().trim_end_matches('|').rsplit('|').next()?.trim();
    (!last.is_empty() && last != "-").then(|| last.to_owned())
}

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
    out.push_str("#[derive(Debug, Clone, PartialEq)]\n");
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
        let _ = writeln!(
            out,
            "\n    /// Sets `{}`.\n    pub fn {setter}(mut self, value: {}) -> Self {{\n        self.{} = Some(value);\n        self\n    }}",
            p.wire,
            p.ty.rust_from_ops(),
            p.field
        );
    }
    if let Some(b) = op.request.as_ref().filter(|b| !b.required) {
        let _ = writeln!(
            out,
            "\n    /// Sets the request body.\n    pub fn with_body(mut self, body: {}) -> Self {{\n        self.body = Some(body);\n        self\n    }}",
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
