//! Every integration test of connector-salesforce in one test binary (one link instead of one per
//! file): the shared conformance suite against the Salesforce emulator (the connector's known gaps
//! and uniqueness rules are declared in its `ConnectorInfo`), the emulator's own behaviours and
//! the snapshots of the pure mapping (`snapshots/it__<module>__*.snap`).

unicrm_testkit::conformance_test!(connector_salesforce::Salesforce);

mod emulator;
mod snapshots_errors;
mod snapshots_mapping;
mod snapshots_wire;
mod unmodelled;
