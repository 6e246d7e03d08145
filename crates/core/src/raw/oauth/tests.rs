//! The grant against a local token endpoint (an axum server on loopback, reached as a sandbox
//! account's emulator), the "due" policy and where live accounts' token endpoints are.

use super::*;
use crate::connector::ConnectorInfo;
use crate::model::Record;
use crate::Recorder;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use serde_json::json;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

/// What the token endpoint received: its `Authorization` header and form.
type Seen = Arc<Mutex<Vec<(Option<String>, BTreeMap<String, String>)>>>;

/// A token endpoint at `/acme/oauth/token` (an emulator's prefix, then the path) answering `answer(form)`; what it saw lands in the
/// answered `Seen`.
async fn endpoint(answer: fn(&BTreeMap<String, String>) -> (StatusCode, Value)) -> (String, Seen) {
    let seen: Seen = Arc::default();
    let log = seen.clone();
    let app = Router::new().route(
        "/acme/oauth/token",
        post(move |headers: HeaderMap, body: axum::body::Bytes| {
            let log = log.clone();
            async move {
                let form: BTreeMap<String, String> =
                    url::form_urlencoded::parse(&body).into_owned().collect();
                let auth = headers
                    .get("authorization")
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_owned);
                let typed = headers
                    .get("content-type")
                    .and_then(|v| v.to_str().ok())
                    .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
                log.lock().unwrap().push((auth, form.clone()));
                if !typed {
                    return (StatusCode::UNSUPPORTED_MEDIA_TYPE, "form expected").into_response();
                }
                let (status, body) = answer(&form);
                (status, Json(body)).into_response() as Response
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("http://{addr}/acme"), seen)
}

fn rotating(form: &BTreeMap<String, String>) -> (StatusCode, Value) {
    match form.get("refresh_token").map(String::as_str) {
        Some("refresh-1") => (
            StatusCode::OK,
            json!({
                "access_token": "access-2",
                "refresh_token": "refresh-2",
                "expires_in": 3600,
                "token_type": "Bearer",
                "api_domain": "https://api.acme.example",
            }),
        ),
        _ => (
            StatusCode::BAD_REQUEST,
            json!({"error": "invalid_grant", "error_description": "expired refresh-1 or revoked"}),
        ),
    }
}

fn not_rotating(_: &BTreeMap<String, String>) -> (StatusCode, Value) {
    (
        StatusCode::OK,
        json!({"access_token": "access-3", "expires_in": "1800"}),
    )
}

fn error_in_200(_: &BTreeMap<String, String>) -> (StatusCode, Value) {
    (StatusCode::OK, json!({"error": "invalid_code"}))
}

fn unavailable(_: &BTreeMap<String, String>) -> (StatusCode, Value) {
    (
        StatusCode::SERVICE_UNAVAILABLE,
        json!({"message": "try later"}),
    )
}

const ENDPOINTS: OAuthEndpoints = OAuthEndpoints::new(
    "https://auth.acme.example/authorize",
    TokenUrl::Absolute {
        url: "https://auth.acme.example/oauth/token",
        setting: Some("token_url"),
    },
    ClientAuth::Body,
)
.with_scopes(&["contacts.read", "contacts.write"]);

static BODY: ConnectorInfo =
    ConnectorInfo::new("acme", "Acme", &[], &[], "https://api.acme.example")
        .with_api_domains(&["acme.example"])
        .with_oauth(ENDPOINTS);

static BASIC: ConnectorInfo =
    ConnectorInfo::new("acme", "Acme", &[], &[], "https://api.acme.example")
        .with_api_domains(&["acme.example"])
        .with_oauth(OAuthEndpoints::new(
            "https://auth.acme.example/authorize",
            TokenUrl::OnBaseHost("/oauth/token"),
            ClientAuth::Basic,
        ));

static NONE: ConnectorInfo = ConnectorInfo::new("acme", "Acme", &[], &[], "https://acme.example");

/// A connector of `info` whose only own part is the extras hook (`api_domain` → `instance_url`).
struct Acme(&'static ConnectorInfo);

#[async_trait::async_trait]
impl Connector for Acme {
    fn info(&self) -> &'static ConnectorInfo {
        self.0
    }
    fn oauth_token_host(&self, cx: &Context) -> Result<String> {
        Ok(cx
            .setting("region")
            .map_or("https://auth.acme.example".to_owned(), |r| {
                format!("https://auth.{r}.acme.example")
            }))
    }
    fn oauth_token_extras(
        &self,
        _cx: &Context,
        extras: &Map<String, Value>,
        fresh: &mut Credentials,
    ) -> Result<()> {
        if let Some(d) = extras.get("api_domain").and_then(Value::as_str) {
            fresh.instance_url = Some(d.to_owned());
        }
        Ok(())
    }
    fn to_provider(&self, _: &Record) -> Result<Value> {
        Ok(Value::Null)
    }
    fn from_provider(&self, _: crate::Resource, _: &Value) -> Result<Record> {
        Err(Error::Internal("unused".into()))
    }
}

fn credentials(refresh: &str) -> Credentials {
    Credentials::from_pairs([
        ("access_token", "access-1"),
        ("refresh_token", refresh),
        ("client_id", "client-id"),
        ("client_secret", "client-secret-1"),
        ("expires_at", "2000-01-01T00:00:00Z"),
    ])
    .unwrap()
}

fn sandbox_cx(base: &str, refresh: &str) -> Context {
    Context::new(base, credentials(refresh))
        .sandboxed(true)
        .with_retry(crate::RetryPolicy::none())
}

fn secret(s: &Option<SecretString>) -> Option<&str> {
    s.as_ref().map(|s| s.expose_secret())
}

#[tokio::test]
async fn body_auth_sends_the_client_in_the_form_and_keeps_a_rotated_refresh_token() {
    let (base, seen) = endpoint(rotating).await;
    let recorder = Recorder::new();
    let cx = sandbox_cx(&base, "refresh-1").with_recorder(recorder.clone());
    let before = Utc::now();
    let fresh = Acme(&BODY).refresh_credentials(&cx).await.expect("refresh");
    assert_eq!(secret(&fresh.access_token), Some("access-2"));
    assert_eq!(secret(&fresh.refresh_token), Some("refresh-2"));
    let expires = fresh.expires_at.expect("expires_in → expires_at");
    assert!(expires >= before + chrono::Duration::seconds(3600));
    assert!(expires <= Utc::now() + chrono::Duration::seconds(3600));
    // What the provider did not send is kept; the hook read the extra.
    assert_eq!(fresh.client_id.as_deref(), Some("client-id"));
    assert_eq!(secret(&fresh.client_secret), Some("client-secret-1"));
    assert_eq!(
        fresh.instance_url.as_deref(),
        Some("https://api.acme.example")
    );

    let seen = seen.lock().unwrap().clone();
    let (auth, form) = &seen[0];
    assert_eq!(auth, &None, "Body auth sends no Authorization header");
    assert_eq!(form["grant_type"], "refresh_token");
    assert_eq!(form["refresh_token"], "refresh-1");
    assert_eq!(form["client_id"], "client-id");
    assert_eq!(form["client_secret"], "client-secret-1");

    // Recorded, without any secret — the new tokens of the answer included.
    let calls = recorder.calls();
    assert_eq!(calls.len(), 1);
    assert!(
        calls[0].url.ends_with("/acme/oauth/token"),
        "{}",
        calls[0].url
    );
    let text = serde_json::to_string(&(&calls[0].body, &calls[0].response)).unwrap();
    for s in ["refresh-1", "client-secret-1", "access-2", "refresh-2"] {
        assert!(!text.contains(s), "{s} recorded: {text}");
    }
}

#[tokio::test]
async fn basic_auth_sends_the_client_in_the_header_and_a_missing_rotation_keeps_the_old_token() {
    let (base, seen) = endpoint(not_rotating).await;
    let cx = sandbox_cx(&base, "refresh-1");
    let fresh = Acme(&BASIC)
        .refresh_credentials(&cx)
        .await
        .expect("refresh");
    assert_eq!(secret(&fresh.access_token), Some("access-3"));
    assert_eq!(
        secret(&fresh.refresh_token),
        Some("refresh-1"),
        "no refresh_token in the answer: the old one stays"
    );
    assert!(fresh.expires_at.is_some_and(|t| t > Utc::now()));
    assert_eq!(fresh.instance_url, None);

    let seen = seen.lock().unwrap().clone();
    let (auth, form) = &seen[0];
    use base64::Engine as _;
    let expected = base64::engine::general_purpose::STANDARD.encode("client-id:client-secret-1");
    assert_eq!(auth.as_deref(), Some(format!("Basic {expected}").as_str()));
    assert!(!form.contains_key("client_secret") && !form.contains_key("client_id"));
    assert_eq!(form["refresh_token"], "refresh-1");
}

#[tokio::test]
async fn a_refused_refresh_token_is_unauthorized_without_secrets() {
    let (base, _) = endpoint(rotating).await;
    let cx = sandbox_cx(&base, "revoked-1");
    let err = Acme(&BODY).refresh_credentials(&cx).await.unwrap_err();
    let Error::Unauthorized { message, provider } = &err else {
        panic!("expected Unauthorized, got {err:?}");
    };
    assert!(message.contains("re-link"), "{message}");
    let details = provider.as_deref().expect("the provider's answer");
    assert_eq!(details.code.as_deref(), Some("invalid_grant"));
    assert_eq!(details.status, 400);
    let shown = format!("{err} {err:?}");
    for s in ["revoked-1", "client-secret-1", "access-1"] {
        assert!(!shown.contains(s), "{s} in {shown}");
    }

    // An error inside a 2xx answer (Zoho's way) is a refusal too.
    let (base, _) = endpoint(error_in_200).await;
    let err = Acme(&BODY)
        .refresh_credentials(&sandbox_cx(&base, "refresh-1"))
        .await
        .unwrap_err();
    match err {
        Error::Unauthorized { provider, .. } => {
            assert_eq!(provider.unwrap().code.as_deref(), Some("invalid_code"))
        }
        other => panic!("expected Unauthorized, got {other:?}"),
    }
}

#[tokio::test]
async fn a_5xx_is_a_temporary_provider_error() {
    let (base, _) = endpoint(unavailable).await;
    let err = Acme(&BODY)
        .refresh_credentials(&sandbox_cx(&base, "refresh-1"))
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::Provider(ref d) if d.status == 503),
        "{err:?}"
    );
    assert!(err.is_temporary());
}

