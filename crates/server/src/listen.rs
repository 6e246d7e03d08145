//! The gateway's HTTP/1.1 listener: [`serve`] accepts connections under total and per-IP caps
//! and serves each with hyper under header-read, body-read and idle timeouts
//! ([`ListenerLimits`], part of [`crate::Config`]).
//!
//! * **Header read**: a connection must deliver a complete request head within
//!   `header_read_timeout` of being accepted, and — on a kept-alive connection — of the first
//!   byte of each further request. Past it the connection is closed (nothing has been handed to
//!   a handler yet). hyper's own `header_read_timeout` (whose clock starts when hyper begins
//!   waiting for a head, idle time included) is set to idle + header timeout as a backstop.
//! * **Body read**: a request body must arrive whole within `body_read_timeout` of the head;
//!   a handler reading it then answers 408 in the dialect's envelope.
//! * **Idle**: a kept-alive connection with no request in flight and no bytes moving either
//!   way for `idle_timeout` is closed (a client that stops reading a response counts as idle).
//! * **Connections**: at most `max_connections` in all and `max_connections_per_ip` from one
//!   IP address. A connection over either cap is answered `503` with `Connection: close` at
//!   once (by a small, bounded set of rejecting tasks) and closed; accepting never stops, so
//!   established connections — `/health` on them included — keep being served.

use axum::body::Body;
use axum::Router;
use bytes::Bytes;
use hyper::body::{Frame, Incoming};
use hyper_util::rt::{TokioIo, TokioTimer};
use std::collections::HashMap;
use std::future::Future;
use std::net::IpAddr;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt as _, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, OwnedSemaphorePermit, Semaphore};
use tokio::time::Instant;

/// Timeouts and connection caps of [`serve`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ListenerLimits {
    /// Time to send a complete request head (default 10 s).
    pub header_read_timeout: Duration,
    /// Time to send a complete request body, counted from the end of its head (default 30 s).
    pub body_read_timeout: Duration,
    /// Time a kept-alive connection may sit with no request and no traffic (default 60 s).
    pub idle_timeout: Duration,
    /// Open connections in all (default 512; keep it below the process's open-file limit).
    pub max_connections: usize,
    /// Open connections from one IP address (default 64).
    pub max_connections_per_ip: usize,
}

impl Default for ListenerLimits {
    fn default() -> Self {
        ListenerLimits {
            header_read_timeout: Duration::from_secs(10),
            body_read_timeout: Duration::from_secs(30),
            idle_timeout: Duration::from_secs(60),
            max_connections: 512,
            max_connections_per_ip: 64,
        }
    }
}

/// Connections being answered 503 at once, at most: past it an over-cap connection is closed
/// without an answer.
const MAX_REJECTING: usize = 64;
/// How long a rejected connection is given to take its 503.
const REJECT_LINGER: Duration = Duration::from_millis(500);

/// Serves `app` on `listener` under `limits` until `shutdown` completes, then lets the open
/// connections finish their requests (at most 10 s).
pub async fn serve<F>(
    listener: TcpListener,
    app: Router,
    limits: ListenerLimits,
    shutdown: F,
) -> std::io::Result<()>
where
    F: Future<Output = ()> + Send,
{
    let limits = Arc::new(limits);
    let total = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let rejecting = Arc::new(Semaphore::new(MAX_REJECTING));
    let per_ip: Arc<Mutex<HashMap<IpAddr, usize>>> = Arc::default();
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let (tcp, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    // Out of file descriptors and the like: wait a little, keep serving the
                    // established connections.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let _ = tcp.set_nodelay(true);
        let ip = peer.ip();
        let ip_slot = IpSlot::take(&per_ip, ip, limits.max_connections_per_ip);
        let permit = total.clone().try_acquire_owned().ok();
        let (ip_slot, permit) = match (ip_slot, permit) {
            (Some(s), Some(p)) => (s, p),
            (slot, permit) => {
                let why = if permit.is_none() {
                    "the gateway has as many connections open as it accepts (max_connections)"
                } else {
                    "too many connections from this address (max_connections_per_ip)"
                };
                drop((slot, permit));
                tracing::debug!(%peer, why, "connection over the cap answered 503");
                if let Ok(r) = rejecting.clone().try_acquire_owned() {
                    tokio::spawn(reject(tcp, why, r));
                }
                continue;
            }
        };
        let (conn, watch) = connection(tcp, app.clone(), limits.clone());
        let conn = graceful.watch(conn);
        tokio::spawn(async move {
            tokio::select! {
                r = conn => if let Err(e) = r {
                    tracing::debug!(%peer, error = %e, "connection ended with an error");
                },
                // No request is in flight: dropping the connection closes it.
                why = watch.expired() => {
                    tracing::debug!(%peer, ?why, "closed a connection past its timeout");
                }
            }
            drop((ip_slot, permit));
        });
    }
    drop(listener);
    tokio::select! {
        () = graceful.shutdown() => {}
        () = tokio::time::sleep(Duration::from_secs(10)) => {
            tracing::warn!("connections still open 10 s after shutdown began; closing them");
        }
    }
    Ok(())
}

