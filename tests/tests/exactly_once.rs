//! Exactly-once creates when a create's outcome is unknown (issue 14 item 2): lost answers
//! (`drop_response`), provider timeouts, a lookup that cannot decide (typed `outcome_unknown` in
//! both dialects) and a same-e-mail record that is not ours. The `kill -9` case, with real
//! `unicrm serve` processes, is `crates/cli/tests/crash.rs`.
//!
//! `cargo test -p unicrm-tests --test exactly_once -- --nocapture` prints an `EXACTLY-ONCE` line
//! per test with keys, attempts and records.

mod common;

use common::{json, start_with, Harness};
use reqwest::{Method, RequestBuilder};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};
use unicrm_sandbox::faults::{FaultConfig, FaultScope};
use unicrm_server::Config;

fn user() -> String {
    format!("u-{}", uuid::Uuid::new_v4().simple())
}

fn run_id() -> String {
    uuid::Uuid::new_v4().simple().to_string()[..8].to_owned()
}

/// What one key's create loop saw.
#[derive(Debug, Default)]
struct KeyRun {
    attempts: u32,
    outcome_unknown: u32,
    status: u16,
    body: Value,
}

/// Whether an answer is the typed `outcome_unknown` error (either dialect).
fn is_outcome_unknown(s: u16, b: &Value) -> bool {
    s == 502 && (b["error"]["type"] == "outcome_unknown" || b["data"]["type"] == "outcome_unknown")
}

/// Sends a keyed create (built by `req`) until it gets a final answer: a 5xx or a 409 "still in
/// progress" is retried with the same key, as a client is told to.
async fn until_final(req: impl Fn() -> RequestBuilder, deadline: Duration) -> KeyRun {
    let until = Instant::now() + deadline;
    let mut run = KeyRun::default();
    while Instant::now() < until {
        run.attempts += 1;
        let resp = match req().send().await {
            Ok(r) => r,
            Err(_) => continue,
        };
        let (s, b, _) = json(resp).await;
        assert!(
            s < 300 || b["message"].is_string(),
            "an error without a message: {s} {b}"
        );
        if is_outcome_unknown(s, &b) {
            run.outcome_unknown += 1;
        }
        run.status = s;
        run.body = b;
        if s >= 500 || s == 409 {
            tokio::time::sleep(Duration::from_millis(100)).await;
            continue;
        }
        return run;
    }
    run
}

/// Every record of `path` (a v1 collection path with its query) — the provider's records, read
/// through the gateway with no fault set.
async fn v1_all(h: &Harness, path: &str) -> Vec<Value> {
    let mut out = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut p = format!("{path}&limit=100");
        if let Some(c) = &cursor {
            p.push_str(&format!("&cursor={c}"));
        }
        let (s, b, _) = json(h.v1(Method::GET, &p).send().await.unwrap()).await;
        assert_eq!(s, 200, "{b}");
        out.extend(b["data"]["data"].as_array().unwrap().iter().cloned());
        match b["data"]["next"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => return out,
        }
    }
}

/// Every record of a unified collection of `account`.
async fn unified_all(h: &Harness, path: &str, account: &str) -> Vec<Value> {
    let mut out = Vec::new();
    let mut next: Option<String> = None;
    loop {
        let mut p = format!("{path}?page_size=100");
        if let Some(c) = &next {
            p.push_str(&format!("&next={c}"));
        }
        let (s, b, _) = json(h.unified(Method::GET, &p, account).send().await.unwrap()).await;
        assert_eq!(s, 200, "{b}");
        out.extend(b["data"].as_array().unwrap().iter().cloned());
        match b["next"].as_str() {
            Some(c) => next = Some(c.to_owned()),
            None => return out,
        }
    }
}

async fn token_of(h: &Harness, provider: &str, user: &str) -> String {
    let a = h
        .store
        .find_account(
            &h.project.project.id,
            unicrm_server::Environment::Test,
            provider,
            user,
        )
        .await
        .unwrap()
        .unwrap();
    a.credentials.0["access_token"].clone()
}

