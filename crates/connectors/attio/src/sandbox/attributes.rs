//! `/v2/objects/{object}/attributes[/{attribute}[/options|/statuses]]`.

use super::*;

pub(super) fn attribute_json(token: &str, object: &str, a: &Attr) -> Value {
    let config = json!({
        "currency": {
            "default_currency_code": if a.kind == "currency" { Value::from(DEAL_CURRENCY) } else { Value::Null },
            "display_type": if a.kind == "currency" { Value::from("symbol") } else { Value::Null },
        },
        "record_reference": {
            "allowed_object_ids": a.target.map(|t| json!([object_id(token, t)])),
        },
    });
    json!({
        "id": {
            "workspace_id": workspace_id(token),
            "object_id": object_id(token, object),
            "attribute_id": attribute_id(token, object, a.slug),
        },
        "title": a.title,
        "description": null,
        "api_slug": a.slug,
        "type": a.kind,
        "is_system_attribute": a.system,
        "is_writable": a.writable,
        "is_required": a.required,
        "is_unique": a.unique,
        "is_multiselect": a.multi,
        "is_default_value_enabled": false,
        "is_archived": false,
        "default_value": null,
        "relationship": null,
        "created_at": "2023-01-01T15:00:00.000000000Z",
        "config": config,
    })
}

pub(super) async fn list_attributes(
    TenantToken(token): TenantToken,
    Path(object): Path<String>,
) -> Response {
    respond((|| {
        let attrs = object_schema(&object)?;
        let data: Vec<Value> = attrs
            .iter()
            .map(|a| attribute_json(&token, &object, a))
            .collect();
        ok(json!({ "data": data }))
    })())
}

pub(super) fn attribute_of(token: &str, object: &str, attribute: &str) -> Result<Attr, Response> {
    object_schema(object)?;
    find_attr(object, attribute, token).ok_or_else(|| {
        not_found(&format!(
            "Attribute with slug/ID \"{attribute}\" not found."
        ))
    })
}

pub(super) async fn get_attribute(
    TenantToken(token): TenantToken,
    Path((object, attribute)): Path<(String, String)>,
) -> Response {
    respond((|| {
        let a = attribute_of(&token, &object, &attribute)?;
        ok(json!({"data": attribute_json(&token, &object, &a)}))
    })())
}

pub(super) fn choice_json(
    token: &str,
    object: &str,
    slug: &str,
    title: &str,
    status: bool,
) -> Value {
    let key = if status { "status_id" } else { "option_id" };
    let mut v = json!({
        "id": {
            "workspace_id": workspace_id(token),
            "object_id": object_id(token, object),
            "attribute_id": attribute_id(token, object, slug),
            key: choice_id(token, object, slug, title),
        },
        "title": title,
        "is_archived": false,
    });
    if status {
        v["celebration_enabled"] = json!(title == "Won 🎉");
        v["target_time_in_status"] = Value::Null;
    }
    v
}

pub(super) fn list_choices(token: &str, object: &str, attribute: &str, kind: &str) -> Answer {
    let a = attribute_of(token, object, attribute)?;
    if a.kind != kind {
        return Err(bad_request(
            "validation_type",
            &format!("Attribute \"{}\" is not of type {kind}.", a.slug),
        ));
    }
    let data: Vec<Value> = choices(object, a.slug)
        .iter()
        .map(|t| choice_json(token, object, a.slug, t, kind == "status"))
        .collect();
    ok(json!({ "data": data }))
}

pub(super) async fn list_options(
    TenantToken(token): TenantToken,
    Path((object, attribute)): Path<(String, String)>,
) -> Response {
    respond(list_choices(&token, &object, &attribute, "select"))
}

pub(super) async fn list_statuses(
    TenantToken(token): TenantToken,
    Path((object, attribute)): Path<(String, String)>,
) -> Response {
    respond(list_choices(&token, &object, &attribute, "status"))
}
