//! The conformance suite, run for every registered connector against its own emulator: a new
//! connector is tested by being registered (a feature of unicrm-registry). Each connector
//! crate also runs it alone (`unicrm_testkit::conformance_test!` in its tests/it/main.rs).

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_registered_connector_conforms() {
    unicrm_registry::check().expect("valid registry");
    let connectors = unicrm_registry::all();
    assert_eq!(
        connectors.iter().map(|c| c.info().id).collect::<Vec<_>>(),
        unicrm_registry::enabled_features(),
        "every enabled connector is registered"
    );
    let emulators: Vec<&str> = unicrm_sandbox::emulators()
        .expect("valid emulator registry")
        .iter()
        .map(|e| e.id)
        .collect();
    let sandbox = unicrm_sandbox::spawn("127.0.0.1:0").await.expect("sandbox");
    let mut failures = Vec::new();
    for connector in connectors {
        let id = connector.info().id;
        assert!(emulators.contains(&id), "{id} has no emulator registered");
        // Known gaps and uniqueness rules come from the connector's own ConnectorInfo.
        match unicrm_testkit::run_conformance(connector, &sandbox).await {
            Ok(report) => println!("{report}"),
            Err(failure) => failures.push(failure.to_string()),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
