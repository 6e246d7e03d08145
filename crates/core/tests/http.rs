//! The shared HTTP path: retries (what, when, how often), Retry-After, rate limiting, recording
//! without secrets — against a real local server.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post};
use axum::Router;
use serde_json::json;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use unicrm_core::http::ProviderRequest;
use unicrm_core::{Context, Credentials, Recorder, RetryPolicy};

#[derive(Clone, Default)]
struct Hits(Arc<AtomicU32>);

async fn flaky(State(h): State<Hits>) -> (StatusCode, HeaderMap, String) {
    let n = h.0.fetch_add(1, Ordering::SeqCst);
    let mut headers = HeaderMap::new();
    if n < 2 {
        headers.insert("retry-after", "0.05".parse().unwrap());
        (
            StatusCode::TOO_MANY_REQUESTS,
            headers,
            "{\"message\":\"slow down\"}".into(),
        )
    } else {
        (
            StatusCode::OK,
            headers,
            "{\"ok\":true,\"token\":\"secret-token-123\"}".into(),
        )
    }
}

async fn always_503(State(h): State<Hits>) -> StatusCode {
    h.0.fetch_add(1, Ordering::SeqCst);
    StatusCode::SERVICE_UNAVAILABLE
}

async fn serve(hits: Hits) -> String {
    let app = Router::new()
        .route("/flaky", get(flaky))
        .route("/down", get(always_503).post(always_503))
        .route("/create", post(always_503))
        .with_state(hits);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{addr}")
}

fn cx(base: &str) -> Context {
    Context::new(base, Credentials::bearer("secret-token-123"))
        .with_retry(RetryPolicy::new(4, Duration::from_millis(10)))
}

#[tokio::test]
async fn reads_are_retried_honouring_retry_after() {
    let hits = Hits::default();
    let base = serve(hits.clone()).await;
    let rec = Recorder::new();
    let cx = cx(&base).with_recorder(rec.clone());
    let t = Instant::now();
    let resp = cx
        .send(ProviderRequest::get("test", cx.url("/flaky")))
        .await
        .unwrap();
    assert_eq!(resp.status, 200);
    assert_eq!(hits.0.load(Ordering::SeqCst), 3);
    assert!(
        t.elapsed() >= Duration::from_millis(100),
        "waited Retry-After twice"
    );
    let calls = rec.calls();
    assert_eq!(calls.len(), 3, "every attempt is recorded");
    assert_eq!(
        calls[2].response,
        json!({"ok": true, "token": "[redacted]"})
    );
}

async fn long_wait(State(h): State<Hits>) -> (StatusCode, HeaderMap, String) {
    h.0.fetch_add(1, Ordering::SeqCst);
    let mut headers = HeaderMap::new();
    headers.insert("retry-after", "3600".parse().unwrap());
    (StatusCode::TOO_MANY_REQUESTS, headers, "{}".into())
}

#[tokio::test]
async fn a_retry_after_longer_than_we_would_wait_is_answered_at_once() {
    let hits = Hits::default();
    let app = Router::new()
        .route("/wait", get(long_wait))
        .with_state(hits.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let t = Instant::now();
    let resp = cx(&format!("http://{addr}"))
        .send(ProviderRequest::get("test", format!("http://{addr}/wait")))
        .await
        .unwrap();
    assert_eq!(resp.status, 429);
    assert_eq!(hits.0.load(Ordering::SeqCst), 1, "not retried early");
    assert!(t.elapsed() < Duration::from_secs(2));
}

#[tokio::test]
async fn retries_are_bounded() {
    let hits = Hits::default();
    let base = serve(hits.clone()).await;
    let resp = cx(&base)
        .send(ProviderRequest::get("test", format!("{base}/down")))
        .await
        .unwrap();
    assert_eq!(resp.status, 503);
    assert_eq!(hits.0.load(Ordering::SeqCst), 4);
}

#[tokio::test]
async fn creates_are_not_retried_once_sent() {
    let hits = Hits::default();
    let base = serve(hits.clone()).await;
    let resp = cx(&base)
        .send(ProviderRequest::post(
            "test",
            format!("{base}/create"),
            json!({"a": 1}),
        ))
        .await
        .unwrap();
    assert_eq!(resp.status, 503);
    assert_eq!(
        hits.0.load(Ordering::SeqCst),
        1,
        "a POST that reached the provider is not repeated"
    );
}

#[tokio::test]
async fn connection_refused_is_retried_then_a_transport_error() {
    // A port nothing listens on.
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = l.local_addr().unwrap();
    drop(l);
    let cx = cx(&format!("http://{addr}"));
    let t = Instant::now();
    let err = cx
        .send(ProviderRequest::post("test", cx.url("/x"), json!({})))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), "transport");
    assert!(
        t.elapsed() >= Duration::from_millis(15),
        "backed off between attempts"
    );
    assert!(!err.to_string().contains("secret-token-123"));
}

#[tokio::test]
async fn rate_limiter_spaces_calls() {
    let hits = Hits::default();
    let base = serve(hits.clone()).await;
    let cx = Context::new(&base, Credentials::bearer("t0ken-abc"))
        .with_retry(RetryPolicy::none())
        .with_limiter(unicrm_core::RateLimiter::new(5, Duration::from_millis(500)));
    let t = Instant::now();
    for _ in 0..10 {
        cx.send(ProviderRequest::get("test", cx.url("/down")))
            .await
            .unwrap();
    }
    // 5 at once, the other 5 at 10/s ⇒ at least ~0.5 s.
    assert!(
        t.elapsed() >= Duration::from_millis(450),
        "{:?}",
        t.elapsed()
    );
    assert_eq!(hits.0.load(Ordering::SeqCst), 10);
}

/// A provider that echoes the credentials it got in its error answer.
async fn echo_auth(headers: HeaderMap) -> (StatusCode, String) {
    let got = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    (
        StatusCode::UNAUTHORIZED,
        json!({"message": format!("token rejected: {got}")}).to_string(),
    )
}

#[tokio::test]
async fn an_error_answer_that_echoes_the_token_reaches_no_caller_with_it() {
    let app = Router::new().route("/echo", get(echo_auth));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let base = format!("http://{addr}");
    let c = cx(&base);
    let resp = c
        .send(ProviderRequest::get("test", c.url("/echo")))
        .await
        .unwrap();
    assert_eq!(resp.status, 401);
    let body = String::from_utf8(resp.body.to_vec()).unwrap();
    assert!(!body.contains("secret-token-123"), "{body}");
    assert!(body.contains("token rejected: Bearer [redacted]"), "{body}");
}

/// What a sandbox account's context may reach: only its own emulator's paths.
#[tokio::test]
async fn a_sandbox_context_calls_nothing_outside_its_base() {
    let hits = Hits::default();
    let base = serve(hits.clone()).await;
    let c = Context::new(format!("{base}/emulator"), Credentials::bearer("t-1234"))
        .sandboxed(true)
        .with_retry(RetryPolicy::new(1, Duration::from_millis(1)));
    for url in [
        format!("{base}/flaky"),
        format!("{base}/_sandbox/faults"),
        format!("{base}/emulator/../flaky"),
        "http://169.254.169.254/emulator/latest".to_owned(),
    ] {
        let e = c
            .send(ProviderRequest::get("test", url.clone()))
            .await
            .expect_err(&url);
        assert!(matches!(e.http_status(), 400 | 403), "{url}: {e}");
    }
    assert_eq!(hits.0.load(Ordering::SeqCst), 0, "nothing was sent");
}
