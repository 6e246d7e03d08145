//! Unified lead ↔ HubSpot lead (`/crm/v3/objects/leads`, object 0-136).
//!
//! HubSpot's leads guide: a new lead "must have a lead name, specified using the `hs_lead_name`
//! property" and "must be associated with an existing contact" (type 578, lead to primary
//! contact). The person fields of a unified lead live on that contact: HubSpot mirrors them on
//! the lead as `hs_associated_contact_firstname/lastname/email` and
//! `hs_associated_company_name` (read-only). So on write, [`lead_to_wire`] returns the lead
//! properties plus a [`Contact`] carrying the person fields, which the connector finds (by email)
//! or creates before the lead.

use unicrm_core::{Contact, EnumValue, Error, Lead, Result};

use super::{
    assoc, custom_fields_to_wire, no_home, owner_to_wire, passthrough_to_wire, HsObject, WireRead,
    WireWrite,
};

/// The properties a read asks for.
pub const READ_PROPERTIES: &[&str] = &[
    "hs_lead_name",
    "hs_lead_type",
    "hs_lead_label",
    "hs_pipeline",
    "hs_pipeline_stage",
    "hs_associated_contact_firstname",
    "hs_associated_contact_lastname",
    "hs_associated_contact_email",
    "hs_associated_company_name",
    "hubspot_owner_id",
    "hs_createdate",
    "hs_lastmodifieddate",
    "hs_object_id",
];

/// Properties with a unified home (everything else read becomes a custom field).
pub const CONSUMED: &[&str] = &[
    "hs_pipeline_stage",
    "hs_associated_contact_firstname",
    "hs_associated_contact_lastname",
    "hs_associated_contact_email",
    "hs_associated_company_name",
    "hubspot_owner_id",
    // Derived from the associated company (account_id) and read-only.
    "hs_associated_company_domain",
];

/// Associations a read asks for.
pub const READ_ASSOCIATIONS: &[HsObject] = &[HsObject::Contacts, HsObject::Companies];

/// Stages of HubSpot's default lead pipeline ↔ unified statuses.
const STAGES: &[(&str, &str)] = &[
    ("new-stage-id", "new"),
    ("attempting-stage-id", "in_progress"),
    ("connected-stage-id", "connected"),
    ("qualified-stage-id", "qualified"),
    ("unqualified-stage-id", "unqualified"),
];

/// A HubSpot lead payload → unified lead. `hs_lead_name` stays a custom field (it is the lead's
/// own name, not the person's).
/// `raw` stays unset: [`crate::connector::record_from_wire`] puts the payload there.
pub fn lead_from_wire(r: &WireRead) -> Result<Lead> {
    Ok(Lead {
        id: r.id(),
        remote_id: r.id(),
        first_name: r.prop("hs_associated_contact_firstname"),
        last_name: r.prop("hs_associated_contact_lastname"),
        emails: r.prop("hs_associated_contact_email").map(|e| vec![e]),
        phone_numbers: None,
        company_name: r.prop("hs_associated_company_name"),
        job_title: None,
        address: None,
        status: r.prop("hs_pipeline_stage").map(|s| {
            let unified = STAGES.iter().find(|(h, _)| *h == s).map(|(_, u)| *u);
            EnumValue::from_source(s, unified)
        }),
        source: None,
        tags: None,
        contact_id: r.first_id(HsObject::Contacts),
        account_id: r.first_id(HsObject::Companies),
        owner: r.owner(),
        custom_fields: r.custom_fields(CONSUMED),
        passthrough: r.passthrough(),
        created_at: r.created_at("hs_createdate")?,
        updated_at: r.updated_at("hs_lastmodifieddate")?,
        raw: None,
    })
}

/// The person fields of a lead, as the contact they belong on (`None` when there are none).
pub fn lead_person(l: &Lead) -> Option<Contact> {
    let c = Contact {
        first_name: l.first_name.clone(),
        last_name: l.last_name.clone(),
        emails: l.emails.clone(),
        phone_numbers: l.phone_numbers.clone(),
        company_name: l.company_name.clone(),
        job_title: l.job_title.clone(),
        address: l.address.clone(),
        owner: l.owner.clone(),
        ..Default::default()
    };
    let any = c.first_name.is_some()
        || c.last_name.is_some()
        || c.emails.is_some()
        || c.phone_numbers.is_some()
        || c.company_name.is_some()
        || c.job_title.is_some()
        || c.address.is_some();
    any.then_some(c)
}

