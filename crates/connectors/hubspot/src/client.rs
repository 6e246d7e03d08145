//! HTTP only: HubSpot request builders, sent through core's shared helper (`Context::send_ok`),
//! answers parsed into [`crate::wire`] types. Never builds unified types.

use serde_json::Value;
use unicrm_core::http::ProviderRequest;
use unicrm_core::{Context, Error, Result};

use crate::config::ID;
use crate::error::parse_error;
use crate::mapping::HsObject;
use crate::wire::{
    CollectionResponse, ObjectInput, ObjectInputForCreate, Owner, PropertyList, SearchRequest,
    SecondaryEmails, SimplePublicObject,
};

/// Percent-encodes one path segment (ids and emails come from users).
pub fn segment(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    // "." and ".." would be resolved away by URL normalisation: encode their dots.
    let only_dots = !s.is_empty() && s.bytes().all(|b| b == b'.');
    for b in s.bytes() {
        let keep = b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'~');
        if keep || (b == b'.' && !only_dots) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn objects_url(cx: &Context, obj: HsObject) -> String {
    cx.url(&format!("/crm/v3/objects/{}", obj.name()))
}

fn object_url(cx: &Context, obj: HsObject, id: &str) -> String {
    cx.url(&format!("/crm/v3/objects/{}/{}", obj.name(), segment(id)))
}

fn json_body<T: serde::Serialize>(v: &T) -> Result<serde_json::Value> {
    serde_json::to_value(v).map_err(|e| Error::Internal(format!("serializing a request: {e}")))
}

fn with_reads(
    mut req: ProviderRequest,
    properties: &[&str],
    associations: &[HsObject],
) -> ProviderRequest {
    if !properties.is_empty() {
        req = req.query("properties", properties.join(","));
    }
    if !associations.is_empty() {
        let names: Vec<&str> = associations.iter().map(|a| a.name()).collect();
        req = req.query("associations", names.join(","));
    }
    req
}

/// `GET /crm/v3/objects/{type}/{id}?properties=…&associations=…`.
pub async fn get_object(
    cx: &Context,
    obj: HsObject,
    id: &str,
    properties: &[&str],
    associations: &[HsObject],
) -> Result<SimplePublicObject> {
    let req = with_reads(
        ProviderRequest::get(ID, object_url(cx, obj, id)),
        properties,
        associations,
    );
    cx.send_ok(req, parse_error).await?.json()
}

/// `GET /crm/v3/objects/{type}?limit=…&after=…&properties=…&associations=…`.
pub async fn list_objects(
    cx: &Context,
    obj: HsObject,
    limit: u32,
    after: Option<&str>,
    properties: &[&str],
    associations: &[HsObject],
) -> Result<CollectionResponse> {
    let mut req = ProviderRequest::get(ID, objects_url(cx, obj)).query("limit", limit.to_string());
    if let Some(a) = after {
        req = req.query("after", a);
    }
    let req = with_reads(req, properties, associations);
    cx.send_ok(req, parse_error).await?.json()
}

/// `POST /crm/v3/objects/{type}/search`.
pub async fn search(
    cx: &Context,
    obj: HsObject,
    body: &SearchRequest,
) -> Result<CollectionResponse> {
    let url = cx.url(&format!("/crm/v3/objects/{}/search", obj.name()));
    let req = ProviderRequest::post(ID, url, json_body(body)?);
    cx.send_ok(req, parse_error).await?.json()
}

/// `POST /crm/v3/objects/{type}/batch/read` (at most 100 ids per call; this sends them in
/// chunks). Archived or unknown ids are simply absent from the answer.
pub async fn batch_read(
    cx: &Context,
    obj: HsObject,
    ids: &[String],
    properties: &[&str],
) -> Result<Vec<SimplePublicObject>> {
    let url = cx.url(&format!("/crm/v3/objects/{}/batch/read", obj.name()));
    let mut out = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(100) {
        // `BatchReadInputSimplePublicObjectId` requires inputs, properties, propertiesWithHistory.
        let body = serde_json::json!({
            "properties": properties,
            "propertiesWithHistory": [],
            "inputs": chunk.iter().map(|id| serde_json::json!({"id": id})).collect::<Vec<_>>(),
        });
        let page: CollectionResponse = cx
            .send_ok(ProviderRequest::post(ID, url.clone(), body), parse_error)
            .await?
            .json()?;
        out.extend(page.results);
    }
    Ok(out)
}

/// `POST /crm/v3/objects/{type}` (answers 201 with the record).
pub async fn create_object(
    cx: &Context,
    obj: HsObject,
    body: &ObjectInputForCreate,
) -> Result<SimplePublicObject> {
    let req = ProviderRequest::new(ID, http::Method::POST, objects_url(cx, obj)).json_of(body)?;
    cx.send_ok(req, parse_error).await?.json()
}

/// `POST /crm/v3/objects/{type}`, answering the created record as HubSpot sent it: a record of
/// the documented shape as is, anything else as serde reads a [`SimplePublicObject`] (which
/// refuses what [`create_object`] refuses, with the same error).
pub async fn create_object_value(
    cx: &Context,
    obj: HsObject,
    body: &ObjectInputForCreate,
) -> Result<Value> {
    let req = ProviderRequest::new(ID, http::Method::POST, objects_url(cx, obj)).json_of(body)?;
    let resp = cx.send_ok(req, parse_error).await?;
    let value: Value = resp.json()?;
    if crate::mapping::WireRead::is_record(&value) {
        return Ok(value);
    }
    let object: SimplePublicObject = resp.json()?;
    serde_json::to_value(object).map_err(|e| Error::Internal(e.to_string()))
}

/// `PATCH /crm/v3/objects/{type}/{id}`.
pub async fn update_object(
    cx: &Context,
    obj: HsObject,
    id: &str,
    body: &ObjectInput,
) -> Result<SimplePublicObject> {
    let req =
        ProviderRequest::new(ID, http::Method::PATCH, object_url(cx, obj, id)).json_of(body)?;
    cx.send_ok(req, parse_error).await?.json()
}

/// `DELETE /crm/v3/objects/{type}/{id}` (archive; 204).
pub async fn archive_object(cx: &Context, obj: HsObject, id: &str) -> Result<()> {
    let req = ProviderRequest::delete(ID, object_url(cx, obj, id));
    cx.send_ok(req, parse_error).await.map(|_| ())
}

/// `PUT /crm/v4/objects/{from}/{id}/associations/default/{to}/{toId}` (unlabeled association).
pub async fn associate_default(
    cx: &Context,
    from: HsObject,
    id: &str,
    to: HsObject,
    to_id: &str,
) -> Result<()> {
    let url = cx.url(&format!(
        "/crm/v4/objects/{}/{}/associations/default/{}/{}",
        from.name(),
        segment(id),
        to.name(),
        segment(to_id)
    ));
    let req = ProviderRequest::new(ID, http::Method::PUT, url);
    cx.send_ok(req, parse_error).await.map(|_| ())
}

/// `DELETE /crm/v4/objects/{from}/{id}/associations/{to}/{toId}` (every association type).
pub async fn dissociate(
    cx: &Context,
    from: HsObject,
    id: &str,
    to: HsObject,
    to_id: &str,
) -> Result<()> {
    let url = cx.url(&format!(
        "/crm/v4/objects/{}/{}/associations/{}/{}",
        from.name(),
        segment(id),
        to.name(),
        segment(to_id)
    ));
    cx.send_ok(ProviderRequest::delete(ID, url), parse_error)
        .await
        .map(|_| ())
}

/// `GET /crm/v3/owners/{ownerId}`.
pub async fn get_owner(cx: &Context, id: &str) -> Result<Owner> {
    let url = cx.url(&format!("/crm/v3/owners/{}", segment(id)));
    cx.send_ok(ProviderRequest::get(ID, url), parse_error)
        .await?
        .json()
}

/// `GET /crm/v3/properties/{objectType}`.
pub async fn list_properties(cx: &Context, obj: HsObject) -> Result<PropertyList> {
    let url = cx.url(&format!("/crm/v3/properties/{}", obj.name()));
    cx.send_ok(ProviderRequest::get(ID, url), parse_error)
        .await?
        .json()
}

/// `PUT /contacts/v1/secondary-email/{vid}/email/{email}`: adds an additional email address.
pub async fn add_secondary_email(cx: &Context, vid: &str, email: &str) -> Result<SecondaryEmails> {
    let url = cx.url(&format!(
        "/contacts/v1/secondary-email/{}/email/{}",
        segment(vid),
        segment(email)
    ));
    cx.send_ok(
        ProviderRequest::new(ID, http::Method::PUT, url),
        parse_error,
    )
    .await?
    .json()
}

/// `DELETE /contacts/v1/secondary-email/{vid}/email/{email}`: removes an additional email.
pub async fn remove_secondary_email(cx: &Context, vid: &str, email: &str) -> Result<()> {
    let url = cx.url(&format!(
        "/contacts/v1/secondary-email/{}/email/{}",
        segment(vid),
        segment(email)
    ));
    cx.send_ok(ProviderRequest::delete(ID, url), parse_error)
        .await
        .map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_segments_are_encoded() {
        assert_eq!(segment("123"), "123");
        assert_eq!(segment("a@b.io"), "a%40b.io");
        assert_eq!(segment("../x?y"), "..%2Fx%3Fy");
        assert_eq!(segment(".."), "%2E%2E");
    }
}
