//! Dialect "v1": camelCase bodies in a `{success, statusCode, message, data: {data: …}}` envelope
//! (`../shared/api-examples/v1-resource-create.txt`).
//!
//! Single `email`/`phone` are the primary entries of the core lists; `emails`/`phones` carry all
//! of them. `customFields` is an object of provider field name → value. Responses list every
//! field of the example page, `null` when unknown.

use super::{merge_primary, ser_decimal, ser_enum_plain, ser_ts, EnumInput};
use crate::error::Result;
use crate::model::*;
use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// A postal address (`street, city, state, postalCode, country`).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct AddressDto {
    /// Street.
    pub street: Option<String>,
    /// City.
    pub city: Option<String>,
    /// State.
    pub state: Option<String>,
    /// Postal code.
    pub postal_code: Option<String>,
    /// Country.
    pub country: Option<String>,
}

impl From<AddressDto> for Address {
    fn from(a: AddressDto) -> Self {
        Address {
            street: a.street,
            city: a.city,
            state: a.state,
            postal_code: a.postal_code,
            country: a.country,
        }
    }
}

fn customs_in(c: Option<Map<String, Value>>) -> Vec<CustomField> {
    c.unwrap_or_default()
        .into_iter()
        .map(|(k, v)| CustomField::named(k, v))
        .collect()
}

fn owner_in(id: Option<String>) -> Option<Owner> {
    id.map(Owner::id)
}

/// Request body of a contact.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ContactInput {
    /// First name.
    pub first_name: Option<String>,
    /// Last name.
    pub last_name: Option<String>,
    /// Primary e-mail.
    pub email: Option<String>,
    /// Further e-mails (the primary is `email` when given, else the first of these).
    pub emails: Option<Vec<String>>,
    /// Primary phone.
    pub phone: Option<String>,
    /// Further phones.
    pub phones: Option<Vec<String>>,
    /// Company name.
    pub company: Option<String>,
    /// Job title.
    pub job_title: Option<String>,
    /// Address.
    pub address: Option<AddressDto>,
    /// Tags.
    pub tags: Option<Vec<String>>,
    /// Provider-native owner id.
    pub owner_id: Option<String>,
    /// Lifecycle stage.
    pub lifecycle_stage: Option<EnumInput>,
    /// Source.
    pub source: Option<String>,
    /// Provider-specific fields.
    pub custom_fields: Option<Map<String, Value>>,
    /// Associated account ids.
    pub account_ids: Option<Vec<String>>,
    /// Associated deal ids.
    pub deal_ids: Option<Vec<String>>,
}

/// A contact as dialect "v1" answers it.
#[derive(Debug, Clone, Copy, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ContactOutput<'a> {
    /// Id.
    pub id: Option<&'a str>,
    /// Provider id.
    pub remote_id: Option<&'a str>,
    /// First name.
    pub first_name: Option<&'a str>,
    /// Last name.
    pub last_name: Option<&'a str>,
    /// Primary e-mail.
    pub email: Option<&'a str>,
    /// Primary phone.
    pub phone: Option<&'a str>,
    /// Company.
    pub company: Option<&'a str>,
    /// Job title.
    pub job_title: Option<&'a str>,
    /// Address.
    pub address: Option<AddressOut<'a>>,
    /// Lifecycle stage.
    #[serde(serialize_with = "ser_enum_plain")]
    pub lifecycle_stage: Option<&'a EnumValue>,
    /// Owner id.
    pub owner_id: Option<&'a str>,
    /// Owner name.
    pub owner_name: Option<&'a str>,
    /// Owner e-mail.
    pub owner_email: Option<&'a str>,
    /// Source.
    pub source: Option<&'a str>,
    /// Tags.
    pub tags: Option<&'a [String]>,
    /// Custom fields.
    pub custom_fields: CustomsOut<'a>,
    /// All e-mails.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub emails: Option<&'a [String]>,
    /// All phones.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phones: Option<&'a [String]>,
    /// Account ids.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account_ids: Option<&'a [String]>,
    /// Deal ids.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deal_ids: Option<&'a [String]>,
    /// Created.
    #[serde(serialize_with = "ser_ts")]
    pub created_at: Option<DateTime<Utc>>,
    /// Updated.
    #[serde(serialize_with = "ser_ts")]
    pub updated_at: Option<DateTime<Utc>>,
}

