//! XAdES-BES signing of AuthTokenRequest, cross-verified with `xmlsec1`, and our verifier.

use std::path::{Path, PathBuf};
use std::process::Command;

use ksef_crypto::credentials::Credentials;
use ksef_crypto::xades::{
    self, AllowedIps, AuthSchemaVersion, AuthTokenRequest, ContextIdentifier, SignOptions,
    SignerIdentity, SubjectIdentifierType, VerifyOptions, XadesError,
};
use time::OffsetDateTime;

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/crypto")
        .join(name)
}
fn text(name: &str) -> String {
    std::fs::read_to_string(fixture(name)).expect("fixture readable")
}
fn rsa() -> Credentials {
    Credentials::from_pem(
        &text("rsa-person.crt.pem"),
        &text("rsa-person.key.pem"),
        None,
    )
    .unwrap()
}
fn ec() -> Credentials {
    Credentials::from_pem(&text("ec-seal.crt.pem"), &text("ec-seal.key.pem"), None).unwrap()
}

fn request(version: AuthSchemaVersion) -> AuthTokenRequest {
    let mut r = AuthTokenRequest::new(
        "20250625-CR-20F5EE4000-DA48AE4124-46",
        ContextIdentifier::Nip("5265877635".into()),
        SubjectIdentifierType::CertificateSubject,
    );
    r.version = version;
    r.allowed_ips = Some(AllowedIps {
        ip4_addresses: vec!["192.168.0.1".into()],
        ip4_ranges: vec!["10.0.0.1-10.0.0.20".into()],
        ip4_masks: vec!["10.1.0.0/16".into()],
    });
    r
}

fn tmp(name: &str) -> PathBuf {
    // Scratch files live in cargo's per-target test directory, not in the system temp dir.
    let d = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("ksef-crypto-xades-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d.join(name)
}

/// `xmlsec1 --verify` with the signer certificate as the trusted anchor.
fn xmlsec1_verify(xml: &str, cert_pem: &Path, name: &str) -> (bool, String) {
    let file = tmp(name);
    std::fs::write(&file, xml).unwrap();
    let out = Command::new("xmlsec1")
        .args(["--verify", "--trusted-pem"])
        .arg(cert_pem)
        .args([
            "--id-attr:Id",
            "http://uri.etsi.org/01903/v1.3.2#:SignedProperties",
        ])
        .arg(&file)
        .output()
        .unwrap_or_else(|e| {
            panic!("`xmlsec1` is required for this test (apt-get install xmlsec1): {e}")
        });
    let msg = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), msg)
}

#[test]
fn xmlsec1_accepts_our_signatures() {
    for (creds, cert) in [(rsa(), "rsa-person.crt.pem"), (ec(), "ec-seal.crt.pem")] {
        for v in [AuthSchemaVersion::V2_0, AuthSchemaVersion::V2_1] {
            let signed =
                xades::sign_auth_request(&request(v), &creds, &SignOptions::default()).unwrap();
            let (ok, msg) = xmlsec1_verify(&signed, &fixture(cert), &format!("{cert}-{v:?}.xml"));
            assert!(ok, "xmlsec1 rejected {cert} {v:?}: {msg}\n{signed}");
        }
    }
}

fn sign(creds: &Credentials, req: &AuthTokenRequest) -> String {
    xades::sign_auth_request(req, creds, &SignOptions::default()).unwrap()
}

#[test]
fn our_verifier_accepts_and_identifies_signers() {
    let now = OffsetDateTime::now_utc();
    let v = xades::verify_auth_request(
        &sign(&rsa(), &request(AuthSchemaVersion::V2_0)),
        &VerifyOptions::at(now),
    )
    .unwrap();
    assert_eq!(v.signer, SignerIdentity::PersonNip("1234563218".into()));
    assert_eq!(v.challenge, "20250625-CR-20F5EE4000-DA48AE4124-46");
    assert_eq!(
        v.context_identifier,
        ContextIdentifier::Nip("5265877635".into())
    );
    assert_eq!(v.version, AuthSchemaVersion::V2_0);
    assert_eq!(v.allowed_ips, request(AuthSchemaVersion::V2_0).allowed_ips);

    let v = xades::verify_auth_request(
        &sign(&ec(), &request(AuthSchemaVersion::V2_1)),
        &VerifyOptions::at(now),
    )
    .unwrap();
    assert_eq!(v.signer, SignerIdentity::SealNip("1234563218".into()));
    assert_eq!(v.version, AuthSchemaVersion::V2_1);

    let mut req = request(AuthSchemaVersion::V2_1);
    req.subject_identifier_type = SubjectIdentifierType::CertificateFingerprint;
    let v = xades::verify_auth_request(&sign(&ec(), &req), &VerifyOptions::at(now)).unwrap();
    assert_eq!(
        v.signer,
        SignerIdentity::Fingerprint(ec().certificate().fingerprint_sha256_hex())
    );
}

