//! Limits of the gateway, end to end over loopback: the listener's header-read, body-read and
//! idle timeouts and connection caps (`unicrm_server::serve`, with real slow clients), and the
//! per-project account quotas, size limits and bounded caches (issue 14 items 3 and 5).
//! Every loop is bounded; every client is on 127.0.0.0/8.

mod common;

use reqwest::Method;
use serde_json::{json, Map, Value};
use std::net::SocketAddr;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};
use unicrm_server::store::CreatedProject;
use unicrm_server::{Config, Environment, Gateway, Limits, ListenerLimits, Store};

/// A gateway served by `unicrm_server::serve` (the listener `unicrm serve` uses).
struct Served {
    url: String,
    addr: SocketAddr,
    gateway: Gateway,
    store: Store,
    project: CreatedProject,
    http: reqwest::Client,
    _sandbox: unicrm_sandbox::RunningSandbox,
    server: tokio::task::JoinHandle<()>,
    dir: std::path::PathBuf,
}

impl Drop for Served {
    fn drop(&mut self) {
        self.server.abort();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

async fn serve(config: Config) -> Served {
    let sandbox = unicrm_sandbox::spawn("127.0.0.1:0").await.expect("sandbox");
    let dir = std::env::temp_dir().join(format!("unicrm-limits-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let db = format!("sqlite://{}?mode=rwc", dir.join("limits.db").display());
    let (store, _) = unicrm_server::open_store(&db, None).await.expect("store");
    let project = store.create_project("limits").await.unwrap();
    let gateway = Gateway::new(store.clone(), config.sandbox_url(sandbox.url()));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let limits = gateway.config().listener.clone();
    let app = unicrm_server::router(gateway.clone());
    let server = tokio::spawn(async move {
        unicrm_server::serve(listener, app, limits, std::future::pending())
            .await
            .unwrap();
    });
    Served {
        url: format!("http://{addr}"),
        addr,
        gateway,
        store,
        project,
        http: reqwest::Client::new(),
        _sandbox: sandbox,
        server,
        dir,
    }
}

fn listener(f: impl FnOnce(&mut ListenerLimits)) -> Config {
    let mut l = ListenerLimits::default();
    f(&mut l);
    Config::default().listener(l)
}

fn limits(f: impl FnOnce(&mut Limits)) -> Config {
    let mut l = Limits::default();
    f(&mut l);
    Config::default().limits(l)
}

/// A client connection from `ip` (any 127.x.y.z address is local on Linux).
async fn connect_from(ip: &str, addr: SocketAddr) -> TcpStream {
    let s = TcpSocket::new_v4().unwrap();
    s.bind(format!("{ip}:0").parse().unwrap()).unwrap();
    s.connect(addr).await.unwrap()
}

/// Reads one HTTP/1.1 answer (head and `content-length` body): status and body. `None` when
/// the connection closes (or resets) first. Gives up after `within`.
async fn read_answer(tcp: &mut TcpStream, within: Duration) -> Option<(u16, String)> {
    let deadline = tokio::time::Instant::now() + within;
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..end]).to_string();
            let status: u16 = head.split(' ').nth(1)?.parse().ok()?;
            let len: usize = head
                .lines()
                .find_map(|l| {
                    let (k, v) = l.split_once(':')?;
                    k.eq_ignore_ascii_case("content-length")
                        .then(|| v.trim().parse().ok())?
                })
                .unwrap_or(0);
            if buf.len() >= end + 4 + len {
                let body = String::from_utf8_lossy(&buf[end + 4..end + 4 + len]).to_string();
                return Some((status, body));
            }
        }
        match tokio::time::timeout_at(deadline, tcp.read(&mut chunk)).await {
            Ok(Ok(0)) | Ok(Err(_)) => return None,
            Ok(Ok(n)) => buf.extend_from_slice(&chunk[..n]),
            Err(_) => panic!("no answer within {within:?}"),
        }
    }
}

