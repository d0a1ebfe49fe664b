//! `X-System-Warning`: `[code]: message | [code]: message`, sent on success responses.

/// One system warning.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SystemWarning {
    /// The code between brackets.
    pub code: String,
    /// The message.
    pub message: String,
}

/// Parses the header value; items that do not follow the format are kept whole with an empty code.
pub fn parse_system_warnings(value: &str) -> Vec<SystemWarning> {
    value
        .split('|')
        .map(str::trim)
        .filter(|item| !item.is_empty())
        .map(|item| {
            let parsed = item.strip_prefix('[').and_then(|rest| {
                let (code, message) = rest.split_once(']')?;
                let message = message.strip_prefix(':').unwrap_or(message);
                Some(SystemWarning {
                    code: code.trim().to_owned(),
                    message: message.trim().to_owned(),
                })
            });
            parsed.unwrap_or_else(|| SystemWarning {
                code: String::new(),
                message: item.to_owned(),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn parses_items() {
        let w = super::parse_system_warnings("[W001]: Planowana przerwa | [W002]: Druga");
        assert_eq!(w.len(), 2);
        assert_eq!(w[0].code, "W001");
        assert_eq!(w[0].message, "Planowana przerwa");
        assert_eq!(super::parse_system_warnings("plain")[0].message, "plain");
    }
}
