//! Unified contact ↔ HubSpot contact (`/crm/v3/objects/contacts`).
//!
//! Property names: HubSpot contacts guide and "Using Object APIs"
//! (`email, firstname, lastname, phone, mobilephone, company, jobtitle, address, city, state,
//! zip, country, lifecyclestage, hubspot_owner_id, hs_additional_emails`).

use unicrm_core::{Address, Contact, EnumValue, Error, Result};

use super::{
    assoc, custom_fields_to_wire, no_home, owner_to_wire, passthrough_to_wire, HsObject, WireRead,
    WireWrite,
};

/// The properties a read asks for (`properties=`), so every mapped one comes back.
pub const READ_PROPERTIES: &[&str] = &[
    "firstname",
    "lastname",
    "email",
    "hs_additional_emails",
    "phone",
    "mobilephone",
    "company",
    "jobtitle",
    "address",
    "city",
    "state",
    "zip",
    "country",
    "lifecyclestage",
    "hs_analytics_source",
    "hubspot_owner_id",
    "createdate",
    "lastmodifieddate",
    "hs_object_id",
];

/// Properties with a unified home (everything else read becomes a custom field).
pub const CONSUMED: &[&str] = &[
    "firstname",
    "lastname",
    "email",
    "hs_additional_emails",
    "phone",
    "mobilephone",
    "company",
    "jobtitle",
    "address",
    "city",
    "state",
    "zip",
    "country",
    "lifecyclestage",
    "hs_analytics_source",
    "hubspot_owner_id",
];

/// Associations a read asks for (`associations=`).
pub const READ_ASSOCIATIONS: &[HsObject] = &[HsObject::Companies, HsObject::Deals];

/// HubSpot's lifecycle stage internal values ↔ unified values. Custom stages (numeric ids) and
/// other values are kept as `source_value` with no unified value.
const LIFECYCLE: &[(&str, &str)] = &[
    ("subscriber", "subscriber"),
    ("lead", "lead"),
    ("marketingqualifiedlead", "marketing_qualified_lead"),
    ("salesqualifiedlead", "sales_qualified_lead"),
    ("opportunity", "opportunity"),
    ("customer", "customer"),
    ("evangelist", "evangelist"),
    ("other", "other"),
];

/// Lifecycle stage from HubSpot's value (shared with companies).
pub fn lifecycle_from_wire(raw: &str) -> EnumValue {
    let unified = LIFECYCLE.iter().find(|(h, _)| *h == raw).map(|(_, u)| *u);
    EnumValue::from_source(raw, unified)
}

/// HubSpot's value of a unified lifecycle stage (provider value wins, then the table, else as is).
pub fn lifecycle_to_wire(v: &EnumValue) -> Option<String> {
    v.to_source(|u| LIFECYCLE.iter().find(|(_, x)| *x == u).map(|(h, _)| *h))
}

/// The street line(s), city, state, zip and country of a record.
pub(crate) fn address_from_wire(r: &WireRead) -> Option<Address> {
    let a = Address {
        street: match (r.prop("address"), r.prop("address2")) {
            (Some(a), Some(b)) => Some(format!("{a}\n{b}")),
            (a, None) => a,
            (None, b) => b,
        },
        city: r.prop("city"),
        state: r.prop("state"),
        postal_code: r.prop("zip"),
        country: r.prop("country"),
    };
    (!a.is_empty()).then_some(a)
}

pub(crate) fn address_to_wire(w: &mut WireWrite, address: &Option<Address>, has_address2: bool) {
    let Some(a) = address else { return };
    if let Some(street) = &a.street {
        match street.split_once('\n') {
            Some((first, rest)) if has_address2 => {
                w.set("address", first);
                w.set("address2", rest);
            }
            _ => w.set("address", street.clone()),
        }
    }
    w.text("city", &a.city);
    w.text("state", &a.state);
    w.text("zip", &a.postal_code);
    w.text("country", &a.country);
}

/// Why a contact's `source` cannot be written.
pub const SOURCE_READ_ONLY: &str = "HubSpot sets a contact's source itself (hs_analytics_source is read-only); send a custom property in custom_fields instead";

/// A HubSpot contact payload (record or create body) → unified contact.
/// `raw` stays unset: [`crate::connector::record_from_wire`] puts the payload there.
pub fn contact_from_wire(r: &WireRead) -> Result<Contact> {
    let mut emails: Vec<String> = r.prop("email").into_iter().collect();
    for extra in r
        .prop("hs_additional_emails")
        .map(|s| super::convert::split_multi(&s))
        .unwrap_or_default()
    {
        if !emails.iter().any(|e| e.eq_ignore_ascii_case(&extra)) {
            emails.push(extra);
        }
    }
    let phones: Vec<String> = [r.prop("phone"), r.prop("mobilephone")]
        .into_iter()
        .flatten()
        .collect();
    Ok(Contact {
        id: r.id(),
        remote_id: r.id(),
        first_name: r.prop("firstname"),
        last_name: r.prop("lastname"),
        emails: (!emails.is_empty()).then_some(emails),
        phone_numbers: (!phones.is_empty()).then_some(phones),
        company_name: r.prop("company"),
        job_title: r.prop("jobtitle"),
        address: address_from_wire(r),
        tags: None,
        lifecycle_stage: r.prop("lifecyclestage").map(|s| lifecycle_from_wire(&s)),
        source: r.prop("hs_analytics_source"),
        account_ids: r.ids(HsObject::Companies),
        deal_ids: r.ids(HsObject::Deals),
        owner: r.owner(),
        custom_fields: r.custom_fields(CONSUMED),
        passthrough: r.passthrough(),
        created_at: r.created_at("createdate")?,
        updated_at: r.updated_at("lastmodifieddate")?,
        raw: None,
    })
}