/// `GET /health` on `tcp` (kept alive): the status, or `None` when the connection is closed.
async fn health(tcp: &mut TcpStream) -> Option<u16> {
    tcp.write_all(b"GET /health HTTP/1.1\r\nhost: gw\r\n\r\n")
        .await
        .ok()?;
    read_answer(tcp, Duration::from_secs(5))
        .await
        .map(|(s, _)| s)
}

/// Waits until the server closes `tcp` (EOF or reset); the time it took, or `None` when it is
/// still open after `within`.
async fn closed_within(tcp: &mut TcpStream, within: Duration) -> Option<Duration> {
    let started = Instant::now();
    let mut chunk = [0u8; 1024];
    loop {
        match tokio::time::timeout(
            within.saturating_sub(started.elapsed()),
            tcp.read(&mut chunk),
        )
        .await
        {
            Ok(Ok(0)) | Ok(Err(_)) => return Some(started.elapsed()),
            Ok(Ok(_)) => continue,
            Err(_) => return None,
        }
    }
}

#[tokio::test]
async fn trickled_headers_are_cut_off_at_the_header_read_timeout() {
    let s = serve(listener(|l| {
        l.header_read_timeout = Duration::from_millis(600);
    }))
    .await;
    // 30 trickling connections at once: one header line every 100 ms, each would take 5 s.
    let mut clients = Vec::new();
    for _ in 0..30 {
        let addr = s.addr;
        clients.push(tokio::spawn(async move {
            let mut tcp = TcpStream::connect(addr).await.unwrap();
            let started = Instant::now();
            tcp.write_all(b"GET /health HTTP/1.1\r\nhost: gw\r\n")
                .await
                .unwrap();
            let mut chunk = [0u8; 256];
            for i in 0..50 {
                if tcp
                    .write_all(format!("x-slow-{i}: y\r\n").as_bytes())
                    .await
                    .is_err()
                {
                    return Some(started.elapsed());
                }
                match tokio::time::timeout(Duration::from_millis(100), tcp.read(&mut chunk)).await {
                    Ok(Ok(0)) | Ok(Err(_)) => return Some(started.elapsed()),
                    Ok(Ok(_)) => panic!("answered a request whose head never ended"),
                    Err(_) => {}
                }
            }
            None
        }));
    }
    for c in clients {
        let took = c
            .await
            .unwrap()
            .expect("a trickling connection stayed open 5 s");
        assert!(
            took >= Duration::from_millis(500) && took < Duration::from_millis(2500),
            "closed after {took:?}"
        );
    }
    // The gateway still answers.
    let mut tcp = TcpStream::connect(s.addr).await.unwrap();
    assert_eq!(health(&mut tcp).await, Some(200));
}

#[tokio::test]
async fn a_connection_that_sends_nothing_is_closed_at_the_header_read_timeout() {
    let s = serve(listener(|l| {
        l.header_read_timeout = Duration::from_millis(500);
        l.idle_timeout = Duration::from_secs(30);
    }))
    .await;
    let mut silent = Vec::new();
    for _ in 0..10 {
        silent.push(TcpStream::connect(s.addr).await.unwrap());
    }
    for tcp in &mut silent {
        let took = closed_within(tcp, Duration::from_secs(3))
            .await
            .expect("a silent connection stayed open 3 s");
        assert!(took < Duration::from_millis(2000), "closed after {took:?}");
    }
}

#[tokio::test]
async fn an_idle_kept_alive_connection_is_closed_at_the_idle_timeout() {
    let s = serve(listener(|l| {
        l.header_read_timeout = Duration::from_secs(20);
        l.idle_timeout = Duration::from_millis(500);
    }))
    .await;
    let mut tcp = TcpStream::connect(s.addr).await.unwrap();
    assert_eq!(health(&mut tcp).await, Some(200));
    // Used again within the idle timeout: still open, answers.
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(health(&mut tcp).await, Some(200));
    // Then left idle: closed after ~0.5 s (not after the 20 s header timeout).
    let took = closed_within(&mut tcp, Duration::from_secs(5))
        .await
        .expect("an idle keep-alive connection stayed open 5 s");
    assert!(
        took >= Duration::from_millis(400) && took < Duration::from_millis(2000),
        "closed after {took:?}"
    );
    // A new request head started on a kept-alive connection gets the header timeout, not more.
}

