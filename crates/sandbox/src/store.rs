//! The per-account in-memory record store.

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::ops::Bound;
use std::sync::{Arc, Mutex, MutexGuard};

use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::paging::{split_token, CursorPage, PagingError};
use crate::Sandbox;

/// How many page-token snapshots one account keeps before the oldest expire.
const MAX_LOCATORS: usize = 256;

/// A record as the store keeps it: the emulator's JSON plus what the server maintains.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredRecord {
    /// The record id (as the emulator chose it when inserting).
    pub id: String,
    /// Insertion sequence number within the account: the stable listing order and the key of
    /// [`crate::paging::after_cursor`].
    pub seq: u64,
    /// The record body; its shape is the emulator's business.
    pub data: Value,
    /// Set by the server when the record was inserted.
    pub created_at: DateTime<Utc>,
    /// Set by the server on insert and on every change (strictly increasing within a sandbox).
    pub updated_at: DateTime<Utc>,
}

/// Why a store operation failed; emulators turn it into the provider's 404/409 body.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// No record with that id in that collection of this account.
    #[error("no record `{id}` in `{collection}`")]
    NotFound {
        /// Collection name.
        collection: String,
        /// Requested id.
        id: String,
    },
    /// A record with that id already exists in that collection.
    #[error("record `{id}` already exists in `{collection}`")]
    AlreadyExists {
        /// Collection name.
        collection: String,
        /// Conflicting id.
        id: String,
    },
}

#[derive(Default)]
struct Collection {
    by_seq: BTreeMap<u64, StoredRecord>,
    /// Record id → sequence number, ordered by id so that the records whose id starts with a
    /// prefix are one range ([`TenantStore::find_by_id_prefix`]).
    index: BTreeMap<String, u64>,
    /// A lookup index by derived keys (see [`TenantStore::find_by_key`]), built on first use and
    /// kept up to date by every write.
    keys: Option<KeyIndex>,
    /// Listing orders (see [`TenantStore::ordered_from`]), each built on first use and kept up
    /// to date by every write.
    orders: Vec<OrderIndex>,
}

impl Collection {
    fn order_keys_remove(&mut self, seq: u64) {
        if let Some(record) = self.by_seq.get(&seq) {
            for order in &mut self.orders {
                order.remove(record);
            }
        }
    }

    fn order_keys_add(&mut self, seq: u64) {
        if let Some(record) = self.by_seq.get(&seq) {
            for order in &mut self.orders {
                order.add(record);
            }
        }
    }
}

/// Records by the keys a [`KeyFn`] derives from their body.
struct KeyIndex {
    name: &'static str,
    key_fn: KeyFn,
    map: HashMap<String, BTreeSet<u64>>,
}

/// Derives the lookup keys of a record body (e.g. its lower-cased e-mail addresses).
pub type KeyFn = fn(&Value) -> Vec<String>;

impl KeyIndex {
    fn add(&mut self, seq: u64, data: &Value) {
        for k in (self.key_fn)(data) {
            self.map.entry(k).or_default().insert(seq);
        }
    }

    fn remove(&mut self, seq: u64, data: &Value) {
        for k in (self.key_fn)(data) {
            if let Some(set) = self.map.get_mut(&k) {
                set.remove(&seq);
                if set.is_empty() {
                    self.map.remove(&k);
                }
            }
        }
    }
}

/// Where a record sits in a listing order: `(partition, position)`, or `None` to leave it out.
///
/// A listing reads one partition (e.g. archived or not) by ascending position; records with the
/// same position keep insertion order. See [`TenantStore::ordered_from`].
pub type OrderFn = fn(&StoredRecord) -> Option<(u64, u64)>;

/// Records of a collection by `(partition, position, seq)`, as an [`OrderFn`] places them.
struct OrderIndex {
    name: &'static str,
    order_fn: OrderFn,
    set: BTreeSet<(u64, u64, u64)>,
}

impl OrderIndex {
    fn add(&mut self, record: &StoredRecord) {
        if let Some((partition, position)) = (self.order_fn)(record) {
            self.set.insert((partition, position, record.seq));
        }
    }

    fn remove(&mut self, record: &StoredRecord) {
        if let Some((partition, position)) = (self.order_fn)(record) {
            self.set.remove(&(partition, position, record.seq));
        }
    }
}

