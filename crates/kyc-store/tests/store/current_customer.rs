//! `load_current`: the customer as it stands now, from the projection's stored fold plus the
//! events after it, equal to a fold of the whole stream whatever state the view is in (caught
//! up, lagging, missing, tampered with, unreadable), and a command that follows keeps the hash
//! chain intact.

use std::sync::Arc;

use chrono::Utc;
use kyc_app::chain::{expected_link, GENESIS_HASH};
use kyc_app::commands::{Create, PatchCustomer};
use kyc_app::ports::{CurrentCustomer, CustomerStore, CustomerTransaction};
use kyc_app::{CommandOutcome, CommandService, FailureKind, RetryPolicy, AGGREGATE_TYPE};
use kyc_domain::customer::CustomerDraft;
use kyc_domain::ids::{BankGuid, CustomerGuid};
use kyc_domain::values::EmailAddress;
use kyc_domain::Customer;
use kyc_log::{load_stream, read_checkpoint};
use kyc_store::projector::{project_until_caught_up, CUSTOMER_VIEWS};
use kyc_store::PgCustomerStore;
use kyc_testkit::fresh_database;
use kyc_testkit::locks::until_blocked;
use sqlx::PgPool;

use crate::support::{bank, ctx, individual};

type Service = CommandService<PgCustomerStore>;

struct Fixture {
    pool: PgPool,
    store: PgCustomerStore,
    service: Service,
    bank: BankGuid,
    guid: CustomerGuid,
}

/// A database with one customer of `events` events (a creation, then label changes).
async fn customer_with(events: usize) -> (kyc_testkit::TestDatabase, Fixture) {
    let db = fresh_database().await;
    let store = PgCustomerStore::new(db.pool.clone(), kyc_testkit::keys::test_keys());
    let service = CommandService::new(Arc::new(store.clone()), RetryPolicy::default());
    let bank = bank();
    let created = service
        .execute(
            &ctx(bank, None, Utc::now()),
            Create {
                draft: individual(),
            },
        )
        .await;
    assert!(created.is_ok(), "{created:?}");
    let guid = CustomerGuid::parse(&created.as_ref().unwrap().customer.guid).unwrap();
    let fixture = Fixture {
        pool: db.pool.clone(),
        store,
        service,
        bank,
        guid,
    };
    // The creation appends its risk rating too.
    fixture.relabel(events - 2, "setup").await;
    (db, fixture)
}

impl Fixture {
    /// `count` label changes, each one event.
    async fn relabel(&self, count: usize, prefix: &str) {
        for n in 0..count {
            let answer = self.update(self.bank, &format!("{prefix}{n}")).await;
            assert!(answer.is_ok(), "{answer:?}");
        }
    }

    async fn update(&self, bank: BankGuid, label: &str) -> CommandOutcome {
        self.service
            .execute(
                &ctx(bank, None, Utc::now()),
                PatchCustomer::Details {
                    customer_guid: self.guid,
                    draft: CustomerDraft {
                        labels: Some(vec![label.to_owned()]),
                        ..CustomerDraft::default()
                    },
                },
            )
            .await
    }

