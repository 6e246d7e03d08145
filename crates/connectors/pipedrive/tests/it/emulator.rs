//! The Pipedrive-specific behaviours the conformance suite does not cover, against the emulator
//! (lead → person, company name → organization, paging with `updated_after`, meetings among
//! other activity types, owners, custom field definitions).

use std::sync::Arc;

use serde_json::json;
use unicrm_core::{
    Connector, Contact, Context, Deal, EnumValue, Error, Lead, ListQuery, Meeting, Owner, Record,
    Resource,
};
use unicrm_testkit::sandbox_context;

use connector_pipedrive::Pipedrive;

async fn sandbox() -> unicrm_sandbox::RunningSandbox {
    unicrm_sandbox::spawn("127.0.0.1:0").await.expect("sandbox")
}

fn cx(sb: &unicrm_sandbox::RunningSandbox, token: &str) -> Context {
    sandbox_context(&sb.base_url("pipedrive"), token)
}

/// An API-token-only context (the `x-api-token` header path).
fn api_key_cx(sb: &unicrm_sandbox::RunningSandbox, token: &str) -> Context {
    Context::new(
        sb.base_url("pipedrive"),
        unicrm_core::Credentials::api_key(token),
    )
    .sandboxed(true)
    .with_retry(unicrm_core::RetryPolicy::none())
}

#[tokio::test]
async fn a_lead_with_person_fields_creates_the_person_then_the_lead() {
    let sb = sandbox().await;
    let cx = api_key_cx(&sb, "lead-person");
    let pd: Arc<dyn Connector> = Arc::new(Pipedrive::default());
    let lead = Lead {
        first_name: Some("Jane".into()),
        last_name: Some("Doe".into()),
        emails: Some(vec!["jane.doe@example.com".into()]),
        phone_numbers: Some(vec!["+1-555-0100".into()]),
        company_name: Some("Acme Corp".into()),
        job_title: Some("VP of Sales".into()),
        ..Default::default()
    };
    let created = pd.create_lead(&cx, lead).await.expect("lead");
    let id = created.id.clone().expect("id");
    assert_eq!(id.len(), 36, "lead ids are UUIDs: {id}");
    assert_eq!(created.first_name.as_deref(), Some("Jane"));
    assert_eq!(created.company_name.as_deref(), Some("Acme Corp"));
    assert_eq!(
        created.status.as_ref().and_then(|s| s.value.as_deref()),
        Some("new")
    );
    let person_id = created.contact_id.clone().expect("a person was created");
    let person = pd.get_contact(&cx, &person_id).await.expect("person");
    assert_eq!(person.emails, Some(vec!["jane.doe@example.com".to_owned()]));
    assert_eq!(person.company_name.as_deref(), Some("Acme Corp"));
    assert_eq!(
        person.account_ids,
        Some(vec![created.account_id.clone().unwrap()])
    );
    assert!(
        created
            .custom_fields
            .iter()
            .any(|c| c.target() == Some("title") && c.value == json!("Jane Doe")),
        "the title defaults to the person's name: {:?}",
        created.custom_fields
    );

    // A second lead with the same e-mail reuses the person.
    let again = pd
        .create_lead(
            &cx,
            Lead {
                emails: Some(vec!["JANE.DOE@example.com".into()]),
                job_title: Some("CRO".into()),
                ..Default::default()
            },
        )
        .await
        .expect("second lead");
    assert_eq!(again.contact_id.as_deref(), Some(person_id.as_str()));
    assert_eq!(again.job_title.as_deref(), Some("CRO"));
    assert_eq!(again.first_name.as_deref(), Some("Jane"));

    // Updating the lead's person fields updates its person; status `unqualified` archives it.
    let patch = Lead {
        last_name: Some("Smith".into()),
        status: Some(EnumValue::unified("unqualified")),
        ..Default::default()
    };
    let updated = pd.update_lead(&cx, &id, patch).await.expect("update");
    assert_eq!(updated.first_name.as_deref(), Some("Jane"));
    assert_eq!(updated.last_name.as_deref(), Some("Smith"));
    assert_eq!(
        updated
            .status
            .as_ref()
            .and_then(|s| s.source_value.as_deref()),
        Some("archived")
    );

    // Neither a person nor an organization: refused before any call.
    let e = pd
        .create_lead(&cx, Lead::default())
        .await
        .expect_err("no link");
    assert_eq!(e.kind(), "invalid_input", "{e}");
}

