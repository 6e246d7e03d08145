//! The unicrm conformance suite against the Zoho CRM emulator: create → get → list over several
//! pages → update → delete for all five resources, unsupported operations, 401, 404, 429 (with
//! the core retry), 5xx, dropped connections and garbled bodies.

use std::sync::Arc;

use connector_zoho::Zoho;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn zoho_passes_the_conformance_suite() {
    let sandbox = unicrm_sandbox::spawn("127.0.0.1:0").await.expect("sandbox");
    let result = unicrm_testkit::run_conformance(Arc::new(Zoho), &sandbox).await;
    sandbox.shutdown().await;
    match result {
        Ok(report) => {
            println!("{report}");
            assert!(report.passed() > 40, "too few checks ran:\n{report}");
        }
        Err(failure) => panic!("{failure}"),
    }
}
