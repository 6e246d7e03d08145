//! Fuzz targets (proptest) for both dialects' request parsing: any bytes, any JSON, and
//! near-valid bodies (right keys, random values) never panic, and every failure is an
//! `InvalidInput` naming a field. CI runs the default case count; a longer run is
//! `PROPTEST_CASES=200000 cargo test -p unicrm-core --test fuzz_dialects --release`.

use proptest::prelude::*;
use serde_json::{Map, Value};
use unicrm_core::dialect::{self, Dialect};
use unicrm_core::{Error, Resource};

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        ".{0,24}".prop_map(Value::String),
        Just(Value::String("2025-01-15T10:00:00Z".into())),
        Just(Value::String("2025-12-31".into())),
        Just(Value::String("1000.50".into())),
    ];
    leaf.prop_recursive(3, 32, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::btree_map(".{0,12}", inner, 0..5)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

const KEYS: &[&str] = &[
    "first_name",
    "last_name",
    "company_name",
    "emails",
    "phone_numbers",
    "deal_ids",
    "account_ids",
    "custom_fields",
    "passthrough",
    "job_title",
    "address",
    "tags",
    "owner_id",
    "lifecycle_stage",
    "source",
    "firstName",
    "lastName",
    "email",
    "phone",
    "company",
    "jobTitle",
    "ownerId",
    "lifecycleStage",
    "customFields",
    "emails",
    "phones",
    "accountIds",
    "dealIds",
    "name",
    "amount",
    "currency",
    "stage",
    "pipeline",
    "closeDate",
    "close_date",
    "probability",
    "accountId",
    "contactIds",
    "contact_ids",
    "title",
    "description",
    "startTime",
    "start_time",
    "endTime",
    "end_time",
    "location",
    "outcome",
    "status",
    "website",
    "industry",
    "industries",
    "annual_revenue",
    "annualRevenue",
    "addresses",
];

fn near_valid_body() -> impl Strategy<Value = Value> {
    prop::collection::vec((prop::sample::select(KEYS), json_value()), 0..8).prop_map(|kv| {
        let mut m = Map::new();
        for (k, v) in kv {
            m.insert(k.to_owned(), v);
        }
        Value::Object(m)
    })
}

fn check(bytes: &[u8]) {
    for dialect in [Dialect::Unified, Dialect::V1] {
        for resource in Resource::ALL {
            match dialect::parse_request(dialect, resource, bytes) {
                Ok(record) => {
                    // Whatever parsed renders in both dialects without panicking.
                    let _ = dialect::render(Dialect::Unified, &record);
                    let _ = dialect::render(Dialect::V1, &record);
                }
                Err(Error::InvalidInput { field, reason, .. }) => {
                    assert!(!field.is_empty(), "an error names a field");
                    assert!(!reason.is_empty());
                }
                Err(other) => panic!("unexpected error kind: {other:?}"),
            }
        }
    }
}

proptest! {
    // 512 cases by default; PROPTEST_CASES overrides for a longer run.
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(512),
        ..ProptestConfig::default()
    })]

    #[test]
    fn any_bytes(bytes in prop::collection::vec(any::<u8>(), 0..256)) {
        check(&bytes);
    }

    #[test]
    fn any_json(v in json_value()) {
        check(&serde_json::to_vec(&v).unwrap());
    }

    #[test]
    fn near_valid_bodies(v in near_valid_body()) {
        check(&serde_json::to_vec(&v).unwrap());
    }
}
