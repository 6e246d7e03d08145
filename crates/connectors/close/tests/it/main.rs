//! Every integration test of connector-close in one test binary (one link instead of one per
//! file): the shared conformance suite against the Close emulator (the connector's known gaps
//! and uniqueness rules are declared in its `ConnectorInfo`), the emulator's own behaviours and
//! the snapshots of the pure mapping (`snapshots/it__<module>__*.snap`).

unicrm_testkit::conformance_test!(connector_close::Close);

mod emulator;
mod snapshots;
mod unmodelled;
