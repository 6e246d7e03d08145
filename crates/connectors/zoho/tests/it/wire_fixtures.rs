//! The documented Zoho payloads that are not records parse into the wire types the client uses:
//! list pages (`info`), users, fields metadata (→ custom field definitions), token answers.

use connector_zoho::mapping::definitions::custom_field_definitions_from_fields;
use connector_zoho::wire::{FieldsResponse, RecordsResponse, TokenResponse, UsersResponse};

fn fixture(path: &str) -> Vec<u8> {
    std::fs::read(format!("{}/fixtures/{path}", env!("CARGO_MANIFEST_DIR"))).expect(path)
}

#[test]
fn a_list_page_carries_the_next_page_token() {
    let page: RecordsResponse =
        serde_json::from_slice(&fixture("lists/leads_page_oas.json")).unwrap();
    let info = page.info.expect("info");
    assert!(info.more_records);
    assert_eq!(info.next_page_token.as_deref(), Some("c8582xx9e7c7"));
    assert_eq!(info.previous_page_token, None);
    assert_eq!(page.data.len(), 1);
}

#[test]
fn a_user_has_a_name_and_email() {
    let users: UsersResponse = serde_json::from_slice(&fixture("users/get_user_oas.json")).unwrap();
    let user = &users.users[0];
    assert_eq!(user.id, "111133000000057662");
    assert_eq!(user.full_name.as_deref(), Some("Thuvassshhhh test test"));
    assert_eq!(user.email.as_deref(), Some("user@example.com"));
}

#[test]
fn the_token_answer_names_the_api_domain() {
    let token: TokenResponse =
        serde_json::from_slice(&fixture("oauth/token_refresh_response.json")).unwrap();
    assert_eq!(
        token.api_domain.as_deref(),
        Some("https://www.zohoapis.com")
    );
    assert_eq!(token.expires_in, Some(3600));
    assert!(token.error.is_none());
    let bad: TokenResponse =
        serde_json::from_slice(&fixture("errors/200_oauth_invalid_code.json")).unwrap();
    assert_eq!(bad.error.as_deref(), Some("invalid_code"));
}

#[test]
fn custom_field_definitions_from_the_fields_metadata() {
    let fields: FieldsResponse =
        serde_json::from_slice(&fixture("fields/leads_trimmed.json")).unwrap();
    insta::assert_json_snapshot!(custom_field_definitions_from_fields(&fields.fields));
}
