//! Errors of credential loading and signing.

/// Failure to load, match or use a private key and certificate.
///
/// No variant ever carries key material or a password.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CredentialsError {
    /// The input is not valid PEM (or holds no PEM block at all).
    #[error("invalid PEM: {0}")]
    InvalidPem(String),
    /// A PEM block of a type this crate cannot use.
    #[error("unsupported PEM block type `{0}`")]
    UnsupportedPemLabel(String),
    /// The input holds no private key.
    #[error("no private key found")]
    NoPrivateKey,
    /// The input holds more than one private key.
    #[error("more than one private key found")]
    MultiplePrivateKeys,
    /// The input holds no certificate (or none matching the private key).
    #[error("no certificate found")]
    NoCertificate,
    /// The private key cannot be decoded.
    #[error("invalid private key: {0}")]
    InvalidKey(String),
    /// The key algorithm (OID) is not RSA or EC.
    #[error("unsupported key algorithm {0}")]
    UnsupportedKeyAlgorithm(String),
    /// The EC key is not on P-256.
    #[error("unsupported elliptic curve {0} (only P-256 is supported)")]
    UnsupportedCurve(String),
    /// The RSA key is shorter than 2048 bits.
    #[error("RSA key too small: {bits} bits (at least 2048 required)")]
    RsaKeyTooSmall {
        /// Modulus size in bits.
        bits: usize,
    },
    /// The certificate cannot be decoded.
    #[error("invalid certificate: {0}")]
    InvalidCertificate(String),
    /// The private key does not belong to the certificate's public key.
    #[error("the private key does not match the certificate's public key")]
    KeyCertificateMismatch,
    /// The key is encrypted and no password was given.
    #[error("the key is encrypted: a password is required")]
    PasswordRequired,
    /// Decryption failed: wrong password or corrupt data.
    #[error("decryption failed (wrong password or corrupt data)")]
    DecryptionFailed,
    /// The encryption scheme is not supported (legacy OpenSSL PEM encryption, PBES2 with scrypt or
    /// DES, PKCS#12 3DES/RC2 without the `pkcs12` feature, ...).
    #[error("unsupported encryption scheme: {0}")]
    UnsupportedEncryption(String),
    /// The PKCS#12 file cannot be decoded.
    #[error("invalid PKCS#12 file: {0}")]
    InvalidPkcs12(String),
    /// The PKCS#12 integrity MAC does not match (wrong password or corrupt file).
    #[error("PKCS#12 MAC verification failed (wrong password or corrupt file)")]
    Pkcs12MacMismatch,
    /// The PKCS#12 MAC algorithm is not supported.
    #[error("unsupported PKCS#12 MAC algorithm {0}")]
    UnsupportedMac(String),
    /// The signing operation failed.
    #[error("signing failed: {0}")]
    Signing(String),
    /// The operation needs a key of another type (e.g. ECDSA with an RSA key).
    #[error("wrong key type: {0}")]
    WrongKeyType(&'static str),
    /// Key generation failed.
    #[error("key generation failed: {0}")]
    KeyGeneration(String),
    /// Building a certificate or CSR failed.
    #[error("encoding failed: {0}")]
    Encoding(String),
}

impl From<der::Error> for CredentialsError {
    fn from(e: der::Error) -> Self {
        CredentialsError::Encoding(e.to_string())
    }
}
