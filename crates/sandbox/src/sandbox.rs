//! The shared sandbox state handed to every emulator.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, RwLock};

use chrono::{DateTime, Duration, DurationRound, Utc};
use rand::{Rng, RngCore, SeedableRng};

use crate::faults::{FaultConfig, FaultKind, FaultRuleView, FaultScope, FaultTable};
use crate::store::{TenantData, TenantStore};
use crate::{ids, SandboxError, SeedFn, StdRng};

/// First numeric id handed out (HubSpot-style ids are decimal strings).
const FIRST_NUMERIC_ID: u64 = 1001;

/// How many requests the request log keeps (the oldest are forgotten first).
const REQUEST_LOG_SIZE: usize = 2000;

/// One request an emulator received, as the request log keeps it (`GET /_sandbox/requests`):
/// lets tests assert what a connector actually sent (how many retries, which pages).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub struct RequestRecord {
    /// The emulator that received it.
    pub emulator: String,
    /// The account (token) it carried, if any.
    pub tenant: Option<String>,
    /// HTTP method.
    pub method: String,
    /// Path within the emulator, with the query string.
    pub path: String,
    /// Status answered; `None` when the connection was dropped.
    pub status: Option<u16>,
    /// The fault injected, if any.
    pub fault: Option<FaultKind>,
    /// When it was answered (server clock).
    pub at: DateTime<Utc>,
}

/// The sandbox: every account's records, the id generators, the clock and the fault rules.
///
/// Cheap to clone (an `Arc` inside). The handle an emulator's router receives is scoped to that
/// emulator, so `sandbox.tenant(token)` of the HubSpot emulator and of the Salesforce emulator
/// are different stores even for the same token.
#[derive(Clone)]
pub struct Sandbox {
    inner: Arc<Inner>,
    scope: &'static str,
}

struct Inner {
    seed: u64,
    seed_data: AtomicUsize,
    tenants: RwLock<HashMap<(&'static str, String), Arc<TenantData>>>,
    seeders: RwLock<HashMap<&'static str, SeedFn>>,
    revoked: RwLock<HashSet<String>>,
    numeric: AtomicU64,
    sequences: Mutex<HashMap<String, u64>>,
    rng: Mutex<StdRng>,
    clock: Mutex<DateTime<Utc>>,
    faults: FaultTable,
    requests: Mutex<std::collections::VecDeque<RequestRecord>>,
}

impl std::fmt::Debug for Sandbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sandbox")
            .field("scope", &self.scope)
            .field("seed", &self.inner.seed)
            .finish_non_exhaustive()
    }
}

impl Default for Sandbox {
    fn default() -> Self {
        Sandbox::new(0)
    }
}

impl Sandbox {
    /// A new, empty sandbox whose generated ids, UUIDs, seed data and fault decisions are
    /// repeatable for `seed`.
    pub fn new(seed: u64) -> Self {
        Sandbox {
            inner: Arc::new(Inner {
                seed,
                seed_data: AtomicUsize::new(0),
                tenants: RwLock::default(),
                seeders: RwLock::default(),
                revoked: RwLock::default(),
                numeric: AtomicU64::new(FIRST_NUMERIC_ID),
                sequences: Mutex::default(),
                rng: Mutex::new(StdRng::seed_from_u64(seed)),
                clock: Mutex::new(DateTime::<Utc>::MIN_UTC),
                faults: FaultTable::new(seed),
                requests: Mutex::default(),
            }),
            scope: "",
        }
    }

    /// The seed this sandbox was created with.
    pub fn seed(&self) -> u64 {
        self.inner.seed
    }

    /// Makes every account filled with `n` seed records on its first use (by each emulator with a
    /// seed function). `0` (the default) leaves new accounts empty.
    pub fn set_seed_data(&self, n: usize) {
        self.inner.seed_data.store(n, Ordering::SeqCst);
    }

    /// How many seed records a new account gets (see [`Sandbox::set_seed_data`]).
    pub fn seed_data(&self) -> usize {
        self.inner.seed_data.load(Ordering::SeqCst)
    }

    /// The same sandbox seen by emulator `id`: its [`Sandbox::tenant`] stores are that emulator's.
    pub fn emulator(&self, id: &'static str) -> Sandbox {
        Sandbox {
            inner: Arc::clone(&self.inner),
            scope: id,
        }
    }

