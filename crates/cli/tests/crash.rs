//! `kill -9` of a gateway while a keyed create is at the provider: another gateway process on
//! the same store takes the key over and must not create the record a second time (issue 14
//! item 2). Real processes: `unicrm sandbox`, then two `unicrm serve` one after the other.
//!
//! `cargo test -p unicrm --test crash -- --nocapture` prints the `EXACTLY-ONCE crash` line.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn tempdir() -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!(
        "unicrm-crash-{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
    ));
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Kills the child (SIGKILL) when dropped, so a failing test leaves no process behind.
struct Proc(Child);

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `unicrm <args>` in `dir` and reads its stdout until a line contains `marker`;
/// answers the process and the lines read.
fn start(dir: &std::path::Path, args: &[&str], marker: &str) -> (Proc, String) {
    let mut child = Proc(
        Command::new(env!("CARGO_BIN_EXE_unicrm"))
            .args(args)
            .current_dir(dir)
            .env_remove("DATABASE_URL")
            .env_remove("UNICRM_MASTER_KEY")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("run unicrm"),
    );
    let mut reader = BufReader::new(child.0.stdout.take().unwrap());
    let mut text = String::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap() == 0 {
            panic!("unicrm {args:?} exited: {text}");
        }
        text.push_str(&line);
        if line.contains(marker) {
            // Keep draining stdout so the child never blocks on a full pipe.
            std::thread::spawn(move || {
                let mut sink = String::new();
                let _ = reader.read_to_string(&mut sink);
            });
            return (child, text);
        }
    }
}

fn after<'a>(text: &'a str, marker: &str) -> &'a str {
    text.split(marker)
        .nth(1)
        .and_then(|r| r.split_whitespace().next())
        .unwrap_or_else(|| panic!("no {marker:?} in {text}"))
}

/// One HTTP/1.1 request (`Connection: close`); answers the status and body, or an error when
/// the connection failed or broke.
fn http(
    addr: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<&str>,
) -> std::io::Result<(u16, String)> {
    let mut s = TcpStream::connect(addr)?;
    s.set_read_timeout(Some(Duration::from_secs(60)))?;
    let mut req = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    let body = body.unwrap_or("");
    if !body.is_empty() {
        req.push_str("Content-Type: application/json\r\n");
    }
    req.push_str(&format!("Content-Length: {}\r\n\r\n{body}", body.len()));
    s.write_all(req.as_bytes())?;
    let mut out = String::new();
    s.read_to_string(&mut out)?;
    let status = out
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .ok_or_else(|| std::io::Error::other(format!("no HTTP answer: {out:?}")))?;
    let body = out.split_once("\r\n\r\n").map(|(_, b)| b).unwrap_or("");
    Ok((status, body.to_owned()))
}

#[test]
fn kill_9_mid_create_then_another_gateway_takes_the_key_over_one_record() {
    let dir = tempdir();
    let (_sandbox, text) = start(
        &dir,
        &["sandbox", "--bind", "127.0.0.1:0"],
        "listening on http://",
    );
    let sandbox = after(&text, "listening on http://").to_owned();
    let serve = |dir: &std::path::Path| {
        start(
            dir,
            &[
                "serve",
                "--bind",
                "127.0.0.1:0",
                "--sandbox-url",
                &format!("http://{sandbox}"),
                "--provider-timeout",
                "1s",
            ],
            "listening on http://",
        )
    };
    let (mut first, text) = serve(&dir);
    let gateway = after(&text, "listening on http://").to_owned();
    let key = after(&text, "test key: ").to_owned();
    let auth = format!("Bearer {key}");
    let user = format!("crash-{}", std::process::id());
    let path = format!("/api/v1/account?provider=hubspot&endUserId={user}");
    let (s, b) = http(&gateway, "GET", &path, &[("Authorization", &auth)], None).unwrap();
    assert_eq!(s, 200, "{b}");
    // The emulator makes a company at once but answers 3 s later: the create is at the provider
    // (and has landed) when the gateway dies.
    let (s, b) = http(
        &sandbox,
        "POST",
        "/_sandbox/faults",
        &[],
        Some(r#"{"emulator": "hubspot", "methods": ["POST"], "path_prefix": "/crm/v3/objects/companies", "response_latency_ms": 3000}"#),
    )
    .unwrap();
    assert!(s < 300, "{s} {b}");
    let name = format!("Crash {}", std::process::id());
    let body = format!(r#"{{"name": "{name}", "website": "https://crash.example.com"}}"#);
    let sender = {
        let (gateway, path, auth, body) =
            (gateway.clone(), path.clone(), auth.clone(), body.clone());
        std::thread::spawn(move || {
            http(
                &gateway,
                "POST",
                &path,
                &[("Authorization", &auth), ("Idempotency-Key", "crash-1")],
                Some(&body),
            )
        })
    };
    std::thread::sleep(Duration::from_millis(1000));
    // kill -9 (`Child::kill` is SIGKILL) while the provider call is in flight.
    first.0.kill().unwrap();
    first.0.wait().unwrap();
    let lost = sender.join().unwrap();
    assert!(lost.is_err(), "the killed gateway answered: {lost:?}");
    let (s, b) = http(&sandbox, "DELETE", "/_sandbox/faults", &[], None).unwrap();
    assert!(s < 300, "{s} {b}");

    // Another gateway process on the same store: the key's pending row goes stale (2 × 1 s
    // provider timeout + 5 s retry budget + 10 s) and is taken over.
    let (_second, text) = serve(&dir);
    let gateway = after(&text, "listening on http://").to_owned();
    let started = Instant::now();
    let mut attempts = 0;
    let (status, answer) = loop {
        attempts += 1;
        let (s, b) = http(
            &gateway,
            "POST",
            &path,
            &[("Authorization", &auth), ("Idempotency-Key", "crash-1")],
            Some(&body),
        )
        .unwrap();
        // 409: still in progress (the dead owner's row is not stale yet).
        if s == 409 && started.elapsed() < Duration::from_secs(90) {
            continue;
        }
        break (s, b);
    };
    let taken_over_after = started.elapsed();
    assert_eq!(status, 201, "{answer}");
    let answer: serde_json::Value = serde_json::from_str(&answer).unwrap();
    let id = answer["data"]["data"]["id"].as_str().unwrap().to_owned();
    // A repeat replays the stored answer.
    let (s, again) = http(
        &gateway,
        "POST",
        &path,
        &[("Authorization", &auth), ("Idempotency-Key", "crash-1")],
        Some(&body),
    )
    .unwrap();
    assert_eq!(s, 201, "{again}");
    assert!(again.contains(&id), "{again}");

    let (s, list) = http(
        &gateway,
        "GET",
        &format!("{path}&limit=100"),
        &[("Authorization", &auth)],
        None,
    )
    .unwrap();
    assert_eq!(s, 200, "{list}");
    let list: serde_json::Value = serde_json::from_str(&list).unwrap();
    let ids: Vec<&str> = list["data"]["data"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["name"] == name.as_str())
        .filter_map(|r| r["id"].as_str())
        .collect();
    eprintln!(
        "EXACTLY-ONCE crash keys=1 attempts_after_takeover={attempts} taken_over_after={:.1}s records={}",
        taken_over_after.as_secs_f64(),
        ids.len()
    );
    assert_eq!(
        ids,
        vec![id.as_str()],
        "exactly one record, the one answered"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
