//! Splitting a PEM text into its blocks (each block is decoded by `pem-rfc7468` via `der`).

use zeroize::Zeroizing;

use super::error::CredentialsError;

/// One decoded PEM block. The DER bytes are zeroized on drop (they may be a private key).
pub(crate) struct PemBlock {
    pub(crate) label: String,
    pub(crate) der: Zeroizing<Vec<u8>>,
}

const BEGIN: &str = "-----BEGIN ";
const END: &str = "-----END ";
const DASHES: &str = "-----";

/// Decodes every PEM block of `text`, ignoring text between blocks (OpenSSL "Bag Attributes" etc.).
pub(crate) fn pem_blocks(text: &str) -> Result<Vec<PemBlock>, CredentialsError> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find(BEGIN) {
        let from_begin = rest.get(start..).unwrap_or("");
        let after_begin = from_begin.get(BEGIN.len()..).unwrap_or("");
        let label_end = after_begin
            .find(DASHES)
            .ok_or_else(|| CredentialsError::InvalidPem("unterminated BEGIN line".into()))?;
        let label = after_begin.get(..label_end).unwrap_or("");
        let end_marker = format!("{END}{label}{DASHES}");
        let end_pos = from_begin
            .find(&end_marker)
            .ok_or_else(|| CredentialsError::InvalidPem(format!("missing END line for {label}")))?;
        let block_len = end_pos + end_marker.len();
        let block = from_begin.get(..block_len).unwrap_or("");
        if block.contains("Proc-Type:") || block.contains("DEK-Info:") {
            return Err(CredentialsError::UnsupportedEncryption(
                "legacy OpenSSL PEM encryption (Proc-Type/DEK-Info); convert the key to \
                 encrypted PKCS#8 with `openssl pkcs8 -topk8`"
                    .into(),
            ));
        }
        let (decoded_label, der) = der::pem::decode_vec(block.as_bytes())
            .map_err(|e| CredentialsError::InvalidPem(e.to_string()))?;
        out.push(PemBlock {
            label: decoded_label.to_owned(),
            der: Zeroizing::new(der),
        });
        rest = from_begin.get(block_len..).unwrap_or("");
    }
    if out.is_empty() {
        return Err(CredentialsError::InvalidPem("no PEM block found".into()));
    }
    Ok(out)
}
