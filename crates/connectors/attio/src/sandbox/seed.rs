//! Seed data: companies, each with a person, a deal and a meeting.

use super::*;

/// Fills an account with `n` companies, each with a person, a deal and a meeting.
pub fn seed(sb: &Sandbox, token: &str, n: usize, rng: &mut StdRng) {
    let store = sb.tenant(token);
    let ws = Workspace {
        sb,
        store: &store,
        token,
    };
    let owner = members(token)[0]["id"]["workspace_member_id"].clone();
    let today = sb.now();
    for _ in 0..n {
        let company = unicrm_sandbox::fake::company(rng);
        let person = unicrm_sandbox::fake::person_at(rng, &company);
        let deal = unicrm_sandbox::fake::deal(rng, &company, today.date_naive());
        let meeting = unicrm_sandbox::fake::meeting(rng, &company, today);
        let company_id = seed_record(
            &ws,
            COMPANIES,
            json!({
                "name": company.name,
                "domains": [company.domain],
                "primary_location": {
                    "line_1": company.address.street, "locality": company.address.city,
                    "region": company.address.state, "postcode": company.address.postal_code,
                    "country_code": company.address.country,
                },
            }),
        );
        let Some(company_id) = company_id else {
            continue;
        };
        let person_id = seed_record(
            &ws,
            PEOPLE,
            json!({
                "name": [{"first_name": person.first_name, "last_name": person.last_name}],
                "email_addresses": [person.email],
                "phone_numbers": [{"original_phone_number": person.phone}],
                "job_title": person.job_title,
                "company": [{"target_object": COMPANIES, "target_record_id": company_id}],
            }),
        );
        let stage = DEAL_STAGES[sb.random_below(DEAL_STAGES.len() as u64) as usize];
        let deal_id = seed_record(
            &ws,
            DEALS,
            json!({
                "name": deal.name,
                "stage": stage,
                "owner": [{"referenced_actor_type": "workspace-member", "referenced_actor_id": owner}],
                "value": deal.amount,
                "associated_company": [{"target_object": COMPANIES, "target_record_id": company_id}],
                "associated_people": person_id.iter().map(|p| json!({"target_object": PEOPLE, "target_record_id": p})).collect::<Vec<_>>(),
            }),
        );
        let mut links = vec![
            json!({"object_slug": COMPANIES, "object_id": object_id(token, COMPANIES), "record_id": company_id}),
        ];
        for (object, id) in [(PEOPLE, person_id), (DEALS, deal_id)] {
            if let Some(id) = id {
                links.push(json!({"object_slug": object, "object_id": object_id(token, object), "record_id": id}));
            }
        }
        let now = sb.now();
        let id = sb.uuid();
        let _ = store.insert(MEETINGS, id.clone(), json!({
            "id": {"workspace_id": workspace_id(token), "meeting_id": id},
            "title": meeting.title,
            "description": meeting.location,
            "is_all_day": false,
            "start": {"datetime": meeting.start.to_rfc3339_opts(SecondsFormat::Millis, true), "timezone": "UTC"},
            "end": {"datetime": meeting.end.to_rfc3339_opts(SecondsFormat::Millis, true), "timezone": "UTC"},
            "participants": [],
            "linked_records": links,
            "created_at": ts(now),
            "created_by_actor": api_token_actor(token),
            "external_ref": null,
        }));
    }
}

pub(super) fn seed_record(ws: &Workspace<'_>, object: &str, values: Value) -> Option<String> {
    let attrs = schema(object)?;
    let input = values.as_object()?;
    let now = ws.sb.now();
    let mut stored = Map::new();
    for a in attrs {
        stored.insert(a.slug.to_owned(), json!([]));
    }
    let written = ws
        .write_values(object, &mut stored, input, Mode::Create, None, now)
        .ok()?;
    let id = ws.sb.uuid();
    stored.insert(
        "record_id".into(),
        json!([stamp(json!({"value": id}), "text", now, ws.token)]),
    );
    stored.insert(
        "created_at".into(),
        json!([stamp(json!({"value": ts(now)}), "timestamp", now, ws.token)]),
    );
    let record = json!({
        "id": {"workspace_id": workspace_id(ws.token), "object_id": object_id(ws.token, object), "record_id": id},
        "created_at": ts(now),
        "web_url": format!("https://app.attio.com/sandbox/{}/{id}", singular(object)),
        "values": stored,
    });
    ws.store.insert(object, id.clone(), record).ok()?;
    ws.sync_inverses(object, &id, &written, now);
    Some(id)
}
