//! Unified deal ↔ Salesforce `Opportunity`.

use serde_json::Value;
use unicrm_core::{Deal, EnumValue, Error, Result};

use super::{decimal_value, no_home, require, Body, Read, Write, COMMON_FIELDS};
use crate::wire::{SObject, SObjectType};

/// Salesforce's default opportunity stages ↔ unified stage values.
pub const STAGES: &[(&str, &str)] = &[
    ("Prospecting", "prospecting"),
    ("Qualification", "qualification"),
    ("Needs Analysis", "needs_analysis"),
    ("Value Proposition", "value_proposition"),
    ("Id. Decision Makers", "decision_makers"),
    ("Perception Analysis", "perception_analysis"),
    ("Proposal/Price Quote", "proposal"),
    ("Negotiation/Review", "negotiation"),
    ("Closed Won", "closed_won"),
    ("Closed Lost", "closed_lost"),
];

/// The unified stage of a Salesforce stage (`None` for an org's own stages).
pub fn stage_to_unified(source: &str) -> Option<&'static str> {
    STAGES.iter().find(|(s, _)| *s == source).map(|(_, u)| *u)
}

/// The Salesforce stage of a unified stage (`won`/`lost` accepted as the closed stages).
pub fn stage_to_source(unified: &str) -> Option<&'static str> {
    let unified = match unified {
        "won" => "closed_won",
        "lost" => "closed_lost",
        other => other,
    };
    STAGES.iter().find(|(_, u)| *u == unified).map(|(s, _)| *s)
}

/// Fields selected when reading opportunities (plus `FIELDS(CUSTOM)`). `CurrencyIsoCode` exists
/// only in multi-currency orgs, so it is not selected by name: [`deal_from_wire`] reads it when
/// the answer has it (e.g. from `GET /sobjects/Opportunity/{id}`).
pub fn select_fields() -> Vec<&'static str> {
    let mut fields = COMMON_FIELDS.to_vec();
    fields.extend([
        "Name",
        "StageName",
        "CloseDate",
        "Amount",
        "Probability",
        "AccountId",
        "ContactId",
    ]);
    fields
}

/// The body of a create or update of an opportunity.
pub fn deal_to_wire(d: &Deal, mode: Write) -> Result<SObject> {
    require(mode, "name", "Name", d.name.as_deref())?;
    if mode == Write::Create && d.close_date.is_none() {
        return Err(Error::invalid(
            "close_date",
            "required: Salesforce needs CloseDate to create an opportunity",
        ));
    }
    let stage = d.stage.as_ref().and_then(|s| s.to_source(stage_to_source));
    if mode == Write::Create && stage.is_none() {
        return Err(Error::invalid(
            "stage",
            "required: Salesforce needs StageName to create an opportunity",
        ));
    }
    if d.pipeline.is_some() {
        return Err(no_home(
            "pipeline",
            "Opportunity",
            "sales processes are record types: send RecordTypeId as passthrough",
        ));
    }
    let mut body = Body::new(mode);
    body.text("Name", d.name.as_ref());
    if let Some(amount) = &d.amount {
        body.value("Amount", decimal_value(amount));
    }
    body.text("CurrencyIsoCode", d.currency.as_ref());
    if let Some(stage) = stage {
        body.value("StageName", Value::String(stage));
    }
    if let Some(date) = d.close_date {
        body.value(
            "CloseDate",
            Value::String(date.format("%Y-%m-%d").to_string()),
        );
    }
    if let Some(p) = &d.probability {
        if p.is_sign_negative() || *p > rust_decimal::Decimal::from(100) {
            return Err(Error::invalid("probability", "must be between 0 and 100"));
        }
        body.value("Probability", decimal_value(p));
    }
    body.reference(
        "AccountId",
        "account_id",
        d.account_id.as_ref(),
        &[SObjectType::Account],
    )?;
    match d.contact_ids.as_deref() {
        None | Some([]) => {}
        Some([one]) if mode == Write::Create => {
            body.reference(
                "ContactId",
                "contact_ids[0]",
                Some(one),
                &[SObjectType::Contact],
            )?;
        }
        Some([_]) => {
            return Err(Error::invalid(
                "contact_ids",
                "Salesforce sets an opportunity's contact (ContactId) only when it is created",
            ))
        }
        Some(_) => {
            return Err(Error::invalid(
                "contact_ids[1]",
                "a Salesforce opportunity carries one contact (ContactId); add more through \
                 OpportunityContactRole records",
            ))
        }
    }
    body.owner(d.owner.as_ref())?;
    body.finish(&d.custom_fields, &d.passthrough)
}

/// An opportunity as Salesforce answers it.
/// `raw` stays unset: [`crate::connector::record_from_wire`] puts the record there.
pub fn deal_from_wire(obj: &SObject) -> Result<Deal> {
    let r = Read::new(obj);
    let id = r.id();
    Ok(Deal {
        id: id.clone(),
        remote_id: id,
        name: r.text("Name"),
        amount: r.decimal("Amount")?,
        currency: r.text("CurrencyIsoCode"),
        stage: r
            .text("StageName")
            .map(|s| EnumValue::from_source(s.clone(), stage_to_unified(&s))),
        pipeline: None,
        close_date: r.date("CloseDate")?,
        probability: r.decimal("Probability")?,
        account_id: r.text("AccountId"),
        contact_ids: r.texts(&["ContactId"]),
        owner: r.owner(),
        custom_fields: r.custom_fields(),
        passthrough: Default::default(),
        created_at: r.datetime("CreatedDate")?,
        updated_at: r.datetime("LastModifiedDate")?,
        raw: None,
    })
}
