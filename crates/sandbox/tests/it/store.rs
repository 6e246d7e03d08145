use serde_json::json;
use unicrm_sandbox::{Sandbox, StoreError};

use crate::{client, create, get_json, start, start_with, url};

#[test]
fn crud_and_listing_order() {
    let sb = Sandbox::new(0).emulator("x");
    let store = sb.tenant("tok");
    let a = store
        .insert("contacts", "a", json!({"name": "A", "tags": ["x"]}))
        .unwrap();
    let b = store.insert("contacts", "b", json!({"name": "B"})).unwrap();
    store.insert("contacts", "c", json!({"name": "C"})).unwrap();
    assert!(a.seq < b.seq);
    assert_eq!(a.created_at, a.updated_at);
    assert!(
        b.created_at > a.created_at,
        "server clock strictly increases"
    );
    assert_eq!(
        store.insert("contacts", "a", json!({})),
        Err(StoreError::AlreadyExists {
            collection: "contacts".into(),
            id: "a".into()
        })
    );
    assert_eq!(store.get("contacts", "a").unwrap().data["name"], "A");
    assert!(store.get("contacts", "zzz").is_none());
    assert!(store.get("deals", "a").is_none());

    let merged = store
        .merge(
            "contacts",
            "a",
            &json!({"name": null, "phone": "1", "tags": []}),
        )
        .unwrap();
    assert_eq!(merged.data, json!({"phone": "1", "tags": []}));
    assert_eq!(merged.created_at, a.created_at);
    assert!(merged.updated_at > a.updated_at);
    assert_eq!(merged.seq, a.seq);

    let updated = store
        .update("contacts", "b", |d| d["n"] = json!(2))
        .unwrap();
    assert_eq!(updated.data, json!({"name": "B", "n": 2}));
    let replaced = store
        .replace("contacts", "b", json!({"only": true}))
        .unwrap();
    assert_eq!(replaced.data, json!({"only": true}));
    assert!(matches!(
        store.update("contacts", "nope", |_| {}),
        Err(StoreError::NotFound { .. })
    ));

    // Updating does not move a record in the listing order.
    let ids: Vec<_> = store.list("contacts").into_iter().map(|r| r.id).collect();
    assert_eq!(ids, ["a", "b", "c"]);
    let found = store.find("contacts", |r| r.data.get("only").is_some());
    assert_eq!(found.len(), 1);
    assert_eq!(store.find_one("contacts", |r| r.id == "c").unwrap().id, "c");
    assert_eq!(store.count("contacts"), 3);

    assert_eq!(store.delete("contacts", "b").unwrap().id, "b");
    assert!(matches!(
        store.delete("contacts", "b"),
        Err(StoreError::NotFound { .. })
    ));
    let ids: Vec<_> = store.list("contacts").into_iter().map(|r| r.id).collect();
    assert_eq!(ids, ["a", "c"]);
    // A re-inserted id goes to the end.
    store.insert("contacts", "b", json!({})).unwrap();
    let ids: Vec<_> = store.list("contacts").into_iter().map(|r| r.id).collect();
    assert_eq!(ids, ["a", "c", "b"]);
    assert!(store.list("unknown").is_empty());
}

