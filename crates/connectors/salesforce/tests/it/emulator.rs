//! The connector against its emulator: Salesforce-specific behaviour beyond the conformance
//! suite (company → Account linking, SOQL injection, nextRecordsUrl, OAuth refresh, provider
//! validation errors, describe, limit header).
#![cfg(feature = "sandbox")]

use connector_salesforce::sandbox::Org;
use connector_salesforce::Salesforce;
use secrecy::{ExposeSecret, SecretString};
use serde_json::{json, Value};
use unicrm_core::dialect::{self, Dialect};
use unicrm_core::{
    Connector, Contact, Context, CustomField, Error, ListQuery, Record, Recorder, Resource,
};
use unicrm_sandbox::RunningSandbox;

async fn sandbox() -> RunningSandbox {
    unicrm_sandbox::spawn("127.0.0.1:0").await.expect("sandbox")
}

fn cx(sandbox: &RunningSandbox, token: &str) -> Context {
    unicrm_testkit::sandbox_context(&sandbox.base_url("salesforce"), token)
}

fn contact(record: Record) -> Contact {
    match record {
        Record::Contact(c) => c,
        other => panic!("expected a contact, got {other:?}"),
    }
}

#[tokio::test]
async fn the_v1_example_page_body_round_trips_through_a_linked_account() {
    let sandbox = sandbox().await;
    let cx = cx(&sandbox, "example-page");
    let body = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fixtures/requests/contact/v1_example_page.json"
    ))
    .expect("fixture");
    let record =
        dialect::parse_request(Dialect::V1, Resource::Contact, &body).expect("v1 body parses");
    let created = Salesforce
        .create(&cx, record.clone())
        .await
        .expect("created");
    let rendered = dialect::render(Dialect::V1, &created);
    let sent: Value = serde_json::from_slice(&body).expect("json");
    for key in [
        "firstName",
        "lastName",
        "email",
        "phone",
        "company",
        "jobTitle",
        "address",
    ] {
        assert_eq!(rendered[key], sent[key], "{key} round trips");
    }
    assert_eq!(
        rendered["ownerName"], "John Smith",
        "owner resolved in the same query"
    );
    assert_eq!(rendered["ownerEmail"], "john.smith@acme.example");
    // A second contact of the same company links the same Account instead of a new one.
    let again = contact(Salesforce.create(&cx, record).await.expect("second"));
    let first = contact(created);
    assert_eq!(again.account_ids, first.account_ids);
    let accounts = Salesforce
        .list(&cx, Resource::Account, &ListQuery::default())
        .await
        .expect("accounts");
    assert_eq!(accounts.items.len(), 1, "one Account named Acme Corp");
}

#[tokio::test]
async fn link_only_refuses_an_unknown_company() {
    let sandbox = sandbox().await;
    let cx = cx(&sandbox, "link-only").with_setting("company_account", "link_only");
    let record = Record::Contact(Contact {
        last_name: Some("Doe".into()),
        company_name: Some("Nobody Inc".into()),
        ..Default::default()
    });
    match Salesforce.create(&cx, record).await {
        Err(Error::InvalidInput { field, .. }) => assert_eq!(field, "company_name"),
        other => panic!("expected InvalidInput, got {other:?}"),
    }
}