#[tokio::test]
async fn nothing_to_refresh_with_is_unauthorized_before_any_call() {
    // No endpoints declared, no refresh token, no client id: nothing is sent anywhere.
    let dead = "http://127.0.0.1:9/acme";
    let err = Acme(&NONE)
        .refresh_credentials(&sandbox_cx(dead, "refresh-1"))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Unauthorized { .. }), "{err:?}");
    let mut cx = sandbox_cx(dead, "refresh-1");
    cx.credentials.client_id = None;
    let err = Acme(&BODY).refresh_credentials(&cx).await.unwrap_err();
    assert!(matches!(err, Error::Unauthorized { .. }), "{err:?}");
    cx.credentials = Credentials::bearer("t");
    let err = Acme(&BODY).refresh_credentials(&cx).await.unwrap_err();
    assert!(matches!(err, Error::Unauthorized { .. }), "{err:?}");
}

#[tokio::test]
async fn refresh_if_due_refreshes_only_when_due() {
    let (base, seen) = endpoint(rotating).await;
    let connector: Arc<dyn Connector> = Arc::new(Acme(&BODY));
    let mut cx = sandbox_cx(&base, "refresh-1");
    cx.credentials.expires_at = Some(Utc::now() + chrono::Duration::hours(1));
    assert!(connector.refresh_if_due(&cx).await.unwrap().is_none());
    assert!(seen.lock().unwrap().is_empty());
    cx.credentials.expires_at = Some(Utc::now() + chrono::Duration::seconds(10));
    let fresh = connector.refresh_if_due(&cx).await.unwrap().expect("due");
    assert_eq!(secret(&fresh.refresh_token), Some("refresh-2"));
}

