//! Unified deal ↔ Attio deal record (`/v2/objects/deals/records`).

use super::*;
use crate::config::{COMPANIES, DEALS, PEOPLE};
use unicrm_core::{Deal, EnumValue, Owner};

/// Deal attributes the deal fields map to (everything else is a custom field).
pub const KNOWN: &[&str] = &[
    "name",
    "stage",
    "owner",
    "value",
    "associated_people",
    "associated_company",
];

/// Attio's default deal stages ("by default one of \"Lead\", \"In Progress\", \"Won 🎉\",
/// \"Lost\"") that have a unified value. Workspaces rename and add stages; a stage without a
/// unified value keeps its title in `source_value`.
const STAGES: &[(&str, &str)] = &[("Won 🎉", "closed_won"), ("Lost", "closed_lost")];

/// The unified value of an Attio stage title, if any.
pub fn stage_to_unified(title: &str) -> Option<&'static str> {
    STAGES.iter().find(|(t, _)| *t == title).map(|(_, u)| *u)
}

/// The Attio stage title of a unified value, if any.
pub fn stage_from_unified(value: &str) -> Option<&'static str> {
    STAGES.iter().find(|(_, u)| *u == value).map(|(t, _)| *t)
}

/// A deal record as a unified deal; the owner carries only its id (the connector resolves it).
/// `raw` stays unset: the connector puts the record there (copied, or moved when owned).
pub fn deal_from_wire<'a>(record: impl Into<wire::RecordRef<'a>>) -> Result<Deal> {
    let record = record.into();
    let v = record.values;
    let (created_at, updated_at) = record_times(record)?;
    let stage = active_iter(v, "stage")
        .next()
        .and_then(|s| match s.get("status") {
            Some(Value::Object(st)) => st.get("title").and_then(Value::as_str).map(str::to_owned),
            Some(Value::String(t)) => Some(t.clone()),
            _ => None,
        });
    let value = active_iter(v, "value").next();
    let amount = match value.and_then(|x| x.get("currency_value")) {
        Some(n) => convert::decimal_from_json("amount", n)?,
        None => None,
    };
    let currency =
        value.and_then(|x| convert::non_empty(x.get("currency_code").and_then(Value::as_str)));
    let owner = active_iter(v, "owner")
        .next()
        .filter(|o| {
            o.get("referenced_actor_type").and_then(Value::as_str) == Some("workspace-member")
        })
        .and_then(|o| o.get("referenced_actor_id").and_then(Value::as_str))
        .map(Owner::id);
    Ok(Deal {
        id: Some(record.record_id.to_owned()),
        remote_id: Some(record.record_id.to_owned()),
        name: first_str(v, "name", "value"),
        amount,
        currency,
        stage: stage.map(|t| {
            let unified = stage_to_unified(&t);
            EnumValue::from_source(t, unified)
        }),
        account_id: record_refs(v, "associated_company").into_iter().next(),
        contact_ids: some_if_any(record_refs(v, "associated_people")),
        owner,
        custom_fields: custom_fields_from(v, KNOWN),
        created_at,
        updated_at,
        raw: None,
        ..Default::default()
    })
}

/// The `values` of a deal create/update. `currency` is not written: Attio stores a currency
/// attribute's values in the attribute's configured currency (the connector checks it).
pub fn deal_to_wire(d: &Deal) -> Result<Map<String, Value>> {
    let mut values = Map::new();
    if let Some(n) = &d.name {
        values.insert("name".into(), json!(n));
    }
    if let Some(stage) = &d.stage {
        let title = stage
            .to_source(stage_from_unified)
            .ok_or_else(|| Error::invalid("stage", "give a stage value or source_value"))?;
        values.insert("stage".into(), json!(title));
    }
    if let Some(a) = &d.amount {
        // "A numerical representation of the currency value. A decimal with a max of 4 decimal
        // places."
        if a.normalize().scale() > 4 {
            return Err(Error::invalid(
                "amount",
                format!("Attio keeps at most 4 decimal places in a currency value, got {a}"),
            ));
        }
        values.insert(
            "value".into(),
            json!([{"currency_value": convert::decimal_to_json(a)}]),
        );
    }
    if let Some(o) = &d.owner {
        values.insert(
            "owner".into(),
            json!([{"referenced_actor_type": "workspace-member", "referenced_actor_id": o.id}]),
        );
    }
    if let Some(id) = &d.account_id {
        let v = if id.is_empty() {
            json!([])
        } else {
            json!([record_ref(COMPANIES, id)])
        };
        values.insert("associated_company".into(), v);
    }
    if let Some(ids) = &d.contact_ids {
        let refs: Vec<Value> = ids.iter().map(|id| record_ref(PEOPLE, id)).collect();
        values.insert("associated_people".into(), Value::Array(refs));
    }
    let hint = "send it as a custom field naming one of your deal attributes";
    if d.close_date.is_some() {
        return Err(no_home("close_date", DEALS, hint));
    }
    if d.probability.is_some() {
        return Err(no_home("probability", DEALS, hint));
    }
    if d.pipeline.is_some() {
        return Err(no_home(
            "pipeline",
            DEALS,
            "stages live on the deal's `stage` attribute; Attio has no pipelines",
        ));
    }
    put_custom_and_passthrough(&mut values, &d.custom_fields, &d.passthrough)?;
    Ok(values)
}
