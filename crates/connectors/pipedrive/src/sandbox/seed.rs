//! Seed data: organizations, persons, deals, meetings and leads.

use super::*;

/// Fills an account with `n` organizations, persons, deals, meetings and leads.
pub fn seed(sb: &Sandbox, token: &str, n: usize, rng: &mut StdRng) {
    use unicrm_sandbox::fake;
    let store = sb.tenant(token);
    let today = Utc::now().date_naive();
    for i in 0..n {
        let company = fake::company(rng);
        let a = &company.address;
        let org_id = sb.numeric_id();
        let mut org = defaults(Obj::Organizations);
        org.insert("name".into(), json!(company.name));
        org.insert("website".into(), json!(company.website()));
        org.insert("employee_count".into(), json!(company.employees));
        if let Some((id, _)) = INDUSTRIES.iter().find(|(_, l)| *l == company.industry) {
            org.insert("industry".into(), json!(id));
        }
        org.insert(
            "address".into(),
            json!({"value": format!("{}, {}, {} {}, {}", a.street, a.city, a.state, a.postal_code, a.country),
                   "route": a.street, "locality": a.city, "admin_area_level_1": a.state,
                   "postal_code": a.postal_code, "country": a.country}),
        );
        let _ = store.insert("organizations", org_id.clone(), Value::Object(org));
        let org_num: i64 = org_id.parse().unwrap_or_default();

        let p = fake::person_at(rng, &company);
        let person_id = sb.numeric_id();
        let mut person = defaults(Obj::Persons);
        person.insert("name".into(), json!(p.full_name()));
        person.insert("org_id".into(), json!(org_num));
        person.insert(
            "emails".into(),
            json!([{"value": p.email, "primary": true, "label": "work"}]),
        );
        person.insert(
            "phones".into(),
            json!([{"value": p.phone, "primary": true, "label": "work"}]),
        );
        person.insert("job_title".into(), json!(p.job_title));
        derive(Obj::Persons, &mut person);
        let _ = store.insert("persons", person_id.clone(), Value::Object(person));
        let person_num: i64 = person_id.parse().unwrap_or_default();

        let d = fake::deal(rng, &company, today);
        let mut deal = defaults(Obj::Deals);
        deal.insert("title".into(), json!(d.name));
        deal.insert("value".into(), json!(d.amount));
        deal.insert("currency".into(), json!(d.currency));
        deal.insert("probability".into(), json!(d.probability));
        deal.insert(
            "expected_close_date".into(),
            json!(d.close_date.format("%Y-%m-%d").to_string()),
        );
        deal.insert("person_id".into(), json!(person_num));
        deal.insert("org_id".into(), json!(org_num));
        deal.insert("stage_id".into(), json!(STAGES[i % STAGES.len()].0));
        let deal_id = sb.numeric_id();
        let _ = store.insert("deals", deal_id.clone(), Value::Object(deal));

        let m = fake::meeting(rng, &company, Utc::now());
        let mut act = defaults(Obj::Activities);
        act.insert("subject".into(), json!(m.title));
        act.insert("type".into(), json!("meeting"));
        act.insert(
            "due_date".into(),
            json!(m.start.format("%Y-%m-%d").to_string()),
        );
        act.insert(
            "due_time".into(),
            json!(m.start.format("%H:%M:%S").to_string()),
        );
        act.insert(
            "duration".into(),
            json!(crate::mapping::meeting::format_duration(m.end - m.start)),
        );
        act.insert("location".into(), json!({"value": m.location}));
        act.insert(
            "participants".into(),
            json!([{"person_id": person_num, "primary": true}]),
        );
        act.insert("org_id".into(), json!(org_num));
        act.insert(
            "deal_id".into(),
            deal_id.parse::<i64>().map_or(Value::Null, Value::from),
        );
        derive(Obj::Activities, &mut act);
        let _ = store.insert("activities", sb.numeric_id(), Value::Object(act));

        let lead = json!({
            "title": format!("{} lead", p.full_name()), "owner_id": API_USER,
            "creator_id": API_USER, "label_ids": [], "person_id": person_num,
            "organization_id": org_num, "source_name": "API", "origin": "API",
            "origin_id": null, "channel": null, "channel_id": null, "is_archived": false,
            "was_seen": i % 2 == 0, "value": {"amount": d.amount, "currency": d.currency},
            "expected_close_date": null, "next_activity_id": null, "visible_to": "3",
        });
        let _ = store.insert("leads", sb.uuid(), lead);
    }
}
