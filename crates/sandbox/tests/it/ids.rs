use std::collections::HashSet;

use unicrm_sandbox::ids::{
    key_prefix, salesforce_checksum, salesforce_id_18, salesforce_id_from_number,
    validate_salesforce_id,
};
use unicrm_sandbox::Sandbox;

#[test]
fn salesforce_checksum_matches_documented_pairs() {
    // Salesforce docs: 15-character id 001D000000IqhSL ↔ 18-character 001D000000IqhSLIAZ.
    assert_eq!(salesforce_checksum("001D000000IqhSL").unwrap(), "IAZ");
    assert_eq!(
        salesforce_id_18("001D000000IqhSL").unwrap(),
        "001D000000IqhSLIAZ"
    );
    // Worked example of the algorithm (chunks 00190 / 00000 / B98de → A A B).
    assert_eq!(
        salesforce_id_18("0019000000B98de").unwrap(),
        "0019000000B98deAAB"
    );
}

#[test]
fn salesforce_checksum_edges() {
    assert_eq!(salesforce_checksum("000000000000000").unwrap(), "AAA");
    assert_eq!(salesforce_checksum("aaaaazzzzz99999").unwrap(), "AAA");
    // Every character upper-case: 0b11111 = 31 → '5'.
    assert_eq!(salesforce_checksum("ABCDEFGHIJKLMNO").unwrap(), "555");
    // Only the last character of each chunk upper-case: 0b10000 = 16 → 'Q'.
    assert_eq!(salesforce_checksum("0000A0000B0000C").unwrap(), "QQQ");
    assert!(salesforce_checksum("001D000000IqhS").is_err());
    assert!(salesforce_checksum("001D000000Iqh-L").is_err());
}

#[test]
fn validate_accepts_15_and_18_and_refuses_bad_suffix() {
    assert_eq!(
        validate_salesforce_id("001D000000IqhSL").unwrap(),
        "001D000000IqhSLIAZ"
    );
    assert_eq!(
        validate_salesforce_id("001D000000IqhSLIAZ").unwrap(),
        "001D000000IqhSLIAZ"
    );
    assert_eq!(
        validate_salesforce_id("001D000000IqhSLiaz").unwrap(),
        "001D000000IqhSLIAZ"
    );
    assert!(validate_salesforce_id("001D000000IqhSLIAA").is_err());
    assert!(validate_salesforce_id("001D000000IQHSLIAZ").is_err());
    assert!(validate_salesforce_id("001D000000IqhSLIA").is_err());
    assert!(validate_salesforce_id("").is_err());
    // Multi-byte characters never panic (byte length 18, not a char boundary at 15).
    assert!(validate_salesforce_id("001D000000IqhSéAZ").is_err());
    assert!(validate_salesforce_id("001D000000Iqh€").is_err());
}

#[test]
fn generated_salesforce_ids_have_prefix_checksum_and_are_unique() {
    let sb = Sandbox::new(1);
    let mut seen = HashSet::new();
    for prefix in [
        key_prefix::ACCOUNT,
        key_prefix::CONTACT,
        key_prefix::LEAD,
        key_prefix::OPPORTUNITY,
        key_prefix::EVENT,
        key_prefix::USER,
    ] {
        for _ in 0..300 {
            let id = sb.salesforce_id(prefix).unwrap();
            assert_eq!(id.len(), 18, "{id}");
            assert!(id.starts_with(prefix), "{id}");
            assert_eq!(validate_salesforce_id(&id).unwrap(), id);
            assert!(seen.insert(id.to_ascii_lowercase()), "duplicate {id}");
        }
    }
    assert!(sb.salesforce_id("03").is_err());
    assert!(salesforce_id_from_number("0-3", 1).is_err());
    // Base-62 digits: 61 is 'z', 62 rolls over to "10".
    assert_eq!(
        &salesforce_id_from_number("003", 61).unwrap()[..15],
        "0035g000000000z"
    );
    assert_eq!(
        &salesforce_id_from_number("003", 62).unwrap()[..15],
        "0035g0000000010"
    );
}

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

#[tokio::test]
async fn emulator_hands_out_each_id_kind() {
    let sb = crate::start().await;
    let numeric = crate::create(&sb, "tok-ids", serde_json::json!({})).await;
    assert!(numeric.parse::<u64>().is_ok(), "{numeric}");
    let resp = crate::client()
        .post(crate::url(&sb, "/v1/items?id_kind=salesforce"))
        .bearer_auth("tok-ids")
        .json(&serde_json::json!({}))
        .send()
        .await
        .unwrap();
    let v: serde_json::Value = resp.json().await.unwrap();
    let sf = v["id"].as_str().unwrap();
    assert!(sf.starts_with("003") && sf.len() == 18, "{sf}");
    assert!(validate_salesforce_id(sf).is_ok());
}
