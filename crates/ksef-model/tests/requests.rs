//! Requests render to the right path, query, headers and body; decoding is tolerant of what the
//! API may add.

use ksef_model::catalogue::Operation;
use ksef_model::operations::*;
use ksef_model::*;

#[test]
fn path_query_and_repeated_array_params() {
    let mut req = GetSessions::new(SessionType::Online);
    req.statuses = Some(vec![
        CommonSessionStatus::InProgress,
        CommonSessionStatus::Succeeded,
    ]);
    req.page_size = Some(10);
    req.x_continuation_token = Some("abc".into());
    assert_eq!(req.path(), "/sessions");
    let q = req.query();
    assert!(q.contains(&("sessionType", "Online".to_owned())));
    assert!(q.contains(&("pageSize", "10".to_owned())));
    let statuses: Vec<&String> = q
        .iter()
        .filter(|(k, _)| *k == "statuses")
        .map(|(_, v)| v)
        .collect();
    assert_eq!(statuses, ["InProgress", "Succeeded"]);
    assert_eq!(
        req.headers(),
        vec![("x-continuation-token", "abc".to_owned())]
    );
    assert!(req.body().unwrap().is_none());

    let reference = ReferenceNumber::new("20250625-EE-319D7EE000-B67F415CDC-2C").unwrap();
    let status = GetSessionsByReferenceNumberInvoicesByInvoiceReferenceNumber::new(
        reference.clone(),
        reference,
    );
    assert_eq!(
        status.path(),
        "/sessions/20250625-EE-319D7EE000-B67F415CDC-2C/invoices/20250625-EE-319D7EE000-B67F415CDC-2C"
    );
}

#[test]
fn bodies_carry_their_content_type() {
    let xml = PostAuthXadesSignature::new("<AuthTokenRequest/>".to_owned());
    let body = xml.body().unwrap().unwrap();
    assert_eq!(body.content_type, "application/xml");
    assert_eq!(body.bytes, b"<AuthTokenRequest/>");

    let send = PostSessionsOnlineByReferenceNumberInvoices::new(
        ReferenceNumber::new_unchecked("20250625-SO-2C3E6C8000-B675CF5D68-07"),
        SendInvoiceRequest::new(
            Sha256HashBase64::encode([1u8; 32]).unwrap(),
            6480,
            Sha256HashBase64::encode([2u8; 32]).unwrap(),
            6496,
            rt::Base64Data::encode(b"cipher"),
        ),
    );
    let body = send.body().unwrap().unwrap();
    assert_eq!(body.content_type, "application/json");
    let json: serde_json::Value = serde_json::from_slice(&body.bytes).unwrap();
    assert_eq!(json["invoiceSize"], 6480);
    assert!(
        json.get("offlineMode").is_none(),
        "unset optional fields are omitted"
    );
    assert!(json.get("hashOfCorrectedInvoice").is_none());
}

#[test]
fn unknown_enum_values_and_fields_are_kept_or_ignored() {
    let json = br#"{"status":{"code":200,"description":"OK","details":null},"referenceNumber":"x","futureField":{"a":1},
        "sessionType":"Online","dateCreated":"2025-07-11T12:23:56.0154302+00:00","dateUpdated":"2025-07-11T12:23:56"}"#;
    let decoded: serde_json::Result<SessionsQueryResponseItem> = serde_json::from_slice(json);
    // Whatever the exact schema requires, an unknown field must not be the reason to fail.
    if let Err(e) = &decoded {
        assert!(!e.to_string().contains("futureField"), "{e}");
    }
    let kind: SessionType = serde_json::from_str("\"Hologram\"").unwrap();
    assert_eq!(kind, SessionType::Unknown("Hologram".into()));
    assert!(!kind.is_known());
    assert_eq!(serde_json::to_string(&kind).unwrap(), "\"Hologram\"");
    assert_eq!(
        "Online".parse::<SessionType>().unwrap(),
        SessionType::Online
    );
}

#[test]
fn constrained_strings_validate_on_construction_only() {
    assert!(Nip::new("5265877635").is_ok());
    let err = Nip::new("0000000000").unwrap_err();
    assert!(err.to_string().contains("NIP"), "{err}");
    // Decoding keeps what the server sent; validate() tells.
    let lenient: PeppolId = serde_json::from_str("\"P123\"").unwrap();
    assert!(lenient.validate().is_err());
    assert!(KsefNumber::new("5265877635-20250826-0100001AF629-AF").is_ok());
    assert!("P1".parse::<PeppolId>().is_err());
}

#[test]
fn secrets_are_not_debug_printed() {
    let tokens: AuthenticationTokensResponse = serde_json::from_str(
        r#"{"accessToken":{"token":"SECRET-ACCESS","validUntil":"2025-07-01T12:00:00+00:00"},
            "refreshToken":{"token":"SECRET-REFRESH","validUntil":"2025-07-01T12:00:00+00:00"}}"#,
    )
    .unwrap();
    let shown = format!("{tokens:?}");
    assert!(!shown.contains("SECRET"), "{shown}");
    assert!(shown.contains("redacted"));
    let generated: GenerateTokenResponse = serde_json::from_str(
        r#"{"referenceNumber":"20251010-EC-1DCE3E3000-12ECB5B36E-45","token":"KSEF-TOKEN-SECRET"}"#,
    )
    .unwrap();
    assert!(!format!("{generated:?}").contains("KSEF-TOKEN-SECRET"));
}

#[test]
fn spec_identity_is_recorded() {
    assert_eq!(SPEC_VERSION, "2.9.0");
    assert_eq!(SPEC_SHA256.len(), 64);
}