#[tokio::test]
async fn soql_injection_through_a_company_name_or_a_cursor_goes_nowhere() {
    let sandbox = sandbox().await;
    let cx = cx(&sandbox, "injection");
    let acme = Record::Contact(Contact {
        last_name: Some("Existing".into()),
        company_name: Some("Acme Corp".into()),
        ..Default::default()
    });
    let acme = contact(Salesforce.create(&cx, acme).await.expect("acme contact"));
    let attack = Record::Contact(Contact {
        last_name: Some("Mallory".into()),
        company_name: Some("x' OR Name != '".into()),
        ..Default::default()
    });
    let created = contact(Salesforce.create(&cx, attack).await.expect("created"));
    // The quote stayed inside the literal: no existing Account matched, a new one carries the
    // name verbatim.
    assert_ne!(created.account_ids, acme.account_ids);
    assert_eq!(created.company_name.as_deref(), Some("x' OR Name != '"));

    let page = Salesforce
        .list(
            &cx,
            Resource::Contact,
            &ListQuery {
                page_size: Some(1),
                ..Default::default()
            },
        )
        .await
        .expect("page");
    let cursor = page.next_cursor.expect("a second page");
    let tampered = [
        cursor.replace('A', "B"),
        "eyJvIjoiQ29udGFjdCIsInQiOiIyMDI0LTAxLTAxVDAwOjAwOjAwWiIsImkiOiIwMDMnIE9SIElkICE9ICcifQ"
            .to_owned(),
        "not-a-cursor".to_owned(),
    ];
    for cursor in tampered {
        let q = ListQuery {
            cursor: Some(cursor.clone()),
            ..Default::default()
        };
        match Salesforce.list(&cx, Resource::Contact, &q).await {
            Err(Error::InvalidInput { field, .. }) => assert_eq!(field, "cursor", "{cursor}"),
            Ok(_) => {} // a still well-formed cursor only selects another position
            Err(other) => panic!("{cursor}: unexpected {other:?}"),
        }
    }
    // A lead cursor is not a contact cursor.
    let q = ListQuery {
        cursor: Some(
            connector_salesforce::soql::KeysetCursor {
                object: "Lead".into(),
                after_modstamp: chrono::Utc::now(),
                after_id: "00Q5g0000000001AAA".into(),
            }
            .encode(),
        ),
        ..Default::default()
    };
    assert!(matches!(
        Salesforce.list(&cx, Resource::Contact, &q).await,
        Err(Error::InvalidInput { .. })
    ));
}

#[tokio::test]
async fn short_batches_are_completed_through_next_records_url() {
    let sandbox = sandbox().await;
    let token = "short-batches";
    let cx = cx(&sandbox, token).with_recorder(Recorder::new());
    for i in 0..7 {
        let account = Record::Account(unicrm_core::Account {
            name: Some(format!("Batch {i}")),
            ..Default::default()
        });
        Salesforce.create(&cx, account).await.expect("account");
    }
    Org::set_batch_size(&sandbox.sandbox.emulator("salesforce"), token, 2);
    let recorder = Recorder::new();
    let cx = cx.with_recorder(recorder.clone());
    let mut seen = Vec::new();
    let mut cursor = None;
    loop {
        let page = Salesforce
            .list(
                &cx,
                Resource::Account,
                &ListQuery {
                    cursor: cursor.clone(),
                    page_size: Some(5),
                    ..Default::default()
                },
            )
            .await
            .expect("page");
        seen.extend(page.items.iter().filter_map(|r| r.id().map(str::to_owned)));
        cursor = page.next_cursor;
        if cursor.is_none() {
            break;
        }
    }
    assert_eq!(seen.len(), 7);
    let followed = recorder
        .calls()
        .iter()
        .filter(|c| c.url.contains("/query/01g"))
        .count();
    assert!(
        followed >= 2,
        "nextRecordsUrl was followed ({followed} calls)"
    );
}

