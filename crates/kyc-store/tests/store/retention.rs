//! The retention sweeper against PostgreSQL, with the clock injected: erasure exactly when the
//! tenant's period ends, legal holds skipped, abandoned applications closed as dormant, dry
//! runs that change nothing, re-runs that find nothing, per-tenant periods.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use kyc_app::commands::{Close, Create, PatchCustomer, SetLegalHold, SubmitDocument};
use kyc_app::retention::{SweepReport, Sweeper};
use kyc_app::tenant::{TenantPolicies, TenantPolicy};
use kyc_app::{CommandService, RetryPolicy};
use kyc_domain::customer::{CloseDraft, CustomerDraft, DocumentDraft, LegalHoldDraft};
use kyc_domain::ids::{BankGuid, CustomerGuid};
use kyc_store::PgCustomerStore;
use kyc_testkit::{fresh_database, TestDatabase};

use crate::support::{bank, ctx, individual, pdf};

const DAY: u64 = 86_400;
const RETENTION: Duration = Duration::from_secs(30 * DAY);
const DORMANT_AFTER: Duration = Duration::from_secs(10 * DAY);

fn t0() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2030-01-01T00:00:00Z")
        .unwrap()
        .with_timezone(&Utc)
}

fn after(at: DateTime<Utc>, duration: Duration) -> DateTime<Utc> {
    at + TimeDelta::from_std(duration).unwrap()
}

struct Fixture {
    db: TestDatabase,
    service: CommandService<PgCustomerStore>,
    sweeper: Sweeper<PgCustomerStore, PgCustomerStore>,
}

fn fixture_with(db: TestDatabase, policies: TenantPolicies) -> Fixture {
    let store = Arc::new(PgCustomerStore::new(
        db.pool.clone(),
        kyc_testkit::keys::test_keys(),
    ));
    let service = CommandService::new(Arc::clone(&store), RetryPolicy::default())
        .with_tenant_policies(policies);
    let sweeper = Sweeper::new(service.clone(), store);
    Fixture {
        db,
        service,
        sweeper,
    }
}

async fn fixture() -> Fixture {
    fixture_with(
        fresh_database().await,
        TenantPolicies::uniform(TenantPolicy::new(RETENTION, DORMANT_AFTER)),
    )
}

impl Fixture {
    async fn create(&self, bank: BankGuid, at: DateTime<Utc>) -> CustomerGuid {
        let created = self
            .service
            .execute(
                &ctx(bank, None, at),
                Create {
                    draft: individual(),
                },
            )
            .await
            .unwrap();
        CustomerGuid::parse(&created.customer.guid).unwrap()
    }

    /// A customer with a record-keeping duty (a submitted document), closed at `closed_at`.
    async fn closed(&self, bank: BankGuid, closed_at: DateTime<Utc>) -> CustomerGuid {
        let created_at = closed_at - TimeDelta::days(2);
        let guid = self.create(bank, created_at).await;
        self.service
            .execute(
                &ctx(bank, None, created_at + TimeDelta::hours(1)),
                SubmitDocument {
                    customer_guid: guid,
                    draft: DocumentDraft {
                        kind: Some("passport".into()),
                        ..DocumentDraft::default()
                    },
                    content: pdf(1),
                },
            )
            .await
            .unwrap();
        self.service
            .execute(
                &ctx(bank, None, closed_at),
                Close {
                    customer_guid: guid,
                    draft: CloseDraft {
                        reason: Some("customer_request".into()),
                        message: None,
                    },
                },
            )
            .await
            .unwrap();
        guid
    }

    async fn touch(&self, bank: BankGuid, guid: CustomerGuid, at: DateTime<Utc>) {
        self.service
            .execute(
                &ctx(bank, None, at),
                PatchCustomer::Details {
                    customer_guid: guid,
                    draft: CustomerDraft {
                        labels: Some(vec!["touched".into()]),
                        ..CustomerDraft::default()
                    },
                },
            )
            .await
            .unwrap();
    }

    async fn hold(&self, bank: BankGuid, guid: CustomerGuid, at: DateTime<Utc>) {
        self.service
            .execute(
                &ctx(bank, None, at),
                SetLegalHold {
                    customer_guid: guid,
                    draft: LegalHoldDraft {
                        on: Some(true),
                        reason: Some("litigation".into()),
                    },
                },
            )
            .await
            .unwrap();
    }