/// One-byte changes of signed content: both xmlsec1 and our verifier must reject.
#[test]
fn tampering_is_detected_by_both_verifiers() {
    let now = OffsetDateTime::now_utc();
    for (creds, cert) in [(rsa(), "rsa-person.crt.pem"), (ec(), "ec-seal.crt.pem")] {
        let signed = sign(&creds, &request(AuthSchemaVersion::V2_0));
        let (ok, _) = xmlsec1_verify(&signed, &fixture(cert), "untampered.xml");
        assert!(ok);
        let time_start = signed.find("<xades:SigningTime>").unwrap() + "<xades:SigningTime>".len();
        let cases: Vec<(&str, String)> = vec![
            ("nip", signed.replacen("5265877635", "5265877636", 1)),
            ("challenge", signed.replacen("CR-20F5", "CR-20F6", 1)),
            ("ip", signed.replacen("192.168.0.1<", "192.168.0.2<", 1)),
            ("signing-time", {
                let mut s = signed.clone();
                // 2026 -> 2027 (or any digit change of the year).
                let digit = &s[time_start + 3..time_start + 4];
                let new = if digit == "9" { "8" } else { "9" };
                s.replace_range(time_start + 3..time_start + 4, new);
                s
            }),
            ("signature-value", {
                let start =
                    signed.find("<ds:SignatureValue>").unwrap() + "<ds:SignatureValue>".len();
                let mut s = signed.clone();
                let c = &s[start + 5..start + 6];
                let new = if c == "A" { "B" } else { "A" };
                s.replace_range(start + 5..start + 6, new);
                s
            }),
        ];
        for (what, doc) in cases {
            assert_ne!(doc, signed, "{what}: no change made");
            let (ok, msg) = xmlsec1_verify(&doc, &fixture(cert), &format!("tampered-{what}.xml"));
            assert!(!ok, "xmlsec1 accepted tampered {what}: {msg}");
            let err = xades::verify_auth_request(&doc, &VerifyOptions::at(now)).unwrap_err();
            match what {
                "signature-value" => assert!(
                    matches!(err, XadesError::InvalidSignature(_)),
                    "{what}: {err:?}"
                ),
                _ => assert!(
                    matches!(err, XadesError::DigestMismatch(_)),
                    "{what}: {err:?}"
                ),
            }
            assert_eq!(err.ksef_code(), 9105);
        }
    }
}

#[test]
fn verifier_policy_errors() {
    let now = OffsetDateTime::now_utc();
    let signed = sign(&rsa(), &request(AuthSchemaVersion::V2_0));
    // Unsigned.
    let unsigned = request(AuthSchemaVersion::V2_0).to_xml().unwrap();
    let err = xades::verify_auth_request(&unsigned, &VerifyOptions::at(now)).unwrap_err();
    assert_eq!(err, XadesError::MissingSignature);
    assert_eq!(err.ksef_code(), 9102);
    // Two signatures.
    let sig_start = signed.find("<ds:Signature ").unwrap();
    let sig_end = signed.find("</ds:Signature>").unwrap() + "</ds:Signature>".len();
    let twice = format!(
        "{}{}{}",
        &signed[..sig_end],
        &signed[sig_start..sig_end],
        &signed[sig_end..]
    );
    let err = xades::verify_auth_request(&twice, &VerifyOptions::at(now)).unwrap_err();
    assert_eq!(err, XadesError::TooManySignatures(2));
    assert_eq!(err.ksef_code(), 9103);
    // SigningTime too old / in the future.
    let later = VerifyOptions::at(now + time::Duration::hours(2));
    assert!(matches!(
        xades::verify_auth_request(&signed, &later),
        Err(XadesError::SigningTime(_))
    ));
    let earlier = VerifyOptions::at(now - time::Duration::hours(1));
    assert!(matches!(
        xades::verify_auth_request(&signed, &earlier),
        Err(XadesError::SigningTime(_))
    ));
    // Certificate validity (fixture valid 20 years): far future.
    let mut far = VerifyOptions::at(now + time::Duration::days(365 * 30));
    far.max_signing_time_age = time::Duration::days(365 * 40);
    assert!(matches!(
        xades::verify_auth_request(&signed, &far),
        Err(XadesError::CertificateNotValid { .. })
    ));
    // Not XML.
    let err = xades::verify_auth_request("<a", &VerifyOptions::at(now)).unwrap_err();
    assert!(matches!(err, XadesError::MalformedXml(_)));
    assert_eq!(err.ksef_code(), 21401);
}

