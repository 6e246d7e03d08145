//! `Idempotency-Key` on creates and updates, in both dialects.
//!
//! The first request with a key (scoped to project + linked account) inserts a `pending` row and
//! runs the provider call in a task of its own (a client that hangs up does not cancel it); its
//! answer — status and body, errors included unless 429/5xx, which leave the key free for a
//! retry — is stored and replayed to every repeat within 24 h (`Idempotent-Replayed: true`). A
//! repeat while the call runs waits for it (polling the store, so this holds across gateway
//! processes on one PostgreSQL). A repeat with a different method, path, query or body → 422.

use crate::error::{ApiError, ErrorKind};
use crate::ops::{CreateGuard, Resume};
use crate::reliability::{now_ms, IdemPrior, IdemScope, IdemState};
use crate::state::Gateway;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::future::Future;
use std::time::{Duration, Instant};
use unicrm_core::dialect::Dialect;
use unicrm_core::{Error, Recorder};

/// The request header.
pub const HEADER: &str = "idempotency-key";
/// The header marking a replayed answer.
pub const REPLAYED: &str = "idempotent-replayed";
/// Longest key accepted.
pub const MAX_KEY_LEN: usize = 255;
const POLL: Duration = Duration::from_millis(25);

/// What to do with a request.
pub enum Begin {
    /// No key (or not a create/update): run it normally.
    Unkeyed,
    /// A stored answer to send back as is.
    Replay(Response),
    /// This request owns the key: run it through [`Owned::run`].
    Owned(Owned),
}

impl Begin {
    /// The recorder and create guard of a call: a keyed call records its provider calls (to
    /// know whether a write reached the provider, and whether an answer was lost), as does one
    /// asking for `raw`; a keyed create looks for its record before any repeat is sent
    /// ([`crate::ops::create_once`]).
    pub fn recorder_and_guard(&self, raw: bool) -> (Option<Recorder>, Option<CreateGuard>) {
        let recorder = (raw || matches!(self, Begin::Owned(_))).then(Recorder::new);
        let guard = match (self, &recorder) {
            (Begin::Owned(o), Some(r)) => Some(o.create_guard(r.clone())),
            _ => None,
        };
        (recorder, guard)
    }
}

/// An owned key.
pub struct Owned {
    gw: Gateway,
    scope: IdemScope,
    owner: String,
    /// An earlier holder of the key that may have sent the call.
    prior: Option<IdemPrior>,
    /// How long after a create was sent it may still land: the longest a call takes plus 10 s,
    /// the same bound after which a dead owner's row is taken over.
    grace: Duration,
}

/// The request's idempotency key, if it has one (400 when unusable).
pub fn key_of(dialect: Dialect, headers: &HeaderMap) -> Result<Option<String>, ApiError> {
    let Some(v) = headers.get(HEADER) else {
        return Ok(None);
    };
    let k = v
        .to_str()
        .map_err(|_| ApiError::invalid(dialect, "Idempotency-Key", "must be visible ASCII"))?
        .trim();
    if k.is_empty() || k.len() > MAX_KEY_LEN {
        return Err(ApiError::invalid(
            dialect,
            "Idempotency-Key",
            format!("must be 1 to {MAX_KEY_LEN} characters"),
        ));
    }
    Ok(Some(k.to_owned()))
}

/// A hash of what makes two requests "the same": method, path, query and body.
pub fn fingerprint(method: &Method, path: &str, query: Option<&str>, body: &[u8]) -> String {
    let mut h = Sha256::new();
    for part in [
        method.as_str().as_bytes(),
        path.as_bytes(),
        query.unwrap_or("").as_bytes(),
    ] {
        h.update((part.len() as u64).to_be_bytes());
        h.update(part);
    }
    h.update(body);
    hex::encode(h.finalize())
}

fn replay(status: u16, body: &str) -> Response {
    let code = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
    let mut resp = (
        code,
        [(http::header::CONTENT_TYPE, "application/json")],
        body.to_owned(),
    )
        .into_response();
    resp.headers_mut()
        .insert(REPLAYED, HeaderValue::from_static("true"));
    resp
}

