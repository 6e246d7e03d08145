//! Writing attribute values: validation, normalisation, references and their inverses.

use super::*;

/// How a write treats multiselect attributes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Mode {
    /// A new record.
    Create,
    /// `PATCH`: "the values supplied will be created and prepended to the list of values that
    /// already exist".
    Append,
    /// `PUT`: "the values supplied will overwrite/remove the list of values that already exist".
    Overwrite,
}

pub(super) struct Workspace<'a> {
    pub(super) sb: &'a Sandbox,
    pub(super) store: &'a TenantStore,
    pub(super) token: &'a str,
}

/// Adds the metadata every stored value carries.
pub(super) fn stamp(mut content: Value, kind: &str, now: DateTime<Utc>, token: &str) -> Value {
    if let Some(o) = content.as_object_mut() {
        o.insert("active_from".into(), json!(ts(now)));
        o.insert("active_until".into(), Value::Null);
        o.insert("created_by_actor".into(), api_token_actor(token));
        o.insert("attribute_type".into(), json!(kind));
    }
    content
}

pub(super) fn ref_ids(values: &Value, slug: &str) -> Vec<String> {
    values[slug]
        .as_array()
        .map(|vs| {
            vs.iter()
                .filter_map(|v| v["target_record_id"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

pub(super) fn invalid_value(slug: &str, why: &str) -> Response {
    bad_request(
        "validation_type",
        &format!("Invalid value was passed to attribute with slug \"{slug}\": {why}"),
    )
}

impl Workspace<'_> {
    /// Writes `input` into `values`; answers which record-reference attributes changed, with
    /// their targets before the write.
    pub(super) fn write_values(
        &self,
        object: &str,
        values: &mut Map<String, Value>,
        input: &Map<String, Value>,
        mode: Mode,
        own_id: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<Vec<(&'static str, Vec<String>)>, Response> {
        let mut written = Vec::new();
        for (key, raw) in input {
            let a = find_attr(object, key, self.token).ok_or_else(|| {
                bad_request(
                    "value_not_found",
                    &format!("Cannot find attribute with slug/ID \"{key}\"."),
                )
            })?;
            if !a.writable {
                return Err(bad_request(
                    "validation_type",
                    &format!(
                        "Cannot write to attribute with slug \"{}\": it is read-only.",
                        a.slug
                    ),
                ));
            }
            let items: Vec<&Value> = match raw {
                Value::Array(list) => list.iter().collect(),
                Value::Null => Vec::new(),
                single => vec![single],
            };
            if !a.multi && items.len() > 1 {
                return Err(invalid_value(
                    a.slug,
                    "multiple values were given for a single-select attribute",
                ));
            }
            let mut new = Vec::new();
            for item in items {
                new.push(stamp(
                    self.normalize(object, &a, item)?,
                    a.kind,
                    now,
                    self.token,
                ));
            }
            if a.unique {
                self.check_unique(object, &a, &new, own_id)?;
            }
            let before = ref_ids(&Value::Object(values.clone()), a.slug);
            let old = values
                .get(a.slug)
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            let merged = if a.multi && mode == Mode::Append {
                // Prepend the new values, keeping existing ones not given again.
                let key_of = |v: &Value| {
                    v.as_object()
                        .map(|o| crate::mapping::simple_value(o).to_string())
                        .unwrap_or_default()
                };
                let mut out = new.clone();
                for v in old {
                    if !new.iter().any(|n| key_of(n) == key_of(&v)) {
                        out.push(v);
                    }
                }
                out
            } else {
                new
            };
            values.insert(a.slug.to_owned(), Value::Array(merged));
            if a.target.is_some() {
                written.push((a.slug, before));
            }
        }
        Ok(written)
    }

    /// "When creating a person, a related company record will automatically be generated or
    /// matched based on the domain of the person's email address": a person created without a
    /// company is linked to the company with its first e-mail's domain, created when missing
    /// (free-mail domains excepted).
    pub(super) fn company_from_email(
        &self,
        values: &mut Map<String, Value>,
        written: &mut Vec<(&'static str, Vec<String>)>,
        now: DateTime<Utc>,
    ) {
        const FREE_MAIL: &[&str] = &[
            "gmail.com",
            "googlemail.com",
            "yahoo.com",
            "hotmail.com",
            "outlook.com",
            "icloud.com",
            "aol.com",
            "proton.me",
            "protonmail.com",
            "gmx.de",
            "web.de",
        ];
        let has_company = values
            .get("company")
            .and_then(Value::as_array)
            .is_some_and(|v| !v.is_empty());
        let Some(domain) = values["email_addresses"][0]["email_domain"]
            .as_str()
            .map(str::to_owned)
        else {
            return;
        };
        if has_company || FREE_MAIL.contains(&domain.as_str()) {
            return;
        }
        let existing = self.store.find_one(COMPANIES, |r| {
            r.data["values"]["domains"]
                .as_array()
                .is_some_and(|ds| ds.iter().any(|d| d["domain"] == domain.as_str()))
        });
        let id = match existing {
            Some(r) => r.id,
            None => {
                let Some(id) = seed_record(self, COMPANIES, json!({ "domains": [domain] })) else {
                    return;
                };
                id
            }
        };
        values.insert(
            "company".into(),
            json!([stamp(
                json!({"target_object": COMPANIES, "target_record_id": id}),
                "record-reference",
                now,
                self.token
            )]),
        );
        written.push(("company", Vec::new()));
    }

    pub(super) fn check_unique(
        &self,
        object: &str,
        a: &Attr,
        new: &[Value],
        own_id: Option<&str>,
    ) -> Result<(), Response> {
        let key = |v: &Value| {
            v.as_object()
                .map(|o| crate::mapping::simple_value(o).to_string().to_lowercase())
                .unwrap_or_default()
        };
        let wanted: Vec<String> = new.iter().map(key).collect();
        let clash = self.store.find_one(object, |r| {
            Some(r.id.as_str()) != own_id
                && r.data["values"][a.slug]
                    .as_array()
                    .is_some_and(|vs| vs.iter().any(|v| wanted.contains(&key(v))))
        });
        match clash {
            Some(r) => Err(error(
                StatusCode::CONFLICT,
                "invalid_request_error",
                "uniqueness_conflict",
                &format!(
                    "A record with the same value for the unique attribute \"{}\" already exists (record ID \"{}\").",
                    a.slug, r.id
                ),
            )),
            None => Ok(()),
        }
    }

    /// One input value in Attio's input shapes → the stored value content.
    pub(super) fn normalize(
        &self,
        object: &str,
        a: &Attr,
        item: &Value,
    ) -> Result<Value, Response> {
        let slug = a.slug;
        let text = |v: &Value| -> Option<String> {
            match v {
                Value::String(s) => Some(s.clone()),
                Value::Object(o) => o.get("value").and_then(Value::as_str).map(str::to_owned),
                _ => None,
            }
        };
        match a.kind {
            "text" => text(item)
                .map(|s| json!({ "value": s }))
                .ok_or_else(|| invalid_value(slug, "expected a string")),
            "number" | "rating" => match item {
                Value::Number(n) => Ok(json!({"value": n})),
                Value::Object(o) if o.get("value").is_some_and(Value::is_number) => {
                    Ok(json!({"value": o["value"]}))
                }
                _ => Err(invalid_value(slug, "expected a number")),
            },
            "checkbox" => match item {
                Value::Bool(b) => Ok(json!({"value": b})),
                _ => Err(invalid_value(slug, "expected a boolean")),
            },
            "date" => {
                let s = text(item).ok_or_else(|| invalid_value(slug, "expected a date string"))?;
                let d = unicrm_core::convert::parse_date(slug, &s)
                    .map_err(|_| invalid_value(slug, "expected a date (YYYY-MM-DD)"))?;
                Ok(json!({"value": d.format("%Y-%m-%d").to_string()}))
            }
            "timestamp" => {
                let s =
                    text(item).ok_or_else(|| invalid_value(slug, "expected a timestamp string"))?;
                let t = unicrm_core::convert::parse_timestamp(slug, &s)
                    .map_err(|_| invalid_value(slug, "expected an ISO 8601 timestamp"))?;
                Ok(json!({"value": ts(t)}))
            }
            "personal-name" => {
                let (first, last, full) = match item {
                    Value::String(s) => {
                        let mut parts = s.trim().splitn(2, ' ');
                        let f = parts.next().unwrap_or("").to_owned();
                        let l = parts.next().unwrap_or("").to_owned();
                        (f, l, s.trim().to_owned())
                    }
                    Value::Object(o) => {
                        let g = |k: &str| o.get(k).and_then(Value::as_str).unwrap_or("").to_owned();
                        let (f, l) = (g("first_name"), g("last_name"));
                        let full = match g("full_name") {
                            x if x.is_empty() => format!("{f} {l}").trim().to_owned(),
                            x => x,
                        };
                        (f, l, full)
                    }
                    _ => return Err(invalid_value(slug, "expected a personal name")),
                };
                Ok(json!({"first_name": first, "last_name": last, "full_name": full}))
            }
            "email-address" => {
                let s = match item {
                    Value::String(s) => Some(s.clone()),
                    Value::Object(o) => o
                        .get("email_address")
                        .and_then(Value::as_str)
                        .map(str::to_owned),
                    _ => None,
                }
                .ok_or_else(|| invalid_value(slug, "expected an email address"))?;
                let normalized = s.trim().to_lowercase();
                let (local, domain) = normalized
                    .split_once('@')
                    .filter(|(l, d)| !l.is_empty() && d.contains('.'))
                    .ok_or_else(|| {
                        invalid_value(slug, &format!("\"{s}\" is not a valid email address"))
                    })?;
                Ok(json!({
                    "original_email_address": s,
                    "email_address": normalized,
                    "email_domain": domain,
                    "email_root_domain": root_domain(domain),
                    "email_local_specifier": local,
                }))
            }
            "phone-number" => {
                let (number, country) = match item {
                    Value::String(s) => (s.clone(), None),
                    Value::Object(o) => (
                        o.get("original_phone_number")
                            .and_then(Value::as_str)
                            .unwrap_or("")
                            .to_owned(),
                        o.get("country_code")
                            .and_then(Value::as_str)
                            .map(str::to_owned),
                    ),
                    _ => return Err(invalid_value(slug, "expected a phone number")),
                };
                let digits: String = number.chars().filter(char::is_ascii_digit).collect();
                if digits.len() < 4 || (!number.trim_start().starts_with('+') && country.is_none())
                {
                    return Err(invalid_value(
                        slug,
                        &format!("\"{number}\" is not a valid phone number: prefix a country code or give country_code"),
                    ));
                }
                let country = country.unwrap_or_else(|| {
                    if digits.starts_with('1') {
                        "US".into()
                    } else if digits.starts_with("44") {
                        "GB".into()
                    } else {
                        "US".into()
                    }
                });
                Ok(json!({
                    "original_phone_number": number,
                    "country_code": country,
                    "phone_number": format!("+{digits}"),
                }))
            }
            "domain" => {
                let s = match item {
                    Value::String(s) => Some(s.clone()),
                    Value::Object(o) => o.get("domain").and_then(Value::as_str).map(str::to_owned),
                    _ => None,
                }
                .ok_or_else(|| invalid_value(slug, "expected a domain"))?;
                let d = s.trim().to_lowercase();
                if !d.contains('.') || d.contains('/') || d.contains(' ') {
                    return Err(invalid_value(
                        slug,
                        &format!("\"{s}\" is not a valid domain"),
                    ));
                }
                Ok(json!({"domain": d, "root_domain": root_domain(&d)}))
            }
            "location" => location(slug, item),
            "currency" => {
                let n = match item {
                    Value::Number(n) => Some(n.clone()),
                    Value::Object(o) => o.get("currency_value").and_then(Value::as_number).cloned(),
                    _ => None,
                }
                .ok_or_else(|| invalid_value(slug, "expected a currency value"))?;
                Ok(json!({"currency_value": n, "currency_code": DEAL_CURRENCY}))
            }
            "status" | "select" => {
                let key = if a.kind == "status" {
                    "status"
                } else {
                    "option"
                };
                let s = match item {
                    Value::String(s) => Some(s.clone()),
                    Value::Object(o) => o.get(key).and_then(Value::as_str).map(str::to_owned),
                    _ => None,
                }
                .ok_or_else(|| invalid_value(slug, &format!("expected a {key} title or ID")))?;
                let title = choices(object, slug)
                    .iter()
                    .find(|t| **t == s || choice_id(self.token, object, slug, t) == s)
                    .ok_or_else(|| {
                        bad_request(
                            "value_not_found",
                            &format!(
                                "Cannot find {key} with title/ID \"{s}\" on attribute \"{slug}\"."
                            ),
                        )
                    })?;
                Ok(json!({ key: choice_json(self.token, object, slug, title, a.kind == "status") }))
            }
            "actor-reference" => {
                let members = members(self.token);
                let by_id = |id: &str| {
                    members
                        .iter()
                        .find(|m| m["id"]["workspace_member_id"] == id)
                };
                let by_email = |e: &str| {
                    members.iter().find(|m| {
                        m["email_address"]
                            .as_str()
                            .is_some_and(|x| x.eq_ignore_ascii_case(e))
                    })
                };
                let found = match item {
                    Value::String(s) => by_email(s).or_else(|| by_id(s)),
                    Value::Object(o) => {
                        if let Some(id) = o.get("referenced_actor_id").and_then(Value::as_str) {
                            if o.get("referenced_actor_type").and_then(Value::as_str)
                                != Some("workspace-member")
                            {
                                return Err(invalid_value(slug, "only workspace members can be written into actor reference attributes"));
                            }
                            by_id(id)
                        } else {
                            o.get("workspace_member_email_address")
                                .and_then(Value::as_str)
                                .and_then(by_email)
                        }
                    }
                    _ => None,
                };
                let m = found.ok_or_else(|| {
                    bad_request(
                        "value_not_found",
                        &format!("Cannot find workspace member for attribute \"{slug}\": {item}"),
                    )
                })?;
                Ok(json!({
                    "referenced_actor_type": "workspace-member",
                    "referenced_actor_id": m["id"]["workspace_member_id"],
                }))
            }
            "record-reference" => self.reference(a, item),
            _ => Err(invalid_value(slug, "this attribute type cannot be written")),
        }
    }

    /// A record reference by id, by a matching attribute, or (people/companies) by e-mail /
    /// domain shorthand; the target must exist, and a match must find exactly one record.
    pub(super) fn reference(&self, a: &Attr, item: &Value) -> Result<Value, Response> {
        let slug = a.slug;
        let target = a.target.unwrap_or_default();
        let missing = |what: &str| {
            bad_request(
                "value_not_found",
                &format!("Cannot find record for attribute \"{slug}\" with {what}."),
            )
        };
        let id = match item {
            Value::String(s) => {
                let (attr, value) = if target == PEOPLE {
                    ("email_addresses", s)
                } else {
                    ("domains", s)
                };
                self.match_one(target, attr, &json!(value))
                    .ok_or_else(|| missing(&format!("\"{s}\"")))?
            }
            Value::Object(o) => {
                let object = o
                    .get("target_object")
                    .and_then(Value::as_str)
                    .unwrap_or(target);
                if object != target && object_id(self.token, target) != object {
                    return Err(invalid_value(
                        slug,
                        &format!("records of \"{object}\" are not allowed here"),
                    ));
                }
                if let Some(id) = o.get("target_record_id").and_then(Value::as_str) {
                    if self.store.get(target, id).is_none() {
                        return Err(missing(&format!("ID \"{id}\"")));
                    }
                    id.to_owned()
                } else {
                    let (attr, value) =
                        o.iter()
                            .find(|(k, _)| *k != "target_object")
                            .ok_or_else(|| {
                                invalid_value(slug, "give target_record_id or a matching attribute")
                            })?;
                    let value = match value {
                        Value::Array(v) if v.len() == 1 => v[0].clone(),
                        Value::Array(_) => {
                            return Err(invalid_value(
                                slug,
                                "matching on multiple values is not supported",
                            ))
                        }
                        other => other.clone(),
                    };
                    self.match_one(target, attr, &value)
                        .ok_or_else(|| missing(&format!("{attr} {value}")))?
                }
            }
            _ => return Err(invalid_value(slug, "expected a record reference")),
        };
        Ok(json!({"target_object": target, "target_record_id": id}))
    }

    /// The one record of `object` whose `attr` has `value` (`None` for zero or several).
    pub(super) fn match_one(&self, object: &str, attr: &str, value: &Value) -> Option<String> {
        let a = find_attr(object, attr, self.token)?;
        let want = match value {
            Value::String(s) => s.to_lowercase(),
            Value::Object(o) => o
                .get("value")
                .or_else(|| o.get("domain"))
                .or_else(|| o.get("email_address"))
                .or_else(|| o.get("original_phone_number"))
                .map(|v| {
                    v.as_str()
                        .map(str::to_lowercase)
                        .unwrap_or_else(|| v.to_string())
                })?,
            other => other.to_string(),
        };
        let hits = self.store.find(object, |r| {
            r.data["values"][a.slug].as_array().is_some_and(|vs| {
                vs.iter().filter_map(Value::as_object).any(|v| {
                    match crate::mapping::simple_value(v) {
                        Value::String(s) => s.to_lowercase() == want,
                        other => {
                            let s = other.to_string();
                            s == want
                        }
                    }
                })
            })
        });
        (hits.len() == 1).then(|| hits[0].id.clone())
    }

    /// Keeps relationship inverses in step after `written` attributes of record `id` changed.
    pub(super) fn sync_inverses(
        &self,
        object: &str,
        id: &str,
        written: &[(&'static str, Vec<String>)],
        now: DateTime<Utc>,
    ) {
        let Some(rec) = self.store.get(object, id) else {
            return;
        };
        for (slug, before) in written {
            let Some((_, _, other, other_slug)) = INVERSES
                .iter()
                .find(|(o, s, _, _)| *o == object && s == slug)
            else {
                continue;
            };
            let after = ref_ids(&rec.data["values"], slug);
            for gone in before.iter().filter(|b| !after.contains(b)) {
                self.unlink(other, gone, other_slug, id, now);
            }
            for added in after.iter().filter(|a| !before.contains(a)) {
                self.link(other, added, other_slug, object, id, now);
            }
        }
    }

    pub(super) fn unlink(
        &self,
        object: &str,
        id: &str,
        slug: &str,
        target: &str,
        _now: DateTime<Utc>,
    ) {
        let _ = self.store.update(object, id, |data| {
            if let Some(list) = data["values"][slug].as_array_mut() {
                list.retain(|v| v["target_record_id"] != target);
            }
        });
    }

    pub(super) fn link(
        &self,
        object: &str,
        id: &str,
        slug: &str,
        from_object: &str,
        from_id: &str,
        now: DateTime<Utc>,
    ) {
        let Some(a) = find_attr(object, slug, self.token) else {
            return;
        };
        // A single-select inverse moves: the record it pointed at before loses its link.
        let previous = self
            .store
            .get(object, id)
            .map(|r| ref_ids(&r.data["values"], slug))
            .unwrap_or_default();
        if !a.multi {
            if let Some((_, _, other, other_slug)) = INVERSES
                .iter()
                .find(|(o, s, _, _)| *o == object && *s == slug)
            {
                for p in previous.iter().filter(|p| p.as_str() != from_id) {
                    self.unlink(other, p, other_slug, id, now);
                }
            }
        }
        let value = stamp(
            json!({"target_object": from_object, "target_record_id": from_id}),
            "record-reference",
            now,
            self.token,
        );
        let _ = self.store.update(object, id, |data| {
            let list = data["values"][slug].as_array().cloned().unwrap_or_default();
            let mut list: Vec<Value> = if a.multi { list } else { Vec::new() };
            if !list.iter().any(|v| v["target_record_id"] == from_id) {
                list.insert(0, value);
            }
            data["values"][slug] = Value::Array(list);
        });
    }
}

pub(super) fn root_domain(domain: &str) -> String {
    let parts: Vec<&str> = domain.split('.').collect();
    if parts.len() <= 2 {
        domain.to_owned()
    } else {
        parts[parts.len() - 2..].join(".")
    }
}

/// A location: the full object (missing keys are `null`), or the string form
/// `"1 Infinite Loop, Cupertino, CA, 95014, US"`.
pub(super) fn location(slug: &str, item: &Value) -> Result<Value, Response> {
    const KEYS: [&str; 10] = [
        "line_1",
        "line_2",
        "line_3",
        "line_4",
        "locality",
        "region",
        "postcode",
        "country_code",
        "latitude",
        "longitude",
    ];
    let mut out = Map::new();
    match item {
        Value::Object(o) => {
            for k in KEYS {
                let v = o.get(k).cloned().unwrap_or(Value::Null);
                if !(v.is_null() || v.is_string()) {
                    return Err(invalid_value(
                        slug,
                        &format!("{k} must be a string or null"),
                    ));
                }
                out.insert(k.into(), v);
            }
        }
        Value::String(s) => {
            let parts: Vec<&str> = s.split(',').map(str::trim).collect();
            for k in KEYS {
                out.insert(k.into(), Value::Null);
            }
            let order = ["line_1", "locality", "region", "postcode", "country_code"];
            for (k, p) in order.iter().zip(parts) {
                out.insert((*k).into(), json!(p));
            }
        }
        _ => return Err(invalid_value(slug, "expected a location")),
    }
    if let Some(c) = out.get("country_code").and_then(Value::as_str) {
        if c.len() != 2 || !c.bytes().all(|b| b.is_ascii_uppercase()) {
            return Err(invalid_value(
                slug,
                &format!("\"{c}\" is not an ISO 3166-1 alpha-2 country code"),
            ));
        }
    }
    Ok(Value::Object(out))
}