#[tokio::test]
async fn a_trickled_body_is_answered_408_at_the_body_read_timeout() {
    let s = serve(listener(|l| {
        l.body_read_timeout = Duration::from_millis(600);
    }))
    .await;
    let tcp = TcpStream::connect(s.addr).await.unwrap();
    let (mut rd, mut wr) = tcp.into_split();
    let head = format!(
        "POST /api/v1/accounts HTTP/1.1\r\nhost: gw\r\nauthorization: Bearer {}\r\ncontent-type: application/json\r\ncontent-length: 400\r\n\r\n{{\"provider\":",
        s.project.test_key
    );
    wr.write_all(head.as_bytes()).await.unwrap();
    let writer = tokio::spawn(async move {
        // One byte every 100 ms: 40 s for the whole body.
        for _ in 0..60 {
            if wr.write_all(b" ").await.is_err() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    });
    let started = Instant::now();
    let mut buf = Vec::new();
    let mut chunk = [0u8; 2048];
    while !String::from_utf8_lossy(&buf).contains("\"data\":null") {
        match tokio::time::timeout(Duration::from_secs(5), rd.read(&mut chunk)).await {
            Ok(Ok(n)) if n > 0 => buf.extend_from_slice(&chunk[..n]),
            other => panic!(
                "no answer to a trickled body ({other:?}) after {:?}: {}",
                started.elapsed(),
                String::from_utf8_lossy(&buf)
            ),
        }
    }
    let took = started.elapsed();
    let text = String::from_utf8_lossy(&buf);
    assert!(text.starts_with("HTTP/1.1 408"), "{text}");
    assert!(text.contains("body_read_timeout"), "{text}");
    assert!(
        took < Duration::from_millis(2500),
        "answered after {took:?}"
    );
    writer.abort();
}

#[tokio::test]
async fn connections_over_the_per_ip_cap_are_answered_503_at_once() {
    let s = serve(listener(|l| {
        l.max_connections_per_ip = 4;
        l.max_connections = 100;
    }))
    .await;
    let mut established = Vec::new();
    for _ in 0..4 {
        let mut tcp = connect_from("127.0.0.1", s.addr).await;
        assert_eq!(health(&mut tcp).await, Some(200));
        established.push(tcp);
    }
    // 50 more from the same address: each answered 503 promptly and closed.
    let started = Instant::now();
    for _ in 0..50 {
        let mut tcp = connect_from("127.0.0.1", s.addr).await;
        let _ = tcp
            .write_all(b"GET /health HTTP/1.1\r\nhost: gw\r\n\r\n")
            .await;
        let (status, body) = read_answer(&mut tcp, Duration::from_secs(2))
            .await
            .expect("an over-cap connection got no answer");
        assert_eq!(status, 503, "{body}");
        assert!(body.contains("max_connections_per_ip"), "{body}");
        assert!(closed_within(&mut tcp, Duration::from_secs(2))
            .await
            .is_some());
    }
    assert!(started.elapsed() < Duration::from_secs(10));
    // The established connections keep being served, and another address is not affected.
    for tcp in &mut established {
        assert_eq!(health(tcp).await, Some(200));
    }
    let mut other = connect_from("127.0.0.2", s.addr).await;
    assert_eq!(health(&mut other).await, Some(200));
    // A closed connection gives its place back.
    drop(established.pop());
    let mut again = None;
    for _ in 0..40 {
        let mut tcp = connect_from("127.0.0.1", s.addr).await;
        if health(&mut tcp).await == Some(200) {
            again = Some(tcp);
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(again.is_some(), "the freed place was not given back");
}

#[tokio::test]
async fn idle_sockets_cannot_take_more_than_the_total_cap_and_health_stays_up() {
    let s = serve(listener(|l| {
        l.max_connections = 8;
        l.max_connections_per_ip = 8;
        l.header_read_timeout = Duration::from_secs(30);
    }))
    .await;
    // One established client, then 60 idle sockets from 20 addresses.
    let mut monitor = connect_from("127.0.0.1", s.addr).await;
    assert_eq!(health(&mut monitor).await, Some(200));
    let mut idle = Vec::new();
    let mut refused = 0;
    for i in 0..60 {
        let mut tcp = connect_from(&format!("127.0.1.{}", i % 20 + 1), s.addr).await;
        if idle.len() < 7 {
            idle.push(tcp);
            // Give the server the time to count it.
            tokio::time::sleep(Duration::from_millis(20)).await;
            continue;
        }
        let _ = tcp
            .write_all(b"GET /health HTTP/1.1\r\nhost: gw\r\n\r\n")
            .await;
        match read_answer(&mut tcp, Duration::from_secs(2)).await {
            Some((503, body)) => {
                assert!(body.contains("max_connections"), "{body}");
                refused += 1;
            }
            other => panic!("connection {i} over the total cap: {other:?}"),
        }
    }
    assert_eq!(refused, 53);
    // The established connection still gets /health.
    assert_eq!(health(&mut monitor).await, Some(200));
    drop(idle);
}

fn v1_path(resource: &str, provider: &str, user: &str) -> String {
    format!("/api/v1/{resource}?provider={provider}&endUserId={user}")
}

impl Served {
    fn v1(&self, method: Method, path: &str) -> reqwest::RequestBuilder {
        self.http
            .request(method, format!("{}{path}", self.url))
            .header("authorization", format!("Bearer {}", self.project.test_key))
    }

    async fn link(&self, body: Value) -> (u16, Value) {
        let (s, b, _) = common::json(
            self.v1(Method::POST, "/api/v1/accounts")
                .json(&body)
                .send()
                .await
                .unwrap(),
        )
        .await;
        (s, b)
    }
}

#[tokio::test]
async fn test_key_auto_linking_stops_at_the_project_account_quota() {
    let s = serve(limits(|l| l.max_test_accounts = 5)).await;
    for i in 0..5 {
        let (st, b, _) = common::json(
            s.v1(
                Method::GET,
                &v1_path("contact", "testcrm", &format!("user-{i}")),
            )
            .send()
            .await
            .unwrap(),
        )
        .await;
        assert_eq!(st, 200, "{b}");
    }
    let (st, b, _) = common::json(
        s.v1(Method::GET, &v1_path("contact", "testcrm", "user-5"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(st, 403, "{b}");
    let msg = b["message"].as_str().unwrap();
    assert!(
        msg.contains("max_test_accounts") && msg.contains("at most 5"),
        "{b}"
    );
    // Linking over the API is refused too; end users already linked keep working.
    let (st, b) = s
        .link(json!({"provider": "testcrm", "endUserId": "user-6"}))
        .await;
    assert_eq!(st, 403, "{b}");
    let (st, b, _) = common::json(
        s.v1(Method::GET, &v1_path("contact", "testcrm", "user-0"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(st, 200, "{b}");
    assert_eq!(
        s.store
            .count_accounts(&s.project.project.id, Environment::Test)
            .await
            .unwrap(),
        5
    );
    // The live environment has its own quota; a deleted account gives its place back.
    let id = s
        .store
        .find_account(
            &s.project.project.id,
            Environment::Test,
            "testcrm",
            "user-1",
        )
        .await
        .unwrap()
        .unwrap()
        .id;
    let (st, b, _) = common::json(
        s.v1(Method::DELETE, &format!("/api/v1/accounts/{id}"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(st, 200, "{b}");
    let (st, b) = s
        .link(json!({"provider": "testcrm", "endUserId": "user-6"}))
        .await;
    assert_eq!(st, 201, "{b}");
}

#[tokio::test]
async fn concurrent_first_uses_do_not_overshoot_the_quota() {
    let s = std::sync::Arc::new(serve(limits(|l| l.max_test_accounts = 10)).await);
    let mut tasks = Vec::new();
    for i in 0..40 {
        let s = s.clone();
        tasks.push(tokio::spawn(async move {
            s.v1(
                Method::GET,
                &v1_path("contact", "testcrm", &format!("c-{i}")),
            )
            .send()
            .await
            .unwrap()
            .status()
            .as_u16()
        }));
    }
    let mut ok = 0;
    for t in tasks {
        match t.await.unwrap() {
            200 => ok += 1,
            403 => {}
            other => panic!("status {other}"),
        }
    }
    assert_eq!(ok, 10);
    assert_eq!(
        s.store
            .count_accounts(&s.project.project.id, Environment::Test)
            .await
            .unwrap(),
        10
    );
}

fn field_of(b: &Value) -> &str {
    b["error"]["field"].as_str().unwrap_or("")
}

#[tokio::test]
async fn credential_id_and_mapping_sizes_are_limited() {
    let s = serve(Config::default()).await;
    // A 500 KB credential value (under the 1 MB body limit).
    let (st, b) = s
        .link(json!({"provider": "testcrm", "endUserId": "big-cred",
            "credentials": {"access_token": "x".repeat(500 * 1024)}}))
        .await;
    assert_eq!(st, 400, "{b}");
    assert_eq!(field_of(&b), "credentials.access_token", "{b}");
    // 5,000 settings.
    let mut many = Map::new();
    many.insert("access_token".into(), json!("t"));
    for i in 0..5000 {
        many.insert(format!("setting.s{i}"), json!("v"));
    }
    let (st, b) = s
        .link(json!({"provider": "testcrm", "endUserId": "many-settings", "credentials": many}))
        .await;
    assert_eq!(st, 400, "{b}");
    assert_eq!(field_of(&b), "credentials", "{b}");
    assert!(b["message"]
        .as_str()
        .unwrap()
        .contains("max_credential_pairs"));
    // An oversized credential name.
    let mut long_name = Map::new();
    long_name.insert(format!("setting.{}", "n".repeat(1000)), json!("v"));
    let (st, b) = s
        .link(json!({"provider": "testcrm", "endUserId": "long-name", "credentials": long_name}))
        .await;
    assert_eq!(st, 400, "{b}");
    assert_eq!(field_of(&b), "credentials", "{b}");
    // 5,000 field mappings.
    let mut mapping = Map::new();
    for i in 0..5000 {
        mapping.insert(format!("f{i}"), json!(format!("p{i}")));
    }
    let (st, b) = s
        .link(json!({"provider": "testcrm", "endUserId": "many-maps", "fieldMapping": mapping}))
        .await;
    assert_eq!(st, 400, "{b}");
    assert_eq!(field_of(&b), "fieldMapping", "{b}");
    // An oversized endUserId, in a body and in a query.
    let long_user = "u".repeat(10_000);
    let (st, b) = s
        .link(json!({"provider": "testcrm", "endUserId": long_user}))
        .await;
    assert_eq!(st, 400, "{b}");
    assert_eq!(field_of(&b), "endUserId", "{b}");
    let (st, b, _) = common::json(
        s.v1(Method::GET, &v1_path("contact", "testcrm", &long_user))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(st, 400, "{b}");
    assert_eq!(field_of(&b), "endUserId", "{b}");
    // An oversized account id (dialect "unified" header).
    let (st, b, _) = common::json(
        s.http
            .get(format!("{}/unified/crm/contacts", s.url))
            .header("authorization", common::basic(&s.project.test_key))
            .header("x-account-id", "a".repeat(4000))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(st, 400, "{b}");
    assert!(b.to_string().contains("x-account-id"), "{b}");
    // Nothing of it was stored; a PATCH with an oversized credential is refused too.
    assert_eq!(
        s.store
            .count_accounts(&s.project.project.id, Environment::Test)
            .await
            .unwrap(),
        0
    );
    let (st, b) = s
        .link(json!({"provider": "testcrm", "endUserId": "fine"}))
        .await;
    assert_eq!(st, 201, "{b}");
    let id = b["data"]["data"]["id"].as_str().unwrap().to_owned();
    let (st, b, _) = common::json(
        s.v1(Method::PATCH, &format!("/api/v1/accounts/{id}"))
            .json(&json!({"credentials": {"access_token": "x".repeat(100_000)}}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(st, 400, "{b}");
    assert_eq!(field_of(&b), "credentials.access_token", "{b}");
}

#[tokio::test]
async fn caches_stay_bounded_over_many_end_users() {
    let s = serve(limits(|l| {
        l.cache_entries = 64;
        l.max_test_accounts = 10_000;
    }))
    .await;
    for i in 0..400 {
        let st = s
            .v1(
                Method::GET,
                &v1_path("contact", "testcrm", &format!("many-{i}")),
            )
            .send()
            .await
            .unwrap()
            .status();
        assert_eq!(st, 200);
    }
    let sizes = s.gateway.cache_sizes();
    for (name, n) in [
        ("accounts", sizes.accounts),
        ("by_user", sizes.by_user),
        ("owners", sizes.owners),
        ("limiters", sizes.limiters),
        ("keys", sizes.keys),
    ] {
        assert!(
            n <= 64,
            "cache {name} holds {n} entries (bound 64): {sizes:?}"
        );
    }
    assert!(sizes.accounts > 0, "{sizes:?}");
    assert_eq!(sizes.refresh_locks, 0, "{sizes:?}");
    // Evicted accounts are read from the store again.
    let st = s
        .v1(Method::GET, &v1_path("contact", "testcrm", "many-0"))
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(st, 200);
}

#[test]
fn an_owner_cache_keeps_at_most_its_bound() {
    let cache = unicrm_core::OwnerCache::bounded(100);
    for i in 0..2000 {
        cache.insert(unicrm_core::model::Owner::id(format!("o{i}")));
    }
    assert!(cache.len() <= 100, "{}", cache.len());
    // The newest is kept.
    assert!(cache.get("o1999").is_some());
}

#[tokio::test]
async fn the_account_quota_holds_on_postgres() {
    let Some(url) = std::env::var("UNICRM_TEST_POSTGRES_URL")
        .ok()
        .filter(|u| u.starts_with("postgres"))
    else {
        eprintln!("skipped: set UNICRM_TEST_POSTGRES_URL to run the quota on PostgreSQL");
        return;
    };
    // A database of its own: the store keeps a verifier of its master key, so tests with keys
    // of their own cannot share one.
    let url = common::postgres_database(&url).await;
    let sandbox = unicrm_sandbox::spawn("127.0.0.1:0").await.unwrap();
    let key = unicrm_server::MasterKey::generate().to_base64();
    let (store, _) = unicrm_server::open_store(&url, Some(&key)).await.unwrap();
    let project = store.create_project("pg-quota").await.unwrap();
    let gateway = Gateway::new(
        store.clone(),
        limits(|l| l.max_test_accounts = 3).sandbox_url(sandbox.url()),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let limits = gateway.config().listener.clone();
    let app = unicrm_server::router(gateway);
    let server = tokio::spawn(unicrm_server::serve(
        listener,
        app,
        limits,
        std::future::pending(),
    ));
    let http = reqwest::Client::new();
    let mut statuses = Vec::new();
    for i in 0..5 {
        statuses.push(
            http.get(format!(
                "{url}{}",
                v1_path("contact", "testcrm", &format!("pg-{i}"))
            ))
            .header("authorization", format!("Bearer {}", project.test_key))
            .send()
            .await
            .unwrap()
            .status()
            .as_u16(),
        );
    }
    assert_eq!(statuses, [200, 200, 200, 403, 403]);
    assert_eq!(
        store
            .count_accounts(&project.project.id, Environment::Test)
            .await
            .unwrap(),
        3
    );
    assert_eq!(
        store
            .count_accounts(&project.project.id, Environment::Live)
            .await
            .unwrap(),
        0
    );
    server.abort();
}