#[tokio::test]
async fn lost_answers_at_one_in_three_make_one_record_per_key() {
    const KEYS: usize = 30;
    let h = Arc::new(start_with(Config::default()).await);
    let u = user();
    let run = run_id();
    let path = format!("/api/v1/account?provider=hubspot&endUserId={u}");
    let (s, b, _) = json(h.v1(Method::GET, &path).send().await.unwrap()).await;
    assert_eq!(s, 200, "{b}");
    let token = token_of(&h, "hubspot", &u).await;
    // Every third request the emulator handles (a create does happen) loses its answer —
    // creates and the gateway's lookups alike.
    h.sandbox
        .sandbox
        .set_faults(
            FaultScope::tenant(&token).in_emulator("hubspot"),
            FaultConfig::new().seed(14).drop_response(1.0 / 3.0),
        )
        .unwrap();
    let sem = Arc::new(tokio::sync::Semaphore::new(6));
    let mut tasks = Vec::new();
    for i in 0..KEYS {
        let (h, path, run, sem) = (h.clone(), path.clone(), run.clone(), sem.clone());
        tasks.push(tokio::spawn(async move {
            let _permit = sem.acquire().await.unwrap();
            let body = json!({"name": format!("Drop {run} {i}"), "website": format!("https://drop-{i}-{run}.example.com")});
            let key = format!("drop-{run}-{i}");
            until_final(
                || {
                    h.v1(Method::POST, &path)
                        .header("idempotency-key", &key)
                        .json(&body)
                },
                Duration::from_secs(120),
            )
            .await
        }));
    }
    let mut runs = Vec::new();
    for t in tasks {
        runs.push(t.await.unwrap());
    }
    let injected: u64 = h
        .sandbox
        .sandbox
        .faults()
        .iter()
        .map(|f| f.stats.total_injected())
        .sum();
    h.sandbox.sandbox.clear_all_faults();
    let mut per_name: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for r in v1_all(&h, &path).await {
        let name = r["name"].as_str().unwrap_or_default().to_owned();
        if name.starts_with(&format!("Drop {run} ")) {
            per_name
                .entry(name)
                .or_default()
                .push(r["id"].as_str().unwrap().to_owned());
        }
    }
    let records: usize = per_name.values().map(Vec::len).sum();
    let attempts: u32 = runs.iter().map(|r| r.attempts).sum();
    let unknown: u32 = runs.iter().map(|r| r.outcome_unknown).sum();
    eprintln!(
        "EXACTLY-ONCE drop_response=1/3 keys={KEYS} attempts={attempts} outcome_unknown={unknown} injected_faults={injected} records={records}"
    );
    for (i, r) in runs.iter().enumerate() {
        assert_eq!(r.status, 201, "key {i}: {} {}", r.status, r.body);
        let name = format!("Drop {run} {i}");
        let ids = per_name.get(&name).cloned().unwrap_or_default();
        assert_eq!(ids.len(), 1, "key {i}: records {ids:?}");
        assert_eq!(r.body["data"]["data"]["id"].as_str(), Some(ids[0].as_str()));
    }
    assert_eq!(records, KEYS, "exactly one record per key");
    assert!(injected > 0, "the faults were not felt");
}