/// The lead name HubSpot requires: first and last name, else the company name, else the email.
fn lead_name(l: &Lead) -> Option<String> {
    let full = [l.first_name.as_deref(), l.last_name.as_deref()]
        .into_iter()
        .flatten()
        .filter(|s| !s.trim().is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    if !full.is_empty() {
        return Some(full);
    }
    l.company_name
        .clone()
        .filter(|s| !s.trim().is_empty())
        .or_else(|| l.emails.as_ref().and_then(|e| e.first().cloned()))
}

/// Unified lead → HubSpot lead properties and associations (the person fields are returned by
/// [`lead_person`] for the contact). On create, a lead with neither `contact_id` nor person
/// fields is refused before any call.
pub fn lead_to_wire(l: &Lead, create: bool) -> Result<WireWrite> {
    no_home(
        "tags",
        &l.tags,
        "HubSpot leads have no tags; send a lead property in custom_fields instead",
    )?;
    if l.source.as_deref().is_some_and(|s| !s.is_empty()) {
        return Err(Error::invalid(
            "source",
            "HubSpot leads have no source property; send a lead property in custom_fields instead",
        ));
    }
    let mut w = WireWrite::default();
    // The lead's own name is set once, at creation; later name changes belong to the contact
    // (an explicit `hs_lead_name` custom field still renames the lead).
    if create {
        if let Some(name) = lead_name(l) {
            w.set("hs_lead_name", name);
        }
    }
    if let Some(status) = &l.status {
        let s = status.to_source(|u| STAGES.iter().find(|(_, x)| *x == u).map(|(h, _)| *h));
        w.set("hs_pipeline_stage", s.unwrap_or_default());
    }
    owner_to_wire(&mut w, &l.owner);
    w.associate_one(
        HsObject::Contacts,
        &l.contact_id,
        assoc::LEAD_TO_PRIMARY_CONTACT,
    );
    w.associate_one(
        HsObject::Companies,
        &l.account_id,
        assoc::LEAD_TO_PRIMARY_COMPANY,
    );
    custom_fields_to_wire(&mut w, &l.custom_fields)?;
    passthrough_to_wire(&mut w, &l.passthrough)?;
    if create {
        if w.properties
            .get("hs_lead_name")
            .is_none_or(|v| v.trim().is_empty())
        {
            return Err(Error::invalid(
                "last_name",
                "a HubSpot lead needs a name (hs_lead_name): give first_name/last_name, company_name or emails",
            ));
        }
        let has_contact = l.contact_id.as_deref().is_some_and(|c| !c.is_empty())
            || w.raw_associations.iter().any(|a| {
                a.types.iter().any(|t| {
                    assoc::target(HsObject::Leads, t.association_type_id)
                        == Some(HsObject::Contacts)
                })
            });
        if !has_contact && lead_person(l).is_none() {
            return Err(Error::invalid(
                "contact_id",
                "a HubSpot lead must be associated with a contact: give contact_id, or the person's name/emails so the contact can be found or created",
            ));
        }
    }
    Ok(w)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lead_needs_a_name_and_a_contact_or_a_person() {
        let e = lead_to_wire(&Lead::default(), true).unwrap_err();
        assert!(e.to_string().starts_with("last_name:"), "{e}");
        let named_only = Lead {
            custom_fields: vec![unicrm_core::CustomField::named(
                "hs_lead_name",
                serde_json::json!("Big deal"),
            )],
            ..Default::default()
        };
        let e = lead_to_wire(&named_only, true).unwrap_err();
        assert!(e.to_string().starts_with("contact_id:"), "{e}");
        let with_contact = Lead {
            contact_id: Some("512".into()),
            last_name: Some("Cooper".into()),
            status: Some(EnumValue::unified("qualified")),
            ..Default::default()
        };
        let w = lead_to_wire(&with_contact, true).unwrap();
        assert_eq!(w.properties["hs_lead_name"], "Cooper");
        assert_eq!(w.properties["hs_pipeline_stage"], "qualified-stage-id");
        assert_eq!(w.associations[0].type_id, assoc::LEAD_TO_PRIMARY_CONTACT);
    }

    #[test]
    fn tags_and_source_have_no_home_on_leads() {
        let l = Lead {
            contact_id: Some("1".into()),
            last_name: Some("x".into()),
            tags: Some(vec!["vip".into()]),
            ..Default::default()
        };
        assert!(lead_to_wire(&l, true)
            .unwrap_err()
            .to_string()
            .starts_with("tags:"));
        let l = Lead {
            tags: None,
            source: Some("Web".into()),
            ..l
        };
        assert!(lead_to_wire(&l, true)
            .unwrap_err()
            .to_string()
            .starts_with("source:"));
    }
}
