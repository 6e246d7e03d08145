//! The unicrm conformance suite against the HubSpot emulator: create → get → list over several
//! pages → update → delete for all five resources, unsupported operations, 401, 404, 429 (with
//! the core retry), 5xx, dropped connections and garbled bodies.

use std::sync::Arc;

use connector_hubspot::HubSpot;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hubspot_passes_the_conformance_suite() {
    let sandbox = unicrm_sandbox::spawn("127.0.0.1:0").await.expect("sandbox");
    // Tracked limitation (strict: the run fails once these checks pass again).
    let why = "HubSpot reads unmapped properties only when the account setting \
               read_properties.<object> names them (README)";
    let options = unicrm_testkit::Options::default()
        .known_failure("contact: a text custom field survives create and get", why)
        .known_failure("deal: a text custom field survives create and get", why);
    let result =
        unicrm_testkit::run_conformance_with(Arc::new(HubSpot::default()), &sandbox, options).await;
    sandbox.shutdown().await;
    match result {
        Ok(report) => {
            println!("{report}");
            assert!(report.passed() > 40, "too few checks ran:\n{report}");
        }
        Err(failure) => panic!("{failure}"),
    }
}