#[test]
fn subject_without_identifiers_needs_fingerprint() {
    use ksef_crypto::credentials::SigningKey;
    use ksef_crypto::csr::DnAttributes;
    let dn = DnAttributes {
        common_name: Some("Anonymous".into()),
        country_name: Some("PL".into()),
        ..DnAttributes::default()
    };
    let creds = ksef_crypto::test_certs::self_signed(&dn, SigningKey::generate_p256()).unwrap();
    let now = OffsetDateTime::now_utc();
    let err = xades::verify_auth_request(
        &sign(&creds, &request(AuthSchemaVersion::V2_0)),
        &VerifyOptions::at(now),
    );
    assert_eq!(err.unwrap_err(), XadesError::SubjectNotRecognized);
    let mut req = request(AuthSchemaVersion::V2_0);
    req.subject_identifier_type = SubjectIdentifierType::CertificateFingerprint;
    assert!(xades::verify_auth_request(&sign(&creds, &req), &VerifyOptions::at(now)).is_ok());
}

const TEMPLATE: &str = r##"<?xml version="1.0" encoding="UTF-8"?>
<AuthTokenRequest xmlns="http://ksef.mf.gov.pl/auth/token/2.0">
  <Challenge>20250625-CR-20F5EE4000-DA48AE4124-46</Challenge>
  <ContextIdentifier>
    <InternalId>5265877635-12345</InternalId>
  </ContextIdentifier>
  <SubjectIdentifierType>certificateFingerprint</SubjectIdentifierType>
  <Signature xmlns="http://www.w3.org/2000/09/xmldsig#" xmlns:extra="urn:extra" Id="sig1">
    <SignedInfo>
      <CanonicalizationMethod Algorithm="C14N">INCLUSIVE</CanonicalizationMethod>
      <SignatureMethod Algorithm="SIGALG"/>
      <Reference URI="">
        <Transforms><Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"/></Transforms>
        <DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha512"/>
        <DigestValue/>
      </Reference>
      <Reference URI="#props1" Type="http://uri.etsi.org/01903#SignedProperties">
        <DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/>
        <DigestValue/>
      </Reference>
    </SignedInfo>
    <SignatureValue/>
    <KeyInfo><X509Data><X509Certificate>CERT</X509Certificate></X509Data></KeyInfo>
    <Object>
      <xades:QualifyingProperties xmlns:xades="http://uri.etsi.org/01903/v1.3.2#" Target="#sig1">
        <xades:SignedProperties Id="props1">
          <xades:SignedSignatureProperties>
            <xades:SigningTime>TIME</xades:SigningTime>
            <xades:SigningCertificateV2><xades:Cert><xades:CertDigest>
              <DigestMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#sha384"/>
              <DigestValue>CERTDIGEST</DigestValue>
            </xades:CertDigest></xades:Cert></xades:SigningCertificateV2>
          </xades:SignedSignatureProperties>
        </xades:SignedProperties>
      </xades:QualifyingProperties>
    </Object>
  </Signature>
</AuthTokenRequest>
"##;

