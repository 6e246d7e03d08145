//! The shared OAuth token route: client authentication, grant checks, refusals and the answer.

use axum::response::{IntoResponse, Response};
use axum::Json;
use http::{header, HeaderMap, HeaderValue, StatusCode, Uri};
use serde_json::{json, Map, Value};
use unicrm_sandbox::oauth::{ClientAuth, Grant, TokenEndpoint, TokenProblem};
use unicrm_sandbox::Sandbox;

fn refuse(_sb: &Sandbox, problem: TokenProblem) -> Response {
    let detail = match problem {
        TokenProblem::InvalidClient { missing } => missing,
        _ => "",
    };
    (
        StatusCode::BAD_REQUEST,
        Json(json!({"error": problem.rfc6749_code(), "detail": detail})),
    )
        .into_response()
}

fn extras(grant: &Grant<'_>) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("instance_url".into(), json!(grant.base_url));
    m
}

static BODY: TokenEndpoint = TokenEndpoint::new(refuse)
    .form_required()
    .refuse_revoked()
    .expires_in(60)
    .scope("all")
    .extras(extras);
static BASIC: TokenEndpoint = TokenEndpoint::new(refuse)
    .client_auth(ClientAuth::Basic)
    .without_refresh_token();
static QUERY: TokenEndpoint = TokenEndpoint::new(refuse)
    .client_auth(ClientAuth::Body { secret: false })
    .query_params();

async fn call(
    ep: &TokenEndpoint,
    sb: &Sandbox,
    headers: HeaderMap,
    uri: &str,
    body: &str,
) -> (u16, Value) {
    let uri: Uri = uri.parse().unwrap();
    let response = ep.answer(sb, &headers, &uri, "http://h/acme", body.as_bytes());
    let status = response.status().as_u16();
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap();
    (status, serde_json::from_slice(&bytes).unwrap())
}

fn form() -> HeaderMap {
    let mut h = HeaderMap::new();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/x-www-form-urlencoded"),
    );
    h
}

#[tokio::test]
async fn body_client_auth_refresh_answers_the_same_account_with_extras() {
    let sb = Sandbox::new(0);
    let ok = "grant_type=refresh_token&refresh_token=acct-1&client_id=a&client_secret=b";
    let (status, body) = call(&BODY, &sb, form(), "/t", ok).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body,
        json!({"access_token": "acct-1", "refresh_token": "acct-1", "token_type": "Bearer",
               "expires_in": 60, "scope": "all", "instance_url": "http://h/acme"})
    );
    // Not a form body.
    let (_, body) = call(&BODY, &sb, HeaderMap::new(), "/t", ok).await;
    assert_eq!(body["error"], "invalid_request");
    // Grant type missing / other.
    let (_, body) = call(
        &BODY,
        &sb,
        form(),
        "/t",
        "refresh_token=x&client_id=a&client_secret=b",
    )
    .await;
    assert_eq!(body["error"], "invalid_request");
    let (_, body) = call(
        &BODY,
        &sb,
        form(),
        "/t",
        "grant_type=password&client_id=a&client_secret=b",
    )
    .await;
    assert_eq!(body["error"], "unsupported_grant_type");
    // Client credentials missing: named.
    let (_, body) = call(
        &BODY,
        &sb,
        form(),
        "/t",
        "grant_type=refresh_token&refresh_token=x&client_id=a",
    )
    .await;
    assert_eq!(
        body,
        json!({"error": "invalid_client", "detail": "client_secret"})
    );
    // Refused refresh tokens: missing, reserved prefixes, revoked (this endpoint refuses those).
    for refresh in ["", "invalid-1", "Expired-2", "revoked"] {
        let req =
            format!("grant_type=refresh_token&refresh_token={refresh}&client_id=a&client_secret=b");
        let (_, body) = call(&BODY, &sb, form(), "/t", &req).await;
        assert_eq!(body["error"], "invalid_grant", "{refresh}");
    }
    sb.revoke_token("acct-1");
    let (_, body) = call(&BODY, &sb, form(), "/t", ok).await;
    assert_eq!(body["error"], "invalid_grant");
}

#[tokio::test]
async fn basic_client_auth_is_checked_first_and_query_params_win() {
    let sb = Sandbox::new(0);
    let (_, body) = call(&BASIC, &sb, HeaderMap::new(), "/t", "grant_type=password").await;
    assert_eq!(
        body,
        json!({"error": "invalid_client", "detail": "authorization"})
    );
    let mut basic = HeaderMap::new();
    basic.insert(
        header::AUTHORIZATION,
        HeaderValue::from_static("Basic YTpi"),
    );
    let (status, body) = call(
        &BASIC,
        &sb,
        basic.clone(),
        "/t",
        "grant_type=refresh_token&refresh_token=r",
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(body, json!({"access_token": "r", "token_type": "Bearer"}));
    // Revoked tokens are only refused when the endpoint asks for it.
    sb.revoke_token("r");
    let (status, _) = call(
        &BASIC,
        &sb,
        basic,
        "/t",
        "grant_type=refresh_token&refresh_token=r",
    )
    .await;
    assert_eq!(status, 200);

    // Query parameters (a query value wins over the body); the secret is optional here.
    let (status, body) = call(
        &QUERY,
        &sb,
        HeaderMap::new(),
        "/t?grant_type=refresh_token&refresh_token=q&client_id=c",
        "refresh_token=body",
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["access_token"], "q");
    let (_, body) = call(
        &QUERY,
        &sb,
        HeaderMap::new(),
        "/t?grant_type=refresh_token&refresh_token=q",
        "",
    )
    .await;
    assert_eq!(
        body,
        json!({"error": "invalid_client", "detail": "client_id"})
    );
}