struct Locator {
    id: String,
    items: Vec<Value>,
    page_size: usize,
}

/// Everything one sandbox account of one emulator holds.
#[derive(Default)]
pub(crate) struct TenantData {
    state: Mutex<TenantState>,
}

#[derive(Default)]
struct TenantState {
    collections: HashMap<String, Collection>,
    next_seq: u64,
    locators: VecDeque<Locator>,
}

impl TenantData {
    fn lock(&self) -> MutexGuard<'_, TenantState> {
        // A panic while holding the lock cannot leave the maps half-updated in a way that
        // matters for an emulator, so recover the data instead of propagating the poison.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Handle on one sandbox account's records within one emulator (cheap to clone).
///
/// Collections are created on first use; listing order is insertion order.
#[derive(Clone)]
pub struct TenantStore {
    pub(crate) sandbox: Sandbox,
    pub(crate) token: String,
    pub(crate) data: Arc<TenantData>,
}

impl std::fmt::Debug for TenantStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TenantStore").finish_non_exhaustive()
    }
}

impl TenantStore {
    /// The account's token (what the requests carry).
    pub fn token(&self) -> &str {
        &self.token
    }

    /// Inserts a new record; refuses an id that already exists in the collection.
    pub fn insert(
        &self,
        collection: &str,
        id: impl Into<String>,
        data: Value,
    ) -> Result<StoredRecord, StoreError> {
        let id = id.into();
        let now = self.sandbox.now();
        let mut state = self.data.lock();
        state.next_seq += 1;
        let seq = state.next_seq;
        let coll = state.collections.entry(collection.to_owned()).or_default();
        if coll.index.contains_key(&id) {
            return Err(StoreError::AlreadyExists {
                collection: collection.to_owned(),
                id,
            });
        }
        let record = StoredRecord {
            id: id.clone(),
            seq,
            data,
            created_at: now,
            updated_at: now,
        };
        coll.index.insert(id, seq);
        if let Some(keys) = &mut coll.keys {
            keys.add(seq, &record.data);
        }
        for order in &mut coll.orders {
            order.add(&record);
        }
        coll.by_seq.insert(seq, record.clone());
        Ok(record)
    }

    /// The record with this id, if any.
    pub fn get(&self, collection: &str, id: &str) -> Option<StoredRecord> {
        let state = self.data.lock();
        let coll = state.collections.get(collection)?;
        let seq = coll.index.get(id)?;
        coll.by_seq.get(seq).cloned()
    }

    /// Changes a record in place with `change` and bumps its `updated_at`.
    pub fn update(
        &self,
        collection: &str,
        id: &str,
        change: impl FnOnce(&mut Value),
    ) -> Result<StoredRecord, StoreError> {
        let now = self.sandbox.now();
        let mut state = self.data.lock();
        let coll = state
            .collections
            .get_mut(collection)
            .ok_or_else(|| not_found(collection, id))?;
        let seq = *coll
            .index
            .get(id)
            .ok_or_else(|| not_found(collection, id))?;
        coll.order_keys_remove(seq);
        let record = coll
            .by_seq
            .get_mut(&seq)
            .ok_or_else(|| not_found(collection, id))?;
        if let Some(keys) = &mut coll.keys {
            keys.remove(seq, &record.data);
        }
        change(&mut record.data);
        record.updated_at = now;
        if let Some(keys) = &mut coll.keys {
            keys.add(seq, &record.data);
        }
        let record = record.clone();
        coll.order_keys_add(seq);
        Ok(record)
    }

    /// Applies a JSON merge patch (RFC 7386: objects merge recursively, `null` removes a key,
    /// anything else replaces) and bumps `updated_at`.
    pub fn merge(
        &self,
        collection: &str,
        id: &str,
        patch: &Value,
    ) -> Result<StoredRecord, StoreError> {
        self.update(collection, id, |data| merge_patch(data, patch))
    }

    /// Replaces a record's body entirely and bumps `updated_at`.
    pub fn replace(
        &self,
        collection: &str,
        id: &str,
        data: Value,
    ) -> Result<StoredRecord, StoreError> {
        self.update(collection, id, |old| *old = data)
    }

