//! Seed data: accounts, each with a contact, a lead, a deal and an event.

use super::*;

/// Fills an account with `n` accounts, each with a contact, a lead, a deal and an event.
pub fn seed(sb: &Sandbox, token: &str, n: usize, rng: &mut StdRng) {
    use unicrm_sandbox::fake;
    let store = sb.tenant(token);
    let now = sb.now();
    for i in 0..n {
        let owner = json!({"id": USERS[i % USERS.len()].0});
        let company = fake::company(rng);
        let Ok(account) = store.insert(
            Module::Accounts.api_name(),
            zoho_id(sb),
            json!({
                "Owner": owner,
                "Account_Name": company.name,
                "Website": company.website(),
                "Industry": company.industry,
                "Phone": company.phone,
                "Billing_Street": company.address.street,
                "Billing_City": company.address.city,
                "Billing_State": company.address.state,
                "Billing_Code": company.address.postal_code,
                "Billing_Country": company.address.country,
            }),
        ) else {
            continue;
        };
        let person = fake::person_at(rng, &company);
        let Ok(contact) = store.insert(
            Module::Contacts.api_name(),
            zoho_id(sb),
            json!({
                "Owner": owner,
                "First_Name": person.first_name,
                "Last_Name": person.last_name,
                "Email": person.email,
                "Phone": person.phone,
                "Title": person.job_title,
                "Lead_Source": person.source,
                "Account_Name": {"id": account.id},
            }),
        ) else {
            continue;
        };
        let prospect = fake::person(rng);
        let _ = store.insert(
            Module::Leads.api_name(),
            zoho_id(sb),
            json!({
                "Owner": owner,
                "First_Name": prospect.first_name,
                "Last_Name": prospect.last_name,
                "Email": prospect.email,
                "Phone": prospect.phone,
                "Company": prospect.company.name,
                "Designation": prospect.job_title,
                "Lead_Source": prospect.source,
                "Lead_Status": "Not Contacted",
            }),
        );
        let deal = fake::deal(rng, &company, now.date_naive());
        let stages = [
            "Qualification",
            "Needs Analysis",
            "Proposal/Price Quote",
            "Closed Won",
        ];
        let _ = store.insert(
            Module::Deals.api_name(),
            zoho_id(sb),
            json!({
                "Owner": owner,
                "Deal_Name": deal.name,
                "Amount": deal.amount,
                "Stage": stages[i % stages.len()],
                "Closing_Date": deal.close_date.format("%Y-%m-%d").to_string(),
                "Probability": deal.probability,
                "Account_Name": {"id": account.id},
                "Contact_Name": {"id": contact.id},
            }),
        );
        let meeting = fake::meeting(rng, &company, now);
        let _ = store.insert(
            Module::Events.api_name(),
            zoho_id(sb),
            json!({
                "Owner": owner,
                "Event_Title": meeting.title,
                "Start_DateTime": time(meeting.start),
                "End_DateTime": time(meeting.end),
                "Venue": meeting.location,
                "Who_Id": {"id": contact.id},
                "Participants": [{"type": "contact", "participant": contact.id}],
                "What_Id": {"id": account.id},
                "$se_module": "Accounts",
            }),
        );
    }
}
