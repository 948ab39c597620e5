//! `PgCustomerStore` keeps the port contract: the suite of `kyc_testkit::contract`, the same
//! test functions the in-memory store runs.

use kyc_store::PgCustomerStore;
use kyc_testkit::contract::Subject;
use kyc_testkit::{fresh_database, TestDatabase};

/// PostgreSQL under the contract suite: a fresh database per test.
#[derive(Clone)]
struct Postgres {
    store: PgCustomerStore,
    db: TestDatabase,
}

impl Subject for Postgres {
    type Store = PgCustomerStore;

    fn store(&self) -> PgCustomerStore {
        self.store.clone()
    }

    /// A waiting claim is an `INSERT INTO idempotency_records` waiting for the holder's row
    /// lock (migrations' unique key), as `pg_locks` shows.
    async fn until_claims_wait(&self, count: usize) {
        let count = i64::try_from(count).unwrap();
        kyc_testkit::locks::until_blocked(&self.db.pool, "INSERT INTO idempotency_records", count)
            .await;
    }

    /// The list reads `customer_views`, which the projector fills after the commit.
    async fn settle(&self) {
        crate::customer_views::wait_and_project(&self.db.pool).await;
    }
}

async fn postgres() -> Postgres {
    let db = fresh_database().await;
    Postgres {
        store: PgCustomerStore::new(db.pool.clone(), kyc_testkit::keys::test_keys()),
        db,
    }
}

kyc_testkit::customer_store_contract!(postgres);
