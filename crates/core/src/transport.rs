//! The HTTP client provider calls go through: hyper's pooled client over rustls.
//!
//! * TLS: rustls with the Mozilla root certificates (`webpki-roots`), HTTP/1.1 and HTTP/2 chosen
//!   by ALPN.
//! * Proxies: an `https` provider is reached through the proxy that `HTTPS_PROXY` or `ALL_PROXY`
//!   names (an `http://` proxy, credentials in its URL allowed), by `CONNECT`, unless `NO_PROXY`
//!   lists the host. Plain `http` URLs (sandboxes, local test servers) are always called
//!   directly.
//! * Connections are kept for 60 s of idleness and reused.
//!
//! It does no redirects (an API answer of 3xx is the provider's answer) and no retries of its
//! own: [`Context::send`](crate::context::Context) decides those.
//!
//! Why not `reqwest`: it parsed every call's URL three times (ours, its redirect policy, its
//! response) and cloned each request for retries it never makes over HTTP/1.1; on the gateway's
//! create path, sending a call took 19 % of the gateway's CPU with it and 9 % with this client
//! (`docs/performance.md`).

use bytes::Bytes;
use http::header::{HeaderValue, USER_AGENT};
use http::Uri;
use http_body_util::{BodyExt, Full};
use hyper_rustls::{HttpsConnector, HttpsConnectorBuilder};
use hyper_util::client::legacy::connect::proxy::Tunnel;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::client::proxy::matcher::Matcher;
use hyper_util::rt::{TokioExecutor, TokioIo};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context as TaskContext, Poll};
use std::time::Duration;
use tokio::net::TcpStream;

/// A pooled HTTP client for provider calls. Cloning one is cheap and shares its connections.
#[derive(Clone)]
pub struct HttpClient {
    client: Client<HttpsConnector<Connect>, Full<Bytes>>,
    user_agent: HeaderValue,
}

impl std::fmt::Debug for HttpClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpClient").finish_non_exhaustive()
    }
}

impl Default for HttpClient {
    fn default() -> Self {
        HttpClient::new()
    }
}

/// Why a request got no answer.
#[derive(Debug)]
pub enum SendError {
    /// No connection could be made: the request was not sent.
    Connect(String),
    /// The request may have been sent (the connection broke, the answer was malformed …).
    Other(String),
}

impl HttpClient {
    /// A client with the proxy settings of the environment (`HTTPS_PROXY`, `ALL_PROXY`,
    /// `NO_PROXY`).
    pub fn new() -> Self {
        HttpClient::with_matcher(Some(Arc::new(Matcher::from_env())))
    }

    /// A client that calls every host directly, whatever the environment says.
    pub fn direct() -> Self {
        HttpClient::with_matcher(None)
    }

    fn with_matcher(matcher: Option<Arc<Matcher>>) -> Self {
        let mut http = HttpConnector::new();
        http.enforce_http(false);
        http.set_nodelay(true);
        http.set_connect_timeout(Some(Duration::from_secs(10)));
        let connect = Connect { http, matcher };
        let https = HttpsConnectorBuilder::new()
            .with_webpki_roots()
            .https_or_http()
            .enable_http1()
            .enable_http2()
            .wrap_connector(connect);
        let client = Client::builder(TokioExecutor::new())
            .pool_idle_timeout(Duration::from_secs(60))
            .build(https);
        HttpClient {
            client,
            user_agent: HeaderValue::from_static(concat!("unicrm/", env!("CARGO_PKG_VERSION"))),
        }
    }

    /// Sends `req` (adding `User-Agent` when it has none) and reads the whole answer.
    pub async fn send(
        &self,
        mut req: http::Request<Full<Bytes>>,
    ) -> Result<http::Response<Bytes>, SendError> {
        req.headers_mut()
            .entry(USER_AGENT)
            .or_insert_with(|| self.user_agent.clone());
        let response = self.client.request(req).await.map_err(|e| {
            let message = error_chain(&e);
            if e.is_connect() {
                SendError::Connect(message)
            } else {
                SendError::Other(message)
            }
        })?;
        let (parts, body) = response.into_parts();
        let body = body
            .collect()
            .await
            .map_err(|e| SendError::Other(error_chain(&e)))?
            .to_bytes();
        Ok(http::Response::from_parts(parts, body))
    }
}

/// An error's message followed by those of its sources.
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut message = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let text = s.to_string();
        if !message.ends_with(&text) {
            message.push_str(": ");
            message.push_str(&text);
        }
        source = s.source();
    }
    message
}

/// TCP connections: direct, or through the environment's proxy by `CONNECT` for `https`.
#[derive(Clone)]
pub struct Connect {
    http: HttpConnector,
    matcher: Option<Arc<Matcher>>,
}