/// Unified contact → HubSpot properties and associations. `create` checks HubSpot's create rule.
pub fn contact_to_wire(c: &Contact, create: bool) -> Result<WireWrite> {
    no_home(
        "tags",
        &c.tags,
        "HubSpot contacts have no tags; send a contact property in custom_fields instead",
    )?;
    // `source` is HubSpot's read-only `hs_analytics_source`: a create cannot set it; an update
    // may carry it back unchanged (the connector compares it with the stored value).
    if create && c.source.as_deref().is_some_and(|s| !s.is_empty()) {
        return Err(Error::invalid("source", SOURCE_READ_ONLY));
    }
    let mut w = WireWrite::default();
    w.text("firstname", &c.first_name);
    w.text("lastname", &c.last_name);
    if let Some(emails) = &c.emails {
        for (i, e) in emails.iter().enumerate() {
            if !e.contains('@') {
                return Err(Error::invalid(
                    format!("emails[{i}]"),
                    format!("{e:?} is not an email address"),
                ));
            }
        }
        let primary = emails.first().cloned().unwrap_or_default();
        w.set("email", primary.clone());
        for e in emails.iter().skip(1) {
            let seen = e.eq_ignore_ascii_case(&primary)
                || w.additional_emails
                    .iter()
                    .any(|a| a.eq_ignore_ascii_case(e));
            if !seen {
                w.additional_emails.push(e.clone());
            }
        }
    }
    if let Some(phones) = &c.phone_numbers {
        if phones.len() > 2 {
            return Err(Error::invalid(
                "phone_numbers[2]",
                "HubSpot contacts hold two phone numbers: phone and mobilephone",
            ));
        }
        w.set("phone", phones.first().cloned().unwrap_or_default());
        w.set("mobilephone", phones.get(1).cloned().unwrap_or_default());
    }
    w.text("company", &c.company_name);
    w.text("jobtitle", &c.job_title);
    address_to_wire(&mut w, &c.address, false);
    if let Some(stage) = &c.lifecycle_stage {
        w.set(
            "lifecyclestage",
            lifecycle_to_wire(stage).unwrap_or_default(),
        );
    }
    owner_to_wire(&mut w, &c.owner);
    w.associate(
        HsObject::Companies,
        &c.account_ids,
        assoc::CONTACT_TO_COMPANY,
    );
    w.associate(HsObject::Deals, &c.deal_ids, assoc::CONTACT_TO_DEAL);
    custom_fields_to_wire(&mut w, &c.custom_fields)?;
    passthrough_to_wire(&mut w, &c.passthrough)?;
    if create {
        // "create must include at least one of email, firstname, lastname" (contacts guide).
        let has = |k: &str| w.properties.get(k).is_some_and(|v| !v.trim().is_empty());
        if !(has("email") || has("firstname") || has("lastname")) {
            return Err(Error::invalid(
                "emails",
                "a HubSpot contact needs at least one of emails, first_name or last_name",
            ));
        }
    }
    Ok(w)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn lifecycle_keeps_unmapped_values() {
        let v = lifecycle_from_wire("51439524");
        assert_eq!(v.value, None);
        assert_eq!(v.source_value.as_deref(), Some("51439524"));
        assert_eq!(lifecycle_to_wire(&v).as_deref(), Some("51439524"));
        assert_eq!(
            lifecycle_to_wire(&EnumValue::unified("marketing_qualified_lead")).as_deref(),
            Some("marketingqualifiedlead")
        );
    }

    #[test]
    fn create_needs_a_name_or_email_before_any_call() {
        let e = contact_to_wire(&Contact::default(), true).unwrap_err();
        assert!(matches!(e, Error::InvalidInput { .. }), "{e}");
        assert!(contact_to_wire(&Contact::default(), false).is_ok());
    }

    #[test]
    fn three_phones_is_an_error_naming_the_third() {
        let c = Contact {
            first_name: Some("A".into()),
            phone_numbers: Some(vec!["1".into(), "2".into(), "3".into()]),
            ..Default::default()
        };
        let e = contact_to_wire(&c, true).unwrap_err();
        assert!(e.to_string().starts_with("phone_numbers[2]:"), "{e}");
    }

    #[test]
    fn additional_emails_are_split_off() {
        let c = Contact {
            emails: Some(vec!["a@x.io".into(), "b@x.io".into()]),
            ..Default::default()
        };
        let w = contact_to_wire(&c, true).unwrap();
        assert_eq!(w.properties["email"], "a@x.io");
        assert_eq!(w.additional_emails, ["b@x.io"]);
        let dup = Contact {
            emails: Some(vec![
                "a@x.io".into(),
                "A@x.io".into(),
                "b@x.io".into(),
                "b@x.io".into(),
            ]),
            ..Default::default()
        };
        assert_eq!(
            contact_to_wire(&dup, true).unwrap().additional_emails,
            ["b@x.io"]
        );
        let payload = json!({"id": "1", "properties": {"email": "a@x.io", "hs_additional_emails": "b@x.io;c@x.io"}});
        let r = WireRead::parse(HsObject::Contacts, &payload).unwrap();
        assert_eq!(
            contact_from_wire(&r).unwrap().emails.unwrap(),
            ["a@x.io", "b@x.io", "c@x.io"]
        );
    }
}
