//! Stored records: rendering, property validation, duplicate emails and association links.

use super::*;

pub(super) fn props_of(rec: &StoredRecord) -> Map<String, Value> {
    rec.data
        .get("properties")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default()
}

/// The stored properties plus the ones HubSpot maintains: `hs_object_id`, the creation and
/// last-modification properties (from the store's own timestamps).
pub(super) fn full_props(obj: Obj, rec: &StoredRecord) -> Map<String, Value> {
    let mut props = props_of(rec);
    props.insert("hs_object_id".into(), Value::String(rec.id.clone()));
    props.insert(
        obj.created_prop().into(),
        Value::String(convert::format_datetime(&rec.created_at)),
    );
    let modified = Value::String(convert::format_datetime(&rec.updated_at));
    props.insert("hs_lastmodifieddate".into(), modified.clone());
    if obj == Obj::Contacts {
        props.insert("lastmodifieddate".into(), modified);
    }
    props
}

pub(super) fn is_archived(rec: &StoredRecord) -> bool {
    rec.data.get("archived").and_then(Value::as_bool) == Some(true)
}

pub(super) fn prop_str<'a>(props: &'a Map<String, Value>, name: &str) -> Option<&'a str> {
    props
        .get(name)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
}

/// Query parameters, `properties=a,b` and repeated `properties=a&properties=b` both accepted.
#[derive(Default)]
pub(super) struct Params {
    pub(super) pairs: Vec<(String, String)>,
}

impl Params {
    pub(super) fn parse(raw: Option<String>) -> Params {
        Params {
            pairs: raw
                .and_then(|q| serde_urlencoded::from_str::<Vec<(String, String)>>(&q).ok())
                .unwrap_or_default(),
        }
    }

    pub(super) fn get(&self, key: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    pub(super) fn list(&self, key: &str) -> Vec<String> {
        self.pairs
            .iter()
            .filter(|(k, _)| k == key)
            .flat_map(|(_, v)| v.split(','))
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect()
    }
}

/// The associated ids of a record, per associated object, with their type ids.
pub(super) fn associations_of(
    store: &TenantStore,
    obj: Obj,
    id: &str,
) -> BTreeMap<Obj, BTreeMap<String, BTreeSet<i64>>> {
    // Association ids are `{from}:{from id}:{to}:{to id}`: the store's id index finds this
    // record's associations without scanning the account's.
    let prefix = format!("{}:{id}:", obj.name());
    let mut out: BTreeMap<Obj, BTreeMap<String, BTreeSet<i64>>> = BTreeMap::new();
    for rec in store.find_by_id_prefix("associations", &prefix) {
        let Some(to) = rec
            .data
            .get("to_type")
            .and_then(Value::as_str)
            .and_then(Obj::parse)
        else {
            continue;
        };
        let Some(to_id) = rec.data.get("to_id").and_then(Value::as_str) else {
            continue;
        };
        let types: BTreeSet<i64> = rec
            .data
            .get("types")
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_i64).collect())
            .unwrap_or_default();
        // Skip associations to archived records.
        if store.get(to.name(), to_id).is_none_or(|r| is_archived(&r)) {
            continue;
        }
        out.entry(to).or_default().insert(to_id.to_owned(), types);
    }
    out
}

pub(super) fn render(
    store: &TenantStore,
    obj: Obj,
    rec: &StoredRecord,
    wanted: Option<&[String]>,
    with_assoc: &[Obj],
) -> Value {
    let all = full_props(obj, rec);
    let mut props = Map::new();
    let names: Vec<&str> = match wanted {
        Some(w) if !w.is_empty() => w.iter().map(String::as_str).collect(),
        _ => obj.default_props().to_vec(),
    };
    for name in names {
        if let Some(v) = all.get(name) {
            if !v.is_null() {
                props.insert(name.to_owned(), v.clone());
            }
        }
    }
    let mut out = json!({
        "id": rec.id,
        "properties": props,
        "createdAt": convert::format_datetime(&rec.created_at),
        "updatedAt": convert::format_datetime(&rec.updated_at),
        "archived": is_archived(rec),
        "url": format!("https://app.hubspot.com/contacts/0/record/{}/{}", obj.type_id(), rec.id),
    });
    if let Some(at) = rec.data.get("archivedAt") {
        out["archivedAt"] = at.clone();
    }
    if !with_assoc.is_empty() {
        let assoc = associations_of(store, obj, &rec.id);
        let mut map = Map::new();
        for to in with_assoc {
            let Some(ids) = assoc.get(to) else { continue };
            let results: Vec<Value> = ids
                .iter()
                .flat_map(|(id, types)| {
                    types
                        .iter()
                        .map(move |t| json!({"id": id, "type": association_name(obj, *to, *t)}))
                })
                .collect();
            if !results.is_empty() {
                map.insert(to.name().to_owned(), json!({"results": results}));
            }
        }
        if !map.is_empty() {
            out["associations"] = Value::Object(map);
        }
    }
    out
}

