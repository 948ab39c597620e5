//! Customers' data keys: created with the customer, unwrapped on demand, destroyed on erasure,
//! re-wrapped on rotation.
//!
//! Unwrapped keys are cached in memory for [`CACHE_TTL`]: a command, a read or a projector
//! batch for a customer whose key was used recently costs no query and no call to the
//! key-encryption keys. Keys created by a transaction enter the cache only once it commits
//! ([`PendingKeys`]), so a rolled-back create never leaves a key that the database lacks.
//! The TTL bounds how long another instance that used an erased customer's key may still open
//! its old events (the current state is blank anyway: it folds `CustomerErased`).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use kyc_crypto::{DataKey, KeyEncryptionKeys, WrappedKey};
use sqlx::{PgConnection, PgExecutor, PgPool, Row};

use crate::StoreError;

/// How long an unwrapped key is used without asking the database again.
pub const CACHE_TTL: Duration = Duration::from_secs(300);

/// Most keys cached at once; beyond it the cache starts afresh (a simple bound, rarely hit).
const CACHE_CAPACITY: usize = 200_000;

/// What a customer's key row says.
#[derive(Debug, Clone)]
pub enum KeyState {
    /// The key, unwrapped.
    Active(Arc<DataKey>),
    /// Destroyed by erasure: sealed data reads as erased.
    Destroyed,
    /// No row: a customer created before encryption (its events are clear), or none at all.
    Absent,
}

/// What this process knows of a customer's key.
#[derive(Debug, Clone)]
enum Cached {
    /// Unwrapped at this time.
    Key(Arc<DataKey>, Instant),
    /// Destroyed by an erasure this process committed: never replaced by a key a reader
    /// fetched before that commit.
    Destroyed,
}

/// What this process knows of customers' keys, by customer guid.
type KeyCache = HashMap<String, Cached>;

/// The customers' data keys over the key-encryption keys. Cheap to clone (shared cache).
#[derive(Clone)]
pub struct CustomerKeys {
    keks: Arc<dyn KeyEncryptionKeys>,
    cache: Arc<Mutex<KeyCache>>,
    /// False only in [`Self::plaintext_for_benchmarks`]: no customer key is made or read.
    seals: bool,
}

impl std::fmt::Debug for CustomerKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CustomerKeys")
            .field("current_kek_id", &self.keks.current_kek_id())
            .field("seals", &self.seals)
            .finish_non_exhaustive()
    }
}

/// Keys created and destroyed inside one transaction, known to the cache once it commits.
#[derive(Debug, Default)]
pub(crate) struct PendingKeys {
    created: HashMap<String, Arc<DataKey>>,
    destroyed: Vec<String>,
}

impl PendingKeys {
    /// Notes that this transaction destroys `guid`'s key (dropping one it created).
    pub(crate) fn destroy(&mut self, guid: &str) {
        self.created.remove(guid);
        self.destroyed.push(guid.to_owned());
    }

    /// The key this transaction created for `guid`, if any.
    pub(crate) fn get(&self, guid: &str) -> Option<Arc<DataKey>> {
        self.created.get(guid).cloned()
    }
}

/// What one rotation did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RotationReport {
    /// Customer keys re-wrapped under the current key-encryption key.
    pub customer_keys: u64,
    /// Keyring entries re-wrapped.
    pub keyring_entries: u64,
    /// Keys destroyed by an erasure while the rotation ran (left destroyed).
    pub skipped_destroyed: u64,
}

fn customer_context(guid: &str) -> Vec<u8> {
    [b"customer:".as_slice(), guid.as_bytes()].concat()
}

fn keyring_context(name: &str) -> Vec<u8> {
    [b"keyring:".as_slice(), name.as_bytes()].concat()
}

impl CustomerKeys {
    /// Data keys wrapped by `keks`.
    pub fn new(keks: Arc<dyn KeyEncryptionKeys>) -> Self {
        Self {
            keks,
            cache: Arc::new(Mutex::new(HashMap::new())),
            seals: true,
        }
    }

