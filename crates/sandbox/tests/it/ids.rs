use std::collections::HashSet;

use unicrm_sandbox::Sandbox;

#[test]
fn numeric_ids_increase() {
    let sb = Sandbox::new(0);
    let ids: Vec<u64> = (0..100).map(|_| sb.numeric_id().parse().unwrap()).collect();
    assert!(ids.windows(2).all(|w| w[1] > w[0]));
    // Scoped handles share the generator: ids stay unique across emulators.
    let other: u64 = sb.emulator("x").numeric_id().parse().unwrap();
    assert!(other > *ids.last().unwrap());
}

#[test]
fn uuids_are_v4_and_repeatable_for_a_seed() {
    let a = Sandbox::new(7);
    let b = Sandbox::new(7);
    let c = Sandbox::new(8);
    let from_a: Vec<String> = (0..20).map(|_| a.uuid()).collect();
    let from_b: Vec<String> = (0..20).map(|_| b.uuid()).collect();
    let from_c: Vec<String> = (0..20).map(|_| c.uuid()).collect();
    assert_eq!(from_a, from_b);
    assert_ne!(from_a, from_c);
    for id in &from_a {
        assert_eq!(id.len(), 36, "{id}");
        let bytes = id.as_bytes();
        assert_eq!([bytes[8], bytes[13], bytes[18], bytes[23]], [b'-'; 4]);
        assert_eq!(bytes[14], b'4', "version nibble of {id}");
        assert!(b"89ab".contains(&bytes[19]), "variant of {id}");
        assert!(id
            .chars()
            .all(|c| c == '-' || c.is_ascii_hexdigit() && !c.is_ascii_uppercase()));
    }
    let unique: HashSet<_> = from_a.iter().collect();
    assert_eq!(unique.len(), from_a.len());
}

#[test]
fn sequences_count_per_name_across_scoped_handles() {
    let sb = Sandbox::new(0);
    assert_eq!(sb.sequence("a"), 1);
    assert_eq!(sb.sequence("a"), 2);
    assert_eq!(sb.sequence("b"), 1);
    // Scoped handles share the sequences, and a reset does not restart them (ids stay unique).
    assert_eq!(sb.emulator("x").sequence("a"), 3);
    sb.reset();
    assert_eq!(sb.sequence("a"), 4);
}

#[tokio::test]
async fn emulator_hands_out_each_id_kind() {
    let sb = crate::start().await;
    let numeric = crate::create(&sb, "tok-ids", serde_json::json!({})).await;
    assert!(numeric.parse::<u64>().is_ok(), "{numeric}");
    let resp = crate::client()
        .post(crate::url(&sb, "/v1/items?id_kind=sequence"))
        .bearer_auth("tok-ids")
        .json(&serde_json::json!({}))
        .send()
        .await
        .unwrap();
    let v: serde_json::Value = resp.json().await.unwrap();
    let id = v["id"].as_str().unwrap();
    assert!(id.starts_with("itm") && id.len() == 12, "{id}");
    assert!(id[3..].parse::<u64>().is_ok(), "{id}");
}
