//! Permission roles from test data (VAT groups) and the attachment-permission status. Every
//! response is checked against the spec's schema.

mod support;

use ksef_crypto::xades::ContextIdentifier;
use serde_json::{Value, json};
use support::{Harness, nip};

#[tokio::test]
async fn roles_and_attachment_status() {
    let h = Harness::fast().await;
    let group = nip();
    let member = nip();
    let r = h
        .checked(
            "post_testdata_subject",
            "POST",
            "/testdata/subject",
            None,
            json!({"subjectNip": group, "subjectType": "VatGroup", "description": "Grupa VAT",
                   "subunits": [{"subjectNip": member, "description": "Członek grupy VAT"}]}),
        )
        .await;
    assert_eq!(r.status, 200, "{:#}", r.body);
    let owner = h
        .login_person_nip(&group, ContextIdentifier::Nip(group.clone()))
        .await;
    let roles = h
        .checked(
            "get_permissions_query_entities_roles",
            "GET",
            "/permissions/query/entities/roles",
            Some(&owner),
            Value::Null,
        )
        .await;
    assert_eq!(
        roles.body["roles"][0]["role"], "VatGroupUnit",
        "{:#}",
        roles.body
    );
    let subs = h
        .checked(
            "post_permissions_query_subordinate_entities_roles",
            "POST",
            "/permissions/query/subordinate-entities/roles",
            Some(&owner),
            json!({}),
        )
        .await;
    assert_eq!(
        subs.body["roles"][0]["subordinateEntityIdentifier"]["value"],
        member.as_str()
    );
    let member_token = h
        .login_person_nip(&member, ContextIdentifier::Nip(member.clone()))
        .await;
    let roles = h
        .checked(
            "get_permissions_query_entities_roles",
            "GET",
            "/permissions/query/entities/roles?pageSize=10",
            Some(&member_token),
            Value::Null,
        )
        .await;
    assert_eq!(roles.body["roles"][0]["role"], "VatGroupSubUnit");
    assert_eq!(
        roles.body["roles"][0]["parentEntityIdentifier"]["value"],
        group.as_str()
    );

    let st = h
        .checked(
            "get_permissions_attachments_status",
            "GET",
            "/permissions/attachments/status",
            Some(&owner),
            Value::Null,
        )
        .await;
    assert_eq!(st.body["isAttachmentAllowed"], false);
    let r = h
        .checked(
            "post_testdata_attachment",
            "POST",
            "/testdata/attachment",
            None,
            json!({"nip": group}),
        )
        .await;
    assert_eq!(r.status, 200);
    let st = h
        .checked(
            "get_permissions_attachments_status",
            "GET",
            "/permissions/attachments/status",
            Some(&owner),
            Value::Null,
        )
        .await;
    assert_eq!(st.body["isAttachmentAllowed"], true);
    let r = h
        .checked(
            "post_testdata_attachment_revoke",
            "POST",
            "/testdata/attachment/revoke",
            None,
            json!({"nip": group}),
        )
        .await;
    assert_eq!(r.status, 200);
    let st = h
        .checked(
            "get_permissions_attachments_status",
            "GET",
            "/permissions/attachments/status",
            Some(&owner),
            Value::Null,
        )
        .await;
    assert_eq!(st.body["isAttachmentAllowed"], false);
    assert!(st.body["revokedDate"].is_string());
}
