//! The store's reliability tables (idempotency records, leases, rate windows) on SQLite (always)
//! and PostgreSQL (when `UNICRM_TEST_POSTGRES_URL` is set).

use std::time::Duration;
use unicrm_server::reliability::{IdemPrior, IdemScope, IdemState};
use unicrm_server::{MasterKey, Store};

async fn stores() -> Vec<Store> {
    let dir = std::env::temp_dir().join(format!("unicrm-rel-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let sqlite = format!("sqlite://{}?mode=rwc", dir.join("t.db").display());
    let mut out = vec![Store::connect(&sqlite, MasterKey::generate())
        .await
        .unwrap()];
    match std::env::var("UNICRM_TEST_POSTGRES_URL") {
        Ok(admin) if admin.starts_with("postgres") => {
            // A database of its own: a store keeps one master key.
            let name = format!("unicrm_t_{}", uuid::Uuid::new_v4().simple());
            sqlx::any::install_default_drivers();
            let pool = sqlx::AnyPool::connect(&admin).await.unwrap();
            sqlx::raw_sql(&format!("CREATE DATABASE {name}"))
                .execute(&pool)
                .await
                .unwrap();
            let mut pg = url::Url::parse(&admin).unwrap();
            pg.set_path(&format!("/{name}"));
            out.push(
                Store::connect(pg.as_str(), MasterKey::generate())
                    .await
                    .unwrap(),
            )
        }
        _ => eprintln!("PostgreSQL part skipped: UNICRM_TEST_POSTGRES_URL is not set"),
    }
    out
}

#[tokio::test]
async fn idempotency_records_leases_and_windows() {
    for store in stores().await {
        let scope = IdemScope {
            project_id: "prj_t".into(),
            account_id: format!("acc_{}", uuid::Uuid::new_v4().simple()),
            key: "k".into(),
        };
        let stale = Duration::from_secs(60);
        assert_eq!(
            store.idem_claim(&scope, "fp", "a", stale).await.unwrap(),
            IdemState::Owned
        );
        assert_eq!(
            store.idem_claim(&scope, "fp", "b", stale).await.unwrap(),
            IdemState::Pending
        );
        assert_eq!(
            store.idem_claim(&scope, "other", "b", stale).await.unwrap(),
            IdemState::Mismatch
        );
        // Only the owner can finish.
        store
            .idem_finish(&scope, "b", 201, "{\"x\":2}")
            .await
            .unwrap();
        assert_eq!(
            store.idem_claim(&scope, "fp", "b", stale).await.unwrap(),
            IdemState::Pending
        );
        store
            .idem_finish(&scope, "a", 201, "{\"x\":1}")
            .await
            .unwrap();
        assert_eq!(
            store.idem_claim(&scope, "fp", "b", stale).await.unwrap(),
            IdemState::Done(201, "{\"x\":1}".into())
        );
        // A released key is free again; a stale pending one is taken over.
        let s2 = IdemScope {
            key: "k2".into(),
            ..scope.clone()
        };
        assert_eq!(
            store.idem_claim(&s2, "fp", "a", stale).await.unwrap(),
            IdemState::Owned
        );
        store.idem_release(&s2, "a").await.unwrap();
        assert_eq!(
            store.idem_claim(&s2, "fp", "b", stale).await.unwrap(),
            IdemState::Owned
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
        // A stale row is taken over, flagged as resumed: its dead owner may have sent the call.
        let IdemState::Resumed(prior) = store
            .idem_claim(&s2, "fp", "c", Duration::from_millis(1))
            .await
            .unwrap()
        else {
            panic!("a stale row must be resumed");
        };
        assert!(prior.sent_ms >= prior.created_ms);
        // A parked row (outcome unknown) is resumed at once by the next request, keeping the
        // time the call was sent; a concurrent request meanwhile sees it pending.
        store.idem_park(&s2, "c", 12345).await.unwrap();
        assert_eq!(
            store.idem_claim(&s2, "fp", "d", stale).await.unwrap(),
            IdemState::Resumed(IdemPrior {
                created_ms: prior.created_ms,
                sent_ms: 12345
            })
        );
        assert_eq!(
            store.idem_claim(&s2, "fp", "e", stale).await.unwrap(),
            IdemState::Pending
        );
        // Only the owner parks.
        store.idem_park(&s2, "c", 1).await.unwrap();
        assert_eq!(
            store.idem_claim(&s2, "fp", "e", stale).await.unwrap(),
            IdemState::Pending
        );

        let lease = format!("refresh:{}", scope.account_id);
        assert!(store.try_lease(&lease, "p1", stale).await.unwrap());
        assert!(!store.try_lease(&lease, "p2", stale).await.unwrap());
        assert!(store.try_lease(&lease, "p1", stale).await.unwrap());
        store.release_lease(&lease, "p1").await.unwrap();
        assert!(store.try_lease(&lease, "p2", Duration::ZERO).await.unwrap());
        tokio::time::sleep(Duration::from_millis(5)).await;
        assert!(
            store.try_lease(&lease, "p3", stale).await.unwrap(),
            "expired lease taken over"
        );

        let window = Duration::from_secs(3600);
        let (n1, end) = store.count_call(&scope.account_id, window).await.unwrap();
        let (n2, end2) = store.count_call(&scope.account_id, window).await.unwrap();
        assert_eq!((n1, n2), (1, 2));
        assert_eq!(end, end2);
        store.purge_expired().await.unwrap();
    }
}
