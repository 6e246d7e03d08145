//! Running SOQL against the org: batches, query locators (`nextRecordsUrl`), relationship
//! projections.

use serde_json::{json, Map, Value};

use super::org::{id_of, Failure, Org, LOCATORS};
use super::query::{self, Expr, Query, RecordView, SelectItem};
use super::schema::{relationship, schema, schema_of};
use crate::wire::SObjectType;

impl Org {
    /// `GET /query?q=…` → `QueryResult` (first batch).
    pub fn query(&mut self, soql: &str) -> Result<Value, Failure> {
        let parsed = query::parse(soql).map_err(|e| Failure::new(400, e.code, e.message, &[]))?;
        let Some(object) = SObjectType::from_api_name(&parsed.from) else {
            return Err(Failure::new(
                400,
                "INVALID_TYPE",
                format!(
                    "sObject type '{}' is not supported. If you are attempting to use a custom \
                     object, be sure to append the '__c' after the entity name.",
                    parsed.from
                ),
                &[],
            ));
        };
        self.check_paths(object, &parsed)?;
        let rows = self.run(object, &parsed);
        self.batch(rows)
    }

    /// `GET /query/{locator}-{offset}` → the next `QueryResult` batch.
    pub fn query_more(&mut self, locator: &str) -> Result<Value, Failure> {
        let invalid = || Failure::new(400, "INVALID_QUERY_LOCATOR", "invalid query locator", &[]);
        let (key, offset) = locator.rsplit_once('-').ok_or_else(invalid)?;
        let offset: usize = offset.parse().map_err(|_| invalid())?;
        let entry = self.store.get(LOCATORS, key).ok_or_else(invalid)?;
        let rows = entry.data["rows"].as_array().cloned().unwrap_or_default();
        if offset > rows.len() {
            return Err(invalid());
        }
        let end = (offset + self.batch_size).min(rows.len());
        let done = end >= rows.len();
        let mut out = json!({"totalSize": rows.len(), "done": done, "records": rows[offset..end]});
        if done {
            let _ = self.store.delete(LOCATORS, key);
        } else {
            out["nextRecordsUrl"] = json!(format!(
                "/services/data/{}/query/{key}-{end}",
                self.api_version
            ));
        }
        Ok(out)
    }

    pub(super) fn batch(&mut self, rows: Vec<Value>) -> Result<Value, Failure> {
        let total = rows.len();
        if total <= self.batch_size {
            return Ok(json!({"totalSize": total, "done": true, "records": rows}));
        }
        // Query locators look like `01gD0000002HU6KIAW` (docs example).
        let key = super::ids::next_id(&self.sb, super::ids::key_prefix::QUERY_LOCATOR)
            .map_err(|e| Failure::new(500, "UNKNOWN_EXCEPTION", e.to_string(), &[]))?;
        let first: Vec<Value> = rows[..self.batch_size].to_vec();
        let next = format!(
            "/services/data/{}/query/{key}-{}",
            self.api_version, self.batch_size
        );
        self.store
            .insert(LOCATORS, key, json!({ "rows": rows }))
            .map_err(|e| Failure::new(500, "UNKNOWN_EXCEPTION", e.to_string(), &[]))?;
        Ok(json!({"totalSize": total, "done": false, "nextRecordsUrl": next, "records": first}))
    }

    pub(super) fn check_paths(&self, object: SObjectType, parsed: &Query) -> Result<(), Failure> {
        let schema = schema(object);
        for path in query::referenced_paths(parsed) {
            let ok = match path.split_once('.') {
                None => schema.iter().any(|d| d.name.eq_ignore_ascii_case(&path)),
                Some((rel, field)) => relationship(object, rel).is_some_and(|(_, targets)| {
                    targets.iter().any(|t| {
                        schema_of(*t)
                            .iter()
                            .any(|d| d.name.eq_ignore_ascii_case(field))
                    })
                }),
            };
            if !ok {
                return Err(Failure::new(
                    400,
                    "INVALID_FIELD",
                    format!(
                        "No such column '{path}' on entity '{}'. If you are attempting to use a \
                         custom field, be sure to append the '__c' after the custom field name.",
                        object.api_name()
                    ),
                    &[],
                ));
            }
        }
        Ok(())
    }

