//! Dialect "unified": snake_case bodies as in StackOne's CRM API
//! (`../shared/api-examples/stackone-crm-create-contact.txt`, `specs/stackone/crm.openapi.json`).
//!
//! Contacts and accounts follow StackOne's schemas field for field; leads, deals and meetings, and
//! the contact fields StackOne lacks (`job_title`, `address`, `tags`, `owner_id`,
//! `lifecycle_stage`, `source`), use the dialect "v1" names in snake_case.

use super::{ser_decimal, ser_ts, EnumInput, EnumOutput};
use crate::error::{Error, Result};
use crate::model::*;
use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// A custom field as dialect "unified" writes it.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CustomFieldDto {
    /// Unified id.
    pub id: Option<String>,
    /// Provider id.
    pub remote_id: Option<String>,
    /// Label.
    pub name: Option<String>,
    /// Value.
    #[serde(default)]
    pub value: Value,
    /// Unified option id.
    pub value_id: Option<String>,
    /// Provider option id.
    pub remote_value_id: Option<String>,
}

impl From<CustomFieldDto> for CustomField {
    fn from(d: CustomFieldDto) -> Self {
        CustomField {
            id: d.id,
            remote_id: d.remote_id,
            name: d.name,
            value: d.value,
            value_id: d.value_id,
            remote_value_id: d.remote_value_id,
        }
    }
}

impl From<&CustomField> for CustomFieldDto {
    fn from(c: &CustomField) -> Self {
        CustomFieldDto {
            id: c.id.clone(),
            remote_id: c.remote_id.clone(),
            name: c.name.clone(),
            value: c.value.clone(),
            value_id: c.value_id.clone(),
            remote_value_id: c.remote_value_id.clone(),
        }
    }
}

/// A postal address of a contact or lead (`street, city, state, postal_code, country`).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
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

impl From<&Address> for AddressDto {
    fn from(a: &Address) -> Self {
        AddressDto {
            street: a.street.clone(),
            city: a.city.clone(),
            state: a.state.clone(),
            postal_code: a.postal_code.clone(),
            country: a.country.clone(),
        }
    }
}

/// An account address as in StackOne's `AccountAddress`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccountAddressDto {
    /// First street line.
    pub street_1: Option<String>,
    /// Second street line.
    pub street_2: Option<String>,
    /// City.
    pub city: Option<String>,
    /// State.
    pub state: Option<String>,
    /// ZIP / postal code.
    pub zip_code: Option<String>,
    /// Country (ISO code or an object with `value`, as StackOne's `CountryEnum`).
    pub country: Option<Value>,
    /// Location type (StackOne `LocationTypeEnum`).
    pub location_type: Option<Value>,
}

fn country_text(v: Option<Value>, field: &str) -> Result<Option<String>> {
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(Value::Object(o)) => match o.get("value").or_else(|| o.get("source_value")) {
            Some(Value::String(s)) => Ok(Some(s.clone())),
            _ => Err(Error::invalid(
                field,
                "expected a country code string or {\"value\": \"<code>\"}",
            )),
        },
        Some(_) => Err(Error::invalid(
            field,
            "expected a country code string or {\"value\": \"<code>\"}",
        )),
    }
}

fn enum_out(e: &Option<EnumValue>) -> Option<EnumOutput> {
    e.as_ref().map(EnumOutput::from)
}

fn owner_in(id: Option<String>) -> Option<Owner> {
    id.map(Owner::id)
}

fn customs_in(c: Option<Vec<CustomFieldDto>>) -> Vec<CustomField> {
    c.unwrap_or_default().into_iter().map(Into::into).collect()
}

fn customs_out(c: &[CustomField]) -> Option<Vec<CustomFieldDto>> {
    (!c.is_empty()).then(|| c.iter().map(Into::into).collect())
}

/// Request body of a contact (create or update).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContactInput {
    /// First name.
    pub first_name: Option<String>,
    /// Last name.
    pub last_name: Option<String>,
    /// Company name.
    pub company_name: Option<String>,
    /// E-mail addresses.
    pub emails: Option<Vec<String>>,
    /// Phone numbers.
    pub phone_numbers: Option<Vec<String>>,
    /// Associated deal ids.
    pub deal_ids: Option<Vec<String>>,
    /// Associated account ids.
    pub account_ids: Option<Vec<String>>,
    /// Custom fields.
    pub custom_fields: Option<Vec<CustomFieldDto>>,
    /// Passthrough provider fields.
    pub passthrough: Option<Map<String, Value>>,
    /// Job title.
    pub job_title: Option<String>,
    /// Address.
    pub address: Option<AddressDto>,
    /// Tags.
    pub tags: Option<Vec<String>>,
    /// Owner id.
    pub owner_id: Option<String>,
    /// Lifecycle stage.
    pub lifecycle_stage: Option<EnumInput>,
    /// Source.
    pub source: Option<String>,
}

