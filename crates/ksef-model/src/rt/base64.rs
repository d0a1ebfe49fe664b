//! Binary payloads carried as base64 text (`format: byte` in the spec).
//!
//! [`Base64Data`] keeps the text exactly as it travels on the wire and decodes it on demand. A
//! malformed value sent by the server therefore never breaks decoding of a whole response; the
//! error surfaces where the bytes are actually needed, as a typed [`Base64Error`].

use ::base64::Engine as _;
use ::base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize};

/// Standard (RFC 4648, padded) base64 text of a binary value.
#[derive(Clone, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Base64Data(String);

/// The text of a [`Base64Data`] is not valid standard base64.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid base64 data: {reason}")]
pub struct Base64Error {
    reason: String,
}

impl Base64Data {
    /// Encodes `bytes` as standard base64.
    pub fn encode(bytes: impl AsRef<[u8]>) -> Self {
        Self(STANDARD.encode(bytes))
    }

    /// Wraps text that is already base64, without checking it (see [`Base64Data::decode`]).
    pub fn from_text(text: impl Into<String>) -> Self {
        Self(text.into())
    }

    /// Decodes the text into bytes.
    pub fn decode(&self) -> Result<Vec<u8>, Base64Error> {
        decode_str(&self.0)
    }

    /// The base64 text as sent on the wire.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Consumes the value and returns the base64 text.
    pub fn into_string(self) -> String {
        self.0
    }

    /// Length of the base64 text in characters.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether the text is empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// Decodes standard base64 text into bytes.
pub fn decode_str(text: &str) -> Result<Vec<u8>, Base64Error> {
    STANDARD.decode(text).map_err(|e| Base64Error {
        reason: e.to_string(),
    })
}

impl std::fmt::Debug for Base64Data {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Payloads can be megabytes long (encrypted invoices); show a bounded prefix.
        const SHOWN: usize = 64;
        if self.0.len() <= SHOWN {
            write!(f, "Base64Data({:?})", self.0)
        } else {
            let cut = self
                .0
                .char_indices()
                .map(|(i, _)| i)
                .take_while(|&i| i <= SHOWN)
                .last()
                .unwrap_or(0);
            write!(
                f,
                "Base64Data({:?}… {} chars)",
                &self.0[..cut],
                self.0.len()
            )
        }
    }
}

impl std::fmt::Display for Base64Data {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<Vec<u8>> for Base64Data {
    fn from(bytes: Vec<u8>) -> Self {
        Self::encode(bytes)
    }
}

impl From<&[u8]> for Base64Data {
    fn from(bytes: &[u8]) -> Self {
        Self::encode(bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_errors() {
        let d = Base64Data::encode(b"hello");
        assert_eq!(d.as_str(), "aGVsbG8=");
        assert_eq!(d.decode().unwrap(), b"hello");
        assert!(Base64Data::from_text("...").decode().is_err());
        let long = Base64Data::encode(vec![0u8; 1000]);
        assert!(format!("{long:?}").contains("chars"));
    }
}