pub(super) fn associations_param(params: &Params) -> Result<Vec<Obj>, String> {
    params
        .list("associations")
        .iter()
        .map(|a| Obj::parse(a).ok_or_else(|| format!("Unable to infer object type from: {a}")))
        .collect()
}

/// Validates property values against the account's definitions; returns HubSpot's 400 list.
pub(super) fn validate_properties(
    store: &TenantStore,
    obj: Obj,
    props: &BTreeMap<String, String>,
) -> Vec<Invalid> {
    let mut problems = Vec::new();
    for (name, value) in props {
        let Some(def) = definition(store, obj, name) else {
            problems.push(Invalid {
                name: name.clone(),
                code: "PROPERTY_DOESNT_EXIST",
                message: format!("Property \"{name}\" does not exist"),
            });
            continue;
        };
        let read_only = def
            .pointer("/modificationMetadata/readOnlyValue")
            .and_then(Value::as_bool)
            == Some(true);
        if read_only {
            problems.push(Invalid {
                name: name.clone(),
                code: "READ_ONLY_VALUE",
                message: format!(
                    "Property \"{name}\" is a read only property; its value cannot be set."
                ),
            });
            continue;
        }
        if value.is_empty() {
            continue;
        }
        let kind = def.get("type").and_then(Value::as_str).unwrap_or("string");
        match kind {
            "number" if convert::parse_decimal(value).is_err() => problems.push(Invalid {
                name: name.clone(),
                code: "INVALID_FLOAT",
                message: format!("{value} was not a valid number."),
            }),
            "date" | "datetime" if convert::parse_datetime(value).is_err() => {
                problems.push(Invalid {
                    name: name.clone(),
                    code: "INVALID_DATE",
                    message: format!("{value} was not a valid long or ISO 8601 timestamp."),
                })
            }
            "bool" if value != "true" && value != "false" => problems.push(Invalid {
                name: name.clone(),
                code: "INVALID_BOOLEAN",
                message: format!("{value} was not a valid boolean."),
            }),
            "enumeration" => {
                let options: Vec<&str> = def
                    .get("options")
                    .and_then(Value::as_array)
                    .map(|o| {
                        o.iter()
                            .filter_map(|o| o.get("value").and_then(Value::as_str))
                            .collect()
                    })
                    .unwrap_or_default();
                let custom = def.get("hubspotDefined").and_then(Value::as_bool) != Some(true);
                // Built-in enumerations accept account-specific values (custom lifecycle stages,
                // pipelines, owners); custom ones are checked against their options.
                if custom && !options.is_empty() {
                    let multi = def.get("fieldType").and_then(Value::as_str) == Some("checkbox");
                    let given: Vec<String> = if multi {
                        convert::split_multi(value)
                    } else {
                        vec![value.clone()]
                    };
                    if let Some(bad) = given.iter().find(|g| !options.contains(&g.as_str())) {
                        problems.push(Invalid {
                            name: name.clone(),
                            code: "INVALID_OPTION",
                            message: format!(
                                "{bad} was not one of the allowed options: [{}]",
                                options.join(", ")
                            ),
                        });
                    }
                }
            }
            _ => {}
        }
    }
    problems
}

/// The contact that already uses `email` (primary or additional), other than `except`.
pub(super) fn contact_with_email(
    store: &TenantStore,
    email: &str,
    except: Option<&str>,
) -> Option<String> {
    let wanted = email.trim().to_ascii_lowercase();
    // Indexed by every address a contact has (the check runs on each create and update), then
    // confirmed on the candidates.
    store
        .find_by_key("contacts", "emails", contact_emails, &wanted)
        .into_iter()
        .find(|r| {
            if is_archived(r) || Some(r.id.as_str()) == except {
                return false;
            }
            // Borrowed, not `props_of` (a copy).
            let Some(p) = r.data.get("properties").and_then(Value::as_object) else {
                return false;
            };
            prop_str(p, "email").is_some_and(|e| e.eq_ignore_ascii_case(&wanted))
                || prop_str(p, "hs_additional_emails").is_some_and(|a| {
                    convert::split_multi(a)
                        .iter()
                        .any(|e| e.eq_ignore_ascii_case(&wanted))
                })
        })
        .map(|r| r.id)
}

