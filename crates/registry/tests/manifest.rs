//! Adding a provider takes three lines of this crate's Cargo.toml: its dependency (named by its
//! id, so cargo's implicit feature is the connector's feature), its entry in `all` and its entry
//! in `sandbox`. Every folder of `crates/connectors` is wired exactly so, and no other line
//! names it.

use std::path::Path;

#[test]
fn every_connector_folder_is_three_lines_of_the_manifest() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let manifest = std::fs::read_to_string(dir.join("Cargo.toml")).expect("Cargo.toml");
    // `dep:` would make cargo drop the implicit features the connectors' features are.
    assert!(
        !manifest
            .lines()
            .any(|l| !l.trim_start().starts_with('#') && l.contains("dep:")),
        "no `dep:` in the registry's manifest"
    );
    let mut ids: Vec<String> = std::fs::read_dir(dir.join("../connectors"))
        .expect("crates/connectors")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.join("Cargo.toml").is_file())
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    ids.sort();
    assert!(!ids.is_empty());
    for id in &ids {
        let wanted = [
            format!("    \"{id}\","),
            format!("    \"{id}?/sandbox\","),
            format!(
                "{id} = {{ package = \"connector-{id}\", path = \"../connectors/{id}\", optional = true }}"
            ),
        ];
        let naming: Vec<&str> = manifest
            .lines()
            .filter(|l| !l.trim_start().starts_with('#'))
            .filter(|l| {
                l.split(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_'))
                    .any(|w| w == id || w == format!("connector-{id}"))
            })
            .collect();
        for line in &wanted {
            assert!(
                naming.contains(&line.as_str()),
                "{id}: missing line `{line}` in crates/registry/Cargo.toml"
            );
        }
        assert_eq!(
            naming.len(),
            3,
            "{id}: exactly three lines name it: {naming:#?}"
        );
    }
    // And every enabled feature is one of those folders.
    for id in unicrm_registry::enabled_features() {
        assert!(ids.iter().any(|i| i == id), "feature {id} has no folder");
    }
}
