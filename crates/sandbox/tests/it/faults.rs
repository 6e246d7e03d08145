use std::time::{Duration, Instant};

use serde_json::{json, Value};
use unicrm_sandbox::faults::{malform_json, truncate_json, FaultConfig, FaultKind, FaultScope};

use crate::{client, create, get_json, start, url};

async fn status_of(sb: &unicrm_sandbox::RunningSandbox, token: &str, path: &str) -> u16 {
    client()
        .get(url(sb, path))
        .bearer_auth(token)
        .send()
        .await
        .map(|r| r.status().as_u16())
        .unwrap_or(0)
}

#[tokio::test]
async fn rate_limit_is_rendered_by_the_emulator_and_scoped_to_its_tenant() {
    let sb = start().await;
    sb.sandbox
        .set_faults(
            FaultScope::tenant("limited"),
            FaultConfig::new().rate_limit(1.0).retry_after_secs(7),
        )
        .unwrap();
    let resp = client()
        .get(url(&sb, "/v1/items"))
        .bearer_auth("limited")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 429);
    assert_eq!(resp.headers()["retry-after"], "7");
    assert_eq!(resp.headers()["x-test-ratelimit-remaining"], "0");
    assert_eq!(
        resp.json::<Value>().await.unwrap(),
        json!({"kind": "rate_limit"})
    );
    // Other accounts are not affected.
    assert_eq!(status_of(&sb, "free", "/v1/items").await, 200);
    let views = sb.sandbox.faults();
    assert_eq!(views.len(), 1);
    assert_eq!(views[0].stats.requests, 1);
    assert_eq!(views[0].stats.injected[&FaultKind::RateLimit], 1);
}

#[tokio::test]
async fn server_error_and_unauthorized_faults() {
    let sb = start().await;
    sb.sandbox
        .set_faults(
            FaultScope::tenant("five").in_emulator("testemu"),
            FaultConfig::new()
                .server_error(1.0)
                .server_error_status(503),
        )
        .unwrap();
    let (status, body) = get_json(&sb, "five", "/v1/items").await;
    assert_eq!(
        (status, body),
        (503, json!({"kind": "server", "status": 503}))
    );
    sb.sandbox
        .set_faults(
            FaultScope::tenant("auth"),
            FaultConfig::new().unauthorized(1.0),
        )
        .unwrap();
    let (status, body) = get_json(&sb, "auth", "/v1/items").await;
    assert_eq!(
        (status, body),
        (401, json!({"kind": "auth", "problem": "rejected"}))
    );
}

#[tokio::test]
async fn latency_is_added() {
    let sb = start().await;
    sb.sandbox
        .set_faults(
            FaultScope::tenant("slow"),
            FaultConfig::new().latency_ms(300),
        )
        .unwrap();
    let started = Instant::now();
    assert_eq!(status_of(&sb, "slow", "/v1/items").await, 200);
    assert!(
        started.elapsed() >= Duration::from_millis(300),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(sb.sandbox.faults()[0].stats.delayed, 1);
    assert_eq!(sb.sandbox.faults()[0].stats.total_injected(), 0);
}

#[tokio::test]
async fn dropped_connection_gives_no_response() {
    let sb = start().await;
    sb.sandbox
        .set_faults(
            FaultScope::tenant("drop"),
            FaultConfig::new().drop_connection(1.0).max_faults(1),
        )
        .unwrap();
    let err = client()
        .get(url(&sb, "/v1/items"))
        .bearer_auth("drop")
        .send()
        .await
        .expect_err("the connection must be closed without a response");
    assert!(!err.is_status() && !err.is_timeout(), "{err:?}");
    // The server keeps serving (and max_faults ended the rule's effect).
    assert_eq!(status_of(&sb, "drop", "/v1/items").await, 200);
    assert_eq!(status_of(&sb, "other", "/v1/items").await, 200);
}

#[tokio::test]
async fn truncated_and_malformed_bodies() {
    let sb = start().await;
    let full = client()
        .get(url(&sb, "/v1/big"))
        .bearer_auth("body")
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert!(serde_json::from_slice::<Value>(&full).is_ok());

    sb.sandbox
        .set_faults(
            FaultScope::tenant("body"),
            FaultConfig::new().truncated_json(1.0),
        )
        .unwrap();
    let resp = client()
        .get(url(&sb, "/v1/big"))
        .bearer_auth("body")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["content-type"], "application/json");
    let cut = resp.bytes().await.expect("a complete (short) message");
    assert!(cut.len() < full.len() && !cut.is_empty());
    assert_eq!(&full[..cut.len()], &cut[..]);
    assert!(serde_json::from_slice::<Value>(&cut).is_err());

    sb.sandbox
        .set_faults(
            FaultScope::tenant("body"),
            FaultConfig::new().malformed_json(1.0),
        )
        .unwrap();
    let bad = client()
        .get(url(&sb, "/v1/big"))
        .bearer_auth("body")
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(bad.len(), full.len());
    assert!(serde_json::from_slice::<Value>(&bad).is_err());

    // A body-less response (204) passes unchanged.
    sb.sandbox.clear_all_faults();
    let id = create(&sb, "body", json!({})).await;
    sb.sandbox
        .set_faults(
            FaultScope::tenant("body"),
            FaultConfig::new().truncated_json(1.0),
        )
        .unwrap();
    let resp = client()
        .delete(url(&sb, &format!("/v1/items/{id}")))
        .bearer_auth("body")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 204);
}

