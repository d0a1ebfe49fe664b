//! Authentication: challenge, XAdES and KSeF-token initiation, status, redeem, refresh, and the
//! list/termination of authentication sessions.

use axum::extract::{ConnectInfo, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post};
use axum::{Extension, Json, Router};
use ksef_crypto::xades::{SignerIdentity, VerifyOptions, XadesError, verify_auth_request};
use ksef_model::{
    AuthenticationChallengeResponse, AuthenticationInitResponse, AuthenticationMethod,
    AuthenticationMethodCategory, AuthenticationMethodInfo, AuthenticationOperationStatusResponse,
    AuthenticationTokenRefreshResponse, AuthenticationTokensResponse, Challenge,
    InitTokenAuthenticationRequest, ReferenceNumber, StatusInfo, TokenInfo,
};
use serde::Deserialize;
use time::OffsetDateTime;

use crate::app_state::AppState;
use crate::error::{EmuError, EmuResult};
use crate::jwt::{Claims, TokenKind};
use crate::keys::Usage;
use crate::pipeline::Caller;
use crate::state::{AuthOperation, AuthOutcome, ChallengeRecord, Ident};

/// The routes of this area.
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/auth/challenge", post(challenge))
        .route("/auth/xades-signature", post(xades_signature))
        .route("/auth/ksef-token", post(ksef_token))
        .route("/auth/token/redeem", post(redeem))
        .route("/auth/token/refresh", post(refresh))
        .route("/auth/{referenceNumber}", get(status))
}

fn client_ip(headers: &HeaderMap, peer: std::net::SocketAddr) -> String {
    headers
        .get("x-forwarded-for")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(',').next())
        .map(|v| v.trim().to_owned())
        .unwrap_or_else(|| peer.ip().to_string())
}

async fn challenge(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<std::net::SocketAddr>,
    headers: HeaderMap,
) -> Json<AuthenticationChallengeResponse> {
    let now = OffsetDateTime::now_utc();
    let value = crate::ids::reference_number("CR", now);
    let timestamp_ms = crate::clock::unix_ms(now);
    state.store().challenges.insert(
        value.clone(),
        ChallengeRecord {
            issued: now,
            timestamp_ms,
            used: false,
        },
    );
    Json(AuthenticationChallengeResponse::new(
        Challenge::new_unchecked(value),
        now,
        timestamp_ms,
        client_ip(&headers, peer),
    ))
}

/// Checks that `challenge` was issued, is fresh and unused, and marks it used.
fn take_challenge(state: &AppState, challenge: &str) -> EmuResult<ChallengeRecord> {
    let ttl =
        time::Duration::seconds(i64::try_from(state.config().challenge_ttl_secs).unwrap_or(600));
    let mut store = state.store();
    let invalid = || EmuError::bad_request(21111, "Nieprawidłowe wyzwanie autoryzacyjne.", []);
    let record = store.challenges.get_mut(challenge).ok_or_else(invalid)?;
    if record.used || OffsetDateTime::now_utc() - record.issued > ttl {
        return Err(invalid());
    }
    record.used = true;
    Ok(record.clone())
}

