//! The unicrm conformance suite against the Salesforce emulator (feature `sandbox`).
#![cfg(feature = "sandbox")]

use std::sync::Arc;

use connector_salesforce::Salesforce;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn conformance_against_the_emulator() {
    let sandbox = unicrm_sandbox::spawn("127.0.0.1:0").await.expect("sandbox");
    let report = match unicrm_testkit::run_conformance(Arc::new(Salesforce), &sandbox).await {
        Ok(report) => report,
        Err(failure) => panic!("{failure}"),
    };
    println!("{report}");
    assert!(report.passed() > 0);
}
