//! The unicrm-testkit conformance suite against the Close emulator.

use std::sync::Arc;

#[tokio::test]
async fn close_passes_the_conformance_suite() {
    let sandbox = unicrm_sandbox::spawn("127.0.0.1:0").await.expect("sandbox");
    match unicrm_testkit::run_conformance(Arc::new(connector_close::Close), &sandbox).await {
        Ok(report) => println!("{report}"),
        Err(failure) => panic!("{failure}"),
    }
}