    /// **Unsafe: stores personal data in clear.** Data keys that never seal: every customer
    /// reads as [`KeyState::Absent`] and none gets a key, so new events are stored as they
    /// were before encryption (already sealed data of customers that have keys no longer
    /// opens). Only the keyring (blind-index secrets) still uses `keks`.
    ///
    /// It exists for one purpose: kyc-bench's A/B measurement of what sealing costs. kycd
    /// offers it only behind a hidden flag named after the danger, and logs an error at start
    /// when it is on; never use it where a real customer's data is stored.
    pub fn plaintext_for_benchmarks(keks: Arc<dyn KeyEncryptionKeys>) -> Self {
        Self {
            seals: false,
            ..Self::new(keks)
        }
    }

    /// Whether personal data is sealed (false only for [`Self::plaintext_for_benchmarks`]).
    pub fn seals(&self) -> bool {
        self.seals
    }

    /// The id of the key-encryption key new keys are wrapped with.
    pub fn current_kek_id(&self) -> &str {
        self.keks.current_kek_id()
    }

    fn cached(&self, guid: &str) -> Option<KeyState> {
        let cache = self.cache.lock().unwrap_or_else(PoisonError::into_inner);
        match cache.get(guid)? {
            Cached::Key(key, at) if at.elapsed() < CACHE_TTL => {
                Some(KeyState::Active(Arc::clone(key)))
            }
            Cached::Key(..) => None,
            Cached::Destroyed => Some(KeyState::Destroyed),
        }
    }

    fn remember(&self, guid: &str, key: &Arc<DataKey>) {
        let mut cache = self.cache.lock().unwrap_or_else(PoisonError::into_inner);
        if cache.len() >= CACHE_CAPACITY {
            cache.clear();
        }
        // A reader that fetched the row before an erasure committed must not bring it back.
        if !matches!(cache.get(guid), Some(Cached::Destroyed)) {
            cache.insert(
                guid.to_owned(),
                Cached::Key(Arc::clone(key), Instant::now()),
            );
        }
    }

    /// Forgets `guid`'s key in this process (its destruction is under way).
    pub(crate) fn forget(&self, guid: &str) {
        let mut cache = self.cache.lock().unwrap_or_else(PoisonError::into_inner);
        cache.remove(guid);
    }

    /// Caches the keys a transaction created and marks those it destroyed, once it has
    /// committed.
    pub(crate) fn committed(&self, pending: PendingKeys) {
        let PendingKeys { created, destroyed } = pending;
        for (guid, key) in created {
            self.remember(&guid, &key);
        }
        let mut cache = self.cache.lock().unwrap_or_else(PoisonError::into_inner);
        for guid in destroyed {
            cache.insert(guid, Cached::Destroyed);
        }
    }

    async fn unwrap_row(
        &self,
        guid: &str,
        kek_id: Option<String>,
        wrapped: Option<Vec<u8>>,
    ) -> Result<KeyState, StoreError> {
        let (Some(kek_id), Some(ciphertext)) = (kek_id, wrapped) else {
            return Ok(KeyState::Destroyed);
        };
        let wrapped = WrappedKey { kek_id, ciphertext };
        let key = self
            .keks
            .unwrap(&wrapped, &customer_context(guid))
            .await
            .map_err(|source| StoreError::DataKey {
                customer: guid.to_owned(),
                source,
            })?;
        let key = Arc::new(key);
        self.remember(guid, &key);
        Ok(KeyState::Active(key))
    }

    /// The key state of one customer, as `executor` sees it.
    pub async fn get<'e, E: PgExecutor<'e>>(
        &self,
        executor: E,
        guid: &str,
    ) -> Result<KeyState, StoreError> {
        if !self.seals {
            return Ok(KeyState::Absent);
        }
        if let Some(known) = self.cached(guid) {
            return Ok(known);
        }
        let row =
            sqlx::query("SELECT kek_id, wrapped_key FROM customer_keys WHERE customer_guid = $1")
                .bind(guid)
                .fetch_optional(executor)
                .await?;
        match row {
            None => Ok(KeyState::Absent),
            Some(row) => {
                self.unwrap_row(guid, row.try_get("kek_id")?, row.try_get("wrapped_key")?)
                    .await
            }
        }
    }