/// Looks the key up: replays a stored answer, waits for a running one, refuses a different
/// request with the same key (422), or hands the key to this request.
pub async fn begin(
    gw: &Gateway,
    dialect: Dialect,
    key: Option<String>,
    project_id: &str,
    account_id: &str,
    fingerprint: impl FnOnce() -> String,
) -> Result<Begin, ApiError> {
    let Some(key) = key else {
        return Ok(Begin::Unkeyed);
    };
    // Hashed only for a keyed request: an unkeyed one never compares it.
    let fingerprint = fingerprint();
    let scope = IdemScope {
        project_id: project_id.to_owned(),
        account_id: account_id.to_owned(),
        key,
    };
    let owner = uuid::Uuid::new_v4().simple().to_string();
    let cfg = gw.config();
    // A call can take the provider timeout per attempt plus the retries' budget.
    let longest = cfg.provider_timeout * 2 + cfg.retry.max_total;
    let stale_after = longest + Duration::from_secs(10);
    let wait_until = Instant::now() + longest + Duration::from_secs(5);
    gw.maybe_purge();
    loop {
        let state = gw
            .store()
            .idem_claim(&scope, &fingerprint, &owner, stale_after)
            .await
            .map_err(|e| gw.store_error(dialect, e))?;
        match state {
            IdemState::Owned | IdemState::Resumed(_) => {
                let prior = match state {
                    IdemState::Resumed(p) => Some(p),
                    _ => None,
                };
                return Ok(Begin::Owned(Owned {
                    gw: gw.clone(),
                    scope,
                    owner,
                    prior,
                    grace: stale_after,
                }));
            }
            IdemState::Done(status, body) => return Ok(Begin::Replay(replay(status, &body))),
            IdemState::Mismatch => {
                return Err(ApiError::status(
                    dialect,
                    422,
                    "this Idempotency-Key was already used for a different request (method, path, query or body differ); use a new key",
                ))
            }
            IdemState::Pending if Instant::now() >= wait_until => {
                return Err(ApiError::new(
                    dialect,
                    Error::Conflict {
                        message: "a request with this Idempotency-Key is still in progress; retry later with the same key".into(),
                        existing_id: None,
                        provider: None,
                    },
                ))
            }
            IdemState::Pending => tokio::time::sleep(POLL).await,
        }
    }
}

impl Owned {
    /// What a create under this key must do before sending: when an earlier request with the
    /// key may have sent it, look for it at the provider first (and re-send only when it is not
    /// there and the earlier send is older than the grace period).
    pub fn create_guard(&self, recorder: Recorder) -> CreateGuard {
        let resume = self.prior.map(|p| {
            let since = chrono::DateTime::from_timestamp_millis(p.created_ms)
                .unwrap_or_else(chrono::Utc::now);
            let elapsed = Duration::from_millis(u64::try_from(now_ms() - p.sent_ms).unwrap_or(0));
            Resume {
                since,
                may_resend: elapsed >= self.grace,
                wait: self.grace.saturating_sub(elapsed),
            }
        });
        CreateGuard { resume, recorder }
    }