    /// The emulator this handle is scoped to (`""` for the unscoped handle).
    pub fn emulator_id(&self) -> &'static str {
        self.scope
    }

    pub(crate) fn register_seeder(&self, id: &'static str, seed: SeedFn) {
        write(&self.inner.seeders).insert(id, seed);
    }

    /// The store of the account named by `token` (created on first use; filled with seed data
    /// when [`Sandbox::set_seed_data`] asked for it and the emulator has a seed function — a
    /// request racing the very first one of a new account may see part of the seed data).
    pub fn tenant(&self, token: &str) -> TenantStore {
        let key = (self.scope, token.to_owned());
        if let Some(data) = read(&self.inner.tenants).get(&key) {
            return self.store(token, Arc::clone(data));
        }
        let (data, created) = {
            let mut tenants = write(&self.inner.tenants);
            match tenants.get(&key) {
                Some(data) => (Arc::clone(data), false),
                None => {
                    let data = Arc::new(TenantData::default());
                    tenants.insert(key, Arc::clone(&data));
                    (data, true)
                }
            }
        };
        if created {
            self.seed_new_tenant(token);
        }
        self.store(token, data)
    }

    fn store(&self, token: &str, data: Arc<TenantData>) -> TenantStore {
        TenantStore {
            sandbox: self.clone(),
            token: token.to_owned(),
            data,
        }
    }

    fn seed_new_tenant(&self, token: &str) {
        let n = self.inner.seed_data.load(Ordering::SeqCst);
        let seeder = read(&self.inner.seeders).get(self.scope).copied();
        if let (Some(seed), true) = (seeder, n > 0) {
            self.seed_tenant_with(seed, token, n);
        }
    }

    /// Fills account `token` of this emulator with `n` more seed records, using the emulator's
    /// seed function; the records are the same for the same sandbox seed, emulator and token.
    /// Returns `false` when the emulator has no seed function.
    pub fn seed_tenant(&self, token: &str, n: usize) -> bool {
        let seeder = read(&self.inner.seeders).get(self.scope).copied();
        match seeder {
            Some(seed) => {
                self.tenant(token);
                self.seed_tenant_with(seed, token, n);
                true
            }
            None => false,
        }
    }

    fn seed_tenant_with(&self, seed: SeedFn, token: &str, n: usize) {
        let mut rng = StdRng::seed_from_u64(
            fnv1a(self.inner.seed.to_le_bytes().iter().copied())
                ^ fnv1a(self.scope.bytes().chain([0]).chain(token.bytes())),
        );
        seed(self, token, n, &mut rng);
    }

    /// Forgets every account's records (all emulators) and every fault rule; revoked tokens are
    /// accepted again. Id counters keep counting so ids stay unique.
    pub fn reset(&self) {
        self.clear_requests();
        write(&self.inner.tenants).clear();
        write(&self.inner.revoked).clear();
        self.inner.faults.clear_all();
    }

    /// Forgets the records of one account (in every emulator), its logged requests and the
    /// fault rules scoped to it.
    pub fn reset_tenant(&self, token: &str) {
        self.requests_lock()
            .retain(|r| r.tenant.as_deref() != Some(token));
        write(&self.inner.tenants).retain(|(_, t), _| t != token);
        write(&self.inner.revoked).remove(token);
        self.inner.faults.clear_tenant(token);
    }

    /// Makes every emulator answer requests with `token` with its 401 (e.g. to test a token
    /// refresh) until [`Sandbox::reset`] / [`Sandbox::reset_tenant`] or [`Sandbox::restore_token`].
    pub fn revoke_token(&self, token: &str) {
        write(&self.inner.revoked).insert(token.to_owned());
    }

    /// Accepts a token revoked with [`Sandbox::revoke_token`] again.
    pub fn restore_token(&self, token: &str) {
        write(&self.inner.revoked).remove(token);
    }

    /// Whether `token` was revoked with [`Sandbox::revoke_token`].
    pub fn is_token_revoked(&self, token: &str) -> bool {
        read(&self.inner.revoked).contains(token)
    }

    /// The server clock: now, at millisecond precision, strictly increasing across calls so
    /// `updated_at` orders every change.
    pub fn now(&self) -> DateTime<Utc> {
        let wall = Utc::now();
        let wall = wall
            .duration_trunc(Duration::milliseconds(1))
            .unwrap_or(wall);
        let mut last = self.inner.clock.lock().unwrap_or_else(|e| e.into_inner());
        let next = if wall > *last {
            wall
        } else {
            *last + Duration::milliseconds(1)
        };
        *last = next;
        next
    }

    /// A new numeric id (`"1001"`, `"1002"`, …), unique within this sandbox.
    pub fn numeric_id(&self) -> String {
        ids::numeric_id(self.inner.numeric.fetch_add(1, Ordering::SeqCst))
    }

    /// A new UUID v4 string, repeatable for the sandbox seed and call order.
    pub fn uuid(&self) -> String {
        let mut bytes = [0u8; 16];
        self.with_rng(|rng| rng.fill_bytes(&mut bytes));
        ids::uuid_from_bytes(bytes)
    }

    /// The next number of the sequence `name` (`1`, `2`, …), unique within this sandbox and shared
    /// by every emulator's handle: for emulators that format their own ids (a type prefix, a
    /// checksum) or name paging snapshots. Sequences keep counting across [`Sandbox::reset`].
    pub fn sequence(&self, name: &str) -> u64 {
        let mut sequences = self
            .inner
            .sequences
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        let next = sequences.entry(name.to_owned()).or_insert(0);
        *next += 1;
        *next
    }

    /// Runs `f` with the sandbox's seeded random generator (for emulator choices that should be
    /// repeatable, e.g. picking a stage for a generated deal).
    pub fn with_rng<T>(&self, f: impl FnOnce(&mut StdRng) -> T) -> T {
        let mut rng = self.inner.rng.lock().unwrap_or_else(|e| e.into_inner());
        f(&mut rng)
    }

    /// A random number in `0..n` from the seeded generator (`0` when `n` is 0).
    pub fn random_below(&self, n: u64) -> u64 {
        if n == 0 {
            return 0;
        }
        self.with_rng(|rng| rng.gen_range(0..n))
    }

    /// Sets the fault rule for `scope` (replacing the previous rule of that scope).
    pub fn set_faults(&self, scope: FaultScope, config: FaultConfig) -> Result<(), SandboxError> {
        self.inner.faults.set(scope, config)
    }

    /// Removes the fault rule of exactly this scope; `true` when there was one.
    pub fn clear_faults(&self, scope: &FaultScope) -> bool {
        self.inner.faults.clear(scope)
    }

    /// Removes every fault rule.
    pub fn clear_all_faults(&self) {
        self.inner.faults.clear_all();
    }

    /// The fault rules in force, with how many requests each saw and faults each injected.
    pub fn faults(&self) -> Vec<FaultRuleView> {
        self.inner.faults.views()
    }

    fn requests_lock(
        &self,
    ) -> std::sync::MutexGuard<'_, std::collections::VecDeque<RequestRecord>> {
        self.inner
            .requests
            .lock()
            .unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn log_request(&self, record: RequestRecord) {
        let mut log = self.requests_lock();
        if log.len() >= REQUEST_LOG_SIZE {
            log.pop_front();
        }
        log.push_back(record);
    }

    /// The requests the emulators received, oldest first (the newest 2000).
    pub fn requests(&self) -> Vec<RequestRecord> {
        self.requests_lock().iter().cloned().collect()
    }

    /// The requests that carried `token`, oldest first.
    pub fn requests_of(&self, token: &str) -> Vec<RequestRecord> {
        self.requests_lock()
            .iter()
            .filter(|r| r.tenant.as_deref() == Some(token))
            .cloned()
            .collect()
    }

    /// Empties the request log.
    pub fn clear_requests(&self) {
        self.requests_lock().clear();
    }

    pub(crate) fn fault_table(&self) -> &FaultTable {
        &self.inner.faults
    }
}

/// FNV-1a over bytes: a stable hash (unlike `DefaultHasher`) for deriving per-scope seeds.
pub(crate) fn fnv1a(bytes: impl IntoIterator<Item = u8>) -> u64 {
    bytes.into_iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

fn read<T>(lock: &RwLock<T>) -> std::sync::RwLockReadGuard<'_, T> {
    lock.read().unwrap_or_else(|e| e.into_inner())
}

fn write<T>(lock: &RwLock<T>) -> std::sync::RwLockWriteGuard<'_, T> {
    lock.write().unwrap_or_else(|e| e.into_inner())
}