#[test]
fn accounts_and_emulators_are_isolated() {
    let root = Sandbox::new(0);
    let hubspot = root.emulator("hubspot");
    let salesforce = root.emulator("salesforce");
    hubspot
        .tenant("t1")
        .insert("contacts", "1", json!({"who": "hs-t1"}))
        .unwrap();
    hubspot
        .tenant("t2")
        .insert("contacts", "1", json!({"who": "hs-t2"}))
        .unwrap();
    salesforce
        .tenant("t1")
        .insert("contacts", "1", json!({"who": "sf-t1"}))
        .unwrap();
    assert_eq!(
        hubspot.tenant("t1").get("contacts", "1").unwrap().data["who"],
        "hs-t1"
    );
    assert_eq!(
        hubspot.tenant("t2").get("contacts", "1").unwrap().data["who"],
        "hs-t2"
    );
    assert_eq!(
        salesforce.tenant("t1").get("contacts", "1").unwrap().data["who"],
        "sf-t1"
    );
    assert!(salesforce.tenant("t2").get("contacts", "1").is_none());
    // Two handles of the same account share data.
    let h1 = hubspot.tenant("t1");
    let h2 = hubspot.tenant("t1");
    h1.insert("contacts", "2", json!({})).unwrap();
    assert_eq!(h2.count("contacts"), 2);
    // reset_tenant forgets t1 everywhere, keeps t2.
    root.reset_tenant("t1");
    assert_eq!(hubspot.tenant("t1").count("contacts"), 0);
    assert_eq!(salesforce.tenant("t1").count("contacts"), 0);
    assert_eq!(hubspot.tenant("t2").count("contacts"), 1);
    root.reset();
    assert_eq!(hubspot.tenant("t2").count("contacts"), 0);
}

