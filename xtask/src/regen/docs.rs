//! Turning the spec's descriptions (Polish Markdown) into rustdoc comments.
//!
//! The text is kept as written; only what rustdoc would misread is adjusted: code fences without
//! a language become `text` blocks (so they are never compiled as doctests), indentation that
//! would start an indented code block is reduced, bare URLs are wrapped in `<…>` and stray
//! angle brackets are escaped.

/// Renders `text` as `///` lines with the given indentation.
pub fn doc_comment(text: &str, indent: &str) -> String {
    let mut out = String::new();
    for line in sanitize(text).lines() {
        if line.is_empty() {
            out.push_str(&format!("{indent}///\n"));
        } else {
            out.push_str(&format!("{indent}/// {line}\n"));
        }
    }
    out
}

/// The first sentence of a description, for a one-line summary (a setter's doc). Reads the
/// opening prose lines (up to a blank line, table, list or quote) and cuts after the first full
/// stop that ends a sentence: one followed by a capital letter, outside a code span and not after
/// a Polish abbreviation (`np.`, `tj.`, …). `None` when the text has no prose.
pub fn first_sentence(text: &str) -> Option<String> {
    const ABBREVIATIONS: &[&str] = &[
        "np", "tj", "in", "itp", "itd", "art", "ust", "pkt", "nr", "r", "ok", "zob",
    ];
    let mut prose = Vec::new();
    for line in text.lines() {
        let line = line.trim();
        let block = ["|", ">", "#", "- ", "* ", "+ ", "```"];
        if line.is_empty() || block.iter().any(|b| line.starts_with(b)) {
            if prose.is_empty() && line.is_empty() {
                continue;
            }
            break;
        }
        prose.push(line);
    }
    let prose = prose.join(" ");
    if prose.is_empty() {
        return None;
    }
    let mut in_code = false;
    for (i, c) in prose.char_indices() {
        match c {
            '`' => in_code = !in_code,
            '.' if !in_code => {
                let rest = &prose[i + 1..];
                let next = rest
                    .trim_start()
                    .trim_start_matches(['*', '_'])
                    .chars()
                    .next();
                let ends = rest.starts_with(' ') && next.is_some_and(char::is_uppercase);
                let word = prose[..i]
                    .rsplit(|ch: char| !ch.is_alphanumeric())
                    .next()
                    .unwrap_or("");
                if ends && !ABBREVIATIONS.contains(&word.to_lowercase().as_str()) {
                    return Some(prose[..=i].to_owned());
                }
            }
            _ => {}
        }
    }
    let prose = prose.trim_end_matches([':', ',', ';', ' ']);
    Some(
        if prose
            .trim_end_matches(['*', '_'])
            .ends_with(['.', '?', '!'])
        {
            prose.to_owned()
        } else {
            format!("{prose}.")
        },
    )
}

/// Applies the adjustments described in the module documentation.
pub fn sanitize(text: &str) -> String {
    let text = text.replace("\r\n", "\n").replace('\t', "    ");
    let mut out = Vec::new();
    let mut in_fence = false;
    let mut prev_blank = true;
    for raw in text.trim_matches('\n').lines() {
        let line = raw.trim_end();
        let trimmed = line.trim_start();
        if trimmed.starts_with("```") {
            if in_fence {
                out.push("```".to_owned());
            } else {
                let lang = trimmed.trim_start_matches('`').trim();
                let lang = if lang.is_empty() || lang == "rust" {
                    "text"
                } else {
                    lang
                };
                out.push(format!("```{lang}"));
            }
            in_fence = !in_fence;
            prev_blank = false;
            continue;
        }
        if in_fence {
            out.push(line.to_owned());
            continue;
        }
        let indent = line.len() - trimmed.len();
        let line = if prev_blank && indent >= 4 {
            format!("   {trimmed}")
        } else {
            line.to_owned()
        };
        prev_blank = trimmed.is_empty();
        out.push(escape_inline(&line));
    }
    if in_fence {
        out.push("```".to_owned());
    }
    out.join("\n")
}

