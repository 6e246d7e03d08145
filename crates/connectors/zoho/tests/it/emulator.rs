//! The connector against its emulator, for Zoho's own rules: per-record errors inside the data
//! wrapper, duplicate e-mails, mandatory fields named in unified terms, company → Account
//! linking, owners through the users API, custom fields and their definitions, page tokens and
//! `If-Modified-Since`, the `Zoho-oauthtoken` scheme, OAuth refresh and the data-centre hosts.

use std::sync::Arc;

use chrono::Utc;
use connector_zoho::Zoho;
use secrecy::SecretString;
use serde_json::{json, Value};
use unicrm_core::dialect::{self, Dialect};
use unicrm_core::{
    Account, Connector, Contact, Context, CustomField, Deal, EnumValue, Error, Lead, ListQuery,
    Meeting, Owner, Record, Recorder, Resource,
};
use unicrm_sandbox::RunningSandbox;

async fn sandbox() -> RunningSandbox {
    unicrm_sandbox::spawn("127.0.0.1:0").await.expect("sandbox")
}

fn cx(sb: &RunningSandbox, token: &str) -> Context {
    unicrm_testkit::sandbox_context(&sb.base_url("zoho"), token)
}

fn zoho() -> Arc<dyn Connector> {
    Arc::new(Zoho)
}

fn person(last: &str, email: &str) -> Contact {
    Contact {
        first_name: Some("Ada".into()),
        last_name: Some(last.into()),
        emails: Some(vec![email.into()]),
        ..Default::default()
    }
}

#[tokio::test]
async fn ids_are_long_decimal_strings_and_times_come_back() {
    let sb = sandbox().await;
    let cx = cx(&sb, "ids");
    let c = zoho()
        .create_contact(&cx, person("Lovelace", "ada@example.com"))
        .await
        .unwrap();
    let id = c.id.clone().unwrap();
    assert_eq!(id.len(), 19, "{id}");
    assert!(id.bytes().all(|b| b.is_ascii_digit()), "{id}");
    assert_eq!(c.remote_id.as_deref(), Some(id.as_str()));
    assert!(c.created_at.is_some() && c.updated_at.is_some());
    // The default owner comes back with name and e-mail.
    let owner = c.owner.unwrap();
    assert_eq!(owner.name.as_deref(), Some("Patricia Boyle"));
    assert_eq!(
        owner.email.as_deref(),
        Some("patricia.boyle@zylker.example")
    );
}

#[tokio::test]
async fn a_duplicate_email_is_a_conflict_naming_the_existing_contact() {
    let sb = sandbox().await;
    let cx = cx(&sb, "dup-email");
    let z = zoho();
    let first = z
        .create_contact(&cx, person("One", "dup@example.com"))
        .await
        .unwrap();
    let err = z
        .create_contact(&cx, person("Two", "DUP@example.com"))
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
            assert_eq!(p.status, 400);
            assert_eq!(p.code.as_deref(), Some("DUPLICATE_DATA"));
            assert_eq!(p.fields, vec!["Email".to_owned()]);
        }
        other => panic!("expected a conflict, got {other:?}"),
    }
}

#[tokio::test]
async fn a_missing_mandatory_field_is_invalid_input_in_unified_terms() {
    let sb = sandbox().await;
    let cx = cx(&sb, "mandatory");
    // Zoho's standard lead layout requires Company; the connector leaves that rule to Zoho.
    let lead = Lead {
        last_name: Some("Doe".into()),
        ..Default::default()
    };
    let err = zoho().create_lead(&cx, lead).await.unwrap_err();
    match err {
        Error::InvalidInput {
            field, provider, ..
        } => {
            assert_eq!(field, "company_name");
            let p = provider.expect("provider details");
            assert_eq!(p.code.as_deref(), Some("MANDATORY_NOT_FOUND"));
            assert_eq!(p.fields, vec!["Company".to_owned()]);
        }
        other => panic!("expected invalid input, got {other:?}"),
    }
}

