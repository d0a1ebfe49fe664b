//! Identifier conventions of the generated code.

/// Splits an identifier or path fragment into lower-case words: camelCase, PascalCase,
/// snake_case, kebab-case, spaces and digits boundaries are all understood.
pub fn words(input: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut current = String::new();
    let chars: Vec<char> = input.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        if !c.is_ascii_alphanumeric() {
            if !current.is_empty() {
                words.push(std::mem::take(&mut current));
            }
            continue;
        }
        let prev = if i > 0 {
            chars.get(i - 1).copied()
        } else {
            None
        };
        let next = chars.get(i + 1).copied();
        let boundary = match prev {
            Some(p) if p.is_ascii_alphanumeric() => {
                (c.is_ascii_uppercase() && p.is_ascii_lowercase())
                    || (c.is_ascii_uppercase()
                        && p.is_ascii_uppercase()
                        && next.is_some_and(|n| n.is_ascii_lowercase()))
                    || (c.is_ascii_uppercase() && p.is_ascii_digit())
            }
            _ => false,
        };
        if boundary && !current.is_empty() {
            words.push(std::mem::take(&mut current));
        }
        current.push(c.to_ascii_lowercase());
    }
    if !current.is_empty() {
        words.push(current);
    }
    words
}

/// `snake_case`, escaped when it is a Rust keyword.
pub fn snake(input: &str) -> String {
    let s = words(input).join("_");
    let s = if s.starts_with(|c: char| c.is_ascii_digit()) {
        format!("n{s}")
    } else {
        s
    };
    escape_keyword(s)
}

/// `PascalCase`.
pub fn pascal(input: &str) -> String {
    let s: String = words(input)
        .iter()
        .map(|w| {
            let mut c = w.chars();
            match c.next() {
                Some(f) => f.to_ascii_uppercase().to_string() + c.as_str(),
                None => String::new(),
            }
        })
        .collect();
    if s.starts_with(|c: char| c.is_ascii_digit()) || s.is_empty() {
        format!("V{s}")
    } else if matches!(s.as_str(), "Self") {
        format!("{s}Value")
    } else {
        s
    }
}

fn escape_keyword(s: String) -> String {
    const KEYWORDS: &[&str] = &[
        "as", "async", "await", "break", "const", "continue", "crate", "dyn", "else", "enum",
        "extern", "false", "fn", "for", "gen", "if", "impl", "in", "let", "loop", "match", "mod",
        "move", "mut", "pub", "ref", "return", "self", "static", "struct", "super", "trait",
        "true", "type", "unsafe", "use", "where", "while", "abstract", "become", "box", "do",
        "final", "macro", "override", "priv", "typeof", "unsized", "virtual", "yield", "try",
    ];
    if matches!(s.as_str(), "self" | "super" | "crate") {
        format!("{s}_")
    } else if KEYWORDS.contains(&s.as_str()) {
        format!("r#{s}")
    } else {
        s
    }
}

/// The stable operation name: method plus path, with `{param}` segments read as `by_param`.
/// `GET /sessions/{referenceNumber}/invoices` → `get_sessions_by_reference_number_invoices`.
pub fn operation_name(method: &str, path: &str) -> String {
    let mut parts = vec![method.to_ascii_lowercase()];
    for segment in path.split('/').filter(|s| !s.is_empty()) {
        if let Some(param) = segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
            parts.push("by".to_owned());
            parts.extend(words(param));
        } else {
            parts.extend(words(segment));
        }
    }
    parts.join("_")
}

/// A Rust string literal for `s`.
pub fn lit(s: &str) -> String {
    format!("{s:?}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cases() {
        assert_eq!(snake("referenceNumber"), "reference_number");
        assert_eq!(snake("type"), "r#type");
        assert_eq!(snake("x-continuation-token"), "x_continuation_token");
        assert_eq!(snake("isVatUE"), "is_vat_ue");
        assert_eq!(snake("ip4Addresses"), "ip4_addresses");
        assert_eq!(pascal("FA_RR"), "FaRr");
        assert_eq!(pascal("PEF_KOR"), "PefKor");
        assert_eq!(pascal("SubjectAuthorized"), "SubjectAuthorized");
        assert_eq!(pascal("missing-permissions"), "MissingPermissions");
        assert_eq!(pascal("VatUeManage"), "VatUeManage");
        assert_eq!(
            operation_name(
                "GET",
                "/sessions/{referenceNumber}/invoices/ksef/{ksefNumber}/upo"
            ),
            "get_sessions_by_reference_number_invoices_ksef_by_ksef_number_upo"
        );
        assert_eq!(
            operation_name("POST", "/auth/challenge"),
            "post_auth_challenge"
        );
    }
}
