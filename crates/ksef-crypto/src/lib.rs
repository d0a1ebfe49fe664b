//! Cryptography for KSeF 2.0, with no network and no async runtime.
//!
//! AES-256-CBC for invoices and packages, RSA-OAEP key wrapping with the Ministry of Finance public
//! keys, KSeF-token encryption, XAdES signatures of authentication requests, QR verification links
//! and identifier checksums (NIP, PESEL, KSeF numbers).
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
