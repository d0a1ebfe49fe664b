//! Building an export package: `{ksefNumber}.xml` files plus `_metadata.json` in a ZIP or a
//! tar.gz archive, split into parts and each part encrypted separately with the client's key.

use std::io::{Cursor, Write};

use ksef_crypto::symmetric::SymmetricKey;
use ksef_model::InvoiceMetadata;

pub(crate) use crate::state::exports::Compression;

/// Limits of the package builder.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Limits {
    /// Most invoices in a package.
    pub max_invoices: usize,
    /// Most bytes of (compressed) invoice data in a package.
    pub max_bytes: u64,
    /// Largest part.
    pub part_size: usize,
}

/// A built, still unencrypted package.
#[derive(Debug)]
pub(crate) struct Archive {
    /// The archive bytes.
    pub bytes: Vec<u8>,
    /// The invoices it holds, in order.
    pub included: Vec<InvoiceMetadata>,
    /// Whether a limit cut the list.
    pub truncated: bool,
}

/// Why a package could not be built.
#[derive(Debug, thiserror::Error)]
pub(crate) enum PackageError {
    /// Writing the archive failed.
    #[error("cannot write the archive: {0}")]
    Archive(String),
    /// The metadata could not be serialised.
    #[error("cannot serialise the metadata: {0}")]
    Metadata(#[from] serde_json::Error),
}

impl From<std::io::Error> for PackageError {
    fn from(e: std::io::Error) -> Self {
        PackageError::Archive(e.to_string())
    }
}

impl From<zip::result::ZipError> for PackageError {
    fn from(e: zip::result::ZipError) -> Self {
        PackageError::Archive(e.to_string())
    }
}

/// The archive writer of either kind.
enum Writer {
    Zip(Box<zip::ZipWriter<Cursor<Vec<u8>>>>),
    TarGz(Box<tar::Builder<flate2::write::GzEncoder<Vec<u8>>>>),
}

impl Writer {
    fn new(kind: Compression) -> Self {
        match kind {
            Compression::Zip => Writer::Zip(Box::new(zip::ZipWriter::new(Cursor::new(Vec::new())))),
            Compression::TarGz => {
                let gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
                let mut builder = tar::Builder::new(gz);
                builder.mode(tar::HeaderMode::Deterministic);
                Writer::TarGz(Box::new(builder))
            }
        }
    }

    /// Compressed bytes written so far (approximate for tar.gz: buffered data is not counted).
    fn written(&mut self) -> u64 {
        let n = match self {
            Writer::Zip(z) => z.get_ref().map_or(0, |c| c.get_ref().len()),
            Writer::TarGz(t) => t.get_ref().get_ref().len(),
        };
        u64::try_from(n).unwrap_or(u64::MAX)
    }

    fn add(&mut self, name: &str, data: &[u8]) -> Result<(), PackageError> {
        match self {
            Writer::Zip(z) => {
                let options = zip::write::SimpleFileOptions::default()
                    .compression_method(zip::CompressionMethod::Deflated)
                    .large_file(data.len() >= 0xFFFF_FFFF);
                z.start_file(name, options)?;
                z.write_all(data)?;
            }
            Writer::TarGz(t) => {
                let mut header = tar::Header::new_gnu();
                header.set_size(u64::try_from(data.len()).unwrap_or(u64::MAX));
                header.set_mode(0o644);
                header.set_entry_type(tar::EntryType::Regular);
                t.append_data(&mut header, name, data)?;
            }
        }
        Ok(())
    }

    fn finish(self) -> Result<Vec<u8>, PackageError> {
        match self {
            Writer::Zip(z) => Ok((*z).finish()?.into_inner()),
            Writer::TarGz(t) => Ok((*t).into_inner()?.finish()?),
        }
    }
}

/// Builds the archive from `candidates` (already in ascending date order), fetching each
/// invoice's XML with `xml_of` (which returns `None` for an invoice that vanished). Stops at the
/// invoice or size limit; `_metadata.json` does not count toward the limits.
pub(crate) fn build(
    kind: Compression,
    candidates: &[InvoiceMetadata],
    only_metadata: bool,
    limits: Limits,
    mut xml_of: impl FnMut(&str) -> Option<Vec<u8>>,
) -> Result<Archive, PackageError> {
    let mut writer = Writer::new(kind);
    let mut included: Vec<InvoiceMetadata> = Vec::new();
    let mut truncated = false;
    for meta in candidates {
        if included.len() >= limits.max_invoices {
            truncated = true;
            break;
        }
        if !only_metadata {
            let Some(xml) = xml_of(meta.ksef_number.as_str()) else {
                continue;
            };
            let upper = writer
                .written()
                .saturating_add(u64::try_from(xml.len()).unwrap_or(u64::MAX));
            if !included.is_empty() && upper > limits.max_bytes {
                truncated = true;
                break;
            }
            writer.add(&format!("{}.xml", meta.ksef_number.as_str()), &xml)?;
        }
        included.push(meta.clone());
    }
    let metadata = serde_json::to_vec(&serde_json::json!({ "invoices": included }))?;
    writer.add("_metadata.json", &metadata)?;
    Ok(Archive {
        bytes: writer.finish()?,
        included,
        truncated,
    })
}

/// One encrypted part, ready to store.
#[derive(Debug)]
pub(crate) struct EncryptedPart {
    /// Plain size.
    pub size: usize,
    /// SHA-256 (base64) of the plain bytes.
    pub hash: String,
    /// The encrypted bytes.
    pub encrypted: Vec<u8>,
    /// SHA-256 (base64) of the encrypted bytes.
    pub encrypted_hash: String,
}

/// Splits the archive into parts of at most `part_size` bytes and encrypts each separately
/// (AES-256-CBC, PKCS#7, the client's key and IV).
pub(crate) fn split_and_encrypt(
    bytes: &[u8],
    part_size: usize,
    key: &SymmetricKey,
) -> Vec<EncryptedPart> {
    bytes
        .chunks(part_size.max(1))
        .map(|chunk| {
            let encrypted = key.encrypt(chunk);
            EncryptedPart {
                size: chunk.len(),
                hash: crate::storage::sha256_b64(chunk),
                encrypted_hash: crate::storage::sha256_b64(&encrypted),
                encrypted,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_decrypt_separately_and_concatenate() {
        let key = SymmetricKey::generate();
        let data: Vec<u8> = (0..10_000u32).map(|i| (i % 251) as u8).collect();
        let parts = split_and_encrypt(&data, 3000, &key);
        assert_eq!(parts.len(), 4);
        let mut joined = Vec::new();
        for p in &parts {
            joined.extend(key.decrypt(&p.encrypted).unwrap());
        }
        assert_eq!(joined, data);
    }
}
