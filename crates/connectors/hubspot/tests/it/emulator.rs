//! The connector against its emulator, for HubSpot's own rules: duplicate e-mails, leads that
//! need a contact, unknown and custom properties, owners, additional e-mails, search paging past
//! the 10,000-result window, OAuth refresh.

use std::sync::Arc;

use chrono::{Duration as ChronoDuration, Utc};
use connector_hubspot::HubSpot;
use serde_json::json;
use unicrm_core::{
    Connector, Contact, Context, CustomField, Error, Lead, ListQuery, Owner, Record, Recorder,
    Resource,
};
use unicrm_sandbox::RunningSandbox;

async fn sandbox() -> RunningSandbox {
    unicrm_sandbox::spawn("127.0.0.1:0").await.expect("sandbox")
}

fn cx(sb: &RunningSandbox, token: &str) -> Context {
    unicrm_testkit::sandbox_context(&sb.base_url("hubspot"), token)
}

fn hubspot() -> Arc<dyn Connector> {
    Arc::new(HubSpot::default())
}

fn person(first: &str, email: &str) -> Contact {
    Contact {
        first_name: Some(first.into()),
        last_name: Some("Tester".into()),
        emails: Some(vec![email.into()]),
        ..Default::default()
    }
}

#[tokio::test]
async fn a_duplicate_email_is_a_conflict_naming_the_existing_contact() {
    let sb = sandbox().await;
    let cx = cx(&sb, "dup-email");
    let hs = hubspot();
    let first = hs
        .create_contact(&cx, person("Ada", "ada@example.com"))
        .await
        .unwrap();
    let err = hs
        .create_contact(&cx, person("Ada2", "ADA@example.com"))
        .await
        .unwrap_err();
    match err {
        Error::Conflict {
            existing_id,
            provider,
            ..
        } => {
            assert_eq!(existing_id, first.id);
            let p = provider.expect("provider details");
            assert_eq!(p.status, 409);
            assert_eq!(p.code.as_deref(), Some("CONFLICT"));
        }
        other => panic!("expected Conflict, got {other:?}"),
    }
    sb.shutdown().await;
}

