//! Unified deal ↔ Zoho `Deals` record.
//!
//! A deal points at one Account (`Account_Name`) and one Contact (`Contact_Name`) through lookups;
//! `Currency` exists only in multi-currency organisations (Zoho refuses it elsewhere).

use serde_json::Value;
use unicrm_core::{Deal, EnumValue, Error, Result};

use super::{require, Body, Read, Write};
use crate::wire::ZohoRecord;

/// Zoho's default deal stages ↔ unified stage values (the vocabulary the other connectors use).
pub const STAGES: &[(&str, &str)] = &[
    ("Qualification", "qualification"),
    ("Needs Analysis", "needs_analysis"),
    ("Value Proposition", "value_proposition"),
    ("Identify Decision Makers", "decision_makers"),
    ("Proposal/Price Quote", "proposal"),
    ("Negotiation/Review", "negotiation"),
    ("Closed Won", "closed_won"),
    ("Closed Lost", "closed_lost"),
    ("Closed Lost to Competition", "closed_lost"),
];

/// The unified stage of a Zoho stage (`None` for an org's own stages).
pub fn stage_to_unified(source: &str) -> Option<&'static str> {
    STAGES.iter().find(|(s, _)| *s == source).map(|(_, u)| *u)
}

/// The Zoho stage of a unified stage (`won`/`lost` accepted as the closed stages).
pub fn stage_to_source(unified: &str) -> Option<&'static str> {
    let unified = match unified {
        "won" => "closed_won",
        "lost" => "closed_lost",
        other => other,
    };
    STAGES.iter().find(|(_, u)| *u == unified).map(|(s, _)| *s)
}

/// Fields read into unified ones (and asked for by lists).
pub const FIELDS: &[&str] = &[
    "Deal_Name",
    "Amount",
    "Currency",
    "Stage",
    "Pipeline",
    "Closing_Date",
    "Probability",
    "Account_Name",
    "Contact_Name",
    "Owner",
    "Created_Time",
    "Modified_Time",
];

/// Zoho API name → unified field, for errors.
pub const UNIFIED_NAMES: &[(&str, &str)] = &[
    ("Deal_Name", "name"),
    ("Amount", "amount"),
    ("Currency", "currency"),
    ("Stage", "stage"),
    ("Pipeline", "pipeline"),
    ("Closing_Date", "close_date"),
    ("Probability", "probability"),
    ("Account_Name", "account_id"),
    ("Contact_Name", "contact_ids[0]"),
];

/// The record of a create or update of a deal.
pub fn deal_to_wire(d: &Deal, mode: Write) -> Result<ZohoRecord> {
    require(mode, "name", "Deal_Name", d.name.as_deref())?;
    let stage = d.stage.as_ref().and_then(|s| s.to_source(stage_to_source));
    if mode == Write::Create && stage.is_none() {
        return Err(Error::invalid(
            "stage",
            "required: Zoho CRM needs Stage to create a deal",
        ));
    }
    if let Some(p) = &d.probability {
        if p.is_sign_negative() || *p > rust_decimal::Decimal::from(100) {
            return Err(Error::invalid("probability", "must be between 0 and 100"));
        }
    }
    let mut body = Body::new(mode);
    body.text("Deal_Name", d.name.as_ref());
    body.decimal("Amount", d.amount.as_ref());
    if let Some(currency) = &d.currency {
        let ok = currency.len() == 3 && currency.bytes().all(|b| b.is_ascii_uppercase());
        if !ok {
            return Err(Error::invalid(
                "currency",
                format!("`{currency}` is not an ISO 4217 code like USD"),
            ));
        }
        body.value("Currency", Value::String(currency.clone()));
    }
    if let Some(stage) = stage {
        body.value("Stage", Value::String(stage));
    }
    body.text("Pipeline", d.pipeline.as_ref());
    if let Some(date) = d.close_date {
        body.value(
            "Closing_Date",
            Value::String(date.format("%Y-%m-%d").to_string()),
        );
    }
    body.decimal("Probability", d.probability.as_ref());
    body.lookup("Account_Name", "account_id", d.account_id.as_ref())?;
    match d.contact_ids.as_deref() {
        None => {}
        Some([]) if body.mode() == Write::Update => body.value("Contact_Name", Value::Null),
        Some([]) => {}
        Some([one]) => body.lookup("Contact_Name", "contact_ids[0]", Some(one))?,
        Some(_) => {
            return Err(Error::invalid(
                "contact_ids[1]",
                "a Zoho deal has one contact (the Contact_Name lookup); link more through \
                 Contact Roles",
            ))
        }
    }
    body.owner(d.owner.as_ref())?;
    body.finish(&d.custom_fields, &d.passthrough)
}

/// A deal as Zoho answers it.
/// `raw` stays unset: [`crate::connector::record_from_wire`] puts the record there.
pub fn deal_from_wire(rec: &ZohoRecord) -> Result<Deal> {
    let r = Read::new(rec);
    let id = r.id();
    let pipeline = r.text("Pipeline").or_else(|| r.lookup_name("Pipeline"));
    Ok(Deal {
        id: id.clone(),
        remote_id: id,
        name: r.text("Deal_Name"),
        amount: r.decimal("Amount")?,
        currency: r.text("Currency"),
        stage: r
            .text("Stage")
            .map(|s| EnumValue::from_source(s.clone(), stage_to_unified(&s))),
        pipeline,
        close_date: r.date("Closing_Date")?,
        probability: r.decimal("Probability")?,
        account_id: r.lookup_id("Account_Name"),
        contact_ids: r.lookup_id("Contact_Name").map(|id| vec![id]),
        owner: r.owner(),
        custom_fields: r.custom_fields(FIELDS),
        passthrough: Default::default(),
        created_at: r.datetime("Created_Time")?,
        updated_at: r.datetime("Modified_Time")?,
        raw: None,
    })
}
