//! Builders for the Customer-level tests: request contexts here, the rest shared with other
//! crates' tests through `kyc_testkit::fixtures`.

use chrono::{DateTime, Utc};
use kyc_app::context::{RequestContext, Source};
use kyc_app::Principal;
use kyc_domain::ids::BankGuid;
pub(crate) use kyc_testkit::fixtures::{
    bank, business, created, created_individual, customer, individual, metadata, pdf,
};

/// A caller of `bank` holding every scope.
pub(crate) fn ctx(bank: BankGuid, key: Option<&str>, at: DateTime<Utc>) -> RequestContext {
    RequestContext {
        principal: Principal::new(
            "tester",
            bank,
            "customers:read customers:write customers:review customers:freeze customers:close customers:erase customers:pii:read",
        ),
        request_id: format!("req-{}", uuid::Uuid::now_v7().simple()),
        idempotency_key: key.map(str::to_owned),
        source: Source::Cli,
        received_at: at,
        include_pii: true,
    }
}
