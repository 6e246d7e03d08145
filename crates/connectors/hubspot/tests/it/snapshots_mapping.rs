//! Snapshots of both mapping directions over every provider payload in `fixtures/<resource>/`:
//! the payload as a unified record (`from_provider`), and that record as HubSpot's create body
//! again (`to_provider`), or the error HubSpot's rules give before any call.

use connector_hubspot::HubSpot;
use serde_json::{json, Value};
use unicrm_core::{Connector, Resource};

fn both_directions(resource: Resource, payload: &Value) -> Value {
    let hubspot = HubSpot::default();
    let record = match hubspot.from_provider(resource, payload) {
        Ok(r) => r,
        Err(e) => return json!({ "from_provider_error": e.to_string() }),
    };
    let unified = serde_json::to_value(&record).expect("record serializes");
    match hubspot.to_provider(&record) {
        Ok(body) => json!({ "unified": unified, "provider": body }),
        Err(e) => json!({ "unified": unified, "to_provider_error": e.to_string() }),
    }
}

macro_rules! resource_snapshots {
    ($name:ident, $resource:expr, $glob:literal) => {
        #[test]
        fn $name() {
            insta::glob!("../../fixtures", $glob, |path| {
                let text = std::fs::read_to_string(path).expect("fixture readable");
                let payload: Value = serde_json::from_str(&text).expect("fixture is JSON");
                insta::assert_json_snapshot!(both_directions($resource, &payload));
            });
        }
    };
}

resource_snapshots!(contacts, Resource::Contact, "contact/*.json");
resource_snapshots!(leads, Resource::Lead, "lead/*.json");
resource_snapshots!(deals, Resource::Deal, "deal/*.json");
resource_snapshots!(meetings, Resource::Meeting, "meeting/*.json");
resource_snapshots!(accounts, Resource::Account, "account/*.json");

#[test]
fn custom_field_definitions_from_the_properties_api() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fixtures/properties/list_contacts_properties.json"
    ))
    .unwrap();
    let list: connector_hubspot::wire::PropertyList = serde_json::from_str(&text).unwrap();
    let defs = connector_hubspot::mapping::definitions::definitions_from_wire(
        Resource::Contact,
        &list.results,
    );
    insta::assert_json_snapshot!(defs);
}

#[test]
fn spec_example_values_round_trip_as_custom_fields() {
    // HubSpot's SimplePublicObjectInput example: every value type, as strings.
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fixtures/properties/simple_public_object_input_example.json"
    ))
    .unwrap();
    let payload: Value = serde_json::from_str(&text).unwrap();
    let mut with_name = payload.clone();
    with_name["properties"]["lastname"] = json!("Example");
    let out = both_directions(Resource::Contact, &with_name);
    for (k, v) in payload["properties"].as_object().unwrap() {
        assert_eq!(
            &out["provider"]["properties"][k], v,
            "{k} must round-trip exactly"
        );
    }
}