#[tokio::test]
async fn contact_company_name_finds_or_creates_the_organization() {
    let sb = sandbox().await;
    let cx = cx(&sb, "company-name");
    let pd: Arc<dyn Connector> = Arc::new(Pipedrive::default());
    let mut ids = Vec::new();
    for first in ["Ann", "Bob"] {
        let c = pd
            .create_contact(
                &cx,
                Contact {
                    first_name: Some(first.into()),
                    last_name: Some("Lee".into()),
                    company_name: Some("Globex".into()),
                    ..Default::default()
                },
            )
            .await
            .expect("contact");
        assert_eq!(c.company_name.as_deref(), Some("Globex"));
        ids.push(c.account_ids.clone().expect("org"));
    }
    assert_eq!(ids[0], ids[1], "the second contact reuses the organization");
    // A company name that is not the name of the organization given with it is refused.
    let e = pd
        .create_contact(
            &cx,
            Contact {
                last_name: Some("Moe".into()),
                company_name: Some("Initech".into()),
                account_ids: Some(ids[0].clone()),
                ..Default::default()
            },
        )
        .await
        .expect_err("contradiction");
    match e {
        Error::InvalidInput { field, .. } => assert_eq!(field, "company_name"),
        other => panic!("{other:?}"),
    }
    // A name change keeps the other half of the name.
    let first = pd
        .list(&cx, Resource::Contact, &ListQuery::default())
        .await
        .unwrap();
    let first_id = first.items[0].id().unwrap();
    let c = pd
        .update_contact(
            &cx,
            first_id,
            Contact {
                first_name: Some("Anna".into()),
                ..Default::default()
            },
        )
        .await
        .expect("update");
    assert_eq!(c.first_name.as_deref(), Some("Anna"));
    assert_eq!(c.last_name.as_deref(), Some("Lee"));
    // Owners are resolved through GET /v1/users/{id}.
    assert_eq!(
        c.owner,
        Some(Owner {
            id: "1".into(),
            name: Some("Sandbox Admin".into()),
            email: Some("admin@sandbox.pipedrive.example".into()),
        })
    );
}

#[tokio::test]
async fn meetings_list_only_meeting_activities() {
    let sb = sandbox().await;
    let cx = cx(&sb, "meetings");
    let pd: Arc<dyn Connector> = Arc::new(Pipedrive::default());
    // Calls created straight through the emulator's API are not meetings.
    let http = reqwest_like_post(&sb, "meetings").await;
    let m = pd
        .create_meeting(
            &cx,
            Meeting {
                title: Some("Kick-off".into()),
                start_time: Some("2030-01-15T10:00:00Z".parse().unwrap()),
                end_time: Some("2030-01-15T11:30:00Z".parse().unwrap()),
                outcome: Some(EnumValue::unified("completed")),
                ..Default::default()
            },
        )
        .await
        .expect("meeting");
    assert_eq!(
        m.raw.as_ref().and_then(|r| r.get("duration")).cloned(),
        Some(json!("01:30:00"))
    );
    let mut all = Vec::new();
    let mut q = ListQuery {
        page_size: Some(1),
        ..Default::default()
    };
    loop {
        let page = pd.list(&cx, Resource::Meeting, &q).await.expect("page");
        all.extend(page.items);
        match page.next_cursor {
            Some(c) => q.cursor = Some(c),
            None => break,
        }
    }
    assert_eq!(all.len(), 1, "{all:?}");
    let e = pd
        .get(&cx, Resource::Meeting, &http)
        .await
        .expect_err("a call is not a meeting");
    assert_eq!(e.kind(), "not_found");
}

