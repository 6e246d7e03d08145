//! Doc payloads that are not records: describe → custom field definitions (snapshot), query
//! results, save results and OAuth answers parse as the docs show them.

use std::path::Path;

use connector_salesforce::mapping::definitions::custom_field_definitions_from_describe;
use connector_salesforce::wire::{
    DescribeSObjectResult, OAuthError, QueryResult, SaveResult, TokenResponse,
};

fn fixture<T: serde::de::DeserializeOwned>(path: &str) -> T {
    let full = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(path);
    serde_json::from_slice(&std::fs::read(&full).expect("fixture")).expect("parses")
}

#[test]
fn describe_custom_fields_become_definitions() {
    let describe: DescribeSObjectResult = fixture("describe/contact.json");
    insta::assert_json_snapshot!(custom_field_definitions_from_describe(&describe));
}

#[test]
fn query_results_parse() {
    let done: QueryResult = fixture("query/done.json");
    assert!(done.done);
    assert_eq!(done.total_size, 14);
    assert_eq!(done.records.len(), 2);
    assert_eq!(done.next_records_url, None);
    let more: QueryResult = fixture("query/next_records_url.json");
    assert!(!more.done);
    assert_eq!(
        more.next_records_url.as_deref(),
        Some("/services/data/v62.0/query/01gRO0000016PIAYA2-500")
    );
}

#[test]
fn save_and_oauth_answers_parse() {
    let saved: SaveResult = fixture("create/success_201.json");
    assert!(saved.success && saved.errors.is_empty());
    assert_eq!(saved.id, "001D000000IqhSLIAZ");
    let token: TokenResponse = fixture("oauth/refresh_response.json");
    assert_eq!(token.instance_url, "https://yourInstance.salesforce.com/");
    assert_eq!(token.token_type.as_deref(), Some("Bearer"));
    assert!(
        !format!("{token:?}").contains("AR8AQAxo9"),
        "token redacted in Debug"
    );
    let error: OAuthError = fixture("oauth/refresh_error_invalid_grant.json");
    assert_eq!(error.error, "invalid_grant");
}
