//! Provider → unified mapping of a realistic page of 100 contacts per connector, against the
//! baseline of parsing the same bytes into a `serde_json::Value` (the ratio is what
//! docs/performance.md reports).
//!
//! Run: `cargo bench -p unicrm-benches --bench mapping`

use criterion::{black_box, criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use serde_json::{json, Value};
use unicrm_core::dialect::{self, Dialect};
use unicrm_core::Resource;

fn fixture(path: &str) -> Value {
    let full = format!("{}/../crates/connectors/{path}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(&full).expect(&full)).expect("JSON")
}

/// 100 copies of `one`, each changed by `vary(i, record)`.
fn hundred(one: &Value, vary: impl Fn(usize, &mut Value)) -> Vec<Value> {
    (0..100)
        .map(|i| {
            let mut c = one.clone();
            vary(i, &mut c);
            c
        })
        .collect()
}

/// A HubSpot list page of 100 contacts with every mapped property (built from the doc payload).
fn hubspot_page() -> Vec<u8> {
    let one = fixture("hubspot/fixtures/contact/get_response_full.json");
    let results = hundred(&one, |i, c| {
        c["id"] = json!((512 + i).to_string());
        c["properties"]["email"] = json!(format!("person{i}@example.com"));
        c["properties"]["hs_object_id"] = json!((512 + i).to_string());
    });
    serde_json::to_vec(
        &json!({"results": results, "paging": {"next": {"after": "612", "link": "?after=612"}}}),
    )
    .unwrap()
}

/// A Salesforce SOQL page of 100 contacts (built from the doc record).
fn salesforce_page() -> Vec<u8> {
    let one = fixture("salesforce/fixtures/contact/record.json");
    let records = hundred(&one, |i, c| {
        c["Email"] = json!(format!("person{i}@example.com"));
    });
    serde_json::to_vec(&json!({
        "totalSize": 250, "done": false,
        "nextRecordsUrl": "/services/data/v62.0/query/01gD0000002HU6KIAW-100",
        "records": records
    }))
    .unwrap()
}

/// A Pipedrive v2 `GET /persons` page of 100 (built from the doc list example's person).
fn pipedrive_page() -> Vec<u8> {
    let doc = fixture("pipedrive/fixtures/paging/v2_persons_list_200.json");
    let data = hundred(&doc["data"][0], |i, c| {
        c["id"] = json!(i + 1);
        c["emails"][0]["value"] = json!(format!("person{i}@example.com"));
    });
    serde_json::to_vec(&json!({
        "success": true, "data": data,
        "additional_data": {"next_cursor": "eyJmaWVsZCI6ImlkIiwiZmllbGRWYWx1ZSI6MTAwfQ"}
    }))
    .unwrap()
}

/// A Zoho `GET /crm/v8/Contacts` page of 100 (built from the doc-assembled record).
fn zoho_page() -> Vec<u8> {
    let one = fixture("zoho/fixtures/contact/record_full.json");
    let data = hundred(&one, |i, c| {
        c["id"] = json!((5725767000000524157u64 + i as u64).to_string());
        c["Email"] = json!(format!("person{i}@example.com"));
    });
    serde_json::to_vec(&json!({
        "data": data,
        "info": {"per_page": 100, "count": 100, "page": 1, "more_records": true,
                 "next_page_token": "c8582e7a4b2b7e2f"}
    }))
    .unwrap()
}

/// A Close `GET /contact/` page of 100 (built from the doc contact).
fn close_page() -> Vec<u8> {
    let one = fixture("close/fixtures/contact/get_contact.json");
    let data = hundred(&one, |i, c| {
        c["emails"][0]["email"] = json!(format!("person{i}@example.com"));
    });
    serde_json::to_vec(&json!({"has_more": true, "data": data})).unwrap()
}

/// An Attio `POST /v2/objects/people/records/query` page of 100 (built from the doc person).
fn attio_page() -> Vec<u8> {
    let doc = fixture("attio/fixtures/contact/get_person_docs.json");
    let data = hundred(&doc["data"], |i, c| {
        c["id"]["record_id"] = json!(format!("bf071e1f-6035-429d-b874-{i:012}"));
    });
    serde_json::to_vec(&json!({"data": data})).unwrap()
}

fn bench_page(c: &mut Criterion, name: &str, bytes: &[u8], list_key: &str) {
    let connector = unicrm_registry::get(name).expect("connector compiled in");
    // Every record of the page maps (a broken fixture must fail here, not be measured).
    let v: Value = serde_json::from_slice(bytes).unwrap();
    for r in v[list_key].as_array().unwrap() {
        connector
            .from_provider(Resource::Contact, r)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
    }
    let mut g = c.benchmark_group(format!("{name}_contacts_page_100"));
    g.throughput(Throughput::Bytes(bytes.len() as u64));
    g.bench_function("baseline_parse_value", |b| {
        b.iter(|| black_box(serde_json::from_slice::<Value>(black_box(bytes)).unwrap()))
    });
    // `from_provider(&Value)`: the record keeps a copy of its payload as `raw`.
    g.bench_function("parse_and_map_to_unified", |b| {
        b.iter(|| {
            let v: Value = serde_json::from_slice(black_box(bytes)).unwrap();
            let out: Vec<_> = v[list_key]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| connector.from_provider(Resource::Contact, r).unwrap())
                .collect();
            black_box(out)
        })
    });
    // `from_provider_owned(Value)`: what a connector's own list does; the payload moves into `raw`.
    g.bench_function("parse_and_map_owned", |b| {
        b.iter(|| {
            let mut v: Value = serde_json::from_slice(black_box(bytes)).unwrap();
            let Value::Array(list) = v[list_key].take() else {
                panic!("no {list_key}")
            };
            let out: Vec<_> = list
                .into_iter()
                .map(|r| connector.from_provider_owned(Resource::Contact, r).unwrap())
                .collect();
            black_box(out)
        })
    });
    g.bench_function("parse_map_and_render_v1", |b| {
        b.iter(|| {
            let v: Value = serde_json::from_slice(black_box(bytes)).unwrap();
            let out: Vec<Value> = v[list_key]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| {
                    dialect::provider_to_dialect(&*connector, Resource::Contact, r, Dialect::V1)
                        .unwrap()
                })
                .collect();
            black_box(serde_json::to_vec(&out).unwrap())
        })
    });
    // The mapping alone, on already parsed records (cloned outside the measurement).
    g.bench_function("map_only_owned", |b| {
        b.iter_batched(
            || v[list_key].as_array().unwrap().clone(),
            |list| {
                let out: Vec<_> = list
                    .into_iter()
                    .map(|r| connector.from_provider_owned(Resource::Contact, r).unwrap())
                    .collect();
                black_box(out)
            },
            BatchSize::SmallInput,
        )
    });
    g.finish();
}

fn mapping(c: &mut Criterion) {
    bench_page(c, "hubspot", &hubspot_page(), "results");
    bench_page(c, "salesforce", &salesforce_page(), "records");
    bench_page(c, "pipedrive", &pipedrive_page(), "data");
    bench_page(c, "zoho", &zoho_page(), "data");
    bench_page(c, "close", &close_page(), "data");
    bench_page(c, "attio", &attio_page(), "data");
}

fn unified_to_provider(c: &mut Criterion) {
    let body = std::fs::read(format!(
        "{}/../fixtures/v1/contact/create_request.json",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    let mut g = c.benchmark_group("v1_contact_to_provider");
    for name in unicrm_registry::ids() {
        let connector = unicrm_registry::get(name).unwrap();
        g.bench_function(name, |b| {
            b.iter(|| {
                black_box(
                    dialect::request_to_provider(
                        &*connector,
                        Dialect::V1,
                        Resource::Contact,
                        black_box(&body),
                    )
                    .unwrap(),
                )
            })
        });
    }
    g.finish();
}

criterion_group!(benches, mapping, unified_to_provider);
criterion_main!(benches);