#[tokio::test]
async fn a_lookup_to_a_missing_record_is_invalid_input() {
    let sb = sandbox().await;
    let cx = cx(&sb, "bad-lookup");
    let contact = Contact {
        last_name: Some("Doe".into()),
        account_ids: Some(vec!["5725767000999999999".into()]),
        ..Default::default()
    };
    let err = zoho().create_contact(&cx, contact).await.unwrap_err();
    match err {
        Error::InvalidInput { field, .. } => assert_eq!(field, "account_ids[0]"),
        other => panic!("expected invalid input, got {other:?}"),
    }
}

#[tokio::test]
async fn company_name_links_an_account_found_or_created_by_name() {
    let sb = sandbox().await;
    let cx = cx(&sb, "company");
    let z = zoho();
    let a = z
        .create_contact(
            &cx,
            Contact {
                last_name: Some("A".into()),
                company_name: Some("Zylker (EU), Ltd".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let b = z
        .create_contact(
            &cx,
            Contact {
                last_name: Some("B".into()),
                company_name: Some("Zylker (EU), Ltd".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(a.company_name.as_deref(), Some("Zylker (EU), Ltd"));
    assert!(a.account_ids.is_some());
    assert_eq!(
        a.account_ids, b.account_ids,
        "the second contact reuses the account"
    );
    let accounts = z
        .list(&cx, Resource::Account, &ListQuery::default())
        .await
        .unwrap();
    assert_eq!(accounts.items.len(), 1);

    let only = cx.clone().with_setting("company_account", "link_only");
    let err = z
        .create_contact(
            &only,
            Contact {
                last_name: Some("C".into()),
                company_name: Some("Nobody Inc".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::InvalidInput { field, .. } if field == "company_name"),
        "{err:?}"
    );
}

#[tokio::test]
async fn the_example_pages_create_contacts() {
    let sb = sandbox().await;
    let cx = cx(&sb, "example-pages");
    let body = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fixtures/requests/contact/v1_example_page.json"
    ))
    .unwrap();
    let record = dialect::parse_request(Dialect::V1, Resource::Contact, &body).unwrap();
    let created = zoho().create(&cx, record).await.unwrap();
    let v1 = dialect::render(Dialect::V1, &created);
    assert_eq!(v1["firstName"], "Jane");
    assert_eq!(v1["company"], "Acme Corp");
    assert_eq!(v1["jobTitle"], "VP of Sales");
    assert_eq!(v1["address"]["postalCode"], "94105");
    assert_eq!(v1["ownerName"], "Patricia Boyle");

    // The unified page links deals from the contact, which Zoho cannot: a clear input error.
    let body = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fixtures/requests/contact/unified_example_page.json"
    ))
    .unwrap();
    let record = dialect::parse_request(Dialect::Unified, Resource::Contact, &body).unwrap();
    let err = zoho().create(&cx, record).await.unwrap_err();
    assert!(
        matches!(&err, Error::InvalidInput { field, .. } if field == "deal_ids"),
        "{err:?}"
    );
}

#[tokio::test]
async fn custom_fields_round_trip_and_have_definitions() {
    let sb = sandbox().await;
    let cx = cx(&sb, "custom");
    let z = zoho();
    let mut contact = person("Custom", "custom@example.com");
    contact.custom_fields = vec![CustomField::named("Loyalty_Tier", json!("Gold"))];
    let created = z.create_contact(&cx, contact).await.unwrap();
    let tier = created
        .custom_fields
        .iter()
        .find(|f| f.remote_id.as_deref() == Some("Loyalty_Tier"))
        .expect("custom field back");
    assert_eq!(tier.value, json!("Gold"));

    // Lists ask for custom fields by name too.
    let page = z
        .list(&cx, Resource::Contact, &ListQuery::default())
        .await
        .unwrap();
    let Record::Contact(listed) = &page.items[0] else {
        panic!("a contact")
    };
    assert!(listed
        .custom_fields
        .iter()
        .any(|f| f.remote_id.as_deref() == Some("Loyalty_Tier") && f.value == json!("Gold")));

    let defs = z
        .custom_field_definitions(&cx, Resource::Contact)
        .await
        .unwrap();
    let tier = defs
        .iter()
        .find(|d| d.id == "Loyalty_Tier")
        .expect("definition");
    assert_eq!(tier.kind, unicrm_core::FieldType::SingleSelect);
    assert_eq!(tier.source_type, "picklist");
    let options: Vec<&str> = tier.options.iter().map(|o| o.id.as_str()).collect();
    assert_eq!(options, vec!["Gold", "Silver", "Bronze"]);
    assert!(
        defs.iter().all(|d| d.id != "Last_Name"),
        "standard fields are not custom"
    );
}

#[tokio::test]
async fn passthrough_overrides_the_mapping() {
    let sb = sandbox().await;
    let cx = cx(&sb, "passthrough");
    let mut contact = person("Mapped", "pt@example.com");
    contact
        .passthrough
        .insert("Last_Name".into(), json!("FromPassthrough"));
    let created = zoho().create_contact(&cx, contact).await.unwrap();
    assert_eq!(created.last_name.as_deref(), Some("FromPassthrough"));
}

#[tokio::test]
async fn owners_are_checked_and_resolved() {
    let sb = sandbox().await;
    let cx = cx(&sb, "owners");
    let z = zoho();
    let mut account = Account {
        name: Some("Owned".into()),
        owner: Some(Owner::id("5725767000000411002")),
        ..Default::default()
    };
    let created = z.create_account(&cx, account.clone()).await.unwrap();
    let owner = created.owner.unwrap();
    assert_eq!(owner.name.as_deref(), Some("Ravi Kumar"));
    assert_eq!(owner.email.as_deref(), Some("ravi.kumar@zylker.example"));
    assert_eq!(
        cx.owners.get("5725767000000411002").and_then(|o| o.name),
        Some("Ravi Kumar".into())
    );
    account.owner = Some(Owner::id("5725767000000000001"));
    let err = z.create_account(&cx, account).await.unwrap_err();
    assert!(
        matches!(&err, Error::InvalidInput { field, .. } if field == "owner"),
        "{err:?}"
    );
}

#[tokio::test]
async fn deals_and_meetings_link_records() {
    let sb = sandbox().await;
    let cx = cx(&sb, "links");
    let z = zoho();
    let account = z
        .create_account(
            &cx,
            Account {
                name: Some("Zylker".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let contact = z
        .create_contact(&cx, person("Linked", "linked@example.com"))
        .await
        .unwrap();
    let deal = z
        .create_deal(
            &cx,
            Deal {
                name: Some("Renewal".into()),
                stage: Some(EnumValue::unified("won")),
                close_date: chrono::NaiveDate::from_ymd_opt(2030, 6, 30),
                amount: Some("12345.67".parse().unwrap()),
                account_id: account.id.clone(),
                contact_ids: Some(vec![contact.id.clone().unwrap()]),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let stage = deal.stage.clone().unwrap();
    assert_eq!(stage.value.as_deref(), Some("closed_won"));
    assert_eq!(stage.source_value.as_deref(), Some("Closed Won"));
    assert_eq!(deal.account_id, account.id);
    assert_eq!(deal.amount.unwrap().to_string(), "12345.67");

    let start = Utc::now();
    let meeting = z
        .create_meeting(
            &cx,
            Meeting {
                title: Some("Kick-off".into()),
                start_time: Some(start),
                end_time: Some(start + chrono::Duration::hours(1)),
                contact_ids: Some(vec![contact.id.clone().unwrap()]),
                account_id: account.id.clone(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(meeting.account_id, account.id);
    assert_eq!(meeting.contact_ids, Some(vec![contact.id.clone().unwrap()]));
    let raw = meeting.raw.unwrap();
    assert_eq!(raw["What_Id"]["name"], "Zylker");
    assert_eq!(raw["$se_module"], "Accounts");
    assert_eq!(raw["Participants"][0]["type"], "contact");

    // Moving the meeting to the deal.
    let moved = z
        .update_meeting(
            &cx,
            meeting.id.as_deref().unwrap(),
            Meeting {
                deal_id: deal.id.clone(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(moved.deal_id, deal.id);
    assert_eq!(moved.account_id, None);
}

#[tokio::test]
async fn lists_page_with_tokens_and_filter_by_modification_time() {
    let sb = sandbox().await;
    let cx = cx(&sb, "paging");
    let z = zoho();
    let mut ids = Vec::new();
    for i in 0..5 {
        let c = z
            .create_contact(&cx, person(&format!("P{i}"), &format!("p{i}@example.com")))
            .await
            .unwrap();
        ids.push(c.id.unwrap());
    }
    let mut seen = Vec::new();
    let mut query = ListQuery {
        page_size: Some(2),
        ..Default::default()
    };
    let mut pages = 0;
    loop {
        let page = z.list(&cx, Resource::Contact, &query).await.unwrap();
        pages += 1;
        seen.extend(page.items.iter().filter_map(|r| r.id().map(str::to_owned)));
        match page.next_cursor {
            Some(c) => query.cursor = Some(c),
            None => break,
        }
    }
    assert_eq!(pages, 3);
    assert_eq!(seen, ids, "every record once, in id order");

    let err = z
        .list(
            &cx,
            Resource::Contact,
            &ListQuery {
                cursor: Some("not a token".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap_err();
    assert!(matches!(&err, Error::InvalidInput { field, .. } if field == "cursor"));

    // Only records changed at or after the time.
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let since = Utc::now();
    z.update_contact(
        &cx,
        &ids[3],
        Contact {
            job_title: Some("Changed".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let changed = z
        .list(
            &cx,
            Resource::Contact,
            &ListQuery {
                updated_after: Some(since),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let changed: Vec<&str> = changed.items.iter().filter_map(Record::id).collect();
    assert_eq!(changed, vec![ids[3].as_str()]);
    // Nothing changed since now: Zoho's 304 is an empty page.
    let none = z
        .list(
            &cx,
            Resource::Deal,
            &ListQuery {
                updated_after: Some(Utc::now()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert!(none.items.is_empty() && none.next_cursor.is_none());
}

#[tokio::test]
async fn unknown_and_malformed_ids_are_not_found() {
    let sb = sandbox().await;
    let cx = cx(&sb, "not-found");
    let z = zoho();
    for id in ["5725767000999999999", "abc", "../Leads"] {
        let err = z.get(&cx, Resource::Lead, id).await.unwrap_err();
        assert!(matches!(err, Error::NotFound { .. }), "{id}: {err:?}");
        let err = z.delete(&cx, Resource::Lead, id).await.unwrap_err();
        assert!(matches!(err, Error::NotFound { .. }), "{id}: {err:?}");
    }
    let err = z
        .update_lead(
            &cx,
            "5725767000999999999",
            Lead {
                job_title: Some("x".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap_err();
    assert!(matches!(err, Error::NotFound { .. }), "{err:?}");
}

#[tokio::test]
async fn the_emulator_wants_the_zoho_scheme_and_zoho_bodies() {
    let sb = sandbox().await;
    let http = reqwest::Client::new();
    let url = format!("{}/crm/v8/Leads?fields=Last_Name", sb.base_url("zoho"));
    let resp = http.get(&url).bearer_auth("tok").send().await.unwrap();
    assert_eq!(resp.status(), 401);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["code"], "INVALID_TOKEN");

    let auth = ("Authorization", "Zoho-oauthtoken tok");
    let resp = http.get(&url).header(auth.0, auth.1).send().await.unwrap();
    assert_eq!(resp.status(), 204, "an empty module answers 204");

    let no_fields = format!("{}/crm/v8/Leads", sb.base_url("zoho"));
    let resp = http
        .get(&no_fields)
        .header(auth.0, auth.1)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["code"], "REQUIRED_PARAM_MISSING");
    assert_eq!(body["details"]["param_name"], "fields");

    // One good and one bad record: 207 with a result per record.
    let resp = http
        .post(format!("{}/crm/v8/Leads", sb.base_url("zoho")))
        .header(auth.0, auth.1)
        .json(&json!({"data": [
            {"Last_Name": "Ok", "Company": "Zylker"},
            {"Last_Name": "Missing company"}
        ]}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 207);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["data"][0]["status"], "success");
    assert_eq!(body["data"][1]["code"], "MANDATORY_NOT_FOUND");
    assert_eq!(body["data"][1]["details"]["json_path"], "$.data[1].Company");
}

#[tokio::test]
async fn an_expired_token_is_refused_and_the_caller_refreshes_it() {
    let sb = sandbox().await;
    let base = sb.base_url("zoho");
    let mut cx = cx(&sb, "expired-token");
    cx.credentials.refresh_token = Some(SecretString::from("refresh-acct".to_owned()));
    cx.credentials.client_id = Some("1000.CLIENT".into());
    cx.credentials.client_secret = Some(SecretString::from("client-secret-value".to_owned()));
    let recorder = Recorder::new();
    let mut cx = cx.with_recorder(recorder.clone());
    // The connector never refreshes inside a call (a rotated token would be lost): Zoho's
    // `401 INVALID_TOKEN` is the caller's `Unauthorized`, and no token request is made.
    let err = zoho()
        .create_contact(&cx, person("Refreshed", "r@example.com"))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Unauthorized { .. }), "{err:?}");
    assert_eq!(recorder.calls().len(), 1);
    // The caller refreshes through the one grant, keeps the answer, and calls again.
    cx.credentials = zoho().refresh_credentials(&cx).await.unwrap();
    let created = zoho()
        .create_contact(&cx, person("Refreshed", "r@example.com"))
        .await
        .unwrap();
    // The record lives in the account the refreshed token names.
    let fresh = unicrm_testkit::sandbox_context(&base, "refresh-acct");
    let got = zoho()
        .get_contact(&fresh, created.id.as_deref().unwrap())
        .await
        .unwrap();
    assert_eq!(got.last_name.as_deref(), Some("Refreshed"));
    let calls = recorder.calls();
    let urls: Vec<String> = calls.iter().map(|c| c.url.clone()).collect();
    assert!(urls[0].ends_with("/crm/v8/Contacts"), "{urls:?}");
    assert_eq!(calls[0].status, 401);
    assert!(urls[1].ends_with("/oauth/v2/token"), "{urls:?}");
    assert!(urls[2].ends_with("/crm/v8/Contacts"), "{urls:?}");
    assert_eq!(calls[2].status, 201);
    let text = serde_json::to_string(
        &calls
            .iter()
            .map(|c| (&c.body, &c.response))
            .collect::<Vec<_>>(),
    )
    .unwrap();
    assert!(
        !text.contains("client-secret-value") && !text.contains("refresh-acct"),
        "{text}"
    );
}

#[tokio::test]
async fn refresh_credentials_answers_the_new_token_and_api_domain() {
    let sb = sandbox().await;
    let base = sb.base_url("zoho");
    let mut cx = cx(&sb, "old-token");
    cx.credentials.refresh_token = Some(SecretString::from("acct-7".to_owned()));
    cx.credentials.client_id = Some("1000.CLIENT".into());
    cx.credentials.client_secret = Some(SecretString::from("s3cret".to_owned()));
    let creds = zoho().refresh_credentials(&cx).await.unwrap();
    assert_eq!(creds.bearer_token(), Some("acct-7"));
    assert_eq!(creds.instance_url.as_deref(), Some(base.as_str()));
    assert!(creds.expires_at.is_some_and(|t| t > Utc::now()));
    assert_eq!(creds.client_id.as_deref(), Some("1000.CLIENT"));

    cx.credentials.refresh_token = Some(SecretString::from("revoked-acct".to_owned()));
    let err = zoho().refresh_credentials(&cx).await.unwrap_err();
    match err {
        Error::Unauthorized { provider, .. } => {
            assert_eq!(provider.unwrap().code.as_deref(), Some("invalid_code"));
        }
        other => panic!("expected unauthorized, got {other:?}"),
    }
    cx.credentials.refresh_token = None;
    assert!(matches!(
        zoho().refresh_credentials(&cx).await.unwrap_err(),
        Error::Unauthorized { .. }
    ));
}

#[tokio::test]
async fn real_accounts_only_reach_zoho_hosts() {
    // Not a sandbox account: a non-Zoho instance URL is refused before any call.
    let mut creds = unicrm_core::Credentials::bearer("tok");
    creds.instance_url = Some("https://evil.example".into());
    let cx = Context::new("https://www.zohoapis.com", creds);
    let err = zoho().get(&cx, Resource::Lead, "1").await.unwrap_err();
    assert!(
        matches!(&err, Error::InvalidInput { field, .. } if field == "credentials.instance_url"),
        "{err:?}"
    );
}

#[tokio::test]
async fn seed_data_fills_every_module() {
    let sb = sandbox().await;
    assert!(sb.sandbox.emulator("zoho").seed_tenant("seeded", 3));
    let cx = cx(&sb, "seeded");
    for resource in Resource::ALL {
        let page = zoho()
            .list(&cx, resource, &ListQuery::default())
            .await
            .unwrap();
        assert_eq!(page.items.len(), 3, "{resource}");
    }
}

#[tokio::test]
async fn the_unified_page_with_zoho_references_creates_the_contact() {
    let sb = sandbox().await;
    let cx = cx(&sb, "unified-page");
    let z = zoho();
    let account = z
        .create_account(
            &cx,
            Account {
                name: Some("Apple Inc.".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let defs = z
        .custom_field_definitions(&cx, Resource::Contact)
        .await
        .unwrap();
    let def = defs
        .iter()
        .find(|d| d.name == "Training Completion Status")
        .expect("definition");
    let option = def
        .options
        .iter()
        .find(|o| o.value == "Completed")
        .expect("option");
    let mut body: Value = serde_json::from_slice(
        &std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/fixtures/requests/contact/unified_example_page.json"
        ))
        .unwrap(),
    )
    .unwrap();
    body.as_object_mut().unwrap().remove("deal_ids");
    body["account_ids"] = json!([account.id]);
    body["custom_fields"][0]["id"] = json!(def.id);
    body["custom_fields"][0]["remote_id"] = json!(def.remote_id);
    body["custom_fields"][0]["remote_value_id"] = json!(option.id);
    let record = dialect::parse_request(
        Dialect::Unified,
        Resource::Contact,
        &serde_json::to_vec(&body).unwrap(),
    )
    .unwrap();
    let created = z.create(&cx, record).await.unwrap();
    let Record::Contact(c) = &created else {
        panic!("a contact")
    };
    assert_eq!(c.account_ids, Some(vec![account.id.clone().unwrap()]));
    assert_eq!(c.company_name.as_deref(), Some("Apple Inc."));
    assert_eq!(c.emails, Some(vec!["steve@apple.com".to_owned()]));
    let value = |name: &str| {
        c.custom_fields
            .iter()
            .find(|f| f.remote_id.as_deref() == Some(name))
            .map(|f| f.value.clone())
    };
    assert_eq!(
        value("Training_Completion_Status"),
        Some(json!("Completed"))
    );
    assert_eq!(value("other_known_names"), Some(json!("John Doe")));
}