impl From<ContactInput> for Contact {
    fn from(i: ContactInput) -> Self {
        Contact {
            first_name: i.first_name,
            last_name: i.last_name,
            company_name: i.company_name,
            emails: i.emails,
            phone_numbers: i.phone_numbers,
            deal_ids: i.deal_ids,
            account_ids: i.account_ids,
            custom_fields: customs_in(i.custom_fields),
            passthrough: i.passthrough.unwrap_or_default(),
            job_title: i.job_title,
            address: i.address.map(Into::into),
            tags: i.tags,
            owner: owner_in(i.owner_id),
            lifecycle_stage: i.lifecycle_stage.map(EnumInput::into_core),
            source: i.source,
            ..Default::default()
        }
    }
}

/// A contact as dialect "unified" answers it.
#[derive(Debug, Clone, Serialize)]
pub struct ContactOutput {
    /// Unified id.
    pub id: Option<String>,
    /// Provider id.
    pub remote_id: Option<String>,
    /// Custom fields under the project's own names (from the linked account's field mapping).
    pub unified_custom_fields: Option<Map<String, Value>>,
    /// First name.
    pub first_name: Option<String>,
    /// Last name.
    pub last_name: Option<String>,
    /// Company name.
    pub company_name: Option<String>,
    /// E-mails.
    pub emails: Option<Vec<String>>,
    /// Phones.
    pub phone_numbers: Option<Vec<String>>,
    /// Deal ids.
    pub deal_ids: Option<Vec<String>>,
    /// Provider deal ids.
    pub remote_deal_ids: Option<Vec<String>>,
    /// Account ids.
    pub account_ids: Option<Vec<String>>,
    /// Provider account ids.
    pub remote_account_ids: Option<Vec<String>>,
    /// Custom fields.
    pub custom_fields: Option<Vec<CustomFieldDto>>,
    /// Job title.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub job_title: Option<String>,
    /// Address.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address: Option<AddressDto>,
    /// Tags.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tags: Option<Vec<String>>,
    /// Owner id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner_id: Option<String>,
    /// Lifecycle stage.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lifecycle_stage: Option<EnumOutput>,
    /// Source.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// Created.
    #[serde(serialize_with = "ser_ts")]
    pub created_at: Option<DateTime<Utc>>,
    /// Updated.
    #[serde(serialize_with = "ser_ts")]
    pub updated_at: Option<DateTime<Utc>>,
}

/// Request body of a lead.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LeadInput {
    /// First name.
    pub first_name: Option<String>,
    /// Last name.
    pub last_name: Option<String>,
    /// Company name.
    pub company_name: Option<String>,
    /// E-mails.
    pub emails: Option<Vec<String>>,
    /// Phones.
    pub phone_numbers: Option<Vec<String>>,
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
    /// Linked contact id.
    pub contact_id: Option<String>,
    /// Linked account id.
    pub account_id: Option<String>,
    /// Custom fields.
    pub custom_fields: Option<Vec<CustomFieldDto>>,
    /// Passthrough.
    pub passthrough: Option<Map<String, Value>>,
}

impl From<LeadInput> for Lead {
    fn from(i: LeadInput) -> Self {
        Lead {
            first_name: i.first_name,
            last_name: i.last_name,
            company_name: i.company_name,
            emails: i.emails,
            phone_numbers: i.phone_numbers,
            job_title: i.job_title,
            address: i.address.map(Into::into),
            status: i.status.map(EnumInput::into_core),
            source: i.source,
            owner: owner_in(i.owner_id),
            tags: i.tags,
            contact_id: i.contact_id,
            account_id: i.account_id,
            custom_fields: customs_in(i.custom_fields),
            passthrough: i.passthrough.unwrap_or_default(),
            ..Default::default()
        }
    }
}