#[tokio::test]
async fn a_contact_without_name_or_email_is_refused_before_any_call() {
    let sb = sandbox().await;
    let recorder = Recorder::new();
    let cx = cx(&sb, "empty-contact").with_recorder(recorder.clone());
    let err = hubspot()
        .create_contact(
            &cx,
            Contact {
                job_title: Some("CTO".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap_err();
    assert!(matches!(err, Error::InvalidInput { .. }), "{err:?}");
    assert!(recorder.calls().is_empty(), "no provider call expected");
    sb.shutdown().await;
}

#[tokio::test]
async fn a_lead_finds_or_creates_its_contact() {
    let sb = sandbox().await;
    let cx = cx(&sb, "lead-contact");
    let hs = hubspot();
    // No contact yet: the lead's person fields create one.
    let lead = hs
        .create_lead(
            &cx,
            Lead {
                first_name: Some("Grace".into()),
                last_name: Some("Hopper".into()),
                emails: Some(vec!["grace@example.com".into()]),
                job_title: Some("Rear Admiral".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let contact_id = lead.contact_id.clone().expect("lead linked to a contact");
    let contact = hs.get_contact(&cx, &contact_id).await.unwrap();
    assert_eq!(
        contact.emails.as_deref(),
        Some(&["grace@example.com".to_owned()][..])
    );
    assert_eq!(contact.job_title.as_deref(), Some("Rear Admiral"));
    assert_eq!(lead.first_name.as_deref(), Some("Grace"));
    assert_eq!(
        lead.custom_fields
            .iter()
            .find(|f| f.remote_id.as_deref() == Some("hs_lead_name"))
            .map(|f| f.value.clone()),
        Some(json!("Grace Hopper"))
    );
    // Same e-mail again: the existing contact is found, not duplicated.
    let again = hs
        .create_lead(
            &cx,
            Lead {
                emails: Some(vec!["grace@example.com".into()]),
                last_name: Some("Hopper".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(again.contact_id.as_deref(), Some(contact_id.as_str()));
    let all = hs
        .list(&cx, Resource::Contact, &ListQuery::default())
        .await
        .unwrap();
    assert_eq!(all.items.len(), 1);
    sb.shutdown().await;
}

#[tokio::test]
async fn a_lead_without_contact_or_person_is_refused_and_the_emulator_enforces_it_too() {
    let sb = sandbox().await;
    let recorder = Recorder::new();
    let cx = cx(&sb, "lead-alone").with_recorder(recorder.clone());
    let err = hubspot()
        .create(&cx, Record::Lead(Lead::default()))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::InvalidInput { .. }), "{err:?}");
    assert!(recorder.calls().is_empty());
    // HubSpot's own rule, straight at the emulator.
    let resp = reqwest::Client::new()
        .post(format!("{}/crm/v3/objects/leads", sb.base_url("hubspot")))
        .bearer_auth("lead-alone")
        .json(&json!({"properties": {"hs_lead_name": "Nobody"}, "associations": []}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
    let body: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(body["category"], "VALIDATION_ERROR");
    sb.shutdown().await;
}

#[tokio::test]
async fn unknown_properties_are_refused_until_created_then_round_trip() {
    let sb = sandbox().await;
    let cx = cx(&sb, "custom-props");
    let hs = hubspot();
    let mut c = person("Alan", "alan@example.com");
    c.custom_fields = vec![CustomField::named(
        "favorite_food",
        json!(["Pizza", "burger"]),
    )];
    let err = hs.create_contact(&cx, c.clone()).await.unwrap_err();
    match &err {
        Error::InvalidInput {
            field, provider, ..
        } => {
            assert_eq!(field, "favorite_food");
            assert_eq!(provider.as_ref().map(|p| p.status), Some(400));
        }
        other => panic!("expected InvalidInput, got {other:?}"),
    }
    let resp = reqwest::Client::new()
        .post(format!(
            "{}/crm/v3/properties/contacts",
            sb.base_url("hubspot")
        ))
        .bearer_auth("custom-props")
        .json(&json!({
            "name": "favorite_food", "label": "Favorite food", "type": "enumeration",
            "fieldType": "checkbox", "groupName": "contactinformation",
            "options": [
                {"label": "Pizza", "value": "Pizza", "hidden": false},
                {"label": "Burger", "value": "burger", "hidden": false}
            ]
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 201);
    let created = hs.create_contact(&cx, c).await.unwrap();
    let food = created
        .custom_fields
        .iter()
        .find(|f| f.remote_id.as_deref() == Some("favorite_food"))
        .expect("custom field read back");
    assert_eq!(food.value, json!("Pizza;burger"));
    // A plain read asks for the mapped properties only, unless the account asks for more.
    let id = created.id.clone().unwrap();
    let plain = hs.get_contact(&cx, &id).await.unwrap();
    assert!(plain
        .custom_fields
        .iter()
        .all(|f| f.remote_id.as_deref() != Some("favorite_food")));
    let all = cx.clone().with_setting("read_properties.contacts", "all");
    let full = hs.get_contact(&all, &id).await.unwrap();
    let typed = full
        .custom_fields
        .iter()
        .find(|f| f.remote_id.as_deref() == Some("favorite_food"))
        .expect("read with read_properties=all");
    assert_eq!(typed.value, json!(["Pizza", "burger"]));
    assert_eq!(typed.name.as_deref(), Some("Favorite food"));
    // The typed value writes back as the same HubSpot string.
    let again = hs
        .update_contact(
            &all,
            &id,
            Contact {
                custom_fields: vec![typed.clone()],
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let back = again
        .custom_fields
        .iter()
        .find(|f| f.remote_id.as_deref() == Some("favorite_food"))
        .unwrap();
    assert_eq!(back.value, json!(["Pizza", "burger"]));
    let defs = hs
        .custom_field_definitions(&cx, Resource::Contact)
        .await
        .unwrap();
    let def = defs.iter().find(|d| d.id == "favorite_food").unwrap();
    assert_eq!(def.kind, unicrm_core::FieldType::MultiSelect);
    assert_eq!(def.source_type, "enumeration");
    assert_eq!(def.options.len(), 2);
    assert!(
        defs.iter().all(|d| d.id != "firstname"),
        "mapped properties are not custom"
    );
    sb.shutdown().await;
}

#[tokio::test]
async fn owners_are_resolved_once_per_account() {
    let sb = sandbox().await;
    let recorder = Recorder::new();
    let cx = cx(&sb, "owner-cache-account").with_recorder(recorder.clone());
    let hs = hubspot();
    let mut c = person("Owned", "owned@example.com");
    c.owner = Some(Owner::id("6166860"));
    let created = hs.create_contact(&cx, c).await.unwrap();
    let owner = created.owner.expect("owner");
    assert_eq!(owner.name.as_deref(), Some("John Smith"));
    assert_eq!(owner.email.as_deref(), Some("jsmith@example.com"));
    let _ = hs
        .get(&cx, Resource::Contact, created.id.as_deref().unwrap())
        .await
        .unwrap();
    let owner_calls = recorder
        .calls()
        .iter()
        .filter(|c| c.url.contains("/crm/v3/owners/"))
        .count();
    assert_eq!(owner_calls, 1, "the owner lookup is cached");
    sb.shutdown().await;
}

#[tokio::test]
async fn additional_emails_are_added_and_removed() {
    let sb = sandbox().await;
    let cx = cx(&sb, "emails");
    let hs = hubspot();
    let mut c = person("Multi", "a@example.com");
    c.emails = Some(vec!["a@example.com".into(), "b@example.com".into()]);
    let created = hs.create_contact(&cx, c).await.unwrap();
    assert_eq!(created.emails.unwrap(), ["a@example.com", "b@example.com"]);
    let id = created.id.unwrap();
    let patch = Contact {
        emails: Some(vec!["a@example.com".into(), "c@example.com".into()]),
        ..Default::default()
    };
    let updated = hs.update_contact(&cx, &id, patch).await.unwrap();
    assert_eq!(updated.emails.unwrap(), ["a@example.com", "c@example.com"]);
    sb.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn updated_after_pages_past_the_search_window() {
    let sb = sandbox().await;
    let token = "big-account";
    let store = sb.sandbox.emulator("hubspot").tenant(token);
    let total = connector_hubspot::sandbox::SEARCH_WINDOW + 150;
    for i in 0..total {
        let id = sb.sandbox.numeric_id();
        store
            .insert(
                "contacts",
                id,
                json!({"properties": {"email": format!("p{i}@example.com")}, "archived": false}),
            )
            .unwrap();
    }
    let cx = cx(&sb, token);
    let hs = hubspot();
    let mut seen = std::collections::HashSet::new();
    let mut cursor = None;
    let mut pages = 0;
    loop {
        let q = ListQuery {
            cursor: cursor.clone(),
            page_size: Some(200),
            updated_after: Some(Utc::now() - ChronoDuration::days(1)),
        };
        let page = hs.list(&cx, Resource::Contact, &q).await.unwrap();
        pages += 1;
        for r in &page.items {
            assert!(seen.insert(r.id().unwrap().to_owned()), "listed twice");
        }
        match page.next_cursor {
            Some(c) => cursor = Some(c),
            None => break,
        }
    }
    assert_eq!(seen.len(), total);
    assert!(pages > 50, "{pages} pages");
    // Records changed before the floor are not listed.
    let q = ListQuery {
        updated_after: Some(Utc::now() + ChronoDuration::days(1)),
        ..Default::default()
    };
    assert!(hs
        .list(&cx, Resource::Contact, &q)
        .await
        .unwrap()
        .items
        .is_empty());
    sb.shutdown().await;
}

#[tokio::test]
async fn an_expired_oauth_token_is_refreshed_and_a_bad_refresh_token_is_unauthorized() {
    let sb = sandbox().await;
    let hs = hubspot();
    let mut good = cx(&sb, "oauth-account");
    good.credentials = unicrm_core::Credentials::from_pairs([
        ("access_token", "stale-token"),
        ("refresh_token", "oauth-account"),
        ("client_id", "client"),
        ("client_secret", "secret"),
        (
            "expires_at",
            &(Utc::now() - ChronoDuration::minutes(5)).to_rfc3339(),
        ),
    ])
    .unwrap();
    // The connector never refreshes inside a call (the rotated token would be lost): the call
    // goes out with the token it was given, and no token request is made.
    let recorder = Recorder::new();
    let stale = good.clone().with_recorder(recorder.clone());
    hs.list(&stale, Resource::Contact, &ListQuery::default())
        .await
        .unwrap();
    assert!(recorder
        .calls()
        .iter()
        .all(|c| !c.url.contains("/oauth/v1/token")));
    // The caller refreshes the due token (the one policy of `unicrm_core::raw::oauth`) …
    let fresh = hs
        .refresh_if_due(&good)
        .await
        .unwrap()
        .expect("an expired token is due");
    assert!(fresh.expires_at.is_some_and(|t| t > Utc::now()));
    let mut refreshed = good.clone();
    refreshed.credentials = fresh.clone();
    assert!(
        hs.refresh_if_due(&refreshed).await.unwrap().is_none(),
        "a fresh token is not due"
    );
    // … and the refreshed token names the same sandbox account as the refresh token.
    let created = hs
        .create_contact(&refreshed, person("Fresh", "fresh@example.com"))
        .await
        .unwrap();
    let direct = cx(&sb, "oauth-account");
    assert!(hs
        .get(&direct, Resource::Contact, created.id.as_deref().unwrap())
        .await
        .is_ok());
    let fresh = hs.refresh_credentials(&good).await.unwrap();
    assert!(fresh.expires_at.is_some_and(|t| t > Utc::now()));
    let mut bad = good.clone();
    bad.credentials.refresh_token = Some("revoked-refresh".to_owned().into());
    let err = hs.refresh_credentials(&bad).await.unwrap_err();
    assert!(matches!(err, Error::Unauthorized { .. }), "{err:?}");
    sb.shutdown().await;
}

#[tokio::test]
async fn a_base_url_outside_hubspot_needs_a_sandbox_account() {
    let hs = hubspot();
    let cx = Context::new(
        "http://127.0.0.1:9/hubspot",
        unicrm_core::Credentials::bearer("pat-x"),
    );
    let err = hs.get(&cx, Resource::Contact, "1").await.unwrap_err();
    assert!(
        matches!(err, Error::InvalidInput { ref field, .. } if field == "base_url"),
        "{err:?}"
    );
}

#[tokio::test]
async fn seed_data_is_linked_and_readable_through_the_connector() {
    let sb = sandbox().await;
    let token = "seeded-account";
    let emulator = sb.sandbox.emulator("hubspot");
    assert!(
        emulator.seed_tenant(token, 3),
        "the hubspot emulator has a seed function"
    );
    let cx = cx(&sb, token);
    let hs = hubspot();
    for r in Resource::ALL {
        let page = hs.list(&cx, r, &ListQuery::default()).await.unwrap();
        assert_eq!(page.items.len(), 3, "{r}");
    }
    let contacts = hs
        .list(&cx, Resource::Contact, &ListQuery::default())
        .await
        .unwrap();
    for c in &contacts.items {
        let Record::Contact(c) = c else {
            panic!("not a contact")
        };
        assert_eq!(c.account_ids.as_ref().map(Vec::len), Some(1));
        assert_eq!(c.deal_ids.as_ref().map(Vec::len), Some(1));
        assert!(
            c.owner.as_ref().and_then(|o| o.name.as_ref()).is_some(),
            "owner resolved"
        );
    }
    let leads = hs
        .list(&cx, Resource::Lead, &ListQuery::default())
        .await
        .unwrap();
    for l in &leads.items {
        let Record::Lead(l) = l else {
            panic!("not a lead")
        };
        assert!(l.contact_id.is_some() && l.emails.is_some() && l.account_id.is_some());
    }
    sb.shutdown().await;
}

#[tokio::test]
async fn a_read_only_source_is_accepted_back_unchanged_only() {
    let sb = sandbox().await;
    let cx = cx(&sb, "source-account");
    let hs = hubspot();
    let mut c = person("Src", "src@example.com");
    c.source = Some("ORGANIC_SEARCH".into());
    let err = hs.create_contact(&cx, c).await.unwrap_err();
    assert!(matches!(err, Error::InvalidInput { ref field, .. } if field == "source"));
    let created = hs
        .create_contact(&cx, person("Src", "src@example.com"))
        .await
        .unwrap();
    let id = created.id.clone().unwrap();
    // Written back as read (no source yet): accepted.
    let mut back = created.clone();
    back.job_title = Some("Engineer".into());
    let updated = hs.update_contact(&cx, &id, back).await.unwrap();
    assert_eq!(updated.job_title.as_deref(), Some("Engineer"));
    let changed = Contact {
        source: Some("DIRECT_TRAFFIC".into()),
        ..Default::default()
    };
    let err = hs.update_contact(&cx, &id, changed).await.unwrap_err();
    assert!(matches!(err, Error::InvalidInput { ref field, .. } if field == "source"));
    sb.shutdown().await;
}

#[tokio::test]
async fn the_calls_a_contact_create_makes() {
    let sb = sandbox().await;
    let recorder = Recorder::new();
    let base = sb.base_url("hubspot");
    let cx = cx(&sb, "wire-calls").with_recorder(recorder.clone());
    let hs = hubspot();
    let account = hs
        .create(
            &cx,
            Record::Account(unicrm_core::Account {
                name: Some("Biglytics".into()),
                website: Some("biglytics.net".into()),
                ..Default::default()
            }),
        )
        .await
        .unwrap();
    let mut c = person("Bryan", "bcooper@biglytics.net");
    c.emails = Some(vec![
        "bcooper@biglytics.net".into(),
        "bryan@personal.example".into(),
    ]);
    c.phone_numbers = Some(vec!["+1 877 929 0687".into()]);
    c.account_ids = Some(vec![account.id().unwrap().to_owned()]);
    c.owner = Some(Owner::id("6166860"));
    hs.create_contact(&cx, c).await.unwrap();
    let calls: Vec<serde_json::Value> = recorder
        .calls()
        .iter()
        .map(|call| {
            let mut v = serde_json::to_value(call).unwrap();
            v["url"] = json!(call.url.replace(&base, "{base}"));
            v["status"] = json!(call.status);
            v
        })
        .collect();
    let mut calls = serde_json::Value::Array(calls);
    unicrm_testkit::redact(&mut calls);
    unicrm_testkit::insta_settings().bind(|| insta::assert_json_snapshot!(calls));
    sb.shutdown().await;
}
