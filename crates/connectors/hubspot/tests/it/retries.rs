//! Which 429s the shared retry path repeats: HubSpot's daily quota is permanent (it "resets at
//! midnight based on your time zone setting") and is answered after one request, while a
//! secondly limit is retried. A local server answers every request with HubSpot's documented
//! 429 (the fixture's status, headers and body) and counts the requests it got.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use connector_hubspot::HubSpot;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use unicrm_core::{Connector, Error, Resource, RetryPolicy};
use unicrm_testkit::snapshot::error_fixture;

/// Serves `fixture` to every request; answers the base URL and the request counter.
async fn serve(fixture: &str) -> (String, Arc<AtomicUsize>) {
    let f = error_fixture(std::path::Path::new(fixture));
    let mut head = format!("HTTP/1.1 {} Too Many Requests\r\n", f.status);
    for (name, value) in &f.headers {
        head.push_str(&format!("{name}: {}\r\n", value.to_str().unwrap()));
    }
    head.push_str(&format!(
        "content-length: {}\r\nconnection: close\r\n\r\n",
        f.body.len()
    ));
    let answer: Arc<Vec<u8>> = Arc::new([head.into_bytes(), f.body].concat());
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let count = Arc::new(AtomicUsize::new(0));
    let counter = count.clone();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let answer = answer.clone();
            let counter = counter.clone();
            tokio::spawn(async move {
                // Read the request head (a GET has no body), then answer and close.
                let mut buf = Vec::new();
                let mut chunk = [0u8; 1024];
                while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
                    match socket.read(&mut chunk).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => buf.extend_from_slice(&chunk[..n]),
                    }
                }
                counter.fetch_add(1, Ordering::SeqCst);
                let _ = socket.write_all(&answer).await;
                let _ = socket.shutdown().await;
            });
        }
    });
    (format!("http://{addr}/hubspot"), count)
}

async fn get_contact(base_url: &str) -> Error {
    let cx = unicrm_testkit::sandbox_context(base_url, "retry-token").with_retry(
        RetryPolicy::new(3, Duration::from_millis(1)).max_delay(Duration::from_secs(2)),
    );
    HubSpot::default()
        .get(&cx, Resource::Contact, "101")
        .await
        .expect_err("every answer is a 429")
}

#[tokio::test]
async fn a_daily_quota_429_is_not_retried() {
    let (base, requests) = serve("fixtures/errors/429_daily.json").await;
    let e = get_contact(&base).await;
    assert!(matches!(e, Error::RateLimited { .. }), "{e:?}");
    assert!(!e.is_temporary(), "a daily quota is permanent: {e:?}");
    assert_eq!(
        requests.load(Ordering::SeqCst),
        1,
        "sent once, never repeated"
    );
}

#[tokio::test]
async fn a_secondly_429_is_retried() {
    let (base, requests) = serve("fixtures/errors/429_secondly_search.json").await;
    let e = get_contact(&base).await;
    assert!(matches!(e, Error::RateLimited { .. }), "{e:?}");
    assert!(e.is_temporary(), "{e:?}");
    assert_eq!(
        requests.load(Ordering::SeqCst),
        3,
        "every attempt of the policy"
    );
}