/// A lead as dialect "unified" answers it.
#[derive(Debug, Clone, Serialize)]
pub struct LeadOutput {
    /// Unified id.
    pub id: Option<String>,
    /// Provider id.
    pub remote_id: Option<String>,
    /// Project-named custom fields.
    pub unified_custom_fields: Option<Map<String, Value>>,
    /// First name.
    pub first_name: Option<String>,
    /// Last name.
    pub last_name: Option<String>,
    /// Company name.
    pub company_name: Option<String>,
    /// E-mails.
    pub emails: Option<Vec<String>>,
    /// Phones.
    pub phone_numbers: Option<Vec<String>>,
    /// Job title.
    pub job_title: Option<String>,
    /// Address.
    pub address: Option<AddressDto>,
    /// Status.
    pub status: Option<EnumOutput>,
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
    pub custom_fields: Option<Vec<CustomFieldDto>>,
    /// Created.
    #[serde(serialize_with = "ser_ts")]
    pub created_at: Option<DateTime<Utc>>,
    /// Updated.
    #[serde(serialize_with = "ser_ts")]
    pub updated_at: Option<DateTime<Utc>>,
}

/// Request body of a deal.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DealInput {
    /// Name.
    pub name: Option<String>,
    /// Amount (number or decimal string).
    pub amount: Option<Decimal>,
    /// Currency code.
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
    pub custom_fields: Option<Vec<CustomFieldDto>>,
    /// Passthrough.
    pub passthrough: Option<Map<String, Value>>,
}

impl From<DealInput> for Deal {
    fn from(i: DealInput) -> Self {
        Deal {
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
            passthrough: i.passthrough.unwrap_or_default(),
            ..Default::default()
        }
    }
}

/// A deal as dialect "unified" answers it.
#[derive(Debug, Clone, Serialize)]
pub struct DealOutput {
    /// Unified id.
    pub id: Option<String>,
    /// Provider id.
    pub remote_id: Option<String>,
    /// Project-named custom fields.
    pub unified_custom_fields: Option<Map<String, Value>>,
    /// Name.
    pub name: Option<String>,
    /// Amount.
    #[serde(serialize_with = "ser_decimal")]
    pub amount: Option<Decimal>,
    /// Currency.
    pub currency: Option<String>,
    /// Stage.
    pub stage: Option<EnumOutput>,
    /// Pipeline.
    pub pipeline: Option<String>,
    /// Close date.
    pub close_date: Option<NaiveDate>,
    /// Probability.
    #[serde(serialize_with = "ser_decimal")]
    pub probability: Option<Decimal>,
    /// Account id.
    pub account_id: Option<String>,
    /// Contact ids.
    pub contact_ids: Option<Vec<String>>,
    /// Owner id.
    pub owner_id: Option<String>,
    /// Custom fields.
    pub custom_fields: Option<Vec<CustomFieldDto>>,
    /// Created.
    #[serde(serialize_with = "ser_ts")]
    pub created_at: Option<DateTime<Utc>>,
    /// Updated.
    #[serde(serialize_with = "ser_ts")]
    pub updated_at: Option<DateTime<Utc>>,
}

/// Request body of a meeting.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
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
    pub custom_fields: Option<Vec<CustomFieldDto>>,
    /// Passthrough.
    pub passthrough: Option<Map<String, Value>>,
}

impl From<MeetingInput> for Meeting {
    fn from(i: MeetingInput) -> Self {
        Meeting {
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
            passthrough: i.passthrough.unwrap_or_default(),
            ..Default::default()
        }
    }
}

/// A meeting as dialect "unified" answers it.
#[derive(Debug, Clone, Serialize)]
pub struct MeetingOutput {
    /// Unified id.
    pub id: Option<String>,
    /// Provider id.
    pub remote_id: Option<String>,
    /// Project-named custom fields.
    pub unified_custom_fields: Option<Map<String, Value>>,
    /// Title.
    pub title: Option<String>,
    /// Description.
    pub description: Option<String>,
    /// Start.
    #[serde(serialize_with = "ser_ts")]
    pub start_time: Option<DateTime<Utc>>,
    /// End.
    #[serde(serialize_with = "ser_ts")]
    pub end_time: Option<DateTime<Utc>>,
    /// Location.
    pub location: Option<String>,
    /// Attendees.
    pub contact_ids: Option<Vec<String>>,
    /// Account.
    pub account_id: Option<String>,
    /// Deal.
    pub deal_id: Option<String>,
    /// Outcome.
    pub outcome: Option<EnumOutput>,
    /// Owner id.
    pub owner_id: Option<String>,
    /// Custom fields.
    pub custom_fields: Option<Vec<CustomFieldDto>>,
    /// Created.
    #[serde(serialize_with = "ser_ts")]
    pub created_at: Option<DateTime<Utc>>,
    /// Updated.
    #[serde(serialize_with = "ser_ts")]
    pub updated_at: Option<DateTime<Utc>>,
}

