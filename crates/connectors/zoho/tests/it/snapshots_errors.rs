//! Snapshot tests of `parse_error` over every documented error body in `fixtures/errors/`
//! (file names start with the HTTP status the body comes with).

use connector_zoho::parse_error;
use http::HeaderMap;
use unicrm_testkit::snapshot;

#[test]
fn documented_errors() {
    insta::glob!("../../fixtures", "errors/*.json", |path| {
        let status = snapshot::fixture_status(path);
        let body = std::fs::read(path).expect("fixture");
        let e = parse_error(status, &HeaderMap::new(), &body);
        insta::assert_json_snapshot!(snapshot::error_view(&e, snapshot::error_extra(&e)));
    });
}

#[test]
fn a_body_that_is_not_json_is_kept() {
    let e = parse_error(503, &HeaderMap::new(), b"<html>Service Unavailable</html>");
    assert_eq!(e.kind(), "provider_error");
    assert!(e.is_temporary());
    assert!(e.to_string().contains("Service Unavailable"), "{e}");
}