    /// The key states of many customers in one query (cached ones without any). Customers
    /// without a row are [`KeyState::Absent`].
    pub async fn get_many<'e, E: PgExecutor<'e>>(
        &self,
        executor: E,
        guids: &[&str],
    ) -> Result<HashMap<String, KeyState>, StoreError> {
        let mut states = HashMap::with_capacity(guids.len());
        if !self.seals {
            states.extend(guids.iter().map(|g| ((*g).to_owned(), KeyState::Absent)));
            return Ok(states);
        }
        let mut missing = Vec::new();
        for guid in guids {
            match self.cached(guid) {
                Some(known) => {
                    states.insert((*guid).to_owned(), known);
                }
                None => missing.push(*guid),
            }
        }
        if missing.is_empty() {
            return Ok(states);
        }
        missing.sort_unstable();
        missing.dedup();
        let rows = sqlx::query(
            "SELECT customer_guid, kek_id, wrapped_key FROM customer_keys WHERE customer_guid = ANY($1)",
        )
        .bind(&missing)
        .fetch_all(executor)
        .await?;
        for row in rows {
            let guid: String = row.try_get("customer_guid")?;
            let state = self
                .unwrap_row(&guid, row.try_get("kek_id")?, row.try_get("wrapped_key")?)
                .await?;
            states.insert(guid, state);
        }
        for guid in missing {
            states.entry(guid.to_owned()).or_insert(KeyState::Absent);
        }
        Ok(states)
    }

    /// A fresh data key for `guid` and its wrapped form (nothing stored yet).
    pub(crate) async fn new_key(
        &self,
        guid: &str,
    ) -> Result<(Arc<DataKey>, WrappedKey), StoreError> {
        let key = DataKey::generate();
        let wrapped = self
            .keks
            .wrap(&key, &customer_context(guid))
            .await
            .map_err(|source| StoreError::DataKey {
                customer: guid.to_owned(),
                source,
            })?;
        Ok((Arc::new(key), wrapped))
    }

