//! `/tokens`: generation, list (filters, continuation tokens), status, revocation, and token
//! logins before and after revocation. Every response is checked against the spec's schema.

mod support;

use ksef_crypto::xades::ContextIdentifier;
use serde_json::{Value, json};
use support::{Harness, nip};

async fn owner(h: &Harness) -> (String, String) {
    let n = nip();
    let token = h
        .login_person_nip(&n, ContextIdentifier::Nip(n.clone()))
        .await;
    (n, token)
}

async fn generate(h: &Harness, access: &str, perms: Value, description: &str) -> (String, String) {
    let r = h
        .checked(
            "post_tokens",
            "POST",
            "/tokens",
            Some(access),
            json!({"permissions": perms, "description": description}),
        )
        .await;
    assert_eq!(r.status, 202, "{:#}", r.body);
    (
        r.body["referenceNumber"].as_str().unwrap().to_owned(),
        r.body["token"].as_str().unwrap().to_owned(),
    )
}

#[tokio::test]
async fn generate_list_status_revoke_and_login() {
    let h = Harness::fast().await;
    let (n, access) = owner(&h).await;
    let (reference, secret) = generate(
        &h,
        &access,
        json!(["InvoiceRead", "InvoiceWrite"]),
        "Token testowy",
    )
    .await;
    assert!(
        secret.starts_with(&format!("{reference}|nip-{n}|")),
        "{secret}"
    );

    let st = h
        .checked(
            "get_tokens_by_reference_number",
            "GET",
            &format!("/tokens/{reference}"),
            Some(&access),
            Value::Null,
        )
        .await;
    assert_eq!(st.status, 200);
    assert_eq!(st.body["status"], "Active");
    assert_eq!(
        st.body["authorIdentifier"],
        json!({"type": "Nip", "value": n})
    );

    // The token works for authentication and carries its permissions.
    let by_token = h
        .login_ksef_token(&secret, "Nip", &n)
        .await
        .expect("token login");
    let seen = h
        .checked("get_tokens", "GET", "/tokens", Some(&by_token), Value::Null)
        .await;
    assert_eq!(seen.status, 200, "{:#}", seen.body);

    // A token session cannot generate tokens.
    let r = h
        .checked(
            "post_tokens",
            "POST",
            "/tokens",
            Some(&by_token),
            json!({"permissions": ["InvoiceRead"], "description": "Z tokena"}),
        )
        .await;
    assert!(r.status == 400 || r.status == 403, "{:#}", r.body);

    let list = h
        .checked(
            "get_tokens",
            "GET",
            "/tokens?status=Active&status=Pending",
            Some(&access),
            Value::Null,
        )
        .await;
    assert_eq!(list.status, 200);
    assert_eq!(list.body["tokens"].as_array().unwrap().len(), 1);
    assert!(list.body.get("continuationToken").is_none());
    let used = &list.body["tokens"][0];
    assert!(used.get("lastUseDate").is_some(), "{used:#}");

    let del = h
        .checked(
            "delete_tokens_by_reference_number",
            "DELETE",
            &format!("/tokens/{reference}"),
            Some(&access),
            Value::Null,
        )
        .await;
    assert_eq!(del.status, 204);
    let st = h
        .checked(
            "get_tokens_by_reference_number",
            "GET",
            &format!("/tokens/{reference}"),
            Some(&access),
            Value::Null,
        )
        .await;
    assert_eq!(st.body["status"], "Revoked");
    let failed = h
        .login_ksef_token(&secret, "Nip", &n)
        .await
        .expect_err("revoked token");
    assert_eq!(failed["code"], 450, "{failed:#}");

    let revoked = h
        .checked(
            "get_tokens",
            "GET",
            "/tokens?status=Revoked",
            Some(&access),
            Value::Null,
        )
        .await;
    assert_eq!(revoked.body["tokens"].as_array().unwrap().len(), 1);
    let active = h
        .checked(
            "get_tokens",
            "GET",
            "/tokens?status=Active",
            Some(&access),
            Value::Null,
        )
        .await;
    assert!(active.body["tokens"].as_array().unwrap().is_empty());
}