#[test]
fn body_helpers_always_break_json() {
    let samples: &[&[u8]] = &[
        b"{}",
        b"[]",
        b"{\"a\":1}",
        b"{\"a:b\": \"c:d\"}",
        b"{\"esc\\\":\": 2}",
        b"[1,2,3]",
        b"\"text\"",
        b"{\"results\":[{\"id\":\"1\"}],\"paging\":null}",
    ];
    for sample in samples {
        assert!(serde_json::from_slice::<Value>(sample).is_ok());
        let t = truncate_json(sample);
        assert!(
            serde_json::from_slice::<Value>(&t).is_err(),
            "{:?}",
            String::from_utf8_lossy(&t)
        );
        let m = malform_json(sample);
        assert!(
            serde_json::from_slice::<Value>(&m).is_err(),
            "{:?}",
            String::from_utf8_lossy(&m)
        );
    }
    assert!(serde_json::from_slice::<Value>(&truncate_json(b"")).is_err());
}

/// The statuses 30 requests meet under a 50% rate-limit rule with the given seed.
async fn sequence(seed: Option<u64>, sandbox_seed: u64) -> Vec<u16> {
    let sb = crate::start_with(unicrm_sandbox::Sandbox::new(sandbox_seed)).await;
    let mut config = FaultConfig::new().rate_limit(0.3).server_error(0.2);
    if let Some(seed) = seed {
        config = config.seed(seed);
    }
    sb.sandbox
        .set_faults(FaultScope::tenant("seq"), config)
        .unwrap();
    let mut out = Vec::new();
    for _ in 0..30 {
        out.push(status_of(&sb, "seq", "/v1/items").await);
    }
    out
}

#[tokio::test]
async fn the_seed_makes_fault_sequences_repeatable() {
    let a = sequence(Some(11), 0).await;
    let b = sequence(Some(11), 99).await;
    let c = sequence(Some(12), 0).await;
    assert_eq!(a, b, "the rule seed decides");
    assert_ne!(a, c, "another seed gives another sequence");
    assert!(
        a.contains(&429) && a.contains(&500) && a.contains(&200),
        "{a:?}"
    );
    // Without a rule seed the sandbox seed decides.
    assert_eq!(sequence(None, 5).await, sequence(None, 5).await);
    assert_ne!(sequence(None, 5).await, sequence(None, 6).await);
}

#[tokio::test]
async fn most_specific_rule_wins_and_filters_apply() {
    let sb = start().await;
    sb.sandbox
        .set_faults(FaultScope::global(), FaultConfig::new().server_error(1.0))
        .unwrap();
    sb.sandbox
        .set_faults(FaultScope::tenant("calm"), FaultConfig::new())
        .unwrap();
    assert_eq!(status_of(&sb, "anyone", "/v1/items").await, 500);
    assert_eq!(status_of(&sb, "calm", "/v1/items").await, 200);
    // Control endpoints are never faulted.
    let resp = client()
        .get(format!("{}/health", sb.url()))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    sb.sandbox.clear_all_faults();

    sb.sandbox
        .set_faults(
            FaultScope::tenant("filtered"),
            FaultConfig::new()
                .rate_limit(1.0)
                .path_prefix("/v1/items")
                .methods(["post"]),
        )
        .unwrap();
    assert_eq!(status_of(&sb, "filtered", "/v1/items").await, 200);
    let resp = client()
        .post(url(&sb, "/v1/items"))
        .bearer_auth("filtered")
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 429);
    assert_eq!(status_of(&sb, "filtered", "/v1/whoami").await, 200);

    sb.sandbox
        .set_faults(
            FaultScope::tenant("twice"),
            FaultConfig::new().rate_limit(1.0).max_faults(2),
        )
        .unwrap();
    let mut statuses = Vec::new();
    for _ in 0..4 {
        statuses.push(status_of(&sb, "twice", "/v1/items").await);
    }
    assert_eq!(statuses, [429, 429, 200, 200]);
}