    /// Runs `call` to completion (in its own task: a client hanging up does not cancel a
    /// provider call half way) and stores its answer, or frees the key when the answer is a
    /// 429/5xx (nothing to replay: the client retries with the same key).
    pub async fn run<F>(self, dialect: Dialect, recorder: Option<Recorder>, call: F) -> Response
    where
        F: Future<Output = Result<Answer, ApiError>> + Send + 'static,
    {
        let task = tokio::spawn(async move {
            let store = self.gw.store();
            let answer = match call.await {
                Ok(answer) => answer,
                Err(error) => {
                    let (mut status, mut body) = error.body();
                    let landed = recorder.as_ref().and_then(landed_write);
                    if let (None, ErrorKind::Core(Error::OutcomeUnknown { .. })) =
                        (&landed, &error.kind)
                    {
                        // Nobody knows whether the create landed: keep the key (no repeat may
                        // create anew) and let the next request with it look again. The grace
                        // clock restarts only when this request sent the create itself.
                        let sent_now = recorder.as_ref().is_some_and(|r| sent_write(r).is_some());
                        let sent_ms = match self.prior {
                            Some(p) if !sent_now => p.sent_ms,
                            _ => now_ms(),
                        };
                        if let Err(e) = store.idem_park(&self.scope, &self.owner, sent_ms).await {
                            tracing::error!(error = %e, "could not park an idempotency key");
                        }
                        return error.into_response();
                    }
                    if let (Some(write), true) = (&landed, status >= 500 || status == 429) {
                        // The provider accepted a write before the failure: repeating the call
                        // could duplicate it, so this answer is kept for the key like any other
                        // — as a 502 (a partial failure behind the gateway), never a 429
                        // inviting a retry that would only replay it.
                        status = 502;
                        if body.get("statusCode").is_some() {
                            body["statusCode"] = Value::from(status);
                        }
                        let msg = body["message"].as_str().unwrap_or_default().to_owned();
                        body["message"] = Value::String(format!(
                            "the provider accepted the write ({write}) but a later call failed, so it is not repeated for this Idempotency-Key; check the record before retrying with a new key: {msg}"
                        ));
                    } else if status >= 500 || status == 429 {
                        if let Err(e) = store.idem_release(&self.scope, &self.owner).await {
                            tracing::error!(error = %e, "could not release an idempotency key");
                        }
                        return error.into_response();
                    }
                    Answer::of_value(status, &body)
                }
            };
            let text = String::from_utf8_lossy(&answer.body);
            if let Err(e) = store
                .idem_finish(&self.scope, &self.owner, answer.status, &text)
                .await
            {
                tracing::error!(error = %e, "could not store an idempotent answer");
            }
            answer.into_response()
        });
        match task.await {
            Ok(r) => r,
            Err(e) => ApiError::new(
                dialect,
                Error::Internal(format!("the request task failed: {e}")),
            )
            .into_response(),
        }
    }
}

/// The path of `url`, and whether a call of `method` to it is a write: any call but `GET`,
/// except searches (`…/search`, `…/query`), which read.
fn write_path(method: &str, url: &str) -> Option<String> {
    let path = url::Url::parse(url)
        .map(|u| u.path().to_owned())
        .unwrap_or_else(|_| url.to_owned());
    let read = method.eq_ignore_ascii_case("GET")
        || method.eq_ignore_ascii_case("HEAD")
        || path.ends_with("/search")
        || path.ends_with("/query");
    (!read).then_some(path)
}

/// The first provider write (method and path) that answered 2xx, if any.
pub fn landed_write(recorder: &Recorder) -> Option<String> {
    recorder.calls().into_iter().find_map(|c| {
        let path = write_path(&c.method, &c.url)?;
        (200..300)
            .contains(&c.status)
            .then(|| format!("{} {path}", c.method))
    })
}

/// The first provider write whose outcome is unknown, if any: sent without an answer coming
/// back (timeout, connection lost after sending), or answered 502/504 — a proxy's answer, the
/// provider behind it may have handled the request.
pub fn unknown_write(recorder: &Recorder) -> Option<String> {
    let unanswered = recorder
        .unanswered()
        .into_iter()
        .find_map(|(m, u)| write_path(&m, &u).map(|p| format!("{m} {p} got no answer")));
    unanswered.or_else(|| {
        recorder.calls().into_iter().find_map(|c| {
            let path = write_path(&c.method, &c.url)?;
            matches!(c.status, 502 | 504)
                .then(|| format!("{} {path} was answered {}", c.method, c.status))
        })
    })
}

/// The first provider write this request sent, answered or not.
fn sent_write(recorder: &Recorder) -> Option<String> {
    recorder
        .unanswered()
        .into_iter()
        .chain(recorder.calls().into_iter().map(|c| (c.method, c.url)))
        .find_map(|(m, u)| write_path(&m, &u))
}

/// A successful call's answer, rendered: its status and its JSON text.
#[derive(Debug, Clone)]
pub struct Answer {
    /// The HTTP status.
    pub status: u16,
    /// The JSON text of the body.
    pub body: bytes::Bytes,
}

impl Answer {
    /// An answer of already serialized JSON text.
    pub fn new(status: u16, json: Vec<u8>) -> Self {
        Answer {
            status,
            body: json.into(),
        }
    }

    /// An answer of a `Value`.
    pub fn of_value(status: u16, body: &Value) -> Self {
        Answer::new(status, body.to_string().into_bytes())
    }

    /// The HTTP response.
    pub fn into_response(self) -> Response {
        let code = StatusCode::from_u16(self.status).unwrap_or(StatusCode::OK);
        (
            code,
            [(
                http::header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            )],
            self.body,
        )
            .into_response()
    }
}
