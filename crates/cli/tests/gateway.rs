//! `unicrm serve`, `unicrm projects`, `unicrm accounts` as a user runs them.

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Command, Stdio};

fn tempdir() -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!(
        "unicrm-cli-{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
    ));
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn unicrm(dir: &std::path::Path, args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_unicrm"))
        .args(args)
        .current_dir(dir)
        .env_remove("DATABASE_URL")
        .env_remove("UNICRM_MASTER_KEY")
        .env("RUST_BACKTRACE", "0")
        .output()
        .expect("run unicrm");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn projects_and_accounts_commands() {
    let dir = tempdir();
    let (code, out, err) = unicrm(&dir, &["projects", "create", "--name", "Acme", "--json"]);
    assert_eq!(code, 0, "{err}");
    let p: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert!(p["live_key"].as_str().unwrap().starts_with("sk_live_"));
    assert!(p["test_key"].as_str().unwrap().starts_with("sk_test_"));
    let id = p["id"].as_str().unwrap();
    // The default store and its development key live in the working directory.
    assert!(dir.join("unicrm.db").exists());
    assert!(dir.join("unicrm.db.key").exists());
    // Keys are not stored in clear.
    let db = std::fs::read(dir.join("unicrm.db")).unwrap();
    assert!(!String::from_utf8_lossy(&db).contains(p["test_key"].as_str().unwrap()));

    let (code, out, _) = unicrm(&dir, &["projects", "list", "--json"]);
    assert_eq!(code, 0);
    assert!(out.contains(id) && !out.contains("sk_"));
    let (code, out, _) = unicrm(&dir, &["accounts", "list", "--json"]);
    assert_eq!(code, 0);
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&out).unwrap(),
        serde_json::json!([])
    );
    // An unknown provider and a missing credential are refused with a message.
    let (code, _, err) = unicrm(
        &dir,
        &[
            "accounts",
            "link",
            "--project",
            id,
            "--provider",
            "nope",
            "--end-user",
            "u",
            "--sandbox",
        ],
    );
    assert_ne!(code, 0);
    assert!(err.contains("unknown provider \"nope\""), "{err}");
    // Linking: a sandbox account, and a live one whose credential is never shown again.
    if let Some(provider) = unicrm_registry::ids().first().copied() {
        let (code, out, err) = unicrm(
            &dir,
            &[
                "accounts",
                "link",
                "--project",
                id,
                "--provider",
                provider,
                "--end-user",
                "u1",
                "--sandbox",
            ],
        );
        assert_eq!(code, 0, "{err}");
        assert!(out.trim().starts_with("acc_"), "{out}");
        let (code, out, err) = unicrm(
            &dir,
            &[
                "accounts",
                "link",
                "--project",
                id,
                "--provider",
                provider,
                "--end-user",
                "u1",
                "--credential",
                "access_token=very-secret-token",
                "--field-map",
                "ref=reference",
                "--json",
            ],
        );
        assert_eq!(code, 0, "{err}");
        assert!(!out.contains("very-secret-token"));
        let (code, out, _) = unicrm(&dir, &["accounts", "list", "--project", id, "--json"]);
        assert_eq!(code, 0);
        let list: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(list.as_array().unwrap().len(), 2);
        assert!(!out.contains("very-secret-token"));
        assert!(out.contains("\"access_token\""), "{out}");
        // The same end user, provider and environment again is refused.
        let (code, _, err) = unicrm(
            &dir,
            &[
                "accounts",
                "link",
                "--project",
                id,
                "--provider",
                provider,
                "--end-user",
                "u1",
                "--sandbox",
            ],
        );
        assert_ne!(code, 0);
        assert!(err.contains("linked already"), "{err}");
        let (code, _, err) = unicrm(
            &dir,
            &[
                "accounts",
                "link",
                "--project",
                id,
                "--provider",
                provider,
                "--end-user",
                "u2",
                "--credential",
                "pasword=x",
            ],
        );
        assert_ne!(code, 0);
        assert!(err.contains("credentials.pasword"), "{err}");
    }
    // The same host checks as the API: a live account's URLs stay on the provider's domains,
    // and ids carry no control characters.
    for (provider, credential) in [
        ("hubspot", "base_url=http://127.0.0.1:9"),
        ("salesforce", "instance_url=http://169.254.169.254/latest"),
        ("pipedrive", "setting.token_url=https://evil.example/token"),
    ] {
        let (code, _, err) = unicrm(
            &dir,
            &[
                "accounts",
                "link",
                "--project",
                id,
                "--provider",
                provider,
                "--end-user",
                "u3",
                "--credential",
                "access_token=t",
                "--credential",
                credential,
            ],
        );
        assert_ne!(code, 0, "{provider} {credential}");
        let key = credential.split('=').next().unwrap();
        assert!(err.contains(&format!("credentials.{key}")), "{err}");
    }
    let (code, _, err) = unicrm(
        &dir,
        &[
            "accounts",
            "link",
            "--project",
            id,
            "--provider",
            "hubspot",
            "--end-user",
            "u\u{1}4",
            "--sandbox",
        ],
    );
    assert_ne!(code, 0);
    assert!(err.contains("--end-user"), "{err}");
    // --database-url points elsewhere.
    let other = format!("sqlite://{}?mode=rwc", dir.join("other.db").display());
    let (code, out, _) = unicrm(
        &dir,
        &["--database-url", &other, "projects", "list", "--json"],
    );
    assert_eq!(code, 0);
    assert_eq!(out.trim(), "[]");
    let _ = std::fs::remove_dir_all(dir);
}

fn http_get(addr: &str, path: &str) -> String {
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    out
}

#[test]
fn serve_prints_the_test_key_once_and_answers() {
    let dir = tempdir();
    let start = || {
        Command::new(env!("CARGO_BIN_EXE_unicrm"))
            .args(["serve", "--bind", "127.0.0.1:0"])
            .current_dir(&dir)
            .env_remove("DATABASE_URL")
            .env_remove("UNICRM_MASTER_KEY")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("run unicrm serve")
    };
    let read_until_listening = |child: &mut std::process::Child| {
        let mut lines = vec![];
        let mut reader = BufReader::new(child.stdout.take().unwrap());
        loop {
            let mut line = String::new();
            if reader.read_line(&mut line).unwrap() == 0 {
                panic!("serve exited: {lines:?}");
            }
            let done = line.contains("listening on http://");
            lines.push(line);
            if done {
                return lines;
            }
        }
    };
    let mut child = start();
    let lines = read_until_listening(&mut child);
    let text = lines.concat();
    assert!(text.contains("test key: sk_test_"), "{text}");
    let addr = text
        .split("listening on http://")
        .nth(1)
        .and_then(|r| r.split_whitespace().next())
        .unwrap()
        .to_owned();
    let health = http_get(&addr, "/health");
    assert!(health.starts_with("HTTP/1.1 200"), "{health}");
    let doc = http_get(&addr, "/openapi.json");
    assert!(doc.contains("/unified/crm/contacts"), "{doc}");
    let denied = http_get(&addr, "/api/v1/contact?provider=x&endUserId=u");
    assert!(denied.starts_with("HTTP/1.1 401"), "{denied}");
    child.kill().unwrap();
    child.wait().unwrap();
    // A second start on the same store prints no key.
    let mut child = start();
    let text = read_until_listening(&mut child).concat();
    assert!(!text.contains("sk_test_"), "{text}");
    child.kill().unwrap();
    child.wait().unwrap();
    let _ = std::fs::remove_dir_all(dir);
}
