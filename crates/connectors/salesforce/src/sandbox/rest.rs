//! The REST handlers: sObject create/read/update/delete, describe, query and query locators, and
//! the `Sforce-Limit-Info` header.

use super::*;

/// Adds `Sforce-Limit-Info: api-usage=n/100000` to every authenticated REST answer, counting
/// the account's calls.
pub(super) async fn limit_info(State(sb): State<Sandbox>, req: Request, next: Next) -> Response {
    let token = auth::credential(req.headers(), req.uri()).map(|c| c.token().to_owned());
    let mut response = next.run(req).await;
    if let Some(token) = token.filter(|t| !auth::is_reserved_rejected(t)) {
        let store = sb.tenant(&token);
        let used = match store.update("_settings", "api_usage", |v| {
            *v = json!(v.as_u64().unwrap_or(0) + 1);
        }) {
            Ok(record) => record.data.as_u64().unwrap_or(1),
            Err(_) => {
                let _ = store.insert("_settings", "api_usage", json!(1));
                1
            }
        };
        if let Ok(value) = HeaderValue::from_str(&format!("api-usage={used}/{API_LIMIT}")) {
            response.headers_mut().insert("Sforce-Limit-Info", value);
        }
    }
    response
}

/// Checks the `vNN.N` path segment and the object name.
pub(super) fn resolve(version: &str, object: Option<&str>) -> Result<Option<SObjectType>, Failure> {
    let ok = version
        .strip_prefix('v')
        .and_then(|v| v.split_once('.'))
        .is_some_and(|(major, minor)| {
            !major.is_empty() && major.bytes().all(|b| b.is_ascii_digit()) && minor == "0"
        });
    if !ok {
        return Err(not_found_failure());
    }
    match object {
        None => Ok(None),
        Some(name) => SObjectType::from_api_name(name)
            .map(Some)
            .ok_or_else(not_found_failure),
    }
}

pub(super) fn parse_body(body: &Bytes) -> Result<Value, Failure> {
    serde_json::from_slice(body).map_err(|e| {
        Failure::new(
            400,
            "JSON_PARSER_ERROR",
            format!("Unexpected character in the request body: {e}"),
            &[],
        )
    })
}

pub(super) async fn create(
    State(sb): State<Sandbox>,
    TenantToken(token): TenantToken,
    Path((version, object)): Path<(String, String)>,
    body: Bytes,
) -> Response {
    let object = match resolve(&version, Some(&object)) {
        Ok(Some(object)) if object != SObjectType::User => object,
        Ok(_) => return not_found_response(),
        Err(f) => return failure(f),
    };
    let body = match parse_body(&body) {
        Ok(body) => body,
        Err(f) => return failure(f),
    };
    let mut org = Org::open(&sb, &token, &version);
    match org.create(object, &body) {
        Ok(saved) => json_response(StatusCode::CREATED, &saved),
        Err(f) => failure(f),
    }
}

pub(super) async fn read(
    State(sb): State<Sandbox>,
    TenantToken(token): TenantToken,
    _: Checked<RecordId>,
    Path((version, object, id)): Path<(String, String, String)>,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    let object = match resolve(&version, Some(&object)) {
        Ok(Some(object)) => object,
        Ok(None) => return not_found_response(),
        Err(f) => return failure(f),
    };
    let org = Org::open(&sb, &token, &version);
    match org.get(object, &id, params.get("fields").map(String::as_str)) {
        Ok(record) => json_response(StatusCode::OK, &record),
        Err(f) => failure(f),
    }
}

pub(super) async fn update(
    State(sb): State<Sandbox>,
    TenantToken(token): TenantToken,
    _: Checked<RecordId>,
    Path((version, object, id)): Path<(String, String, String)>,
    body: Bytes,
) -> Response {
    let object = match resolve(&version, Some(&object)) {
        Ok(Some(object)) if object != SObjectType::User => object,
        Ok(_) => return not_found_response(),
        Err(f) => return failure(f),
    };
    let body = match parse_body(&body) {
        Ok(body) => body,
        Err(f) => return failure(f),
    };
    let mut org = Org::open(&sb, &token, &version);
    match org.update(object, &id, &body) {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(f) => failure(f),
    }
}

pub(super) async fn remove(
    State(sb): State<Sandbox>,
    TenantToken(token): TenantToken,
    _: Checked<RecordId>,
    Path((version, object, id)): Path<(String, String, String)>,
) -> Response {
    let object = match resolve(&version, Some(&object)) {
        Ok(Some(object)) if object != SObjectType::User => object,
        Ok(_) => return not_found_response(),
        Err(f) => return failure(f),
    };
    let mut org = Org::open(&sb, &token, &version);
    match org.delete(object, &id) {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(f) => failure(f),
    }
}

pub(super) async fn describe(
    State(sb): State<Sandbox>,
    TenantToken(token): TenantToken,
    Path((version, object)): Path<(String, String)>,
) -> Response {
    let object = match resolve(&version, Some(&object)) {
        Ok(Some(object)) => object,
        Ok(None) => return not_found_response(),
        Err(f) => return failure(f),
    };
    let org = Org::open(&sb, &token, &version);
    json_response(StatusCode::OK, &org.describe(object))
}

pub(super) async fn run_query(
    State(sb): State<Sandbox>,
    TenantToken(token): TenantToken,
    Path(version): Path<String>,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    if let Err(f) = resolve(&version, None) {
        return failure(f);
    }
    let Some(soql) = params.get("q") else {
        return error_array(
            StatusCode::BAD_REQUEST,
            "MALFORMED_QUERY",
            "A query string has to be specified",
        );
    };
    let mut org = Org::open(&sb, &token, &version);
    match org.query(soql) {
        Ok(result) => json_response(StatusCode::OK, &result),
        Err(f) => failure(f),
    }
}

pub(super) async fn query_more(
    State(sb): State<Sandbox>,
    TenantToken(token): TenantToken,
    Path((version, locator)): Path<(String, String)>,
) -> Response {
    if let Err(f) = resolve(&version, None) {
        return failure(f);
    }
    let mut org = Org::open(&sb, &token, &version);
    match org.query_more(&locator) {
        Ok(result) => json_response(StatusCode::OK, &result),
        Err(f) => failure(f),
    }
}