/// Documents signed by xmlsec1 (inclusive C14N, default-namespace ds elements, SHA-512/384
/// digests, RSA-SHA512 and ECDSA-SHA256) verify with our verifier.
#[test]
fn our_verifier_accepts_xmlsec1_signatures() {
    use base64::Engine;
    use sha2::Digest;
    let b64 = base64::engine::general_purpose::STANDARD;
    let now = OffsetDateTime::now_utc();
    let time = now
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap();
    let cases = [
        (
            rsa(),
            "rsa-person",
            "http://www.w3.org/2001/04/xmldsig-more#rsa-sha512",
            "http://www.w3.org/TR/2001/REC-xml-c14n-20010315",
        ),
        (
            rsa(),
            "rsa-person",
            "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
            "http://www.w3.org/2006/12/xml-c14n11",
        ),
        (
            ec(),
            "ec-seal",
            "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256",
            "http://www.w3.org/2001/10/xml-exc-c14n#",
        ),
    ];
    for (creds, name, alg, c14n) in cases {
        let cert = creds.certificate();
        let template = TEMPLATE
            .replace("SIGALG", alg)
            .replace(
                "INCLUSIVE",
                if c14n.contains("exc") {
                    r##"<ec:InclusiveNamespaces xmlns:ec="http://www.w3.org/2001/10/xml-exc-c14n#" PrefixList="#default extra"/>"##
                } else {
                    ""
                },
            )
            .replace("C14N", c14n)
            .replace("TIME", &time)
            .replace("CERTDIGEST", &b64.encode(sha2::Sha384::digest(cert.der())))
            .replace("CERT", &b64.encode(cert.der()));
        let tpl = tmp(&format!("{name}-template.xml"));
        std::fs::write(&tpl, template).unwrap();
        let out = tmp(&format!("{name}-xmlsec-signed.xml"));
        let key = format!(
            "{},{}",
            fixture(&format!("{name}.key.pem")).display(),
            fixture(&format!("{name}.crt.pem")).display()
        );
        let res = Command::new("xmlsec1")
            .args([
                "--sign",
                "--privkey-pem",
                &key,
                "--id-attr:Id",
                "http://uri.etsi.org/01903/v1.3.2#:SignedProperties",
                "--output",
            ])
            .arg(&out)
            .arg(&tpl)
            .output()
            .expect("`xmlsec1` is required for this test");
        assert!(
            res.status.success(),
            "xmlsec1 --sign failed: {}",
            String::from_utf8_lossy(&res.stderr)
        );
        let signed = std::fs::read_to_string(&out).unwrap();
        let v = xades::verify_auth_request(&signed, &VerifyOptions::at(now))
            .unwrap_or_else(|e| panic!("{name}: {e:?}\n{signed}"));
        assert_eq!(
            v.signer,
            SignerIdentity::Fingerprint(cert.fingerprint_sha256_hex())
        );
        assert_eq!(
            v.context_identifier,
            ContextIdentifier::InternalId("5265877635-12345".into())
        );
        // And a one-byte change is rejected.
        let bad = signed.replacen("-12345<", "-12346<", 1);
        assert!(matches!(
            xades::verify_auth_request(&bad, &VerifyOptions::at(now)),
            Err(XadesError::DigestMismatch(_))
        ));
    }
}