#[tokio::test]
async fn an_expired_session_is_refused_and_the_caller_refreshes_it() {
    let sandbox = sandbox().await;
    let mut cx = cx(&sandbox, "expired-session");
    cx.credentials.access_token = Some(SecretString::from("expired-session".to_owned()));
    cx.credentials.refresh_token = Some(SecretString::from("refreshed-account".to_owned()));
    cx.credentials.client_id = Some("3MVG9-sandbox".into());
    // The connector never refreshes inside a call (a rotated refresh token would be lost): the
    // expired session is the caller's `Unauthorized`, and no token request is made.
    let recorder = Recorder::new();
    let plain = cx.clone().with_recorder(recorder.clone());
    let account = Record::Account(unicrm_core::Account {
        name: Some("Before refresh".into()),
        ..Default::default()
    });
    assert!(matches!(
        Salesforce.create(&plain, account).await,
        Err(Error::Unauthorized { .. })
    ));
    assert!(recorder
        .calls()
        .iter()
        .all(|c| !c.url.ends_with("/services/oauth2/token")));
    // The caller refreshes through the one grant and calls again with what it answered.
    let recorder = Recorder::new();
    let mut cx = cx.with_recorder(recorder.clone());
    let fresh = Salesforce.refresh_credentials(&cx).await.expect("refresh");
    assert!(fresh.access_token.is_some());
    assert_eq!(
        fresh.instance_url.as_deref(),
        Some(sandbox.base_url("salesforce").as_str())
    );
    assert_eq!(
        fresh.refresh_token.as_ref().map(|s| s.expose_secret()),
        Some("refreshed-account"),
        "no rotated token in the answer: the old one is kept"
    );
    assert_eq!(fresh.expires_at, None, "Salesforce does not say");
    cx.credentials = fresh;
    let record = Record::Account(unicrm_core::Account {
        name: Some("After refresh".into()),
        ..Default::default()
    });
    let created = Salesforce
        .create(&cx, record)
        .await
        .expect("created after refresh");
    assert!(created.id().is_some());
    let calls = recorder.calls();
    assert!(calls
        .iter()
        .any(|c| c.url.ends_with("/services/oauth2/token")));
    assert!(
        calls.iter().all(|c| !c.url.contains("refreshed-account")
            && c.body
                .as_ref()
                .is_none_or(|b| !b.to_string().contains("refreshed-account"))),
        "the refresh token is never recorded"
    );
    let mut bad = cx.clone();
    bad.credentials.refresh_token = Some(SecretString::from("revoked-token".to_owned()));
    match Salesforce.refresh_credentials(&bad).await {
        Err(Error::Unauthorized { provider, .. }) => {
            assert_eq!(
                provider.and_then(|p| p.code).as_deref(),
                Some("invalid_grant")
            );
        }
        other => panic!("expected Unauthorized, got {other:?}"),
    }
}

#[tokio::test]
async fn provider_validation_errors_keep_code_and_fields() {
    let sandbox = sandbox().await;
    let cx = cx(&sandbox, "validation");
    // Passthrough goes out last, so it can blank a required field past the local check.
    let mut record = Contact {
        last_name: Some("Doe".into()),
        ..Default::default()
    };
    record.passthrough.insert("LastName".into(), Value::Null);
    match Salesforce.create(&cx, Record::Contact(record)).await {
        Err(e @ Error::InvalidInput { .. }) => {
            assert!(e.to_string().starts_with("last_name: "), "{e}");
            let details = e.provider_details().expect("provider details");
            assert_eq!(details.code.as_deref(), Some("REQUIRED_FIELD_MISSING"));
            assert_eq!(details.fields, vec!["LastName".to_owned()]);
        }
        other => panic!("expected InvalidInput, got {other:?}"),
    }
    let record = Contact {
        last_name: Some("Doe".into()),
        custom_fields: vec![CustomField::named("Favourite_Colour__c", json!("teal"))],
        ..Default::default()
    };
    match Salesforce.create(&cx, Record::Contact(record)).await {
        Err(e @ Error::InvalidInput { .. }) => {
            assert_eq!(
                e.provider_details().and_then(|d| d.code.as_deref()),
                Some("INVALID_FIELD")
            );
        }
        other => panic!("expected InvalidInput, got {other:?}"),
    }
    // Local checks happen before any call.
    let recorder = Recorder::new();
    let cx = cx.with_recorder(recorder.clone());
    let deal = Record::Deal(unicrm_core::Deal {
        name: Some("No date".into()),
        stage: Some(unicrm_core::EnumValue::unified("prospecting")),
        ..Default::default()
    });
    match Salesforce.create(&cx, deal).await {
        Err(Error::InvalidInput { field, .. }) => assert_eq!(field, "close_date"),
        other => panic!("expected InvalidInput, got {other:?}"),
    }
    assert!(recorder.calls().is_empty(), "nothing was sent");
}

