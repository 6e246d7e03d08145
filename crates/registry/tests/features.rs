//! The registered connectors are exactly the enabled features (no more: a toy connector is
//! registered here too, so "more" is the toy alone).

use std::sync::Arc;
use unicrm_registry::core::{
    register_connector, Capability, Connector, ConnectorInfo, Operation, Record, Resource, Result,
};

struct Toy;

static TOY_INFO: ConnectorInfo = ConnectorInfo::new(
    "toy-registry-test",
    "Toy",
    &[Capability {
        resource: Resource::Contact,
        operations: &[Operation::Get],
        fields: &[],
    }],
    &[],
    "http://127.0.0.1:9",
);

#[async_trait::async_trait]
impl Connector for Toy {
    fn info(&self) -> &'static ConnectorInfo {
        &TOY_INFO
    }
    fn to_provider(&self, _record: &Record) -> Result<serde_json::Value> {
        Ok(serde_json::json!({}))
    }
    fn from_provider(&self, resource: Resource, _payload: &serde_json::Value) -> Result<Record> {
        Err(unicrm_registry::core::Error::unsupported(
            "toy-registry-test",
            resource,
            Operation::Get,
        ))
    }
}

register_connector!("toy-registry-test", || Arc::new(Toy));

#[test]
fn registered_ids_equal_enabled_features_plus_the_toy() {
    unicrm_registry::check().expect("registry is valid");
    let mut expected = unicrm_registry::enabled_features();
    expected.push("toy-registry-test");
    expected.sort_unstable();
    assert_eq!(unicrm_registry::ids(), expected);
    let toy = unicrm_registry::get("toy-registry-test").expect("toy found");
    assert!(toy.info().supports(Resource::Contact, Operation::Get));
    assert!(!toy.info().supports(Resource::Deal, Operation::Get));
    assert_eq!(unicrm_registry::all().len(), expected.len());
}
