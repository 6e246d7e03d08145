//! Seed data: realistic companies, contacts, deals, meetings and leads.

use super::*;

/// Fills an account with `n` realistic records of each kind: companies, contacts (associated
/// with a company), deals (with a contact and the company), meetings (with a contact) and
/// leads (with their contact).
pub fn seed(sb: &Sandbox, token: &str, n: usize, rng: &mut StdRng) {
    use unicrm_sandbox::rand::Rng;
    let store = sb.tenant(token);
    const INDUSTRIES: &[&str] = &[
        "COMPUTER_SOFTWARE",
        "FINANCIAL_SERVICES",
        "HOSPITAL_HEALTH_CARE",
        "RETAIL",
    ];
    const STAGES: &[&str] = &[
        "appointmentscheduled",
        "qualifiedtobuy",
        "presentationscheduled",
        "contractsent",
        "closedwon",
    ];
    const LIFECYCLE: &[&str] = &[
        "subscriber",
        "lead",
        "marketingqualifiedlead",
        "salesqualifiedlead",
        "opportunity",
        "customer",
    ];
    const FIRST: &[&str] = &[
        "Jane", "Bryan", "Maria", "Ahmed", "Chen", "Olivia", "Lucas", "Priya",
    ];
    const LAST: &[&str] = &[
        "Smith", "Cooper", "Garcia", "Khan", "Wei", "Brown", "Martin", "Patel",
    ];
    const CITIES: &[(&str, &str, &str)] = &[
        ("Cambridge", "MA", "02141"),
        ("Austin", "TX", "73301"),
        ("Denver", "CO", "80202"),
        ("Seattle", "WA", "98101"),
    ];
    const ORGS: &[&str] = &[
        "Biglytics",
        "Acme Corp",
        "Globex",
        "Initech",
        "Umbrella",
        "Hooli",
    ];
    let pick = |rng: &mut StdRng, list: &[&'static str]| list[rng.gen_range(0..list.len())];
    let insert = |obj: Obj, props: Vec<(&str, String)>| -> Option<String> {
        let id = sb.numeric_id();
        let map: Map<String, Value> = props
            .into_iter()
            .map(|(k, v)| (k.to_owned(), Value::String(v)))
            .collect();
        store
            .insert(
                obj.name(),
                id.clone(),
                json!({"properties": map, "archived": false}),
            )
            .ok()
            .map(|_| id)
    };
    for i in 0..n {
        let org = pick(rng, ORGS);
        let (city, state, zip) = CITIES[rng.gen_range(0..CITIES.len())];
        let domain = format!(
            "{}{}.example.com",
            org.to_ascii_lowercase().replace(' ', ""),
            i
        );
        let Some(company) = insert(
            Obj::Companies,
            vec![
                ("name", format!("{org} {i}")),
                ("domain", domain.clone()),
                ("industry", pick(rng, INDUSTRIES).to_owned()),
                ("city", city.to_owned()),
                ("state", state.to_owned()),
                ("zip", zip.to_owned()),
                ("country", "United States".to_owned()),
                ("phone", format!("+1 555 01{:02}", i % 100)),
            ],
        ) else {
            continue;
        };
        let (first, last) = (pick(rng, FIRST), pick(rng, LAST));
        let owner = OWNERS[rng.gen_range(0..OWNERS.len())].0;
        let Some(contact) = insert(
            Obj::Contacts,
            vec![
                ("firstname", first.to_owned()),
                ("lastname", last.to_owned()),
                (
                    "email",
                    format!(
                        "{}.{}{i}@{domain}",
                        first.to_ascii_lowercase(),
                        last.to_ascii_lowercase()
                    ),
                ),
                ("phone", format!("+1 555 02{:02}", i % 100)),
                ("company", format!("{org} {i}")),
                ("jobtitle", "Head of Operations".to_owned()),
                ("city", city.to_owned()),
                ("state", state.to_owned()),
                ("zip", zip.to_owned()),
                ("lifecyclestage", pick(rng, LIFECYCLE).to_owned()),
                ("hubspot_owner_id", owner.to_owned()),
            ],
        ) else {
            continue;
        };
        link(
            &store,
            Obj::Contacts,
            &contact,
            Obj::Companies,
            &company,
            279,
            280,
        );
        let amount = rng.gen_range(10..500) * 100;
        if let Some(deal) = insert(
            Obj::Deals,
            vec![
                ("dealname", format!("{org} {i} — annual plan")),
                ("amount", format!("{amount}.00")),
                ("deal_currency_code", "USD".to_owned()),
                ("dealstage", pick(rng, STAGES).to_owned()),
                ("pipeline", "default".to_owned()),
                (
                    "closedate",
                    format!("2026-{:02}-15T00:00:00.000Z", 1 + i % 12),
                ),
                ("hubspot_owner_id", owner.to_owned()),
            ],
        ) {
            link(&store, Obj::Deals, &deal, Obj::Contacts, &contact, 3, 4);
            link(
                &store,
                Obj::Deals,
                &deal,
                Obj::Companies,
                &company,
                341,
                342,
            );
        }
        let start = format!("2026-{:02}-{:02}T15:00:00.000Z", 1 + i % 12, 1 + i % 28);
        let end = format!("2026-{:02}-{:02}T15:30:00.000Z", 1 + i % 12, 1 + i % 28);
        if let Some(meeting) = insert(
            Obj::Meetings,
            vec![
                ("hs_timestamp", start.clone()),
                ("hs_meeting_title", format!("Intro call with {first}")),
                (
                    "hs_meeting_body",
                    "Discuss requirements and next steps".to_owned(),
                ),
                ("hs_meeting_location", "Remote".to_owned()),
                ("hs_meeting_start_time", start),
                ("hs_meeting_end_time", end),
                ("hs_meeting_outcome", "SCHEDULED".to_owned()),
                ("hubspot_owner_id", owner.to_owned()),
            ],
        ) {
            link(
                &store,
                Obj::Meetings,
                &meeting,
                Obj::Contacts,
                &contact,
                200,
                199,
            );
        }
        if let Some(lead) = insert(
            Obj::Leads,
            vec![
                ("hs_lead_name", format!("{first} {last}")),
                ("hs_lead_type", "NEW BUSINESS".to_owned()),
                ("hs_lead_label", "WARM".to_owned()),
                ("hs_pipeline", "lead-pipeline-id".to_owned()),
                ("hs_pipeline_stage", "new-stage-id".to_owned()),
                ("hubspot_owner_id", owner.to_owned()),
            ],
        ) {
            link(&store, Obj::Leads, &lead, Obj::Contacts, &contact, 578, 609);
            link(
                &store,
                Obj::Leads,
                &lead,
                Obj::Companies,
                &company,
                580,
                611,
            );
            refresh_lead_derived(&store, &lead);
        }
    }
}