/// Request body of a lead.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct LeadInput {
    /// First name.
    pub first_name: Option<String>,
    /// Last name.
    pub last_name: Option<String>,
    /// Primary e-mail.
    pub email: Option<String>,
    /// Further e-mails.
    pub emails: Option<Vec<String>>,
    /// Primary phone.
    pub phone: Option<String>,
    /// Further phones.
    pub phones: Option<Vec<String>>,
    /// Company.
    pub company: Option<String>,
    /// Job title.
    pub job_title: Option<String>,
    /// Address.
    pub address: Option<AddressDto>,
    /// Status.
    pub status: Option<EnumInput>,
    /// Source.
    pub source: Option<String>,
    /// Owner id.
    pub owner_id: Option<String>,
    /// Tags.
    pub tags: Option<Vec<String>>,
    /// Linked contact.
    pub contact_id: Option<String>,
    /// Linked account.
    pub account_id: Option<String>,
    /// Custom fields.
    pub custom_fields: Option<Map<String, Value>>,
}

/// A lead as dialect "v1" answers it.
#[derive(Debug, Clone, Copy, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LeadOutput<'a> {
    /// Id.
    pub id: Option<&'a str>,
    /// Provider id.
    pub remote_id: Option<&'a str>,
    /// First name.
    pub first_name: Option<&'a str>,
    /// Last name.
    pub last_name: Option<&'a str>,
    /// Primary e-mail.
    pub email: Option<&'a str>,
    /// Primary phone.
    pub phone: Option<&'a str>,
    /// Company.
    pub company: Option<&'a str>,
    /// Job title.
    pub job_title: Option<&'a str>,
    /// Address.
    pub address: Option<AddressOut<'a>>,
    /// Status.
    #[serde(serialize_with = "ser_enum_plain")]
    pub status: Option<&'a EnumValue>,
    /// Source.
    pub source: Option<&'a str>,
    /// Owner id.
    pub owner_id: Option<&'a str>,
    /// Owner name.
    pub owner_name: Option<&'a str>,
    /// Owner e-mail.
    pub owner_email: Option<&'a str>,
    /// Tags.
    pub tags: Option<&'a [String]>,
    /// Custom fields.
    pub custom_fields: CustomsOut<'a>,
    /// All e-mails.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub emails: Option<&'a [String]>,
    /// All phones.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phones: Option<&'a [String]>,
    /// Linked contact.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contact_id: Option<&'a str>,
    /// Linked account.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account_id: Option<&'a str>,
    /// Created.
    #[serde(serialize_with = "ser_ts")]
    pub created_at: Option<DateTime<Utc>>,
    /// Updated.
    #[serde(serialize_with = "ser_ts")]
    pub updated_at: Option<DateTime<Utc>>,
}

/// Request body of a deal.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct DealInput {
    /// Name.
    pub name: Option<String>,
    /// Amount (number or decimal string).
    pub amount: Option<Decimal>,
    /// Currency.
    pub currency: Option<String>,
    /// Stage.
    pub stage: Option<EnumInput>,
    /// Pipeline.
    pub pipeline: Option<String>,
    /// Close date (`YYYY-MM-DD`).
    pub close_date: Option<NaiveDate>,
    /// Probability (0–100).
    pub probability: Option<Decimal>,
    /// Account id.
    pub account_id: Option<String>,
    /// Contact ids.
    pub contact_ids: Option<Vec<String>>,
    /// Owner id.
    pub owner_id: Option<String>,
    /// Custom fields.
    pub custom_fields: Option<Map<String, Value>>,
}

