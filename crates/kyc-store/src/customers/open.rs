//! A re-screening's customers (`kyc_app::screening::OpenCustomers`): every customer neither
//! closed nor erased, in guid order, each with its stored fold when that fold is the whole of
//! its stream, so the re-screening can screen in memory and open a transaction only where the
//! matches changed.

use std::collections::HashMap;

use kyc_app::ports::StoreFailure;
use kyc_app::screening::OpenCustomer;
use kyc_app::AGGREGATE_TYPE;
use kyc_domain::ids::{BankGuid, CustomerGuid};

use super::current::stored_customer;
use super::failure;
use crate::keys::KeyState;
use crate::PgCustomerStore;

/// One row of `open_customers.sql`.
#[derive(sqlx::FromRow)]
struct OpenRow {
    customer_guid: String,
    bank_guid: String,
    last_sequence: i64,
    record: String,
    /// No event follows the fold: the row is the customer as it stands.
    current: bool,
}

impl kyc_app::screening::OpenCustomers for PgCustomerStore {
    async fn open_customers(
        &self,
        after: Option<CustomerGuid>,
        limit: usize,
    ) -> Result<Vec<OpenCustomer>, StoreFailure> {
        let rows: Vec<OpenRow> = sqlx::query_as(include_str!("open_customers.sql"))
            .bind(after.map(|guid| guid.to_string()))
            .bind(i64::try_from(limit).unwrap_or(i64::MAX))
            .bind(AGGREGATE_TYPE)
            .fetch_all(self.pool())
            .await
            .map_err(failure)?;
        let current: Vec<&str> = rows
            .iter()
            .filter(|row| row.current)
            .map(|row| row.customer_guid.as_str())
            .collect();
        let keys: HashMap<String, KeyState> = self
            .keys()
            .get_many(self.pool(), &current)
            .await
            .map_err(failure)?;
        rows.iter()
            .map(|row| {
                let customer_guid = CustomerGuid::parse(&row.customer_guid).map_err(|_| {
                    StoreFailure::Corrupt(format!(
                        "customer_views: customer_guid {:?}",
                        row.customer_guid
                    ))
                })?;
                let bank_guid = BankGuid::parse(&row.bank_guid).map_err(|_| {
                    StoreFailure::Corrupt(format!("customer_views: bank_guid of {customer_guid}"))
                })?;
                Ok(OpenCustomer {
                    customer_guid,
                    bank_guid,
                    stored: stored_fold(row, customer_guid, bank_guid, &keys),
                })
            })
            .collect()
    }
}

/// The row's customer, when it is current and opens as this customer of this tenant; `None`
/// sends the re-screening down the ordinary command path, which loads and checks it fully.
fn stored_fold(
    row: &OpenRow,
    customer_guid: CustomerGuid,
    bank_guid: BankGuid,
    keys: &HashMap<String, KeyState>,
) -> Option<Box<kyc_domain::Customer>> {
    if !row.current {
        return None;
    }
    let key = keys.get(&row.customer_guid)?;
    match stored_customer(customer_guid, &row.record, row.last_sequence, key) {
        Ok(customer)
            if customer
                .record()
                .is_some_and(|r| r.guid == customer_guid && r.bank_guid == bank_guid) =>
        {
            Some(Box::new(customer))
        }
        Ok(_) => {
            tracing::warn!(%customer_guid, "customer_views record is another customer's; re-screening it the ordinary way");
            None
        }
        Err(error) => {
            tracing::warn!(%customer_guid, reason = %error, "customer_views record not used; re-screening it the ordinary way");
            None
        }
    }
}
