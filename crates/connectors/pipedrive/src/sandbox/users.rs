//! `/v1/users/{id}`: the account's users.

use super::*;

/// The sandbox account's users.
pub(super) fn user(id: i64) -> Option<Value> {
    let (name, email) = match id {
        1 => ("Sandbox Admin", "admin@sandbox.pipedrive.example"),
        2 => ("Jane Doe", "jane@sandbox.pipedrive.example"),
        3 => ("Will Smith", "will@sandbox.pipedrive.example"),
        _ => return None,
    };
    Some(json!({
        "id": id,
        "name": name,
        "email": email,
        "default_currency": "USD",
        "locale": "en_US",
        "lang": 1,
        "active_flag": true,
        "is_admin": u8::from(id == 1),
        "timezone_name": "Europe/Tallinn",
    }))
}

pub(super) async fn get_user(
    _: Checked<NumericId>,
    _token: TenantToken,
    Path(id): Path<String>,
) -> Response {
    match id.parse::<i64>().ok().and_then(user) {
        Some(u) => ok(StatusCode::OK, u),
        None => not_found("User"),
    }
}