/// A deal as dialect "v1" answers it.
#[derive(Debug, Clone, Copy, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DealOutput<'a> {
    /// Id.
    pub id: Option<&'a str>,
    /// Provider id.
    pub remote_id: Option<&'a str>,
    /// Name.
    pub name: Option<&'a str>,
    /// Amount.
    #[serde(serialize_with = "ser_decimal")]
    pub amount: Option<Decimal>,
    /// Currency.
    pub currency: Option<&'a str>,
    /// Stage.
    #[serde(serialize_with = "ser_enum_plain")]
    pub stage: Option<&'a EnumValue>,
    /// Pipeline.
    pub pipeline: Option<&'a str>,
    /// Close date.
    pub close_date: Option<NaiveDate>,
    /// Probability.
    #[serde(serialize_with = "ser_decimal")]
    pub probability: Option<Decimal>,
    /// Account id.
    pub account_id: Option<&'a str>,
    /// Contact ids.
    pub contact_ids: Option<&'a [String]>,
    /// Owner id.
    pub owner_id: Option<&'a str>,
    /// Owner name.
    pub owner_name: Option<&'a str>,
    /// Owner e-mail.
    pub owner_email: Option<&'a str>,
    /// Custom fields.
    pub custom_fields: CustomsOut<'a>,
    /// Created.
    #[serde(serialize_with = "ser_ts")]
    pub created_at: Option<DateTime<Utc>>,
    /// Updated.
    #[serde(serialize_with = "ser_ts")]
    pub updated_at: Option<DateTime<Utc>>,
}

/// Request body of a meeting.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct MeetingInput {
    /// Title.
    pub title: Option<String>,
    /// Description.
    pub description: Option<String>,
    /// Start (RFC 3339).
    pub start_time: Option<DateTime<Utc>>,
    /// End (RFC 3339).
    pub end_time: Option<DateTime<Utc>>,
    /// Location.
    pub location: Option<String>,
    /// Attendee contact ids.
    pub contact_ids: Option<Vec<String>>,
    /// Related account.
    pub account_id: Option<String>,
    /// Related deal.
    pub deal_id: Option<String>,
    /// Outcome.
    pub outcome: Option<EnumInput>,
    /// Owner id.
    pub owner_id: Option<String>,
    /// Custom fields.
    pub custom_fields: Option<Map<String, Value>>,
}

/// A meeting as dialect "v1" answers it.
#[derive(Debug, Clone, Copy, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MeetingOutput<'a> {
    /// Id.
    pub id: Option<&'a str>,
    /// Provider id.
    pub remote_id: Option<&'a str>,
    /// Title.
    pub title: Option<&'a str>,
    /// Description.
    pub description: Option<&'a str>,
    /// Start.
    #[serde(serialize_with = "ser_ts")]
    pub start_time: Option<DateTime<Utc>>,
    /// End.
    #[serde(serialize_with = "ser_ts")]
    pub end_time: Option<DateTime<Utc>>,
    /// Location.
    pub location: Option<&'a str>,
    /// Attendees.
    pub contact_ids: Option<&'a [String]>,
    /// Outcome.
    #[serde(serialize_with = "ser_enum_plain")]
    pub outcome: Option<&'a EnumValue>,
    /// Owner id.
    pub owner_id: Option<&'a str>,
    /// Owner name.
    pub owner_name: Option<&'a str>,
    /// Owner e-mail.
    pub owner_email: Option<&'a str>,
    /// Custom fields.
    pub custom_fields: CustomsOut<'a>,
    /// Related account.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account_id: Option<&'a str>,
    /// Related deal.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deal_id: Option<&'a str>,
    /// Created.
    #[serde(serialize_with = "ser_ts")]
    pub created_at: Option<DateTime<Utc>>,
    /// Updated.
    #[serde(serialize_with = "ser_ts")]
    pub updated_at: Option<DateTime<Utc>>,
}

/// Request body of an account.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct AccountInput {
    /// Name.
    pub name: Option<String>,
    /// Web site.
    pub website: Option<String>,
    /// Industry.
    pub industry: Option<String>,
    /// Annual revenue.
    pub annual_revenue: Option<Decimal>,
    /// Primary phone.
    pub phone: Option<String>,
    /// Further phones.
    pub phones: Option<Vec<String>>,
    /// Address.
    pub address: Option<AddressDto>,
    /// Description.
    pub description: Option<String>,
    /// Owner id.
    pub owner_id: Option<String>,
    /// Custom fields.
    pub custom_fields: Option<Map<String, Value>>,
}

