//! Cryptography for KSeF 2.0, with no network and no async runtime.
//!
//! | Area | Module |
//! |---|---|
//! | AES-256-CBC (PKCS#7) of invoices, batch parts and exports; streaming adapters that hash plaintext and ciphertext in the same pass; SHA-256 helpers | [`symmetric`] |
//! | Ministry of Finance public-key certificates: `publicKeyId`/`certificateId`, selection by usage and validity, RSA-OAEP key wrapping and KSeF-token encryption (and the private-key side for emulators) | [`public_key`] |
//! | NIP, PESEL, internal identifiers and KSeF numbers (checksums, parsing, test-data generators) | [`identifiers`] |
//! | QR verification links: KOD I and signed KOD II, verification, SVG/PNG rendering (feature `qr-render`) | [`qr`] |
//! | Signing credentials (RSA and P-256 keys, certificates, PEM/DER/PKCS#12) | [`credentials`] |
//! | XML canonicalization and XAdES signatures of authentication requests | [`c14n`], [`xades`] |
//! | Certificate signing requests and self-signed test certificates | [`csr`], [`test_certs`] |
//!
//! # Example: encrypt an invoice and get the hashes the API asks for
//!
//! ```
//! use std::io::Write;
//! use ksef_crypto::symmetric::SymmetricKey;
//!
//! # fn main() -> std::io::Result<()> {
//! let key = SymmetricKey::generate(); // one key + IV per session
//! let invoice = b"<Faktura>...</Faktura>";
//!
//! let mut writer = key.encrypting_writer(Vec::new());
//! writer.write_all(invoice)?;
//! let (ciphertext, digests) = writer.finish()?;
//!
//! assert_eq!(digests.plain.size, invoice.len() as u64); // invoiceSize
//! assert_eq!(digests.cipher.size, ciphertext.len() as u64); // encryptedInvoiceSize
//! assert_eq!(digests.plain.sha256_base64().len(), 44); // invoiceHash
//! assert_eq!(key.decrypt(&ciphertext).unwrap(), invoice);
//! # Ok(())
//! # }
//! ```
#![forbid(unsafe_code)]

// c1: symmetric encryption, public keys, identifiers, QR links
pub mod identifiers;
pub mod public_key;
pub mod qr;
pub mod symmetric;

// c2: credentials, canonicalization, XAdES, test certificates, CSR
pub mod c14n;
pub mod credentials;
pub mod csr;
pub mod test_certs;
mod x509_build;
pub mod xades;
