//! The store on SQLite (always) and PostgreSQL (when `UNICRM_TEST_POSTGRES_URL` or a
//! `postgres://` `DATABASE_URL` is set).

use serde_json::json;
use std::collections::BTreeMap;
use unicrm_server::store::{CredentialPairs, NewAccount, StoreError};
use unicrm_server::{Environment, MasterKey, Store};

/// A new, empty database on the configured PostgreSQL server: a store keeps one master key
/// (its key verifier), so a test with a key of its own needs a database of its own.
async fn postgres_url() -> Option<String> {
    let admin = std::env::var("UNICRM_TEST_POSTGRES_URL")
        .ok()
        .or_else(|| std::env::var("DATABASE_URL").ok())
        .filter(|u| u.starts_with("postgres"))?;
    let name = format!("unicrm_t_{}", uuid::Uuid::new_v4().simple());
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(&admin).await.unwrap();
    sqlx::raw_sql(&format!("CREATE DATABASE {name}"))
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;
    let mut url = url::Url::parse(&admin).unwrap();
    url.set_path(&format!("/{name}"));
    Some(url.to_string())
}

fn sqlite_url() -> (String, std::path::PathBuf) {
    let dir = std::env::temp_dir().join(format!("unicrm-store-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    (
        format!("sqlite://{}?mode=rwc", dir.join("t.db").display()),
        dir,
    )
}

fn creds(token: &str) -> CredentialPairs {
    let mut m = BTreeMap::new();
    m.insert("access_token".to_owned(), token.to_owned());
    CredentialPairs(m)
}

async fn exercise(store: &Store, raw_url: &str) {
    let p = store.create_project("Acme").await.unwrap();
    assert!(p.live_key.starts_with("sk_live_"));
    assert!(p.test_key.starts_with("sk_test_"));
    assert!(!store.is_empty().await.unwrap());

    // Keys authenticate to their project and environment; others do not.
    let (proj, env) = store.authenticate(&p.live_key).await.unwrap().unwrap();
    assert_eq!(
        (proj.id.as_str(), env),
        (p.project.id.as_str(), Environment::Live)
    );
    let (_, env) = store.authenticate(&p.test_key).await.unwrap().unwrap();
    assert_eq!(env, Environment::Test);
    assert!(store.authenticate("sk_live_nope").await.unwrap().is_none());
    assert!(store.authenticate("garbage").await.unwrap().is_none());

    // Linking; credentials round-trip through encryption.
    let user = format!("user-{}", uuid::Uuid::new_v4());
    let new = NewAccount {
        project_id: p.project.id.clone(),
        end_user_id: user.clone(),
        provider: "hubspot".into(),
        environment: Environment::Live,
        credentials: creds("pat-secret-123"),
        field_mapping: json!({"my_field": "hs_field"}).as_object().unwrap().clone(),
    };
    let a = store.link_account(new.clone()).await.unwrap();
    let back = store.account(&a.id).await.unwrap().unwrap();
    assert_eq!(back, a);
    assert_eq!(back.credentials.0["access_token"], "pat-secret-123");
    // A second link of the same triple is a duplicate naming the existing account.
    match store.link_account(new.clone()).await {
        Err(StoreError::Duplicate { existing_id, .. }) => assert_eq!(existing_id, a.id),
        other => panic!("expected a duplicate, got {other:?}"),
    }
    assert_eq!(store.link_or_get(new).await.unwrap().id, a.id);
    let found = store
        .find_account(&p.project.id, Environment::Live, "hubspot", &user)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found.id, a.id);
    assert!(store
        .find_account(&p.project.id, Environment::Test, "hubspot", &user)
        .await
        .unwrap()
        .is_none());

    // Update and delete are scoped to the project.
    let other = store.create_project("Other").await.unwrap();
    assert!(store
        .update_account(&other.project.id, &a.id, Some(creds("x")), None)
        .await
        .unwrap()
        .is_none());
    let up = store
        .update_account(&p.project.id, &a.id, Some(creds("pat-new")), None)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(up.credentials.0["access_token"], "pat-new");
    assert_eq!(
        store.account(&a.id).await.unwrap().unwrap().credentials.0["access_token"],
        "pat-new"
    );
    assert!(!store
        .delete_account(&other.project.id, &a.id)
        .await
        .unwrap());
    assert_eq!(store.accounts(Some(&p.project.id)).await.unwrap().len(), 1);
    assert!(store.delete_account(&p.project.id, &a.id).await.unwrap());
    assert!(store.account(&a.id).await.unwrap().is_none());

    // Reopening runs the migrations again harmlessly.
    let again = Store::connect(raw_url, MasterKey::generate())
        .await
        .unwrap();
    assert!(again.project(&p.project.id).await.unwrap().is_some());
}

#[tokio::test]
async fn sqlite_store() {
    let (url, dir) = sqlite_url();
    let store = Store::connect(&url, MasterKey::generate()).await.unwrap();
    exercise(&store, &url).await;
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test]
async fn credentials_are_encrypted_at_rest() {
    let (url, dir) = sqlite_url();
    let key = MasterKey::generate();
    let store = Store::connect(&url, key.clone()).await.unwrap();
    let p = store.create_project("Acme").await.unwrap();
    let a = store
        .link_account(NewAccount {
            project_id: p.project.id.clone(),
            end_user_id: "u1".into(),
            provider: "hubspot".into(),
            environment: Environment::Live,
            credentials: creds("pat-very-secret-token"),
            field_mapping: Default::default(),
        })
        .await
        .unwrap();
    // Everything on disk: the database and its WAL.
    let mut bytes = Vec::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        bytes.extend(std::fs::read(entry.unwrap().path()).unwrap());
    }
    let hay = String::from_utf8_lossy(&bytes);
    assert!(hay.contains(&a.id), "the account row is not on disk");
    assert!(
        !hay.contains("pat-very-secret-token"),
        "credentials stored in clear"
    );
    assert!(!hay.contains(&p.live_key), "API key stored in clear");
    // Another master key cannot read them.
    let wrong = Store::connect(&url, MasterKey::generate()).await.unwrap();
    assert!(wrong.account(&a.id).await.is_err());
    let right = Store::connect(&url, key).await.unwrap();
    assert!(right.account(&a.id).await.unwrap().is_some());
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test]
async fn dev_key_file_is_generated_beside_the_database() {
    let (url, dir) = sqlite_url();
    let (_, source) = unicrm_server::open_store(&url, None).await.unwrap();
    let path = dir.join("t.db.key");
    assert_eq!(source, unicrm_server::KeySource::Generated(path.clone()));
    assert!(path.exists());
    let (_, source) = unicrm_server::open_store(&url, None).await.unwrap();
    assert_eq!(source, unicrm_server::KeySource::File(path));
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test]
async fn postgres_store() {
    let Some(url) = postgres_url().await else {
        eprintln!("skipped: set UNICRM_TEST_POSTGRES_URL to test PostgreSQL");
        return;
    };
    let store = Store::connect(&url, MasterKey::generate()).await.unwrap();
    exercise(&store, &url).await;
}
