//! The object types the emulator serves and HubSpot's association types between them.

/// The five object types the emulator serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Obj {
    Contacts,
    Companies,
    Deals,
    Meetings,
    Leads,
}

impl Obj {
    pub(super) fn parse(raw: &str) -> Option<Obj> {
        Some(match raw.to_ascii_lowercase().as_str() {
            "contacts" | "contact" | "0-1" => Obj::Contacts,
            "companies" | "company" | "0-2" => Obj::Companies,
            "deals" | "deal" | "0-3" => Obj::Deals,
            "meetings" | "meeting" | "0-47" => Obj::Meetings,
            "leads" | "lead" | "0-136" => Obj::Leads,
            _ => return None,
        })
    }

    pub(super) fn name(self) -> &'static str {
        match self {
            Obj::Contacts => "contacts",
            Obj::Companies => "companies",
            Obj::Deals => "deals",
            Obj::Meetings => "meetings",
            Obj::Leads => "leads",
        }
    }

    pub(super) fn singular(self) -> &'static str {
        match self {
            Obj::Contacts => "contact",
            Obj::Companies => "company",
            Obj::Deals => "deal",
            Obj::Meetings => "meeting",
            Obj::Leads => "lead",
        }
    }

    pub(super) fn type_id(self) -> &'static str {
        match self {
            Obj::Contacts => "0-1",
            Obj::Companies => "0-2",
            Obj::Deals => "0-3",
            Obj::Meetings => "0-47",
            Obj::Leads => "0-136",
        }
    }

    /// The property holding the creation time.
    pub(super) fn created_prop(self) -> &'static str {
        match self {
            Obj::Meetings | Obj::Leads => "hs_createdate",
            _ => "createdate",
        }
    }

    /// Properties returned when `properties=` is absent (the search guide's defaults).
    pub(super) fn default_props(self) -> &'static [&'static str] {
        match self {
            Obj::Contacts => &[
                "createdate",
                "email",
                "firstname",
                "hs_object_id",
                "lastmodifieddate",
                "lastname",
            ],
            Obj::Companies => &[
                "createdate",
                "domain",
                "hs_lastmodifieddate",
                "hs_object_id",
                "name",
            ],
            Obj::Deals => &[
                "amount",
                "closedate",
                "createdate",
                "dealname",
                "dealstage",
                "hs_lastmodifieddate",
                "hs_object_id",
                "pipeline",
            ],
            Obj::Meetings => &[
                "hs_createdate",
                "hs_lastmodifieddate",
                "hs_object_id",
                "hs_timestamp",
            ],
            Obj::Leads => &[
                "hs_createdate",
                "hs_lastmodifieddate",
                "hs_lead_name",
                "hs_object_id",
            ],
        }
    }
}

/// HubSpot-defined association type ids between the emulated objects, both directions
/// ("Association type ID values" table of HubSpot's associations guide). The first entry of a
/// pair is the unlabeled default; `(from, to, type id, label-less name)`.
pub(super) const ASSOCIATION_TYPES: &[(Obj, Obj, i64, &str)] = &[
    (
        Obj::Contacts,
        Obj::Companies,
        279,
        "contact_to_company_unlabeled",
    ),
    (Obj::Contacts, Obj::Companies, 1, "contact_to_company"),
    (
        Obj::Companies,
        Obj::Contacts,
        280,
        "company_to_contact_unlabeled",
    ),
    (Obj::Companies, Obj::Contacts, 2, "company_to_contact"),
    (Obj::Contacts, Obj::Deals, 4, "contact_to_deal"),
    (Obj::Deals, Obj::Contacts, 3, "deal_to_contact"),
    (Obj::Deals, Obj::Companies, 341, "deal_to_company_unlabeled"),
    (Obj::Deals, Obj::Companies, 5, "deal_to_company"),
    (Obj::Companies, Obj::Deals, 342, "company_to_deal_unlabeled"),
    (Obj::Companies, Obj::Deals, 6, "company_to_deal"),
    (
        Obj::Contacts,
        Obj::Meetings,
        199,
        "contact_to_meeting_event",
    ),
    (
        Obj::Meetings,
        Obj::Contacts,
        200,
        "meeting_event_to_contact",
    ),
    (
        Obj::Companies,
        Obj::Meetings,
        187,
        "company_to_meeting_event",
    ),
    (
        Obj::Meetings,
        Obj::Companies,
        188,
        "meeting_event_to_company",
    ),
    (Obj::Deals, Obj::Meetings, 211, "deal_to_meeting_event"),
    (Obj::Meetings, Obj::Deals, 212, "meeting_event_to_deal"),
    (Obj::Leads, Obj::Contacts, 608, "lead_to_contact"),
    (Obj::Leads, Obj::Contacts, 578, "lead_to_primary_contact"),
    (Obj::Contacts, Obj::Leads, 609, "contact_to_lead"),
    (Obj::Leads, Obj::Companies, 610, "lead_to_company"),
    (Obj::Leads, Obj::Companies, 580, "lead_to_primary_company"),
    (Obj::Companies, Obj::Leads, 611, "company_to_lead"),
    (Obj::Leads, Obj::Deals, 1037, "lead_to_deal"),
    (Obj::Leads, Obj::Deals, 582, "lead_to_primary_deal"),
    (Obj::Deals, Obj::Leads, 1038, "deal_to_lead"),
    (Obj::Leads, Obj::Meetings, 600, "lead_to_meeting_event"),
    (Obj::Meetings, Obj::Leads, 601, "meeting_event_to_lead"),
];

/// The unlabeled type of `from → to` and of the way back.
pub(super) fn default_type(from: Obj, to: Obj) -> Option<(i64, i64)> {
    let fwd = ASSOCIATION_TYPES
        .iter()
        .find(|(f, t, _, _)| *f == from && *t == to)?
        .2;
    let back = ASSOCIATION_TYPES
        .iter()
        .find(|(f, t, _, _)| *f == to && *t == from)?
        .2;
    Some((fwd, back))
}

pub(super) fn association_type(from: Obj, type_id: i64) -> Option<Obj> {
    ASSOCIATION_TYPES
        .iter()
        .find(|(f, _, id, _)| *f == from && *id == type_id)
        .map(|(_, t, _, _)| *t)
}

pub(super) fn association_name(from: Obj, to: Obj, type_id: i64) -> &'static str {
    ASSOCIATION_TYPES
        .iter()
        .find(|(f, t, id, _)| *f == from && *t == to && *id == type_id)
        .map_or("unknown", |(_, _, _, n)| n)
}
