//! Fuzz targets (proptest) for every registered connector's pure mappings: a provider payload of
//! any shape never panics `from_provider` (it maps or answers an error), and any record the
//! dialects accept never panics `to_provider`. CI runs the default case count; a longer run is
//! `PROPTEST_CASES=100000 cargo test -p unicrm-tests --test fuzz_mapping --release`.

use proptest::prelude::*;
use serde_json::{Map, Value};
use unicrm_core::dialect::{self, Dialect};
use unicrm_core::Resource;

fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        ".{0,16}".prop_map(Value::String),
        Just(Value::String("1572480000000".into())),
        Just(Value::String("2025-01-15T10:00:00.000+0000".into())),
        Just(Value::String("2025-12-31".into())),
        Just(Value::String("a;b;c".into())),
        Just(Value::String("1000.50".into())),
    ]
}

fn json_value() -> impl Strategy<Value = Value> {
    leaf().prop_recursive(3, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map(".{0,10}", inner, 0..5)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// Keys the providers use, so payloads look like records (values still arbitrary).
const KEYS: &[&str] = &[
    "id",
    "properties",
    "createdAt",
    "updatedAt",
    "archived",
    "associations",
    "results",
    "firstname",
    "lastname",
    "email",
    "hs_additional_emails",
    "phone",
    "mobilephone",
    "company",
    "lifecyclestage",
    "hubspot_owner_id",
    "dealname",
    "amount",
    "closedate",
    "hs_timestamp",
    "hs_meeting_start_time",
    "Id",
    "FirstName",
    "LastName",
    "Email",
    "Account",
    "Owner",
    "Name",
    "CloseDate",
    "Amount",
    "StartDateTime",
    "EndDateTime",
    "attributes",
    "CreatedDate",
    "SystemModstamp",
    "name",
    "emails",
    "phones",
    "value",
    "primary",
    "owner_id",
    "org_id",
    "person_id",
    "add_time",
    "update_time",
    "due_date",
    "due_time",
    "duration",
    "data",
    "values",
    "lead_id",
    "contacts",
    "opportunities",
    "date_created",
    "date_updated",
    "First_Name",
    "Last_Name",
    "Owner",
    "Created_Time",
    "Modified_Time",
    "Start_DateTime",
    "record_id",
];

fn record_like() -> impl Strategy<Value = Value> {
    let flat = || prop::collection::vec((prop::sample::select(KEYS), json_value()), 0..10);
    (flat(), flat()).prop_map(|(outer, inner)| {
        let mut props = Map::new();
        for (k, v) in inner {
            props.insert(k.to_owned(), v);
        }
        let mut m = Map::new();
        for (k, v) in outer {
            m.insert(k.to_owned(), v);
        }
        // HubSpot-, Attio- and Zoho-style nesting too.
        m.insert("properties".into(), Value::Object(props.clone()));
        m.insert("values".into(), Value::Object(props));
        Value::Object(m)
    })
}

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(256)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), ..ProptestConfig::default() })]

    #[test]
    fn provider_payloads_never_panic(v in prop_oneof![json_value(), record_like()]) {
        for connector in unicrm_registry::all() {
            for resource in Resource::ALL {
                if let Ok(record) = connector.from_provider(resource, &v) {
                    let _ = dialect::render(Dialect::Unified, &record);
                    let _ = dialect::render(Dialect::V1, &record);
                }
            }
        }
    }

    #[test]
    fn accepted_bodies_never_panic_to_provider(v in record_like()) {
        let body = serde_json::to_vec(&v).unwrap();
        for connector in unicrm_registry::all() {
            for resource in Resource::ALL {
                for d in [Dialect::Unified, Dialect::V1] {
                    let _ = dialect::request_to_provider(&*connector, d, resource, &body);
                }
            }
        }
    }
}
