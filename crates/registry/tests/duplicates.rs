//! Two connectors registered with one id are refused at start-up (its own test binary, so the
//! duplicate does not disturb other tests).

use std::sync::Arc;
use unicrm_registry::core::{
    register_connector, registry::RegistryError, Connector, ConnectorInfo, Record, Resource, Result,
};

struct Dup;

static DUP_INFO: ConnectorInfo =
    ConnectorInfo::new("dup-test", "Duplicate", &[], &[], "http://127.0.0.1:9");

#[async_trait::async_trait]
impl Connector for Dup {
    fn info(&self) -> &'static ConnectorInfo {
        &DUP_INFO
    }
    fn to_provider(&self, _record: &Record) -> Result<serde_json::Value> {
        Ok(serde_json::json!({}))
    }
    fn from_provider(&self, _resource: Resource, _payload: &serde_json::Value) -> Result<Record> {
        Ok(Record::Contact(Default::default()))
    }
}

register_connector!("dup-test", || Arc::new(Dup));
register_connector!("dup-test", || Arc::new(Dup));

#[test]
fn duplicate_ids_are_refused() {
    let err = unicrm_registry::check().expect_err("duplicate must be refused");
    assert_eq!(err, RegistryError::DuplicateId("dup-test".into()));
    assert!(err.to_string().contains("dup-test"));
    assert!(unicrm_registry::get("dup-test").is_none());
    assert!(unicrm_registry::all().is_empty());
}