    /// Removes a record and returns it.
    pub fn delete(&self, collection: &str, id: &str) -> Result<StoredRecord, StoreError> {
        let mut state = self.data.lock();
        state
            .collections
            .get_mut(collection)
            .and_then(|c| {
                let seq = c.index.remove(id)?;
                c.order_keys_remove(seq);
                let record = c.by_seq.remove(&seq)?;
                if let Some(keys) = &mut c.keys {
                    keys.remove(seq, &record.data);
                }
                Some(record)
            })
            .ok_or_else(|| not_found(collection, id))
    }

    /// The records whose body `key_fn` derives `key` from, in insertion order: an indexed
    /// lookup instead of a scan ([`TenantStore::find`]). The index (`name`; one per collection)
    /// is built on first use and kept up to date by every write.
    pub fn find_by_key(
        &self,
        collection: &str,
        name: &'static str,
        key_fn: KeyFn,
        key: &str,
    ) -> Vec<StoredRecord> {
        let mut state = self.data.lock();
        let Some(coll) = state.collections.get_mut(collection) else {
            return Vec::new();
        };
        if coll.keys.as_ref().is_none_or(|k| k.name != name) {
            let mut index = KeyIndex {
                name,
                key_fn,
                map: HashMap::new(),
            };
            for (seq, r) in &coll.by_seq {
                index.add(*seq, &r.data);
            }
            coll.keys = Some(index);
        }
        let (Some(keys), by_seq) = (&coll.keys, &coll.by_seq) else {
            return Vec::new();
        };
        keys.map
            .get(key)
            .map(|seqs| seqs.iter().filter_map(|s| by_seq.get(s).cloned()).collect())
            .unwrap_or_default()
    }

    /// The records whose id starts with `prefix`, in insertion order: a range of the id index
    /// (O(log n + matches)) instead of a scan. Suits records keyed by a composite id, e.g. an
    /// association `"{from type}:{from id}:{to type}:{to id}"` looked up by
    /// `"{from type}:{from id}:"`.
    pub fn find_by_id_prefix(&self, collection: &str, prefix: &str) -> Vec<StoredRecord> {
        let state = self.data.lock();
        let Some(coll) = state.collections.get(collection) else {
            return Vec::new();
        };
        let mut seqs: Vec<u64> = coll
            .index
            .range::<str, _>((Bound::Included(prefix), Bound::Unbounded))
            .take_while(|(id, _)| id.starts_with(prefix))
            .map(|(_, seq)| *seq)
            .collect();
        seqs.sort_unstable();
        seqs.iter()
            .filter_map(|s| coll.by_seq.get(s).cloned())
            .collect()
    }

    /// Up to `take` records of one partition of a listing order, by ascending position (ties in
    /// insertion order), starting at the first record whose position is at least `from`:
    /// O(log n + take) instead of filtering and sorting the collection.
    ///
    /// `order_fn` places each record (see [`OrderFn`]); the order (`name`; any number per
    /// collection) is built on first use and kept up to date by every write, so paging with
    /// `from` = the position of the next record neither repeats nor skips a record when others
    /// are inserted or deleted between pages.
    pub fn ordered_from(
        &self,
        collection: &str,
        name: &'static str,
        order_fn: OrderFn,
        partition: u64,
        from: u64,
        take: usize,
    ) -> Vec<StoredRecord> {
        let mut state = self.data.lock();
        let Some(coll) = state.collections.get_mut(collection) else {
            return Vec::new();
        };
        let at = match coll.orders.iter().position(|o| o.name == name) {
            Some(at) => at,
            None => {
                let mut order = OrderIndex {
                    name,
                    order_fn,
                    set: BTreeSet::new(),
                };
                for record in coll.by_seq.values() {
                    order.add(record);
                }
                coll.orders.push(order);
                coll.orders.len() - 1
            }
        };
        let (Some(order), by_seq) = (coll.orders.get(at), &coll.by_seq) else {
            return Vec::new();
        };
        order
            .set
            .range((partition, from, 0)..=(partition, u64::MAX, u64::MAX))
            .take(take)
            .filter_map(|(_, _, seq)| by_seq.get(seq).cloned())
            .collect()
    }

