//! The users of every sandbox account and `/crm/v8/users/{id}`.

use super::*;

/// The users of every sandbox account: (id, first name, last name, e-mail).
pub(super) const USERS: &[(&str, &str, &str, &str)] = &[
    (
        "5725767000000411001",
        "Patricia",
        "Boyle",
        "patricia.boyle@zylker.example",
    ),
    (
        "5725767000000411002",
        "Ravi",
        "Kumar",
        "ravi.kumar@zylker.example",
    ),
];

pub(super) fn user_json(id: &str) -> Option<Value> {
    USERS
        .iter()
        .find(|u| u.0 == id)
        .map(|(id, first, last, email)| {
            json!({
                "id": id,
                "first_name": first,
                "last_name": last,
                "full_name": format!("{first} {last}"),
                "email": email,
                "status": "active",
                "confirm": true,
                "role": {"name": "CEO", "id": "5725767000000000861"},
                "profile": {"name": "Administrator", "id": "5725767000000000497"},
                "type__s": "Regular User"
            })
        })
}

pub(super) fn owner_json(id: &str) -> Value {
    match USERS.iter().find(|u| u.0 == id) {
        Some((id, first, last, email)) => {
            json!({"name": format!("{first} {last}"), "id": id, "email": email})
        }
        None => json!({"id": id}),
    }
}

pub(super) async fn get_user(ZohoToken(_token): ZohoToken, Path(id): Path<String>) -> Response {
    match user_json(&id) {
        Some(user) => Json(json!({ "users": [user] })).into_response(),
        None => StatusCode::NO_CONTENT.into_response(),
    }
}
