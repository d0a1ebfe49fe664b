//! JWT-shaped tokens (HS256) issued by the emulator.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};

/// What a token is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TokenKind {
    /// The authentication-operation token (status polling and redeem).
    Operation,
    /// An access token.
    Access,
    /// A refresh token.
    Refresh,
}

/// The claims of an emulator token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    /// Unique id.
    pub jti: String,
    /// Kind.
    pub typ: TokenKind,
    /// The authentication operation this token belongs to.
    pub auth: String,
    /// Context type (`Nip`, `InternalId`, `NipVatUe`, `PeppolId`).
    pub ctx_type: String,
    /// Context value.
    pub ctx: String,
    /// Subject kind (`Nip`, `Pesel`, `Fingerprint`, `Token`, `PeppolId`).
    pub sub_type: String,
    /// Subject value.
    pub sub: String,
    /// Permissions of the subject in the context.
    pub perms: Vec<String>,
    /// Issued at (Unix seconds).
    pub iat: i64,
    /// Expires at (Unix seconds).
    pub exp: i64,
}

/// Signs claims into a token.
pub(crate) fn issue(secret: &[u8], claims: &Claims) -> String {
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"HS256","typ":"JWT"}"#);
    let payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(claims).unwrap_or_default());
    let signing_input = format!("{header}.{payload}");
    let signature = URL_SAFE_NO_PAD.encode(mac(secret, signing_input.as_bytes()));
    format!("{signing_input}.{signature}")
}

/// Checks a token's signature and expiry and returns its claims.
pub(crate) fn verify(secret: &[u8], token: &str, now_unix: i64) -> Result<Claims, &'static str> {
    let mut parts = token.split('.');
    let (Some(header), Some(payload), Some(signature), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err("the token is not a JWT");
    };
    let given = URL_SAFE_NO_PAD
        .decode(signature)
        .map_err(|_| "bad token signature encoding")?;
    let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, secret);
    ring::hmac::verify(&key, format!("{header}.{payload}").as_bytes(), &given)
        .map_err(|_| "the token signature is invalid")?;
    let payload = URL_SAFE_NO_PAD
        .decode(payload)
        .map_err(|_| "bad token payload encoding")?;
    let claims: Claims = serde_json::from_slice(&payload).map_err(|_| "bad token payload")?;
    if claims.exp <= now_unix {
        return Err("the token has expired");
    }
    Ok(claims)
}

fn mac(secret: &[u8], data: &[u8]) -> Vec<u8> {
    let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, secret);
    ring::hmac::sign(&key, data).as_ref().to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims(exp: i64) -> Claims {
        Claims {
            jti: "1".into(),
            typ: TokenKind::Access,
            auth: "a".into(),
            ctx_type: "Nip".into(),
            ctx: "5265877635".into(),
            sub_type: "Nip".into(),
            sub: "5265877635".into(),
            perms: vec!["InvoiceWrite".into()],
            iat: 0,
            exp,
        }
    }

    #[test]
    fn round_trip_and_tamper() {
        let t = issue(b"k", &claims(100));
        assert_eq!(verify(b"k", &t, 50).unwrap(), claims(100));
        assert_eq!(verify(b"k", &t, 100), Err("the token has expired"));
        assert!(verify(b"other", &t, 50).is_err());
        let mut bad = t.clone();
        bad.insert(10, 'x');
        assert!(verify(b"k", &bad, 50).is_err());
        assert!(verify(b"k", "garbage", 50).is_err());
    }
}
