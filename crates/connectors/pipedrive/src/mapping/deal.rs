//! Unified deal ↔ Pipedrive deal (API v2 `/api/v2/deals`).
//!
//! `stage` carries both halves of where a Pipedrive deal stands: the unified value is its
//! `status` (`open` → `open`, `won` → `closed_won`, `lost` → `closed_lost`), the source value its
//! pipeline stage id (`stage_id`, a per-account number). Writing `closed_won` / `closed_lost` /
//! `open` sets `status`; a numeric source value (or value) sets `stage_id`.
//! A deal links one person (`person_id`): `contact_ids` holds zero or one id.

use serde_json::{Map, Value};
use unicrm_core::convert::{decimal_from_json, decimal_to_json, parse_date};
use unicrm_core::{Deal, EnumValue, Error, Result};

use super::{
    custom_from_wire, finish_body, id_list, id_string, numeric_id, owner_from_wire, text, times,
    CustomStyle,
};

/// Deal fields read into unified fields.
pub const MAPPED: &[&str] = &[
    "title",
    "value",
    "currency",
    "stage_id",
    "pipeline_id",
    "expected_close_date",
    "probability",
    "status",
    "org_id",
    "person_id",
    "owner_id",
];

/// Pipedrive deal JSON → unified deal.
/// `raw` stays unset: [`crate::connector::record_from_wire`] puts the record there.
pub fn deal_from_wire(obj: &Map<String, Value>) -> Result<Deal> {
    let (created_at, updated_at) = times(obj)?;
    let id = id_string(obj.get("id"));
    let number = |k: &str| match obj.get(k) {
        Some(v) => decimal_from_json(k, v),
        None => Ok(None),
    };
    Ok(Deal {
        remote_id: id.clone(),
        id,
        name: text(obj, "title"),
        amount: number("value")?,
        currency: text(obj, "currency"),
        stage: stage_from_wire(obj),
        pipeline: id_string(obj.get("pipeline_id")),
        close_date: text(obj, "expected_close_date")
            .map(|d| parse_date("expected_close_date", &d))
            .transpose()?,
        probability: number("probability")?,
        account_id: id_string(obj.get("org_id")),
        contact_ids: id_list(obj, "person_id"),
        owner: owner_from_wire(obj),
        custom_fields: custom_from_wire(obj, MAPPED),
        passthrough: Default::default(),
        created_at,
        updated_at,
        raw: None,
    })
}

/// The unified status value of a Pipedrive deal `status`.
pub fn status_value(status: &str) -> Option<&'static str> {
    match status {
        "open" => Some("open"),
        "won" => Some("closed_won"),
        "lost" => Some("closed_lost"),
        _ => None,
    }
}

/// `stage` of a deal: value from `status`, source value `stage_id`.
/// `raw` stays unset: [`crate::connector::record_from_wire`] puts the record there.
pub fn stage_from_wire(obj: &Map<String, Value>) -> Option<EnumValue> {
    let value = text(obj, "status")
        .as_deref()
        .and_then(status_value)
        .map(str::to_owned);
    let source_value = id_string(obj.get("stage_id"));
    (value.is_some() || source_value.is_some()).then_some(EnumValue {
        value,
        source_value,
    })
}

/// What a unified stage writes: (`status`, `stage_id`).
pub fn stage_to_wire(stage: &EnumValue) -> Result<(Option<&'static str>, Option<i64>)> {
    let status = match stage.value.as_deref() {
        Some("open") => Some("open"),
        Some("closed_won" | "won") => Some("won"),
        Some("closed_lost" | "lost") => Some("lost"),
        _ => None,
    };
    let numeric = stage
        .source_value
        .as_deref()
        .or(stage.value.as_deref())
        .filter(|s| super::is_numeric_id(s));
    let stage_id = numeric.map(|s| numeric_id("stage", s)).transpose()?;
    if status.is_none() && stage_id.is_none() {
        return Err(Error::invalid(
            "stage",
            "a Pipedrive deal stage is `open`, `closed_won`, `closed_lost` or a numeric stage id (GET /api/v2/stages)",
        ));
    }
    Ok((status, stage_id))
}

/// Unified deal → deal body (`POST` when `create`, else `PATCH`).
pub fn deal_to_wire(d: &Deal, create: bool) -> Result<Map<String, Value>> {
    let mut body = Map::new();
    match d.name.as_deref().map(str::trim) {
        Some("") => return Err(Error::invalid("name", "must not be empty")),
        Some(n) => {
            body.insert("title".into(), Value::String(n.to_owned()));
        }
        None if create && !d.passthrough.contains_key("title") => {
            return Err(Error::invalid(
                "name",
                "a Pipedrive deal needs a title (`title` is required)",
            ))
        }
        None => {}
    }
    if let Some(a) = &d.amount {
        body.insert("value".into(), decimal_to_json(a));
    }
    if let Some(c) = &d.currency {
        if c.len() != 3 || !c.bytes().all(|b| b.is_ascii_alphabetic()) {
            return Err(Error::invalid(
                "currency",
                "an ISO 4217 code (e.g. USD) is expected",
            ));
        }
        body.insert("currency".into(), Value::String(c.to_ascii_uppercase()));
    }
    if let Some(s) = &d.stage {
        let (status, stage_id) = stage_to_wire(s)?;
        if let Some(st) = status {
            body.insert("status".into(), Value::String(st.into()));
        }
        if let Some(id) = stage_id {
            body.insert("stage_id".into(), Value::from(id));
        }
    }
    if let Some(p) = &d.pipeline {
        body.insert(
            "pipeline_id".into(),
            Value::from(numeric_id("pipeline", p)?),
        );
    }
    if let Some(date) = &d.close_date {
        body.insert(
            "expected_close_date".into(),
            Value::String(date.format("%Y-%m-%d").to_string()),
        );
    }
    if let Some(p) = &d.probability {
        if p.is_sign_negative() || *p > rust_decimal::Decimal::from(100) {
            return Err(Error::invalid(
                "probability",
                "a percentage between 0 and 100 is expected",
            ));
        }
        body.insert("probability".into(), decimal_to_json(p));
    }
    if let Some(a) = &d.account_id {
        body.insert("org_id".into(), Value::from(numeric_id("account_id", a)?));
    }
    if let Some(ids) = &d.contact_ids {
        let v = match ids.as_slice() {
            [] => Value::Null,
            [one] => Value::from(numeric_id("contact_ids[0]", one)?),
            _ => return Err(Error::invalid(
                "contact_ids",
                "a Pipedrive deal links one person (`person_id`); add more as deal participants",
            )),
        };
        body.insert("person_id".into(), v);
    }
    if let Some(o) = &d.owner {
        body.insert(
            "owner_id".into(),
            Value::from(numeric_id("owner.id", &o.id)?),
        );
    }
    finish_body(body, &d.custom_fields, &d.passthrough, CustomStyle::Nested)
}
