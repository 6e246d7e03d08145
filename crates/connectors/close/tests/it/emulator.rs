//! The connector against its emulator: every resource through create → get → list (several
//! pages) → update → delete, the declared-unsupported operations, owners, custom field
//! definitions and each error kind.

use std::time::Duration;

use connector_close::Close;
use rust_decimal::Decimal;
use unicrm_core::{
    Account, Address, Connector, Contact, Context, Credentials, CustomField, Deal, EnumValue,
    Error, Lead, ListQuery, Meeting, Record, Resource, RetryPolicy,
};
use unicrm_sandbox::faults::{FaultConfig, FaultScope};

async fn sandbox() -> unicrm_sandbox::RunningSandbox {
    unicrm_sandbox::spawn("127.0.0.1:0").await.expect("sandbox")
}

fn cx(sb: &unicrm_sandbox::RunningSandbox, key: &str) -> Context {
    Context::new(sb.base_url("close"), Credentials::api_key(key))
        .sandboxed(true)
        .with_retry(RetryPolicy::none())
}

fn connector() -> &'static dyn Connector {
    &Close
}

#[tokio::test]
async fn contacts_round_trip_with_their_company() {
    let sb = sandbox().await;
    let cx = cx(&sb, "key-contacts");
    let c = connector();
    let created = c
        .create_contact(
            &cx,
            Contact {
                first_name: Some("Jane".into()),
                last_name: Some("Doe".into()),
                emails: Some(vec!["jane.doe@example.com".into(), "jd@example.com".into()]),
                phone_numbers: Some(vec!["+1-555-0100".into()]),
                company_name: Some("Acme Corp".into()),
                job_title: Some("VP of Sales".into()),
                address: Some(Address {
                    street: Some("123 Main St".into()),
                    city: Some("San Francisco".into()),
                    state: Some("CA".into()),
                    postal_code: Some("94105".into()),
                    country: Some("US".into()),
                }),
                ..Default::default()
            },
        )
        .await
        .expect("create");
    let id = created.id.clone().expect("id");
    assert!(id.starts_with("cont_"), "{id}");
    assert_eq!(created.first_name.as_deref(), Some("Jane"));
    assert_eq!(created.last_name.as_deref(), Some("Doe"));
    assert_eq!(created.company_name.as_deref(), Some("Acme Corp"));
    assert_eq!(
        created.address.as_ref().and_then(|a| a.city.as_deref()),
        Some("San Francisco")
    );
    assert_eq!(created.emails.as_ref().map(Vec::len), Some(2));
    let lead_id = created.account_ids.clone().expect("lead")[0].clone();
    assert!(lead_id.starts_with("lead_"));

    // A second contact at the same company joins the same lead.
    let colleague = c
        .create_contact(
            &cx,
            Contact {
                first_name: Some("John".into()),
                last_name: Some("Roe".into()),
                company_name: Some("acme corp".into()),
                ..Default::default()
            },
        )
        .await
        .expect("create 2");
    assert_eq!(colleague.account_ids, Some(vec![lead_id.clone()]));

    // Only the last name changes; the first name stays.
    let updated = c
        .update_contact(
            &cx,
            &id,
            Contact {
                last_name: Some("Smith".into()),
                ..Default::default()
            },
        )
        .await
        .expect("update");
    assert_eq!(updated.first_name.as_deref(), Some("Jane"));
    assert_eq!(updated.last_name.as_deref(), Some("Smith"));
    assert_eq!(updated.job_title.as_deref(), Some("VP of Sales"));

    let got = c.get_contact(&cx, &id).await.expect("get");
    assert_eq!(got.last_name.as_deref(), Some("Smith"));

    c.delete(&cx, Resource::Contact, &id).await.expect("delete");
    let gone = c.get(&cx, Resource::Contact, &id).await.unwrap_err();
    assert_eq!(gone.kind(), "not_found", "{gone}");
}