#[tokio::test]
async fn custom_fields_round_trip_and_are_described() {
    let sandbox = sandbox().await;
    let cx = cx(&sandbox, "custom");
    let defs = Salesforce
        .custom_field_definitions(&cx, Resource::Contact)
        .await
        .expect("describe");
    let names: Vec<&str> = defs.iter().map(|d| d.remote_id.as_str()).collect();
    assert_eq!(
        names,
        ["Loyalty_Score__c", "Training_Status__c", "Languages__c"]
    );
    assert_eq!(defs[1].kind, unicrm_core::FieldType::SingleSelect);
    assert_eq!(defs[1].source_type, "picklist");
    let record = Contact {
        last_name: Some("Custom".into()),
        custom_fields: vec![
            CustomField::named("Loyalty_Score__c", json!(85)),
            CustomField::named("Training_Status__c", json!("Completed")),
        ],
        ..Default::default()
    };
    let created = contact(
        Salesforce
            .create(&cx, Record::Contact(record))
            .await
            .expect("created"),
    );
    let value = |name: &str| {
        created
            .custom_fields
            .iter()
            .find(|c| c.remote_id.as_deref() == Some(name))
            .map(|c| c.value.clone())
    };
    assert_eq!(value("Loyalty_Score__c"), Some(json!(85.0)));
    assert_eq!(value("Training_Status__c"), Some(json!("Completed")));
}

#[tokio::test]
async fn account_ids_link_the_contact_and_every_answer_reports_api_usage() {
    let sandbox = sandbox().await;
    let cx = cx(&sandbox, "links");
    let account = Salesforce
        .create(
            &cx,
            Record::Account(unicrm_core::Account {
                name: Some("Linked Ltd".into()),
                ..Default::default()
            }),
        )
        .await
        .expect("account");
    let account_id = account.id().expect("id").to_owned();
    let created = contact(
        Salesforce
            .create(
                &cx,
                Record::Contact(Contact {
                    last_name: Some("Linked".into()),
                    account_ids: Some(vec![account_id.clone()]),
                    ..Default::default()
                }),
            )
            .await
            .expect("contact"),
    );
    assert_eq!(created.account_ids, Some(vec![account_id]));
    assert_eq!(created.company_name.as_deref(), Some("Linked Ltd"));
    let response = reqwest::Client::new()
        .get(format!(
            "{}/services/data/v62.0/sobjects/Contact/{}",
            sandbox.base_url("salesforce"),
            created.id.expect("id")
        ))
        .bearer_auth("links")
        .send()
        .await
        .expect("get");
    assert_eq!(response.status(), 200);
    let limit = response
        .headers()
        .get("Sforce-Limit-Info")
        .and_then(|v| v.to_str().ok())
        .and_then(connector_salesforce::wire::LimitInfo::parse)
        .expect("Sforce-Limit-Info");
    assert!(limit.used >= 3 && limit.limit == 100_000, "{limit:?}");
}

#[tokio::test]
async fn updated_after_lists_only_records_changed_since() {
    let sandbox = sandbox().await;
    let cx = cx(&sandbox, "updated-after");
    let mut ids = Vec::new();
    let mut last_stamp = None;
    for i in 0..3 {
        let lead = Record::Lead(unicrm_core::Lead {
            last_name: Some(format!("Lead {i}")),
            company_name: Some("Express Logistics and Transport".into()),
            ..Default::default()
        });
        let created = Salesforce.create(&cx, lead).await.expect("lead");
        last_stamp = created.updated_at();
        ids.push(created.id().expect("id").to_owned());
    }
    // Just after the last create, by the emulator's own clock.
    let since = last_stamp.expect("updated_at") + chrono::Duration::milliseconds(1);
    let patch = Record::Lead(unicrm_core::Lead {
        status: Some(unicrm_core::EnumValue::unified("in_progress")),
        ..Default::default()
    });
    let updated = Salesforce
        .update(&cx, &ids[1], patch)
        .await
        .expect("update");
    match &updated {
        Record::Lead(l) => assert_eq!(
            l.status.as_ref().and_then(|s| s.source_value.as_deref()),
            Some("Working - Contacted")
        ),
        other => panic!("{other:?}"),
    }
    let page = Salesforce
        .list(
            &cx,
            Resource::Lead,
            &ListQuery {
                updated_after: Some(since),
                ..Default::default()
            },
        )
        .await
        .expect("list");
    let listed: Vec<&str> = page.items.iter().filter_map(Record::id).collect();
    assert_eq!(listed, [ids[1].as_str()]);
}