    /// Projects until the view holds every committed event.
    async fn project(&self) {
        crate::support::project_all(&self.db.pool).await;
    }

    async fn sweep(&self, now: DateTime<Utc>, dry_run: bool) -> SweepReport {
        self.project().await;
        let report = self.sweeper.sweep(now, 1_000, dry_run).await.unwrap();
        self.project().await;
        report
    }

    async fn events(&self) -> i64 {
        sqlx::query_scalar("SELECT count(*) FROM events")
            .fetch_one(&self.db.pool)
            .await
            .unwrap()
    }

    async fn state(&self, guid: CustomerGuid) -> (String, bool, String) {
        sqlx::query_as(
            "SELECT state, erased, record->'closure'->>'reason' FROM customer_views WHERE customer_guid = $1",
        )
        .bind(guid.to_string())
        .fetch_one(&self.db.pool)
        .await
        .map(|(state, erased, reason): (String, bool, Option<String>)| {
            (state, erased, reason.unwrap_or_default())
        })
        .unwrap()
    }
}

fn erased(report: &SweepReport) -> Vec<CustomerGuid> {
    report.erased.iter().map(|e| e.customer_guid).collect()
}

fn closed(report: &SweepReport) -> Vec<CustomerGuid> {
    report
        .closed_dormant
        .iter()
        .map(|c| c.customer_guid)
        .collect()
}

#[tokio::test]
async fn a_closed_customer_is_erased_when_its_period_ends_and_not_a_second_before() {
    let f = fixture().await;
    let bank = bank();
    let closed_at = t0();
    let guid = f.closed(bank, closed_at).await;
    let until = after(closed_at, RETENTION);

    let early = f.sweep(until - TimeDelta::seconds(1), false).await;
    assert!(early.erased.is_empty(), "{early:?}");
    assert!(!f.state(guid).await.1);

    let due = f.sweep(until, false).await;
    assert_eq!(erased(&due), vec![guid]);
    assert_eq!(due.erased[0].retention_until, until);
    assert_eq!(due.erased[0].bank_guid, bank);
    assert!(due.failed.is_empty() && due.refused == 0, "{due:?}");
    assert!(f.state(guid).await.1);
    // The erasure is a real command: actor, source and reason are on the event.
    let (actor, source, reason): (String, String, String) = sqlx::query_as(
        "SELECT metadata->>'actor', metadata->>'source', payload->'CustomerErased'->>'reason'
           FROM events WHERE aggregate_id = $1 AND event_type = 'CustomerErased'",
    )
    .bind(guid.to_string())
    .fetch_one(&f.db.pool)
    .await
    .unwrap();
    assert_eq!(
        (actor.as_str(), source.as_str(), reason.as_str()),
        (
            "system:retention-sweeper",
            "system",
            "retention period ended"
        )
    );

    let again = f.sweep(after(until, RETENTION), false).await;
    assert_eq!(again, SweepReport::default(), "a re-run finds nothing");
}

#[tokio::test]
async fn a_customer_under_legal_hold_is_skipped_and_counted() {
    let f = fixture().await;
    let bank = bank();
    let held = f.closed(bank, t0()).await;
    f.hold(bank, held, t0() + TimeDelta::days(1)).await;
    let free = f.closed(bank, t0()).await;

    let report = f.sweep(after(t0(), RETENTION * 2), false).await;
    assert_eq!(erased(&report), vec![free]);
    assert_eq!(report.skipped_legal_hold, 1);
    assert!(!f.state(held).await.1);
}

#[tokio::test]
async fn an_idle_application_is_closed_as_dormant_and_an_active_one_is_not() {
    let f = fixture().await;
    let bank = bank();
    let idle = f.create(bank, t0()).await;
    let active = f.create(bank, t0()).await;
    f.touch(bank, active, t0() + TimeDelta::days(5)).await;
    let now = after(t0(), DORMANT_AFTER);

    let report = f.sweep(now, false).await;
    assert_eq!(closed(&report), vec![idle]);
    assert_eq!(report.closed_dormant[0].last_activity, t0());
    assert_eq!(
        f.state(idle).await,
        ("closed".to_owned(), false, "dormant".to_owned())
    );
    assert_eq!(f.state(active).await.0, "unverified");

    // Never submitted anything: no record-keeping duty, but the sweep erases only after the
    // retention period of its close (the conservative bound), as a retention clock.
    let later = f.sweep(after(now, RETENTION), false).await;
    assert_eq!(erased(&later), vec![idle]);
    assert_eq!(closed(&later), vec![active]);
}