/// Request body of an account (StackOne `Account` fields, plus `custom_fields`/`passthrough`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccountInput {
    /// Name.
    pub name: Option<String>,
    /// Description.
    pub description: Option<String>,
    /// Industries (providers hold one: more than one is an error).
    pub industries: Option<Vec<String>>,
    /// Annual revenue.
    pub annual_revenue: Option<String>,
    /// Web site.
    pub website: Option<String>,
    /// Addresses (providers hold one: more than one is an error).
    pub addresses: Option<Vec<AccountAddressDto>>,
    /// Phones.
    pub phone_numbers: Option<Vec<String>>,
    /// Owner id.
    pub owner_id: Option<String>,
    /// Custom fields.
    pub custom_fields: Option<Vec<CustomFieldDto>>,
    /// Passthrough.
    pub passthrough: Option<Map<String, Value>>,
}

impl TryFrom<AccountInput> for Account {
    type Error = Error;
    fn try_from(i: AccountInput) -> Result<Self> {
        let industry = match i.industries {
            None => None,
            Some(v) if v.len() <= 1 => v.into_iter().next(),
            Some(_) => {
                return Err(Error::invalid(
                    "industries",
                    "at most one industry is supported (CRMs hold one industry per account)",
                ))
            }
        };
        let address =
            match i.addresses {
                None => None,
                Some(v) if v.len() <= 1 => match v.into_iter().next() {
                    Some(a) => Some(Address {
                        street: match (a.street_1, a.street_2) {
                            (Some(a), Some(b)) => Some(format!("{a}\n{b}")),
                            (a, b) => a.or(b),
                        },
                        city: a.city,
                        state: a.state,
                        postal_code: a.zip_code,
                        country: country_text(a.country, "addresses[0].country")?,
                    }),
                    None => None,
                },
                Some(_) => return Err(Error::invalid(
                    "addresses",
                    "at most one address is supported (CRMs hold one billing address per account)",
                )),
            };
        let annual_revenue = match i.annual_revenue {
            None => None,
            Some(r) => Some(r.trim().parse::<Decimal>().map_err(|_| {
                Error::invalid(
                    "annual_revenue",
                    "expected a decimal number, e.g. \"1500000.00\"",
                )
            })?),
        };
        Ok(Account {
            name: i.name,
            description: i.description,
            industry,
            website: i.website,
            address,
            phone_numbers: i.phone_numbers,
            annual_revenue,
            owner: owner_in(i.owner_id),
            custom_fields: customs_in(i.custom_fields),
            passthrough: i.passthrough.unwrap_or_default(),
            ..Default::default()
        })
    }
}

/// An account as dialect "unified" answers it (StackOne `Account`).
#[derive(Debug, Clone, Serialize)]
pub struct AccountOutput {
    /// Unified id.
    pub id: Option<String>,
    /// Provider id.
    pub remote_id: Option<String>,
    /// Project-named custom fields.
    pub unified_custom_fields: Option<Map<String, Value>>,
    /// Owner id.
    pub owner_id: Option<String>,
    /// Provider owner id.
    pub remote_owner_id: Option<String>,
    /// Name.
    pub name: Option<String>,
    /// Description.
    pub description: Option<String>,
    /// Industries.
    pub industries: Option<Vec<String>>,
    /// Annual revenue.
    pub annual_revenue: Option<String>,
    /// Web site.
    pub website: Option<String>,
    /// Addresses.
    pub addresses: Option<Vec<AccountAddressDto>>,
    /// Phones.
    pub phone_numbers: Option<Vec<String>>,
    /// Custom fields.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub custom_fields: Option<Vec<CustomFieldDto>>,
    /// Created.
    #[serde(serialize_with = "ser_ts")]
    pub created_at: Option<DateTime<Utc>>,
    /// Updated.
    #[serde(serialize_with = "ser_ts")]
    pub updated_at: Option<DateTime<Utc>>,
}

/// Parses a request body of `resource` into a core record.
pub fn parse_request(resource: Resource, bytes: &[u8]) -> Result<Record> {
    Ok(match resource {
        Resource::Contact => Record::Contact(super::parse_json::<ContactInput>(bytes)?.into()),
        Resource::Lead => Record::Lead(super::parse_json::<LeadInput>(bytes)?.into()),
        Resource::Deal => Record::Deal(super::parse_json::<DealInput>(bytes)?.into()),
        Resource::Meeting => Record::Meeting(super::parse_json::<MeetingInput>(bytes)?.into()),
        Resource::Account => Record::Account(super::parse_json::<AccountInput>(bytes)?.try_into()?),
    })
}

