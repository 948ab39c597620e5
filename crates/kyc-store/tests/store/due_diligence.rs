//! The due-diligence scheduler against PostgreSQL, with the clock injected: an expired
//! passport makes a verified customer due and, after the grace period, unverified; re-runs
//! find nothing to do; the projection's clear columns follow.

use std::sync::Arc;

use chrono::{DateTime, TimeDelta, Utc};
use kyc_app::commands::{ReviewDocument, SubmitDocument, Verify};
use kyc_app::due_diligence::{DueDiligenceReport, Scheduler};
use kyc_app::{CommandService, RetryPolicy};
use kyc_domain::customer::{DocumentDraft, ReviewDraft};
use kyc_domain::ids::{BankGuid, CustomerGuid, DocumentGuid};
use kyc_store::PgCustomerStore;
use kyc_testkit::{fresh_database, TestDatabase};

use crate::support::{bank, ctx, individual, pdf};

fn time(raw: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(raw)
        .unwrap()
        .with_timezone(&Utc)
}

struct Fixture {
    db: TestDatabase,
    bank: BankGuid,
    service: CommandService<PgCustomerStore>,
    scheduler: Scheduler<PgCustomerStore, PgCustomerStore>,
}

impl Fixture {
    async fn new() -> Self {
        let db = fresh_database().await;
        let store = Arc::new(PgCustomerStore::new(
            db.pool.clone(),
            kyc_testkit::keys::test_keys(),
        ));
        let service = CommandService::new(Arc::clone(&store), RetryPolicy::default());
        let scheduler = Scheduler::new(service.clone(), store);
        Self {
            db,
            bank: bank(),
            service,
            scheduler,
        }
    }

    /// Projects until the view holds every committed event.
    async fn project(&self) {
        crate::support::project_all(&self.db.pool).await;
    }

    async fn run(&self, now: DateTime<Utc>) -> DueDiligenceReport {
        self.project().await;
        let report = self.scheduler.run(now, 1_000).await.unwrap();
        self.project().await;
        report
    }

    async fn submit(
        &self,
        guid: CustomerGuid,
        kind: &str,
        expires_on: Option<&str>,
        at: DateTime<Utc>,
    ) -> DocumentGuid {
        let executed = self
            .service
            .execute(
                &ctx(self.bank, None, at),
                SubmitDocument {
                    customer_guid: guid,
                    draft: DocumentDraft {
                        kind: Some(kind.into()),
                        expires_on: expires_on.map(Into::into),
                        ..DocumentDraft::default()
                    },
                    content: pdf(1),
                },
            )
            .await
            .unwrap();
        let guid = executed.customer.documents.last().unwrap().guid.clone();
        DocumentGuid::parse(&guid).unwrap()
    }

    async fn accept(&self, guid: CustomerGuid, document: DocumentGuid, at: DateTime<Utc>) {
        self.service
            .execute(
                &ctx(self.bank, None, at),
                ReviewDocument {
                    customer_guid: guid,
                    document_guid: document,
                    draft: ReviewDraft {
                        decision: Some("accept".into()),
                        ..ReviewDraft::default()
                    },
                },
            )
            .await
            .unwrap();
    }

    /// The view's state and due-diligence columns.
    async fn view(
        &self,
        guid: CustomerGuid,
    ) -> (String, Option<chrono::NaiveDate>, Option<DateTime<Utc>>) {
        sqlx::query_as(
            "SELECT state, next_expiry_on, due_since FROM customer_views WHERE customer_guid = $1",
        )
        .bind(guid.to_string())
        .fetch_one(&self.db.pool)
        .await
        .unwrap()
    }
}

#[tokio::test]
async fn an_expired_passport_makes_the_customer_due_and_after_the_grace_period_unverified() {
    let f = Fixture::new().await;
    let t0 = time("2030-01-01T09:00:00Z");
    let created = f
        .service
        .execute(
            &ctx(f.bank, None, t0),
            kyc_app::commands::Create {
                draft: individual(),
            },
        )
        .await
        .unwrap();
    let guid = CustomerGuid::parse(&created.customer.guid).unwrap();
    let passport = f
        .submit(
            guid,
            "passport",
            Some("2031-01-01"),
            t0 + TimeDelta::minutes(1),
        )
        .await;
    f.accept(guid, passport, t0 + TimeDelta::minutes(2)).await;
    let liveness = f
        .submit(guid, "liveness_report", None, t0 + TimeDelta::minutes(3))
        .await;
    f.accept(guid, liveness, t0 + TimeDelta::minutes(4)).await;
    f.service
        .execute(
            &ctx(f.bank, None, t0 + TimeDelta::minutes(5)),
            Verify {
                customer_guid: guid,
            },
        )
        .await
        .unwrap();

    // Valid through its expiry date: nothing to do.
    let report = f.run(time("2031-01-01T23:00:00Z")).await;
    assert!(report.changed.is_empty(), "{report:?}");
    let (state, next_expiry_on, due_since) = f.view(guid).await;
    assert_eq!(state, "verified");
    assert_eq!(
        next_expiry_on.map(|d| d.to_string()),
        Some("2031-01-01".into())
    );
    assert_eq!(due_since, None);

    // The day after: the passport expires, the customer stays verified for the grace period.
    let expired_at = time("2031-01-02T01:00:00Z");
    let report = f.run(expired_at).await;
    assert_eq!(report.changed, [guid], "{report:?}");
    let (state, next_expiry_on, due_since) = f.view(guid).await;
    assert_eq!(state, "verified");
    assert_eq!(next_expiry_on, None);
    assert_eq!(due_since, Some(expired_at));
    let events_before: i64 = sqlx::query_scalar("SELECT count(*) FROM events")
        .fetch_one(&f.db.pool)
        .await
        .unwrap();
    // Re-runs inside the grace period append nothing.
    let report = f.run(time("2031-01-20T00:00:00Z")).await;
    assert!(report.changed.is_empty(), "{report:?}");
    let events_after: i64 = sqlx::query_scalar("SELECT count(*) FROM events")
        .fetch_one(&f.db.pool)
        .await
        .unwrap();
    assert_eq!(events_before, events_after);

    // The grace period (30 days by default) ends: the verification lapses.
    let report = f.run(expired_at + TimeDelta::days(31)).await;
    assert_eq!(report.changed, [guid], "{report:?}");
    let (state, _, due_since) = f.view(guid).await;
    assert_eq!(state, "unverified");
    assert_eq!(due_since, None);
    let types: Vec<String> = sqlx::query_scalar(
        "SELECT event_type FROM events WHERE aggregate_id = $1 ORDER BY sequence",
    )
    .bind(guid.to_string())
    .fetch_all(&f.db.pool)
    .await
    .unwrap();
    assert_eq!(
        &types[types.len() - 2..],
        ["DocumentExpired", "VerificationLapsed"]
    );
    // And again: nothing.
    let report = f.run(expired_at + TimeDelta::days(32)).await;
    assert!(report.changed.is_empty(), "{report:?}");
}