type BoxError = Box<dyn std::error::Error + Send + Sync>;

impl tower_service::Service<Uri> for Connect {
    type Response = TokioIo<TcpStream>;
    type Error = BoxError;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, BoxError>> + Send>>;

    fn poll_ready(&mut self, _cx: &mut TaskContext<'_>) -> Poll<Result<(), BoxError>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, dst: Uri) -> Self::Future {
        let mut http = self.http.clone();
        let intercept = match &self.matcher {
            Some(m) if dst.scheme() == Some(&http::uri::Scheme::HTTPS) => m.intercept(&dst),
            _ => None,
        };
        Box::pin(async move {
            match intercept {
                Some(proxy) => {
                    let mut tunnel = Tunnel::new(proxy.uri().clone(), http);
                    if let Some(auth) = proxy.basic_auth() {
                        tunnel = tunnel.with_auth(auth.clone());
                    }
                    tower_service::Service::call(&mut tunnel, dst)
                        .await
                        .map_err(|e| Box::new(e) as BoxError)
                }
                None => tower_service::Service::call(&mut http, dst)
                    .await
                    .map_err(|e| Box::new(e) as BoxError),
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::TcpListener;

    /// A listener that answers each connection's first request with `answer` and hands over what
    /// it read.
    async fn one_shot(answer: &'static str) -> (String, tokio::sync::mpsc::Receiver<String>) {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (tx, rx) = tokio::sync::mpsc::channel(4);
        tokio::spawn(async move {
            while let Ok((mut s, _)) = listener.accept().await {
                let mut buf = vec![0u8; 4096];
                let n = s.read(&mut buf).await.unwrap_or(0);
                let _ = tx
                    .send(String::from_utf8_lossy(&buf[..n]).into_owned())
                    .await;
                let _ = s.write_all(answer.as_bytes()).await;
                let _ = s.shutdown().await;
            }
        });
        (format!("http://{addr}"), rx)
    }

    fn get(uri: &str) -> http::Request<Full<Bytes>> {
        http::Request::get(uri)
            .body(Full::new(Bytes::new()))
            .unwrap()
    }

    #[tokio::test]
    async fn https_goes_through_the_proxy_by_connect_and_http_goes_direct() {
        let (proxy, mut seen_by_proxy) =
            one_shot("HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n").await;
        let (server, mut seen_by_server) =
            one_shot("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok").await;
        let matcher = Matcher::builder()
            .all(proxy.clone())
            .no("skipped.example")
            .build();
        let client = HttpClient::with_matcher(Some(Arc::new(matcher)));

        // https: a CONNECT to the proxy; it refuses the tunnel, so the call fails unsent.
        let err = client
            .send(get("https://api.example-crm.com/crm/v3/objects/contacts"))
            .await
            .unwrap_err();
        assert!(matches!(err, SendError::Connect(_)), "{err:?}");
        let connect = seen_by_proxy.recv().await.unwrap();
        assert!(
            connect.starts_with("CONNECT api.example-crm.com:443 HTTP/1.1\r\n"),
            "{connect}"
        );

        // http (a sandbox): straight to the server, with the user agent; the proxy sees nothing.
        let resp = client.send(get(&format!("{server}/health"))).await.unwrap();
        assert_eq!(resp.status(), 200);
        assert_eq!(resp.body().as_ref(), b"ok");
        let request = seen_by_server.recv().await.unwrap();
        assert!(request.starts_with("GET /health HTTP/1.1\r\n"), "{request}");
        assert!(
            request.contains(concat!("user-agent: unicrm/", env!("CARGO_PKG_VERSION"))),
            "{request}"
        );
        assert!(seen_by_proxy.try_recv().is_err());
    }

    #[tokio::test]
    async fn a_refused_connection_is_a_connect_error() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        drop(listener);
        let err = HttpClient::direct()
            .send(get(&format!("http://{addr}/x")))
            .await
            .unwrap_err();
        let SendError::Connect(message) = err else {
            panic!("expected a connect error, got {err:?}");
        };
        assert!(message.to_lowercase().contains("connect"), "{message}");
    }

    #[test]
    fn the_default_client_builds_with_its_tls_roots() {
        let _ = HttpClient::new();
    }

    #[test]
    fn error_chain_names_every_cause_once() {
        #[derive(Debug)]
        struct Outer(std::io::Error);
        impl std::fmt::Display for Outer {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("client error (Connect)")
            }
        }
        impl std::error::Error for Outer {
            fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
                Some(&self.0)
            }
        }
        let e = Outer(std::io::Error::new(
            std::io::ErrorKind::ConnectionRefused,
            "connection refused",
        ));
        assert_eq!(
            error_chain(&e),
            "client error (Connect): connection refused"
        );
    }
}
