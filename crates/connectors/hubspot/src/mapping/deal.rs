//! Unified deal ↔ HubSpot deal (`/crm/v3/objects/deals`).
//!
//! Property names: HubSpot deals guide (`dealname, dealstage, pipeline, amount, closedate,
//! hubspot_owner_id`; "you must use the internal ID of a deal stage or pipeline") and HubSpot's
//! default deal properties `deal_currency_code` and `hs_forecast_probability` (0–1).

use rust_decimal::Decimal;
use unicrm_core::{Deal, EnumValue, Error, Result};

use super::convert::format_date;
use super::{
    assoc, custom_fields_to_wire, owner_to_wire, passthrough_to_wire, HsObject, WireRead, WireWrite,
};

/// The properties a read asks for.
pub const READ_PROPERTIES: &[&str] = &[
    "dealname",
    "amount",
    "deal_currency_code",
    "dealstage",
    "pipeline",
    "closedate",
    "hs_forecast_probability",
    "hubspot_owner_id",
    "createdate",
    "hs_lastmodifieddate",
    "hs_object_id",
];

/// Properties with a unified home (everything else read becomes a custom field).
pub const CONSUMED: &[&str] = &[
    "dealname",
    "amount",
    "deal_currency_code",
    "dealstage",
    "pipeline",
    "closedate",
    "hs_forecast_probability",
    "hubspot_owner_id",
];

/// Associations a read asks for.
pub const READ_ASSOCIATIONS: &[HsObject] = &[HsObject::Companies, HsObject::Contacts];

/// Stages of HubSpot's default sales pipeline ↔ unified values; other (custom) stage ids are
/// kept as `source_value`.
const STAGES: &[(&str, &str)] = &[
    ("appointmentscheduled", "appointment_scheduled"),
    ("qualifiedtobuy", "qualified_to_buy"),
    ("presentationscheduled", "presentation_scheduled"),
    ("decisionmakerboughtin", "decision_maker_bought_in"),
    ("contractsent", "contract_sent"),
    ("closedwon", "closed_won"),
    ("closedlost", "closed_lost"),
];

/// A HubSpot deal payload → unified deal.
/// `raw` stays unset: [`crate::connector::record_from_wire`] puts the payload there.
pub fn deal_from_wire(r: &WireRead) -> Result<Deal> {
    let probability = r
        .prop("hs_forecast_probability")
        .map(|s| unicrm_core::convert::parse_decimal("probability", &s))
        .transpose()?
        .map(|p| (p * Decimal::ONE_HUNDRED).normalize());
    Ok(Deal {
        id: r.id(),
        remote_id: r.id(),
        name: r.prop("dealname"),
        amount: r
            .prop("amount")
            .map(|s| unicrm_core::convert::parse_decimal("amount", &s))
            .transpose()?,
        currency: r.prop("deal_currency_code"),
        stage: r.prop("dealstage").map(|s| {
            let unified = STAGES.iter().find(|(h, _)| *h == s).map(|(_, u)| *u);
            EnumValue::from_source(s, unified)
        }),
        pipeline: r.prop("pipeline"),
        close_date: r
            .prop("closedate")
            .map(|s| unicrm_core::convert::parse_date("close_date", &s))
            .transpose()?,
        probability,
        account_id: r.first_id(HsObject::Companies),
        contact_ids: r.ids(HsObject::Contacts),
        owner: r.owner(),
        custom_fields: r.custom_fields(CONSUMED),
        passthrough: r.passthrough(),
        created_at: r.created_at("createdate")?,
        updated_at: r.updated_at("hs_lastmodifieddate")?,
        raw: None,
    })
}

/// Unified deal → HubSpot deal properties and associations.
pub fn deal_to_wire(d: &Deal, create: bool) -> Result<WireWrite> {
    let mut w = WireWrite::default();
    w.text("dealname", &d.name);
    if let Some(a) = &d.amount {
        w.set("amount", a.to_string());
    }
    if let Some(c) = &d.currency {
        if !c.is_empty() && (c.len() != 3 || !c.bytes().all(|b| b.is_ascii_alphabetic())) {
            return Err(Error::invalid(
                "currency",
                format!("{c:?} is not an ISO 4217 currency code"),
            ));
        }
        w.set("deal_currency_code", c.to_ascii_uppercase());
    }
    if let Some(stage) = &d.stage {
        let s = stage.to_source(|u| STAGES.iter().find(|(_, x)| *x == u).map(|(h, _)| *h));
        w.set("dealstage", s.unwrap_or_default());
    }
    w.text("pipeline", &d.pipeline);
    if let Some(date) = &d.close_date {
        w.set("closedate", format_date(date));
    }
    if let Some(p) = &d.probability {
        if *p < Decimal::ZERO || *p > Decimal::ONE_HUNDRED {
            return Err(Error::invalid(
                "probability",
                "a probability is a percentage between 0 and 100",
            ));
        }
        w.set(
            "hs_forecast_probability",
            (p / Decimal::ONE_HUNDRED).normalize().to_string(),
        );
    }
    owner_to_wire(&mut w, &d.owner);
    w.associate_one(HsObject::Companies, &d.account_id, assoc::DEAL_TO_COMPANY);
    w.associate(HsObject::Contacts, &d.contact_ids, assoc::DEAL_TO_CONTACT);
    custom_fields_to_wire(&mut w, &d.custom_fields)?;
    passthrough_to_wire(&mut w, &d.passthrough)?;
    if create {
        for (prop, field) in [("dealname", "name"), ("dealstage", "stage")] {
            if w.properties.get(prop).is_none_or(|v| v.trim().is_empty()) {
                return Err(Error::invalid(
                    field,
                    format!("a HubSpot deal needs {field} ({prop})"),
                ));
            }
        }
    }
    Ok(w)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    #[test]
    fn probability_is_percent_unified_and_fraction_on_the_wire() {
        let d = Deal {
            name: Some("x".into()),
            stage: Some(EnumValue::unified("closed_won")),
            probability: Some(Decimal::from_str("90").unwrap()),
            ..Default::default()
        };
        let w = deal_to_wire(&d, true).unwrap();
        assert_eq!(w.properties["hs_forecast_probability"], "0.9");
        assert_eq!(w.properties["dealstage"], "closedwon");
    }
}