    /// Every record of the collection in insertion order.
    pub fn list(&self, collection: &str) -> Vec<StoredRecord> {
        self.find(collection, |_| true)
    }

    /// The records matching `predicate`, in insertion order.
    pub fn find(
        &self,
        collection: &str,
        predicate: impl Fn(&StoredRecord) -> bool,
    ) -> Vec<StoredRecord> {
        let state = self.data.lock();
        state
            .collections
            .get(collection)
            .map(|c| {
                c.by_seq
                    .values()
                    .filter(|r| predicate(r))
                    .cloned()
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The first record (in insertion order) matching `predicate`.
    pub fn find_one(
        &self,
        collection: &str,
        predicate: impl Fn(&StoredRecord) -> bool,
    ) -> Option<StoredRecord> {
        let state = self.data.lock();
        state
            .collections
            .get(collection)?
            .by_seq
            .values()
            .find(|r| predicate(r))
            .cloned()
    }

    /// How many records the collection holds.
    pub fn count(&self, collection: &str) -> usize {
        let state = self.data.lock();
        state
            .collections
            .get(collection)
            .map_or(0, |c| c.index.len())
    }

    /// Removes every record and page-token snapshot of this account.
    pub fn clear(&self) {
        let mut state = self.data.lock();
        state.collections.clear();
        state.locators.clear();
    }

    /// Starts a page-token listing (Salesforce query locators): keeps `items` as a snapshot under
    /// `locator` and returns the first page, whose `next` token (`"{locator}-{offset}"`) serves
    /// the following page through [`TenantStore::next_token_page`]. Later changes to the store
    /// do not affect the pages of a snapshot. An account keeps its 256 newest snapshots.
    pub fn open_token_pages(
        &self,
        locator: impl Into<String>,
        items: Vec<Value>,
        page_size: usize,
    ) -> Result<CursorPage<Value>, PagingError> {
        if page_size == 0 {
            return Err(PagingError::InvalidLimit);
        }
        let locator = Locator {
            id: locator.into(),
            items,
            page_size,
        };
        let page = token_page(&locator, 0);
        let mut state = self.data.lock();
        if page.next.is_some() {
            state.locators.retain(|l| l.id != locator.id);
            if state.locators.len() >= MAX_LOCATORS {
                state.locators.pop_front();
            }
            state.locators.push_back(locator);
        }
        Ok(page)
    }

    /// The page a token from [`TenantStore::open_token_pages`] points at; a token this account did
    /// not receive (or whose snapshot expired) is [`PagingError::InvalidCursor`].
    pub fn next_token_page(&self, token: &str) -> Result<CursorPage<Value>, PagingError> {
        let invalid = || PagingError::InvalidCursor(token.to_owned());
        let (locator_id, offset) = split_token(token).ok_or_else(invalid)?;
        let state = self.data.lock();
        let locator = state
            .locators
            .iter()
            .find(|l| l.id == locator_id)
            .ok_or_else(invalid)?;
        if offset == 0 || offset >= locator.items.len() || offset % locator.page_size != 0 {
            return Err(invalid());
        }
        Ok(token_page(locator, offset))
    }
}

fn token_page(locator: &Locator, offset: usize) -> CursorPage<Value> {
    let end = (offset + locator.page_size).min(locator.items.len());
    let items = locator.items[offset.min(end)..end].to_vec();
    let next = (end < locator.items.len()).then(|| format!("{}-{end}", locator.id));
    CursorPage {
        items,
        next,
        total: locator.items.len(),
    }
}

fn not_found(collection: &str, id: &str) -> StoreError {
    StoreError::NotFound {
        collection: collection.to_owned(),
        id: id.to_owned(),
    }
}

/// RFC 7386 JSON merge patch of `patch` onto `target`.
pub(crate) fn merge_patch(target: &mut Value, patch: &Value) {
    let Value::Object(patch) = patch else {
        *target = patch.clone();
        return;
    };
    if !target.is_object() {
        *target = Value::Object(serde_json::Map::new());
    }
    if let Value::Object(target) = target {
        for (key, value) in patch {
            if value.is_null() {
                target.remove(key);
            } else {
                merge_patch(target.entry(key.clone()).or_insert(Value::Null), value);
            }
        }
    }
}
