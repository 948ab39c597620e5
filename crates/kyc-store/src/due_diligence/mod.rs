//! The due-diligence scheduler's candidates (`kyc_app::due_diligence`), from the clear columns
//! the projector keeps on `customer_views` (migrations/0016). The domain decides each one; this
//! module only reads.

use kyc_app::due_diligence::{DueBounds, DueCandidate, DueDiligenceCandidates};
use kyc_app::ports::StoreFailure;
use kyc_domain::ids::{BankGuid, CustomerGuid};

use crate::customers::failure;
use crate::PgCustomerStore;

impl DueDiligenceCandidates for PgCustomerStore {
    async fn due_diligence_candidates(
        &self,
        bounds: DueBounds,
        after: Option<CustomerGuid>,
        limit: usize,
    ) -> Result<Vec<DueCandidate>, StoreFailure> {
        let rows: Vec<(String, String)> = sqlx::query_as(include_str!("candidates.sql"))
            .bind(bounds.expiring_by)
            .bind(bounds.reviewed_by)
            .bind(bounds.due_by)
            .bind(after.map(|guid| guid.to_string()))
            .bind(i64::try_from(limit).unwrap_or(i64::MAX))
            .fetch_all(self.pool())
            .await
            .map_err(failure)?;
        rows.into_iter()
            .map(|(guid, bank)| {
                Ok(DueCandidate {
                    customer_guid: CustomerGuid::parse(&guid).map_err(|_| {
                        StoreFailure::Corrupt(format!("customer_views: customer_guid {guid:?}"))
                    })?,
                    bank_guid: BankGuid::parse(&bank).map_err(|_| {
                        StoreFailure::Corrupt(format!("customer_views: bank_guid of {guid}"))
                    })?,
                })
            })
            .collect()
    }
}