/// One connection's place in the per-IP count, given back when dropped.
struct IpSlot {
    map: Arc<Mutex<HashMap<IpAddr, usize>>>,
    ip: IpAddr,
}

impl IpSlot {
    fn take(map: &Arc<Mutex<HashMap<IpAddr, usize>>>, ip: IpAddr, max: usize) -> Option<Self> {
        let mut m = map.lock().ok()?;
        let n = m.entry(ip).or_insert(0);
        if *n >= max.max(1) {
            return None;
        }
        *n += 1;
        Some(IpSlot {
            map: map.clone(),
            ip,
        })
    }
}

impl Drop for IpSlot {
    fn drop(&mut self) {
        if let Ok(mut m) = self.map.lock() {
            if let Some(n) = m.get_mut(&self.ip) {
                *n -= 1;
                if *n == 0 {
                    m.remove(&self.ip);
                }
            }
        }
    }
}

/// Answers an over-cap connection `503` and closes it, within [`REJECT_LINGER`].
async fn reject(mut tcp: TcpStream, why: &'static str, _slot: OwnedSemaphorePermit) {
    let body = serde_json::json!({
        "success": false,
        "statusCode": 503,
        "message": format!("service unavailable: {why}; retry later"),
        "data": null,
    })
    .to_string();
    let answer = format!(
        "HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\nretry-after: 1\r\nconnection: close\r\ncontent-length: {}\r\n\r\n{body}",
        body.len()
    );
    let _ = tokio::time::timeout(REJECT_LINGER, async {
        if tcp.write_all(answer.as_bytes()).await.is_ok() && tcp.shutdown().await.is_ok() {
            // Read what the client sent until it closes, so closing does not reset the
            // connection before the client has read the answer.
            let mut sink = [0u8; 1024];
            while let Ok(n) = tokio::io::AsyncReadExt::read(&mut tcp, &mut sink).await {
                if n == 0 {
                    break;
                }
            }
        }
    })
    .await;
}

/// What a connection is doing, for its watchdog.
#[derive(Debug)]
struct Phase {
    /// Requests being handled.
    busy: usize,
    /// No request in flight since (accept, the end of a response, or the last byte moved).
    since: Instant,
    /// The first byte of the next request head, once read.
    head_started: Option<Instant>,
    /// Whether a request was served on this connection already.
    served: bool,
}

#[derive(Debug)]
struct Watch {
    phase: Mutex<Phase>,
    changed: Notify,
    limits: Arc<ListenerLimits>,
}

/// Why a connection was closed by its watchdog.
#[derive(Debug, Clone, Copy)]
enum Expired {
    Header,
    Idle,
}

impl Watch {
    fn new(limits: Arc<ListenerLimits>) -> Self {
        Watch {
            phase: Mutex::new(Phase {
                busy: 0,
                since: Instant::now(),
                head_started: None,
                served: false,
            }),
            changed: Notify::new(),
            limits,
        }
    }

    fn with<R>(&self, f: impl FnOnce(&mut Phase) -> R) -> Option<R> {
        self.phase.lock().ok().map(|mut p| f(&mut p))
    }

    /// Bytes were read from the client.
    fn read(&self) {
        self.with(|p| {
            if p.busy == 0 && p.head_started.is_none() && p.served {
                p.head_started = Some(Instant::now());
                self.changed.notify_one();
            }
        });
    }

    /// Bytes were written to the client (a response still going out is not idle).
    fn wrote(&self) {
        self.with(|p| {
            if p.busy == 0 && p.head_started.is_none() {
                p.since = Instant::now();
            }
        });
    }

    fn begin_request(self: &Arc<Self>) -> RequestGuard {
        self.with(|p| {
            p.busy += 1;
            p.head_started = None;
        });
        self.changed.notify_one();
        RequestGuard(self.clone())
    }

    /// When the connection expires, and why; `None` while a request is in flight.
    fn deadline(&self) -> Option<(Instant, Expired)> {
        self.with(|p| {
            if p.busy > 0 {
                return None;
            }
            let l = &self.limits;
            Some(match (p.served, p.head_started) {
                (false, _) => (p.since + l.header_read_timeout, Expired::Header),
                (true, Some(t)) => (t + l.header_read_timeout, Expired::Header),
                (true, None) => (p.since + l.idle_timeout, Expired::Idle),
            })
        })
        .flatten()
    }