/// An account as dialect "v1" answers it.
#[derive(Debug, Clone, Copy, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AccountOutput<'a> {
    /// Id.
    pub id: Option<&'a str>,
    /// Provider id.
    pub remote_id: Option<&'a str>,
    /// Name.
    pub name: Option<&'a str>,
    /// Web site.
    pub website: Option<&'a str>,
    /// Industry.
    pub industry: Option<&'a str>,
    /// Annual revenue.
    #[serde(serialize_with = "ser_decimal")]
    pub annual_revenue: Option<Decimal>,
    /// Primary phone.
    pub phone: Option<&'a str>,
    /// Address.
    pub address: Option<AddressOut<'a>>,
    /// Description.
    pub description: Option<&'a str>,
    /// Owner id.
    pub owner_id: Option<&'a str>,
    /// Owner name.
    pub owner_name: Option<&'a str>,
    /// Owner e-mail.
    pub owner_email: Option<&'a str>,
    /// Custom fields.
    pub custom_fields: CustomsOut<'a>,
    /// All phones.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phones: Option<&'a [String]>,
    /// Created.
    #[serde(serialize_with = "ser_ts")]
    pub created_at: Option<DateTime<Utc>>,
    /// Updated.
    #[serde(serialize_with = "ser_ts")]
    pub updated_at: Option<DateTime<Utc>>,
}

/// Parses a request body of `resource` into a core record.
pub fn parse_request(resource: Resource, bytes: &[u8]) -> Result<Record> {
    use super::parse_json;
    Ok(match resource {
        Resource::Contact => {
            let i: ContactInput = parse_json(bytes)?;
            Record::Contact(Contact {
                first_name: i.first_name,
                last_name: i.last_name,
                emails: merge_primary(i.email, i.emails),
                phone_numbers: merge_primary(i.phone, i.phones),
                company_name: i.company,
                job_title: i.job_title,
                address: i.address.map(Into::into),
                tags: i.tags,
                owner: owner_in(i.owner_id),
                lifecycle_stage: i.lifecycle_stage.map(EnumInput::into_core),
                source: i.source,
                custom_fields: customs_in(i.custom_fields),
                account_ids: i.account_ids,
                deal_ids: i.deal_ids,
                ..Default::default()
            })
        }
        Resource::Lead => {
            let i: LeadInput = parse_json(bytes)?;
            Record::Lead(Lead {
                first_name: i.first_name,
                last_name: i.last_name,
                emails: merge_primary(i.email, i.emails),
                phone_numbers: merge_primary(i.phone, i.phones),
                company_name: i.company,
                job_title: i.job_title,
                address: i.address.map(Into::into),
                status: i.status.map(EnumInput::into_core),
                source: i.source,
                owner: owner_in(i.owner_id),
                tags: i.tags,
                contact_id: i.contact_id,
                account_id: i.account_id,
                custom_fields: customs_in(i.custom_fields),
                ..Default::default()
            })
        }
        Resource::Deal => {
            let i: DealInput = parse_json(bytes)?;
            Record::Deal(Deal {
                name: i.name,
                amount: i.amount,
                currency: i.currency,
                stage: i.stage.map(EnumInput::into_core),
                pipeline: i.pipeline,
                close_date: i.close_date,
                probability: i.probability,
                account_id: i.account_id,
                contact_ids: i.contact_ids,
                owner: owner_in(i.owner_id),
                custom_fields: customs_in(i.custom_fields),
                ..Default::default()
            })
        }
        Resource::Meeting => {
            let i: MeetingInput = parse_json(bytes)?;
            Record::Meeting(Meeting {
                title: i.title,
                description: i.description,
                start_time: i.start_time,
                end_time: i.end_time,
                location: i.location,
                contact_ids: i.contact_ids,
                account_id: i.account_id,
                deal_id: i.deal_id,
                outcome: i.outcome.map(EnumInput::into_core),
                owner: owner_in(i.owner_id),
                custom_fields: customs_in(i.custom_fields),
                ..Default::default()
            })
        }
        Resource::Account => {
            let i: AccountInput = parse_json(bytes)?;
            Record::Account(Account {
                name: i.name,
                website: i.website,
                industry: i.industry,
                annual_revenue: i.annual_revenue,
                phone_numbers: merge_primary(i.phone, i.phones),
                address: i.address.map(Into::into),
                description: i.description,
                owner: owner_in(i.owner_id),
                custom_fields: customs_in(i.custom_fields),
                ..Default::default()
            })
        }
    })
}

