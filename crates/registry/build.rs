//! Links exactly the connector crates enabled by cargo features, with no per-connector code:
//! every feature except `default`, `all` and `sandbox` is the implicit feature of an optional
//! dependency named by a connector id `<id>` (package `connector-<id>`, see Cargo.toml).
//! Generates `ENABLED` (the ids) and one `extern crate` each, because `inventory` only sees
//! linked crates.

use std::fmt::Write;

fn main() {
    let mut ids: Vec<String> = std::env::vars()
        .filter_map(|(k, _)| k.strip_prefix("CARGO_FEATURE_").map(str::to_owned))
        .map(|f| f.to_ascii_lowercase().replace('_', "-"))
        .filter(|f| !matches!(f.as_str(), "default" | "all" | "sandbox"))
        .collect();
    ids.sort();
    let mut out = String::new();
    let quoted: Vec<String> = ids.iter().map(|i| format!("{i:?}")).collect();
    let _ = writeln!(
        out,
        "/// Connector ids enabled by cargo features, sorted.\npub const ENABLED: &[&str] = &[{}];",
        quoted.join(", ")
    );
    for id in &ids {
        // The dependency is named by the id (its crate name with `_` for `-`); the re-export
        // keeps the `connector_<id>` name.
        let dep = id.replace('-', "_");
        let _ = writeln!(
            out,
            "#[doc(hidden)]\npub extern crate {dep} as connector_{dep};"
        );
    }
    let path = std::path::Path::new(&std::env::var("OUT_DIR").expect("OUT_DIR")).join("enabled.rs");
    std::fs::write(path, out).expect("write enabled.rs");
    println!("cargo::rerun-if-changed=build.rs");
}
