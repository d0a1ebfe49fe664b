//! Requests from clients we did not write: XAdES documents signed by `xmlsec1` at test time (C14N
//! 1.0, 1.1 and exclusive; SigningCertificate and SigningCertificateV2; with and without a
//! reference to KeyInfo; auth namespaces 2.0 and 2.1), `Content-Type` with charset parameters,
//! and hand-written JSON bodies that spell every unset optional field as an explicit `null`.
mod support;

use std::path::PathBuf;
use std::process::Command;

use base64::Engine as _;
use ksef_crypto::credentials::Certificate;
use serde_json::{Value, json};
use support::{Harness, schema};

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/crypto")
        .join(name)
}

fn scratch(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("ksef-emulator-interop-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

/// The NIP in the subject of `fixtures/crypto/rsa-person.crt.pem` (`serialNumber=TINPL-…`).
const NIP: &str = "1234563218";

const C14N_10: &str = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315";
const C14N_11: &str = "http://www.w3.org/2006/12/xml-c14n11";
const C14N_EXC: &str = "http://www.w3.org/2001/10/xml-exc-c14n#";

/// An `AuthTokenRequest` template for `xmlsec1 --sign`, written by hand.
fn template(challenge: &str, namespace: &str, c14n: &str, v2: bool, keyinfo_ref: bool) -> String {
    let b64 = base64::engine::general_purpose::STANDARD;
    let cert =
        Certificate::from_pem(&std::fs::read_to_string(fixture("rsa-person.crt.pem")).unwrap())
            .unwrap();
    let now = time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap();
    let signing_certificate = if v2 {
        format!(
            r#"<xades:SigningCertificateV2><xades:Cert><xades:CertDigest><ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/><ds:DigestValue>{}</ds:DigestValue></xades:CertDigest></xades:Cert></xades:SigningCertificateV2>"#,
            ksef_crypto::symmetric::sha256_base64(cert.der())
        )
    } else {
        format!(
            r#"<xades:SigningCertificate><xades:Cert><xades:CertDigest><ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/><ds:DigestValue>{}</ds:DigestValue></xades:CertDigest><xades:IssuerSerial><ds:X509IssuerName>{}</ds:X509IssuerName><ds:X509SerialNumber>{}</ds:X509SerialNumber></xades:IssuerSerial></xades:Cert></xades:SigningCertificate>"#,
            ksef_crypto::symmetric::sha256_base64(cert.der()),
            cert.issuer_name(),
            cert.serial_decimal()
        )
    };
    let transform = |extra: &str| {
        format!(r#"<ds:Transforms>{extra}<ds:Transform Algorithm="{c14n}"/></ds:Transforms>"#)
    };
    let keyinfo_reference = if keyinfo_ref {
        format!(
            r##"<ds:Reference URI="#keyinfo1">{}<ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/><ds:DigestValue/></ds:Reference>"##,
            transform("")
        )
    } else {
        String::new()
    };
    format!(
        r##"<?xml version="1.0" encoding="UTF-8"?>
<AuthTokenRequest xmlns="{namespace}">
  <Challenge>{challenge}</Challenge>
  <ContextIdentifier><Nip>{NIP}</Nip></ContextIdentifier>
  <SubjectIdentifierType>certificateSubject</SubjectIdentifierType>
  <ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#" Id="sig1">
    <ds:SignedInfo>
      <ds:CanonicalizationMethod Algorithm="{c14n}"/>
      <ds:SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"/>
      <ds:Reference URI="">{enveloped}<ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/><ds:DigestValue/></ds:Reference>
      <ds:Reference URI="#props1" Type="http://uri.etsi.org/01903#SignedProperties">{plain}<ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/><ds:DigestValue/></ds:Reference>
      {keyinfo_reference}
    </ds:SignedInfo>
    <ds:SignatureValue/>
    <ds:KeyInfo Id="keyinfo1"><ds:X509Data><ds:X509Certificate>{cert}</ds:X509Certificate></ds:X509Data></ds:KeyInfo>
    <ds:Object>
      <xades:QualifyingProperties xmlns:xades="http://uri.etsi.org/01903/v1.3.2#" Target="#sig1">
        <xades:SignedProperties Id="props1">
          <xades:SignedSignatureProperties>
            <xades:SigningTime>{now}</xades:SigningTime>
            {signing_certificate}
          </xades:SignedSignatureProperties>
        </xades:SignedProperties>
      </xades:QualifyingProperties>
    </ds:Object>
  </ds:Signature>
</AuthTokenRequest>
"##,
        enveloped = transform(
            r#"<ds:Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"/>"#
        ),
        plain = transform(""),
        cert = b64.encode(cert.der()),
    )
}

/// Signs a template with `xmlsec1` and the fixture key.
fn xmlsec1_sign(template: &str, name: &str) -> String {
    let input = scratch(&format!("{name}.template.xml"));
    let output = scratch(&format!("{name}.signed.xml"));
    std::fs::write(&input, template).unwrap();
    let key = format!(
        "{},{}",
        fixture("rsa-person.key.pem").display(),
        fixture("rsa-person.crt.pem").display()
    );
    let res = Command::new("xmlsec1")
        .args([
            "--sign",
            "--privkey-pem",
            &key,
            "--id-attr:Id",
            "http://uri.etsi.org/01903/v1.3.2#:SignedProperties",
            "--id-attr:Id",
            "http://www.w3.org/2000/09/xmldsig#:KeyInfo",
            "--output",
        ])
        .arg(&output)
        .arg(&input)
        .output()
        .unwrap_or_else(|e| {
            panic!("`xmlsec1` is required for this test (apt-get install xmlsec1): {e}")
        });
    assert!(
        res.status.success(),
        "xmlsec1 --sign failed: {}",
        String::from_utf8_lossy(&res.stderr)
    );
    std::fs::read_to_string(output).unwrap()
}

#[tokio::test]
async fn xades_signed_by_xmlsec1_logs_in_in_every_variant() {
    let h = Harness::fast().await;
    let mut case = 0;
    for namespace in [
        "http://ksef.mf.gov.pl/auth/token/2.0",
        "http://ksef.mf.gov.pl/auth/token/2.1",
    ] {
        for c14n in [C14N_10, C14N_11, C14N_EXC] {
            for v2 in [false, true] {
                for keyinfo_ref in [false, true] {
                    case += 1;
                    let what = format!("{namespace} {c14n} V2={v2} KeyInfo ref={keyinfo_ref}");
                    let challenge = h.call("POST", "/auth/challenge", None, Value::Null).await;
                    let challenge = challenge.body["challenge"].as_str().unwrap().to_owned();
                    let signed = xmlsec1_sign(
                        &template(&challenge, namespace, c14n, v2, keyinfo_ref),
                        &format!("case{case}"),
                    );
                    let content_type = [
                        "application/xml",
                        "application/xml; charset=utf-8",
                        "text/xml;charset=UTF-8",
                    ][case % 3];
                    let resp = h
                        .http
                        .post(format!("{}/auth/xades-signature", h.base))
                        .header("content-type", content_type)
                        .body(signed)
                        .send()
                        .await
                        .unwrap();
                    let status = resp.status().as_u16();
                    let body: Value = resp.json().await.unwrap();
                    assert_eq!(status, 202, "{what} ({content_type}): {body:#}");
                    schema::assert_valid("post_auth_xades_signature", status, &body);
                    let reference = body["referenceNumber"].as_str().unwrap();
                    let token = body["authenticationToken"]["token"].as_str().unwrap();
                    h.finish(reference, token)
                        .await
                        .unwrap_or_else(|s| panic!("{what}: authentication failed: {s:#}"));
                }
            }
        }
    }
    assert_eq!(case, 24);
}

/// Sets every optional property of `schema` (a component, followed through `$ref` and `allOf`)
/// that `value` leaves out to `null`, recursively into the objects `value` has.
fn with_nulls(value: &mut Value, node: &Value) {
    let components = schema::spec().pointer("/components/schemas").unwrap();
    let resolve = |n: &Value| -> Value {
        let mut n = n.clone();
        loop {
            if let Some(r) = n.get("$ref").and_then(Value::as_str) {
                n = components[r.trim_start_matches("#/components/schemas/")].clone();
            } else if let Some(first) = n.get("allOf").and_then(|a| a.get(0)) {
                n = first.clone();
            } else {
                return n;
            }
        }
    };
    let node = resolve(node);
    match value {
        Value::Object(map) => {
            let required: Vec<&str> = node
                .get("required")
                .and_then(Value::as_array)
                .map(|r| r.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            let Some(props) = node.get("properties").and_then(Value::as_object) else {
                return;
            };
            for (name, prop) in props {
                match map.get_mut(name) {
                    Some(v) => with_nulls(v, prop),
                    None if !required.contains(&name.as_str()) => {
                        map.insert(name.clone(), Value::Null);
                    }
                    None => {}
                }
            }
        }
        Value::Array(items) => {
            if let Some(item) = node.get("items") {
                for v in items {
                    with_nulls(v, item);
                }
            }
        }
        _ => {}
    }
}

/// Posts `body` with an explicit `null` for every unset optional field (and a charset in the
/// content type) and checks the answer is what the plain body gets.
async fn same_with_nulls(
    h: &Harness,
    token: &str,
    path: &str,
    schema_name: &str,
    body: Value,
) -> u16 {
    let mut nulled = body.clone();
    with_nulls(
        &mut nulled,
        &json!({"$ref": format!("#/components/schemas/{schema_name}")}),
    );
    let plain = h.call("POST", path, Some(token), body).await;
    let text = serde_json::to_string(&nulled).unwrap();
    let resp = h
        .http
        .post(format!("{}{path}", h.base))
        .bearer_auth(token)
        .header("content-type", "application/json; charset=utf-8")
        .body(text)
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    let answer: Value = resp.json().await.unwrap_or(Value::Null);
    assert_eq!(
        status, plain.status,
        "{path} with nulls: {answer:#}\nbody: {nulled:#}\nwithout nulls: {:#}",
        plain.body
    );
    status
}

#[tokio::test]
async fn explicit_nulls_for_unset_optional_fields_are_accepted() {
    let h = Harness::fast().await;
    let owner = support::nip();
    let token = h
        .login_person_nip(
            &owner,
            ksef_crypto::xades::ContextIdentifier::Nip(owner.clone()),
        )
        .await;
    let now = time::OffsetDateTime::now_utc();
    let from = support::seed::rfc3339(now - time::Duration::days(1));
    let to = support::seed::rfc3339(now);
    let person = support::pesel();
    let cases = [
        (
            "/invoices/query/metadata",
            "InvoiceQueryFilters",
            json!({"subjectType": "Subject1", "dateRange": {"dateType": "PermanentStorage", "from": from}}),
        ),
        (
            "/tokens",
            "GenerateTokenRequest",
            json!({"permissions": ["InvoiceRead"], "description": "Token z nullami"}),
        ),
        (
            "/permissions/persons/grants",
            "PersonPermissionsGrantRequest",
            json!({
                "subjectIdentifier": {"type": "Pesel", "value": person},
                "permissions": ["InvoiceRead"],
                "description": "Nadanie z nullami",
                "subjectDetails": {"subjectDetailsType": "PersonByIdentifier",
                                   "personById": {"firstName": "Anna", "lastName": "Nowak"}}
            }),
        ),
        (
            "/permissions/query/persons/grants",
            "PersonPermissionsQueryRequest",
            json!({"queryType": "PermissionsInCurrentContext"}),
        ),
        (
            "/permissions/query/personal/grants",
            "PersonalPermissionsQueryRequest",
            json!({}),
        ),
        ("/certificates/query", "QueryCertificatesRequest", json!({})),
        (
            "/collective-identifiers/query",
            "CollectiveIdentifiersQueryRequest",
            json!({"dateCreatedFrom": from, "dateCreatedTo": to}),
        ),
        (
            "/sessions/online",
            "OpenOnlineSessionRequest",
            json!({"formCode": {"systemCode": "FA (3)", "schemaVersion": "1-0E", "value": "FA"},
                   "encryption": {"encryptedSymmetricKey": "AAAA", "initializationVector": "AAAAAAAAAAAAAAAAAAAAAA=="}}),
        ),
    ];
    for (path, schema_name, body) in cases {
        let status = same_with_nulls(&h, &token, path, schema_name, body).await;
        // The session's key is not really wrapped: that one is refused either way (415-like
        // 400); every other request succeeds with and without the nulls.
        if path != "/sessions/online" {
            assert!((200..300).contains(&status), "{path}: {status}");
        }
    }
}
