//! Seed data: users, and companies with an Account, a Contact, a Lead, an Opportunity and an Event.

use super::*;

/// The users every emulated org has (owners of records).
pub fn seed_users(org: &mut Org) {
    let users = [
        ("John", "Smith", "john.smith@acme.example"),
        ("Maria", "Garcia", "maria.garcia@acme.example"),
        ("Wei", "Chen", "wei.chen@acme.example"),
    ];
    for (first, last, email) in users {
        let mut fields = Map::new();
        fields.insert("FirstName".into(), json!(first));
        fields.insert("LastName".into(), json!(last));
        fields.insert("Email".into(), json!(email));
        fields.insert("Username".into(), json!(email));
        fields.insert("IsActive".into(), json!(true));
        let _ = org.insert_seed(SObjectType::User, fields, Utc::now());
    }
}

pub(super) fn fields(pairs: &[(&str, Value)]) -> Map<String, Value> {
    pairs
        .iter()
        .filter(|(_, v)| !v.is_null())
        .map(|(k, v)| ((*k).to_owned(), v.clone()))
        .collect()
}

/// Fills account `token` with `n` companies, each with an Account, a Contact, a Lead, an
/// Opportunity and an Event, owned by the seeded users.
pub fn seed(sb: &Sandbox, token: &str, n: usize, rng: &mut StdRng) {
    let mut org = Org::open(sb, token, crate::config::DEFAULT_API_VERSION);
    let owners: Vec<String> = sb
        .tenant(token)
        .list(SObjectType::User.api_name())
        .into_iter()
        .map(|r| r.id)
        .collect();
    let today = Utc::now().date_naive();
    for i in 0..n {
        let owner = owners.get(i % owners.len().max(1)).cloned();
        let owner = owner.map_or(Value::Null, Value::String);
        let company = fake::company(rng);
        let now = sb.now();
        let Ok(account) = org.insert_seed(
            SObjectType::Account,
            fields(&[
                ("Name", json!(company.name)),
                ("Website", json!(company.website())),
                ("Industry", json!(company.industry)),
                ("Phone", json!(company.phone)),
                ("NumberOfEmployees", json!(company.employees)),
                ("BillingStreet", json!(company.address.street)),
                ("BillingCity", json!(company.address.city)),
                ("BillingState", json!(company.address.state)),
                ("BillingPostalCode", json!(company.address.postal_code)),
                ("BillingCountry", json!(company.address.country)),
                ("OwnerId", owner.clone()),
            ]),
            now,
        ) else {
            continue;
        };
        let person = fake::person_at(rng, &company);
        let contact = org
            .insert_seed(
                SObjectType::Contact,
                fields(&[
                    ("FirstName", json!(person.first_name)),
                    ("LastName", json!(person.last_name)),
                    ("Email", json!(person.email)),
                    ("Phone", json!(person.phone)),
                    ("Title", json!(person.job_title)),
                    ("AccountId", json!(account)),
                    ("LeadSource", json!(person.source)),
                    ("MailingStreet", json!(company.address.street)),
                    ("MailingCity", json!(company.address.city)),
                    ("MailingState", json!(company.address.state)),
                    ("MailingPostalCode", json!(company.address.postal_code)),
                    ("MailingCountry", json!(company.address.country)),
                    ("OwnerId", owner.clone()),
                ]),
                sb.now(),
            )
            .ok();
        let prospect = fake::person(rng);
        let _ = org.insert_seed(
            SObjectType::Lead,
            fields(&[
                ("FirstName", json!(prospect.first_name)),
                ("LastName", json!(prospect.last_name)),
                ("Company", json!(prospect.company.name)),
                ("Email", json!(prospect.email)),
                ("Phone", json!(prospect.phone)),
                ("Title", json!(prospect.job_title)),
                ("LeadSource", json!(prospect.source)),
                ("Status", json!("Open - Not Contacted")),
                ("OwnerId", owner.clone()),
            ]),
            sb.now(),
        );
        let deal = fake::deal(rng, &company, today);
        let stage = schema::STAGES[i % schema::STAGES.len()].0;
        let opportunity = org
            .insert_seed(
                SObjectType::Opportunity,
                fields(&[
                    ("Name", json!(deal.name)),
                    ("StageName", json!(stage)),
                    (
                        "CloseDate",
                        json!(deal.close_date.format("%Y-%m-%d").to_string()),
                    ),
                    ("Amount", json!(deal.amount)),
                    ("Probability", json!(deal.probability)),
                    ("AccountId", json!(account)),
                    (
                        "ContactId",
                        contact.clone().map_or(Value::Null, Value::String),
                    ),
                    ("OwnerId", owner.clone()),
                ]),
                sb.now(),
            )
            .ok();
        let meeting = fake::meeting(rng, &company, sb.now());
        let _ = org.insert_seed(
            SObjectType::Event,
            fields(&[
                ("Subject", json!(meeting.title)),
                ("Location", json!(meeting.location)),
                ("StartDateTime", json!(org::format_datetime(meeting.start))),
                ("EndDateTime", json!(org::format_datetime(meeting.end))),
                ("WhoId", contact.map_or(Value::Null, Value::String)),
                ("WhatId", opportunity.map_or(Value::Null, Value::String)),
                ("OwnerId", owner),
            ]),
            sb.now(),
        );
    }
}

unicrm_sandbox::register_emulator! {
    id: EMULATOR_ID,
    router: router,
    seed: seed,
    errors: &SalesforceErrors,
}
