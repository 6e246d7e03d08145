//! Unified account ↔ HubSpot company (`/crm/v3/objects/companies`).
//!
//! Property names: HubSpot companies guide (`name, domain, city, industry, phone, state,
//! lifecyclestage`; "include at least one of … name or domain") and HubSpot's default company
//! properties (`website, address, address2, zip, country, description, annualrevenue,
//! hubspot_owner_id`).

use unicrm_core::{Account, Error, Result};

use super::contact::{address_from_wire, address_to_wire};
use super::{
    custom_fields_to_wire, owner_to_wire, passthrough_to_wire, HsObject, WireRead, WireWrite,
};

/// The properties a read asks for.
pub const READ_PROPERTIES: &[&str] = &[
    "name",
    "domain",
    "website",
    "industry",
    "annualrevenue",
    "phone",
    "address",
    "address2",
    "city",
    "state",
    "zip",
    "country",
    "description",
    "hubspot_owner_id",
    "createdate",
    "hs_lastmodifieddate",
    "hs_object_id",
];

/// Properties with a unified home (everything else read becomes a custom field).
pub const CONSUMED: &[&str] = &[
    "name",
    "website",
    "industry",
    "annualrevenue",
    "phone",
    "address",
    "address2",
    "city",
    "state",
    "zip",
    "country",
    "description",
    "hubspot_owner_id",
];

/// Associations a read asks for (none are unified on accounts).
pub const READ_ASSOCIATIONS: &[HsObject] = &[];

/// Whether `s` is a bare domain (`hubspot.com`), not a URL.
fn is_bare_domain(s: &str) -> bool {
    !s.contains("://") && !s.contains('/') && s.contains('.') && !s.contains(' ')
}

/// A HubSpot company payload → unified account. `website` is the Website URL, else the domain;
/// when both are set, `domain` also travels as a custom field.
/// `raw` stays unset: [`crate::connector::record_from_wire`] puts the payload there.
pub fn account_from_wire(r: &WireRead) -> Result<Account> {
    let website = r.prop("website");
    let mut custom = r.custom_fields(CONSUMED);
    if website.is_none() {
        custom.retain(|f| f.remote_id.as_deref() != Some("domain"));
    }
    Ok(Account {
        id: r.id(),
        remote_id: r.id(),
        name: r.prop("name"),
        website: website.or_else(|| r.prop("domain")),
        industry: r.prop("industry"),
        annual_revenue: r
            .prop("annualrevenue")
            .map(|s| unicrm_core::convert::parse_decimal("annual_revenue", &s))
            .transpose()?,
        phone_numbers: r.prop("phone").map(|p| vec![p]),
        address: address_from_wire(r),
        description: r.prop("description"),
        owner: r.owner(),
        custom_fields: custom,
        passthrough: r.passthrough(),
        created_at: r.created_at("createdate")?,
        updated_at: r.updated_at("hs_lastmodifieddate")?,
        raw: None,
    })
}

/// Unified account → HubSpot company properties. A bare domain goes to `domain` (HubSpot's
/// de-duplication key), a URL to `website`.
pub fn account_to_wire(a: &Account, create: bool) -> Result<WireWrite> {
    let mut w = WireWrite::default();
    w.text("name", &a.name);
    if let Some(site) = &a.website {
        if is_bare_domain(site) {
            w.set("domain", site.clone());
        } else {
            w.set("website", site.clone());
        }
    }
    w.text("industry", &a.industry);
    if let Some(rev) = &a.annual_revenue {
        w.set("annualrevenue", rev.to_string());
    }
    if let Some(phones) = &a.phone_numbers {
        if phones.len() > 1 {
            return Err(Error::invalid(
                "phone_numbers[1]",
                "HubSpot companies hold one phone number",
            ));
        }
        w.set("phone", phones.first().cloned().unwrap_or_default());
    }
    address_to_wire(&mut w, &a.address, true);
    w.text("description", &a.description);
    owner_to_wire(&mut w, &a.owner);
    custom_fields_to_wire(&mut w, &a.custom_fields)?;
    passthrough_to_wire(&mut w, &a.passthrough)?;
    if create {
        let has = |k: &str| w.properties.get(k).is_some_and(|v| !v.trim().is_empty());
        if !(has("name") || has("domain")) {
            return Err(Error::invalid(
                "name",
                "a HubSpot company needs a name or a domain (website)",
            ));
        }
    }
    Ok(w)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bare_domain_goes_to_domain_and_a_url_to_website() {
        let a = Account {
            website: Some("hubspot.com".into()),
            ..Default::default()
        };
        let w = account_to_wire(&a, true).unwrap();
        assert_eq!(w.properties["domain"], "hubspot.com");
        let a = Account {
            name: Some("HubSpot".into()),
            website: Some("https://www.hubspot.com/".into()),
            ..Default::default()
        };
        let w = account_to_wire(&a, true).unwrap();
        assert_eq!(w.properties["website"], "https://www.hubspot.com/");
        assert!(!w.properties.contains_key("domain"));
        let e = account_to_wire(&Account::default(), true).unwrap_err();
        assert!(e.to_string().starts_with("name:"), "{e}");
    }

    #[test]
    fn two_lines_of_street_use_address2() {
        let a = Account {
            name: Some("x".into()),
            address: Some(unicrm_core::Address {
                street: Some("2 Canal Park\nFloor 5".into()),
                ..Default::default()
            }),
            ..Default::default()
        };
        let w = account_to_wire(&a, true).unwrap();
        assert_eq!(w.properties["address"], "2 Canal Park");
        assert_eq!(w.properties["address2"], "Floor 5");
    }
}
