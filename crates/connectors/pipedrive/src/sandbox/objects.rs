//! The four API v2 objects the emulator serves and what each one is called on the wire.

/// The four API v2 objects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Obj {
    Persons,
    Organizations,
    Deals,
    Activities,
}

impl Obj {
    pub(super) fn collection(self) -> &'static str {
        match self {
            Obj::Persons => "persons",
            Obj::Organizations => "organizations",
            Obj::Deals => "deals",
            Obj::Activities => "activities",
        }
    }

    /// "Person not found" …
    pub(super) fn noun(self) -> &'static str {
        match self {
            Obj::Persons => "Person",
            Obj::Organizations => "Organization",
            Obj::Deals => "Deal",
            Obj::Activities => "Activity",
        }
    }

    /// Writable fields (v2 request bodies); other keys are ignored as Pipedrive ignores them.
    pub(super) fn writable(self) -> &'static [&'static str] {
        match self {
            Obj::Persons => &[
                "name",
                "owner_id",
                "org_id",
                "emails",
                "phones",
                "visible_to",
                "label_ids",
                "marketing_status",
                "postal_address",
                "job_title",
                "notes",
                "im",
                "birthday",
                "custom_fields",
            ],
            Obj::Organizations => &[
                "name",
                "owner_id",
                "address",
                "visible_to",
                "label_ids",
                "website",
                "linkedin",
                "industry",
                "annual_revenue",
                "employee_count",
                "custom_fields",
            ],
            Obj::Deals => &[
                "title",
                "owner_id",
                "person_id",
                "org_id",
                "pipeline_id",
                "stage_id",
                "value",
                "currency",
                "status",
                "probability",
                "lost_reason",
                "visible_to",
                "close_time",
                "won_time",
                "lost_time",
                "expected_close_date",
                "label_ids",
                "is_archived",
                "custom_fields",
            ],
            Obj::Activities => &[
                "subject",
                "type",
                "owner_id",
                "deal_id",
                "lead_id",
                "person_id",
                "org_id",
                "project_id",
                "due_date",
                "due_time",
                "duration",
                "busy",
                "done",
                "location",
                "participants",
                "attendees",
                "public_description",
                "priority",
                "note",
                "custom_fields",
            ],
        }
    }
}
