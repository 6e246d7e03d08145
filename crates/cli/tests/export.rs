//! `unicrm export` against a standalone `unicrm sandbox`: a full export, and one killed midway
//! then resumed from its cursor file, give the same records, each once.

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn tempdir() -> PathBuf {
    let d = std::env::temp_dir().join(format!(
        "unicrm-export-{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
    ));
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn cmd(dir: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_unicrm"));
    c.current_dir(dir)
        .env_remove("DATABASE_URL")
        .env_remove("UNICRM_MASTER_KEY")
        .env_remove("UNICRM_SANDBOX_URL")
        .env("RUST_LOG", "warn");
    c
}

fn run(dir: &Path, args: &[&str]) -> String {
    let out = cmd(dir).args(args).output().expect("run unicrm");
    assert!(
        out.status.success(),
        "unicrm {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// A standalone sandbox on an ephemeral port, killed on drop.
struct Sandbox(Child, String);

impl Drop for Sandbox {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn sandbox(dir: &Path, seed_data: usize) -> Sandbox {
    let mut child = cmd(dir)
        .args(["sandbox", "--bind", "127.0.0.1:0", "--seed-data"])
        .arg(seed_data.to_string())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    let url = first
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .unwrap_or_else(|| panic!("no URL in {first:?}"))
        .to_owned();
    Sandbox(child, url)
}

fn ids(path: &Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).expect("one JSON object per line");
            v["id"].as_str().expect("an id").to_owned()
        })
        .collect()
}

#[test]
fn an_interrupted_export_resumes_where_it_stopped() {
    let dir = tempdir();
    let sb = sandbox(&dir, 120);
    let project: serde_json::Value =
        serde_json::from_str(&run(&dir, &["projects", "create", "--name", "e", "--json"])).unwrap();
    let project = project["id"].as_str().unwrap();
    run(
        &dir,
        &[
            "accounts",
            "link",
            "--project",
            project,
            "--provider",
            "hubspot",
            "--end-user",
            "u1",
            "--sandbox",
        ],
    );
    let export = |extra: &[&str]| {
        let mut c = cmd(&dir);
        c.args([
            "export",
            "contact",
            "--provider",
            "hubspot",
            "--end-user",
            "u1",
            "--page-size",
            "10",
            "--sandbox-url",
            &sb.1,
        ])
        .args(extra);
        c
    };

    // The whole export in one go.
    let out = export(&["-o", "full.jsonl"]).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let full = ids(&dir.join("full.jsonl"));
    assert_eq!(full.len(), 120);
    assert_eq!(full.iter().collect::<BTreeSet<_>>().len(), 120);

    // Slowed to 4 pages a second, killed once a few pages are written, then continued.
    let resume = dir.join("cursor.json");
    let mut child = export(&["--rate", "4", "--resume", "cursor.json", "-o", "part.jsonl"])
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let start = Instant::now();
    loop {
        let written = std::fs::read(&resume)
            .ok()
            .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
            .and_then(|v| v["records"].as_u64())
            .unwrap_or(0);
        if written >= 30 {
            break;
        }
        assert!(start.elapsed() < Duration::from_secs(60), "no progress");
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let saved: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&resume).unwrap()).unwrap();
    assert_eq!(saved["done"], false, "killed before the end: {saved}");
    assert!(saved["cursor"].is_string(), "{saved}");
    let before = saved["records"].as_u64().unwrap();
    assert!(before < 120, "{saved}");

    let out = export(&["--resume", "cursor.json", "-o", "part.jsonl"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let resumed = ids(&dir.join("part.jsonl"));
    assert_eq!(
        resumed, full,
        "the resumed export is the full one, each record once"
    );
    let saved: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&resume).unwrap()).unwrap();
    assert_eq!(saved["done"], true);
    assert_eq!(saved["records"], 120);
    // This run fetched only the pages after the interruption.
    let err = String::from_utf8_lossy(&out.stderr);
    let pages = 12 - before / 10;
    assert!(
        err.contains(&format!("({pages} pages in this run)")),
        "{err} (expected {pages} pages)"
    );

    // A finished export is not repeated; another export's cursor file is refused.
    let out = export(&["--resume", "cursor.json", "-o", "part.jsonl"])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(ids(&dir.join("part.jsonl")).len(), 120);
    let out = export(&["--resume", "cursor.json", "--since", "2024-01-01"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("cursor of another export"));

    // Without --output the records go to stdout.
    let out = export(&[]).output().unwrap();
    assert!(out.status.success());
    assert_eq!(String::from_utf8_lossy(&out.stdout).lines().count(), 120);
    let _ = std::fs::remove_dir_all(&dir);
}
