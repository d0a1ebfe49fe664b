//! Reading the operations of the spec and rendering the `operations` module.

use std::collections::HashSet;

use serde_json::Value;

use super::naming::{operation_name, pascal, snake};
use super::schema::{Resolver, Ty, str_of};

/// One parameter of an operation.
pub struct Param {
    pub wire: String,
    pub field: String,
    pub location: &'static str,
    pub required: bool,
    pub ty: Ty,
    pub description: Option<String>,
    /// The schema's `maximum`, for integer parameters that have one.
    pub maximum: Option<i64>,
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
        let optional = |p: &super::schema::Prop| !p.required || p.nullable;
        let mut lists: Vec<_> = props
            .iter()
            .filter(|p| matches!(p.ty, Ty::Vec(_)))
            .collect();
        // Beside the paged list a response may carry a nullable side list that is not paged
        // (2.9: `ownerPermissions` next to `permissions`): the paged one is the required list.
        if lists.len() > 1 {
            lists.retain(|p| !optional(p));
        }
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
            maximum: schema.get("maximum").and_then(Value::as_i64),
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