/// Creates a `call` activity with the emulator's own API (as another Pipedrive client would).
async fn reqwest_like_post(sb: &unicrm_sandbox::RunningSandbox, token: &str) -> String {
    use unicrm_core::http::{Auth, ProviderRequest};
    let cx = api_key_cx(sb, token);
    let req = ProviderRequest::post(
        "pipedrive",
        cx.url("/api/v2/activities"),
        json!({"subject": "Call back", "type": "call"}),
    )
    .auth(Auth::ApiKeyHeader("x-api-token"));
    let resp = cx.send(req).await.expect("call activity");
    let v = resp.body_value();
    v["data"]["id"].to_string()
}

#[tokio::test]
async fn updated_after_filters_every_resource() {
    let sb = sandbox().await;
    let cx = cx(&sb, "updated-after");
    let pd: Arc<dyn Connector> = Arc::new(Pipedrive::default());
    let deal = |n: &str| Deal {
        name: Some(n.into()),
        amount: Some("10".parse().unwrap()),
        currency: Some("EUR".into()),
        ..Default::default()
    };
    pd.create_deal(&cx, deal("old")).await.unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let since = chrono::Utc::now();
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let new = pd.create_deal(&cx, deal("new")).await.unwrap();
    let q = ListQuery {
        updated_after: Some(since),
        ..Default::default()
    };
    let page = pd.list(&cx, Resource::Deal, &q).await.unwrap();
    let names: Vec<_> = page
        .items
        .iter()
        .map(|r| match r {
            Record::Deal(d) => d.name.clone().unwrap_or_default(),
            _ => String::new(),
        })
        .collect();
    assert_eq!(names, vec!["new"]);
    assert_eq!(new.stage.and_then(|s| s.value), Some("open".into()));
}

#[tokio::test]
async fn custom_field_definitions_come_from_the_fields_api() {
    let sb = sandbox().await;
    let cx = cx(&sb, "fields");
    let defs = Pipedrive::default()
        .custom_field_definitions(&cx, Resource::Contact)
        .await
        .unwrap();
    assert!(defs.iter().all(|d| d.id.len() == 40), "{defs:?}");
    let customer_type = defs
        .iter()
        .find(|d| d.name == "Customer Type")
        .expect("Customer Type");
    assert_eq!(customer_type.kind, unicrm_core::FieldType::SingleSelect);
    assert_eq!(customer_type.source_type, "enum");
    assert_eq!(customer_type.options.len(), 2);
    let lead_defs = Pipedrive::default()
        .custom_field_definitions(&cx, Resource::Lead)
        .await
        .unwrap();
    assert!(lead_defs
        .iter()
        .any(|d| d.kind == unicrm_core::FieldType::MultiSelect));
}

#[tokio::test]
async fn provider_errors_keep_message_and_fields() {
    let sb = sandbox().await;
    let cx = cx(&sb, "errors");
    // A deal on a stage the account does not have: Pipedrive's 400, kept.
    let e = Pipedrive::default()
        .create(
            &cx,
            Record::Deal(Deal {
                name: Some("x".into()),
                stage: Some(EnumValue::from_source("999", None)),
                ..Default::default()
            }),
        )
        .await
        .expect_err("unknown stage");
    match &e {
        Error::InvalidInput {
            field, provider, ..
        } => {
            assert_eq!(field, "stage");
            let p = provider.as_ref().expect("provider details");
            assert_eq!(p.fields, vec!["stage_id"]);
            assert_eq!(p.status, 400);
            assert!(p.message.contains("Stage with id 999"), "{}", p.message);
        }
        other => panic!("{other:?}"),
    }
    let e = Pipedrive::default()
        .get(&cx, Resource::Account, "123456789")
        .await
        .expect_err("404");
    assert_eq!(
        e.provider_details().map(|p| p.message.as_str()),
        Some("Organization not found")
    );
}