#[tokio::test]
async fn list_pages_and_filters() {
    let h = Harness::fast().await;
    let (n, access) = owner(&h).await;
    for i in 0..12 {
        let desc = if i % 2 == 0 {
            format!("Parzysty {i}")
        } else {
            format!("Nieparzysty {i}")
        };
        generate(&h, &access, json!(["InvoiceRead"]), &desc).await;
    }
    let first = h
        .checked(
            "get_tokens",
            "GET",
            "/tokens?pageSize=10",
            Some(&access),
            Value::Null,
        )
        .await;
    assert_eq!(first.status, 200);
    assert_eq!(first.body["tokens"].as_array().unwrap().len(), 10);
    let cont = first.body["continuationToken"]
        .as_str()
        .expect("more pages")
        .to_owned();
    let second = h
        .checked_with(
            "get_tokens",
            "GET",
            "/tokens?pageSize=10",
            Some(&access),
            Value::Null,
            &[("x-continuation-token", &cont)],
        )
        .await;
    assert_eq!(second.body["tokens"].as_array().unwrap().len(), 2);
    assert!(second.body.get("continuationToken").is_none());

    let bad = h
        .checked_with(
            "get_tokens",
            "GET",
            "/tokens",
            Some(&access),
            Value::Null,
            &[("x-continuation-token", "not-a-token")],
        )
        .await;
    assert_eq!(bad.status, 400);
    assert_eq!(bad.exception_code(), Some(21418));

    let small = h
        .checked(
            "get_tokens",
            "GET",
            "/tokens?pageSize=5",
            Some(&access),
            Value::Null,
        )
        .await;
    assert_eq!(small.exception_code(), Some(21405));
    let short = h
        .checked(
            "get_tokens",
            "GET",
            "/tokens?description=ab",
            Some(&access),
            Value::Null,
        )
        .await;
    assert_eq!(short.exception_code(), Some(21405));
    let bad_status = h
        .checked(
            "get_tokens",
            "GET",
            "/tokens?status=Sleeping",
            Some(&access),
            Value::Null,
        )
        .await;
    assert_eq!(bad_status.exception_code(), Some(21405));

    let odd = h
        .checked(
            "get_tokens",
            "GET",
            "/tokens?description=nieparzysty&pageSize=100",
            Some(&access),
            Value::Null,
        )
        .await;
    assert_eq!(odd.body["tokens"].as_array().unwrap().len(), 6);
    let by_author = h
        .checked(
            "get_tokens",
            "GET",
            &format!(
                "/tokens?authorIdentifier={}&authorIdentifierType=Nip&pageSize=100",
                &n[..5]
            ),
            Some(&access),
            Value::Null,
        )
        .await;
    assert_eq!(by_author.body["tokens"].as_array().unwrap().len(), 12);
    let by_pesel = h
        .checked(
            "get_tokens",
            "GET",
            &format!(
                "/tokens?authorIdentifier={}&authorIdentifierType=Pesel",
                &n[..5]
            ),
            Some(&access),
            Value::Null,
        )
        .await;
    assert!(by_pesel.body["tokens"].as_array().unwrap().is_empty());
}

#[tokio::test]
async fn generation_errors() {
    let h = Harness::fast().await;
    let (_, access) = owner(&h).await;
    let missing = h
        .checked(
            "post_tokens",
            "POST",
            "/tokens",
            Some(&access),
            json!({"permissions": ["EnforcementOperations"], "description": "Egzekucja"}),
        )
        .await;
    assert_eq!(missing.status, 400);
    assert_eq!(missing.exception_code(), Some(26001));
    for body in [
        json!({"permissions": ["InvoiceRead"], "description": "abc"}),
        json!({"permissions": [], "description": "Pusta lista"}),
        json!({"permissions": ["Everything"], "description": "Nieznane"}),
        json!({"description": "Brak uprawnień"}),
        json!("not an object"),
    ] {
        let r = h
            .checked(
                "post_tokens",
                "POST",
                "/tokens",
                Some(&access),
                body.clone(),
            )
            .await;
        assert_eq!(r.exception_code(), Some(21405), "{body} → {:#}", r.body);
    }
    let unknown = h
        .checked(
            "get_tokens_by_reference_number",
            "GET",
            "/tokens/20250101-EC-0000000000-0000000000-00",
            Some(&access),
            Value::Null,
        )
        .await;
    assert_eq!(unknown.exception_code(), Some(21405));
    let unknown = h
        .checked(
            "delete_tokens_by_reference_number",
            "DELETE",
            "/tokens/20250101-EC-0000000000-0000000000-00",
            Some(&access),
            Value::Null,
        )
        .await;
    assert_eq!(unknown.exception_code(), Some(21405));
    let problem = h
        .checked_with(
            "post_tokens",
            "POST",
            "/tokens",
            Some(&access),
            json!({"permissions": ["InvoiceRead"], "description": "abc"}),
            &[("x-error-format", "problem-details")],
        )
        .await;
    assert_eq!(problem.status, 400);
    assert_eq!(
        problem.body["errors"][0]["code"], 21405,
        "{:#}",
        problem.body
    );
    let anonymous = h
        .checked("get_tokens", "GET", "/tokens", None, Value::Null)
        .await;
    assert_eq!(anonymous.status, 401);
}

#[tokio::test]
async fn pending_tokens_activate_after_the_delay() {
    let h = Harness::start(ksef_emulator::EmulatorConfig {
        rate_limits: ksef_emulator::RateLimitMode::Off,
        auth_processing_ms: 0,
        token_activation_ms: 300,
        ..Default::default()
    })
    .await;
    let (n, access) = owner(&h).await;
    let (reference, secret) =
        generate(&h, &access, json!(["InvoiceRead"]), "Opóźniony token").await;
    let st = h
        .checked(
            "get_tokens_by_reference_number",
            "GET",
            &format!("/tokens/{reference}"),
            Some(&access),
            Value::Null,
        )
        .await;
    assert_eq!(st.body["status"], "Pending");
    let early = h
        .login_ksef_token(&secret, "Nip", &n)
        .await
        .expect_err("not active yet");
    assert_eq!(early["code"], 450);
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let st = h
        .checked(
            "get_tokens_by_reference_number",
            "GET",
            &format!("/tokens/{reference}"),
            Some(&access),
            Value::Null,
        )
        .await;
    assert_eq!(st.body["status"], "Active");
    h.login_ksef_token(&secret, "Nip", &n)
        .await
        .expect("active token");
}
