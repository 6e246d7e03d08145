use serde_json::{json, Value};
use unicrm_sandbox::{app_with, emulators, EmulatorRegistration, Sandbox, SandboxError};

use crate::emulator::{router, TestErrors};
use crate::{client, start};

static DUPLICATE: EmulatorRegistration = EmulatorRegistration {
    id: "testemu",
    router,
    seed: None,
    errors: &TestErrors,
};

static BAD_ID: EmulatorRegistration = EmulatorRegistration {
    id: "Has/Slash",
    router,
    seed: None,
    errors: &TestErrors,
};

static RESERVED_ID: EmulatorRegistration = EmulatorRegistration {
    id: "_sandbox",
    router,
    seed: None,
    errors: &TestErrors,
};

#[test]
fn registered_emulators_are_listed_and_checked() {
    let list = emulators().unwrap();
    let ids: Vec<_> = list.iter().map(|e| e.id).collect();
    assert_eq!(ids, ["testemu"]);
    let mut with_dup = list.clone();
    with_dup.push(&DUPLICATE);
    assert!(matches!(
        app_with(Sandbox::new(0), &with_dup),
        Err(SandboxError::InvalidEmulator { .. })
    ));
    for bad in [&BAD_ID, &RESERVED_ID] {
        assert!(matches!(
            app_with(Sandbox::new(0), &[bad]),
            Err(SandboxError::InvalidEmulator { .. })
        ));
    }
    assert!(app_with(Sandbox::new(0), &[]).is_ok());
}

#[tokio::test]
async fn health_emulators_and_unknown_paths() {
    let sb = start().await;
    let http = client();
    let health: Value = http
        .get(format!("{}/health", sb.url()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(health, json!({"status": "ok", "emulators": ["testemu"]}));
    let list: Value = http
        .get(format!("{}/_sandbox/emulators", sb.url()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(list, json!([{"id": "testemu", "path": "/testemu"}]));
    let resp = http
        .get(format!("{}/hubspot/crm/v3/objects/contacts", sb.url()))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 404);
    let body: Value = resp.json().await.unwrap();
    assert!(body["message"].as_str().unwrap().contains("testemu"));
    assert_eq!(
        sb.base_url("testemu"),
        format!("http://{}/testemu", sb.addr)
    );
}

#[tokio::test]
async fn shutdown_stops_the_server() {
    let sb = start().await;
    let addr = sb.addr;
    sb.shutdown().await;
    let result = client().get(format!("http://{addr}/health")).send().await;
    assert!(result.is_err());
}

#[tokio::test]
async fn banner_lists_every_emulator_and_the_seed() {
    let sandbox = Sandbox::new(9);
    sandbox.set_seed_data(12);
    let sb = crate::start_with(sandbox).await;
    let banner = sb.banner().unwrap();
    assert!(
        banner.starts_with(&format!("unicrm sandbox listening on {}\n", sb.url())),
        "{banner}"
    );
    assert!(
        banner.contains(&format!("  testemu      {}\n", sb.base_url("testemu"))),
        "{banner}"
    );
    assert!(banner.contains("/_sandbox/faults"), "{banner}");
    assert!(
        banner.contains("12 seed records per resource (seed 9)"),
        "{banner}"
    );
}
