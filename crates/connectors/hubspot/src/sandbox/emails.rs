//! Legacy contacts v1: `/contacts/v1/secondary-email/{vid}/email/{email}`.

use super::*;

pub(super) async fn add_secondary_email(
    State(sb): State<Sandbox>,
    TenantToken(token): TenantToken,
    Path((vid, email)): Path<(String, String)>,
) -> Response {
    let store = sb.tenant(&token);
    let Some(rec) = store.get("contacts", &vid).filter(|r| !is_archived(r)) else {
        return not_found(&sb);
    };
    if !email.contains('@') {
        return bad_request(&sb, &format!("{email} is not a valid email address"));
    }
    if let Some(other) = contact_with_email(&store, &email, Some(&vid)) {
        return conflict(&sb, &other);
    }
    let mut props = props_of(&rec);
    let mut list = prop_str(&props, "hs_additional_emails")
        .map(convert::split_multi)
        .unwrap_or_default();
    let primary = prop_str(&props, "email").map(str::to_ascii_lowercase);
    if primary.as_deref() != Some(email.to_ascii_lowercase().as_str())
        && !list.iter().any(|e| e.eq_ignore_ascii_case(&email))
    {
        list.push(email.clone());
    }
    props.insert(
        "hs_additional_emails".into(),
        Value::String(convert::join_multi(&list)),
    );
    let mut data = rec.data.clone();
    data["properties"] = Value::Object(props);
    let _ = store.replace("contacts", &vid, data);
    Json(json!({
        "portalId": 0,
        "vid": vid.parse::<i64>().unwrap_or_default(),
        "secondaryEmails": list,
    }))
    .into_response()
}

pub(super) async fn remove_secondary_email(
    State(sb): State<Sandbox>,
    TenantToken(token): TenantToken,
    Path((vid, email)): Path<(String, String)>,
) -> Response {
    let store = sb.tenant(&token);
    let Some(rec) = store.get("contacts", &vid).filter(|r| !is_archived(r)) else {
        return not_found(&sb);
    };
    let mut props = props_of(&rec);
    let list: Vec<String> = prop_str(&props, "hs_additional_emails")
        .map(convert::split_multi)
        .unwrap_or_default()
        .into_iter()
        .filter(|e| !e.eq_ignore_ascii_case(&email))
        .collect();
    if list.is_empty() {
        props.remove("hs_additional_emails");
    } else {
        props.insert(
            "hs_additional_emails".into(),
            Value::String(convert::join_multi(&list)),
        );
    }
    let mut data = rec.data.clone();
    data["properties"] = Value::Object(props);
    let _ = store.replace("contacts", &vid, data);
    Json(json!({
        "portalId": 0,
        "vid": vid.parse::<i64>().unwrap_or_default(),
        "secondaryEmails": list,
    }))
    .into_response()
}
