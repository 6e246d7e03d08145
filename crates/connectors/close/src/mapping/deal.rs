//! Unified deal ↔ Close opportunity (`/opportunity/`).
//!
//! | unified | Close opportunity |
//! | --- | --- |
//! | name | `note` (opportunities have no name; the note is their free text) |
//! | amount | `value` ÷ 100 (Close stores cents) |
//! | currency | `value_currency` (read only: the organisation's currency) |
//! | stage | `status_id` (value from `status_type`: active → open, won → closed_won, lost → closed_lost) |
//! | pipeline | `pipeline_id` (create only; afterwards it follows the status) |
//! | close_date | `date_won` |
//! | probability | `confidence` (0–100) |
//! | account_id | `lead_id` |
//! | contact_ids | `[contact_id]` (one contact per opportunity) |
//! | owner | `user_id` (+ `user_name`) |

use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;
use serde_json::{json, Value};
use unicrm_core::convert::{decimal_from_json, parse_date};
use unicrm_core::{Deal, EnumValue, Error, Owner, Result};

use super::{apply_custom_and_passthrough, custom_fields_from, text, timestamp, Write};
use crate::wire::Object;

/// Close opportunity keys the mapping reads.
pub const MAPPED: &[&str] = &[
    "note",
    "value",
    "value_currency",
    "status_id",
    "status_type",
    "status_label",
    "pipeline_id",
    "date_won",
    "confidence",
    "lead_id",
    "contact_id",
    "user_id",
    "user_name",
];

/// Close opportunity keys that are derived or bookkeeping (kept in `raw` only).
pub const SYSTEM: &[&str] = &[
    "id",
    "organization_id",
    "lead_name",
    "contact_name",
    "pipeline_name",
    "status_display_name",
    "value_formatted",
    "expected_value",
    "annualized_value",
    "annualized_expected_value",
    "note_html",
    "date_created",
    "date_updated",
    "date_lost",
    "created_by",
    "updated_by",
    "created_by_name",
    "updated_by_name",
    "integration_links",
    "attachments",
    "stall_status",
    "suggested_action",
    "lead_primary_email",
    "lead_primary_phone",
    "comment_summary",
];

/// The unified stage value of a Close status type.
pub fn stage_value(status_type: &str) -> Option<&'static str> {
    match status_type {
        "active" => Some("open"),
        "won" => Some("closed_won"),
        "lost" => Some("closed_lost"),
        _ => None,
    }
}

/// The Close status type a unified stage value names (`open` → `active`).
pub fn stage_type(value: &str) -> Option<&'static str> {
    match value.trim().to_ascii_lowercase().as_str() {
        "open" | "active" => Some("active"),
        "won" | "closed_won" => Some("won"),
        "lost" | "closed_lost" => Some("lost"),
        _ => None,
    }
}

/// A Close opportunity as a unified deal.
/// `raw` stays unset: [`crate::connector::record_from_wire`] puts the record there.
pub fn deal_from_wire(obj: &Object) -> Result<Deal> {
    let id = text(obj, "id");
    let cents = decimal_from_json("value", obj.get("value").unwrap_or(&Value::Null))?;
    let stage = match (text(obj, "status_id"), text(obj, "status_type")) {
        (None, None) => None,
        (id, kind) => Some(EnumValue {
            value: kind.as_deref().and_then(stage_value).map(str::to_owned),
            source_value: id.or(kind),
        }),
    };
    let probability = match obj.get("confidence") {
        None | Some(Value::Null) => None,
        Some(v) => decimal_from_json("confidence", v)?,
    };
    Ok(Deal {
        remote_id: id.clone(),
        id,
        name: text(obj, "note"),
        amount: cents.map(|c| (c / Decimal::from(100)).normalize()),
        currency: text(obj, "value_currency"),
        stage,
        pipeline: text(obj, "pipeline_id"),
        close_date: text(obj, "date_won")
            .map(|d| parse_date("date_won", &d))
            .transpose()?,
        probability,
        account_id: text(obj, "lead_id"),
        contact_ids: text(obj, "contact_id").map(|c| vec![c]),
        owner: text(obj, "user_id").map(|uid| Owner {
            id: uid,
            name: text(obj, "user_name"),
            email: None,
        }),
        custom_fields: custom_fields_from(obj, MAPPED, SYSTEM),
        created_at: timestamp(obj, "date_created")?,
        updated_at: timestamp(obj, "date_updated")?,
        raw: None,
        passthrough: Default::default(),
    })
}

/// The Close status field and value for a unified stage: a `stat_…` id as `status_id`, anything
/// else as the `status` label (the connector resolves labels to ids before writing).
pub fn stage_to_wire(stage: &EnumValue) -> Option<(&'static str, String)> {
    let source = stage.to_source(|v| match stage_type(v) {
        Some("active") => Some("Active"),
        Some("won") => Some("Won"),
        Some("lost") => Some("Lost"),
        _ => None,
    })?;
    Some(if source.starts_with("stat_") {
        ("status_id", source)
    } else {
        ("status", source)
    })
}

/// A unified deal as a `/opportunity/` body. `currency` is not written: Close opportunities carry
/// the organisation's currency (`value_currency` is read only).
pub fn deal_to_wire(d: &Deal, mode: Write) -> Result<Object> {
    let mut body = Object::new();
    if let Some(name) = &d.name {
        body.insert("note".into(), json!(name));
    }
    if let Some(amount) = &d.amount {
        let cents = amount * Decimal::from(100);
        if cents.fract() != Decimal::ZERO {
            return Err(Error::invalid(
                "amount",
                format!("{amount} has more than two decimals; Close stores amounts in cents"),
            ));
        }
        let cents = cents
            .to_i64()
            .ok_or_else(|| Error::invalid("amount", format!("{amount} is out of range")))?;
        body.insert("value".into(), json!(cents));
    }
    if let Some(stage) = &d.stage {
        if let Some((key, value)) = stage_to_wire(stage) {
            body.insert(key.into(), json!(value));
        }
    }
    if let Some(p) = &d.pipeline {
        if mode == Write::Update {
            return Err(Error::invalid(
                "pipeline",
                "a Close opportunity's pipeline follows its status after creation; change stage instead",
            ));
        }
        body.insert("pipeline_id".into(), json!(p));
    }
    if let Some(date) = &d.close_date {
        body.insert(
            "date_won".into(),
            json!(date.format("%Y-%m-%d").to_string()),
        );
    }
    if let Some(p) = &d.probability {
        let confidence = p
            .round_dp(0)
            .to_i64()
            .filter(|c| (0..=100).contains(c) && Decimal::from(*c) == p.normalize())
            .ok_or_else(|| {
                Error::invalid(
                    "probability",
                    format!("{p} is not a whole percentage from 0 to 100 (Close confidence)"),
                )
            })?;
        body.insert("confidence".into(), json!(confidence));
    }
    if let Some(account) = &d.account_id {
        body.insert("lead_id".into(), json!(account));
    }
    match d.contact_ids.as_deref() {
        None => {}
        Some([]) => {
            body.insert("contact_id".into(), Value::Null);
        }
        Some([one]) => {
            body.insert("contact_id".into(), json!(one));
        }
        Some(_) => {
            return Err(Error::invalid(
                "contact_ids",
                "a Close opportunity has one contact (contact_id); give at most one id",
            ))
        }
    }
    if let Some(owner) = &d.owner {
        body.insert("user_id".into(), json!(owner.id));
    }
    apply_custom_and_passthrough(&mut body, &d.custom_fields, &d.passthrough)?;
    Ok(body)
}
