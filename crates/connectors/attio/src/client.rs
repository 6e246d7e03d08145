//! HTTP only: Attio request builders, sending (through `Context::send`) and answer decoding.
//! Never builds unified types.

use http::Method;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use unicrm_core::http::ProviderRequest;
use unicrm_core::raw::cursor::{self, CursorCodec};
use unicrm_core::{Context, Error, Result};

use crate::config::ID;
use crate::error::parse_error;
use crate::wire;

/// Refuses an id that cannot be a path segment of Attio's API (ids are UUIDs; object slugs are
/// snake case), so user input never changes the path.
pub fn check_id(field: &str, id: &str) -> Result<()> {
    let ok = !id.is_empty()
        && id.len() <= 100
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if ok {
        Ok(())
    } else {
        Err(Error::invalid(
            field,
            format!(
                "{id:?} is not an Attio id (a UUID such as bf071e1f-6035-429d-b874-d83ea64ea13b)"
            ),
        ))
    }
}

fn request(cx: &Context, method: Method, path: &str) -> ProviderRequest {
    ProviderRequest::new(ID, method, cx.url(path))
}

async fn send_json<T: DeserializeOwned>(cx: &Context, req: ProviderRequest) -> Result<T> {
    cx.send_ok(req, parse_error).await?.json()
}

/// `POST /v2/objects/{object}/records`.
pub async fn create_record(cx: &Context, object: &str, body: Value) -> Result<wire::Record> {
    let req = request(cx, Method::POST, &format!("/v2/objects/{object}/records")).json(body);
    Ok(send_json::<wire::Data<wire::Record>>(cx, req).await?.data)
}

/// `GET /v2/objects/{object}/records/{record_id}`.
pub async fn get_record(cx: &Context, object: &str, id: &str) -> Result<wire::Record> {
    check_id("id", id)?;
    let req = request(
        cx,
        Method::GET,
        &format!("/v2/objects/{object}/records/{id}"),
    );
    Ok(send_json::<wire::Data<wire::Record>>(cx, req).await?.data)
}

/// `PUT /v2/objects/{object}/records/{record_id}`: "Update a record (overwrite multiselect
/// values)" — attributes in the body are replaced, the others untouched.
pub async fn update_record(
    cx: &Context,
    object: &str,
    id: &str,
    body: Value,
) -> Result<wire::Record> {
    check_id("id", id)?;
    let req = request(
        cx,
        Method::PUT,
        &format!("/v2/objects/{object}/records/{id}"),
    )
    .json(body);
    Ok(send_json::<wire::Data<wire::Record>>(cx, req).await?.data)
}

/// `DELETE /v2/objects/{object}/records/{record_id}`.
pub async fn delete_record(cx: &Context, object: &str, id: &str) -> Result<()> {
    check_id("id", id)?;
    let req = request(
        cx,
        Method::DELETE,
        &format!("/v2/objects/{object}/records/{id}"),
    );
    cx.send_ok(req, parse_error).await.map(|_| ())
}

/// `POST /v2/objects/{object}/records/query` with `limit`/`offset`, sorted by creation (and
/// an optional `filter`).
pub async fn query_records(
    cx: &Context,
    object: &str,
    limit: u32,
    offset: u64,
    filter: Option<Value>,
) -> Result<Vec<wire::Record>> {
    let mut body = json!({
        "limit": limit,
        "offset": offset,
        "sorts": [{"attribute": "created_at", "direction": "asc"}],
    });
    if let (Some(f), Some(o)) = (filter, body.as_object_mut()) {
        o.insert("filter".into(), f);
    }
    let req = request(
        cx,
        Method::POST,
        &format!("/v2/objects/{object}/records/query"),
    )
    .json(body);
    Ok(send_json::<wire::DataList<wire::Record>>(cx, req)
        .await?
        .data)
}

/// `GET /v2/objects/{object}/attributes`.
pub async fn list_attributes(cx: &Context, object: &str) -> Result<Vec<wire::Attribute>> {
    let req = request(cx, Method::GET, &format!("/v2/objects/{object}/attributes"));
    Ok(send_json::<wire::DataList<wire::Attribute>>(cx, req)
        .await?
        .data)
}

/// `GET /v2/objects/{object}/attributes/{attribute}`.
pub async fn get_attribute(cx: &Context, object: &str, attribute: &str) -> Result<wire::Attribute> {
    let req = request(
        cx,
        Method::GET,
        &format!("/v2/objects/{object}/attributes/{attribute}"),
    );
    Ok(send_json::<wire::Data<wire::Attribute>>(cx, req)
        .await?
        .data)
}

