//! End-to-end: gateway → connector → sandbox emulator, over real HTTP, both dialects.
//! Uses the test-only CRM `unicrm_testkit::testcrm` (registered by `common`, in this binary only).

mod common;

use common::{assert_fields, fixture, json, start};
use reqwest::Method;
use serde_json::{json, Value};
use std::sync::atomic::Ordering;
use unicrm_testkit::testcrm;

const P: &str = testcrm::ID;

fn v1_path(resource: &str, user: &str) -> String {
    format!("/api/v1/{resource}?provider={P}&endUserId={user}")
}

#[tokio::test]
async fn health_and_openapi() {
    let h = start().await;
    let (s, b, _) = json(
        h.http
            .get(format!("{}/health", h.url))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, 200);
    assert_eq!(b["status"], "ok");
    let (s, doc, _) = json(
        h.http
            .get(format!("{}/openapi.json", h.url))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, 200);
    assert_eq!(doc["openapi"], "3.0.3");
    for path in [
        "/unified/crm/contacts",
        "/unified/crm/contacts/{id}",
        "/unified/crm/deals",
        "/unified/crm/custom_field_definitions/contacts",
        "/unified/crm/lists",
        "/api/v1/contact",
        "/api/v1/meeting/{id}",
        "/api/v1/accounts",
    ] {
        assert!(doc["paths"][path].is_object(), "missing {path}");
    }
    let contact = &doc["components"]["schemas"]["UnifiedContact"]["properties"];
    for f in [
        "unified_custom_fields",
        "first_name",
        "remote_deal_ids",
        "created_at",
    ] {
        assert!(contact[f].is_object(), "UnifiedContact lacks {f}");
    }
    let v1c = &doc["components"]["schemas"]["V1Contact"]["properties"];
    for f in ["firstName", "ownerName", "ownerEmail", "lifecycleStage"] {
        assert!(v1c[f].is_object(), "V1Contact lacks {f}");
    }
    assert!(doc["paths"]["/api/v1/contact"]["post"]["responses"]["413"].is_object());
}

/// The v1 example page: its request verbatim, every field of its response (ids, timestamps aside).
#[tokio::test]
async fn v1_example_request_verbatim() {
    let h = start().await;
    let req = fixture("v1/contact/create_request.json");
    let want = fixture("v1/contact/create_response.json");
    let (s, b, _) = json(
        h.v1(Method::POST, &v1_path("contact", "user-001"))
            .json(&req)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, 201, "{b}");
    assert_fields(&b, &want, &["data"]);
    assert_fields(
        &b["data"]["data"],
        &want["data"]["data"],
        &["id", "remoteId", "createdAt", "updatedAt"],
    );
    assert_eq!(b["data"]["data"]["id"], b["data"]["data"]["remoteId"]);
    // The example curl works right after start: the test key linked a sandbox account.
    let accounts = h.store.accounts(Some(&h.project.project.id)).await.unwrap();
    assert_eq!(accounts.len(), 1);
    assert_eq!(accounts[0].environment, unicrm_server::Environment::Test);
}

/// Keys of a JSON text in the order they are written (object keys only: a string followed by
/// `:`), to compare a rendered answer's field order with the example page's.
fn key_order(text: &str) -> Vec<String> {
    let mut keys = Vec::new();
    assert!(
        serde_json::from_str::<Value>(text).is_ok(),
        "not JSON: {text}"
    );
    let b = text.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'"' {
            let start = i + 1;
            i += 1;
            while b[i] != b'"' {
                i += if b[i] == b'\\' { 2 } else { 1 };
            }
            let key = &text[start..i];
            let rest = text[i + 1..].trim_start();
            if rest.starts_with(':') {
                keys.push(key.to_owned());
            }
        }
        i += 1;
    }
    keys
}

/// The v1 answer is written in the example page's field order, envelope and record alike.
#[tokio::test]
async fn v1_answer_keeps_the_example_field_order() {
    let h = start().await;
    let req = fixture("v1/contact/create_request.json");
    let resp = h
        .v1(Method::POST, &v1_path("contact", "user-order"))
        .json(&req)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 201);
    assert_eq!(
        resp.headers()["content-type"].to_str().unwrap(),
        "application/json"
    );
    let text = resp.text().await.unwrap();
    let example = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../fixtures/v1/contact/create_response.json"),
    )
    .unwrap();
    assert_eq!(key_order(&text), key_order(&example), "{text}");
}

