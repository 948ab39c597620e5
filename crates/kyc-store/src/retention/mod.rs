//! The retention sweeper's candidates (`kyc_app::retention`), from the clear columns the
//! projector keeps on `customer_views` (migrations/0014). The sweeper judges each one by its
//! tenant's policy and acts through the command service; this module only reads.

use chrono::{DateTime, Utc};
use kyc_app::ports::StoreFailure;
use kyc_app::retention::{Cursor, DormantCandidate, ErasureCandidate, RetentionCandidates};
use kyc_domain::ids::{BankGuid, CustomerGuid};

use crate::customers::failure;
use crate::PgCustomerStore;

type Row = (String, String, DateTime<Utc>);

fn ids(guid: &str, bank: &str) -> Result<(CustomerGuid, BankGuid), StoreFailure> {
    let customer = CustomerGuid::parse(guid)
        .map_err(|_| StoreFailure::Corrupt(format!("customer_views: customer_guid {guid:?}")))?;
    let bank = BankGuid::parse(bank)
        .map_err(|_| StoreFailure::Corrupt(format!("customer_views: bank_guid of {guid}")))?;
    Ok((customer, bank))
}

fn erasure(rows: Vec<Row>) -> Result<Vec<ErasureCandidate>, StoreFailure> {
    rows.into_iter()
        .map(|(guid, bank, at)| {
            let (customer_guid, bank_guid) = ids(&guid, &bank)?;
            Ok(ErasureCandidate {
                customer_guid,
                bank_guid,
                retention_starts_at: at,
            })
        })
        .collect()
}

fn page(limit: usize) -> i64 {
    i64::try_from(limit).unwrap_or(i64::MAX)
}

impl RetentionCandidates for PgCustomerStore {
    async fn erasure_candidates(
        &self,
        started_by: DateTime<Utc>,
        after: Cursor,
        limit: usize,
    ) -> Result<Vec<ErasureCandidate>, StoreFailure> {
        let rows: Vec<Row> = sqlx::query_as(include_str!("erasure_candidates.sql"))
            .bind(started_by)
            .bind(after.map(|(at, _)| at))
            .bind(after.map(|(_, guid)| guid.to_string()))
            .bind(page(limit))
            .fetch_all(self.pool())
            .await
            .map_err(failure)?;
        erasure(rows)
    }

    async fn held_candidates(
        &self,
        started_by: DateTime<Utc>,
    ) -> Result<Vec<ErasureCandidate>, StoreFailure> {
        let rows: Vec<Row> = sqlx::query_as(include_str!("held_candidates.sql"))
            .bind(started_by)
            .fetch_all(self.pool())
            .await
            .map_err(failure)?;
        erasure(rows)
    }

    async fn dormant_candidates(
        &self,
        idle_since: DateTime<Utc>,
        after: Cursor,
        limit: usize,
    ) -> Result<Vec<DormantCandidate>, StoreFailure> {
        let rows: Vec<Row> = sqlx::query_as(include_str!("dormant_candidates.sql"))
            .bind(idle_since)
            .bind(after.map(|(at, _)| at))
            .bind(after.map(|(_, guid)| guid.to_string()))
            .bind(page(limit))
            .fetch_all(self.pool())
            .await
            .map_err(failure)?;
        rows.into_iter()
            .map(|(guid, bank, at)| {
                let (customer_guid, bank_guid) = ids(&guid, &bank)?;
                Ok(DormantCandidate {
                    customer_guid,
                    bank_guid,
                    last_activity: at,
                })
            })
            .collect()
    }
}