/// Renders a core record as dialect "unified" JSON. `unified_custom_fields` is the project's
/// own view of the custom fields (from the linked account's field mapping), if any.
pub fn render(record: &Record, unified_custom_fields: Option<Map<String, Value>>) -> Value {
    let ucf = unified_custom_fields;
    let v = match record {
        Record::Contact(c) => serde_json::to_value(ContactOutput {
            id: c.id.clone(),
            remote_id: c.remote_id.clone(),
            unified_custom_fields: ucf,
            first_name: c.first_name.clone(),
            last_name: c.last_name.clone(),
            company_name: c.company_name.clone(),
            emails: c.emails.clone(),
            phone_numbers: c.phone_numbers.clone(),
            deal_ids: c.deal_ids.clone(),
            remote_deal_ids: c.deal_ids.clone(),
            account_ids: c.account_ids.clone(),
            remote_account_ids: c.account_ids.clone(),
            custom_fields: customs_out(&c.custom_fields),
            job_title: c.job_title.clone(),
            address: c.address.as_ref().map(Into::into),
            tags: c.tags.clone(),
            owner_id: c.owner.as_ref().map(|o| o.id.clone()),
            lifecycle_stage: enum_out(&c.lifecycle_stage),
            source: c.source.clone(),
            created_at: c.created_at,
            updated_at: c.updated_at,
        }),
        Record::Lead(l) => serde_json::to_value(LeadOutput {
            id: l.id.clone(),
            remote_id: l.remote_id.clone(),
            unified_custom_fields: ucf,
            first_name: l.first_name.clone(),
            last_name: l.last_name.clone(),
            company_name: l.company_name.clone(),
            emails: l.emails.clone(),
            phone_numbers: l.phone_numbers.clone(),
            job_title: l.job_title.clone(),
            address: l.address.as_ref().map(Into::into),
            status: enum_out(&l.status),
            source: l.source.clone(),
            owner_id: l.owner.as_ref().map(|o| o.id.clone()),
            tags: l.tags.clone(),
            contact_id: l.contact_id.clone(),
            account_id: l.account_id.clone(),
            custom_fields: customs_out(&l.custom_fields),
            created_at: l.created_at,
            updated_at: l.updated_at,
        }),
        Record::Deal(d) => serde_json::to_value(DealOutput {
            id: d.id.clone(),
            remote_id: d.remote_id.clone(),
            unified_custom_fields: ucf,
            name: d.name.clone(),
            amount: d.amount,
            currency: d.currency.clone(),
            stage: enum_out(&d.stage),
            pipeline: d.pipeline.clone(),
            close_date: d.close_date,
            probability: d.probability,
            account_id: d.account_id.clone(),
            contact_ids: d.contact_ids.clone(),
            owner_id: d.owner.as_ref().map(|o| o.id.clone()),
            custom_fields: customs_out(&d.custom_fields),
            created_at: d.created_at,
            updated_at: d.updated_at,
        }),
        Record::Meeting(m) => serde_json::to_value(MeetingOutput {
            id: m.id.clone(),
            remote_id: m.remote_id.clone(),
            unified_custom_fields: ucf,
            title: m.title.clone(),
            description: m.description.clone(),
            start_time: m.start_time,
            end_time: m.end_time,
            location: m.location.clone(),
            contact_ids: m.contact_ids.clone(),
            account_id: m.account_id.clone(),
            deal_id: m.deal_id.clone(),
            outcome: enum_out(&m.outcome),
            owner_id: m.owner.as_ref().map(|o| o.id.clone()),
            custom_fields: customs_out(&m.custom_fields),
            created_at: m.created_at,
            updated_at: m.updated_at,
        }),
        Record::Account(a) => serde_json::to_value(AccountOutput {
            id: a.id.clone(),
            remote_id: a.remote_id.clone(),
            unified_custom_fields: ucf,
            owner_id: a.owner.as_ref().map(|o| o.id.clone()),
            remote_owner_id: a.owner.as_ref().map(|o| o.id.clone()),
            name: a.name.clone(),
            description: a.description.clone(),
            industries: a.industry.clone().map(|i| vec![i]),
            annual_revenue: a.annual_revenue.map(|r| r.to_string()),
            website: a.website.clone(),
            addresses: a.address.as_ref().map(|ad| {
                vec![AccountAddressDto {
                    street_1: ad.street.clone(),
                    street_2: None,
                    city: ad.city.clone(),
                    state: ad.state.clone(),
                    zip_code: ad.postal_code.clone(),
                    country: ad.country.clone().map(Value::String),
                    location_type: None,
                }]
            }),
            phone_numbers: a.phone_numbers.clone(),
            custom_fields: customs_out(&a.custom_fields),
            created_at: a.created_at,
            updated_at: a.updated_at,
        }),
    };
    v.unwrap_or(Value::Null)
}
