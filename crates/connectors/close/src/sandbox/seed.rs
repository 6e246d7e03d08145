//! Seed data: leads, each with a contact, an opportunity and a meeting.

use super::*;

/// Fills an account with `n` leads, each with one contact, one opportunity and one meeting.
pub fn seed(sb: &Sandbox, token: &str, n: usize, rng: &mut StdRng) {
    let store = sb.tenant(token);
    let today = Utc::now().date_naive();
    for i in 0..n {
        let person = unicrm_sandbox::fake::person(rng);
        let company = &person.company;
        let lead_id = new_id(sb, "lead_");
        let status = LEAD_STATUSES[i % LEAD_STATUSES.len()].0;
        let lead = json!({
            "name": company.name,
            "url": company.website(),
            "description": "",
            "status_id": status,
            "addresses": [{
                "label": "business",
                "address_1": company.address.street,
                "city": company.address.city,
                "state": company.address.state,
                "zipcode": company.address.postal_code,
                "country": company.address.country,
            }],
        });
        if store.insert("lead", lead_id.clone(), lead).is_err() {
            continue;
        }
        let contact_id = new_id(sb, "cont_");
        let _ = store.insert(
            "contact",
            contact_id.clone(),
            json!({
                "lead_id": lead_id,
                "name": person.full_name(),
                "title": person.job_title,
                "emails": [{"email": person.email, "type": "office"}],
                "phones": [{"phone": person.phone, "type": "office"}],
            }),
        );
        let deal = unicrm_sandbox::fake::deal(rng, company, today);
        let _ = store.insert(
            "opportunity",
            new_id(sb, "oppo_"),
            json!({
                "lead_id": lead_id,
                "contact_id": contact_id,
                "note": deal.name,
                "value": deal.amount * 100,
                "value_period": "one_time",
                "confidence": deal.probability,
                "status_id": OPPORTUNITY_STATUSES[0].0,
                "user_id": OTHER_USER_ID,
                "date_won": deal.close_date.format("%Y-%m-%d").to_string(),
            }),
        );
        let m = unicrm_sandbox::fake::meeting(rng, company, Utc::now());
        let _ = store.insert(
            "meeting",
            new_id(sb, "acti_"),
            json!({
                "lead_id": lead_id,
                "contact_id": contact_id,
                "title": m.title,
                "note": "",
                "location": m.location,
                "starts_at": close_time(&m.start),
                "ends_at": close_time(&m.end),
                "user_id": OTHER_USER_ID,
                "attendees": [{
                    "contact_id": contact_id, "email": person.email, "is_organizer": false,
                    "name": person.full_name(), "status": "yes", "user_id": null,
                }],
            }),
        );
    }
}
