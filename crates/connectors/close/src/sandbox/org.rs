//! The organisation every sandbox account belongs to: users, pipeline, statuses and custom fields
//! (`/me/`, `/user/{id}/`, `/status/…/`, `/custom_field/{family}/`).

use super::*;

/// The organisation every sandbox account belongs to.
pub const ORGANIZATION_ID: &str = "orga_RbREgmiiwcr1w2b4cOnCMQaQPSIFxMqAD2Dh243uxcH";
/// The user every sandbox API key belongs to (owner of what it creates).
pub const USER_ID: &str = "user_N6KhMpzHRCYQHdn4gRNIFNN5JExnsrprKA6ekxM63XA";
/// A second user, to own seeded records.
pub const OTHER_USER_ID: &str = "user_scOgjLAQD6aBSJYBVhIeNr6FJDp8iDTug8Mv6VqYoFn";
/// Largest `_limit` the emulator accepts.
pub const MAX_LIMIT: usize = 200;

pub(super) const USERS: &[(&str, &str, &str, &str)] = &[
    (USER_ID, "John", "Doe", "john.doe@close.example"),
    (OTHER_USER_ID, "Jane", "User", "jane.user@close.example"),
];

/// Close's default lead statuses (id, label).
pub const LEAD_STATUSES: &[(&str, &str)] = &[
    (
        "stat_1ZdiZqcSIkoGVnNOyxiEY58eTGQmFNG3LPlEVQ4V7Nk",
        "Potential",
    ),
    (
        "stat_2ZdiZqcSIkoGVnNOyxiEY58eTGQmFNG3LPlEVQ4V7Nk",
        "Bad Fit",
    ),
    (
        "stat_3ZdiZqcSIkoGVnNOyxiEY58eTGQmFNG3LPlEVQ4V7Nk",
        "Qualified",
    ),
    (
        "stat_8ZdiZqcSIkoGVnNOyxiEY58eTGQmFNG3LPlEVQ4V7Nk",
        "Customer",
    ),
];

/// Close's default opportunity statuses (id, label, type) in the one pipeline.
pub const OPPORTUNITY_STATUSES: &[(&str, &str, &str)] = &[
    (
        "stat_4ZdiZqcSIkoGVnNOyxiEY58eTGQmFNG3LPlEVQ4V7Nk",
        "Active",
        "active",
    ),
    (
        "stat_5ZdiZqcSIkoGVnNOyxiEY58eTGQmFNG3LPlEVQ4V7Nk",
        "Won",
        "won",
    ),
    (
        "stat_6ZdiZqcSIkoGVnNOyxiEY58eTGQmFNG3LPlEVQ4V7Nk",
        "Lost",
        "lost",
    ),
];
pub(super) const PIPELINE: (&str, &str) = ("pipe_04fC628PVB0HjK2Qq5EqEf", "Sales");

/// Custom fields every sandbox organisation has (family, id, name, type, choices).
pub const CUSTOM_FIELDS: &[(&str, &str, &str, &str, &[&str])] = &[
    (
        "lead",
        "cf_v6S011I6MqcbVvB2FA5Nk8dr5MkL8sWuCiG8cUleO9c",
        "Lead Source",
        "choices",
        &["Website", "Referral", "Event"],
    ),
    (
        "lead",
        "cf_8wtBWsdRU2Fur7GDnEeXQ7ra2Vu7R4hG1SNYdiEhh0F",
        "Industry",
        "text",
        &[],
    ),
    (
        "contact",
        "cf_j0P7kHmgFTZZnYBFtyPSZ3uQw4dpW8xKcW7Krps8atj",
        "Role",
        "text",
        &[],
    ),
    (
        "opportunity",
        "cf_Kd7YjV2p9Qw3Xz8LmN4bR6tH1sF5gA0cE2uI9oP7yTq",
        "Contract URL",
        "text",
        &[],
    ),
];

pub(super) fn render_user(u: &(&str, &str, &str, &str)) -> Value {
    json!({
        "id": u.0,
        "first_name": u.1,
        "last_name": u.2,
        "email": u.3,
        "image": null,
        "date_created": "2013-02-01T00:54:51.321000+00:00",
        "date_updated": "2013-02-01T00:54:51.321000+00:00",
    })
}

pub(super) async fn get_user(
    _: Checked<RecordId>,
    TenantToken(_token): TenantToken,
    Path(id): Path<String>,
) -> Answer {
    let user = USERS.iter().find(|u| u.0 == id).ok_or_else(not_found)?;
    ok(render_user(user))
}

pub(super) async fn get_me(TenantToken(_token): TenantToken) -> Answer {
    let mut me = render_user(&USERS[0]);
    me["organizations"] = json!([{"id": ORGANIZATION_ID, "name": "Sandbox"}]);
    ok(me)
}

pub(super) async fn lead_statuses(TenantToken(_token): TenantToken) -> Answer {
    let data: Vec<Value> = LEAD_STATUSES
        .iter()
        .map(|(id, label)| json!({"id": id, "label": label, "organization_id": ORGANIZATION_ID}))
        .collect();
    ok(json!({"data": data, "has_more": false}))
}

pub(super) async fn opportunity_statuses(TenantToken(_token): TenantToken) -> Answer {
    let data: Vec<Value> = OPPORTUNITY_STATUSES
        .iter()
        .map(|(id, label, kind)| {
            json!({"id": id, "label": label, "type": kind, "pipeline_id": PIPELINE.0,
                   "organization_id": ORGANIZATION_ID})
        })
        .collect();
    ok(json!({"data": data, "has_more": false}))
}

pub(super) async fn custom_fields(
    TenantToken(_token): TenantToken,
    Path(family): Path<String>,
) -> Answer {
    if !matches!(
        family.as_str(),
        "lead" | "contact" | "opportunity" | "activity"
    ) {
        return Err(not_found());
    }
    let data: Vec<Value> = CUSTOM_FIELDS
        .iter()
        .filter(|f| f.0 == family)
        .map(|(_, id, name, kind, choices)| {
            let mut f = json!({
                "id": id, "name": name, "type": kind, "description": "",
                "accepts_multiple_values": false, "organization_id": ORGANIZATION_ID,
            });
            if *kind == "choices" {
                f["choices"] = json!(choices);
            }
            f
        })
        .collect();
    ok(json!({"data": data, "has_more": false}))
}
