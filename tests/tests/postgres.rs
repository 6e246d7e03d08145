//! Two gateways (two store pools, as two processes would have) on one PostgreSQL, one sandbox:
//! keys, accounts and sandbox auto-links are shared through the store. Runs when
//! `UNICRM_TEST_POSTGRES_URL` (or a `postgres://` `DATABASE_URL`) is set.

mod common;

use common::{basic, json};
use serde_json::json;
use std::time::Duration;
use unicrm_server::{Config, Gateway, MasterKey};

fn postgres_url() -> Option<String> {
    std::env::var("UNICRM_TEST_POSTGRES_URL")
        .ok()
        .or_else(|| std::env::var("DATABASE_URL").ok())
        .filter(|u| u.starts_with("postgres"))
}

async fn gateway(url: &str, key: &str, sandbox: &str, ttl: Duration) -> String {
    let (store, _) = unicrm_server::open_store(url, Some(key)).await.unwrap();
    let gw = Gateway::new(store, Config::default().sandbox_url(sandbox).cache_ttl(ttl));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        axum::serve(listener, unicrm_server::router(gw))
            .await
            .unwrap();
    });
    addr
}

#[tokio::test]
async fn two_gateways_share_one_postgres_store() {
    let Some(url) = postgres_url() else {
        eprintln!("skipped: set UNICRM_TEST_POSTGRES_URL to run the PostgreSQL end-to-end test");
        return;
    };
    let url = common::postgres_database(&url).await;
    let sandbox = unicrm_sandbox::spawn("127.0.0.1:0").await.unwrap();
    let key = MasterKey::generate().to_base64();
    let a = gateway(&url, &key, &sandbox.url(), Duration::from_secs(30)).await;
    let b = gateway(&url, &key, &sandbox.url(), Duration::ZERO).await;
    let (store, _) = unicrm_server::open_store(&url, Some(&key)).await.unwrap();
    let project = store.create_project("pg-e2e").await.unwrap();
    let http = reqwest::Client::new();
    let bearer = format!("Bearer {}", project.test_key);

    // Linked through A, used through B.
    let (s, body, _) = json(
        http.post(format!("{a}/api/v1/accounts"))
            .header("authorization", &bearer)
            .json(&json!({"provider": "testcrm", "endUserId": "pg-user"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, 201, "{body}");
    let acc = body["data"]["data"]["id"].as_str().unwrap().to_owned();
    let (s, created, _) = json(
        http.post(format!("{a}/unified/crm/contacts"))
            .header("authorization", basic(&project.test_key))
            .header("x-account-id", &acc)
            .json(&json!({"first_name": "Shared"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, 200, "{created}");
    let id = created["data"]["id"].as_str().unwrap();
    let (s, got, _) = json(
        http.get(format!("{b}/unified/crm/contacts/{id}"))
            .header("authorization", basic(&project.test_key))
            .header("x-account-id", &acc)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, 200, "{got}");
    assert_eq!(got["data"]["first_name"], "Shared");

    // First requests for a new end user on both gateways at once: one sandbox account.
    let path = "/api/v1/contact?provider=testcrm&endUserId=pg-race";
    let (ra, rb) = tokio::join!(
        http.get(format!("{a}{path}"))
            .header("authorization", &bearer)
            .send(),
        http.get(format!("{b}{path}"))
            .header("authorization", &bearer)
            .send(),
    );
    assert_eq!(ra.unwrap().status().as_u16(), 200);
    assert_eq!(rb.unwrap().status().as_u16(), 200);
    let linked: Vec<_> = store
        .accounts(Some(&project.project.id))
        .await
        .unwrap()
        .into_iter()
        .filter(|x| x.end_user_id == "pg-race")
        .collect();
    assert_eq!(linked.len(), 1);

    // Unlinked through A: B (no cache) refuses it at once.
    let (s, _, _) = json(
        http.delete(format!("{a}/api/v1/accounts/{acc}"))
            .header("authorization", &bearer)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, 200);
    let (s, _, _) = json(
        http.get(format!("{b}/unified/crm/contacts/{id}"))
            .header("authorization", basic(&project.test_key))
            .header("x-account-id", &acc)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, 404);
}