fn owner_parts(o: &Option<Owner>) -> (Option<&str>, Option<&str>, Option<&str>) {
    match o {
        Some(o) => (Some(&o.id), o.name.as_deref(), o.email.as_deref()),
        None => (None, None, None),
    }
}

fn first(v: &Option<Vec<String>>) -> Option<&str> {
    v.as_ref().and_then(|v| v.first()).map(String::as_str)
}

/// All entries, when there is more than one (the first is the single field).
fn many(v: &Option<Vec<String>>) -> Option<&[String]> {
    v.as_deref().filter(|v| v.len() > 1)
}

fn non_empty(v: &Option<Vec<String>>) -> Option<&[String]> {
    v.as_deref().filter(|v| !v.is_empty())
}

/// An address as dialect "v1" answers it (`street, city, state, postalCode, country`).
#[derive(Debug, Clone, Copy, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AddressOut<'a> {
    /// Street.
    pub street: Option<&'a str>,
    /// City.
    pub city: Option<&'a str>,
    /// State.
    pub state: Option<&'a str>,
    /// Postal code.
    pub postal_code: Option<&'a str>,
    /// Country.
    pub country: Option<&'a str>,
}

impl<'a> From<&'a Address> for AddressOut<'a> {
    fn from(a: &'a Address) -> Self {
        AddressOut {
            street: a.street.as_deref(),
            city: a.city.as_deref(),
            state: a.state.as_deref(),
            postal_code: a.postal_code.as_deref(),
            country: a.country.as_deref(),
        }
    }
}

/// `customFields` out: provider field name → value, `null` when there are none. Fields without
/// a provider name are left out; of two with the same name the last one is kept.
#[derive(Debug, Clone, Copy)]
pub struct CustomsOut<'a>(pub &'a [CustomField]);

impl Serialize for CustomsOut<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        if self.0.is_empty() {
            return s.serialize_none();
        }
        let map: std::collections::BTreeMap<&str, &Value> = self
            .0
            .iter()
            .filter_map(|f| Some((f.target()?, &f.value)))
            .collect();
        s.collect_map(map)
    }
}

