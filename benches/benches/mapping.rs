//! Provider → unified mapping of a realistic page, against the baseline of parsing the same bytes
//! into a `serde_json::Value` (the ratio is what docs/performance.md reports).
//!
//! Run: `cargo bench -p unicrm-benches --bench mapping`

use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use serde_json::{json, Value};
use unicrm_core::dialect::{self, Dialect};
use unicrm_core::Resource;

fn fixture(path: &str) -> Value {
    let full = format!("{}/../crates/connectors/{path}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(&full).expect(&full)).expect("JSON")
}

/// A HubSpot list page of 100 contacts with every mapped property (built from the doc payload).
fn hubspot_page() -> Vec<u8> {
    let one = fixture("hubspot/fixtures/contact/get_response_full.json");
    let results: Vec<Value> = (0..100)
        .map(|i| {
            let mut c = one.clone();
            c["id"] = json!((512 + i).to_string());
            c["properties"]["email"] = json!(format!("person{i}@example.com"));
            c["properties"]["hs_object_id"] = json!((512 + i).to_string());
            c
        })
        .collect();
    serde_json::to_vec(
        &json!({"results": results, "paging": {"next": {"after": "612", "link": "?after=612"}}}),
    )
    .unwrap()
}

/// A Salesforce SOQL page of 100 contacts (built from the doc record).
fn salesforce_page() -> Vec<u8> {
    let one = fixture("salesforce/fixtures/contact/record.json");
    let records: Vec<Value> = (0..100)
        .map(|i| {
            let mut c = one.clone();
            c["Email"] = json!(format!("person{i}@example.com"));
            c
        })
        .collect();
    serde_json::to_vec(&json!({
        "totalSize": 250, "done": false,
        "nextRecordsUrl": "/services/data/v62.0/query/01gD0000002HU6KIAW-100",
        "records": records
    }))
    .unwrap()
}

fn bench_page(c: &mut Criterion, name: &str, bytes: &[u8], list_key: &str) {
    let connector = unicrm_registry::get(name).expect("connector compiled in");
    let mut g = c.benchmark_group(format!("{name}_contacts_page_100"));
    g.throughput(Throughput::Bytes(bytes.len() as u64));
    g.bench_function("baseline_parse_value", |b| {
        b.iter(|| black_box(serde_json::from_slice::<Value>(black_box(bytes)).unwrap()))
    });
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
    g.finish();
}

fn mapping(c: &mut Criterion) {
    bench_page(c, "hubspot", &hubspot_page(), "results");
    bench_page(c, "salesforce", &salesforce_page(), "records");
}

fn unified_to_provider(c: &mut Criterion) {
    let body = std::fs::read(format!(
        "{}/../fixtures/v1/contact/create_request.json",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    let mut g = c.benchmark_group("v1_contact_to_provider");
    for name in ["hubspot", "salesforce"] {
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