#[tokio::test]
async fn oauth_refresh_keeps_the_account() {
    let sb = sandbox().await;
    let mut creds = unicrm_core::Credentials::from_pairs([
        ("access_token", "old-token"),
        ("refresh_token", "refresh-acct"),
        ("client_id", "client"),
        ("client_secret", "secret"),
        ("expires_at", "2000-01-01T00:00:00Z"),
    ])
    .unwrap();
    creds.instance_url = None;
    let cx = Context::new(sb.base_url("pipedrive"), creds)
        .sandboxed(true)
        .with_retry(unicrm_core::RetryPolicy::none());
    let fresh = Pipedrive::default()
        .refresh_credentials(&cx)
        .await
        .expect("refresh");
    assert!(fresh.expires_at.unwrap() > chrono::Utc::now());
    // An expired token is refreshed before the call, by the caller (the connector never
    // refreshes inside a call): `refresh_if_due` finds it due and answers credentials to store.
    let pipedrive: std::sync::Arc<dyn unicrm_core::Connector> =
        std::sync::Arc::new(Pipedrive::default());
    let due = pipedrive
        .refresh_if_due(&cx)
        .await
        .expect("refresh")
        .expect("an expired token is due");
    assert!(due.expires_at.unwrap() > chrono::Utc::now());
    let mut cx = cx;
    cx.credentials = due;
    assert!(pipedrive.refresh_if_due(&cx).await.unwrap().is_none());
    let page = Pipedrive::default()
        .list(&cx, Resource::Account, &ListQuery::default())
        .await
        .expect("list after refresh");
    assert!(page.items.is_empty());
}

#[tokio::test]
async fn seeded_accounts_list_with_batched_reads() {
    let sb = sandbox().await;
    let token = "seeded";
    assert!(sb.sandbox.emulator("pipedrive").seed_tenant(token, 5));
    let recorder = unicrm_core::Recorder::new();
    let cx = cx(&sb, token).with_recorder(recorder.clone());
    let pd = Pipedrive::default();
    for r in [
        Resource::Account,
        Resource::Contact,
        Resource::Deal,
        Resource::Meeting,
    ] {
        let page = pd.list(&cx, r, &ListQuery::default()).await.expect("list");
        assert_eq!(page.items.len(), 5, "{r}");
        assert!(page.next_cursor.is_none(), "{r}");
    }
    let before = recorder.calls().len();
    let leads = pd
        .list(&cx, Resource::Lead, &ListQuery::default())
        .await
        .expect("leads");
    assert_eq!(leads.items.len(), 5);
    for l in &leads.items {
        let Record::Lead(l) = l else { panic!("lead") };
        assert!(l.first_name.is_some() && l.emails.is_some(), "{l:?}");
        assert!(l.company_name.is_some(), "{l:?}");
        assert_eq!(
            l.owner.as_ref().and_then(|o| o.name.as_deref()),
            Some("Sandbox Admin")
        );
    }
    let calls: Vec<String> = recorder.calls()[before..]
        .iter()
        .map(|c| c.url.clone())
        .collect();
    // The leads page, one batched read of their persons, one of their organizations (the owner
    // is cached from the earlier pages).
    assert_eq!(calls.len(), 3, "{calls:#?}");
    assert!(
        calls[1].contains("/api/v2/persons?") && calls[1].contains("ids="),
        "{calls:#?}"
    );
}