#[test]
fn concurrent_inserts_are_all_kept() {
    let sb = Sandbox::new(0);
    let threads: Vec<_> = (0..8)
        .map(|t| {
            let sb = sb.clone();
            std::thread::spawn(move || {
                let store = sb.tenant("shared");
                for _ in 0..100 {
                    store
                        .insert("items", sb.numeric_id(), json!({"t": t}))
                        .unwrap();
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    let all = sb.tenant("shared").list("items");
    assert_eq!(all.len(), 800);
    assert!(all.windows(2).all(|w| w[0].seq < w[1].seq));
}

#[tokio::test]
async fn http_tenants_do_not_see_each_other() {
    let sb = start().await;
    let id = create(&sb, "alice", json!({"name": "Alice's"})).await;
    let (status, body) = get_json(&sb, "alice", &format!("/v1/items/{id}")).await;
    assert_eq!(status, 200);
    assert_eq!(body["data"]["name"], "Alice's");
    let (status, _) = get_json(&sb, "bob", &format!("/v1/items/{id}")).await;
    assert_eq!(status, 404);
    let (_, list) = get_json(&sb, "bob", "/v1/items").await;
    assert_eq!(list["results"], json!([]));
    // Bob cannot delete or patch Alice's record either.
    let resp = client()
        .delete(url(&sb, &format!("/v1/items/{id}")))
        .bearer_auth("bob")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 404);
    let (status, _) = get_json(&sb, "alice", &format!("/v1/items/{id}")).await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn http_update_and_delete() {
    let sb = start().await;
    let id = create(
        &sb,
        "tok-ud",
        json!({"name": "Zoë", "emails": ["a@x.example"]}),
    )
    .await;
    let resp = client()
        .patch(url(&sb, &format!("/v1/items/{id}")))
        .bearer_auth("tok-ud")
        .json(&json!({"emails": ["a@x.example", "b@x.example"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let body: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(body["data"]["name"], "Zoë");
    assert_eq!(body["data"]["emails"][1], "b@x.example");
    assert!(body["updatedAt"].as_str().unwrap() > body["createdAt"].as_str().unwrap());
    let resp = client()
        .delete(url(&sb, &format!("/v1/items/{id}")))
        .bearer_auth("tok-ud")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 204);
    let (status, _) = get_json(&sb, "tok-ud", &format!("/v1/items/{id}")).await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn http_reset_all_or_one_tenant() {
    let sb = start().await;
    create(&sb, "r1", json!({})).await;
    create(&sb, "r2", json!({})).await;
    let control = format!("{}/_sandbox/reset", sb.url());
    let resp = client()
        .post(&control)
        .json(&json!({"tenant": "r1"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(get_json(&sb, "r1", "/v1/items").await.1["total"], 0);
    assert_eq!(get_json(&sb, "r2", "/v1/items").await.1["total"], 1);
    let resp = client()
        .post(&control)
        .json(&json!({"tenat": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
    let resp = client().post(&control).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(get_json(&sb, "r2", "/v1/items").await.1["total"], 0);
}

#[tokio::test]
async fn seed_data_fills_new_accounts_repeatably() {
    let a = Sandbox::new(42);
    a.set_seed_data(5);
    let b = Sandbox::new(42);
    b.set_seed_data(5);
    let sa = start_with(a).await;
    let sb = start_with(b).await;
    let (_, la) = get_json(&sa, "dev", "/v1/items?limit=100").await;
    let (_, lb) = get_json(&sb, "dev", "/v1/items?limit=100").await;
    assert_eq!(la["total"], 5);
    let names = |v: &serde_json::Value| -> Vec<serde_json::Value> {
        v["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["data"].clone())
            .collect()
    };
    assert_eq!(names(&la), names(&lb), "same seed, same records");
    for rec in names(&la) {
        let email = rec["email"].as_str().unwrap();
        assert!(
            email.contains('@') && email.ends_with(".example"),
            "{email}"
        );
        assert!(rec["name"].as_str().unwrap().contains(' '));
    }
    // Another account gets its own (different) records.
    let (_, other) = get_json(&sa, "dev2", "/v1/items?limit=100").await;
    assert_eq!(other["total"], 5);
    assert_ne!(names(&other), names(&la));

    // Explicit seeding through the control endpoint.
    let resp = client()
        .post(format!("{}/_sandbox/seed", sa.url()))
        .json(&json!({"emulator": "testemu", "tenant": "dev", "n": 3}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(get_json(&sa, "dev", "/v1/items").await.1["total"], 8);
    let resp = client()
        .post(format!("{}/_sandbox/seed", sa.url()))
        .json(&json!({"emulator": "nope", "tenant": "dev", "n": 3}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
}

fn emails(v: &serde_json::Value) -> Vec<String> {
    v["emails"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|e| e.as_str())
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn key_lookups_follow_every_write() {
    let sb = Sandbox::new(0).emulator("x");
    let s = sb.tenant("tok");
    assert!(s.find_by_key("people", "emails", emails, "a@x").is_empty());
    s.insert("people", "1", json!({"emails": ["a@x", "b@x"]}))
        .unwrap();
    // Built on first use from what is there, then kept up to date.
    let ids = |k: &str| -> Vec<String> {
        s.find_by_key("people", "emails", emails, k)
            .into_iter()
            .map(|r| r.id)
            .collect()
    };
    assert_eq!(ids("b@x"), ["1"]);
    s.insert("people", "2", json!({"emails": ["b@x"]})).unwrap();
    assert_eq!(ids("b@x"), ["1", "2"]);
    s.merge("people", "1", &json!({"emails": ["c@x"]})).unwrap();
    assert_eq!(ids("b@x"), ["2"]);
    assert_eq!(ids("c@x"), ["1"]);
    assert!(ids("a@x").is_empty());
    s.replace("people", "2", json!({"emails": ["c@x"]}))
        .unwrap();
    assert_eq!(ids("c@x"), ["1", "2"]);
    s.delete("people", "1").unwrap();
    assert_eq!(ids("c@x"), ["2"]);
    s.clear();
    assert!(ids("c@x").is_empty());
    s.insert("people", "3", json!({"emails": ["c@x"]})).unwrap();
    assert_eq!(ids("c@x"), ["3"]);
}

fn ids_of(records: Vec<unicrm_sandbox::StoredRecord>) -> Vec<String> {
    records.into_iter().map(|r| r.id).collect()
}

#[test]
fn id_prefix_lookups_follow_every_write() {
    let sb = Sandbox::new(0).emulator("x");
    let s = sb.tenant("tok");
    let of = |prefix: &str| ids_of(s.find_by_id_prefix("links", prefix));
    assert!(of("contacts:1:").is_empty());
    // Inserted out of id order; listed in insertion order. `1:` must not match `10:` or `1x`.
    for id in [
        "contacts:1:companies:9",
        "contacts:10:companies:9",
        "contacts:1:companies:2",
        "contacts:1x:companies:2",
        "companies:9:contacts:1",
        "contacts:1:deals:5",
    ] {
        s.insert("links", id, json!({})).unwrap();
    }
    assert_eq!(
        of("contacts:1:"),
        [
            "contacts:1:companies:9",
            "contacts:1:companies:2",
            "contacts:1:deals:5"
        ]
    );
    assert_eq!(of("contacts:10:"), ["contacts:10:companies:9"]);
    assert_eq!(of("companies:9:"), ["companies:9:contacts:1"]);
    assert_eq!(
        of("contacts:1:companies:"),
        ["contacts:1:companies:9", "contacts:1:companies:2"]
    );
    assert!(of("contacts:2:").is_empty());
    assert_eq!(of("").len(), 6);
    // The same as a scan, always.
    let scan = |prefix: &str| ids_of(s.find("links", |r| r.id.starts_with(prefix)));
    for prefix in [
        "contacts:1:",
        "contacts:1",
        "contacts:",
        "c",
        "companies:9:contacts:1",
    ] {
        assert_eq!(of(prefix), scan(prefix), "{prefix}");
    }
    // Updates keep the record (and its place); deletes remove it; a re-insert goes last.
    s.replace("links", "contacts:1:companies:9", json!({"types": [1]}))
        .unwrap();
    assert_eq!(of("contacts:1:").len(), 3);
    s.delete("links", "contacts:1:companies:9").unwrap();
    assert_eq!(
        of("contacts:1:"),
        ["contacts:1:companies:2", "contacts:1:deals:5"]
    );
    s.insert("links", "contacts:1:companies:9", json!({}))
        .unwrap();
    assert_eq!(
        of("contacts:1:"),
        [
            "contacts:1:companies:2",
            "contacts:1:deals:5",
            "contacts:1:companies:9"
        ]
    );
    assert!(s.find_by_id_prefix("other", "contacts:1:").is_empty());
    s.clear();
    assert!(of("contacts:1:").is_empty());
}

/// Listed by `(archived, numeric id)`; `hidden` records are left out of the order.
fn by_flag_and_number(r: &unicrm_sandbox::StoredRecord) -> Option<(u64, u64)> {
    if r.data.get("hidden").is_some() {
        return None;
    }
    let archived = r.data.get("archived").and_then(serde_json::Value::as_bool) == Some(true);
    Some((u64::from(archived), r.id.parse().unwrap_or(u64::MAX)))
}

#[test]
fn ordered_listings_follow_every_write() {
    let sb = Sandbox::new(0).emulator("x");
    let s = sb.tenant("tok");
    let page = |partition: u64, from: u64, take: usize| {
        ids_of(s.ordered_from(
            "items",
            "by-number",
            by_flag_and_number,
            partition,
            from,
            take,
        ))
    };
    assert!(page(0, 0, 10).is_empty());
    // Inserted out of order, one non-numeric id (last), one left out.
    for id in ["30", "10", "abc", "20", "5"] {
        s.insert("items", id, json!({})).unwrap();
    }
    s.insert("items", "7", json!({"hidden": true})).unwrap();
    assert_eq!(page(0, 0, 10), ["5", "10", "20", "30", "abc"]);
    assert_eq!(page(0, 0, 2), ["5", "10"]);
    assert_eq!(page(0, 10, 2), ["10", "20"]);
    assert_eq!(page(0, 11, 2), ["20", "30"]);
    assert_eq!(page(0, 31, 10), ["abc"]);
    assert_eq!(page(0, 0, 0), Vec::<String>::new());
    assert!(page(1, 0, 10).is_empty());
    // Built on first use: records inserted since are in it, and an update moves a record to
    // the other partition (or out of the order, or back in).
    s.insert("items", "15", json!({})).unwrap();
    s.merge("items", "20", &json!({"archived": true})).unwrap();
    s.merge("items", "7", &json!({"hidden": null})).unwrap();
    s.merge("items", "5", &json!({"hidden": true})).unwrap();
    assert_eq!(page(0, 0, 10), ["7", "10", "15", "30", "abc"]);
    assert_eq!(page(1, 0, 10), ["20"]);
    s.replace("items", "20", json!({})).unwrap();
    assert_eq!(page(0, 0, 10), ["7", "10", "15", "20", "30", "abc"]);
    assert!(page(1, 0, 10).is_empty());
    // Deletes leave it; a second order of the same collection is independent.
    s.delete("items", "15").unwrap();
    s.delete("items", "abc").unwrap();
    assert_eq!(page(0, 0, 10), ["7", "10", "20", "30"]);
    let newest_first = |r: &unicrm_sandbox::StoredRecord| Some((0, u64::MAX - r.seq));
    let by_seq = ids_of(s.ordered_from("items", "newest", newest_first, 0, 0, 10));
    assert_eq!(by_seq, ["7", "5", "20", "10", "30"]);
    assert_eq!(page(0, 0, 10), ["7", "10", "20", "30"]);
    // Equal positions keep insertion order.
    let same = |_: &unicrm_sandbox::StoredRecord| Some((0, 1));
    assert_eq!(
        ids_of(s.ordered_from("items", "same", same, 0, 0, 10)),
        ids_of(s.list("items"))
    );
    assert!(s
        .ordered_from("none", "by-number", by_flag_and_number, 0, 0, 10)
        .is_empty());
    s.clear();
    assert!(page(0, 0, 10).is_empty());
    s.insert("items", "1", json!({})).unwrap();
    assert_eq!(page(0, 0, 10), ["1"]);
}

#[test]
fn ordered_paging_with_writes_between_pages_repeats_and_skips_nothing() {
    let sb = Sandbox::new(0).emulator("x");
    let s = sb.tenant("tok");
    let number = |r: &unicrm_sandbox::StoredRecord| r.id.parse().ok().map(|n| (0, n));
    for n in (1..=200u64).rev() {
        s.insert("items", n.to_string(), json!({})).unwrap();
    }
    // Page by "the position of the next record" (as HubSpot's `after`), deleting records
    // behind and ahead of the cursor and inserting new ones between pages.
    let mut seen: Vec<u64> = Vec::new();
    let mut deleted_ahead = Vec::new();
    let mut from = 0;
    let mut round = 0u64;
    loop {
        let mut page = s.ordered_from("items", "n", number, 0, from, 8);
        let next = (page.len() > 7).then(|| page.pop()).flatten();
        seen.extend(page.iter().map(|r| r.id.parse::<u64>().unwrap()));
        let Some(next) = next else { break };
        from = next.id.parse().unwrap();
        round += 1;
        // Behind the cursor: already listed, must not come back.
        let _ = s.delete("items", &seen[seen.len() / 2].to_string());
        // Ahead of the cursor: must not be listed.
        let ahead = from + 3;
        if s.delete("items", &ahead.to_string()).is_ok() {
            deleted_ahead.push(ahead);
        }
        // New, past everything: must be listed once.
        s.insert("items", (1000 + round).to_string(), json!({}))
            .unwrap();
    }
    let mut sorted = seen.clone();
    sorted.sort_unstable();
    sorted.dedup();
    assert_eq!(sorted.len(), seen.len(), "a record listed twice");
    assert_eq!(sorted, seen, "listed in order");
    let expected: Vec<u64> = (1..=200)
        .chain((1..=round).map(|r| 1000 + r))
        .filter(|n| !deleted_ahead.contains(n))
        .collect();
    assert!(deleted_ahead.len() > 20 && round > 25);
    assert_eq!(seen, expected);
}