/// Escapes angle brackets that are not a known HTML tag or an autolink, and wraps bare URLs.
fn escape_inline(line: &str) -> String {
    let mut out = String::with_capacity(line.len() + 8);
    let mut in_code = false;
    let mut rest = line;
    while let Some(c) = rest.chars().next() {
        if c == '`' {
            in_code = !in_code;
            out.push(c);
            rest = &rest[1..];
            continue;
        }
        if in_code {
            out.push(c);
            rest = &rest[c.len_utf8()..];
            continue;
        }
        if c == '<' {
            if let Some(end) = rest.find('>') {
                let inner = &rest[1..end];
                if is_allowed_tag(inner) || inner.starts_with("http") {
                    out.push_str(&rest[..=end]);
                    rest = &rest[end + 1..];
                    continue;
                }
            }
            out.push_str("&lt;");
            rest = &rest[1..];
            continue;
        }
        if c == '>' && !out.trim().is_empty() {
            out.push_str("&gt;");
            rest = &rest[1..];
            continue;
        }
        if rest.starts_with("http://") || rest.starts_with("https://") {
            let prev = out.chars().last();
            let len = rest
                .find(|ch: char| ch.is_whitespace() || matches!(ch, ')' | '>' | '|' | '"'))
                .unwrap_or(rest.len());
            let url = rest[..len].trim_end_matches(['.', ',', ';', ':']);
            if matches!(prev, Some('(') | Some('<')) {
                out.push_str(url);
            } else {
                out.push('<');
                out.push_str(url);
                out.push('>');
            }
            rest = &rest[url.len()..];
            continue;
        }
        out.push(c);
        rest = &rest[c.len_utf8()..];
    }
    out
}

fn is_allowed_tag(inner: &str) -> bool {
    let name = inner
        .trim_start_matches('/')
        .trim_end_matches('/')
        .split_whitespace()
        .next()
        .unwrap_or("");
    matches!(
        name.to_ascii_lowercase().as_str(),
        "br" | "b" | "i" | "em" | "strong" | "code" | "p" | "ul" | "ol" | "li" | "sup" | "sub"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fences_urls_and_brackets() {
        let s = sanitize("Tekst <br> i <token>\n```\nx\n```\nZob. https://ksef.mf.gov.pl/a.");
        assert!(s.contains("```text"), "{s}");
        assert!(s.contains("&lt;token&gt;"), "{s}");
        assert!(s.contains("<br>"), "{s}");
        assert!(s.contains("<https://ksef.mf.gov.pl/a>."), "{s}");
        let s = sanitize("[link](https://example.com/x) `<a>`");
        assert_eq!(s, "[link](https://example.com/x) `<a>`");
        let s = sanitize("> cytat");
        assert_eq!(s, "> cytat");
    }

    #[test]
    fn first_sentences() {
        let one = |t: &str| first_sentence(t).unwrap_or_default();
        assert_eq!(
            one(
                "Token służący do pobrania kolejnej strony wyników. Jeśli jest pusty, to nie ma kolejnych stron."
            ),
            "Token służący do pobrania kolejnej strony wyników."
        );
        assert_eq!(
            one("Metoda uwierzytelnienia.\n| Wartość | Opis |\n| --- | --- |"),
            "Metoda uwierzytelnienia."
        );
        assert_eq!(
            one("Kraj wydania dokumentu (np. PL, DE, US) oraz 2 litery. Dalej."),
            "Kraj wydania dokumentu (np. PL, DE, US) oraz 2 litery."
        );
        assert_eq!(
            one("Nazwa i adres w formacie: \n`{a}, {b}`"),
            "Nazwa i adres w formacie: `{a}, {b}`."
        );
        assert_eq!(one("Kod `A. B` i dalej"), "Kod `A. B` i dalej.");
        assert_eq!(one("| a | b |"), "");
        assert_eq!(one("Dane.\n*Wymagane, gdy X.*"), "Dane.");
        assert_eq!(one("**Uwaga** ważne"), "**Uwaga** ważne.");
    }
}
