//! Blind indexes of customers' identity values: the keyed digest of each normalised email,
//! phone, tax and identification number (`kyc_domain::customer::IdentityValue`), so a
//! customer is found by a value, and a second holder of a number noticed, without the value
//! being stored anywhere in clear.
//!
//! Each tenant and kind has its own key, derived from one root secret in the keyring
//! ([`kyc_crypto::BLIND_INDEX_ROOT`]): one tenant's digest of an email never equals another's.
//! The root is read once per process (created on first use, through the pool rather than a
//! command's transaction, whose first write must be its events; kycd reads it at start, see
//! [`crate::PgCustomerStore::prepare`]); derived keys are cached.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use kyc_crypto::{BlindIndexKey, DataKey, BLIND_INDEX_ROOT};
use kyc_domain::customer::{IdentityKind, IdentityMatch, IdentityValue};
use kyc_domain::ids::{BankGuid, CustomerGuid};
use sqlx::{PgConnection, PgPool, Row};
use tokio::sync::OnceCell;

use crate::keys::CustomerKeys;
use crate::StoreError;

/// The keys derived so far, by tenant and kind.
type DerivedKeys = HashMap<(BankGuid, IdentityKind), Arc<BlindIndexKey>>;

/// Digests identity values with the tenants' keys. Cheap to clone (shared caches).
#[derive(Debug, Clone)]
pub(crate) struct BlindIndexes {
    pool: PgPool,
    keys: CustomerKeys,
    root: Arc<OnceCell<Arc<DataKey>>>,
    derived: Arc<Mutex<DerivedKeys>>,
}

/// Index entries as the table holds them: kinds and digests, pairwise.
pub(crate) struct Digests {
    pub(crate) kinds: Vec<&'static str>,
    pub(crate) digests: Vec<String>,
}

impl BlindIndexes {
    pub(crate) fn new(pool: PgPool, keys: CustomerKeys) -> Self {
        Self {
            pool,
            keys,
            root: Arc::default(),
            derived: Arc::default(),
        }
    }

    /// Reads (or creates) the root secret now. Services call it at start: done lazily by the
    /// first command instead, it needs a second pooled connection while that command holds
    /// one, and a burst of first commands as large as the pool would wait on each other.
    pub(crate) async fn prepare(&self) -> Result<(), StoreError> {
        self.root().await.map(drop)
    }

    async fn root(&self) -> Result<&Arc<DataKey>, StoreError> {
        self.root
            .get_or_try_init(|| async {
                self.keys
                    .keyring_secret(&self.pool, BLIND_INDEX_ROOT)
                    .await
                    .map(Arc::new)
            })
            .await
    }

    async fn key(
        &self,
        bank: BankGuid,
        kind: IdentityKind,
    ) -> Result<Arc<BlindIndexKey>, StoreError> {
        if let Some(key) = self
            .derived
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&(bank, kind))
        {
            return Ok(Arc::clone(key));
        }
        let root = self.root().await?;
        let key = Arc::new(BlindIndexKey::derive(
            root,
            &bank.to_string(),
            kind.as_str(),
        ));
        self.derived
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert((bank, kind), Arc::clone(&key));
        Ok(key)
    }

    /// The index entries of `values` at `bank`.
    pub(crate) async fn digests(
        &self,
        bank: BankGuid,
        values: &[&IdentityValue],
    ) -> Result<Digests, StoreError> {
        let mut digests = Digests {
            kinds: Vec::with_capacity(values.len()),
            digests: Vec::with_capacity(values.len()),
        };
        for value in values {
            let key = self.key(bank, value.kind).await?;
            digests.kinds.push(value.kind.as_str());
            digests.digests.push(key.digest(&value.normalised));
        }
        Ok(digests)
    }

    /// The customers of `bank` holding any of `values`.
    pub(crate) async fn matches(
        &self,
        conn: &mut PgConnection,
        bank: BankGuid,
        values: &[IdentityValue],
    ) -> Result<Vec<IdentityMatch>, StoreError> {
        if values.is_empty() {
            return Ok(Vec::new());
        }
        let wanted = self
            .digests(bank, &values.iter().collect::<Vec<_>>())
            .await?;
        let rows = sqlx::query(include_str!("matches.sql"))
            .bind(bank.to_string())
            .bind(&wanted.kinds)
            .bind(&wanted.digests)
            .fetch_all(conn)
            .await?;
        let mut found = Vec::with_capacity(rows.len());
        for row in rows {
            let kind: String = row.try_get("kind")?;
            let guid: String = row.try_get("customer_guid")?;
            let corrupt = |what: &str| StoreError::Corrupt {
                aggregate_id: guid.clone(),
                sequence: 0,
                reason: format!("{what} in customer_blind_index"),
            };
            found.push(IdentityMatch {
                kind: IdentityKind::parse(&kind).map_err(|_| corrupt("an unknown kind"))?,
                customer_guid: CustomerGuid::parse(&guid)
                    .map_err(|_| corrupt("a malformed customer guid"))?,
            });
        }
        found.sort();
        Ok(found)
    }

    /// Replaces `customer`'s entries of `kinds` with those of `values`, in `conn`'s transaction.
    pub(crate) async fn replace(
        &self,
        conn: &mut PgConnection,
        bank: BankGuid,
        customer: CustomerGuid,
        kinds: &[IdentityKind],
        values: &[IdentityValue],
    ) -> Result<(), StoreError> {
        let (bank_id, customer_id) = (bank.to_string(), customer.to_string());
        let kinds: Vec<&str> = kinds.iter().map(|k| k.as_str()).collect();
        sqlx::query(include_str!("replace_kinds.sql"))
            .bind(&bank_id)
            .bind(&customer_id)
            .bind(&kinds)
            .execute(&mut *conn)
            .await?;
        if values.is_empty() {
            return Ok(());
        }
        let new = self
            .digests(bank, &values.iter().collect::<Vec<_>>())
            .await?;
        sqlx::query(include_str!("insert.sql"))
            .bind(&bank_id)
            .bind(&customer_id)
            .bind(&new.kinds)
            .bind(&new.digests)
            .execute(conn)
            .await?;
        Ok(())
    }
}

/// Deletes every index entry of a customer, in `conn`'s transaction (after its events): for
/// erasure, which must leave no way to find the customer by a value it gave.
pub(crate) async fn delete_customer(
    conn: &mut PgConnection,
    customer: CustomerGuid,
) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM customer_blind_index WHERE customer_guid = $1")
        .bind(customer.to_string())
        .execute(conn)
        .await?;
    Ok(())
}