#[tokio::test]
async fn provider_timeouts_make_one_record_per_key() {
    const KEYS: usize = 5;
    let h =
        Arc::new(start_with(Config::default().provider_timeout(Duration::from_millis(300))).await);
    let account = h.link_sandbox("salesforce", json!({})).await;
    let run = run_id();
    let (s, b, _) = json(
        h.unified(Method::GET, "/unified/crm/contacts", &account)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    // Creates (POST) are made at once but answered 1.2 s later, past the 300 ms provider
    // timeout: the gateway gives up waiting on a record that exists. Lookups (GET) are served
    // at once.
    h.sandbox
        .sandbox
        .set_faults(
            FaultScope::emulator("salesforce"),
            FaultConfig::new()
                .response_latency_ms(1200)
                .methods(["POST"]),
        )
        .unwrap();
    let mut tasks = Vec::new();
    for i in 0..KEYS {
        let (h, account, run) = (h.clone(), account.clone(), run.clone());
        tasks.push(tokio::spawn(async move {
            let body = json!({"first_name": "Slow", "last_name": format!("T{i}"), "emails": [format!("slow-{i}-{run}@example.com")]});
            let key = format!("slow-{run}-{i}");
            until_final(
                || {
                    h.unified(Method::POST, "/unified/crm/contacts", &account)
                        .header("idempotency-key", &key)
                        .json(&body)
                },
                Duration::from_secs(30),
            )
            .await
        }));
    }
    let mut runs = Vec::new();
    for t in tasks {
        runs.push(t.await.unwrap());
    }
    let delayed: u64 = h
        .sandbox
        .sandbox
        .faults()
        .iter()
        .map(|f| f.stats.delayed)
        .sum();
    h.sandbox.sandbox.clear_all_faults();
    let mut per_email: BTreeMap<String, usize> = BTreeMap::new();
    for r in unified_all(&h, "/unified/crm/contacts", &account).await {
        for e in r["emails"].as_array().into_iter().flatten() {
            let e = e
                .as_str()
                .or_else(|| e["email"].as_str())
                .or_else(|| e["value"].as_str())
                .unwrap_or_default();
            if e.ends_with(&format!("-{run}@example.com")) {
                *per_email.entry(e.to_owned()).or_default() += 1;
            }
        }
    }
    let records: usize = per_email.values().sum();
    let attempts: u32 = runs.iter().map(|r| r.attempts).sum();
    let unknown: u32 = runs.iter().map(|r| r.outcome_unknown).sum();
    eprintln!(
        "EXACTLY-ONCE timeouts response_latency=1200ms timeout=300ms keys={KEYS} attempts={attempts} delayed_creates={delayed} outcome_unknown={unknown} records={records}"
    );
    for (i, r) in runs.iter().enumerate() {
        assert_eq!(r.status, 200, "key {i}: {} {}", r.status, r.body);
        let email = format!("slow-{i}-{run}@example.com");
        assert_eq!(per_email.get(&email), Some(&1), "key {i}: {per_email:?}");
    }
    assert_eq!(records, KEYS, "exactly one record per key");
    assert!(delayed >= KEYS as u64, "the timeouts were not felt");
}

#[tokio::test]
async fn an_undecidable_lost_create_is_outcome_unknown_in_both_dialects_and_never_repeated() {
    let h = start_with(Config::default()).await;
    let u = user();
    let run = run_id();
    let path = format!("/api/v1/contact?provider=hubspot&endUserId={u}");
    let (s, b, _) = json(h.v1(Method::GET, &path).send().await.unwrap()).await;
    assert_eq!(s, 200, "{b}");
    let token = token_of(&h, "hubspot", &u).await;
    let account = h
        .store
        .find_account(
            &h.project.project.id,
            unicrm_server::Environment::Test,
            "hubspot",
            &u,
        )
        .await
        .unwrap()
        .unwrap()
        .id;
    // Every create's answer is lost; a contact without an e-mail has nothing to be found by.
    h.sandbox
        .sandbox
        .set_faults(
            FaultScope::tenant(&token).in_emulator("hubspot"),
            FaultConfig::new()
                .drop_response(1.0)
                .path_prefix("/crm/v3/objects/contacts")
                .methods(["POST"]),
        )
        .unwrap();
    let secret_name = format!("Nomail{run}");
    for attempt in 0..3 {
        let (s, b, _) = json(
            h.v1(Method::POST, &path)
                .header("idempotency-key", "nomail-v1")
                .json(&json!({"firstName": secret_name}))
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(s, 502, "attempt {attempt}: {b}");
        assert_eq!(b["success"], false, "{b}");
        assert_eq!(b["statusCode"], 502, "{b}");
        assert_eq!(b["error"]["type"], "outcome_unknown", "{b}");
        assert_eq!(b["error"]["resource"], "contact", "{b}");
        assert_eq!(b["error"]["provider"], "hubspot", "{b}");
        assert_eq!(b["error"]["fields"], json!(["first_name"]), "{b}");
        let msg = b["message"].as_str().unwrap();
        assert!(
            msg.contains("contact") && msg.contains("first_name"),
            "{msg}"
        );
        assert!(msg.contains("e-mail"), "says why it cannot tell: {msg}");
        assert!(!msg.contains(&secret_name), "values are not echoed: {msg}");
    }
    for attempt in 0..2 {
        let (s, b, _) = json(
            h.unified(Method::POST, "/unified/crm/contacts", &account)
                .header("idempotency-key", "nomail-unified")
                .json(&json!({"first_name": secret_name}))
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(s, 502, "attempt {attempt}: {b}");
        assert_eq!(b["statusCode"], 502, "{b}");
        assert!(b["timestamp"].is_string(), "{b}");
        assert_eq!(b["data"]["type"], "outcome_unknown", "{b}");
        assert_eq!(b["data"]["resource"], "contact", "{b}");
        assert_eq!(b["data"]["fields"], json!(["first_name"]), "{b}");
    }
    h.sandbox.sandbox.clear_all_faults();
    let made = v1_all(&h, &path)
        .await
        .into_iter()
        .filter(|r| r["firstName"] == secret_name.as_str())
        .count();
    eprintln!("EXACTLY-ONCE undecidable keys=2 attempts=5 outcome_unknown=5 records={made}");
    assert_eq!(made, 2, "one create per key, never repeated");
}

#[tokio::test]
async fn a_record_with_the_same_email_is_not_taken_for_a_lost_create() {
    let h = start_with(Config::default()).await;
    let account = h.link_sandbox("salesforce", json!({})).await;
    let run = run_id();
    let email = format!("twin-{run}@example.com");
    // Someone else's contact with the same e-mail, made before.
    let (s, b, _) = json(
        h.unified(Method::POST, "/unified/crm/contacts", &account)
            .json(&json!({"last_name": "Theirs", "emails": [email]}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    let theirs = b["data"]["id"].as_str().unwrap().to_owned();
    h.sandbox
        .sandbox
        .set_faults(
            FaultScope::emulator("salesforce"),
            FaultConfig::new().drop_response(1.0).methods(["POST"]),
        )
        .unwrap();
    for attempt in 0..3 {
        let (s, b, _) = json(
            h.unified(Method::POST, "/unified/crm/contacts", &account)
                .header("idempotency-key", "twin")
                .json(&json!({"last_name": "Ours", "emails": [email]}))
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_ne!(
            b["data"]["id"].as_str(),
            Some(theirs.as_str()),
            "attempt {attempt}: the earlier record is not the create's: {b}"
        );
        assert_eq!(s, 502, "attempt {attempt}: {b}");
        assert_eq!(b["data"]["type"], "outcome_unknown", "{b}");
    }
    h.sandbox.sandbox.clear_all_faults();
    let twins: Vec<Value> = unified_all(&h, "/unified/crm/contacts", &account)
        .await
        .into_iter()
        .filter(|r| r.to_string().contains(&email))
        .collect();
    assert_eq!(twins.len(), 2, "theirs and ours, nothing more: {twins:?}");
}
