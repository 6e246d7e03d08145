//! v4 associations: `PUT …/associations/default/{to}/{toId}`, `DELETE …/associations/{to}/{toId}`.

use super::*;

pub(super) async fn associate_default(
    State(sb): State<Sandbox>,
    TenantToken(token): TenantToken,
    Path((from, from_id, to, to_id)): Path<(String, String, String, String)>,
) -> Response {
    let (from, to) = match (obj_or_404(&sb, &from), obj_or_404(&sb, &to)) {
        (Ok(f), Ok(t)) => (f, t),
        (Err(r), _) | (_, Err(r)) => return r,
    };
    let store = sb.tenant(&token);
    let exists = |o: Obj, id: &str| store.get(o.name(), id).is_some_and(|r| !is_archived(&r));
    if !exists(from, &from_id) || !exists(to, &to_id) {
        return not_found(&sb);
    }
    let Some((fwd, back)) = default_type(from, to) else {
        return bad_request(
            &sb,
            &format!(
                "No default association from {} to {}",
                from.name(),
                to.name()
            ),
        );
    };
    link(&store, from, &from_id, to, &to_id, fwd, back);
    for (o, id) in [(from, &from_id), (to, &to_id)] {
        if o == Obj::Leads {
            refresh_lead_derived(&store, id);
        }
    }
    Json(json!({
        "status": "COMPLETE",
        "results": [{
            "from": {"id": from_id},
            "to": {"id": to_id},
            "associationSpec": {"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": fwd},
        }],
        "startedAt": convert::format_datetime(&sb.now()),
        "completedAt": convert::format_datetime(&sb.now()),
    }))
    .into_response()
}

pub(super) async fn dissociate(
    State(sb): State<Sandbox>,
    TenantToken(token): TenantToken,
    Path((from, from_id, to, to_id)): Path<(String, String, String, String)>,
) -> Response {
    let (from, to) = match (obj_or_404(&sb, &from), obj_or_404(&sb, &to)) {
        (Ok(f), Ok(t)) => (f, t),
        (Err(r), _) | (_, Err(r)) => return r,
    };
    let store = sb.tenant(&token);
    if from == Obj::Leads && to == Obj::Contacts {
        let contacts = associations_of(&store, Obj::Leads, &from_id)
            .get(&Obj::Contacts)
            .map_or(0, BTreeMap::len);
        if contacts <= 1 {
            return bad_request(
                &sb,
                "A lead must stay associated with at least one contact.",
            );
        }
    }
    unlink(&store, from, &from_id, to, &to_id);
    if from == Obj::Leads {
        refresh_lead_derived(&store, &from_id);
    }
    StatusCode::NO_CONTENT.into_response()
}
