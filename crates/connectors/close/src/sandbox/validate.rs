//! Validation shared by leads and contacts: emails, phones, allowed keys, lead status.

use super::*;

pub(super) fn check_emails(obj: &Map<String, Value>) -> Result<(), Response> {
    let Some(v) = obj.get("emails") else {
        return Ok(());
    };
    let Some(list) = v.as_array() else {
        return Err(field_error("emails", "Not a valid list."));
    };
    for (i, e) in list.iter().enumerate() {
        let email = e.get("email").and_then(Value::as_str).unwrap_or_default();
        if !email.contains('@') || email.starts_with('@') || email.ends_with('@') {
            return Err(field_errors(BTreeMap::from([(
                "emails".to_owned(),
                json!({ i.to_string(): {"email": "Invalid email address."} }),
            )])));
        }
    }
    Ok(())
}

pub(super) fn check_phones(obj: &Map<String, Value>) -> Result<(), Response> {
    let Some(v) = obj.get("phones") else {
        return Ok(());
    };
    let Some(list) = v.as_array() else {
        return Err(field_error("phones", "Not a valid list."));
    };
    for (i, p) in list.iter().enumerate() {
        let phone = p.get("phone").and_then(Value::as_str).unwrap_or_default();
        if phone.chars().filter(char::is_ascii_digit).count() < 3 {
            return Err(field_errors(BTreeMap::from([(
                "phones".to_owned(),
                json!({ i.to_string(): {"phone": "Invalid phone number."} }),
            )])));
        }
    }
    Ok(())
}

pub(super) const CONTACT_KEYS: &[&str] = &["lead_id", "name", "title", "emails", "phones", "urls"];
pub(super) const LEAD_KEYS: &[&str] = &[
    "name",
    "url",
    "description",
    "status",
    "status_id",
    "addresses",
    "contacts",
];

/// Resolves `status` (label) / `status_id` of a lead body into `status_id`.
pub(super) fn lead_status(obj: &mut Map<String, Value>) -> Result<(), Response> {
    match (obj.remove("status"), obj.get("status_id").cloned()) {
        (Some(_), Some(_)) => Err(bad_request("Post either status or status_id, not both.")),
        (Some(label), None) => {
            let label = label.as_str().unwrap_or_default();
            match LEAD_STATUSES
                .iter()
                .find(|s| s.1.eq_ignore_ascii_case(label))
            {
                Some(s) => {
                    obj.insert("status_id".into(), json!(s.0));
                    Ok(())
                }
                None => Err(field_error("status", "Status does not exist.")),
            }
        }
        (None, Some(id)) => {
            if LEAD_STATUSES.iter().any(|s| Some(s.0) == id.as_str()) {
                Ok(())
            } else {
                Err(field_error("status_id", "Status does not exist."))
            }
        }
        (None, None) => Ok(()),
    }
}

pub(super) fn clean_contact(mut c: Map<String, Value>) -> Result<Map<String, Value>, Response> {
    check_keys(&c, CONTACT_KEYS)?;
    check_emails(&c)?;
    check_phones(&c)?;
    c.remove("id");
    Ok(c)
}
