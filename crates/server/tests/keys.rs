//! Master-key verifier and rotation, named API keys, sealed idempotent answers and private store
//! files — on SQLite (always) and PostgreSQL (a fresh database of `UNICRM_TEST_POSTGRES_URL`'s
//! server per test, when set).

use serde_json::json;
use std::collections::BTreeMap;
use std::time::Duration;
use unicrm_server::reliability::{IdemScope, IdemState};
use unicrm_server::store::{AccountRow, CredentialPairs, NewAccount, StoreError};
use unicrm_server::{open_store, Environment, MasterKey, OpenError, Store};

fn sqlite_url() -> (String, std::path::PathBuf) {
    let dir = std::env::temp_dir().join(format!("unicrm-keys-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    (
        format!("sqlite://{}?mode=rwc", dir.join("t.db").display()),
        dir,
    )
}

/// A new, empty database on the PostgreSQL server of `UNICRM_TEST_POSTGRES_URL` (a store keeps
/// one master key, so tests with keys of their own need a database of their own).
async fn postgres_url() -> Option<String> {
    let admin = std::env::var("UNICRM_TEST_POSTGRES_URL")
        .ok()
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

/// SQLite, and PostgreSQL when configured.
async fn urls() -> Vec<String> {
    let mut out = vec![sqlite_url().0];
    match postgres_url().await {
        Some(u) => out.push(u),
        None => eprintln!("PostgreSQL part skipped: UNICRM_TEST_POSTGRES_URL is not set"),
    }
    out
}

fn account(project: &str, user: &str, token: &str) -> NewAccount {
    let mut m = BTreeMap::new();
    m.insert("access_token".to_owned(), token.to_owned());
    NewAccount {
        project_id: project.to_owned(),
        end_user_id: user.to_owned(),
        provider: "hubspot".into(),
        environment: Environment::Live,
        credentials: CredentialPairs(m),
        field_mapping: Default::default(),
    }
}

async fn raw(url: &str) -> sqlx::AnyPool {
    sqlx::any::install_default_drivers();
    sqlx::AnyPool::connect(url).await.unwrap()
}

#[tokio::test]
async fn a_wrong_master_key_is_refused_at_open() {
    for url in urls().await {
        let good = MasterKey::generate().to_base64();
        let (store, _) = open_store(&url, Some(&good)).await.unwrap();
        assert!(store.key_matches());
        let p = store.create_project("Acme").await.unwrap();
        store
            .link_account(account(&p.project.id, "u1", "pat-1"))
            .await
            .unwrap();

        let wrong = MasterKey::generate().to_base64();
        let err = open_store(&url, Some(&wrong)).await.unwrap_err();
        assert!(matches!(err, OpenError::WrongKey { .. }), "{err:?}");
        let msg = err.to_string();
        assert!(
            msg.contains("UNICRM_MASTER_KEY") && msg.contains("does not match"),
            "{msg}"
        );
        assert!(!msg.contains(&wrong) && !msg.contains(&good), "{msg}");

        // A store connected with the wrong key anyway knows it, and seals nothing with it.
        let bad = Store::connect(&url, MasterKey::from_base64(&wrong).unwrap())
            .await
            .unwrap();
        assert!(!bad.key_matches());
        assert!(!bad.check_key().await.unwrap());
        assert!(matches!(
            bad.link_account(account(&p.project.id, "u2", "pat-2"))
                .await
                .unwrap_err(),
            StoreError::KeyMismatch
        ));
        // The right key still opens it.
        assert!(open_store(&url, Some(&good)).await.is_ok());
    }
}

#[tokio::test]
async fn a_store_from_before_verifiers_adopts_only_its_own_key() {
    for url in urls().await {
        let good = MasterKey::generate();
        let store = Store::connect(&url, good.clone()).await.unwrap();
        let p = store.create_project("Acme").await.unwrap();
        store
            .link_account(account(&p.project.id, "u1", "pat-1"))
            .await
            .unwrap();
        // As a store written before the verifier existed.
        sqlx::raw_sql("DELETE FROM key_verifier")
            .execute(&raw(&url).await)
            .await
            .unwrap();
        let err = open_store(&url, Some(&MasterKey::generate().to_base64()))
            .await
            .unwrap_err();
        assert!(matches!(err, OpenError::WrongKey { .. }), "{err:?}");
        // The key that opens its credentials is adopted (and written as the verifier).
        let (store, _) = open_store(&url, Some(&good.to_base64())).await.unwrap();
        assert!(store.key_matches());
        assert!(open_store(&url, Some(&MasterKey::generate().to_base64()))
            .await
            .is_err());
    }
}

#[tokio::test]
async fn one_undecryptable_row_does_not_fail_the_list() {
    for url in urls().await {
        let store = Store::connect(&url, MasterKey::generate()).await.unwrap();
        let p = store.create_project("Acme").await.unwrap();
        let ok = store
            .link_account(account(&p.project.id, "u1", "pat-1"))
            .await
            .unwrap();
        let bad = store
            .link_account(account(&p.project.id, "u2", "pat-2"))
            .await
            .unwrap();
        // Sealed under another key (as a gateway with a wrong key would have written it).
        let other = MasterKey::generate().encrypt(b"{}", &bad.id).unwrap();
        sqlx::query("UPDATE linked_accounts SET credentials = $1 WHERE id = $2")
            .bind(other)
            .bind(&bad.id)
            .execute(&raw(&url).await)
            .await
            .unwrap();
        let listed = store.accounts(Some(&p.project.id)).await.unwrap();
        assert_eq!(listed.len(), 1);
        assert_eq!(listed[0].id, ok.id);
        let checked = store.accounts_checked(Some(&p.project.id)).await.unwrap();
        assert_eq!(checked.len(), 2);
        // Rows come in (created_at, id) order; both were created within the same second here,
        // so their order is the ids' (random): look each one up instead of by position.
        assert!(checked
            .iter()
            .any(|r| matches!(r, AccountRow::Ok(a) if a.id == ok.id)));
        assert!(checked.iter().any(
            |r| matches!(r, AccountRow::Unreadable(a) if a.id == bad.id && a.end_user_id == "u2")
        ));
        match store.account(&bad.id).await {
            Err(StoreError::Undecryptable { id }) => assert_eq!(id, bad.id),
            other => panic!("expected Undecryptable, got {other:?}"),
        }
        // The account can still be deleted.
        assert!(store.delete_account(&p.project.id, &bad.id).await.unwrap());
    }
}

fn scope(account_id: &str) -> IdemScope {
    IdemScope {
        project_id: "prj_t".into(),
        account_id: account_id.to_owned(),
        key: "idem-1".into(),
    }
}

#[tokio::test]
async fn rotate_master_reencrypts_every_secret() {
    for url in urls().await {
        let old = MasterKey::generate();
        let (store, _) = open_store(&url, Some(&old.to_base64())).await.unwrap();
        let p = store.create_project("Acme").await.unwrap();
        let mut ids = Vec::new();
        for i in 0..3 {
            ids.push(
                store
                    .link_account(account(
                        &p.project.id,
                        &format!("u{i}"),
                        &format!("pat-{i}"),
                    ))
                    .await
                    .unwrap()
                    .id,
            );
        }
        let s = scope(&ids[0]);
        let stale = Duration::from_secs(60);
        assert_eq!(
            store.idem_claim(&s, "fp", "a", stale).await.unwrap(),
            IdemState::Owned
        );
        store
            .idem_finish(&s, "a", 201, r#"{"email":"jane@example.com"}"#)
            .await
            .unwrap();

        let new = MasterKey::generate();
        let done = store.rotate_master(&new).await.unwrap();
        assert_eq!((done.accounts, done.idempotency_records), (3, 1));
        // The old key no longer opens the store; the new one reads everything.
        assert!(matches!(
            open_store(&url, Some(&old.to_base64())).await.unwrap_err(),
            OpenError::WrongKey { .. }
        ));
        let (store, _) = open_store(&url, Some(&new.to_base64())).await.unwrap();
        for (i, id) in ids.iter().enumerate() {
            let a = store.account(id).await.unwrap().unwrap();
            assert_eq!(a.credentials.0["access_token"], format!("pat-{i}"));
        }
        assert_eq!(
            store.idem_claim(&s, "fp", "b", stale).await.unwrap(),
            IdemState::Done(201, r#"{"email":"jane@example.com"}"#.into())
        );
        // Rotating to the same key is refused.
        assert!(store.rotate_master(&new).await.is_err());
    }
}

/// One transaction: a failure part way (here a row the current key cannot read, after others
/// were re-encrypted) leaves every row and the verifier as they were.
#[tokio::test]
async fn rotate_master_is_all_or_nothing() {
    for url in urls().await {
        let old = MasterKey::generate();
        let (store, _) = open_store(&url, Some(&old.to_base64())).await.unwrap();
        let p = store.create_project("Acme").await.unwrap();
        let first = store
            .link_account(account(&p.project.id, "u1", "pat-1"))
            .await
            .unwrap();
        tokio::time::sleep(Duration::from_millis(5)).await;
        let broken = store
            .link_account(account(&p.project.id, "u2", "pat-2"))
            .await
            .unwrap();
        sqlx::query("UPDATE linked_accounts SET credentials = $1, created_at = $2 WHERE id = $3")
            .bind(MasterKey::generate().encrypt(b"{}", &broken.id).unwrap())
            .bind("2999-01-01T00:00:00Z")
            .bind(&broken.id)
            .execute(&raw(&url).await)
            .await
            .unwrap();
        let before: String =
            sqlx::query_scalar("SELECT credentials FROM linked_accounts WHERE id = $1")
                .bind(&first.id)
                .fetch_one(&raw(&url).await)
                .await
                .unwrap();

        let new = MasterKey::generate();
        match store.rotate_master(&new).await {
            Err(StoreError::NotRotated(ids)) => assert_eq!(ids, vec![broken.id.clone()]),
            other => panic!("expected NotRotated, got {other:?}"),
        }
        let after: String =
            sqlx::query_scalar("SELECT credentials FROM linked_accounts WHERE id = $1")
                .bind(&first.id)
                .fetch_one(&raw(&url).await)
                .await
                .unwrap();
        assert_eq!(after, before, "a re-encrypted row was kept");
        assert!(open_store(&url, Some(&new.to_base64())).await.is_err());
        let (store, _) = open_store(&url, Some(&old.to_base64())).await.unwrap();
        assert_eq!(
            store
                .account(&first.id)
                .await
                .unwrap()
                .unwrap()
                .credentials
                .0["access_token"],
            "pat-1"
        );
    }
}

#[tokio::test]
async fn idempotent_answers_are_encrypted_at_rest() {
    let (url, dir) = sqlite_url();
    let store = Store::connect(&url, MasterKey::generate()).await.unwrap();
    let s = scope("acc_1");
    let answer =
        json!({"data": {"email": "jane.private@example.com", "phone": "+1-555-0199"}}).to_string();
    assert_eq!(
        store
            .idem_claim(&s, "fp", "a", Duration::from_secs(60))
            .await
            .unwrap(),
        IdemState::Owned
    );
    store.idem_finish(&s, "a", 201, &answer).await.unwrap();
    let mut bytes = Vec::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        bytes.extend(std::fs::read(entry.unwrap().path()).unwrap());
    }
    let hay = String::from_utf8_lossy(&bytes);
    assert!(hay.contains("idem-1"), "the record is not on disk");
    assert!(
        !hay.contains("jane.private@example.com") && !hay.contains("555-0199"),
        "an idempotent answer is stored in clear"
    );
    assert_eq!(
        store
            .idem_claim(&s, "fp", "b", Duration::from_secs(60))
            .await
            .unwrap(),
        IdemState::Done(201, answer.clone())
    );
    // Bound to its row: moved to another key's row it does not open.
    sqlx::query("UPDATE idempotency_keys SET idem_key = 'idem-2'")
        .execute(&raw(&url).await)
        .await
        .unwrap();
    let moved = IdemScope {
        key: "idem-2".into(),
        ..s.clone()
    };
    assert!(store
        .idem_claim(&moved, "fp", "c", Duration::from_secs(60))
        .await
        .is_err());
    std::fs::remove_dir_all(dir).unwrap();
}

#[cfg(unix)]
#[tokio::test]
async fn store_files_are_created_private() {
    use std::os::unix::fs::PermissionsExt;
    let (url, dir) = sqlite_url();
    let (store, _) = open_store(&url, None).await.unwrap();
    let p = store.create_project("Acme").await.unwrap();
    store
        .link_account(account(&p.project.id, "u1", "pat-1"))
        .await
        .unwrap();
    let mut seen = Vec::new();
    for name in ["t.db", "t.db-wal", "t.db-shm", "t.db.key"] {
        let path = dir.join(name);
        let mode = std::fs::metadata(&path)
            .unwrap_or_else(|e| panic!("{name}: {e}"))
            .permissions()
            .mode()
            & 0o777;
        seen.push((name, format!("{mode:o}")));
    }
    assert!(seen.iter().all(|(_, m)| m == "600"), "{seen:?}");
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test]
async fn api_keys_create_list_revoke_rotate() {
    for url in urls().await {
        let store = Store::connect(&url, MasterKey::generate()).await.unwrap();
        let p = store.create_project("Acme").await.unwrap();
        // The project's first keys are listed as "default".
        let keys = store.keys(&p.project.id, None).await.unwrap();
        assert_eq!(keys.len(), 2);
        assert!(keys
            .iter()
            .all(|k| k.name == "default" && k.status == "active"));

        let ci = store
            .create_key(&p.project.id, Environment::Live, "ci")
            .await
            .unwrap();
        assert!(ci.secret.starts_with("sk_live_"));
        let auth = store.authenticate_key(&ci.secret).await.unwrap().unwrap();
        assert_eq!(
            (auth.project.id.as_str(), auth.env, auth.key_id.as_str()),
            (p.project.id.as_str(), Environment::Live, ci.key.id.as_str())
        );
        assert_eq!(
            store
                .keys(&p.project.id, Some(Environment::Live))
                .await
                .unwrap()
                .len(),
            2
        );
        // Another project cannot see or revoke it.
        let other = store.create_project("Other").await.unwrap();
        assert!(store
            .revoke_key(Some(&other.project.id), &ci.key.id)
            .await
            .unwrap()
            .is_none());

        // Last use: recorded, never moved back.
        store
            .touch_key(&ci.key.id, 2_000_000_000_000)
            .await
            .unwrap();
        store
            .touch_key(&ci.key.id, 1_000_000_000_000)
            .await
            .unwrap();
        let k = store.key(None, &ci.key.id).await.unwrap().unwrap();
        assert_eq!(k.last_used_at.as_deref(), Some("2033-05-18T03:33:20.000Z"));

        // Rotation: the old key works during the overlap, then stops; the new one works.
        let (fresh, old) = store
            .rotate_key(Some(&p.project.id), &ci.key.id, Duration::from_millis(400))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(old.status, "expiring");
        assert_eq!(fresh.key.name, "ci");
        assert!(store.authenticate_key(&ci.secret).await.unwrap().is_some());
        assert!(store
            .authenticate_key(&fresh.secret)
            .await
            .unwrap()
            .is_some());
        tokio::time::sleep(Duration::from_millis(500)).await;
        assert!(store.authenticate_key(&ci.secret).await.unwrap().is_none());
        assert_eq!(
            store.key(None, &ci.key.id).await.unwrap().unwrap().status,
            "expired"
        );
        assert!(matches!(
            store.rotate_key(None, &ci.key.id, Duration::ZERO).await,
            Err(StoreError::InactiveKey(_))
        ));

        // Revocation is immediate, also of a project's default key.
        let revoked = store
            .revoke_key(Some(&p.project.id), &fresh.key.id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(revoked.status, "revoked");
        assert!(store
            .authenticate_key(&fresh.secret)
            .await
            .unwrap()
            .is_none());
        let default_live = format!("key_{}_live", p.project.id);
        store
            .revoke_key(None, &default_live)
            .await
            .unwrap()
            .unwrap();
        assert!(store.authenticate(&p.live_key).await.unwrap().is_none());
        assert!(store.authenticate(&p.test_key).await.unwrap().is_some());
        // A key's secret is never stored.
        let dump: Vec<String> = sqlx::query_scalar("SELECT key_hash FROM api_keys")
            .fetch_all(&raw(&url).await)
            .await
            .unwrap();
        assert!(!dump.iter().any(|h| h.contains("sk_")));
    }
}

/// Projects created before named keys keep working: the migration turns their two keys into
/// keys named "default".
#[tokio::test]
async fn existing_project_keys_are_migrated() {
    let (url, dir) = sqlite_url();
    let store = Store::connect(&url, MasterKey::generate()).await.unwrap();
    let p = store.create_project("Old").await.unwrap();
    let pool = raw(&url).await;
    // Back to a store of migration 2, with the project in it.
    sqlx::raw_sql(
        "DROP TABLE api_keys; DROP TABLE key_verifier; DELETE FROM unicrm_migrations WHERE version = 3",
    )
    .execute(&pool)
    .await
    .unwrap();
    pool.close().await;
    let store = Store::connect(&url, MasterKey::generate()).await.unwrap();
    let (proj, env) = store.authenticate(&p.live_key).await.unwrap().unwrap();
    assert_eq!(
        (proj.id.as_str(), env),
        (p.project.id.as_str(), Environment::Live)
    );
    assert!(store.authenticate(&p.test_key).await.unwrap().is_some());
    let keys = store.keys(&p.project.id, None).await.unwrap();
    assert_eq!(keys.len(), 2);
    std::fs::remove_dir_all(dir).unwrap();
}