#[tokio::test]
async fn account_industry_is_an_option_of_the_industry_field() {
    let sb = sandbox().await;
    let cx = cx(&sb, "industry");
    let pd: Arc<dyn Connector> = Arc::new(Pipedrive::default());
    let a = pd
        .create_account(
            &cx,
            unicrm_core::Account {
                name: Some("Initech".into()),
                industry: Some("finance".into()),
                website: Some("https://initech.example".into()),
                annual_revenue: Some("2500000".parse().unwrap()),
                ..Default::default()
            },
        )
        .await
        .expect("account");
    assert_eq!(a.industry.as_deref(), Some("Finance"));
    assert_eq!(
        a.raw.as_ref().and_then(|r| r.get("industry")).cloned(),
        Some(json!(2))
    );
    let e = pd
        .update_account(
            &cx,
            a.id.as_deref().unwrap(),
            unicrm_core::Account {
                industry: Some("Astrology".into()),
                ..Default::default()
            },
        )
        .await
        .expect_err("not an option");
    match e {
        Error::InvalidInput { field, reason, .. } => {
            assert_eq!(field, "industry");
            assert!(reason.contains("Technology"), "{reason}");
        }
        other => panic!("{other:?}"),
    }
    let e = pd
        .create_account(
            &cx,
            unicrm_core::Account {
                name: Some("Initech".into()),
                annual_revenue: Some("10.5".parse().unwrap()),
                ..Default::default()
            },
        )
        .await
        .expect_err("fractional revenue");
    assert_eq!(e.kind(), "invalid_input");
}

/// The project's two example request pages, as the gateway would run them in sandbox mode.
#[tokio::test]
async fn the_example_pages_through_the_emulator() {
    use unicrm_core::dialect::{self, Dialect};
    let sb = sandbox().await;
    let cx = cx(&sb, "example-pages");
    let pd: Arc<dyn Connector> = Arc::new(Pipedrive::default());
    let v1 = std::fs::read("fixtures/requests/contact/v1_example_page.json").unwrap();
    let record = dialect::parse_request(Dialect::V1, Resource::Contact, &v1).unwrap();
    let created = pd.create(&cx, record).await.expect("v1 example page");
    let out = dialect::render(Dialect::V1, &created);
    assert_eq!(out["firstName"], "Jane");
    assert_eq!(out["lastName"], "Doe");
    assert_eq!(out["email"], "jane.doe@example.com");
    assert_eq!(out["phone"], "+1-555-0100");
    assert_eq!(out["company"], "Acme Corp");
    assert_eq!(out["jobTitle"], "VP of Sales");
    assert_eq!(out["address"]["city"], "San Francisco");
    assert_eq!(out["ownerName"], "Sandbox Admin");

    // The unified page links two accounts (and deals by made-up ids): a Pipedrive person has
    // one organization, so the connector refuses it before any call, naming the field.
    let unified = std::fs::read("fixtures/requests/contact/unified_example_page.json").unwrap();
    let record = dialect::parse_request(Dialect::Unified, Resource::Contact, &unified).unwrap();
    match pd.create(&cx, record.clone()).await {
        Err(Error::InvalidInput { field, .. }) => assert_eq!(field, "account_ids"),
        other => panic!("{other:?}"),
    }
    // With one account of this account's own and no made-up deal ids it goes through, custom
    // field and passthrough included (the unknown passthrough key is dropped by Pipedrive).
    let Record::Contact(mut c) = record else {
        panic!("contact")
    };
    let org = pd
        .create_account(
            &cx,
            unicrm_core::Account {
                name: Some("Apple Inc.".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    c.account_ids = Some(vec![org.id.clone().unwrap()]);
    c.deal_ids = None;
    c.custom_fields[0].remote_id = Some("9dc80c50d78a15643bfc4ca79d76156a73a1ca0e".into());
    c.custom_fields[0].remote_value_id = Some("191".into());
    let created = pd
        .create_contact(&cx, c)
        .await
        .expect("unified page, adapted");
    assert_eq!(created.company_name.as_deref(), Some("Apple Inc."));
    assert!(created.custom_fields.iter().any(|f| f.target()
        == Some("9dc80c50d78a15643bfc4ca79d76156a73a1ca0e")
        && f.value == json!(191)));
}