/// The lower-cased addresses of a stored contact: `email` and `hs_additional_emails`.
pub(super) fn contact_emails(data: &Value) -> Vec<String> {
    let Some(p) = data.get("properties").and_then(Value::as_object) else {
        return Vec::new();
    };
    let mut out: Vec<String> = prop_str(p, "email")
        .map(str::to_ascii_lowercase)
        .into_iter()
        .collect();
    if let Some(a) = prop_str(p, "hs_additional_emails") {
        out.extend(
            convert::split_multi(a)
                .iter()
                .map(|e| e.to_ascii_lowercase()),
        );
    }
    out
}

pub(super) fn conflict(sb: &Sandbox, existing: &str) -> Response {
    error(
        sb,
        StatusCode::CONFLICT,
        "CONFLICT",
        &format!("Contact already exists. Existing ID: {existing}"),
        json!([]),
    )
}

pub(super) fn link(
    store: &TenantStore,
    from: Obj,
    from_id: &str,
    to: Obj,
    to_id: &str,
    fwd: i64,
    back: i64,
) {
    for (a, a_id, b, b_id, t) in [
        (from, from_id, to, to_id, fwd),
        (to, to_id, from, from_id, back),
    ] {
        let key = format!("{}:{a_id}:{}:{b_id}", a.name(), b.name());
        let mut types: BTreeSet<i64> = store
            .get("associations", &key)
            .and_then(|r| r.data.get("types").and_then(Value::as_array).cloned())
            .map(|a| a.iter().filter_map(Value::as_i64).collect())
            .unwrap_or_default();
        types.insert(t);
        // The unlabeled default always accompanies a labeled (primary) type.
        if let Some((d, _)) = default_type(a, b) {
            types.insert(d);
        }
        let data = json!({"to_type": b.name(), "to_id": b_id, "types": types});
        if store.get("associations", &key).is_some() {
            let _ = store.replace("associations", &key, data);
        } else {
            let _ = store.insert("associations", key, data);
        }
    }
}

pub(super) fn unlink(store: &TenantStore, from: Obj, from_id: &str, to: Obj, to_id: &str) {
    let _ = store.delete(
        "associations",
        &format!("{}:{from_id}:{}:{to_id}", from.name(), to.name()),
    );
    let _ = store.delete(
        "associations",
        &format!("{}:{to_id}:{}:{from_id}", to.name(), from.name()),
    );
}

/// Checks a create body's associations: known type ids, existing targets.
pub(super) fn check_associations(
    sb: &Sandbox,
    store: &TenantStore,
    obj: Obj,
    assoc: &[AssociationInput],
) -> Result<Vec<(Obj, String, i64, i64)>, Response> {
    let mut out = Vec::new();
    for a in assoc {
        for t in &a.types {
            let Some(to) = association_type(obj, t.association_type_id) else {
                return Err(bad_request(
                    sb,
                    &format!(
                        "{} is not a valid association type id from {} (category {})",
                        t.association_type_id,
                        obj.name(),
                        t.association_category
                    ),
                ));
            };
            if store
                .get(to.name(), &a.to.id)
                .is_none_or(|r| is_archived(&r))
            {
                return Err(bad_request(
                    sb,
                    &format!(
                        "One or more associations are invalid: {} {} does not exist",
                        to.singular(),
                        a.to.id
                    ),
                ));
            }
            let back = default_type(obj, to).map_or(0, |(_, b)| b);
            out.push((to, a.to.id.clone(), t.association_type_id, back));
        }
    }
    Ok(out)
}

/// Derived lead properties from its primary contact and company, as HubSpot maintains them.
pub(super) fn refresh_lead_derived(store: &TenantStore, lead_id: &str) {
    let Some(rec) = store.get("leads", lead_id) else {
        return;
    };
    let assoc = associations_of(store, Obj::Leads, lead_id);
    let mut props = props_of(&rec);
    let contact = assoc
        .get(&Obj::Contacts)
        .and_then(|m| m.keys().next())
        .and_then(|id| store.get("contacts", id));
    let company = assoc
        .get(&Obj::Companies)
        .and_then(|m| m.keys().next())
        .and_then(|id| store.get("companies", id));
    for (lead_prop, src, name) in [
        ("hs_associated_contact_email", &contact, "email"),
        ("hs_associated_contact_firstname", &contact, "firstname"),
        ("hs_associated_contact_lastname", &contact, "lastname"),
        ("hs_associated_company_name", &company, "name"),
        ("hs_associated_company_domain", &company, "domain"),
    ] {
        match src
            .as_ref()
            .and_then(|r| prop_str(&props_of(r), name).map(str::to_owned))
        {
            Some(v) => {
                props.insert(lead_prop.to_owned(), Value::String(v));
            }
            None => {
                props.remove(lead_prop);
            }
        }
    }
    let mut data = rec.data.clone();
    data["properties"] = Value::Object(props);
    let _ = store.replace("leads", lead_id, data);
}