    /// Projects until the view holds every committed event.
    async fn project(&self) {
        let last: i64 = sqlx::query_scalar("SELECT coalesce(max(global_position), 0) FROM events")
            .fetch_one(&self.pool)
            .await
            .unwrap();
        for _ in 0..1000 {
            project_until_caught_up(
                &self.pool,
                &kyc_testkit::keys::test_keys(),
                CUSTOMER_VIEWS,
                500,
            )
            .await
            .unwrap();
            if read_checkpoint(&self.pool, CUSTOMER_VIEWS).await.unwrap() >= last {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        panic!("projection did not reach position {last}");
    }

    async fn view_sequence(&self) -> Option<i64> {
        sqlx::query_scalar("SELECT last_sequence FROM customer_views WHERE customer_guid = $1")
            .bind(self.guid.to_string())
            .fetch_optional(&self.pool)
            .await
            .unwrap()
    }

    async fn tamper(&self, set: &str) {
        let updated = sqlx::query(&format!(
            "UPDATE customer_views SET {set} WHERE customer_guid = $1"
        ))
        .bind(self.guid.to_string())
        .execute(&self.pool)
        .await
        .unwrap();
        assert_eq!(updated.rows_affected(), 1);
    }

    /// The customer folded from every event, the old way.
    async fn full_fold(&self) -> CurrentCustomer {
        let history = self.store.load(self.guid, None).await.unwrap();
        CurrentCustomer {
            customer: Customer::from_events(history.iter().map(|r| &r.event)),
            last_hash: history.last().map(|r| r.metadata.hash.clone()),
        }
    }

    /// Both ports (in a transaction and on the pool) answer exactly the full fold.
    async fn assert_loads_equal_full_fold(&self) -> CurrentCustomer {
        let expected = self.full_fold().await;
        let mut tx = self.store.begin().await.unwrap();
        assert_eq!(tx.load_current(self.guid).await.unwrap(), expected);
        drop(tx);
        assert_eq!(self.store.load_current(self.guid).await.unwrap(), expected);
        expected
    }

    /// A further command succeeds, appends one event and chains it onto the last one; the
    /// whole chain then verifies from the genesis hash.
    async fn assert_command_chains_on(&self) {
        let before = self.full_fold().await;
        let answer = self.update(self.bank, "after").await;
        assert!(answer.is_ok(), "{answer:?}");
        let after = self.full_fold().await;
        assert_eq!(after.customer.version(), before.customer.version() + 1);
        let stream = load_stream(&self.pool, AGGREGATE_TYPE, &self.guid.to_string())
            .await
            .unwrap();
        let mut previous = GENESIS_HASH.to_owned();
        for (expected_sequence, event) in (1_i64..).zip(&stream) {
            assert_eq!(event.sequence, expected_sequence);
            assert_eq!(
                event.metadata["chain"], 2,
                "event {expected_sequence} is v2"
            );
            let hash = expected_link(
                &previous,
                &event.event_type,
                &event.event_version,
                &event.payload,
                &event.metadata,
            )
            .unwrap();
            assert_eq!(
                event.metadata["hash"].as_str(),
                Some(hash.as_str()),
                "link of event {expected_sequence}"
            );
            previous = hash;
        }
        assert_eq!(after.last_hash.as_deref(), Some(previous.as_str()));
        assert_eq!(
            after
                .customer
                .record()
                .unwrap()
                .details
                .labels
                .as_ref()
                .map(|l| l.iter().map(ToString::to_string).collect::<Vec<_>>()),
            Some(vec!["after".to_owned()])
        );
    }
}

#[tokio::test]
async fn a_long_history_loads_from_the_caught_up_view_and_chains_on() {
    let (_db, f) = customer_with(300).await;
    f.project().await;
    assert_eq!(f.view_sequence().await, Some(300));
    let current = f.assert_loads_equal_full_fold().await;
    assert_eq!(current.customer.version(), 300);
    f.assert_command_chains_on().await;
}

#[tokio::test]
async fn the_view_is_where_the_load_starts() {
    let (_db, f) = customer_with(20).await;
    f.project().await;
    // A change the events do not explain, of a field that identifies nothing: only a load
    // that starts from the view can report it.
    f.tamper(r#"record = jsonb_set(record::jsonb, '{details,email_address}', '"view@example.com"')::json"#)
        .await;
    let mut tx = f.store.begin().await.unwrap();
    let current = tx.load_current(f.guid).await.unwrap();
    let email = current
        .customer
        .record()
        .unwrap()
        .details
        .email_address
        .as_ref();
    assert_eq!(email.map(EmailAddress::as_str), Some("view@example.com"));
    assert_eq!(current.last_hash, f.full_fold().await.last_hash);
}

#[tokio::test]
async fn a_lagging_view_gets_the_events_after_it() {
    let (_db, f) = customer_with(150).await;
    f.project().await;
    f.relabel(150, "late").await;
    assert_eq!(f.view_sequence().await, Some(150));
    let current = f.assert_loads_equal_full_fold().await;
    assert_eq!(current.customer.version(), 300);
    f.assert_command_chains_on().await;
}

#[tokio::test]
async fn without_a_view_the_whole_stream_is_folded() {
    let (_db, f) = customer_with(40).await;
    assert_eq!(f.view_sequence().await, None);
    f.assert_loads_equal_full_fold().await;
    f.assert_command_chains_on().await;

    // A brand-new customer: nothing at all.
    let mut tx = f.store.begin().await.unwrap();
    let new = tx.load_current(crate::support::customer()).await.unwrap();
    assert_eq!(new, CurrentCustomer::default());
    assert_eq!(new.previous_hash(), GENESIS_HASH);
}

#[tokio::test]
async fn a_view_of_another_tenant_is_not_trusted() {
    let (_db, f) = customer_with(30).await;
    f.project().await;
    let intruder = bank();
    f.tamper(&format!(
        "record = jsonb_set(record::jsonb, '{{bank_guid}}', '\"{intruder}\"')::json, bank_guid = '{intruder}'"
    ))
    .await;
    let current = f.assert_loads_equal_full_fold().await;
    assert_eq!(current.customer.record().unwrap().bank_guid, f.bank);
    // The tenant the row names sees no customer; the real one works on as before.
    let refused = f.update(intruder, "intruder").await;
    assert_eq!(
        refused.as_ref().unwrap_err().kind,
        FailureKind::NotFound,
        "{refused:?}"
    );
    f.assert_command_chains_on().await;
}

#[tokio::test]
async fn a_view_of_another_customer_is_not_trusted() {
    let (_db, f) = customer_with(10).await;
    let (_other_db, other) = customer_with(5).await;
    other.project().await;
    f.project().await;
    // Another customer's fold (from another database, so another guid) in this one's row.
    let foreign: serde_json::Value =
        sqlx::query_scalar("SELECT record FROM customer_views WHERE customer_guid = $1")
            .bind(other.guid.to_string())
            .fetch_one(&other.pool)
            .await
            .unwrap();
    sqlx::query(
        "UPDATE customer_views SET record = $2, last_sequence = 5 WHERE customer_guid = $1",
    )
    .bind(f.guid.to_string())
    .bind(&foreign)
    .execute(&f.pool)
    .await
    .unwrap();
    f.assert_loads_equal_full_fold().await;
    f.assert_command_chains_on().await;
}

#[tokio::test]
async fn an_unreadable_view_is_not_trusted() {
    let (_db, f) = customer_with(12).await;
    f.project().await;
    f.tamper(r#"record = '{"not": "a customer"}'"#).await;
    f.assert_loads_equal_full_fold().await;
    f.assert_command_chains_on().await;
    f.tamper("record = 'null'").await;
    f.assert_loads_equal_full_fold().await;
}

#[tokio::test]
async fn a_view_ahead_of_the_events_is_not_trusted() {
    let (_db, f) = customer_with(12).await;
    f.project().await;
    f.tamper("last_sequence = 1000").await;
    f.assert_loads_equal_full_fold().await;
    f.assert_command_chains_on().await;
}

#[tokio::test]
async fn a_hole_after_the_view_falls_back_to_the_whole_stream() {
    let (_db, f) = customer_with(12).await;
    f.project().await;
    // An event written past a missing sequence, by a writer outside kyc (the append guard
    // refuses gaps): a copy of the last event at sequence 14.
    sqlx::query(
        "INSERT INTO events (aggregate_type, aggregate_id, sequence, event_type, event_version,
                             payload, metadata)
         SELECT aggregate_type, aggregate_id, 14, event_type, event_version, payload, metadata
           FROM events
          WHERE aggregate_type = $1 AND aggregate_id = $2 AND sequence = 12",
    )
    .bind(AGGREGATE_TYPE)
    .bind(f.guid.to_string())
    .execute(&f.pool)
    .await
    .unwrap();
    f.assert_loads_equal_full_fold().await;
}

#[tokio::test]
async fn a_replay_swap_delays_commands_and_never_deadlocks_with_them() {
    use std::str::FromStr;
    use std::time::Duration;

    let (db, f) = customer_with(20).await;
    f.project().await;

    // A command that has read the view (and so holds ACCESS SHARE on it) ...
    let mut first = f.store.begin().await.unwrap();
    let current = first.load_current(f.guid).await.unwrap();
    // ... while a replay comes to its swap, which must wait for that command.
    let options = sqlx::postgres::PgConnectOptions::from_str(&db.url).unwrap();
    let replay = {
        let pool = f.pool.clone();
        tokio::spawn(async move {
            kyc_store::projector::rebuild::rebuild(
                &pool,
                &kyc_testkit::keys::test_keys(),
                &options,
                true,
                |_| {},
            )
            .await
        })
    };
    // The swap's `LOCK TABLE public.customer_views …` waits for the first command.
    until_blocked(&f.pool, "LOCK TABLE public.customer_views", 1).await;
    // A command that starts now queues behind the swap ...
    let second = {
        let service = f.service.clone();
        let (bank, guid) = (f.bank, f.guid);
        tokio::spawn(async move {
            service
                .execute(
                    &ctx(bank, None, Utc::now()),
                    PatchCustomer::Details {
                        customer_guid: guid,
                        draft: CustomerDraft {
                            labels: Some(vec!["second".to_owned()]),
                            ..CustomerDraft::default()
                        },
                    },
                )
                .await
        })
    };
    // It reads the view (load_view.sql) and waits for the swap's lock.
    until_blocked(&f.pool, "A customer's stored fold", 1).await;

    // ... and the first one finishes its work without waiting for the swap.
    let context = ctx(f.bank, Some("first"), Utc::now());
    let events = current
        .customer
        .decide(kyc_domain::CustomerCommand::UpdateDetails {
            draft: CustomerDraft {
                labels: Some(vec!["first".to_owned()]),
                ..CustomerDraft::default()
            },
            identity_matches: Vec::new(),
            at: context.received_at,
        })
        .unwrap();
    let stamped = kyc_app::commands::stamp(&context, &events);
    tokio::time::timeout(Duration::from_secs(5), async {
        first
            .append(f.guid, current.customer.version(), stamped)
            .await
            .unwrap();
        first
            .claim_idempotency("scope", "first", "fp", Utc::now())
            .await
            .unwrap();
        first.commit().await.unwrap();
    })
    .await
    .expect("a command that has read the view is never held up by a waiting swap");

    let rebuilt = tokio::time::timeout(Duration::from_secs(60), replay)
        .await
        .expect("the swap goes through once the command has committed");
    rebuilt.unwrap().unwrap();
    let answer = tokio::time::timeout(Duration::from_secs(10), second)
        .await
        .expect("the queued command goes on after the swap")
        .unwrap();
    assert!(answer.is_ok(), "{answer:?}");

    f.project().await;
    assert_eq!(f.view_sequence().await, Some(22));
    f.assert_loads_equal_full_fold().await;
    f.assert_command_chains_on().await;
}