#[tokio::test]
async fn lists_page_with_an_opaque_cursor() {
    let sb = sandbox().await;
    let cx = cx(&sb, "key-paging");
    let c = connector();
    for i in 0..5 {
        c.create_account(
            &cx,
            Account {
                name: Some(format!("Company {i}")),
                ..Default::default()
            },
        )
        .await
        .expect("create");
    }
    let mut seen = Vec::new();
    let mut cursor = None;
    loop {
        let page = c
            .list(
                &cx,
                Resource::Account,
                &ListQuery {
                    cursor: cursor.clone(),
                    page_size: Some(2),
                    updated_after: None,
                },
            )
            .await
            .expect("list");
        assert!(page.items.len() <= 2);
        seen.extend(page.items.iter().filter_map(|r| r.id().map(str::to_owned)));
        match page.next_cursor {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    assert_eq!(seen.len(), 5);
    let bad = c
        .list(
            &cx,
            Resource::Account,
            &ListQuery {
                cursor: Some("garbage!".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap_err();
    assert_eq!(bad.kind(), "invalid_input");
}

#[tokio::test]
async fn leads_are_a_close_lead_with_one_contact() {
    let sb = sandbox().await;
    let cx = cx(&sb, "key-leads");
    let c = connector();
    let lead = c
        .create_lead(
            &cx,
            Lead {
                first_name: Some("Gob".into()),
                last_name: Some("Bluth".into()),
                emails: Some(vec!["gob@example.com".into()]),
                company_name: Some("Bluth Company".into()),
                job_title: Some("Magician".into()),
                status: Some(EnumValue::unified("qualified")),
                ..Default::default()
            },
        )
        .await
        .expect("create");
    let id = lead.id.clone().expect("id");
    assert!(id.starts_with("lead_"));
    assert_eq!(lead.company_name.as_deref(), Some("Bluth Company"));
    assert_eq!(lead.first_name.as_deref(), Some("Gob"));
    let status = lead.status.clone().expect("status");
    assert_eq!(status.value.as_deref(), Some("qualified"));
    assert!(status
        .source_value
        .as_deref()
        .is_some_and(|s| s.starts_with("stat_")));
    assert!(lead
        .contact_id
        .as_deref()
        .is_some_and(|s| s.starts_with("cont_")));

    let updated = c
        .update_lead(
            &cx,
            &id,
            Lead {
                status: Some(EnumValue::unified("unqualified")),
                job_title: Some("Illusionist".into()),
                ..Default::default()
            },
        )
        .await
        .expect("update");
    assert_eq!(
        updated.status.and_then(|s| s.value).as_deref(),
        Some("unqualified")
    );
    assert_eq!(updated.job_title.as_deref(), Some("Illusionist"));
    assert_eq!(updated.first_name.as_deref(), Some("Gob"));

    let bad = c
        .update_lead(
            &cx,
            &id,
            Lead {
                status: Some(EnumValue::unified("on the moon")),
                ..Default::default()
            },
        )
        .await
        .unwrap_err();
    assert!(bad.to_string().starts_with("status:"), "{bad}");

    // The same Close lead is the unified account.
    let account = c.get_account(&cx, &id).await.expect("account");
    assert_eq!(account.name.as_deref(), Some("Bluth Company"));

    c.delete(&cx, Resource::Lead, &id).await.expect("delete");
    assert_eq!(
        c.get(&cx, Resource::Lead, &id).await.unwrap_err().kind(),
        "not_found"
    );
}

#[tokio::test]
async fn deals_are_opportunities_in_cents_with_owners() {
    let sb = sandbox().await;
    let cx = cx(&sb, "key-deals");
    let c = connector();
    let account = c
        .create_account(
            &cx,
            Account {
                name: Some("Wayne Enterprises".into()),
                website: Some("https://wayne.example".into()),
                ..Default::default()
            },
        )
        .await
        .expect("account");
    let account_id = account.id.clone().expect("id");
    let deal = c
        .create_deal(
            &cx,
            Deal {
                name: Some("Bat Cave maintenance".into()),
                amount: Some(Decimal::new(300050, 2)),
                stage: Some(EnumValue::unified("open")),
                close_date: Some(chrono::NaiveDate::from_ymd_opt(2026, 12, 31).expect("date")),
                probability: Some(Decimal::from(75)),
                account_id: Some(account_id.clone()),
                custom_fields: vec![CustomField::named(
                    "cf_Kd7YjV2p9Qw3Xz8LmN4bR6tH1sF5gA0cE2uI9oP7yTq",
                    serde_json::json!("https://contracts.example/1.pdf"),
                )],
                ..Default::default()
            },
        )
        .await
        .expect("create");
    let id = deal.id.clone().expect("id");
    assert!(id.starts_with("oppo_"));
    assert_eq!(deal.amount, Some(Decimal::new(300050, 2)));
    assert_eq!(deal.currency.as_deref(), Some("USD"));
    assert_eq!(
        deal.stage.as_ref().and_then(|s| s.value.as_deref()),
        Some("open")
    );
    assert_eq!(deal.account_id.as_deref(), Some(account_id.as_str()));
    let owner = deal.owner.clone().expect("owner");
    assert!(owner.id.starts_with("user_"));
    assert_eq!(owner.name.as_deref(), Some("John Doe"));
    assert!(owner.email.is_some());
    assert!(deal
        .custom_fields
        .iter()
        .any(|f| f.id.as_deref() == Some("cf_Kd7YjV2p9Qw3Xz8LmN4bR6tH1sF5gA0cE2uI9oP7yTq")));

    let won = c
        .update_deal(
            &cx,
            &id,
            Deal {
                stage: Some(EnumValue::unified("won")),
                ..Default::default()
            },
        )
        .await
        .expect("update");
    assert_eq!(
        won.stage.and_then(|s| s.value).as_deref(),
        Some("closed_won")
    );
    assert_eq!(won.name.as_deref(), Some("Bat Cave maintenance"));

    let too_fine = c
        .update_deal(
            &cx,
            &id,
            Deal {
                amount: Some(Decimal::new(1, 3)),
                ..Default::default()
            },
        )
        .await
        .unwrap_err();
    assert_eq!(too_fine.kind(), "invalid_input");

    // updated_after is filtered by Close for opportunities.
    let later = c
        .list(
            &cx,
            Resource::Deal,
            &ListQuery {
                updated_after: Some(chrono::Utc::now() + chrono::Duration::hours(1)),
                ..Default::default()
            },
        )
        .await
        .expect("list");
    assert!(later.items.is_empty());

    c.delete(&cx, Resource::Deal, &id).await.expect("delete");
}

#[tokio::test]
async fn meetings_are_read_updated_and_deleted_but_not_created() {
    let sb = sandbox().await;
    let key = "key-meetings";
    assert!(sb.sandbox.emulator("close").seed_tenant(key, 3));
    let cx = cx(&sb, key);
    let c = connector();
    let err = c
        .create(&cx, Record::Meeting(Meeting::default()))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), "unsupported");
    let page = c
        .list(&cx, Resource::Meeting, &ListQuery::default())
        .await
        .expect("list");
    assert_eq!(page.items.len(), 3);
    let Record::Meeting(m) = &page.items[0] else {
        panic!("not a meeting")
    };
    let id = m.id.clone().expect("id");
    assert!(id.starts_with("acti_"));
    assert_eq!(m.contact_ids.as_ref().map(Vec::len), Some(1));
    assert!(m
        .account_id
        .as_deref()
        .is_some_and(|a| a.starts_with("lead_")));
    assert_eq!(
        m.owner.as_ref().and_then(|o| o.name.as_deref()),
        Some("Jane User")
    );
    let updated = c
        .update_meeting(
            &cx,
            &id,
            Meeting {
                title: Some("Renamed".into()),
                description: Some("Agenda".into()),
                ..Default::default()
            },
        )
        .await
        .expect("update");
    assert_eq!(updated.title.as_deref(), Some("Renamed"));
    assert_eq!(updated.description.as_deref(), Some("Agenda"));
    c.delete(&cx, Resource::Meeting, &id).await.expect("delete");
    assert_eq!(
        c.get(&cx, Resource::Meeting, &id).await.unwrap_err().kind(),
        "not_found"
    );
}

#[tokio::test]
async fn custom_field_definitions_per_family() {
    let sb = sandbox().await;
    let cx = cx(&sb, "key-fields");
    let c = connector();
    let lead = c
        .custom_field_definitions(&cx, Resource::Account)
        .await
        .expect("lead fields");
    assert!(lead
        .iter()
        .any(|d| d.kind == unicrm_core::FieldType::SingleSelect && d.options.len() == 3));
    let deal = c
        .custom_field_definitions(&cx, Resource::Deal)
        .await
        .expect("opportunity fields");
    assert_eq!(deal.len(), 1);
    assert!(c
        .custom_field_definitions(&cx, Resource::Meeting)
        .await
        .expect("meeting")
        .is_empty());
}

#[tokio::test]
async fn provider_errors_become_error_kinds() {
    let sb = sandbox().await;
    let c = connector();

    let unauthorized = c
        .list(
            &cx(&sb, "invalid-key"),
            Resource::Contact,
            &ListQuery::default(),
        )
        .await
        .unwrap_err();
    assert_eq!(unauthorized.kind(), "unauthorized", "{unauthorized}");

    let cx = cx(&sb, "key-errors");
    let missing = c
        .get(&cx, Resource::Deal, "oppo_doesnotexist")
        .await
        .unwrap_err();
    assert_eq!(missing.kind(), "not_found");
    assert_eq!(missing.provider_details().map(|d| d.status), Some(404));

    // Close's own validation: a lead_id that does not exist.
    let invalid = c
        .create_deal(
            &cx,
            Deal {
                account_id: Some("lead_nope".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap_err();
    match &invalid {
        Error::InvalidInput {
            field, provider, ..
        } => {
            assert_eq!(field, "lead_id");
            assert!(provider.is_some());
        }
        other => panic!("expected invalid input, got {other:?}"),
    }

    sb.sandbox
        .set_faults(
            FaultScope::tenant("key-errors").in_emulator("close"),
            FaultConfig::new().rate_limit(1.0).retry_after_secs(7),
        )
        .expect("faults");
    let limited = c
        .list(&cx, Resource::Account, &ListQuery::default())
        .await
        .unwrap_err();
    match limited {
        Error::RateLimited { retry_after, .. } => {
            assert_eq!(retry_after, Some(Duration::from_secs(7)))
        }
        other => panic!("expected a rate limit, got {other:?}"),
    }
}

#[tokio::test]
async fn live_accounts_only_talk_to_close() {
    let c = connector();
    let cx = Context::new("https://evil.example", Credentials::api_key("k"));
    let err = c
        .list(&cx, Resource::Contact, &ListQuery::default())
        .await
        .unwrap_err();
    assert_eq!(err.kind(), "invalid_input", "{err}");
}

#[tokio::test]
async fn records_read_and_written_back_unchanged_are_accepted() {
    let sb = sandbox().await;
    let key = "key-write-back";
    assert!(sb.sandbox.emulator("close").seed_tenant(key, 1));
    let cx = cx(&sb, key);
    let c = connector();

    let page = c
        .list(&cx, Resource::Lead, &ListQuery::default())
        .await
        .expect("leads");
    let Record::Lead(lead) = page.items[0].clone() else {
        panic!("not a lead")
    };
    let id = lead.id.clone().expect("id");
    let mut back = lead.clone();
    back.custom_fields.clear(); // status_id etc. are custom fields of accounts, not leads
    let again = c.update_lead(&cx, &id, back).await.expect("write back");
    assert_eq!(again.first_name, lead.first_name);
    assert_eq!(again.contact_id, lead.contact_id);
    let moved = c
        .update_lead(
            &cx,
            &id,
            Lead {
                account_id: Some("lead_other".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap_err();
    assert!(moved.to_string().starts_with("account_id:"), "{moved}");

    let meetings = c
        .list(&cx, Resource::Meeting, &ListQuery::default())
        .await
        .expect("meetings");
    let Record::Meeting(m) = meetings.items[0].clone() else {
        panic!("not a meeting")
    };
    let mid = m.id.clone().expect("id");
    let mut back = m.clone();
    back.title = Some("Same meeting, new title".into());
    back.custom_fields.clear();
    let updated = c.update_meeting(&cx, &mid, back).await.expect("write back");
    assert_eq!(updated.title.as_deref(), Some("Same meeting, new title"));
    let mut moved = m.clone();
    moved.custom_fields.clear();
    moved.contact_ids = Some(vec!["cont_someoneelse".into()]);
    let err = c.update_meeting(&cx, &mid, moved).await.unwrap_err();
    assert!(err.to_string().starts_with("contact_ids:"), "{err}");
}

#[tokio::test]
async fn a_contact_company_must_be_its_lead() {
    let sb = sandbox().await;
    let cx = cx(&sb, "key-company");
    let c = connector();
    let account = c
        .create_account(
            &cx,
            Account {
                name: Some("Globex".into()),
                ..Default::default()
            },
        )
        .await
        .expect("account");
    let lead_id = account.id.expect("id");
    let err = c
        .create_contact(
            &cx,
            Contact {
                first_name: Some("Hank".into()),
                company_name: Some("Initech".into()),
                account_ids: Some(vec![lead_id.clone()]),
                ..Default::default()
            },
        )
        .await
        .unwrap_err();
    assert!(err.to_string().starts_with("company_name:"), "{err}");
    let ok = c
        .create_contact(
            &cx,
            Contact {
                first_name: Some("Hank".into()),
                company_name: Some("globex".into()),
                account_ids: Some(vec![lead_id]),
                ..Default::default()
            },
        )
        .await
        .expect("same company");
    assert_eq!(ok.company_name.as_deref(), Some("Globex"));
}

#[tokio::test]
async fn contact_deal_ids_set_the_opportunities_contact() {
    let sb = sandbox().await;
    let cx = cx(&sb, "key-deal-ids");
    let c = connector();
    let account = c
        .create_account(
            &cx,
            Account {
                name: Some("Initech".into()),
                ..Default::default()
            },
        )
        .await
        .expect("account");
    let lead_id = account.id.expect("id");
    let deal = c
        .create_deal(
            &cx,
            Deal {
                name: Some("TPS reports".into()),
                account_id: Some(lead_id.clone()),
                ..Default::default()
            },
        )
        .await
        .expect("deal");
    let deal_id = deal.id.expect("id");
    let contact = c
        .create_contact(
            &cx,
            Contact {
                first_name: Some("Peter".into()),
                account_ids: Some(vec![lead_id]),
                deal_ids: Some(vec![deal_id.clone()]),
                ..Default::default()
            },
        )
        .await
        .expect("contact");
    let contact_id = contact.id.clone().expect("id");
    assert_eq!(contact.deal_ids, Some(vec![deal_id.clone()]));
    let deal = c.get_deal(&cx, &deal_id).await.expect("deal");
    assert_eq!(deal.contact_ids, Some(vec![contact_id.clone()]));

    let unlinked = c
        .update_contact(
            &cx,
            &contact_id,
            Contact {
                deal_ids: Some(vec![]),
                ..Default::default()
            },
        )
        .await
        .expect("unlink");
    assert_eq!(unlinked.deal_ids, Some(vec![]));
    assert_eq!(
        c.get_deal(&cx, &deal_id).await.expect("deal").contact_ids,
        None
    );
}

#[tokio::test]
async fn oauth_tokens_refresh_at_the_token_endpoint() {
    let sb = sandbox().await;
    let c = connector();
    let creds = Credentials::from_pairs([
        ("access_token", "old-access"),
        ("refresh_token", "refresh-abc"),
        ("client_id", "oa2client_1"),
        ("client_secret", "s3cret"),
    ])
    .expect("creds");
    let cx = Context::new(sb.base_url("close"), creds)
        .sandboxed(true)
        .with_retry(RetryPolicy::none());
    let fresh = c.refresh_credentials(&cx).await.expect("refresh");
    assert!(fresh.expires_at.is_some());
    assert_eq!(fresh.client_id.as_deref(), Some("oa2client_1"));
    let cx = Context::new(sb.base_url("close"), fresh)
        .sandboxed(true)
        .with_retry(RetryPolicy::none());
    c.list(&cx, Resource::Account, &ListQuery::default())
        .await
        .expect("the refreshed token works");

    let revoked = Credentials::from_pairs([
        ("refresh_token", "revoked-xyz"),
        ("client_id", "oa2client_1"),
        ("client_secret", "s3cret"),
    ])
    .expect("creds");
    let cx = Context::new(sb.base_url("close"), revoked)
        .sandboxed(true)
        .with_retry(RetryPolicy::none());
    let err = c.refresh_credentials(&cx).await.unwrap_err();
    assert_eq!(err.kind(), "unauthorized", "{err}");
}