#[tokio::test]
async fn control_endpoints_set_show_and_clear_rules() {
    let sb = start().await;
    let faults = format!("{}/_sandbox/faults", sb.url());
    let http = client();
    let resp = http
        .post(&faults)
        .json(&json!({"tenant": "t-a", "emulator": "testemu", "rate_limit": 1.0, "retry_after_secs": 3, "seed": 1}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let resp = http
        .post(&faults)
        .json(&json!({"tenant": "t-b", "server_error": 1.0}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(status_of(&sb, "t-a", "/v1/items").await, 429);
    assert_eq!(status_of(&sb, "t-b", "/v1/items").await, 500);

    let listed: Value = http
        .get(&faults)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let rules = listed.as_array().unwrap();
    assert_eq!(rules.len(), 2);
    let a = rules.iter().find(|r| r["tenant"] == "t-a").unwrap();
    assert_eq!(a["emulator"], "testemu");
    assert_eq!(a["config"]["retry_after_secs"], 3);
    assert_eq!(a["stats"]["injected"]["rate_limit"], 1);

    for bad in [
        json!({"rate_limit": 1.5}),
        json!({"rate_limit": 0.6, "server_error": 0.6}),
        json!({"rate_limt": 0.1}),
        json!({"emulator": "nope", "rate_limit": 0.1}),
        json!({"server_error_status": 404}),
        json!({"tenant": 5}),
        json!([1]),
    ] {
        let resp = http.post(&faults).json(&bad).send().await.unwrap();
        assert_eq!(resp.status(), 400, "{bad}");
        let body: Value = resp.json().await.unwrap();
        assert_eq!(body["error"], "sandbox_control", "{bad}");
    }

    let removed: Value = http
        .delete(format!("{faults}?tenant=t-a"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(removed["removed"], 1);
    assert_eq!(status_of(&sb, "t-a", "/v1/items").await, 200);
    assert_eq!(status_of(&sb, "t-b", "/v1/items").await, 500);
    http.delete(&faults).send().await.unwrap();
    assert_eq!(status_of(&sb, "t-b", "/v1/items").await, 200);
    assert!(sb.sandbox.faults().is_empty());
}

#[tokio::test]
async fn provider_error_faults_render_when_the_emulator_models_them() {
    let sb = start().await;
    sb.sandbox
        .set_faults(FaultScope::tenant("c"), FaultConfig::new().conflict(1.0))
        .unwrap();
    assert_eq!(
        get_json(&sb, "c", "/v1/items").await,
        (409, json!({"kind": "conflict"}))
    );
    sb.sandbox
        .set_faults(
            FaultScope::tenant("v"),
            FaultConfig::new().validation_error(1.0),
        )
        .unwrap();
    assert_eq!(
        get_json(&sb, "v", "/v1/items").await,
        (400, json!({"kind": "invalid", "field": "email"}))
    );
    // The test emulator does not model a 404 fault: the request is served normally.
    sb.sandbox
        .set_faults(FaultScope::tenant("n"), FaultConfig::new().not_found(1.0))
        .unwrap();
    assert_eq!(status_of(&sb, "n", "/v1/items").await, 200);
    let resp = client()
        .post(format!("{}/_sandbox/faults", sb.url()))
        .json(&json!({"conflict": 0.5, "validation_error": 0.6}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        resp.status(),
        400,
        "probabilities above 1 in sum are refused"
    );
}

#[tokio::test]
async fn dropped_response_after_the_write_happened() {
    let sb = start().await;
    sb.sandbox
        .set_faults(
            FaultScope::tenant("lost"),
            FaultConfig::new().drop_response(1.0).methods(["POST"]),
        )
        .unwrap();
    let err = client()
        .post(url(&sb, "/v1/items"))
        .bearer_auth("lost")
        .json(&json!({"name": "written"}))
        .send()
        .await
        .expect_err("no response");
    assert!(!err.is_status(), "{err:?}");
    // The create did happen.
    let (_, list) = get_json(&sb, "lost", "/v1/items").await;
    assert_eq!(list["total"], 1);
    assert_eq!(list["results"][0]["data"]["name"], "written");
}

#[tokio::test]
async fn request_log_shows_what_reached_the_emulator() {
    let sb = start().await;
    sb.sandbox
        .set_faults(
            FaultScope::tenant("logged"),
            FaultConfig::new().rate_limit(1.0).max_faults(1),
        )
        .unwrap();
    assert_eq!(status_of(&sb, "logged", "/v1/items?limit=3").await, 429);
    assert_eq!(status_of(&sb, "logged", "/v1/items?limit=3").await, 200);
    assert_eq!(status_of(&sb, "other", "/v1/whoami").await, 200);
    let mine = sb.sandbox.requests_of("logged");
    assert_eq!(mine.len(), 2);
    assert_eq!(
        (
            mine[0].method.as_str(),
            mine[0].path.as_str(),
            mine[0].status
        ),
        ("GET", "/v1/items?limit=3", Some(429))
    );
    assert_eq!(mine[0].fault, Some(FaultKind::RateLimit));
    assert_eq!((mine[1].status, mine[1].fault), (Some(200), None));
    assert_eq!(mine[0].emulator, "testemu");

    let http = client();
    let listed: Value = http
        .get(format!("{}/_sandbox/requests?tenant=logged", sb.url()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(listed.as_array().unwrap().len(), 2);
    assert_eq!(listed[0]["fault"], "rate_limit");
    let all: Value = http
        .get(format!("{}/_sandbox/requests", sb.url()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(all.as_array().unwrap().len(), 3);

    sb.sandbox.reset_tenant("logged");
    assert!(sb.sandbox.requests_of("logged").is_empty());
    assert_eq!(sb.sandbox.requests().len(), 1);
    http.delete(format!("{}/_sandbox/requests", sb.url()))
        .send()
        .await
        .unwrap();
    assert!(sb.sandbox.requests().is_empty());
}