fn xades_error(e: &XadesError) -> EmuError {
    let (code, description) = match e {
        XadesError::MalformedXml(_) => (21001, "Nieczytelna treść."),
        XadesError::InvalidRequest(_) => (21401, "Dokument nie jest zgodny ze schemą (xsd)."),
        XadesError::MissingSignature => (9102, "Brak podpisu."),
        XadesError::TooManySignatures(_) => (9103, "Przekroczona liczba dozwolonych podpisów."),
        XadesError::MissingCertificate | XadesError::InvalidCertificate(_) => {
            (21115, "Nieprawidłowy certyfikat.")
        }
        XadesError::SubjectNotRecognized => (
            21117,
            "Nieprawidłowy identyfikator podmiotu dla wskazanego typu kontekstu.",
        ),
        XadesError::MalformedSignature(_)
        | XadesError::UnsupportedAlgorithm(_)
        | XadesError::UnsupportedTransform(_)
        | XadesError::UnsupportedReference(_) => (9101, "Nieprawidłowy dokument."),
        _ => (9105, "Nieprawidłowy podpis."),
    };
    EmuError::bad_request(code, description, [e.to_string()])
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct XadesQuery {
    verify_certificate_chain: Option<bool>,
}

fn context_ident(kind: &str, value: &str) -> Ident {
    Ident::new(kind, value)
}

async fn xades_signature(
    State(state): State<AppState>,
    Query(query): Query<XadesQuery>,
    body: bytes::Bytes,
) -> EmuResult<(StatusCode, Json<AuthenticationInitResponse>)> {
    if body.starts_with(&[0xEF, 0xBB, 0xBF]) {
        return Err(EmuError::bad_request(
            21217,
            "Nieprawidłowe kodowanie znaków.",
            ["Dokument zawiera znacznik BOM.".to_owned()],
        ));
    }
    let xml = std::str::from_utf8(&body)
        .map_err(|_| EmuError::bad_request(21217, "Nieprawidłowe kodowanie znaków.", []))?;
    let verified = verify_auth_request(xml, &VerifyOptions::at(OffsetDateTime::now_utc()))
        .map_err(|e| xades_error(&e))?;
    take_challenge(&state, &verified.challenge)?;
    let context = context_ident(
        verified.context_identifier.element_name(),
        verified.context_identifier.value(),
    );
    let (subject, method) = match &verified.signer {
        SignerIdentity::Pesel(p) => (
            Ident::new("Pesel", p),
            AuthenticationMethod::QualifiedSignature,
        ),
        SignerIdentity::PersonNip(n) => (
            Ident::new("Nip", n),
            AuthenticationMethod::QualifiedSignature,
        ),
        SignerIdentity::SealNip(n) => (Ident::new("Nip", n), AuthenticationMethod::QualifiedSeal),
        SignerIdentity::Fingerprint(f) => (
            Ident::new("Fingerprint", f),
            AuthenticationMethod::QualifiedSignature,
        ),
    };
    let self_signed = verified.certificate.issuer_name() == verified.certificate.subject_name();
    let outcome = if query.verify_certificate_chain == Some(true) && self_signed {
        AuthOutcome::Failed(
            460,
            "Uwierzytelnianie zakończone niepowodzeniem z powodu błędu certyfikatu".into(),
            vec!["Niezaufany łańcuch certyfikatów".into()],
        )
    } else {
        grant(&state, &context, &subject)
    };
    Ok((
        StatusCode::ACCEPTED,
        Json(start_operation(
            &state, method, context, subject, outcome, None,
        )),
    ))
}

fn grant(state: &AppState, context: &Ident, subject: &Ident) -> AuthOutcome {
    let permissions = state.store().permissions_of(context, subject);
    if permissions.is_empty() {
        AuthOutcome::Failed(
            415,
            "Uwierzytelnianie zakończone niepowodzeniem".into(),
            vec!["Brak przypisanych uprawnień".into()],
        )
    } else {
        AuthOutcome::Granted(permissions)
    }
}

fn start_operation(
    state: &AppState,
    method: AuthenticationMethod,
    context: Ident,
    subject: Ident,
    outcome: AuthOutcome,
    ksef_token_reference: Option<String>,
) -> AuthenticationInitResponse {
    let outcome = crate::state::testdata::unless_blocked(&state.store(), &context, outcome);
    let now = OffsetDateTime::now_utc();
    let reference = crate::ids::reference_number("AU", now);
    let ttl = time::Duration::seconds(
        i64::try_from(state.config().operation_token_ttl_secs).unwrap_or(2700),
    );
    let claims = Claims {
        jti: crate::ids::reference_number("OT", now),
        typ: TokenKind::Operation,
        auth: reference.clone(),
        ctx_type: context.kind.clone(),
        ctx: context.value.clone(),
        sub_type: subject.kind.clone(),
        sub: subject.value.clone(),
        perms: Vec::new(),
        iat: now.unix_timestamp(),
        exp: (now + ttl).unix_timestamp(),
    };
    let token = crate::jwt::issue(state.jwt_secret(), &claims);
    let processing =
        time::Duration::milliseconds(i64::try_from(state.config().auth_processing_ms).unwrap_or(0));
    state.store().auth_operations.insert(
        reference.clone(),
        AuthOperation {
            reference: reference.clone(),
            start: now,
            ready_at: now + processing,
            method: method.as_str().to_owned(),
            context,
            subject,
            outcome,
            redeemed: false,
            refresh_jti: None,
            refresh_valid_until: None,
            revoked: false,
            last_refresh: None,
            ksef_token_reference,
        },
    );
    AuthenticationInitResponse::new(
        ReferenceNumber::new_unchecked(reference),
        TokenInfo::new(token, now + ttl),
    )
}

async fn ksef_token(
    State(state): State<AppState>,
    Json(body): Json<InitTokenAuthenticationRequest>,
) -> EmuResult<(StatusCode, Json<AuthenticationInitResponse>)> {
    let keys = match &body.public_key_id {
        Some(id) => {
            vec![state.keys().by_id(Usage::KsefTokenEncryption, id.as_str()).ok_or_else(|| {
            EmuError::bad_request(
                21470,
                "Przesłany identyfikator klucza jest nieznany lub wskazuje na wycofany klucz.",
                [format!("Klucz o identyfikatorze {} nie jest wspierany.", id.as_str())],
            )
        })?]
        }
        None => state.keys().usable(Usage::KsefTokenEncryption),
    };
    let challenge = take_challenge(&state, body.challenge.as_str())?;
    let context = context_ident(
        body.context_identifier.r#type.as_str(),
        &body.context_identifier.value,
    );
    let decrypted = keys.iter().find_map(|k| {
        k.decrypt
            .decrypt_ksef_token(body.encrypted_token.as_str())
            .ok()
    });
    let bad_token = |detail: &str| {
        AuthOutcome::Failed(
            450,
            "Uwierzytelnianie zakończone niepowodzeniem z powodu błędnego tokenu".into(),
            vec![detail.into()],
        )
    };
    let mut token_reference = None;
    let (subject, outcome) = match decrypted {
        None => (
            Ident::new("Token", "unknown"),
            bad_token("Nieprawidłowy token"),
        ),
        Some(d) if d.timestamp_ms() != challenge.timestamp_ms => (
            Ident::new("Token", "unknown"),
            bad_token("Nieprawidłowy czas tokena"),
        ),
        Some(d) => {
            let mut store = state.store();
            let now = OffsetDateTime::now_utc();
            match store
                .ksef_tokens
                .values_mut()
                .find(|t| t.secret == d.token())
            {
                None => (
                    Ident::new("Token", "unknown"),
                    bad_token("Nieprawidłowy token"),
                ),
                Some(t) if t.status == "Revoked" || t.status == "Revoking" => (
                    Ident::new("Token", t.reference.clone()),
                    bad_token("Token unieważniony"),
                ),
                Some(t) if t.status != "Active" => (
                    Ident::new("Token", t.reference.clone()),
                    bad_token("Token nieaktywny"),
                ),
                Some(t) if t.context != context => (
                    Ident::new("Token", t.reference.clone()),
                    bad_token("Nieprawidłowy token"),
                ),
                Some(t) => {
                    t.last_use = Some(now);
                    token_reference = Some(t.reference.clone());
                    let subject = Ident::new("Token", t.reference.clone());
                    let outcome = if t.permissions.is_empty() {
                        AuthOutcome::Failed(
                            415,
                            "Uwierzytelnianie zakończone niepowodzeniem".into(),
                            vec!["Brak przypisanych uprawnień".into()],
                        )
                    } else {
                        AuthOutcome::Granted(t.permissions.clone())
                    };
                    (subject, outcome)
                }
            }
        }
    };
    Ok((
        StatusCode::ACCEPTED,
        Json(start_operation(
            &state,
            AuthenticationMethod::Token,
            context,
            subject,
            outcome,
            token_reference,
        )),
    ))
}

pub(crate) fn method_info(method: &str) -> AuthenticationMethodInfo {
    let (category, name) = match method {
        "Token" => (AuthenticationMethodCategory::Token, "Token KSeF"),
        "QualifiedSeal" => (
            AuthenticationMethodCategory::XadesSignature,
            "Pieczęć kwalifikowana",
        ),
        _ => (
            AuthenticationMethodCategory::XadesSignature,
            "Podpis kwalifikowany",
        ),
    };
    AuthenticationMethodInfo::new(category, method.to_owned(), name.to_owned())
}

pub(crate) fn status_info(op: &AuthOperation) -> StatusInfo {
    if OffsetDateTime::now_utc() < op.ready_at {
        return StatusInfo::new(100, "Uwierzytelnianie w toku".into());
    }
    if op.revoked {
        let mut s = StatusInfo::new(425, "Uwierzytelnienie unieważnione".into());
        s.details = Some(vec![
            "Uwierzytelnienie i powiązane refresh tokeny zostały unieważnione przez użytkownika"
                .into(),
        ]);
        return s;
    }
    match &op.outcome {
        AuthOutcome::Granted(_) => {
            StatusInfo::new(200, "Uwierzytelnianie zakończone sukcesem".into())
        }
        AuthOutcome::Failed(code, description, details) => {
            let mut s = StatusInfo::new(*code, description.clone());
            s.details = Some(details.clone());
            s
        }
    }
}

fn not_found(reference: &str) -> EmuError {
    EmuError::bad_request(
        21304,
        "Brak uwierzytelnienia.",
        [format!(
            "Operacja uwierzytelniania o numerze referencyjnym {reference} nie została znaleziona."
        )],
    )
}

async fn status(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(reference): Path<String>,
) -> EmuResult<Json<AuthenticationOperationStatusResponse>> {
    if caller.claims.auth != reference {
        return Err(not_found(&reference));
    }
    let store = state.store();
    let op = store
        .auth_operations
        .get(&reference)
        .ok_or_else(|| not_found(&reference))?;
    let mut response = AuthenticationOperationStatusResponse::new(
        op.start,
        AuthenticationMethod::from(op.method.as_str()),
        status_info(op),
    );
    response.authentication_method_info = Some(method_info(&op.method));
    response.is_token_redeemed = Some(op.redeemed);
    response.last_token_refresh_date = op.last_refresh;
    response.refresh_token_valid_until = op.refresh_valid_until;
    Ok(Json(response))
}

fn issue(
    state: &AppState,
    op: &AuthOperation,
    kind: TokenKind,
    ttl_secs: u64,
    perms: &[String],
) -> (String, String, OffsetDateTime) {
    let now = OffsetDateTime::now_utc();
    let until = now + time::Duration::seconds(i64::try_from(ttl_secs).unwrap_or(900));
    let jti = crate::ids::reference_number("TK", now);
    let claims = Claims {
        jti: jti.clone(),
        typ: kind,
        auth: op.reference.clone(),
        ctx_type: op.context.kind.clone(),
        ctx: op.context.value.clone(),
        sub_type: op.subject.kind.clone(),
        sub: op.subject.value.clone(),
        perms: perms.to_vec(),
        iat: now.unix_timestamp(),
        exp: until.unix_timestamp(),
    };
    (crate::jwt::issue(state.jwt_secret(), &claims), jti, until)
}

async fn redeem(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
) -> EmuResult<Json<AuthenticationTokensResponse>> {
    let reference = caller.claims.auth.clone();
    let mut store = state.store();
    let op = store
        .auth_operations
        .get_mut(&reference)
        .ok_or_else(|| not_found(&reference))?;
    let unauthorized = |detail: String| EmuError::bad_request(21301, "Brak autoryzacji.", [detail]);
    if op.redeemed {
        return Err(unauthorized(format!(
            "Tokeny dla operacji uwierzytelniania {reference} zostały już pobrane."
        )));
    }
    let status = status_info(op);
    let AuthOutcome::Granted(perms) = op.outcome.clone() else {
        return Err(unauthorized(format!(
            "Status uwierzytelniania ({}) nie pozwala na pobranie tokenów.",
            status.code
        )));
    };
    if status.code != 200 {
        return Err(unauthorized(format!(
            "Status uwierzytelniania ({}) nie pozwala na pobranie tokenów.",
            status.code
        )));
    }
    let config = state.config();
    let (access, _, access_until) = issue(
        &state,
        op,
        TokenKind::Access,
        config.access_token_ttl_secs,
        &perms,
    );
    let (refresh, refresh_jti, refresh_until) = issue(
        &state,
        op,
        TokenKind::Refresh,
        config.refresh_token_ttl_secs,
        &perms,
    );
    op.redeemed = true;
    op.refresh_jti = Some(refresh_jti);
    op.refresh_valid_until = Some(refresh_until);
    Ok(Json(AuthenticationTokensResponse::new(
        TokenInfo::new(access, access_until),
        TokenInfo::new(refresh, refresh_until),
    )))
}

async fn refresh(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
) -> EmuResult<Json<AuthenticationTokenRefreshResponse>> {
    let reference = caller.claims.auth.clone();
    let mut store = state.store();
    // Permissions are computed afresh: a refreshed access token reflects changed grants.
    let op = store
        .auth_operations
        .get(&reference)
        .cloned()
        .ok_or_else(|| not_found(&reference))?;
    let unauthorized =
        |detail: &str| EmuError::bad_request(21301, "Brak autoryzacji.", [detail.to_owned()]);
    if op.revoked || op.refresh_jti.as_deref() != Some(caller.claims.jti.as_str()) {
        return Err(unauthorized(
            "Status uwierzytelniania (425) nie pozwala na odświeżenie tokenu dostępowego.",
        ));
    }
    let perms = match (&op.ksef_token_reference, &op.outcome) {
        (Some(token), AuthOutcome::Granted(p)) => match store.ksef_tokens.get(token) {
            Some(t) if t.status == "Active" => p.clone(),
            _ => return Err(unauthorized("Token KSeF został unieważniony.")),
        },
        (None, _) => store.permissions_of(&op.context, &op.subject),
        _ => Vec::new(),
    };
    let (access, _, until) = issue(
        &state,
        &op,
        TokenKind::Access,
        state.config().access_token_ttl_secs,
        &perms,
    );
    if let Some(stored) = store.auth_operations.get_mut(&reference) {
        stored.last_refresh = Some(OffsetDateTime::now_utc());
    }
    Ok(Json(AuthenticationTokenRefreshResponse::new(
        TokenInfo::new(access, until),
    )))
}