/// The unified example page: references replaced by sandbox records, custom field by a sandbox
/// definition; every field of its response compared (ids, timestamps aside).
#[tokio::test]
async fn unified_example_request() {
    let h = start().await;
    let acc = h
        .link_sandbox(
            P,
            json!({"my_project_custom_field_1": "training_status", "my_project_custom_field_2": "other_known_names"}),
        )
        .await;
    // Deals and accounts to reference, created first.
    let mut deal_ids = vec![];
    for name in ["Deal one", "Deal two"] {
        let (s, b, _) = json(
            h.unified(Method::POST, "/unified/crm/deals", &acc)
                .json(&json!({"name": name}))
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(s, 200, "{b}");
        deal_ids.push(b["data"]["id"].as_str().unwrap().to_owned());
    }
    let mut account_ids = vec![];
    for name in ["Apple Inc.", "Apple Retail"] {
        let (s, b, _) = json(
            h.unified(Method::POST, "/unified/crm/accounts", &acc)
                .json(&json!({"name": name}))
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(s, 200, "{b}");
        account_ids.push(b["data"]["id"].as_str().unwrap().to_owned());
    }
    let (s, defs, _) = json(
        h.unified(
            Method::GET,
            "/unified/crm/custom_field_definitions/contacts",
            &acc,
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
        .find(|d| d["name"] == "Training Completion Status")
        .unwrap()
        .clone();
    let option = def["options"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["value"] == "Completed")
        .unwrap()
        .clone();

    let mut req = fixture("unified/contact/create_request.json");
    req["deal_ids"] = json!(deal_ids);
    req["account_ids"] = json!(account_ids);
    req["custom_fields"][0]["id"] = def["id"].clone();
    req["custom_fields"][0]["remote_id"] = def["remote_id"].clone();
    req["custom_fields"][0]["value_id"] = option["id"].clone();
    req["custom_fields"][0]["remote_value_id"] = Value::Null;

    let (s, b, _) = json(
        h.unified(Method::POST, "/unified/crm/contacts?raw=true", &acc)
            .json(&req)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    let mut want = fixture("unified/contact/create_response.json");
    // What the project's field mapping names, with the values this contact has.
    want["data"]["unified_custom_fields"] =
        json!({"my_project_custom_field_1": "Completed", "my_project_custom_field_2": "John Doe"});
    want["data"]["deal_ids"] = json!(deal_ids);
    want["data"]["account_ids"] = json!(account_ids);
    want["data"]["custom_fields"] = req["custom_fields"].clone();
    assert_fields(
        &b["data"],
        &want["data"],
        &[
            "id",
            "remote_id",
            "remote_deal_ids",
            "remote_account_ids",
            "created_at",
            "updated_at",
        ],
    );
    assert_eq!(b["data"]["remote_deal_ids"], json!(deal_ids));
    assert_eq!(b["data"]["remote_account_ids"], json!(account_ids));
    // raw: the provider calls, secrets removed.
    let raw = b["raw"].as_array().expect("raw");
    assert!(!raw.is_empty());
    assert_eq!(raw[0]["method"], "POST");
    assert!(raw[0]["url"]
        .as_str()
        .unwrap()
        .contains("/testcrm/v1/contacts"));
    assert_eq!(raw[0]["body"]["other_known_names"], "John Doe");
    assert!(raw[0]["response"]["id"].is_string());
    let stored = h.store.account(&acc).await.unwrap().unwrap();
    let token = &stored.credentials.0["access_token"];
    assert!(
        !b.to_string().contains(token.as_str()),
        "raw leaks the account token"
    );
}

/// Sent with the page's own ids, the answer is a clear 4xx naming them.
#[tokio::test]
async fn unified_example_with_page_ids_names_them() {
    let h = start().await;
    let acc = h.link_sandbox(P, json!({})).await;
    let mut req = fixture("unified/contact/create_request.json");
    req.as_object_mut().unwrap().remove("custom_fields");
    let (s, b, _) = json(
        h.unified(Method::POST, "/unified/crm/contacts", &acc)
            .json(&req)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert!((400..500).contains(&s), "{s} {b}");
    let text = b.to_string();
    assert!(
        text.contains("deal-001") && text.contains("deal-002"),
        "{b}"
    );
    assert_eq!(b["statusCode"], s);
    assert!(b["timestamp"].is_string());
    assert_eq!(b["provider_errors"][0]["fields"], json!(["deal_ids"]));
}

fn samples() -> Vec<(&'static str, &'static str, Value, Value, Value, Value)> {
    // (v1 name, unified name, v1 create, v1 patch, unified create, unified patch)
    vec![
        (
            "contact",
            "contacts",
            json!({"firstName": "Ada", "lastName": "Lovelace", "email": "ada@example.com", "tags": ["vip"]}),
            json!({"jobTitle": "Countess"}),
            json!({"first_name": "Ada", "last_name": "Lovelace", "emails": ["ada@example.com"]}),
            json!({"job_title": "Countess"}),
        ),
        (
            "lead",
            "leads",
            json!({"firstName": "Grace", "company": "Navy", "status": "new"}),
            json!({"jobTitle": "Admiral"}),
            json!({"first_name": "Grace", "company_name": "Navy"}),
            json!({"job_title": "Admiral"}),
        ),
        (
            "deal",
            "deals",
            json!({"name": "Big deal", "amount": 1500.5, "currency": "EUR", "closeDate": "2025-06-30"}),
            json!({"amount": 2000}),
            json!({"name": "Big deal", "amount": 1500.5, "currency": "EUR"}),
            json!({"amount": 2000}),
        ),
        (
            "meeting",
            "meetings",
            json!({"title": "Kick-off", "startTime": "2025-05-01T09:00:00Z", "endTime": "2025-05-01T10:00:00Z"}),
            json!({"location": "Room 1"}),
            json!({"title": "Kick-off", "start_time": "2025-05-01T09:00:00Z"}),
            json!({"location": "Room 1"}),
        ),
        (
            "account",
            "accounts",
            json!({"name": "Acme", "website": "https://acme.example", "industry": "Software"}),
            json!({"description": "Maker"}),
            json!({"name": "Acme", "website": "https://acme.example"}),
            json!({"description": "Maker"}),
        ),
    ]
}

/// Create, get, list over pages, update, delete — every resource, dialect "v1".
#[tokio::test]
async fn v1_crud_every_resource() {
    let h = start().await;
    let user = "crud-user";
    for (res, _, create, patch, _, _) in samples() {
        let mut ids = vec![];
        for _ in 0..3 {
            let (s, b, _) = json(
                h.v1(Method::POST, &v1_path(res, user))
                    .json(&create)
                    .send()
                    .await
                    .unwrap(),
            )
            .await;
            assert_eq!(s, 201, "{res}: {b}");
            assert_eq!(b["success"], true);
            assert_eq!(b["message"], "Created");
            assert_eq!(b["data"]["data"]["ownerName"], "John Smith", "{res}: {b}");
            ids.push(b["data"]["data"]["id"].as_str().unwrap().to_owned());
        }
        let id = &ids[0];
        let item = format!("/api/v1/{res}/{id}?provider={P}&endUserId={user}");
        let (s, b, _) = json(h.v1(Method::GET, &item).send().await.unwrap()).await;
        assert_eq!(
            (s, b["statusCode"].clone()),
            (200, json!(200)),
            "{res}: {b}"
        );
        assert_eq!(b["data"]["data"]["id"], json!(id));
        // Pages of 2: the cursor walks all three.
        let mut seen = vec![];
        let mut cursor: Option<String> = None;
        loop {
            let mut path = format!("{}&limit=2", v1_path(res, user));
            if let Some(c) = &cursor {
                path.push_str(&format!("&cursor={c}"));
            }
            let (s, b, _) = json(h.v1(Method::GET, &path).send().await.unwrap()).await;
            assert_eq!(s, 200, "{res}: {b}");
            assert_eq!(b["message"], "OK");
            for r in b["data"]["data"].as_array().unwrap() {
                seen.push(r["id"].as_str().unwrap().to_owned());
            }
            match b["data"]["next"].as_str() {
                Some(c) => cursor = Some(c.to_owned()),
                None => {
                    assert!(b["data"]["next"].is_null());
                    break;
                }
            }
        }
        assert_eq!(seen, ids, "{res}");
        let (s, b, _) = json(
            h.v1(Method::PATCH, &item)
                .json(&patch)
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(s, 200, "{res}: {b}");
        let (k, v) = patch.as_object().unwrap().iter().next().unwrap();
        assert_eq!(&b["data"]["data"][k], v, "{res}: {b}");
        if res == "meeting" {
            continue; // deletes are unsupported by the test CRM: see `unsupported_is_501`
        }
        let (s, b, _) = json(h.v1(Method::DELETE, &item).send().await.unwrap()).await;
        assert_eq!(s, 200, "{res}: {b}");
        let (s, b, _) = json(h.v1(Method::GET, &item).send().await.unwrap()).await;
        assert_eq!(s, 404, "{res}: {b}");
        assert_eq!(b["success"], false);
    }
}

/// Create, get, list over pages, update, delete — every resource, dialect "unified", raw on writes.
#[tokio::test]
async fn unified_crud_every_resource() {
    let h = start().await;
    let acc = h.link_sandbox(P, json!({"ref": "reference"})).await;
    for (_, res, _, _, create, patch) in samples() {
        let base = format!("/unified/crm/{res}");
        let mut ids = vec![];
        for _ in 0..3 {
            let (s, b, _) = json(
                h.unified(Method::POST, &format!("{base}?raw=true"), &acc)
                    .json(&create)
                    .send()
                    .await
                    .unwrap(),
            )
            .await;
            assert_eq!(s, 200, "{res}: {b}");
            assert_eq!(b["raw"][0]["method"], "POST", "{res}: {b}");
            assert_eq!(b["data"]["unified_custom_fields"], json!({"ref": null}));
            ids.push(b["data"]["id"].as_str().unwrap().to_owned());
        }
        let item = format!("{base}/{}", ids[0]);
        let (s, b, _) = json(h.unified(Method::GET, &item, &acc).send().await.unwrap()).await;
        assert_eq!(s, 200, "{res}: {b}");
        assert!(b.get("raw").is_none());
        let (s, b, _) = json(
            h.unified(Method::GET, &format!("{item}?fields=id,remote_id"), &acc)
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(s, 200);
        assert_eq!(b["data"].as_object().unwrap().len(), 2, "{b}");
        let mut seen = vec![];
        let mut next: Option<String> = None;
        loop {
            let mut path =
                format!("{base}?page_size=2&filter[updated_after]=2000-01-01T00:00:00.000Z");
            if let Some(c) = &next {
                path.push_str(&format!("&next={c}"));
            }
            let (s, b, _) = json(h.unified(Method::GET, &path, &acc).send().await.unwrap()).await;
            assert_eq!(s, 200, "{res}: {b}");
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
        assert_eq!(seen, ids, "{res}");
        // A filter in the future finds nothing.
        let (s, b, _) = json(
            h.unified(
                Method::GET,
                &format!("{base}?filter[updated_after]=2999-01-01T00:00:00.000Z"),
                &acc,
            )
            .send()
            .await
            .unwrap(),
        )
        .await;
        assert_eq!(s, 200);
        assert_eq!(b["data"], json!([]));
        let (s, b, _) = json(
            h.unified(Method::PATCH, &format!("{item}?raw=true"), &acc)
                .json(&patch)
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(s, 200, "{res}: {b}");
        let (k, v) = patch.as_object().unwrap().iter().next().unwrap();
        assert_eq!(&b["data"][k], v, "{res}: {b}");
        assert_eq!(b["raw"][0]["method"], "PATCH");
        if res == "meetings" {
            continue;
        }
        let (s, b, _) = json(
            h.unified(Method::DELETE, &format!("{item}?raw=true"), &acc)
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(s, 200, "{res}: {b}");
        assert_eq!(b["raw"][0]["method"], "DELETE");
        let (s, b, _) = json(h.unified(Method::GET, &item, &acc).send().await.unwrap()).await;
        assert_eq!(s, 404, "{res}: {b}");
        assert_eq!(b["statusCode"], 404);
    }
}

#[tokio::test]
async fn owner_lookups_are_cached_per_account() {
    let h = start().await;
    let user = format!("owner-{}", uuid::Uuid::new_v4());
    let body = json!({"firstName": "A", "ownerId": "777"});
    let (s, b, _) = json(
        h.v1(Method::POST, &v1_path("contact", &user))
            .json(&body)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, 201, "{b}");
    assert!(testcrm::OWNER_CALLS.load(Ordering::SeqCst) >= 1);
    assert_eq!(b["data"]["data"]["ownerName"], "Owner 777");
    assert_eq!(b["data"]["data"]["ownerEmail"], "owner777@example.com");
    let id = b["data"]["data"]["id"].as_str().unwrap().to_owned();
    let (s, b, _) = json(
        h.v1(
            Method::GET,
            &format!("/api/v1/contact/{id}?provider={P}&endUserId={user}"),
        )
        .send()
        .await
        .unwrap(),
    )
    .await;
    assert_eq!(s, 200);
    assert_eq!(b["data"]["data"]["ownerName"], "Owner 777");
    // The second read made one provider call (the record), not two: "777" came from the cache.
    let (s, b, _) = json(
        h.v1(
            Method::GET,
            &format!("/api/v1/contact/{id}?provider={P}&endUserId={user}&raw=true"),
        )
        .send()
        .await
        .unwrap(),
    )
    .await;
    assert_eq!(s, 200);
    let raw = b["data"]["raw"].as_array().unwrap();
    assert_eq!(
        raw.len(),
        1,
        "owner fetched again instead of cached: {raw:?}"
    );
}

// ------------------------------------------------------------------------------------ errors

#[tokio::test]
async fn no_or_wrong_key_is_401() {
    let h = start().await;
    let acc = h.link_sandbox(P, json!({})).await;
    // v1: none, wrong, malformed.
    let (s, b, _) = json(
        h.http
            .get(format!("{}{}", h.url, v1_path("contact", "u")))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        (s, b["success"].clone(), b["statusCode"].clone()),
        (401, json!(false), json!(401)),
        "{b}"
    );
    for key in ["sk_test_wrong", "sk_live_wrong", "nope"] {
        let (s, b, _) = json(
            h.v1_with(key, Method::GET, &v1_path("contact", "u"))
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(s, 401, "{key}: {b}");
        assert_eq!(b["error"]["type"], "unauthorized");
    }
    // unified: none, wrong.
    let (s, b, _) = json(
        h.http
            .get(format!("{}/unified/crm/contacts", h.url))
            .header("x-account-id", &acc)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, 401, "{b}");
    assert_eq!(b["statusCode"], 401);
    assert!(b["timestamp"].is_string());
    let (s, _, _) = json(
        h.unified_with("sk_test_wrong", Method::GET, "/unified/crm/contacts", &acc)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, 401);
}

#[tokio::test]
async fn another_projects_account_is_404_and_never_its_data() {
    let h = start().await;
    let other = h.store.create_project("other").await.unwrap();
    let acc = h.link_sandbox(P, json!({})).await;
    let (s, b, _) = json(
        h.unified(Method::POST, "/unified/crm/contacts", &acc)
            .json(&json!({"first_name": "Secret"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    let id = b["data"]["id"].as_str().unwrap().to_owned();
    // The other project's keys never reach this account.
    for key in [&other.test_key, &other.live_key] {
        for path in [
            "/unified/crm/contacts".to_owned(),
            format!("/unified/crm/contacts/{id}"),
        ] {
            let (s, b, _) = json(
                h.unified_with(key, Method::GET, &path, &acc)
                    .send()
                    .await
                    .unwrap(),
            )
            .await;
            assert_eq!(s, 404, "{b}");
            assert!(!b.to_string().contains("Secret"));
        }
        let (s, _, _) = json(
            h.v1_with(key, Method::DELETE, &format!("/api/v1/accounts/{acc}"))
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(s, 404);
    }
    // With v1 the other project's same end user id is a different (new) account.
    let stored = h.store.account(&acc).await.unwrap().unwrap();
    let (s, b, _) = json(
        h.v1_with(
            &other.test_key,
            Method::GET,
            &v1_path("contact", &stored.end_user_id),
        )
        .send()
        .await
        .unwrap(),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["data"]["data"], json!([]));
    // The live key of the same project does not see the test account either.
    let (s, _, _) = json(
        h.unified_with(
            &h.project.live_key,
            Method::GET,
            "/unified/crm/contacts",
            &acc,
        )
        .send()
        .await
        .unwrap(),
    )
    .await;
    assert_eq!(s, 404);
    // A live key has no sandbox auto-link: an unlinked end user is 404.
    let (s, b, _) = json(
        h.v1_with(
            &h.project.live_key,
            Method::GET,
            &v1_path("contact", "nobody"),
        )
        .send()
        .await
        .unwrap(),
    )
    .await;
    assert_eq!(s, 404, "{b}");
}

#[tokio::test]
async fn bad_json_wrong_types_unknown_fields_are_400_naming_the_path() {
    let h = start().await;
    let acc = h.link_sandbox(P, json!({})).await;
    let cases: Vec<(&str, &str)> = vec![
        ("{not json", "body"),
        (r#"{"firstName": 5}"#, "firstName"),
        (r#"{"firstName": "A", "emails": ["a@x", 3]}"#, "emails[1]"),
        (
            r#"{"firstName": "A", "address": {"city": 1}}"#,
            "address.city",
        ),
        (r#"{"firstName": "A", "nickname": "x"}"#, "nickname"),
    ];
    for (body, field) in cases {
        let (s, b, _) = json(
            h.v1(Method::POST, &v1_path("contact", "u400"))
                .header("content-type", "application/json")
                .body(body)
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(s, 400, "{body}: {b}");
        assert_eq!(b["error"]["field"], field, "{body}: {b}");
        assert_eq!(b["success"], false);
    }
    let cases: Vec<(&str, &str)> = vec![
        ("[", "body"),
        (r#"{"first_name": 5}"#, "first_name"),
        (r#"{"emails": ["a@x", {}]}"#, "emails[1]"),
        (
            r#"{"custom_fields": [{"id": "x", "valu": 1}]}"#,
            "custom_fields[0].valu",
        ),
    ];
    for (body, field) in cases {
        let (s, b, _) = json(
            h.unified(Method::POST, "/unified/crm/contacts", &acc)
                .header("content-type", "application/json")
                .body(body)
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(s, 400, "{body}: {b}");
        assert_eq!(b["data"]["field"], field, "{body}: {b}");
        assert_eq!(b["statusCode"], 400);
    }
    // Query parameters too.
    let (s, b, _) = json(
        h.unified(Method::GET, "/unified/crm/contacts?page_size=zero", &acc)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        (s, b["data"]["field"].clone()),
        (400, json!("page_size")),
        "{b}"
    );
    let (s, b, _) = json(
        h.v1(Method::GET, "/api/v1/contact?provider=testcrm")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        (s, b["error"]["field"].clone()),
        (400, json!("endUserId")),
        "{b}"
    );
    let (s, b, _) = json(
        h.v1(Method::GET, "/api/v1/contact?provider=nope&endUserId=u")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        (s, b["error"]["field"].clone()),
        (400, json!("provider")),
        "{b}"
    );
    let (s, b, _) = json(
        h.http
            .get(format!("{}/unified/crm/contacts", h.url))
            .header("authorization", common::basic(&h.project.test_key))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        (s, b["data"]["field"].clone()),
        (400, json!("x-account-id")),
        "{b}"
    );
}

#[tokio::test]
async fn provider_validation_error_keeps_message_and_fields() {
    let h = start().await;
    let acc = h.link_sandbox(P, json!({})).await;
    let (s, b, _) = json(
        h.v1(Method::POST, &v1_path("contact", "uval"))
            .json(&json!({"email": "not-an-email"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, 422, "{b}");
    assert_eq!(b["error"]["providerError"]["fields"], json!(["emails"]));
    assert!(b["error"]["providerError"]["message"]
        .as_str()
        .unwrap()
        .contains("not a valid email"));
    let (s, b, _) = json(
        h.unified(Method::POST, "/unified/crm/contacts", &acc)
            .json(&json!({"emails": ["nope"]}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, 422, "{b}");
    assert_eq!(b["provider_errors"][0]["fields"], json!(["emails"]));
    assert_eq!(b["provider_errors"][0]["provider"], P);
    assert!(b["message"].as_str().unwrap().contains("not a valid email"));
}

#[tokio::test]
async fn provider_404_is_404() {
    let h = start().await;
    let acc = h.link_sandbox(P, json!({})).await;
    let (s, b, _) = json(
        h.unified(Method::GET, "/unified/crm/contacts/999999", &acc)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, 404, "{b}");
    assert_eq!(b["provider_errors"][0]["status"], 404);
    let (s, b, _) = json(
        h.v1(
            Method::PATCH,
            &format!("/api/v1/deal/999999?provider={P}&endUserId=u404"),
        )
        .json(&json!({"name": "x"}))
        .send()
        .await
        .unwrap(),
    )
    .await;
    assert_eq!(s, 404, "{b}");
    assert_eq!(b["error"]["type"], "not_found");
}

#[tokio::test]
async fn provider_429_is_429_with_retry_after() {
    let h = start().await;
    let acc = h.link_sandbox(P, json!({})).await;
    let token = h.store.account(&acc).await.unwrap().unwrap().credentials.0["access_token"].clone();
    h.sandbox
        .sandbox
        .set_faults(
            unicrm_sandbox::faults::FaultScope::tenant(token),
            unicrm_sandbox::faults::FaultConfig::new()
                .rate_limit(1.0)
                .retry_after_secs(30),
        )
        .unwrap();
    let (s, b, headers) = json(
        h.unified(Method::GET, "/unified/crm/contacts", &acc)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, 429, "{b}");
    assert_eq!(headers["retry-after"], "30");
    assert_eq!(b["statusCode"], 429);
    let user = h.store.account(&acc).await.unwrap().unwrap().end_user_id;
    let (s, b, headers) = json(
        h.v1(Method::GET, &v1_path("contact", &user))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, 429, "{b}");
    assert_eq!(headers["retry-after"], "30");
    assert_eq!(b["error"]["retryAfter"], 30);
}

#[tokio::test]
async fn unsupported_is_501_naming_provider_resource_operation() {
    let h = start().await;
    let acc = h.link_sandbox(P, json!({})).await;
    let (s, b, _) = json(
        h.v1(
            Method::DELETE,
            &format!("/api/v1/meeting/1?provider={P}&endUserId=u501"),
        )
        .send()
        .await
        .unwrap(),
    )
    .await;
    assert_eq!(s, 501, "{b}");
    assert_eq!(b["error"]["provider"], P);
    assert_eq!(b["error"]["resource"], "meeting");
    assert_eq!(b["error"]["operation"], "delete");
    let (s, b, _) = json(
        h.unified(Method::DELETE, "/unified/crm/meetings/1", &acc)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, 501, "{b}");
    let m = b["message"].as_str().unwrap();
    assert!(
        m.contains(P) && m.contains("meeting") && m.contains("delete"),
        "{m}"
    );
    for path in ["/unified/crm/lists", "/unified/crm/lists/abc"] {
        let (s, b, _) = json(h.unified(Method::GET, path, &acc).send().await.unwrap()).await;
        assert_eq!(s, 501, "{b}");
        assert!(b["message"].as_str().unwrap().contains(P));
    }
}

#[tokio::test]
async fn body_over_1_mib_is_413_in_the_envelope() {
    let h = start().await;
    let acc = h.link_sandbox(P, json!({})).await;
    let big = format!(r#"{{"firstName": "{}"}}"#, "x".repeat(1024 * 1024 + 10));
    let (s, b, _) = json(
        h.v1(Method::POST, &v1_path("contact", "u413"))
            .header("content-type", "application/json")
            .body(big.clone())
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, 413, "{b}");
    assert_eq!(b["success"], false);
    assert_eq!(b["statusCode"], 413);
    let (s, b, _) = json(
        h.unified(Method::POST, "/unified/crm/contacts", &acc)
            .header("content-type", "application/json")
            .body(big)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, 413, "{b}");
    assert!(b["timestamp"].is_string());
}

#[tokio::test]
async fn unknown_routes_and_methods_answer_json() {
    let h = start().await;
    let (s, b, _) = json(
        h.http
            .get(format!("{}/unified/crm/nothing/here/at/all", h.url))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, 404);
    assert!(b["timestamp"].is_string());
    let (s, b, _) = json(
        h.http
            .put(format!("{}/api/v1/contact", h.url))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, 405);
    assert_eq!(b["success"], false);
    let (s, b, _) = json(
        h.v1(Method::GET, "/api/v1/widget?provider=testcrm&endUserId=u")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, 404, "{b}");
}

#[tokio::test]
async fn accounts_api_links_lists_and_deletes_without_revealing_credentials() {
    let h = start().await;
    let live = &h.project.live_key;
    let body = json!({"provider": P, "endUserId": "u-live", "credentials": {"access_token": "pat-super-secret"}});
    let (s, b, _) = json(
        h.v1_with(live, Method::POST, "/api/v1/accounts")
            .json(&body)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, 201, "{b}");
    let a = &b["data"]["data"];
    assert_eq!(a["environment"], "live");
    assert_eq!(a["credentialKeys"], json!(["access_token"]));
    assert!(!b.to_string().contains("pat-super-secret"));
    let id = a["id"].as_str().unwrap().to_owned();
    // Linking the same end user again is a conflict naming the existing account.
    let (s, b, _) = json(
        h.v1_with(live, Method::POST, "/api/v1/accounts")
            .json(&body)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, 409, "{b}");
    assert_eq!(b["error"]["existingId"], json!(id));
    // A live account needs credentials; unknown credentials are named.
    let (s, b, _) = json(
        h.v1_with(live, Method::POST, "/api/v1/accounts")
            .json(&json!({"provider": P, "endUserId": "x"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        (s, b["error"]["field"].clone()),
        (400, json!("credentials")),
        "{b}"
    );
    let (s, b, _) = json(
        h.v1_with(live, Method::POST, "/api/v1/accounts")
            .json(&json!({"provider": P, "endUserId": "x", "credentials": {"pasword": "x"}}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        (s, b["error"]["field"].clone()),
        (400, json!("credentials.pasword")),
        "{b}"
    );
    // Listing shows it (live key: live accounts only), never the secret.
    let (s, b, _) = json(
        h.v1_with(live, Method::GET, "/api/v1/accounts")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, 200);
    assert_eq!(b["data"]["data"].as_array().unwrap().len(), 1);
    assert!(!b.to_string().contains("pat-super-secret"));
    let (_, b, _) = json(h.v1(Method::GET, "/api/v1/accounts").send().await.unwrap()).await;
    assert_eq!(b["data"]["data"], json!([]));
    // Field mapping can be changed; the cache follows.
    let (s, b, _) = json(
        h.v1_with(live, Method::PATCH, &format!("/api/v1/accounts/{id}"))
            .json(&json!({"fieldMapping": {"x": "reference"}}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["data"]["data"]["fieldMapping"], json!({"x": "reference"}));
    // Delete, then it is gone for both dialects.
    let (s, _, _) = json(
        h.v1_with(live, Method::DELETE, &format!("/api/v1/accounts/{id}"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, 200);
    let (s, _, _) = json(
        h.v1_with(live, Method::GET, &format!("/api/v1/accounts/{id}"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, 404);
    let (s, _, _) = json(
        h.unified_with(live, Method::GET, "/unified/crm/contacts", &id)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, 404);
}

#[tokio::test]
async fn custom_field_definitions_paged_and_by_id() {
    let h = start().await;
    let acc = h.link_sandbox(P, json!({})).await;
    let (s, b, _) = json(
        h.unified(
            Method::GET,
            "/unified/crm/custom_field_definitions/contacts?page_size=1&raw=true",
            &acc,
        )
        .send()
        .await
        .unwrap(),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["data"].as_array().unwrap().len(), 1);
    assert_eq!(b["data"][0]["type"]["value"], "single_select");
    assert_eq!(
        b["data"][0]["options"][1],
        json!({"id": "opt_completed", "value": "Completed"})
    );
    assert!(b["raw"].is_array());
    let next = b["next"].as_str().unwrap();
    let (_, b, _) = json(
        h.unified(
            Method::GET,
            &format!("/unified/crm/custom_field_definitions/contacts?page_size=1&next={next}"),
            &acc,
        )
        .send()
        .await
        .unwrap(),
    )
    .await;
    assert_eq!(b["data"][0]["id"], "reference");
    assert!(b["next"].is_null());
    let (s, b, _) = json(
        h.unified(
            Method::GET,
            "/unified/crm/custom_field_definitions/contacts/training_status",
            &acc,
        )
        .send()
        .await
        .unwrap(),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["data"]["name"], "Training Completion Status");
    let (s, _, _) = json(
        h.unified(
            Method::GET,
            "/unified/crm/custom_field_definitions/contacts/nope",
            &acc,
        )
        .send()
        .await
        .unwrap(),
    )
    .await;
    assert_eq!(s, 404);
}

#[tokio::test]
#[ignore = "prints example exchanges; run with --ignored --nocapture"]
async fn print_examples() {
    let h = start().await;
    let acc = h
        .link_sandbox(P, json!({"my_project_custom_field_2": "other_known_names"}))
        .await;
    let (_, b, _) = json(
        h.v1(
            Method::POST,
            &format!("{}&raw=true", v1_path("contact", "user-001")),
        )
        .json(&fixture("v1/contact/create_request.json"))
        .send()
        .await
        .unwrap(),
    )
    .await;
    println!("{}", serde_json::to_string_pretty(&b).unwrap());
    let mut req = fixture("unified/contact/create_request.json");
    for k in ["custom_fields", "deal_ids", "account_ids"] {
        req.as_object_mut().unwrap().remove(k);
    }
    let (_, b, _) = json(
        h.unified(Method::POST, "/unified/crm/contacts?raw=true", &acc)
            .json(&req)
            .send()
            .await
            .unwrap(),
    )
    .await;
    println!("{}", serde_json::to_string_pretty(&b).unwrap());
}

#[tokio::test]
async fn a_panicking_connector_is_a_json_500_and_the_gateway_keeps_serving() {
    let h = start().await;
    let acc = h.link_sandbox(P, json!({})).await;
    let (s, b, _) = json(
        h.unified(Method::GET, "/unified/crm/contacts/panic-now", &acc)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, 500, "{b}");
    assert!(b["message"].as_str().is_some_and(|m| !m.is_empty()), "{b}");
    let (s, _, _) = json(
        h.unified(Method::GET, "/unified/crm/contacts", &acc)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, 200);
}

// --- Security: test-mode accounts reach the sandbox only; ids; envelopes (issue 14) ----------

fn fresh_user() -> String {
    format!("user-{}", uuid::Uuid::new_v4())
}

#[tokio::test]
async fn a_test_key_cannot_link_an_account_that_points_anywhere() {
    let h = start().await;
    let faults = format!("{}/_sandbox/faults#", h.sandbox.url());
    for (provider, creds, field) in [
        (
            "zoho",
            json!({"access_token": "t", "instance_url": faults}),
            "credentials.instance_url",
        ),
        (
            "salesforce",
            json!({"access_token": "t", "instance_url": "file:///etc/passwd"}),
            "credentials.instance_url",
        ),
        (
            "zoho",
            json!({"access_token": "t", "setting.api_domain": "http://169.254.169.254"}),
            "credentials.setting.api_domain",
        ),
        (
            "zoho",
            json!({"access_token": "t", "setting.accounts_url": "http://[::1]:22/"}),
            "credentials.setting.accounts_url",
        ),
        (
            "salesforce",
            json!({"access_token": "t", "setting.login_url": "http://127.0.0.1:9/"}),
            "credentials.setting.login_url",
        ),
        (
            "pipedrive",
            json!({"access_token": "t", "setting.token_url": "http://127.0.0.1:9/token"}),
            "credentials.setting.token_url",
        ),
        (
            "hubspot",
            json!({"access_token": "t", "base_url": "http://127.0.0.1:9"}),
            "credentials.base_url",
        ),
    ] {
        let (s, b, _) = json(
            h.v1(Method::POST, "/api/v1/accounts")
                .json(
                    &json!({"provider": provider, "endUserId": fresh_user(), "credentials": creds}),
                )
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(s, 400, "{provider} {creds}: {b}");
        assert!(
            b["message"]
                .as_str()
                .unwrap()
                .starts_with(&format!("{field}:")),
            "{b}"
        );
    }
    // Plain credentials are still fine with a test key.
    let (s, b, _) = json(
        h.v1(Method::POST, "/api/v1/accounts")
            .json(&json!({"provider": "zoho", "endUserId": fresh_user(),
                "credentials": {"access_token": "sbx_plain"}}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, 201, "{b}");
}

#[tokio::test]
async fn a_stored_test_account_with_urls_still_reaches_only_its_emulator() {
    use unicrm_sandbox::faults::{FaultConfig, FaultScope};
    use unicrm_server::store::{CredentialPairs, NewAccount};
    let h = start().await;
    // Another project's fault rule, which a hostile test account once could delete.
    h.sandbox
        .sandbox
        .set_faults(
            FaultScope::tenant("another-project-token"),
            FaultConfig::new().rate_limit(0.5),
        )
        .unwrap();
    let faults = format!("{}/_sandbox/faults#", h.sandbox.url());
    let user = fresh_user();
    // Rows as an older gateway accepted them (linked before the checks existed).
    for (provider, extra) in [
        ("zoho", vec![("instance_url", faults.clone())]),
        (
            "zoho",
            vec![
                ("setting.accounts_url", faults.clone()),
                ("setting.api_domain", faults.clone()),
            ],
        ),
        ("salesforce", vec![("instance_url", faults.clone())]),
        ("pipedrive", vec![("instance_url", faults.clone())]),
    ] {
        let user = format!("{user}-{provider}-{}", extra.len());
        let mut creds = std::collections::BTreeMap::new();
        creds.insert("access_token".to_owned(), "sbx_legacy_token".to_owned());
        for (k, v) in extra {
            creds.insert(k.to_owned(), v);
        }
        h.store
            .link_account(NewAccount {
                project_id: h.project.project.id.clone(),
                end_user_id: user.clone(),
                provider: provider.to_owned(),
                environment: unicrm_server::Environment::Test,
                credentials: CredentialPairs(creds),
                field_mapping: Default::default(),
            })
            .await
            .unwrap();
        let path = format!("/api/v1/contact/1?provider={provider}&endUserId={user}");
        let (s, b, _) = json(h.v1(Method::DELETE, &path).send().await.unwrap()).await;
        assert_ne!(s, 200, "{provider}: {b}");
        assert_eq!(
            h.sandbox.sandbox.faults().len(),
            1,
            "{provider}: the sandbox's fault rules were reached: {b}"
        );
        let listed = format!("/api/v1/contact?provider={provider}&endUserId={user}&raw=true");
        let (s, b, _) = json(h.v1(Method::GET, &listed).send().await.unwrap()).await;
        assert_eq!(s, 200, "{provider}: {b}");
        assert!(!b.to_string().contains("_sandbox"), "{provider}: {b}");
    }
}

#[tokio::test]
async fn test_mode_can_be_turned_off() {
    let h = common::start_with(unicrm_server::Config::default().test_mode(false)).await;
    let (s, b, _) = json(
        h.v1(Method::GET, &v1_path("contact", &fresh_user()))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, 401, "{b}");
    assert!(
        b["message"].as_str().unwrap().contains("test mode is off"),
        "{b}"
    );
    // Nothing was linked for the refused key.
    assert!(h
        .store
        .accounts(Some(&h.project.project.id))
        .await
        .unwrap()
        .is_empty());
    // The live key still works.
    let (s, b, _) = json(
        h.v1_with(&h.project.live_key.clone(), Method::GET, "/api/v1/accounts")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, 200, "{b}");
}

#[tokio::test]
async fn control_characters_in_ids_are_a_400_naming_the_field() {
    let h = start().await;
    let (s, b, _) = json(
        h.v1(
            Method::GET,
            &format!("/api/v1/contact?provider={P}&endUserId=user%00one"),
        )
        .send()
        .await
        .unwrap(),
    )
    .await;
    assert_eq!(s, 400, "{b}");
    assert!(
        b["message"].as_str().unwrap().starts_with("endUserId:"),
        "{b}"
    );
    let (s, b, _) = json(
        h.v1(Method::POST, "/api/v1/accounts")
            .json(&json!({"provider": P, "endUserId": "user\u{0}two"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, 400, "{b}");
    assert!(
        b["message"].as_str().unwrap().starts_with("endUserId:"),
        "{b}"
    );
    let (s, b, _) = json(
        h.v1(Method::GET, "/api/v1/keys/key%00one")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, 400, "{b}");
    assert!(b["message"].as_str().unwrap().starts_with("id:"), "{b}");
    let (s, b, _) = json(
        h.unified(Method::GET, "/unified/crm/contacts", "acc%00")
            .send()
            .await
            .unwrap(),
    )
    .await;
    // `%00` in a header is three characters: an unknown account, not a 500.
    assert_eq!(s, 404, "{b}");
    assert!(h
        .store
        .accounts(Some(&h.project.project.id))
        .await
        .unwrap()
        .is_empty());
}

/// Sends `method path` as written (HTTP clients normalise `%2e%2e` away; an attacker's does
/// not) and answers the status and JSON body.
async fn send_as_is(h: &common::Harness, method: &str, path: &str, auth: &str) -> (u16, Value) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let addr = h.url.trim_start_matches("http://");
    let mut tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
    let req = format!(
        "{method} {path} HTTP/1.1\r\nhost: {addr}\r\nauthorization: {auth}\r\nconnection: close\r\n\r\n"
    );
    tcp.write_all(req.as_bytes()).await.unwrap();
    let mut out = Vec::new();
    tcp.read_to_end(&mut out).await.unwrap();
    let text = String::from_utf8_lossy(&out);
    let status: u16 = text.split(' ').nth(1).unwrap().parse().unwrap();
    let body = text.split_once("\r\n\r\n").unwrap().1;
    let body = serde_json::from_str(body).unwrap_or_else(|e| panic!("{e}: {text}"));
    (status, body)
}

#[tokio::test]
async fn dot_segment_and_slash_ids_are_refused_for_every_connector() {
    let h = start().await;
    let user = fresh_user();
    let bearer = format!("Bearer {}", h.project.test_key);
    for provider in [
        "hubspot",
        "salesforce",
        "pipedrive",
        "zoho",
        "attio",
        "close",
        P,
    ] {
        for id in ["%2e%2e", "%2E", "a%2Fb", "a%5Cb", "..%2Fcontacts"] {
            let path = format!("/api/v1/contact/{id}?provider={provider}&endUserId={user}");
            let (s, b) = send_as_is(&h, "GET", &path, &bearer).await;
            assert_eq!(s, 400, "{provider} {id}: {b}");
            assert!(b["message"].as_str().unwrap().starts_with("id:"), "{b}");
        }
    }
    let acc = h.link_sandbox("hubspot", json!({})).await;
    let basic = common::basic(&h.project.test_key);
    let (s, b) = send_as_is(
        &h,
        "DELETE",
        "/unified/crm/contacts/%2e%2e",
        &format!("{basic}\r\nx-account-id: {acc}"),
    )
    .await;
    assert_eq!(s, 400, "{b}");
}

#[tokio::test]
async fn a_v1_405_says_method_not_allowed() {
    let h = start().await;
    let (s, b, _) = json(
        h.v1(Method::PUT, &v1_path("contact", &fresh_user()))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, 405, "{b}");
    assert_eq!(b["error"]["type"], "Method Not Allowed", "{b}");
}