/// A core record as the dialect "v1" record object (the inner `data.data`), borrowed from the
/// record: it serializes straight to JSON text, or to a `Value` with [`render`].
#[derive(Debug, Clone, Copy, Serialize)]
#[serde(untagged)]
pub enum RecordOut<'a> {
    /// A contact.
    Contact(ContactOutput<'a>),
    /// A lead.
    Lead(LeadOutput<'a>),
    /// A deal.
    Deal(DealOutput<'a>),
    /// A meeting.
    Meeting(MeetingOutput<'a>),
    /// An account.
    Account(AccountOutput<'a>),
}

/// The dialect "v1" view of a core record.
pub fn view(record: &Record) -> RecordOut<'_> {
    match record {
        Record::Contact(c) => {
            let (owner_id, owner_name, owner_email) = owner_parts(&c.owner);
            RecordOut::Contact(ContactOutput {
                id: c.id.as_deref(),
                remote_id: c.remote_id.as_deref(),
                first_name: c.first_name.as_deref(),
                last_name: c.last_name.as_deref(),
                email: first(&c.emails),
                phone: first(&c.phone_numbers),
                company: c.company_name.as_deref(),
                job_title: c.job_title.as_deref(),
                address: c.address.as_ref().map(Into::into),
                lifecycle_stage: c.lifecycle_stage.as_ref(),
                owner_id,
                owner_name,
                owner_email,
                source: c.source.as_deref(),
                tags: c.tags.as_deref(),
                custom_fields: CustomsOut(&c.custom_fields),
                emails: many(&c.emails),
                phones: many(&c.phone_numbers),
                account_ids: non_empty(&c.account_ids),
                deal_ids: non_empty(&c.deal_ids),
                created_at: c.created_at,
                updated_at: c.updated_at,
            })
        }
        Record::Lead(l) => {
            let (owner_id, owner_name, owner_email) = owner_parts(&l.owner);
            RecordOut::Lead(LeadOutput {
                id: l.id.as_deref(),
                remote_id: l.remote_id.as_deref(),
                first_name: l.first_name.as_deref(),
                last_name: l.last_name.as_deref(),
                email: first(&l.emails),
                phone: first(&l.phone_numbers),
                company: l.company_name.as_deref(),
                job_title: l.job_title.as_deref(),
                address: l.address.as_ref().map(Into::into),
                status: l.status.as_ref(),
                source: l.source.as_deref(),
                owner_id,
                owner_name,
                owner_email,
                tags: l.tags.as_deref(),
                custom_fields: CustomsOut(&l.custom_fields),
                emails: many(&l.emails),
                phones: many(&l.phone_numbers),
                contact_id: l.contact_id.as_deref(),
                account_id: l.account_id.as_deref(),
                created_at: l.created_at,
                updated_at: l.updated_at,
            })
        }
        Record::Deal(d) => {
            let (owner_id, owner_name, owner_email) = owner_parts(&d.owner);
            RecordOut::Deal(DealOutput {
                id: d.id.as_deref(),
                remote_id: d.remote_id.as_deref(),
                name: d.name.as_deref(),
                amount: d.amount,
                currency: d.currency.as_deref(),
                stage: d.stage.as_ref(),
                pipeline: d.pipeline.as_deref(),
                close_date: d.close_date,
                probability: d.probability,
                account_id: d.account_id.as_deref(),
                contact_ids: d.contact_ids.as_deref(),
                owner_id,
                owner_name,
                owner_email,
                custom_fields: CustomsOut(&d.custom_fields),
                created_at: d.created_at,
                updated_at: d.updated_at,
            })
        }
        Record::Meeting(m) => {
            let (owner_id, owner_name, owner_email) = owner_parts(&m.owner);
            RecordOut::Meeting(MeetingOutput {
                id: m.id.as_deref(),
                remote_id: m.remote_id.as_deref(),
                title: m.title.as_deref(),
                description: m.description.as_deref(),
                start_time: m.start_time,
                end_time: m.end_time,
                location: m.location.as_deref(),
                contact_ids: m.contact_ids.as_deref(),
                outcome: m.outcome.as_ref(),
                owner_id,
                owner_name,
                owner_email,
                custom_fields: CustomsOut(&m.custom_fields),
                account_id: m.account_id.as_deref(),
                deal_id: m.deal_id.as_deref(),
                created_at: m.created_at,
                updated_at: m.updated_at,
            })
        }
        Record::Account(a) => {
            let (owner_id, owner_name, owner_email) = owner_parts(&a.owner);
            RecordOut::Account(AccountOutput {
                id: a.id.as_deref(),
                remote_id: a.remote_id.as_deref(),
                name: a.name.as_deref(),
                website: a.website.as_deref(),
                industry: a.industry.as_deref(),
                annual_revenue: a.annual_revenue,
                phone: first(&a.phone_numbers),
                address: a.address.as_ref().map(Into::into),
                description: a.description.as_deref(),
                owner_id,
                owner_name,
                owner_email,
                custom_fields: CustomsOut(&a.custom_fields),
                phones: many(&a.phone_numbers),
                created_at: a.created_at,
                updated_at: a.updated_at,
            })
        }
    }
}

/// Renders a core record as the dialect "v1" record object (the inner `data.data`) as a
/// `Value`; [`view`] serializes the same object without building one.
pub fn render(record: &Record) -> Value {
    serde_json::to_value(view(record)).unwrap_or(Value::Null)
}