#[tokio::test]
async fn a_dry_run_changes_nothing_and_lists_what_the_real_run_does() {
    let f = fixture().await;
    let bank = bank();
    let old = f.closed(bank, t0()).await;
    let idle = f.create(bank, t0()).await;
    let now = after(t0(), RETENTION);
    f.project().await;
    let events = f.events().await;

    let dry = f.sweep(now, true).await;
    assert!(dry.dry_run);
    assert_eq!(f.events().await, events, "a dry run writes nothing");
    assert_eq!(erased(&dry), vec![old]);
    assert_eq!(closed(&dry), vec![idle]);
    assert_eq!(f.sweep(now, true).await, dry, "and can be repeated");

    let real = f.sweep(now, false).await;
    assert_eq!(real.erased, dry.erased);
    assert_eq!(real.closed_dormant, dry.closed_dormant);
    assert!(!real.dry_run);

    let again = f.sweep(now, false).await;
    assert!(
        again.erased.is_empty() && again.closed_dormant.is_empty() && again.refused == 0,
        "{again:?}"
    );
}

#[tokio::test]
async fn a_stale_projection_makes_the_domain_refuse_not_fail() {
    let f = fixture().await;
    let bank = bank();
    let guid = f.closed(bank, t0()).await;
    let now = after(t0(), RETENTION);
    f.project().await;
    // Two sweeps before the projector writes the first one's erasure: the second finds the
    // customer again and the domain refuses; nothing fails, nothing is written.
    let first = f.sweeper.sweep(now, 100, false).await.unwrap();
    assert_eq!(erased(&first), vec![guid]);
    let events = f.events().await;
    let second = f.sweeper.sweep(now, 100, false).await.unwrap();
    assert!(
        second.erased.is_empty() && second.failed.is_empty(),
        "{second:?}"
    );
    assert_eq!(second.refused, 1);
    assert_eq!(f.events().await, events);
}

#[tokio::test]
async fn each_tenant_is_judged_by_its_own_period() {
    let long = bank();
    let short = bank();
    let json =
        format!(r#"{{"tenants": {{"{long}": {{"retention": "60d", "dormant_after": "40d"}}}}}}"#);
    let policies =
        TenantPolicies::from_json(TenantPolicy::new(RETENTION, DORMANT_AFTER), &json).unwrap();
    let f = fixture_with(fresh_database().await, policies);
    let kept = f.closed(long, t0()).await;
    let gone = f.closed(short, t0()).await;
    let kept_idle = f.create(long, t0()).await;
    let gone_idle = f.create(short, t0()).await;

    // Day 30: the default tenant's periods have ended, the long one's have not.
    let report = f.sweep(after(t0(), RETENTION), false).await;
    assert_eq!(erased(&report), vec![gone]);
    assert_eq!(closed(&report), vec![gone_idle]);
    assert_eq!(report.not_yet_due, 2, "{report:?}");

    // Day 60: the long tenant's too (and the dormant close of day 30 has run its period).
    let report = f
        .sweep(after(t0(), Duration::from_secs(60 * DAY)), false)
        .await;
    let mut got = erased(&report);
    got.sort();
    let mut want = vec![kept, gone_idle];
    want.sort();
    assert_eq!(got, want);
    assert_eq!(closed(&report), vec![kept_idle]);
}

#[tokio::test]
async fn a_dormant_close_checks_dormancy_again_in_its_transaction() {
    let f = fixture().await;
    let bank = bank();
    let guid = f.create(bank, t0()).await;
    f.project().await;
    // A command the projection has not seen yet: the candidate looks dormant, is not.
    f.touch(bank, guid, t0() + TimeDelta::days(9)).await;
    let report = f
        .sweeper
        .sweep(after(t0(), DORMANT_AFTER), 100, false)
        .await
        .unwrap();
    assert!(report.closed_dormant.is_empty(), "{report:?}");
    assert_eq!((report.refused, report.failed.len()), (1, 0));
    f.project().await;
    assert_eq!(f.state(guid).await.0, "unverified");
}
