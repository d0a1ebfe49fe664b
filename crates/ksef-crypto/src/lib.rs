//! Cryptography for KSeF 2.0, with no network and no async runtime.
//!
//! | Area | Module |
//! |---|---|
//! | AES-256-CBC (PKCS#7) of invoices, batch parts and exports; streaming adapters that hash plaintext and ciphertext in the same pass; SHA-256 helpers | [`symmetric`] |
//! | Ministry of Finance public-key certificates: `publicKeyId`/`certificateId`, selection by usage and validity, RSA-OAEP key wrapping and KSeF-token encryption (and the private-key side for emulators); feature `public-key` | `public_key` |
//! | NIP, PESEL, internal identifiers and KSeF numbers (checksums, parsing, test-data generators) | [`identifiers`] |
//! | QR verification links: KOD I and signed KOD II, verification, SVG/PNG rendering (feature `qr-render`) | [`qr`] |
//! | Signing credentials (RSA and P-256 keys, certificates, PEM/DER/PKCS#12) | [`credentials`] |
//! | XML canonicalization and XAdES signatures of authentication requests | [`c14n`], [`xades`] |
//! | Certificate signing requests, self-signed test certificates, the X.509 builder (also for a local CA) | `csr`, `test_certs`, `x509_build` |
//!
//! # Features
//!
//! | Feature | Default | Adds |
//! |---|---|---|
//! | `dates` | yes | `time` dates in the API: `KsefNumber::date` and its constructors (through `ksef-ids`' `time`), `Pesel::birth_date`, `CollectiveIdentifierNumber::new`, KOD I links (`qr::invoice_verification_url`); implied by `xades` and `public-key` |
//! | `xades` | yes | [`credentials`] from PEM/DER (incl. encrypted PKCS#8), [`c14n`], [`xades`], signed KOD II links |
//! | `public-key` | no | `public_key`: Ministry of Finance certificates, RSA-OAEP key wrapping and KSeF-token encryption (the `rsa` crate and its big-number stack) |
//! | `pkcs12` | no | `.p12`/`.pfx` loading incl. legacy 3DES/RC2 (`Credentials::from_pkcs12`) |
//! | `keygen` | no | RSA and P-256 key generation (implies `public-key`) |
//! | `csr` | no | `csr`: certificate signing requests (implies `keygen`) |
//! | `test-certs` | no | `test_certs`: self-signed TEST certificates (implies `keygen`) |
//! | `test-data` | no | `identifiers::generate`: random valid NIP/PESEL/internal identifiers |
//! | `qr-render` | no | `qr::render`: SVG/PNG QR codes |
//!
//! Without default features the crate still encrypts and hashes ([`symmetric`]), checks
//! identifiers ([`identifiers`]; the same inputs parse with and without `dates`, date parts
//! included) and computes the KOD I hash segment ([`qr::invoice_hash_b64url`]).
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

/// NIP, PESEL, internal identifiers, KSeF numbers and collective identifiers: the `ksef-ids`
/// crate, the identifier types of the whole workspace (`ksef-model` uses them too).
pub use ksef_ids as identifiers;
pub mod markup;
pub mod qr;
pub(crate) mod random;
pub mod symmetric;

#[cfg(feature = "public-key")]
pub mod public_key;

#[cfg(feature = "xades")]
pub mod c14n;
#[cfg(feature = "xades")]
pub mod credentials;
#[cfg(feature = "xades")]
pub mod xades;

#[cfg(feature = "csr")]
pub mod csr;
#[cfg(feature = "test-certs")]
pub mod test_certs;
#[cfg(any(feature = "csr", feature = "test-certs"))]
pub mod x509_build;