    /// Completes when the connection has expired.
    async fn expired(&self) -> Expired {
        loop {
            let changed = self.changed.notified();
            match self.deadline() {
                None => changed.await,
                Some((at, why)) if at <= Instant::now() => return why,
                Some((at, _)) => {
                    tokio::select! {
                        () = tokio::time::sleep_until(at) => {}
                        () = changed => {}
                    }
                }
            }
        }
    }
}

/// A request in flight; its end starts the idle clock.
struct RequestGuard(Arc<Watch>);

impl Drop for RequestGuard {
    fn drop(&mut self) {
        self.0.with(|p| {
            p.busy = p.busy.saturating_sub(1);
            p.served = true;
            p.since = Instant::now();
            p.head_started = None;
        });
        self.0.changed.notify_one();
    }
}

/// The TCP stream, telling the watchdog about traffic.
struct WatchedIo {
    tcp: TcpStream,
    watch: Arc<Watch>,
}

impl AsyncRead for WatchedIo {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        let this = &mut *self;
        let r = Pin::new(&mut this.tcp).poll_read(cx, buf);
        if matches!(r, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            this.watch.read();
        }
        r
    }
}

impl AsyncWrite for WatchedIo {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        let this = &mut *self;
        let r = Pin::new(&mut this.tcp).poll_write(cx, buf);
        if matches!(r, Poll::Ready(Ok(n)) if n > 0) {
            this.watch.wrote();
        }
        r
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        let this = &mut *self;
        let r = Pin::new(&mut this.tcp).poll_write_vectored(cx, bufs);
        if matches!(r, Poll::Ready(Ok(n)) if n > 0) {
            this.watch.wrote();
        }
        r
    }

    fn is_write_vectored(&self) -> bool {
        self.tcp.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.tcp).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.tcp).poll_shutdown(cx)
    }
}

/// hyper's connection over `tcp`, and its watchdog.
fn connection(
    tcp: TcpStream,
    app: Router,
    limits: Arc<ListenerLimits>,
) -> (
    impl hyper_util::server::graceful::GracefulConnection<Output = hyper::Result<()>>,
    Arc<Watch>,
) {
    let watch = Arc::new(Watch::new(limits.clone()));
    let io = TokioIo::new(WatchedIo {
        tcp,
        watch: watch.clone(),
    });
    let body_timeout = limits.body_read_timeout;
    let w = watch.clone();
    let service = hyper::service::service_fn(move |req: hyper::Request<Incoming>| {
        let guard = w.begin_request();
        let deadline = Instant::now() + body_timeout;
        let req = req.map(|b| Body::new(DeadlineBody::new(b, deadline, body_timeout)));
        let app = app.clone();
        async move {
            let resp = tower::ServiceExt::oneshot(app, req).await;
            drop(guard);
            resp
        }
    });
    let conn = hyper::server::conn::http1::Builder::new()
        .timer(TokioTimer::new())
        .keep_alive(true)
        .header_read_timeout(limits.header_read_timeout + limits.idle_timeout)
        .serve_connection(io, service);
    (conn, watch)
}

/// The request body was not received within the body-read timeout.
#[derive(Debug, thiserror::Error)]
#[error("the request body was not received within {0:?} (body_read_timeout)")]
pub struct BodyTimeout(pub Duration);

/// A request body that fails with [`BodyTimeout`] once its deadline has passed.
struct DeadlineBody {
    body: Incoming,
    sleep: Pin<Box<tokio::time::Sleep>>,
    timeout: Duration,
}

impl DeadlineBody {
    fn new(body: Incoming, deadline: Instant, timeout: Duration) -> Self {
        DeadlineBody {
            body,
            sleep: Box::pin(tokio::time::sleep_until(deadline)),
            timeout,
        }
    }
}

impl hyper::body::Body for DeadlineBody {
    type Data = Bytes;
    type Error = Box<dyn std::error::Error + Send + Sync>;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        let this = &mut *self;
        if let Poll::Ready(frame) = Pin::new(&mut this.body).poll_frame(cx) {
            return Poll::Ready(frame.map(|r| r.map_err(Into::into)));
        }
        if this.sleep.as_mut().poll(cx).is_ready() {
            return Poll::Ready(Some(Err(Box::new(BodyTimeout(this.timeout)))));
        }
        Poll::Pending
    }

    fn is_end_stream(&self) -> bool {
        hyper::body::Body::is_end_stream(&self.body)
    }

    fn size_hint(&self) -> hyper::body::SizeHint {
        hyper::body::Body::size_hint(&self.body)
    }
}