/// `GET /v2/objects/{object}/attributes/{attribute}/options` (select) or `/statuses` (status).
pub async fn list_choices(
    cx: &Context,
    object: &str,
    attribute: &str,
    statuses: bool,
) -> Result<Vec<wire::Choice>> {
    let which = if statuses { "statuses" } else { "options" };
    let req = request(
        cx,
        Method::GET,
        &format!("/v2/objects/{object}/attributes/{attribute}/{which}"),
    );
    Ok(send_json::<wire::DataList<wire::Choice>>(cx, req)
        .await?
        .data)
}

/// `GET /v2/workspace_members/{workspace_member_id}`.
pub async fn get_workspace_member(cx: &Context, id: &str) -> Result<wire::WorkspaceMember> {
    check_id("owner.id", id)?;
    let req = request(cx, Method::GET, &format!("/v2/workspace_members/{id}"));
    Ok(send_json::<wire::Data<wire::WorkspaceMember>>(cx, req)
        .await?
        .data)
}

/// `GET /v2/self`: the token's workspace and `authorized_by_workspace_member_id` (the member who
/// authorized it; `null` for some tokens).
pub async fn get_self(cx: &Context) -> Result<Value> {
    send_json(cx, request(cx, Method::GET, "/v2/self")).await
}

/// `POST /v2/meetings`.
pub async fn create_meeting(cx: &Context, body: Value) -> Result<wire::Meeting> {
    let req = request(cx, Method::POST, "/v2/meetings").json(body);
    Ok(send_json::<wire::Data<wire::Meeting>>(cx, req).await?.data)
}

/// `GET /v2/meetings/{meeting_id}`.
pub async fn get_meeting(cx: &Context, id: &str) -> Result<wire::Meeting> {
    check_id("id", id)?;
    let req = request(cx, Method::GET, &format!("/v2/meetings/{id}"));
    Ok(send_json::<wire::Data<wire::Meeting>>(cx, req).await?.data)
}

/// `PUT /v2/meetings/{meeting_id}`: "Update a meeting (overwrite linked records)".
pub async fn update_meeting(cx: &Context, id: &str, body: Value) -> Result<wire::Meeting> {
    check_id("id", id)?;
    let req = request(cx, Method::PUT, &format!("/v2/meetings/{id}")).json(body);
    Ok(send_json::<wire::Data<wire::Meeting>>(cx, req).await?.data)
}

/// `DELETE /v2/meetings/{meeting_id}`.
pub async fn delete_meeting(cx: &Context, id: &str) -> Result<()> {
    check_id("id", id)?;
    let req = request(cx, Method::DELETE, &format!("/v2/meetings/{id}"));
    cx.send_ok(req, parse_error).await.map(|_| ())
}

/// `GET /v2/meetings?limit=&cursor=`.
pub async fn list_meetings(
    cx: &Context,
    limit: u32,
    cursor: Option<&str>,
) -> Result<wire::CursorList<wire::Meeting>> {
    let mut req = request(cx, Method::GET, "/v2/meetings").query("limit", limit.to_string());
    if let Some(c) = cursor {
        req = req.query("cursor", c);
    }
    send_json(cx, req).await
}

/// Where a unified list continues: an offset into `records/query`, or Attio's meeting cursor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Cursor {
    /// Offset of the next record.
    #[serde(rename = "o")]
    Offset(u64),
    /// Attio's `pagination.next_cursor` of `GET /v2/meetings`.
    #[serde(rename = "c")]
    Attio(String),
}

/// The codec of Attio list cursors.
const CURSOR: CursorCodec = CursorCodec::new(crate::config::ID, 1);

impl Cursor {
    /// The opaque string handed to users (the kit's cursor codec: URL-safe, tagged).
    pub fn encode(&self) -> String {
        CURSOR.encode(self)
    }

    /// Reads a cursor made by [`Cursor::encode`].
    pub fn decode(s: &str) -> Result<Cursor> {
        match CURSOR.decode(s)? {
            Cursor::Attio(c) if c.is_empty() => Err(cursor::invalid(
                "this cursor names no position; pass next_cursor of the previous page",
            )),
            c => Ok(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_refuse_others() {
        for c in [
            Cursor::Offset(0),
            Cursor::Offset(500),
            Cursor::Attio("abc==".into()),
        ] {
            assert_eq!(Cursor::decode(&c.encode()).unwrap(), c);
        }
        assert!(Cursor::decode("nope!").is_err());
        assert!(Cursor::decode(&CURSOR.encode(&"o:x")).is_err());
        assert!(Cursor::decode(&CURSOR.encode(&Cursor::Attio(String::new()))).is_err());
        let other = CursorCodec::new("close", 1).encode(&Cursor::Offset(5));
        assert!(matches!(
            Cursor::decode(&other),
            Err(Error::InvalidInput { field, .. }) if field == "cursor"
        ));
        assert!(check_id("id", "bf071e1f-6035-429d-b874-d83ea64ea13b").is_ok());
        assert!(check_id("id", "../workspace_members").is_err());
    }
}
