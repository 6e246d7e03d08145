//! The connector against its emulator: every resource through create → get → list → update →
//! delete, owners, company by name, errors as Attio answers them.

use chrono::{TimeZone, Utc};
use rust_decimal::Decimal;
use unicrm_core::{
    Account, Address, Connector, Context, Credentials, CustomField, Deal, EnumValue, Error,
    ListQuery, Meeting, Owner, Record, Resource,
};
use unicrm_sandbox::RunningSandbox;

use connector_attio::Attio;

async fn setup(token: &str) -> (RunningSandbox, Context) {
    let sb = unicrm_sandbox::spawn("127.0.0.1:0").await.unwrap();
    let cx = Context::new(sb.base_url("attio"), Credentials::bearer(token)).sandboxed(true);
    (sb, cx)
}

fn conn() -> &'static dyn Connector {
    &Attio
}

#[tokio::test]
async fn contacts_round_trip_with_company_by_name() {
    let (_sb, cx) = setup("tok-contacts").await;
    let c = conn();
    let created = c
        .create_contact(
            &cx,
            unicrm_core::Contact {
                first_name: Some("Jane".into()),
                last_name: Some("Doe".into()),
                emails: Some(vec!["jane.doe@example.com".into()]),
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
                custom_fields: vec![CustomField::named("preferred_language", "en".into())],
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let id = created.id.clone().unwrap();
    assert_eq!(created.first_name.as_deref(), Some("Jane"));
    assert_eq!(created.company_name.as_deref(), Some("Acme Corp"));
    assert_eq!(
        created.address.as_ref().unwrap().city.as_deref(),
        Some("San Francisco")
    );
    assert!(created
        .custom_fields
        .iter()
        .any(|f| f.remote_id.as_deref() == Some("preferred_language") && f.value == "en"));
    let account_id = created.account_ids.clone().unwrap()[0].clone();

    // A second person at the same company name links to the same company record.
    let other = c
        .create_contact(
            &cx,
            unicrm_core::Contact {
                first_name: Some("John".into()),
                emails: Some(vec!["john@example.com".into()]),
                company_name: Some("Acme Corp".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(other.account_ids.unwrap(), vec![account_id.clone()]);

    // Same e-mail again: Attio's uniqueness conflict.
    let dup = c
        .create_contact(
            &cx,
            unicrm_core::Contact {
                emails: Some(vec!["JANE.DOE@example.com".into()]),
                ..Default::default()
            },
        )
        .await
        .unwrap_err();
    assert!(matches!(dup, Error::Conflict { .. }), "{dup:?}");

    // Update one name part and replace the e-mails (PUT overwrites multiselects).
    let updated = c
        .update_contact(
            &cx,
            &id,
            unicrm_core::Contact {
                last_name: Some("Smith".into()),
                emails: Some(vec!["jane@acme.example".into()]),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(updated.first_name.as_deref(), Some("Jane"));
    assert_eq!(updated.last_name.as_deref(), Some("Smith"));
    assert_eq!(
        updated.emails.unwrap(),
        vec!["jane@acme.example".to_owned()]
    );
    assert!(updated.updated_at > created.updated_at);

    // The company's team lists both people (relationship inverse).
    let acct = c.get_account(&cx, &account_id).await.unwrap();
    assert_eq!(acct.name.as_deref(), Some("Acme Corp"));
    let team = acct
        .custom_fields
        .iter()
        .find(|f| f.remote_id.as_deref() == Some("team"))
        .expect("team");
    assert_eq!(team.value.as_array().map(Vec::len), Some(2), "{team:?}");

    c.delete(&cx, Resource::Contact, &id).await.unwrap();
    let gone = c.get(&cx, Resource::Contact, &id).await.unwrap_err();
    assert!(matches!(gone, Error::NotFound { .. }), "{gone:?}");
}

#[tokio::test]
async fn lists_page_by_offset_and_filter_by_change_time() {
    let (_sb, cx) = setup("tok-list").await;
    let c = conn();
    let mut ids = Vec::new();
    for i in 0..5 {
        let a = c
            .create_account(
                &cx,
                Account {
                    name: Some(format!("Company {i}")),
                    website: Some(format!("https://c{i}.example/about")),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        assert_eq!(a.website, Some(format!("https://c{i}.example")));
        ids.push(a.id.unwrap());
    }
    let mut seen = Vec::new();
    let mut q = ListQuery {
        page_size: Some(2),
        ..Default::default()
    };
    let mut pages = 0;
    loop {
        let page = c.list(&cx, Resource::Account, &q).await.unwrap();
        pages += 1;
        seen.extend(page.items.iter().map(|r| r.id().unwrap().to_owned()));
        match page.next_cursor {
            Some(n) => q.cursor = Some(n),
            None => break,
        }
    }
    assert_eq!(pages, 3);
    assert_eq!(seen, ids);

    // Only the record changed after `t` comes back.
    // Only the record changed after every record so far comes back (times from the sandbox
    // clock, which runs strictly ahead of the wall clock under bursts of writes).
    let all = c
        .list(
            &cx,
            Resource::Account,
            &ListQuery {
                page_size: Some(100),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let t = all
        .items
        .iter()
        .filter_map(|r| r.updated_at())
        .max()
        .unwrap()
        + chrono::Duration::milliseconds(1);
    c.update_account(
        &cx,
        &ids[3],
        Account {
            description: Some("changed".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let page = c
        .list(
            &cx,
            Resource::Account,
            &ListQuery {
                page_size: Some(2),
                updated_after: Some(t),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let got: Vec<_> = page
        .items
        .iter()
        .map(|r| r.id().unwrap().to_owned())
        .collect();
    assert_eq!(got, vec![ids[3].clone()]);
    assert_eq!(page.next_cursor, None);

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
    assert!(matches!(bad, Error::InvalidInput { .. }), "{bad:?}");
}

#[tokio::test]
async fn deals_with_owner_stage_amount_and_associations() {
    let (sb, cx) = setup("tok-deals").await;
    let c = conn();
    let members = reqwest_get(&sb, "tok-deals", "/v2/workspace_members").await;
    let owner_id = members["data"][0]["id"]["workspace_member_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let acct = c
        .create_account(
            &cx,
            Account {
                name: Some("Globex".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let deal = c
        .create_deal(
            &cx,
            Deal {
                name: Some("Globex renewal".into()),
                amount: Some(Decimal::new(420050, 2)),
                currency: Some("USD".into()),
                stage: Some(EnumValue::unified("closed_won")),
                owner: Some(Owner::id(owner_id.clone())),
                account_id: acct.id.clone(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(deal.amount, Some(Decimal::new(420050, 2)));
    assert_eq!(deal.currency.as_deref(), Some("USD"));
    assert_eq!(
        deal.stage,
        Some(EnumValue::from_source("Won 🎉", Some("closed_won")))
    );
    let owner = deal.owner.clone().unwrap();
    assert_eq!(owner.name.as_deref(), Some("Alice Admin"));
    assert_eq!(owner.email.as_deref(), Some("alice@sandbox.example"));
    assert_eq!(deal.account_id, acct.id);

    // A stage Attio has no unified value for keeps its title.
    let moved = c
        .update_deal(
            &cx,
            deal.id.as_deref().unwrap(),
            Deal {
                stage: Some(EnumValue::from_source("In Progress", None)),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(
        moved.stage,
        Some(EnumValue::from_source("In Progress", None))
    );

    let wrong = c
        .create_deal(
            &cx,
            Deal {
                name: Some("x".into()),
                currency: Some("EUR".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap_err();
    assert!(
        matches!(&wrong, Error::InvalidInput { field, .. } if field == "currency"),
        "{wrong:?}"
    );

    // Attio's required deal attributes.
    let missing = c
        .create_deal(
            &cx,
            Deal {
                name: Some("no stage".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap_err();
    match missing {
        Error::InvalidInput { provider, .. } => {
            assert_eq!(provider.unwrap().code.as_deref(), Some("missing_value"))
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn meetings_create_link_list_delete() {
    let (_sb, cx) = setup("tok-meetings").await;
    let c = conn();
    let person = c
        .create_contact(
            &cx,
            unicrm_core::Contact {
                first_name: Some("Ann".into()),
                emails: Some(vec!["ann@initech.example".into()]),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    // Like Attio, the emulator links a new person to the company of their e-mail domain.
    let company = c
        .get_account(
            &cx,
            &person.account_ids.clone().expect("company from e-mail")[0],
        )
        .await
        .unwrap();
    assert_eq!(company.website.as_deref(), Some("https://initech.example"));
    let start = Utc.with_ymd_and_hms(2027, 11, 27, 14, 0, 0).unwrap();
    let m = c
        .create_meeting(
            &cx,
            Meeting {
                title: Some("Onboarding Session".into()),
                description: Some("Getting you up to speed".into()),
                start_time: Some(start),
                end_time: Some(start + chrono::Duration::hours(1)),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(m.start_time, Some(start));
    let id = m.id.clone().unwrap();
    let linked = c
        .update_meeting(
            &cx,
            &id,
            Meeting {
                contact_ids: Some(vec![person.id.clone().unwrap()]),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(linked.contact_ids, Some(vec![person.id.clone().unwrap()]));
    assert_eq!(linked.title.as_deref(), Some("Onboarding Session"));
    let retitle = c
        .update_meeting(
            &cx,
            &id,
            Meeting {
                title: Some("New".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap_err();
    assert!(matches!(&retitle, Error::InvalidInput { field, .. } if field == "title"));

    for i in 0..3 {
        c.create_meeting(
            &cx,
            Meeting {
                title: Some(format!("M{i}")),
                start_time: Some(start),
                end_time: Some(start),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    }
    let mut q = ListQuery {
        page_size: Some(3),
        ..Default::default()
    };
    let mut n = 0;
    loop {
        let page = c.list(&cx, Resource::Meeting, &q).await.unwrap();
        n += page.items.len();
        match page.next_cursor {
            Some(cur) => q.cursor = Some(cur),
            None => break,
        }
    }
    assert_eq!(n, 4);
    c.delete(&cx, Resource::Meeting, &id).await.unwrap();
    assert!(matches!(
        c.get(&cx, Resource::Meeting, &id).await.unwrap_err(),
        Error::NotFound { .. }
    ));
}

#[tokio::test]
async fn leads_unsupported_errors_and_definitions() {
    let (_sb, cx) = setup("tok-misc").await;
    let c = conn();
    let e = c
        .create(&cx, Record::Lead(Default::default()))
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Unsupported { .. }));
    let e = c
        .list(&cx, Resource::Lead, &ListQuery::default())
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Unsupported { .. }));

    let bad =
        Context::new(cx.base_url.clone(), Credentials::bearer("invalid-token")).sandboxed(true);
    let e = c
        .get(
            &bad,
            Resource::Contact,
            "bf071e1f-6035-429d-b874-d83ea64ea13b",
        )
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Unauthorized { .. }), "{e:?}");

    let defs = c
        .custom_field_definitions(&cx, Resource::Account)
        .await
        .unwrap();
    assert_eq!(defs.len(), 1);
    assert_eq!(defs[0].id, "tier");
    assert_eq!(defs[0].kind, unicrm_core::FieldType::SingleSelect);
    assert_eq!(defs[0].options.len(), 3);
    assert!(c
        .custom_field_definitions(&cx, Resource::Meeting)
        .await
        .unwrap()
        .is_empty());

    let e = c
        .create_contact(
            &cx,
            unicrm_core::Contact {
                tags: Some(vec!["vip".into()]),
                ..Default::default()
            },
        )
        .await
        .unwrap_err();
    assert!(matches!(&e, Error::InvalidInput { field, .. } if field == "tags"));
}

async fn reqwest_get(sb: &RunningSandbox, token: &str, path: &str) -> serde_json::Value {
    let cx = Context::new(sb.base_url("attio"), Credentials::bearer(token)).sandboxed(true);
    let req = unicrm_core::http::ProviderRequest::get("attio", cx.url(path));
    cx.send(req).await.unwrap().json().unwrap()
}
