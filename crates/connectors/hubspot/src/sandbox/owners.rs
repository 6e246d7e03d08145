//! `/crm/v3/owners`: the seeded owners.

use super::*;

/// The owners every sandbox account has (the first is HubSpot's documented example owner).
pub(super) const OWNERS: &[(&str, &str, &str, &str, i64)] = &[
    ("6166860", "jsmith@example.com", "John", "Smith", 1296619),
    ("6166861", "mjones@example.com", "Maria", "Jones", 1296620),
    ("6166862", "akim@example.com", "Alex", "Kim", 1296621),
];

pub(super) fn owner_json(o: &(&str, &str, &str, &str, i64)) -> Value {
    json!({
        "id": o.0,
        "email": o.1,
        "type": "PERSON",
        "firstName": o.2,
        "lastName": o.3,
        "userId": o.4,
        "userIdIncludingInactive": o.4,
        "createdAt": "2019-10-30T03:30:17.883Z",
        "updatedAt": "2019-12-07T16:50:06.678Z",
        "archived": false,
        "teams": [{"id": "178588", "name": "West Coast Sales", "primary": true}],
    })
}

pub(super) async fn list_owners(
    State(_sb): State<Sandbox>,
    TenantToken(_token): TenantToken,
) -> Response {
    Json(json!({"results": OWNERS.iter().map(owner_json).collect::<Vec<_>>()})).into_response()
}

pub(super) async fn get_owner(
    State(sb): State<Sandbox>,
    TenantToken(_token): TenantToken,
    Path(id): Path<String>,
) -> Response {
    match OWNERS.iter().find(|o| o.0 == id) {
        Some(o) => Json(owner_json(o)).into_response(),
        None => not_found(&sb),
    }
}