#[tokio::test]
async fn seeded_orgs_list_realistic_linked_records() {
    let sandbox = sandbox().await;
    let token = "seeded";
    assert!(sandbox.sandbox.emulator("salesforce").seed_tenant(token, 3));
    let cx = cx(&sandbox, token);
    for resource in Resource::ALL {
        let page = Salesforce
            .list(&cx, resource, &ListQuery::default())
            .await
            .unwrap_or_else(|e| panic!("{resource}: {e}"));
        assert_eq!(page.items.len(), 3, "{resource}");
        for item in &page.items {
            let owner = item.owner().expect("owner");
            assert!(owner.id.starts_with("005"), "{resource}: {owner:?}");
            assert!(owner.name.is_some() && owner.email.is_some(), "{resource}");
        }
    }
    let contacts = Salesforce
        .list(&cx, Resource::Contact, &ListQuery::default())
        .await
        .expect("contacts");
    for c in contacts.items {
        let c = contact(c);
        assert!(c.company_name.is_some() && c.account_ids.is_some(), "{c:?}");
    }
    let meetings = Salesforce
        .list(&cx, Resource::Meeting, &ListQuery::default())
        .await
        .expect("meetings");
    for m in meetings.items {
        let Record::Meeting(m) = m else { panic!() };
        assert!(m.deal_id.is_some() && m.account_id.is_some() && m.contact_ids.is_some());
        assert!(m.end_time > m.start_time);
    }
}

#[tokio::test]
async fn a_converted_lead_read_and_written_back_is_accepted() {
    let sandbox = sandbox().await;
    let token = "converted";
    let cx = cx(&sandbox, token);
    let account = Salesforce
        .create(
            &cx,
            Record::Account(unicrm_core::Account {
                name: Some("Converted Co".into()),
                ..Default::default()
            }),
        )
        .await
        .expect("account");
    let lead = Salesforce
        .create(
            &cx,
            Record::Lead(unicrm_core::Lead {
                last_name: Some("Converted".into()),
                company_name: Some("Converted Co".into()),
                ..Default::default()
            }),
        )
        .await
        .expect("lead");
    let lead_id = lead.id().expect("id").to_owned();
    // Conversion happens in Salesforce; the emulator's store stands in for it here.
    sandbox
        .sandbox
        .emulator("salesforce")
        .tenant(token)
        .update("Lead", &lead_id, |v| {
            v["ConvertedAccountId"] = json!(account.id());
            v["IsConverted"] = json!(true);
        })
        .expect("converted");
    let Record::Lead(mut read) = Salesforce
        .get(&cx, Resource::Lead, &lead_id)
        .await
        .expect("get")
    else {
        panic!("not a lead")
    };
    assert_eq!(read.account_id.as_deref(), account.id());
    read.job_title = Some("Buyer".into());
    let Record::Lead(updated) = Salesforce
        .update(&cx, &lead_id, Record::Lead(read.clone()))
        .await
        .expect("written back unchanged")
    else {
        panic!("not a lead")
    };
    assert_eq!(updated.job_title.as_deref(), Some("Buyer"));
    read.account_id = Some("001000000000000AAA".into());
    match Salesforce.update(&cx, &lead_id, Record::Lead(read)).await {
        Err(Error::InvalidInput { field, .. }) => assert_eq!(field, "account_id"),
        other => panic!("expected InvalidInput, got {other:?}"),
    }
}