    /// Stores a key made by [`Self::new_key`] in `conn`'s transaction and remembers it in
    /// `pending` until that commits.
    pub(crate) async fn store_new(
        &self,
        conn: &mut PgConnection,
        pending: &mut PendingKeys,
        bank_guid: &str,
        guid: &str,
        key: Arc<DataKey>,
        wrapped: &WrappedKey,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO customer_keys (customer_guid, bank_guid, kek_id, wrapped_key) VALUES ($1, $2, $3, $4)",
        )
        .bind(guid)
        .bind(bank_guid)
        .bind(&wrapped.kek_id)
        .bind(&wrapped.ciphertext)
        .execute(conn)
        .await?;
        pending.created.insert(guid.to_owned(), key);
        Ok(())
    }

    /// `guid`'s key, made and committed now (in a transaction of its own) when it has none.
    /// For writers that cannot store the key with their events (the cqrs-es repository): a
    /// key whose events never come is harmless.
    pub async fn ensure(
        &self,
        pool: &PgPool,
        bank_guid: &str,
        guid: &str,
    ) -> Result<KeyState, StoreError> {
        match self.get(pool, guid).await? {
            KeyState::Absent if self.seals => {}
            known => return Ok(known),
        }
        let (key, wrapped) = self.new_key(guid).await?;
        sqlx::query(
            "INSERT INTO customer_keys (customer_guid, bank_guid, kek_id, wrapped_key) VALUES ($1, $2, $3, $4) ON CONFLICT (customer_guid) DO NOTHING",
        )
        .bind(guid)
        .bind(bank_guid)
        .bind(&wrapped.kek_id)
        .bind(&wrapped.ciphertext)
        .execute(pool)
        .await?;
        drop(key);
        // Another writer may have made one first: theirs is the key.
        self.get(pool, guid).await
    }

    /// Destroys `guid`'s key in `conn`'s transaction (a tombstone row remains, so reads know
    /// the data was erased). Also forgets it in this process at once: a rollback then only
    /// costs the next reader a query.
    pub async fn destroy(
        &self,
        conn: &mut PgConnection,
        bank_guid: &str,
        guid: &str,
    ) -> Result<(), StoreError> {
        sqlx::query(include_str!("destroy.sql"))
            .bind(guid)
            .bind(bank_guid)
            .execute(conn)
            .await?;
        self.forget(guid);
        Ok(())
    }

    /// Re-wraps every key not wrapped by the current key-encryption key, `batch` rows per
    /// transaction. A key destroyed meanwhile stays destroyed: each update only replaces the
    /// exact wrapped bytes it read.
    pub async fn rotate(&self, pool: &PgPool, batch: i64) -> Result<RotationReport, StoreError> {
        let current = self.keks.current_kek_id().to_owned();
        let mut report = RotationReport::default();
        let mut after = String::new();
        loop {
            let rows = sqlx::query(include_str!("rotate_page.sql"))
                .bind(&current)
                .bind(&after)
                .bind(batch.max(1))
                .fetch_all(pool)
                .await?;
            let Some(last) = rows.last() else { break };
            after = last.try_get("customer_guid")?;
            let mut tx = pool.begin().await?;
            for row in &rows {
                let guid: String = row.try_get("customer_guid")?;
                let wrapped = WrappedKey {
                    kek_id: row.try_get("kek_id")?,
                    ciphertext: row.try_get("wrapped_key")?,
                };
                let context = customer_context(&guid);
                let rewrapped = self.rewrap(&guid, &wrapped, &context).await?;
                let updated = sqlx::query(include_str!("rotate_one.sql"))
                    .bind(&guid)
                    .bind(&wrapped.ciphertext)
                    .bind(&rewrapped.kek_id)
                    .bind(&rewrapped.ciphertext)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                if updated == 1 {
                    report.customer_keys += 1;
                } else {
                    report.skipped_destroyed += 1;
                }
            }
            tx.commit().await?;
        }
        let entries =
            sqlx::query("SELECT name, kek_id, wrapped_key FROM keyring WHERE kek_id <> $1")
                .bind(&current)
                .fetch_all(pool)
                .await?;
        for row in entries {
            let name: String = row.try_get("name")?;
            let wrapped = WrappedKey {
                kek_id: row.try_get("kek_id")?,
                ciphertext: row.try_get("wrapped_key")?,
            };
            let rewrapped = self
                .rewrap(&name, &wrapped, &keyring_context(&name))
                .await?;
            sqlx::query("UPDATE keyring SET kek_id = $2, wrapped_key = $3 WHERE name = $1")
                .bind(&name)
                .bind(&rewrapped.kek_id)
                .bind(&rewrapped.ciphertext)
                .execute(pool)
                .await?;
            report.keyring_entries += 1;
        }
        Ok(report)
    }

    async fn rewrap(
        &self,
        owner: &str,
        wrapped: &WrappedKey,
        context: &[u8],
    ) -> Result<WrappedKey, StoreError> {
        let data_error = |source| StoreError::DataKey {
            customer: owner.to_owned(),
            source,
        };
        let key = self
            .keks
            .unwrap(wrapped, context)
            .await
            .map_err(data_error)?;
        self.keks.wrap(&key, context).await.map_err(data_error)
    }

    /// The secret stored under `name` in the keyring (created on first use, by whichever
    /// instance gets there first).
    pub async fn keyring_secret(&self, pool: &PgPool, name: &str) -> Result<DataKey, StoreError> {
        let context = keyring_context(name);
        let fresh = DataKey::generate();
        let wrapped =
            self.keks
                .wrap(&fresh, &context)
                .await
                .map_err(|source| StoreError::DataKey {
                    customer: name.to_owned(),
                    source,
                })?;
        sqlx::query(
            "INSERT INTO keyring (name, kek_id, wrapped_key) VALUES ($1, $2, $3) ON CONFLICT (name) DO NOTHING",
        )
        .bind(name)
        .bind(&wrapped.kek_id)
        .bind(&wrapped.ciphertext)
        .execute(pool)
        .await?;
        let row = sqlx::query("SELECT kek_id, wrapped_key FROM keyring WHERE name = $1")
            .bind(name)
            .fetch_one(pool)
            .await?;
        let stored = WrappedKey {
            kek_id: row.try_get("kek_id")?,
            ciphertext: row.try_get("wrapped_key")?,
        };
        self.keks
            .unwrap(&stored, &context)
            .await
            .map_err(|source| StoreError::DataKey {
                customer: name.to_owned(),
                source,
            })
    }

    /// Checks that the key-encryption keys can open what the database holds: every
    /// key-encryption key a stored key names is present, and one key of each opens. Run at
    /// start, before anything is written, so a wrong or incomplete key file stops the service
    /// instead of failing every request.
    pub async fn check(&self, pool: &PgPool) -> Result<(), StoreError> {
        let samples = sqlx::query(include_str!("check_samples.sql"))
            .fetch_all(pool)
            .await?;
        for row in samples {
            let owner: String = row.try_get("owner")?;
            let is_keyring: bool = row.try_get("is_keyring")?;
            let wrapped = WrappedKey {
                kek_id: row.try_get("kek_id")?,
                ciphertext: row.try_get("wrapped_key")?,
            };
            let context = if is_keyring {
                keyring_context(&owner)
            } else {
                customer_context(&owner)
            };
            if let Err(error) = self.keks.unwrap(&wrapped, &context).await {
                return Err(StoreError::KeyMismatch(match error {
                    kyc_crypto::CryptoError::UnknownKek(id) => format!(
                        "the database holds data keys wrapped by key-encryption key {id:?}, which \
                         the master key file does not contain; add its line back (keys are \
                         removed only after `kycctl keys rotate`)"
                    ),
                    other => format!(
                        "key-encryption key {:?} of the master key file does not open the data \
                         keys it wrapped ({other}): the file holds a different key under that id",
                        wrapped.kek_id
                    ),
                }));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys() -> CustomerKeys {
        let line = kyc_crypto::generate_key_line("unit");
        let file = kyc_crypto::LocalKeyFile::parse(std::path::Path::new("unit"), &line)
            .unwrap_or_else(|e| panic!("{e}"));
        CustomerKeys::new(Arc::new(file))
    }

    #[test]
    fn a_key_read_before_an_erasure_committed_never_comes_back() {
        let keys = keys();
        let key = Arc::new(DataKey::generate());
        keys.remember("c1", &key);
        assert!(matches!(keys.cached("c1"), Some(KeyState::Active(_))));
        // The erasing transaction forgets the key at once…
        keys.forget("c1");
        // …a concurrent reader fetches the still-committed row and caches it again…
        keys.remember("c1", &key);
        // …and the commit marks it destroyed, which no later stale read undoes.
        let mut pending = PendingKeys::default();
        pending.destroy("c1");
        keys.committed(pending);
        keys.remember("c1", &key);
        assert!(matches!(keys.cached("c1"), Some(KeyState::Destroyed)));
        assert!(keys.cached("c2").is_none());
    }

    #[test]
    fn keys_created_by_a_transaction_are_cached_only_when_it_commits() {
        let keys = keys();
        let mut pending = PendingKeys::default();
        pending
            .created
            .insert("c1".to_owned(), Arc::new(DataKey::generate()));
        assert!(pending.get("c1").is_some());
        assert!(keys.cached("c1").is_none());
        keys.committed(pending);
        assert!(matches!(keys.cached("c1"), Some(KeyState::Active(_))));
    }
}
