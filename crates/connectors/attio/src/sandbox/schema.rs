//! The workspace schema: the standard objects' attributes, select options and statuses.

use super::*;

/// One attribute of a standard object.
#[derive(Debug, Clone, Copy)]
pub(super) struct Attr {
    pub(super) slug: &'static str,
    pub(super) title: &'static str,
    pub(super) kind: &'static str,
    pub(super) multi: bool,
    pub(super) required: bool,
    pub(super) unique: bool,
    pub(super) writable: bool,
    pub(super) system: bool,
    /// Target object of a record reference.
    pub(super) target: Option<&'static str>,
}

pub(super) const fn attr(slug: &'static str, title: &'static str, kind: &'static str) -> Attr {
    Attr {
        slug,
        title,
        kind,
        multi: false,
        required: false,
        unique: false,
        writable: true,
        system: true,
        target: None,
    }
}

pub(super) const fn multi(mut a: Attr) -> Attr {
    a.multi = true;
    a
}
pub(super) const fn required(mut a: Attr) -> Attr {
    a.required = true;
    a
}
pub(super) const fn unique(mut a: Attr) -> Attr {
    a.unique = true;
    a
}
pub(super) const fn read_only(mut a: Attr) -> Attr {
    a.writable = false;
    a
}
pub(super) const fn custom(mut a: Attr) -> Attr {
    a.system = false;
    a
}
pub(super) const fn refs(mut a: Attr, target: &'static str) -> Attr {
    a.target = Some(target);
    a
}

pub(super) const COMMON: [Attr; 3] = [
    read_only(attr("record_id", "Record ID", "text")),
    read_only(attr("created_at", "Created at", "timestamp")),
    read_only(attr("created_by", "Created by", "actor-reference")),
];

pub(super) const PEOPLE_ATTRS: &[Attr] = &[
    COMMON[0],
    COMMON[1],
    COMMON[2],
    attr("name", "Name", "personal-name"),
    unique(multi(attr(
        "email_addresses",
        "Email addresses",
        "email-address",
    ))),
    attr("description", "Description", "text"),
    refs(attr("company", "Company", "record-reference"), COMPANIES),
    attr("job_title", "Job title", "text"),
    multi(attr("phone_numbers", "Phone numbers", "phone-number")),
    attr("primary_location", "Primary location", "location"),
    attr("linkedin", "LinkedIn", "text"),
    attr("twitter", "Twitter", "text"),
    refs(
        multi(attr(
            "associated_deals",
            "Associated deals",
            "record-reference",
        )),
        DEALS,
    ),
    custom(attr("preferred_language", "Preferred language", "text")),
];

pub(super) const COMPANY_ATTRS: &[Attr] = &[
    COMMON[0],
    COMMON[1],
    COMMON[2],
    unique(multi(attr("domains", "Domains", "domain"))),
    attr("name", "Name", "text"),
    attr("description", "Description", "text"),
    refs(multi(attr("team", "Team", "record-reference")), PEOPLE),
    multi(attr("categories", "Categories", "select")),
    attr("primary_location", "Primary location", "location"),
    attr("linkedin", "LinkedIn", "text"),
    attr("twitter", "Twitter", "text"),
    refs(
        multi(attr(
            "associated_deals",
            "Associated deals",
            "record-reference",
        )),
        DEALS,
    ),
    custom(attr("tier", "Tier", "select")),
];

pub(super) const DEAL_ATTRS: &[Attr] = &[
    COMMON[0],
    COMMON[1],
    COMMON[2],
    required(attr("name", "Deal name", "text")),
    required(attr("stage", "Deal stage", "status")),
    required(attr("owner", "Deal owner", "actor-reference")),
    attr("value", "Deal value", "currency"),
    refs(
        multi(attr(
            "associated_people",
            "Associated people",
            "record-reference",
        )),
        PEOPLE,
    ),
    refs(
        attr(
            "associated_company",
            "Associated company",
            "record-reference",
        ),
        COMPANIES,
    ),
    custom(attr("renewal_date", "Renewal date", "date")),
];

/// The default deal stages ("by default one of \"Lead\", \"In Progress\", \"Won 🎉\", \"Lost\"").
pub(super) const DEAL_STAGES: &[&str] = &["Lead", "In Progress", "Won 🎉", "Lost"];
/// Options of the company `categories` select (a few of Attio's defaults).
pub(super) const CATEGORIES: &[&str] = &["B2B", "B2C", "SAAS", "E-commerce", "Enterprise"];
/// Options of the custom company `tier` select.
pub(super) const TIERS: &[&str] = &["Enterprise", "Mid-market", "SMB"];
/// Currency of the deal `value` attribute.
pub(super) const DEAL_CURRENCY: &str = "USD";

/// Relationship attributes and their inverse: (object, slug, other object, other slug).
pub(super) const INVERSES: &[(&str, &str, &str, &str)] = &[
    (PEOPLE, "company", COMPANIES, "team"),
    (COMPANIES, "team", PEOPLE, "company"),
    (DEALS, "associated_people", PEOPLE, "associated_deals"),
    (PEOPLE, "associated_deals", DEALS, "associated_people"),
    (DEALS, "associated_company", COMPANIES, "associated_deals"),
    (COMPANIES, "associated_deals", DEALS, "associated_company"),
];

pub(super) fn schema(object: &str) -> Option<&'static [Attr]> {
    match object {
        PEOPLE => Some(PEOPLE_ATTRS),
        COMPANIES => Some(COMPANY_ATTRS),
        DEALS => Some(DEAL_ATTRS),
        _ => None,
    }
}

pub(super) fn find_attr(object: &str, slug_or_id: &str, token: &str) -> Option<Attr> {
    schema(object)?
        .iter()
        .find(|a| a.slug == slug_or_id || attribute_id(token, object, a.slug) == slug_or_id)
        .copied()
}

pub(super) fn choices(object: &str, slug: &str) -> &'static [&'static str] {
    match (object, slug) {
        (DEALS, "stage") => DEAL_STAGES,
        (COMPANIES, "categories") => CATEGORIES,
        (COMPANIES, "tier") => TIERS,
        _ => &[],
    }
}
