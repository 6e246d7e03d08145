use serde_json::json;
use unicrm_testkit::{insta_settings, load_fixture, redact, try_load_fixture, FixtureError};

#[test]
fn loads_fixtures_and_reports_problems() {
    let dir = std::env::temp_dir().join(format!("unicrm-testkit-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let good = dir.join("good.json");
    std::fs::write(&good, r#"{"a": [1, 2]}"#).unwrap();
    assert_eq!(load_fixture(&good), json!({"a": [1, 2]}));
    let bad = dir.join("bad.json");
    std::fs::write(&bad, "{\"a\": ").unwrap();
    assert!(matches!(
        try_load_fixture(&bad),
        Err(FixtureError::Json { .. })
    ));
    assert!(matches!(
        try_load_fixture(dir.join("missing.json")),
        Err(FixtureError::Read { .. })
    ));
    let msg = std::panic::catch_unwind(|| load_fixture(dir.join("missing.json")))
        .err()
        .and_then(|e| e.downcast_ref::<String>().cloned())
        .unwrap();
    assert!(msg.contains("missing.json"), "{msg}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn redacts_ids_and_timestamps_at_any_depth() {
    let mut v = json!({
        "id": "123",
        "first_name": "Ada",
        "created_at": "2026-01-01T00:00:00Z",
        "updated_at": null,
        "results": [{"id": "9", "properties": {"createdate": "2026", "hs_object_id": "9", "email": "a@b"}}],
    });
    redact(&mut v);
    assert_eq!(
        v,
        json!({
            "id": "[id]",
            "first_name": "Ada",
            "created_at": "[timestamp]",
            "updated_at": null,
            "results": [{"id": "[id]", "properties": {"createdate": "[timestamp]", "hs_object_id": "[id]", "email": "a@b"}}],
        })
    );
}

#[test]
fn insta_settings_redact() {
    let v = json!({
        "id": "123",
        "name": "Acme",
        "updatedAt": "2026-01-01T00:00:00Z",
        "nested": {"items": [{"id": "7", "createdAt": "x"}]},
    });
    insta_settings().bind(|| insta::assert_json_snapshot!("redacted", v));
}
