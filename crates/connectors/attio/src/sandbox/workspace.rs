//! The workspace: stable ids per account, its members, the API token actor; `/v2/self` and
//! `/v2/workspace_members`.

use super::*;

/// A stable UUID for a name within an account (FNV-1a over the parts, two seeds).
pub(super) fn stable_uuid(parts: &[&str]) -> String {
    let hash = |seed: u64| {
        parts.iter().fold(seed, |h, p| {
            p.bytes()
                .chain(std::iter::once(0u8))
                .fold(h, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3))
        })
    };
    let a = hash(0xcbf2_9ce4_8422_2325).to_be_bytes();
    let b = hash(0x8422_2325_cbf2_9ce4).to_be_bytes();
    let mut bytes = [0u8; 16];
    bytes[..8].copy_from_slice(&a);
    bytes[8..].copy_from_slice(&b);
    ids::uuid_from_bytes(bytes)
}

pub(super) fn workspace_id(token: &str) -> String {
    stable_uuid(&[token, "workspace"])
}
pub(super) fn object_id(token: &str, object: &str) -> String {
    stable_uuid(&[token, "object", object])
}
pub(super) fn attribute_id(token: &str, object: &str, slug: &str) -> String {
    stable_uuid(&[token, "attribute", object, slug])
}
pub(super) fn choice_id(token: &str, object: &str, slug: &str, title: &str) -> String {
    stable_uuid(&[token, "choice", object, slug, title])
}
pub(super) fn api_token_actor(token: &str) -> Value {
    json!({"type": "api-token", "id": stable_uuid(&[token, "api-token"])})
}

/// The two workspace members of every sandbox account.
pub(super) fn members(token: &str) -> Vec<Value> {
    [
        ("Alice", "Admin", "alice@sandbox.example", "admin"),
        ("Bob", "Member", "bob@sandbox.example", "member"),
    ]
    .iter()
    .enumerate()
    .map(|(i, (first, last, email, level))| {
        json!({
            "id": {
                "workspace_id": workspace_id(token),
                "workspace_member_id": stable_uuid(&[token, "member", &i.to_string()]),
            },
            "first_name": first,
            "last_name": last,
            "avatar_url": null,
            "email_address": email,
            "created_at": "2023-01-01T15:00:00.000000000Z",
            "access_level": level,
        })
    })
    .collect()
}

/// `GET /v2/self` for an active token.
pub(super) async fn identify(TenantToken(token): TenantToken) -> Response {
    let member = members(&token)[0]["id"]["workspace_member_id"].clone();
    respond(ok(json!({
        "active": true,
        "scope": "record_permission:read-write object_configuration:read user_management:read meeting:read-write",
        "client_id": stable_uuid(&[&token, "client"]),
        "token_type": "Bearer",
        "exp": null,
        "iat": 1_700_000_000,
        "sub": workspace_id(&token),
        "aud": stable_uuid(&[&token, "client"]),
        "iss": "attio.com",
        "authorized_by_workspace_member_id": member,
        "workspace_id": workspace_id(&token),
        "workspace_name": "Sandbox",
        "workspace_slug": "sandbox",
        "workspace_logo_url": null,
    })))
}

pub(super) async fn list_members(TenantToken(token): TenantToken) -> Response {
    respond(ok(json!({ "data": members(&token) })))
}

pub(super) async fn get_member(
    TenantToken(token): TenantToken,
    _: Checked<RecordId>,
    Path(id): Path<String>,
) -> Response {
    respond(
        members(&token)
            .into_iter()
            .find(|m| m["id"]["workspace_member_id"] == id.as_str())
            .map(|m| ok(json!({ "data": m })))
            .unwrap_or_else(|| {
                Err(not_found(&format!(
                    "Workspace member with ID \"{id}\" not found."
                )))
            }),
    )
}