const ENVELOPING: &str = r##"<?xml version="1.0" encoding="UTF-8"?>
<ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#" Id="sig1">
  <ds:SignedInfo>
    <ds:CanonicalizationMethod Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/>
    <ds:SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"/>
    <ds:Reference URI="#obj1">
      <ds:Transforms><ds:Transform Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/></ds:Transforms>
      <ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/>
      <ds:DigestValue/>
    </ds:Reference>
    <ds:Reference URI="#props1" Type="http://uri.etsi.org/01903#SignedProperties">
      <ds:Transforms><ds:Transform Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/></ds:Transforms>
      <ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/>
      <ds:DigestValue/>
    </ds:Reference>
  </ds:SignedInfo>
  <ds:SignatureValue/>
  <ds:KeyInfo><ds:X509Data/></ds:KeyInfo>
  <ds:Object Id="obj1"><AuthTokenRequest xmlns="http://ksef.mf.gov.pl/auth/token/2.1"><Challenge>20250625-CR-20F5EE4000-DA48AE4124-46</Challenge><ContextIdentifier><NipVatUe>5265877635-DE123456789</NipVatUe></ContextIdentifier><SubjectIdentifierType>certificateSubject</SubjectIdentifierType></AuthTokenRequest></ds:Object>
  <ds:Object><xades:QualifyingProperties xmlns:xades="http://uri.etsi.org/01903/v1.3.2#" Target="#sig1"><xades:SignedProperties Id="props1"><xades:SignedSignatureProperties><xades:SigningTime>TIME</xades:SigningTime><xades:SigningCertificate><xades:Cert><xades:CertDigest><ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/><ds:DigestValue>CERTDIGEST</ds:DigestValue></xades:CertDigest><xades:IssuerSerial><ds:X509IssuerName>CN=x</ds:X509IssuerName><ds:X509SerialNumber>1</ds:X509SerialNumber></xades:IssuerSerial></xades:Cert></xades:SigningCertificate></xades:SignedSignatureProperties></xades:SignedProperties></xades:QualifyingProperties></ds:Object>
</ds:Signature>
"##;

/// An enveloping signature made by xmlsec1 verifies; the request is read from the `ds:Object`.
#[test]
fn enveloping_signature_from_xmlsec1() {
    use base64::Engine;
    let now = OffsetDateTime::now_utc();
    let creds = rsa();
    let template = ENVELOPING
        .replace(
            "TIME",
            &now.format(&time::format_description::well_known::Rfc3339)
                .unwrap(),
        )
        .replace(
            "CERTDIGEST",
            &base64::engine::general_purpose::STANDARD
                .encode(creds.certificate().fingerprint_sha256()),
        );
    let tpl = tmp("enveloping-template.xml");
    std::fs::write(&tpl, template).unwrap();
    let out = tmp("enveloping-signed.xml");
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
            "http://www.w3.org/2000/09/xmldsig#:Object",
            "--output",
        ])
        .arg(&out)
        .arg(&tpl)
        .output()
        .expect("`xmlsec1` is required for this test");
    assert!(
        res.status.success(),
        "xmlsec1 --sign failed: {}",
        String::from_utf8_lossy(&res.stderr)
    );
    let signed = std::fs::read_to_string(&out).unwrap();
    let v = xades::verify_auth_request(&signed, &VerifyOptions::at(now))
        .unwrap_or_else(|e| panic!("{e:?}\n{signed}"));
    assert_eq!(v.signer, SignerIdentity::PersonNip("1234563218".into()));
    assert_eq!(
        v.context_identifier,
        ContextIdentifier::NipVatUe("5265877635-DE123456789".into())
    );
    let bad = signed.replacen("DE123456789", "DE123456788", 1);
    assert!(matches!(
        xades::verify_auth_request(&bad, &VerifyOptions::at(now)),
        Err(XadesError::DigestMismatch(_))
    ));
}

/// Third-party documents (such as UPOs): unsigned is `None`, ours verifies with the signer
/// reported, and any change to the content or a second signature is a typed error.
#[test]
fn document_signatures() {
    use ksef_crypto::xades::{sign_enveloped, verify_document_signature};
    let now = OffsetDateTime::now_utc();
    let doc = r#"<?xml version="1.0" encoding="utf-8"?><Receipt xmlns="urn:example"><Amount>10</Amount></Receipt>"#;
    assert!(verify_document_signature(doc, now).unwrap().is_none());
    for creds in [rsa(), ec()] {
        let signed = sign_enveloped(doc, &creds, &SignOptions::default()).unwrap();
        let verified = verify_document_signature(&signed, now)
            .unwrap()
            .expect("signed");
        assert_eq!(&verified.certificate, creds.certificate());
        assert!(verified.xades);
        assert!(verified.signing_time.is_some());
        let changed = signed.replace("<Amount>10</Amount>", "<Amount>99</Amount>");
        assert!(matches!(
            verify_document_signature(&changed, now),
            Err(XadesError::DigestMismatch(_))
        ));
        let twice = sign_enveloped(&signed, &creds, &SignOptions::default()).unwrap();
        assert!(matches!(
            verify_document_signature(&twice, now),
            Err(XadesError::TooManySignatures(2))
        ));
    }
}
