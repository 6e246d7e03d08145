//! The `unicrm` binary as a user runs it.

use std::io::Write;
use std::process::{Command, Stdio};

fn unicrm(args: &[&str], stdin: &[u8]) -> (i32, String, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_unicrm"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .env("RUST_BACKTRACE", "0")
        .spawn()
        .expect("run unicrm");
    child.stdin.take().unwrap().write_all(stdin).unwrap();
    let out = child.wait_with_output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn connectors_json_lists_every_compiled_in_connector() {
    let (code, out, err) = unicrm(&["connectors", "--json"], b"");
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let ids: Vec<&str> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, unicrm_registry::enabled_features());
    for c in v.as_array().unwrap() {
        assert!(
            c["capabilities"].as_array().is_some_and(|a| !a.is_empty()),
            "{c}"
        );
    }
}

#[test]
fn connectors_table() {
    let (code, out, err) = unicrm(&["connectors"], b"");
    assert_eq!(code, 0, "{err}");
    for id in unicrm_registry::enabled_features() {
        assert!(out.contains(id), "{out}");
    }
}

#[test]
fn map_errors_are_clear() {
    let (code, _, err) = unicrm(
        &[
            "map",
            "--provider",
            "nope",
            "--resource",
            "contact",
            "--from",
            "v1",
        ],
        b"{}",
    );
    assert_ne!(code, 0);
    assert!(err.contains("unknown provider \"nope\""), "{err}");
    if let Some(id) = unicrm_registry::enabled_features().first() {
        let (code, _, err) = unicrm(
            &[
                "map",
                "--provider",
                id,
                "--resource",
                "contact",
                "--from",
                "v1",
            ],
            br#"{"firstName": 5}"#,
        );
        assert_ne!(code, 0);
        assert!(err.contains("firstName"), "{err}");
        let (code, _, err) = unicrm(
            &[
                "map",
                "--provider",
                id,
                "--resource",
                "widget",
                "--from",
                "v1",
            ],
            b"{}",
        );
        assert_ne!(code, 0);
        assert!(err.contains("unknown resource"), "{err}");
    }
}