#[test]
fn due_means_a_refresh_token_and_expiry_within_the_margin() {
    let now = Utc::now();
    let mut c = credentials("r");
    let at = |s: i64| Some(now + chrono::Duration::seconds(s));
    c.expires_at = at(61);
    assert!(!is_due(&c, now));
    c.expires_at = at(60);
    assert!(is_due(&c, now), "exactly the margin is due");
    c.expires_at = at(-5);
    assert!(is_due(&c, now));
    c.expires_at = None;
    assert!(!is_due(&c, now), "an unknown expiry is not due");
    c.access_token = None;
    assert!(is_due(&c, now), "no token to send at all");
    c.refresh_token = None;
    c.expires_at = at(-5);
    assert!(!is_due(&c, now), "nothing to refresh with");
    assert_eq!(REFRESH_MARGIN.as_secs(), 60);
}

#[test]
fn live_token_endpoints_stay_on_the_declared_domains() {
    let live = |base: &str| Context::new(base, credentials("r"));
    // Absolute, and its setting.
    let cx = live("https://api.acme.example");
    assert_eq!(
        token_url(&Acme(&BODY), &cx, &ENDPOINTS).unwrap(),
        "https://auth.acme.example/oauth/token"
    );
    let cx = live("https://api.acme.example")
        .with_setting("token_url", "https://eu.auth.acme.example/t");
    assert_eq!(
        token_url(&Acme(&BODY), &cx, &ENDPOINTS).unwrap(),
        "https://eu.auth.acme.example/t"
    );
    for bad in [
        "https://evil.example/t",
        "http://auth.acme.example/t",
        "https://u:p@auth.acme.example/t",
    ] {
        let cx = live("https://api.acme.example").with_setting("token_url", bad);
        let err = token_url(&Acme(&BODY), &cx, &ENDPOINTS).unwrap_err();
        assert!(err.to_string().starts_with("settings.token_url:"), "{err}");
    }
    // On the base URL's host (its path dropped).
    let on_base = BASIC.oauth.unwrap();
    let cx = live("https://api.acme.example/api/v1");
    assert_eq!(
        token_url(&Acme(&BASIC), &cx, &on_base).unwrap(),
        "https://api.acme.example/oauth/token"
    );
    assert!(token_url(
        &Acme(&BASIC),
        &live("https://acme.example.evil.example"),
        &on_base
    )
    .is_err());
    // On a setting's host, else the default.
    let on_setting = OAuthEndpoints::new(
        "https://login.acme.example/authorize",
        TokenUrl::OnSettingHost {
            setting: "login_url",
            default: "https://login.acme.example",
            path: "/services/token",
        },
        ClientAuth::Body,
    );
    assert_eq!(
        token_url(&Acme(&BODY), &live("https://x.acme.example"), &on_setting).unwrap(),
        "https://login.acme.example/services/token"
    );
    let cx = live("https://x.acme.example").with_setting("login_url", "https://my.acme.example/");
    assert_eq!(
        token_url(&Acme(&BODY), &cx, &on_setting).unwrap(),
        "https://my.acme.example/services/token"
    );
    for bad in ["https://login.evil.example", "https://my.acme.example/path"] {
        let cx = live("https://x.acme.example").with_setting("login_url", bad);
        let err = token_url(&Acme(&BODY), &cx, &on_setting).unwrap_err();
        assert!(err.to_string().starts_with("settings.login_url:"), "{err}");
    }
    // On the connector's host.
    let on_connector = OAuthEndpoints::new(
        "https://auth.acme.example/authorize",
        TokenUrl::OnConnectorHost("/oauth/v2/token"),
        ClientAuth::Body,
    );
    let cx = live("https://x.acme.example").with_setting("region", "eu");
    assert_eq!(
        token_url(&Acme(&BODY), &cx, &on_connector).unwrap(),
        "https://auth.eu.acme.example/oauth/v2/token"
    );
    let cx = live("https://x.acme.example").with_setting("region", "evil.example#");
    assert!(token_url(&Acme(&BODY), &cx, &on_connector).is_err());
    // A sandbox account's: its emulator, whatever the settings say.
    let cx = live("http://127.0.0.1:4010/acme")
        .sandboxed(true)
        .with_setting("token_url", "https://evil.example/t");
    assert_eq!(
        token_url(&Acme(&BODY), &cx, &ENDPOINTS).unwrap(),
        "http://127.0.0.1:4010/acme/oauth/token"
    );
}

#[test]
fn declarations_render() {
    assert_eq!(ENDPOINTS.token_url.path(), "/oauth/token");
    assert_eq!(
        ENDPOINTS.scope().as_deref(),
        Some("contacts.read contacts.write")
    );
    let comma = ENDPOINTS.with_scope_separator(",");
    assert_eq!(
        comma.scope().as_deref(),
        Some("contacts.read,contacts.write")
    );
    assert_eq!(BASIC.oauth.unwrap().scope(), None);
    let v = serde_json::to_value(BODY).unwrap();
    assert_eq!(v["oauth"]["client_auth"], "body");
    assert_eq!(
        v["oauth"]["token_url"]["absolute"]["url"],
        "https://auth.acme.example/oauth/token"
    );
}