    pub(super) fn run(&self, object: SObjectType, parsed: &Query) -> Vec<Value> {
        let records: Vec<Map<String, Value>> = self
            .store
            .list(object.api_name())
            .into_iter()
            .filter_map(|r| r.data.as_object().cloned())
            .collect();
        let mut hits: Vec<&Map<String, Value>> = records
            .iter()
            .filter(|r| {
                parsed.filter.as_ref().is_none_or(|f: &Expr| {
                    query::matches(
                        f,
                        &View {
                            org: self,
                            object,
                            record: r,
                        },
                    )
                })
            })
            .collect();
        hits.sort_by(|a, b| {
            for (field, desc) in &parsed.order_by {
                let va = View {
                    org: self,
                    object,
                    record: a,
                }
                .get(field);
                let vb = View {
                    org: self,
                    object,
                    record: b,
                }
                .get(field);
                let ord = query::order_values(&va, &vb);
                let ord = if *desc { ord.reverse() } else { ord };
                if ord != std::cmp::Ordering::Equal {
                    return ord;
                }
            }
            std::cmp::Ordering::Equal
        });
        if let Some(limit) = parsed.limit {
            hits.truncate(limit);
        }
        let schema = schema(object);
        hits.into_iter()
            .map(|record| {
                let view = View {
                    org: self,
                    object,
                    record,
                };
                let mut out = Map::new();
                out.insert("attributes".into(), self.attributes(object, id_of(record)));
                for item in &parsed.select {
                    match item {
                        SelectItem::Field(name) => {
                            let canonical = schema
                                .iter()
                                .find(|d| d.name.eq_ignore_ascii_case(name))
                                .map_or(name.clone(), |d| d.name.clone());
                            out.insert(canonical.clone(), view.get(&canonical));
                        }
                        SelectItem::Relationship(rel, field) => {
                            self.project_relationship(object, record, rel, field, &mut out);
                        }
                        SelectItem::CustomFields
                        | SelectItem::StandardFields
                        | SelectItem::AllFields => {
                            for def in &schema {
                                let wanted = match item {
                                    SelectItem::CustomFields => def.custom,
                                    SelectItem::StandardFields => !def.custom,
                                    _ => true,
                                };
                                if wanted {
                                    out.insert(def.name.clone(), view.get(&def.name));
                                }
                            }
                        }
                    }
                }
                Value::Object(out)
            })
            .collect()
    }

    pub(super) fn project_relationship(
        &self,
        object: SObjectType,
        record: &Map<String, Value>,
        rel: &str,
        field: &str,
        out: &mut Map<String, Value>,
    ) {
        let Some((lookup, targets)) = relationship(object, rel) else {
            return;
        };
        let canonical_rel = ["Owner", "CreatedBy", "LastModifiedBy", "Account", "Contact"]
            .into_iter()
            .find(|r| r.eq_ignore_ascii_case(rel))
            .unwrap_or(rel)
            .to_owned();
        let parent = record.get(lookup).and_then(Value::as_str).and_then(|id| {
            targets
                .iter()
                .find_map(|t| self.find(*t, id).map(|r| (*t, r)))
        });
        match parent {
            None => {
                out.insert(canonical_rel, Value::Null);
            }
            Some((target, parent)) => {
                let schema = schema_of(target);
                let name = schema
                    .iter()
                    .find(|d| d.name.eq_ignore_ascii_case(field))
                    .map_or(field.to_owned(), |d| d.name.clone());
                let entry = out.entry(canonical_rel).or_insert_with(
                    || json!({"attributes": self.attributes(target, id_of(&parent))}),
                );
                if let Value::Object(map) = entry {
                    map.insert(
                        name.clone(),
                        parent.get(&name).cloned().unwrap_or(Value::Null),
                    );
                }
            }
        }
    }
}

pub(super) struct View<'a> {
    org: &'a Org,
    object: SObjectType,
    record: &'a Map<String, Value>,
}

impl RecordView for View<'_> {
    fn get(&self, path: &str) -> Value {
        match path.split_once('.') {
            None => self
                .record
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(path))
                .map_or(Value::Null, |(_, v)| v.clone()),
            Some((rel, field)) => {
                let Some((lookup, targets)) = relationship(self.object, rel) else {
                    return Value::Null;
                };
                self.record
                    .get(lookup)
                    .and_then(Value::as_str)
                    .and_then(|id| targets.iter().find_map(|t| self.org.find(*t, id)))
                    .and_then(|parent| {
                        parent
                            .iter()
                            .find(|(k, _)| k.eq_ignore_ascii_case(field))
                            .map(|(_, v)| v.clone())
                    })
                    .unwrap_or(Value::Null)
            }
        }
    }
}
