//! Building and parsing `AuthTokenRequest` documents.

use ksef_crypto::xades::{
    AllowedIps, AuthSchemaVersion, AuthTokenRequest, ContextIdentifier, SubjectIdentifierType,
    XadesError,
};

fn parse(xml: &str) -> Result<AuthTokenRequest, XadesError> {
    let doc = roxmltree::Document::parse(xml).unwrap();
    AuthTokenRequest::from_element(doc.root_element())
}

fn base() -> AuthTokenRequest {
    AuthTokenRequest::new(
        "20250625-CR-20F5EE4000-DA48AE4124-46",
        ContextIdentifier::InternalId("5265877635-12345".into()),
        SubjectIdentifierType::CertificateFingerprint,
    )
}

#[test]
fn round_trip_all_choices_and_versions() {
    let contexts = [
        ContextIdentifier::Nip("5265877635".into()),
        ContextIdentifier::InternalId("5265877635-12345".into()),
        ContextIdentifier::NipVatUe("5265877635-DE123456789".into()),
        ContextIdentifier::PeppolId("PPL123456".into()),
    ];
    for v in [AuthSchemaVersion::V2_0, AuthSchemaVersion::V2_1] {
        for ctx in &contexts {
            let mut r = base();
            r.version = v;
            r.context_identifier = ctx.clone();
            r.allowed_ips = Some(AllowedIps {
                ip4_addresses: vec!["1.2.3.4".into(); 10],
                ip4_ranges: vec![],
                ip4_masks: vec!["10.0.0.0/8".into()],
            });
            let xml = r.to_xml().unwrap();
            assert!(xml.contains(v.namespace()));
            assert_eq!(parse(&xml).unwrap(), r);
        }
    }
}

#[test]
fn schema_violations_are_rejected() {
    let mut r = base();
    r.allowed_ips = Some(AllowedIps {
        ip4_addresses: vec!["1.2.3.4".into(); 11],
        ..Default::default()
    });
    assert!(matches!(r.to_xml(), Err(XadesError::InvalidRequest(_))));

    let mut r = base();
    r.context_identifier = ContextIdentifier::Nip("0123456789".into());
    assert!(matches!(r.to_xml(), Err(XadesError::InvalidRequest(_))));

    let mut r = base();
    r.challenge = "nope".into();
    assert!(matches!(r.to_xml(), Err(XadesError::InvalidRequest(_))));

    let ns = "http://ksef.mf.gov.pl/auth/token/2.0";
    let ch = "<Challenge>20250625-CR-20F5EE4000-DA48AE4124-46</Challenge>";
    let ctx = "<ContextIdentifier><Nip>5265877635</Nip></ContextIdentifier>";
    let sit = "<SubjectIdentifierType>certificateSubject</SubjectIdentifierType>";
    let ok = format!("<AuthTokenRequest xmlns=\"{ns}\">{ch}{ctx}{sit}</AuthTokenRequest>");
    assert!(parse(&ok).is_ok());
    let bad = [
        format!("<AuthTokenRequest xmlns=\"{ns}\">{ctx}{ch}{sit}</AuthTokenRequest>"),
        format!("<AuthTokenRequest xmlns=\"{ns}\">{ch}{ctx}</AuthTokenRequest>"),
        format!("<AuthTokenRequest xmlns=\"urn:other\">{ch}{ctx}{sit}</AuthTokenRequest>"),
        format!("<AuthTokenRequest xmlns=\"{ns}\">{ch}{ctx}{sit}<Extra/></AuthTokenRequest>"),
        format!("<AuthTokenRequest xmlns=\"{ns}\">text{ch}{ctx}{sit}</AuthTokenRequest>"),
        format!(
            "<AuthTokenRequest xmlns=\"{ns}\">{ch}<ContextIdentifier><Nip>5265877635</Nip><Nip>5265877635</Nip></ContextIdentifier>{sit}</AuthTokenRequest>"
        ),
        format!(
            "<AuthTokenRequest xmlns=\"{ns}\">{ch}<ContextIdentifier><Nip> 5265877635</Nip></ContextIdentifier>{sit}</AuthTokenRequest>"
        ),
        format!(
            "<AuthTokenRequest xmlns=\"{ns}\">{ch}{ctx}<SubjectIdentifierType>other</SubjectIdentifierType></AuthTokenRequest>"
        ),
        format!(
            "<AuthTokenRequest xmlns=\"{ns}\">{ch}{ctx}{sit}<AuthorizationPolicy><AllowedIps><Ip4Mask>1.1.1.1/8</Ip4Mask><Ip4Address>1.1.1.1</Ip4Address></AllowedIps></AuthorizationPolicy></AuthTokenRequest>"
        ),
        format!(
            "<AuthTokenRequest xmlns=\"{ns}\">{ch}{ctx}{sit}<AuthorizationPolicy><AllowedIps><Ip4Address>1.1.1.256</Ip4Address></AllowedIps></AuthorizationPolicy></AuthTokenRequest>"
        ),
    ];
    for xml in bad {
        let err = parse(&xml).unwrap_err();
        assert!(
            matches!(err, XadesError::InvalidRequest(_)),
            "{xml}: {err:?}"
        );
        assert_eq!(err.ksef_code(), 21401);
    }
    // xsd:token values are whitespace-collapsed.
    let spaced = ok.replace(">certificateSubject<", ">\n  certificateSubject\n<");
    assert!(parse(&spaced).is_ok());
}
