//! End-to-end over the real connectors and their emulators: the example pages through each
//! provider, and CRUD of every resource through both dialects for every registered connector
//! (the list comes from the registry; only provider-specific expectations name a provider).
//!
//! Every field of the example responses is compared (ids and timestamps aside). Where a
//! connector cannot give the page's value, the field is listed in that provider's `gaps` with
//! the reason, and the test asserts that exactly those fields differ — a regression or a fix
//! both show up here.

mod common;

use common::{fixture, json, start, Harness};
use reqwest::Method;
use serde_json::{json, Value};
use std::collections::BTreeSet;

/// Fields of `expected` whose value in `actual` differs (keys in `skip` only need to exist).
fn differing(actual: &Value, expected: &Value, skip: &[&str]) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let (Some(a), Some(e)) = (actual.as_object(), expected.as_object()) else {
        panic!("expected objects: {actual} vs {expected}");
    };
    for (k, v) in e {
        if skip.contains(&k.as_str()) {
            assert!(a.contains_key(k), "missing {k} in {actual}");
        } else if a.get(k) != Some(v) {
            out.insert(k.clone());
        }
    }
    out
}

fn set(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}

fn v1_path(resource: &str, provider: &str, user: &str) -> String {
    format!("/api/v1/{resource}?provider={provider}&endUserId={user}")
}

// ------------------------------------------------------------------------------- v1 example

