//! Every integration test of connector-attio in one test binary (one link instead of one per
//! file): the shared conformance suite against the Attio emulator (the connector's known gaps
//! and uniqueness rules are declared in its `ConnectorInfo`), the emulator's own behaviours and
//! the snapshots of the pure mapping (`snapshots/it__<module>__*.snap`).

unicrm_testkit::conformance_test!(connector_attio::Attio);

mod emulator;
mod snapshots;
mod unmodelled;
