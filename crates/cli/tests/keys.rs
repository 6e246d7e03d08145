//! `unicrm keys …` and a wrong master key, as a user runs them.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn tempdir() -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!(
        "unicrm-cli-keys-{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
    ));
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn command(dir: &std::path::Path, args: &[&str], env: &[(&str, &str)]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_unicrm"));
    c.args(args)
        .current_dir(dir)
        .env_remove("DATABASE_URL")
        .env_remove("UNICRM_MASTER_KEY")
        .env_remove("UNICRM_NEW_MASTER_KEY")
        .env("RUST_BACKTRACE", "0");
    for (k, v) in env {
        c.env(k, v);
    }
    c
}

fn unicrm(dir: &std::path::Path, args: &[&str], env: &[(&str, &str)]) -> (i32, String, String) {
    let out = command(dir, args, env).output().expect("run unicrm");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn json(out: &str) -> serde_json::Value {
    serde_json::from_str(out).unwrap_or_else(|e| panic!("{e}: {out}"))
}

const OTHER_KEY: &str = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";

#[test]
fn a_wrong_master_key_stops_serve_and_the_cli() {
    let dir = tempdir();
    let (code, out, err) = unicrm(&dir, &["projects", "create", "--name", "A", "--json"], &[]);
    assert_eq!(code, 0, "{err}");
    let project = json(&out)["id"].as_str().unwrap().to_owned();
    let provider = unicrm_registry::ids()[0];
    let (code, _, err) = unicrm(
        &dir,
        &[
            "accounts",
            "link",
            "--project",
            &project,
            "--provider",
            provider,
            "--end-user",
            "u1",
            "--sandbox",
        ],
        &[],
    );
    assert_eq!(code, 0, "{err}");

    let wrong = [("UNICRM_MASTER_KEY", OTHER_KEY)];
    let (code, _, err) = unicrm(&dir, &["accounts", "list"], &wrong);
    assert_ne!(code, 0);
    assert!(err.contains("does not match this store"), "{err}");
    assert!(!err.contains(OTHER_KEY), "{err}");

    // `serve` refuses to start (it would otherwise run until killed).
    let mut child = command(&dir, &["serve", "--bind", "127.0.0.1:0"], &wrong)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if started.elapsed() > Duration::from_secs(30) {
            let _ = child.kill();
            panic!("serve started with a wrong master key");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!status.success());
    assert!(
        err.contains("does not match this store") && err.contains("UNICRM_MASTER_KEY"),
        "{err}"
    );
    assert!(!String::from_utf8_lossy(&out.stdout).contains("listening"));
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn rotate_master_with_the_key_file_and_with_the_environment() {
    let dir = tempdir();
    let (code, out, err) = unicrm(&dir, &["projects", "create", "--name", "A", "--json"], &[]);
    assert_eq!(code, 0, "{err}");
    let project = json(&out)["id"].as_str().unwrap().to_owned();
    let provider = unicrm_registry::ids()[0];
    for user in ["u1", "u2"] {
        let (code, _, err) = unicrm(
            &dir,
            &[
                "accounts",
                "link",
                "--project",
                &project,
                "--provider",
                provider,
                "--end-user",
                user,
                "--sandbox",
            ],
            &[],
        );
        assert_eq!(code, 0, "{err}");
    }
    let key_file = dir.join("unicrm.db.key");
    let old = std::fs::read_to_string(&key_file).unwrap();

    // The development key file is replaced by the new key once the store switched.
    let (code, out, err) = unicrm(&dir, &["keys", "rotate-master", "--generate"], &[]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("re-encrypted 2 linked account(s)"), "{out}");
    let new = std::fs::read_to_string(&key_file).unwrap();
    assert_ne!(old.trim(), new.trim());
    assert!(!dir.join("unicrm.db.key.new").exists());
    let (code, out, err) = unicrm(&dir, &["accounts", "list", "--json"], &[]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(json(&out).as_array().unwrap().len(), 2);
    let (code, _, err) = unicrm(
        &dir,
        &["accounts", "list"],
        &[("UNICRM_MASTER_KEY", old.trim())],
    );
    assert_ne!(code, 0, "the old key still opens the store");
    assert!(err.contains("does not match"), "{err}");

    // With UNICRM_MASTER_KEY: the new key from UNICRM_NEW_MASTER_KEY.
    let (code, _, err) = unicrm(
        &dir,
        &["keys", "rotate-master"],
        &[
            ("UNICRM_MASTER_KEY", new.trim()),
            ("UNICRM_NEW_MASTER_KEY", OTHER_KEY),
        ],
    );
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("set UNICRM_MASTER_KEY to the new key"),
        "{err}"
    );
    let (code, out, err) = unicrm(
        &dir,
        &["accounts", "list", "--json"],
        &[("UNICRM_MASTER_KEY", OTHER_KEY)],
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(json(&out).as_array().unwrap().len(), 2);
    // No new key given: refused, nothing changed.
    let (code, _, err) = unicrm(
        &dir,
        &["keys", "rotate-master"],
        &[("UNICRM_MASTER_KEY", OTHER_KEY)],
    );
    assert_ne!(code, 0);
    assert!(err.contains("UNICRM_NEW_MASTER_KEY"), "{err}");
    std::fs::remove_dir_all(dir).unwrap();
}

/// A rotation that committed but stopped before renaming `<db>.key.new` is finished by the next
/// command.
#[test]
fn an_interrupted_key_file_rotation_is_finished_on_open() {
    let dir = tempdir();
    let (code, out, err) = unicrm(&dir, &["projects", "create", "--name", "A", "--json"], &[]);
    assert_eq!(code, 0, "{err}");
    let _ = json(&out);
    let key_file = dir.join("unicrm.db.key");
    let old = std::fs::read_to_string(&key_file).unwrap();
    // Rotate with the environment (as the key-file rotation does before its rename), then leave
    // the new key only in `<db>.key.new`.
    let (code, _, err) = unicrm(
        &dir,
        &["keys", "rotate-master"],
        &[
            ("UNICRM_MASTER_KEY", old.trim()),
            ("UNICRM_NEW_MASTER_KEY", OTHER_KEY),
        ],
    );
    assert_eq!(code, 0, "{err}");
    std::fs::write(dir.join("unicrm.db.key.new"), OTHER_KEY).unwrap();
    let (code, _, err) = unicrm(&dir, &["accounts", "list"], &[]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        std::fs::read_to_string(&key_file).unwrap().trim(),
        OTHER_KEY
    );
    assert!(!dir.join("unicrm.db.key.new").exists());
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn named_api_keys_over_the_cli() {
    let dir = tempdir();
    let (code, out, err) = unicrm(&dir, &["projects", "create", "--name", "A", "--json"], &[]);
    assert_eq!(code, 0, "{err}");
    let p = json(&out);
    let project = p["id"].as_str().unwrap();
    let (code, out, err) = unicrm(
        &dir,
        &[
            "keys",
            "create",
            "--project",
            project,
            "--env",
            "live",
            "--name",
            "ci",
            "--json",
        ],
        &[],
    );
    assert_eq!(code, 0, "{err}");
    let ci = json(&out);
    let secret = ci["secret"].as_str().unwrap();
    let id = ci["id"].as_str().unwrap();
    assert!(secret.starts_with("sk_live_"));

    let (code, out, err) = unicrm(&dir, &["keys", "list", "--project", project, "--json"], &[]);
    assert_eq!(code, 0, "{err}");
    assert!(!out.contains("sk_"), "{out}");
    let listed = json(&out);
    assert_eq!(listed.as_array().unwrap().len(), 3);

    let (code, out, err) = unicrm(
        &dir,
        &["keys", "rotate", id, "--overlap", "1h", "--json"],
        &[],
    );
    assert_eq!(code, 0, "{err}");
    let rotated = json(&out);
    assert_eq!(rotated["name"], "ci");
    assert_ne!(rotated["id"], ci["id"]);
    let (code, out, err) = unicrm(&dir, &["keys", "revoke", id, "--json"], &[]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(json(&out)["status"], "revoked");
    let (code, out, _) = unicrm(&dir, &["keys", "list", "--project", project], &[]);
    assert_eq!(code, 0);
    assert!(out.contains("revoked") && out.contains("active"), "{out}");

    // Bad input is named.
    let (code, _, err) = unicrm(&dir, &["keys", "revoke", "key_nope"], &[]);
    assert_ne!(code, 0);
    assert!(err.contains("no API key"), "{err}");
    let (code, _, err) = unicrm(
        &dir,
        &[
            "keys",
            "create",
            "--project",
            project,
            "--env",
            "prod",
            "--name",
            "x",
        ],
        &[],
    );
    assert_ne!(code, 0);
    assert!(err.contains("--env"), "{err}");
    std::fs::remove_dir_all(dir).unwrap();
}
