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

/// Projects `customer_views` until its checkpoint reaches the newest event in the log. Another
/// test's open transaction can hold the visible horizon back, so this asks the database, and
/// gives up (panicking) after 1,000 rounds 10 ms apart.
pub(crate) async fn project_all(pool: &sqlx::PgPool) {
    use kyc_store::projector::{project_until_caught_up, CUSTOMER_VIEWS};
    let last: i64 = sqlx::query_scalar("SELECT coalesce(max(global_position), 0) FROM events")
        .fetch_one(pool)
        .await
        .unwrap();
    for _ in 0..1000 {
        project_until_caught_up(pool, &kyc_testkit::keys::test_keys(), CUSTOMER_VIEWS, 500)
            .await
            .unwrap();
        if kyc_log::read_checkpoint(pool, CUSTOMER_VIEWS)
            .await
            .unwrap()
            >= last
        {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    panic!("projection did not reach position {last}");
}