/// The v1 page's request verbatim; then the provider-assigned fields (owner, lifecycle stage)
/// set explicitly to show they are carried and resolved.
async fn v1_example(provider: &str, gaps: &[&str]) -> (Harness, Value) {
    let h = start().await;
    let want = fixture("v1/contact/create_response.json");
    let (s, b, _) = json(
        h.v1(Method::POST, &v1_path("contact", provider, "user-001"))
            .json(&fixture("v1/contact/create_request.json"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, 201, "{b}");
    assert!(differing(&b, &want, &["data"]).is_empty(), "{b}");
    let d = &b["data"]["data"];
    let diff = differing(
        d,
        &want["data"]["data"],
        &["id", "remoteId", "createdAt", "updatedAt"],
    );
    assert_eq!(diff, set(gaps), "{provider}: {d:#}");
    // Whenever the provider has an owner on the record, its name and e-mail are resolved.
    if !d["ownerId"].is_null() {
        assert!(
            d["ownerName"].is_string() && d["ownerEmail"].is_string(),
            "{d}"
        );
    }
    (h, b)
}

#[tokio::test]
async fn hubspot_v1_example() {
    // HubSpot gives a new contact no owner and no lifecycle stage unless sent.
    let (h, _) = v1_example(
        "hubspot",
        &["lifecycleStage", "ownerId", "ownerName", "ownerEmail"],
    )
    .await;
    let mut req = fixture("v1/contact/create_request.json");
    req["email"] = json!("jane.doe.2@example.com"); // HubSpot refuses a second contact with one e-mail
    req["lifecycleStage"] = json!("customer");
    req["ownerId"] = json!("6166860"); // the emulator's first owner: John Smith
    let (s, b, _) = json(
        h.v1(Method::POST, &v1_path("contact", "hubspot", "user-001"))
            .json(&req)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, 201, "{b}");
    let d = &b["data"]["data"];
    assert_eq!(d["lifecycleStage"], "customer");
    assert_eq!(d["ownerId"], "6166860");
    assert_eq!(d["ownerName"], "John Smith");
    assert_eq!(d["ownerEmail"], "jsmith@example.com");
}

#[tokio::test]
async fn salesforce_v1_example() {
    // Salesforce: Contact has no lifecycle stage; a new record is owned by the org's default
    // user (John Smith, but the emulator's e-mail domain). Empty custom fields are left out, so
    // customFields is null as on the page.
    let (_h, b) = v1_example("salesforce", &["lifecycleStage", "ownerId", "ownerEmail"]).await;
    let d = &b["data"]["data"];
    assert_eq!(d["ownerName"], "John Smith");
    assert_eq!(d["ownerEmail"], "john.smith@acme.example");
    assert_eq!(d["customFields"], Value::Null, "{d}");
}

// -------------------------------------------------------------------------- unified example

/// What each provider needs to run the unified page's request against its sandbox.
struct Unified {
    provider: &'static str,
    /// A deal body the provider accepts.
    deal: Value,
    /// The custom field the page's `custom_fields[0]` is pointed at, and its option value.
    custom_field: (&'static str, &'static str),
}

async fn create(h: &Harness, acc: &str, path: &str, body: &Value) -> String {
    let (s, b, _) = json(
        h.unified(Method::POST, path, acc)
            .json(body)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, 200, "{path}: {b}");
    b["data"]["id"].as_str().unwrap().to_owned()
}

/// Links a sandbox account with the page's project field mapping.
async fn link(h: &Harness, u: &Unified) -> String {
    h.link_sandbox(
        u.provider,
        json!({"my_project_custom_field_1": u.custom_field.0, "my_project_custom_field_2": "other_known_names"}),
    )
    .await
}

/// Creates the deals and accounts the page references and answers the page's request with
/// those references and the sandbox's custom field.
async fn prepare(h: &Harness, u: &Unified, acc: &str) -> (Value, Vec<String>, Vec<String>) {
    let mut deals = vec![];
    for name in ["Apple deal 1", "Apple deal 2"] {
        let mut d = u.deal.clone();
        d["name"] = json!(name);
        deals.push(create(h, acc, "/unified/crm/deals", &d).await);
    }
    let mut accounts = vec![];
    for name in ["Apple Inc.", "Apple Retail"] {
        accounts.push(create(h, acc, "/unified/crm/accounts", &json!({"name": name})).await);
    }
    // The custom field is one the sandbox defines (listed through the gateway).
    let (s, defs, _) = json(
        h.unified(
            Method::GET,
            "/unified/crm/custom_field_definitions/contacts",
            acc,
        )
        .send()
        .await
        .unwrap(),
    )
    .await;
    assert_eq!(s, 200, "{defs}");
    let def = defs["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["id"] == u.custom_field.0)
        .unwrap_or_else(|| panic!("{} not among {defs}", u.custom_field.0))
        .clone();
    assert_eq!(def["name"], "Training Completion Status");
    let mut req = fixture("unified/contact/create_request.json");
    req["deal_ids"] = json!(deals);
    req["account_ids"] = json!(accounts);
    let cf = &mut req["custom_fields"][0];
    cf["id"] = def["id"].clone();
    cf["remote_id"] = def["remote_id"].clone();
    cf["remote_value_id"] = json!(u.custom_field.1);
    (req, deals, accounts)
}

fn expected(req: &Value, ucf: Value) -> Value {
    let mut want = fixture("unified/contact/create_response.json");
    let d = &mut want["data"];
    d["deal_ids"] = req["deal_ids"].clone();
    d["account_ids"] = req["account_ids"].clone();
    d["custom_fields"] = req["custom_fields"].clone();
    d["unified_custom_fields"] = ucf;
    want
}

const IDS: &[&str] = &[
    "id",
    "remote_id",
    "remote_deal_ids",
    "remote_account_ids",
    "created_at",
    "updated_at",
];

fn hubspot() -> Unified {
    Unified {
        provider: "hubspot",
        deal: json!({"amount": 1000, "stage": "appointmentscheduled", "pipeline": "default"}),
        custom_field: ("training_completion_status", "completed"),
    }
}

fn salesforce() -> Unified {
    Unified {
        provider: "salesforce",
        deal: json!({"amount": 1000, "stage": "Prospecting", "close_date": "2025-06-30"}),
        custom_field: ("Training_Status__c", "Completed"),
    }
}

/// The page's custom field and passthrough name HubSpot properties: they are created in the
/// account's sandbox first, through the emulator's properties API.
async fn hubspot_properties(h: &Harness, acc: &str) {
    let token = h.store.account(acc).await.unwrap().unwrap().credentials.0["access_token"].clone();
    for body in [
        json!({"name": "other_known_names", "label": "Other known names", "type": "string",
               "fieldType": "text", "groupName": "contactinformation"}),
        json!({"name": "training_completion_status", "label": "Training Completion Status",
               "type": "enumeration", "fieldType": "select", "groupName": "contactinformation",
               "options": [{"label": "Completed", "value": "completed", "displayOrder": 1, "hidden": false}]}),
    ] {
        let r = h
            .http
            .post(format!(
                "{}/crm/v3/properties/contacts",
                h.sandbox.base_url("hubspot")
            ))
            .bearer_auth(&token)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 201, "{}", r.text().await.unwrap());
    }
}

#[tokio::test]
async fn hubspot_unified_example() {
    let h = start().await;
    let u = hubspot();
    let acc = link(&h, &u).await;
    hubspot_properties(&h, &acc).await;
    let (req, deals, accounts) = prepare(&h, &u, &acc).await;
    let (s, b, _) = json(
        h.unified(Method::POST, "/unified/crm/contacts?raw=true", &acc)
            .json(&req)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    let want = expected(
        &req,
        json!({"my_project_custom_field_1": "completed", "my_project_custom_field_2": "John Doe"}),
    );
    let diff = differing(&b["data"], &want["data"], IDS);
    // HubSpot answers custom properties by their internal names: the passthrough property comes
    // back as a custom field too, the option as `value` (`completed`), and without the label.
    assert_eq!(diff, set(&["custom_fields"]), "{b:#}");
    let customs = b["data"]["custom_fields"].as_array().unwrap();
    let training = customs
        .iter()
        .find(|c| c["id"] == "training_completion_status")
        .unwrap();
    assert_eq!(training["value"], "completed");
    assert!(customs
        .iter()
        .any(|c| c["id"] == "other_known_names" && c["value"] == "John Doe"));
    assert_eq!(b["data"]["remote_deal_ids"], json!(deals));
    assert_eq!(b["data"]["remote_account_ids"], json!(accounts));
    // raw: the HubSpot calls, the token removed.
    let raw = b["raw"].as_array().unwrap();
    assert_eq!(raw[0]["method"], "POST");
    assert!(raw[0]["url"]
        .as_str()
        .unwrap()
        .contains("/hubspot/crm/v3/objects/contacts"));
    assert_eq!(
        raw[0]["body"]["properties"]["other_known_names"],
        "John Doe"
    );
    assert_eq!(
        raw[0]["body"]["properties"]["training_completion_status"],
        "completed"
    );
    let token = h.store.account(&acc).await.unwrap().unwrap().credentials.0["access_token"].clone();
    assert!(!b.to_string().contains(&token));
}

#[tokio::test]
async fn salesforce_unified_example() {
    let h = start().await;
    let u = salesforce();
    let acc = link(&h, &u).await;
    let (mut req, _deals, accounts) = prepare(&h, &u, &acc).await;
    // Each part of the page Salesforce cannot hold is refused with a clear 4xx naming it.
    let post = |body: Value| {
        let h = &h;
        let acc = acc.clone();
        async move {
            json(
                h.unified(Method::POST, "/unified/crm/contacts?raw=true", &acc)
                    .json(&body)
                    .send()
                    .await
                    .unwrap(),
            )
            .await
        }
    };
    let (s, b, _) = post(req.clone()).await;
    assert_eq!(
        (s, b["data"]["field"].clone()),
        (400, json!("deal_ids")),
        "{b}"
    );
    req.as_object_mut().unwrap().remove("deal_ids");
    let (s, b, _) = post(req.clone()).await;
    assert_eq!(
        (s, b["data"]["field"].clone()),
        (400, json!("account_ids[1]")),
        "{b}"
    );
    req["account_ids"] = json!([accounts[0]]);
    let (s, b, _) = post(req.clone()).await;
    assert_eq!(s, 422, "{b}");
    assert!(
        b["message"].as_str().unwrap().contains("other_known_names"),
        "{b}"
    );
    assert_eq!(b["provider_errors"][0]["code"], "INVALID_FIELD");
    req.as_object_mut().unwrap().remove("passthrough");
    let (s, b, _) = post(req.clone()).await;
    assert_eq!(s, 200, "{b}");
    let mut want = expected(
        &req,
        json!({"my_project_custom_field_1": "Completed", "my_project_custom_field_2": null}),
    );
    want["data"]["deal_ids"] = Value::Null;
    let diff = differing(&b["data"], &want["data"], IDS);
    // Salesforce connector: custom_fields lists every custom Contact field (Loyalty_Score__c:
    // null besides the one sent), with the option as `value` rather than `remote_value_id`.
    // company_name is the linked Account's name (the first account is "Apple Inc.").
    assert_eq!(diff, set(&["custom_fields"]), "{b:#}");
    assert_eq!(b["data"]["company_name"], "Apple Inc.");
    let sent = b["data"]["custom_fields"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "Training_Status__c")
        .unwrap()
        .clone();
    assert_eq!(sent["value"], "Completed");
    assert!(b["raw"][0]["url"]
        .as_str()
        .unwrap()
        .contains("/salesforce/services/data/"));
}

/// Sent with the page's own ids (`deal-001` …), the answer is a clear 4xx naming them.
#[tokio::test]
async fn page_ids_are_refused_naming_them() {
    let h = start().await;
    // HubSpot: deals and companies are checked.
    let u = hubspot();
    let acc = link(&h, &u).await;
    hubspot_properties(&h, &acc).await;
    let mut req = fixture("unified/contact/create_request.json");
    req["custom_fields"][0]["id"] = json!("training_completion_status");
    req["custom_fields"][0]["remote_id"] = json!("training_completion_status");
    req["custom_fields"][0]["remote_value_id"] = json!("completed");
    let (_, _, accounts) = prepare(&h, &u, &acc).await;
    for (field, page_ids, other) in [
        (
            "deal_ids",
            json!(["deal-001", "deal-002"]),
            ("account_ids", json!(accounts)),
        ),
        (
            "account_ids",
            json!(["account-123", "account-456"]),
            ("deal_ids", json!([])),
        ),
    ] {
        let mut r = req.clone();
        r[field] = page_ids.clone();
        r[other.0] = other.1.clone();
        let (s, b, _) = json(
            h.unified(Method::POST, "/unified/crm/contacts", &acc)
                .json(&r)
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert!((400..500).contains(&s), "{s} {b}");
        assert!(
            b.to_string().contains(page_ids[0].as_str().unwrap()),
            "{field}: {b}"
        );
    }
    // The page's custom field id as it is: HubSpot names it.
    let (s, b, _) = json(
        h.unified(Method::POST, "/unified/crm/contacts", &acc)
            .json(&fixture("unified/contact/create_request.json"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert!((400..500).contains(&s), "{s} {b}");
    assert!(
        b.to_string()
            .contains("8187e5da-dc77-475e-9949-af0f1fa4e4e3"),
        "{b}"
    );
    // Salesforce: the page's account id is not a Salesforce id.
    let u = salesforce();
    let acc = link(&h, &u).await;
    let mut req = fixture("unified/contact/create_request.json");
    req.as_object_mut().unwrap().remove("deal_ids");
    req.as_object_mut().unwrap().remove("passthrough");
    req.as_object_mut().unwrap().remove("custom_fields");
    req["account_ids"] = json!(["account-123"]);
    let (s, b, _) = json(
        h.unified(Method::POST, "/unified/crm/contacts", &acc)
            .json(&req)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert!((400..500).contains(&s), "{s} {b}");
    assert!(b.to_string().contains("account-123"), "{b}");
}

// ------------------------------------------------------------------------- CRUD, both dialects

/// (v1 create, v1 patch) of `resource` for `provider`: the defaults, or a provider's own where
/// its vocabulary needs one (a new provider needs none when the defaults fit). Unified bodies are
/// the same fields in snake_case. `n` makes unique values (e-mails must be unique on HubSpot).
fn bodies(provider: &str, resource: &str, n: usize) -> (Value, Value) {
    match (provider, resource) {
        (_, "contact") => (
            json!({"firstName": "Ada", "lastName": format!("Lovelace {n}"), "email": format!("ada{n}.{}@example.com", uuid::Uuid::new_v4().simple())}),
            json!({"jobTitle": "Countess"}),
        ),
        (_, "lead") => (
            json!({"firstName": "Grace", "lastName": format!("Hopper {n}"), "company": "Navy", "email": format!("grace{n}.{}@example.com", uuid::Uuid::new_v4().simple())}),
            json!({"lastName": "Hopper-Murray"}),
        ),
        ("hubspot", "deal") => (
            json!({"name": format!("Deal {n}"), "amount": 1500, "stage": "appointmentscheduled", "pipeline": "default"}),
            json!({"amount": 2500}),
        ),
        ("pipedrive", "deal") => (
            json!({"name": format!("Deal {n}"), "amount": 1500, "stage": "open", "closeDate": "2025-06-30"}),
            json!({"amount": 2500}),
        ),
        ("attio", "deal") => (
            json!({"name": format!("Deal {n}"), "amount": 1500, "stage": "Lead"}),
            json!({"amount": 2500}),
        ),
        ("attio", "meeting") => (
            json!({"title": format!("Kick-off {n}"), "startTime": "2025-05-01T09:00:00Z", "endTime": "2025-05-01T10:00:00Z"}),
            // Attio changes only the links of a meeting after creation.
            json!({"contactIds": ["$contact"]}),
        ),
        ("close", "deal") => (
            json!({"name": format!("Deal {n}"), "amount": 1500, "stage": "Active", "closeDate": "2025-06-30"}),
            json!({"amount": 2500}),
        ),
        (_, "deal") => (
            json!({"name": format!("Deal {n}"), "amount": 1500, "stage": "Prospecting", "closeDate": "2025-06-30"}),
            json!({"amount": 2500}),
        ),
        (_, "meeting") => (
            json!({"title": format!("Kick-off {n}"), "startTime": "2025-05-01T09:00:00Z", "endTime": "2025-05-01T10:00:00Z"}),
            json!({"location": "Room 1"}),
        ),
        ("pipedrive", "account") => (
            json!({"name": format!("Acme {n}"), "website": format!("https://acme{n}.example")}),
            json!({"name": format!("Acme {n} Ltd")}), // organizations have no description field
        ),
        (_, "account") => (
            json!({"name": format!("Acme {n}"), "website": format!("https://acme{n}.example")}),
            json!({"description": "Maker of everything"}),
        ),
        _ => unreachable!("resource {resource}"),
    }
}

fn snake(v: &Value) -> Value {
    let Value::Object(o) = v else {
        return v.clone();
    };
    Value::Object(
        o.iter()
            .map(|(k, v)| {
                let mut s = String::new();
                for c in k.chars() {
                    if c.is_ascii_uppercase() {
                        s.push('_');
                        s.push(c.to_ascii_lowercase());
                    } else {
                        s.push(c);
                    }
                }
                // Dialect "unified" spells e-mails and companies as StackOne does.
                match s.as_str() {
                    "email" => ("emails".to_owned(), json!([v])),
                    "company" => ("company_name".to_owned(), v.clone()),
                    _ => (s, v.clone()),
                }
            })
            .collect(),
    )
}

async fn crud(provider: &str) {
    let h = start().await;
    let connector = unicrm_registry::get(provider).expect("registered");
    let acc = h.link_sandbox(provider, json!({})).await;
    let user = h.store.account(&acc).await.unwrap().unwrap().end_user_id;
    let mut first_contact: Option<String> = None;
    for resource in unicrm_core::Resource::ALL {
        let (res, plural) = (resource.as_str(), resource.plural());
        let supports = |op| connector.info().supports(resource, op);
        use unicrm_core::Operation::*;
        if !supports(Create) {
            let (s, b, _) = json(
                h.v1(Method::POST, &v1_path(res, provider, &user))
                    .json(&bodies(provider, res, 0).0)
                    .send()
                    .await
                    .unwrap(),
            )
            .await;
            assert_eq!(s, 501, "{provider} {res}: {b}");
            continue;
        }
        // --- v1: create 3, get, list in pages of 2, update, delete.
        let mut ids = vec![];
        for n in 0..3 {
            let (s, b, _) = json(
                h.v1(Method::POST, &v1_path(res, provider, &user))
                    .json(&bodies(provider, res, n).0)
                    .send()
                    .await
                    .unwrap(),
            )
            .await;
            assert_eq!(s, 201, "{provider} {res}: {b}");
            ids.push(b["data"]["data"]["id"].as_str().unwrap().to_owned());
        }
        let item = |id: &str| format!("/api/v1/{res}/{id}?provider={provider}&endUserId={user}");
        let (s, b, _) = json(h.v1(Method::GET, &item(&ids[0])).send().await.unwrap()).await;
        assert_eq!(s, 200, "{provider} {res}: {b}");
        assert_eq!(b["data"]["data"]["id"], json!(ids[0]));
        let mut seen = vec![];
        let mut cursor: Option<String> = None;
        loop {
            let mut path = format!("{}&limit=2", v1_path(res, provider, &user));
            if let Some(c) = &cursor {
                path.push_str(&format!("&cursor={c}"));
            }
            let (s, b, _) = json(h.v1(Method::GET, &path).send().await.unwrap()).await;
            assert_eq!(s, 200, "{provider} {res}: {b}");
            assert!(b["data"]["data"].as_array().unwrap().len() <= 2);
            seen.extend(
                b["data"]["data"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|r| r["id"].as_str().unwrap().to_owned()),
            );
            match b["data"]["next"].as_str() {
                Some(c) => cursor = Some(c.to_owned()),
                None => break,
            }
        }
        for id in &ids {
            assert!(
                seen.contains(id),
                "{provider} {res}: {id} not listed in {seen:?}"
            );
        }
        let (_, mut patch) = bodies(provider, res, 0);
        if res == "contact" {
            first_contact = Some(ids[0].clone());
        }
        if patch.to_string().contains("$contact") {
            let id = first_contact.clone().expect("contacts are created first");
            patch = serde_json::from_str(&patch.to_string().replace("$contact", &id)).unwrap();
        }
        if supports(Update) {
            let (s, b, _) = json(
                h.v1(Method::PATCH, &item(&ids[0]))
                    .json(&patch)
                    .send()
                    .await
                    .unwrap(),
            )
            .await;
            assert_eq!(s, 200, "{provider} {res}: {b}");
            let (k, v) = patch.as_object().unwrap().iter().next().unwrap();
            assert_eq!(&b["data"]["data"][k], v, "{provider} {res}: {b}");
        }
        if supports(Delete) {
            let (s, b, _) = json(h.v1(Method::DELETE, &item(&ids[1])).send().await.unwrap()).await;
            assert_eq!(s, 200, "{provider} {res}: {b}");
            let (s, b, _) = json(h.v1(Method::GET, &item(&ids[1])).send().await.unwrap()).await;
            assert_eq!(s, 404, "{provider} {res}: {b}");
        }

        // --- unified: the same through /unified/crm, raw on every write.
        let base = format!("/unified/crm/{plural}");
        let mut uids = vec![];
        for n in 10..13 {
            let body = snake(&bodies(provider, res, n).0);
            let (s, b, _) = json(
                h.unified(Method::POST, &format!("{base}?raw=true"), &acc)
                    .json(&body)
                    .send()
                    .await
                    .unwrap(),
            )
            .await;
            assert_eq!(s, 200, "{provider} {res}: {body} → {b}");
            let raw = b["raw"].as_array().unwrap();
            assert!(
                raw.iter().any(|c| c["method"] == "POST"),
                "{provider} {res}: {b}"
            );
            uids.push(b["data"]["id"].as_str().unwrap().to_owned());
        }
        let (s, b, _) = json(
            h.unified(Method::GET, &format!("{base}/{}", uids[0]), &acc)
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(s, 200, "{provider} {res}: {b}");
        let mut seen = vec![];
        let mut next: Option<String> = None;
        loop {
            let mut path = format!("{base}?page_size=2");
            if let Some(c) = &next {
                path.push_str(&format!("&next={c}"));
            }
            let (s, b, _) = json(h.unified(Method::GET, &path, &acc).send().await.unwrap()).await;
            assert_eq!(s, 200, "{provider} {res}: {b}");
            seen.extend(
                b["data"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|r| r["id"].as_str().unwrap().to_owned()),
            );
            match b["next"].as_str() {
                Some(c) => next = Some(c.to_owned()),
                None => break,
            }
        }
        for id in &uids {
            assert!(seen.contains(id), "{provider} {res}: {id} not listed");
        }
        if supports(Update) {
            let patch = snake(&patch);
            let (s, b, _) = json(
                h.unified(Method::PATCH, &format!("{base}/{}?raw=true", uids[0]), &acc)
                    .json(&patch)
                    .send()
                    .await
                    .unwrap(),
            )
            .await;
            assert_eq!(s, 200, "{provider} {res}: {b}");
            let (k, v) = patch.as_object().unwrap().iter().next().unwrap();
            assert_eq!(&b["data"][k], v, "{provider} {res}: {b}");
            assert!(b["raw"].as_array().is_some_and(|r| !r.is_empty()));
        }
        if supports(Delete) {
            let (s, b, _) = json(
                h.unified(
                    Method::DELETE,
                    &format!("{base}/{}?raw=true", uids[1]),
                    &acc,
                )
                .send()
                .await
                .unwrap(),
            )
            .await;
            assert_eq!(s, 200, "{provider} {res}: {b}");
            assert!(b["raw"].as_array().is_some_and(|r| !r.is_empty()));
            let (s, b, _) = json(
                h.unified(Method::GET, &format!("{base}/{}", uids[1]), &acc)
                    .send()
                    .await
                    .unwrap(),
            )
            .await;
            assert_eq!(s, 404, "{provider} {res}: {b}");
        } else {
            let (s, b, _) = json(
                h.unified(Method::DELETE, &format!("{base}/{}", uids[1]), &acc)
                    .send()
                    .await
                    .unwrap(),
            )
            .await;
            assert_eq!(s, 501, "{provider} {res}: {b}");
        }
    }
}

/// CRUD of every resource through both dialects, for every registered connector (a new one is
/// covered by being registered), each on its own gateway, concurrently.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_registered_connector_crud_every_resource_both_dialects() {
    unicrm_registry::check().expect("valid registry");
    let ids = unicrm_registry::ids();
    for id in unicrm_registry::enabled_features() {
        assert!(ids.contains(&id), "{id} is enabled but not registered");
    }
    let mut runs = tokio::task::JoinSet::new();
    for id in ids.iter().copied() {
        runs.spawn(async move {
            let outcome = tokio::spawn(crud(id)).await;
            (id, outcome)
        });
    }
    let mut failures = Vec::new();
    while let Some(done) = runs.join_next().await {
        let (id, outcome) = done.expect("the runner itself does not fail");
        if let Err(e) = outcome {
            let why = match e.try_into_panic() {
                Ok(p) => p
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| p.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                    .unwrap_or_default(),
                Err(e) => e.to_string(),
            };
            failures.push(format!("{id}: {why}"));
        }
    }
    failures.sort();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// An expired OAuth token is refreshed through the connector before the call, and the new
/// credentials are stored (so a rotated refresh token is never lost and the next call needs no
/// refresh).
#[tokio::test]
async fn expired_oauth_credentials_are_refreshed_and_stored() {
    let h = start().await;
    let user = format!("oauth-{}", uuid::Uuid::new_v4());
    let refresh = format!("rt-{}", uuid::Uuid::new_v4().simple());
    let (s, b, _) = json(
        h.v1(Method::POST, "/api/v1/accounts")
            .json(
                &json!({"provider": "hubspot", "endUserId": user, "credentials": {
                "access_token": "stale-token", "refresh_token": refresh,
                "client_id": "app-id", "client_secret": "app-secret",
                "expires_at": "2020-01-01T00:00:00Z"}}),
            )
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, 201, "{b}");
    let acc = b["data"]["data"]["id"].as_str().unwrap().to_owned();
    let path = format!("{}&raw=true", v1_path("contact", "hubspot", &user));
    let (s, b, _) = json(h.v1(Method::GET, &path).send().await.unwrap()).await;
    assert_eq!(s, 200, "{b}");
    let raw = b["data"]["raw"].as_array().unwrap();
    assert!(
        raw.iter()
            .any(|c| c["url"].as_str().unwrap().ends_with("/oauth/v1/token")),
        "{b}"
    );
    assert!(
        !b.to_string().contains(&refresh),
        "raw leaks the refresh token"
    );
    let stored = h.store.account(&acc).await.unwrap().unwrap().credentials.0;
    assert_ne!(stored["access_token"], "stale-token");
    assert_eq!(stored["client_secret"], "app-secret");
    let expires = chrono::DateTime::parse_from_rfc3339(&stored["expires_at"]).unwrap();
    assert!(expires > chrono::Utc::now());
    // The next call uses the stored token: no refresh.
    let (s, b, _) = json(h.v1(Method::GET, &path).send().await.unwrap()).await;
    assert_eq!(s, 200, "{b}");
    let raw = b["data"]["raw"].as_array().unwrap();
    assert!(
        raw.iter()
            .all(|c| !c["url"].as_str().unwrap().contains("/oauth/")),
        "{b}"
    );
}

// ------------------------------------------- the example pages through the other four providers
// None of these CRMs has a contact lifecycle stage; the page's owner (John Smith, 67823451) is
// an owner of the page's own account, so the owner fields differ too (or are null where the
// provider gives a new record no owner).

#[tokio::test]
async fn pipedrive_v1_example() {
    // Pipedrive: a new person is owned by the token's user (resolved); `visible_to` has no
    // unified home, so it comes back as a custom field (never dropped); labels read as `tags: []`.
    let (_h, b) = v1_example(
        "pipedrive",
        &[
            "lifecycleStage",
            "ownerId",
            "ownerName",
            "ownerEmail",
            "customFields",
            "tags",
        ],
    )
    .await;
    let d = &b["data"]["data"];
    assert_eq!(d["customFields"], json!({"visible_to": 3}));
    assert_eq!(d["tags"], json!([]));
}

#[tokio::test]
async fn zoho_v1_example() {
    v1_example(
        "zoho",
        &["lifecycleStage", "ownerId", "ownerName", "ownerEmail"],
    )
    .await;
}

#[tokio::test]
async fn attio_v1_example() {
    v1_example(
        "attio",
        &["lifecycleStage", "ownerId", "ownerName", "ownerEmail"],
    )
    .await;
}

#[tokio::test]
async fn close_v1_example() {
    v1_example(
        "close",
        &["lifecycleStage", "ownerId", "ownerName", "ownerEmail"],
    )
    .await;
}

/// The unified page against a CRM whose contact belongs to one company: verbatim, it is refused
/// with a 4xx naming the field; pointed at one account created in the sandbox (deal links,
/// custom field and passthrough left out: they name the page's own objects), it is created with
/// every remaining field of the page intact.
async fn unified_example_one_company(provider: &str, phone: Option<&str>) {
    let h = start().await;
    let acc = h.link_sandbox(provider, json!({})).await;
    let page = fixture("unified/contact/create_request.json");
    let (s, b, _) = json(
        h.unified(Method::POST, "/unified/crm/contacts", &acc)
            .json(&page)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert!((400..500).contains(&s), "{provider}: {s} {b}");
    let msg = b.to_string();
    assert!(
        msg.contains("account_ids") || msg.contains("account-123") || msg.contains("deal"),
        "{provider}: the refusal names the field: {b}"
    );
    let account = create(
        &h,
        &acc,
        "/unified/crm/accounts",
        &json!({"name": "Apple Inc."}),
    )
    .await;
    let mut req = page.clone();
    let o = req.as_object_mut().unwrap();
    o.insert("account_ids".into(), json!([account]));
    for k in ["deal_ids", "custom_fields", "passthrough"] {
        o.remove(k);
    }
    if let Some(p) = phone {
        o.insert("phone_numbers".into(), json!([p]));
    }
    let (s, b, _) = json(
        h.unified(Method::POST, "/unified/crm/contacts", &acc)
            .json(&req)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, 200, "{provider}: {b}"); // the page answers a create with 200
    let d = &b["data"];
    for k in [
        "first_name",
        "last_name",
        "company_name",
        "emails",
        "phone_numbers",
        "account_ids",
    ] {
        assert_eq!(d[k], req[k], "{provider}: {k} in {d:#}");
    }
    assert_eq!(d["remote_account_ids"], json!([account]), "{provider}");
    // And it reads back the same.
    let id = d["id"].as_str().unwrap();
    let (s, g, _) = json(
        h.unified(Method::GET, &format!("/unified/crm/contacts/{id}"), &acc)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, 200, "{g}");
    for k in [
        "first_name",
        "last_name",
        "company_name",
        "emails",
        "phone_numbers",
        "account_ids",
    ] {
        assert_eq!(g["data"][k], req[k], "{provider}: {k} after get");
    }
}

#[tokio::test]
async fn pipedrive_unified_example() {
    unified_example_one_company("pipedrive", None).await;
}

#[tokio::test]
async fn zoho_unified_example() {
    unified_example_one_company("zoho", None).await;
}

#[tokio::test]
async fn attio_unified_example() {
    // Attio keeps phone numbers with their country: the page's "123-456-7890" is refused with a
    // 422 naming phone_numbers (asserted in attio's own tests), so an E.164 number is sent.
    unified_example_one_company("attio", Some("+14155550100")).await;
}

#[tokio::test]
async fn close_unified_example() {
    unified_example_one_company("close", None).await;
}
