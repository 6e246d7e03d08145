//! The router without a network: body limits without Content-Length, auth before anything.

use axum::body::Body;
use http::Request;
use tower::ServiceExt;
use unicrm_server::{router, Config, Gateway, MasterKey, Store};

async fn app() -> (axum::Router, String) {
    let store = Store::connect("sqlite::memory:", MasterKey::generate())
        .await
        .unwrap();
    let p = store.create_project("t").await.unwrap();
    (router(Gateway::new(store, Config::default())), p.test_key)
}

async fn body_json(resp: axum::response::Response) -> serde_json::Value {
    let bytes = axum::body::to_bytes(resp.into_body(), 1 << 20)
        .await
        .unwrap();
    serde_json::from_slice(&bytes).unwrap()
}

#[tokio::test]
async fn streamed_body_over_the_limit_is_413_without_content_length() {
    let (app, key) = app().await;
    let big = vec![b' '; 2 * 1024 * 1024];
    // The provider is checked before the body is read: an unknown one is a 400 naming it.
    let req = Request::post("/api/v1/contact?provider=nope&endUserId=u")
        .header("authorization", format!("Bearer {key}"))
        .body(Body::from(big.clone()))
        .unwrap();
    let resp = app.clone().oneshot(req).await.unwrap();
    assert_eq!(resp.status(), 400);
    assert_eq!(body_json(resp).await["error"]["field"], "provider");
    let Some(provider) = unicrm_registry::ids().first().copied() else {
        return; // built without connectors
    };
    let req = Request::post(format!("/api/v1/contact?provider={provider}&endUserId=u"))
        .header("authorization", format!("Bearer {key}"))
        .body(Body::from(big))
        .unwrap();
    assert!(req.headers().get("content-length").is_none());
    let resp = app.clone().oneshot(req).await.unwrap();
    assert_eq!(resp.status(), 413);
    let b = body_json(resp).await;
    assert_eq!(b["statusCode"], 413);
    assert_eq!(b["success"], false);
}

#[tokio::test]
async fn account_body_over_the_limit_is_413() {
    let (app, key) = app().await;
    let big = vec![b' '; 2 * 1024 * 1024];
    let req = Request::post("/api/v1/accounts")
        .header("authorization", format!("Bearer {key}"))
        .body(Body::from(big))
        .unwrap();
    let resp = app.oneshot(req).await.unwrap();
    assert_eq!(resp.status(), 413);
    let b = body_json(resp).await;
    assert_eq!(b["statusCode"], 413);
    assert_eq!(b["error"]["type"], "payload_too_large");
}

#[tokio::test]
async fn unauthenticated_requests_never_reach_a_handler() {
    let (app, _) = app().await;
    for (method, path) in [
        ("GET", "/api/v1/contact?provider=x&endUserId=u"),
        ("POST", "/api/v1/accounts"),
        ("GET", "/unified/crm/contacts"),
        ("GET", "/unified/crm/lists"),
        ("GET", "/unified/crm/custom_field_definitions/contacts"),
    ] {
        let req = Request::builder()
            .method(method)
            .uri(path)
            .body(Body::empty())
            .unwrap();
        let resp = app.clone().oneshot(req).await.unwrap();
        assert_eq!(resp.status(), 401, "{method} {path}");
    }
}
