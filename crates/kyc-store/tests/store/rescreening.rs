//! Re-screening the book after a list changes (issue #14), against PostgreSQL: customers
//! whose projection is current are screened in memory and touched only when their matches
//! change; a customer whose projection lags its log goes through the command service. Every
//! name here is fictional.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use kyc_app::commands::{Create, PatchCustomer};
use kyc_app::screening::{rescreen_all, ListSnapshot, OpenCustomers, ScreeningLists};
use kyc_app::{CommandService, RetryPolicy};
use kyc_domain::customer::{CustomerDraft, ListVersionRef};
use kyc_domain::ids::{BankGuid, CustomerGuid};
use kyc_domain::values::NameDraft;
use kyc_screening::{EntityKind, EntryName, EntryTopic, ListEntry, NameStrength, PartialDate};
use kyc_store::PgCustomerStore;
use kyc_testkit::{fresh_database, TestDatabase};

use crate::support::{bank, ctx, individual};

fn sanctioned(id: &str, name: &str, born: i32) -> ListEntry {
    ListEntry {
        entry_id: id.to_owned(),
        kind: EntityKind::Person,
        topics: vec![EntryTopic::Sanctions],
        names: vec![EntryName {
            full: name.to_owned(),
            strength: NameStrength::Primary,
        }],
        birth_dates: vec![PartialDate {
            year: born,
            month: None,
            day: None,
        }],
        birth_places: Vec::new(),
        countries: Vec::new(),
        identifiers: Vec::new(),
        programs: vec!["TEST".to_owned()],
    }
}

fn snapshot(version: i64, entries: Vec<ListEntry>) -> ListSnapshot {
    ListSnapshot::build(vec![(
        ListVersionRef {
            list: "ofac_sdn".into(),
            version,
        },
        entries,
    )])
}

struct Fixture {
    db: TestDatabase,
    bank: BankGuid,
    store: Arc<PgCustomerStore>,
    lists: ScreeningLists,
    service: CommandService<PgCustomerStore>,
}

impl Fixture {
    async fn new(lists: ListSnapshot) -> Self {
        let db = fresh_database().await;
        let store = Arc::new(PgCustomerStore::new(
            db.pool.clone(),
            kyc_testkit::keys::test_keys(),
        ));
        let lists = ScreeningLists::new(lists);
        let service = CommandService::new(Arc::clone(&store), RetryPolicy::default())
            .with_screening_lists(lists.clone());
        Self {
            db,
            bank: bank(),
            store,
            lists,
            service,
        }
    }

    async fn create(&self, first: &str, last: &str, born: &str) -> CustomerGuid {
        self.create_at(first, last, born, Utc::now()).await
    }

    async fn create_at(
        &self,
        first: &str,
        last: &str,
        born: &str,
        when: DateTime<Utc>,
    ) -> CustomerGuid {
        let mut draft = individual();
        draft.name = Some(NameDraft {
            first: Some(first.into()),
            last: Some(last.into()),
            ..NameDraft::default()
        });
        draft.date_of_birth = Some(born.into());
        let created = self
            .service
            .execute(&ctx(self.bank, None, when), Create { draft })
            .await
            .unwrap();
        CustomerGuid::parse(&created.customer.guid).unwrap()
    }

    async fn rename(&self, guid: CustomerGuid, first: &str, last: &str) {
        let draft = CustomerDraft {
            name: Some(NameDraft {
                first: Some(first.into()),
                last: Some(last.into()),
                ..NameDraft::default()
            }),
            ..CustomerDraft::default()
        };
        self.service
            .execute(
                &ctx(self.bank, None, Utc::now()),
                PatchCustomer::Details {
                    customer_guid: guid,
                    draft,
                },
            )
            .await
            .unwrap();
    }

    /// Projects until the view holds every committed event.
    async fn project(&self) {
        crate::support::project_all(&self.db.pool).await;
    }

    async fn screenings_of(&self, guid: CustomerGuid) -> i64 {
        sqlx::query_scalar(
            "SELECT count(*) FROM events WHERE aggregate_id = $1 AND event_type = 'ScreeningCompleted'",
        )
        .bind(guid.to_string())
        .fetch_one(&self.db.pool)
        .await
        .unwrap()
    }
}

fn at(raw: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(raw)
        .unwrap()
        .with_timezone(&Utc)
}

#[tokio::test]
async fn open_customers_come_with_their_fold_only_while_no_event_follows_it() {
    let fx = Fixture::new(snapshot(1, vec![sanctioned("1", "Haldor Venskaya", 1966)])).await;
    let projected = fx.create("Ada", "Lovelace", "1990-04-21").await;
    let lagging = fx.create("Piotr", "Ansgarsson", "1981-02-11").await;
    fx.project().await;
    fx.rename(lagging, "Piotr", "Ansgar").await;

    let open = fx.store.open_customers(None, 10).await.unwrap();
    assert_eq!(open.len(), 2);
    for customer in &open {
        assert_eq!(customer.bank_guid, fx.bank);
        if customer.customer_guid == projected {
            let stored = customer.stored.as_ref().expect("a current fold");
            let record = stored.record().unwrap();
            assert_eq!(record.guid, projected);
            assert!(record.screening.latest.is_some(), "screened on create");
        } else {
            assert_eq!(customer.customer_guid, lagging);
            assert!(customer.stored.is_none(), "an event follows its fold");
        }
    }
    // Paging by guid.
    let first = fx.store.open_customers(None, 1).await.unwrap();
    let rest = fx
        .store
        .open_customers(Some(first[0].customer_guid), 10)
        .await
        .unwrap();
    assert_eq!(rest.len(), 1);
    assert!(rest[0].customer_guid > first[0].customer_guid);
}

#[tokio::test]
async fn a_new_list_version_touches_only_customers_whose_matches_change() {
    let haldor = sanctioned("1", "Haldor Venskaya", 1966);
    let fx = Fixture::new(snapshot(1, vec![haldor.clone()])).await;
    let listed = fx.create("Haldor", "Venskaya", "1966-04-02").await;
    let unchanged = fx.create("Ada", "Lovelace", "1990-04-21").await;
    let newly_listed = fx.create("Mireille", "Ostrava", "1979-09-30").await;
    let lagging = fx.create("Piotr", "Ansgarsson", "1981-02-11").await;
    fx.project().await;
    // Renamed after the projection read it: the re-screening must see the new name, which
    // the next version lists.
    fx.rename(lagging, "Oskar", "Brandvold").await;
    for guid in [listed, unchanged, newly_listed] {
        assert_eq!(fx.screenings_of(guid).await, 1, "screened on create");
    }
    assert_eq!(
        fx.screenings_of(lagging).await,
        2,
        "screened on create and rename"
    );

    // Version 2 keeps Haldor's entry as it was and adds two people.
    fx.lists.replace(snapshot(
        2,
        vec![
            haldor,
            sanctioned("2", "Mireille Ostrava", 1979),
            sanctioned("3", "Oskar Brandvold", 1981),
        ],
    ));
    let now = at("2026-12-03T09:00:00Z");
    let report = rescreen_all(&fx.service, fx.store.as_ref(), now, |_| {})
        .await
        .unwrap();

    assert_eq!(report.screened, 4, "{report:?}");
    assert_eq!(report.recorded, 2, "the two new matches: {report:?}");
    assert_eq!(report.alerted, 2, "{report:?}");
    assert_eq!((report.refused, report.failed), (0, 0), "{report:?}");
    // Haldor's match id covers the unchanged entry, so nothing was appended to him.
    assert_eq!(fx.screenings_of(listed).await, 1);
    assert_eq!(fx.screenings_of(unchanged).await, 1);
    assert_eq!(fx.screenings_of(newly_listed).await, 2);
    assert_eq!(
        fx.screenings_of(lagging).await,
        3,
        "its new name matches now"
    );

    // Again: nothing changes, and nothing is written.
    fx.project().await;
    let events: i64 = sqlx::query_scalar("SELECT count(*) FROM events")
        .fetch_one(&fx.db.pool)
        .await
        .unwrap();
    let again = rescreen_all(&fx.service, fx.store.as_ref(), now, |_| {})
        .await
        .unwrap();
    assert_eq!((again.screened, again.recorded), (4, 0), "{again:?}");
    let after: i64 = sqlx::query_scalar("SELECT count(*) FROM events")
        .fetch_one(&fx.db.pool)
        .await
        .unwrap();
    assert_eq!(after, events);
}

#[tokio::test]
async fn a_follow_up_pass_screens_only_customers_screened_since_the_import_began() {
    let fx = Fixture::new(snapshot(1, Vec::new())).await;
    let before = fx
        .create_at(
            "Mireille",
            "Ostrava",
            "1979-09-30",
            at("2026-12-01T10:00:00Z"),
        )
        .await;
    let during = fx
        .create_at(
            "Oskar",
            "Brandvold",
            "1981-02-11",
            at("2026-12-02T10:00:00Z"),
        )
        .await;
    fx.project().await;
    fx.lists.replace(snapshot(
        2,
        vec![
            sanctioned("2", "Mireille Ostrava", 1979),
            sanctioned("3", "Oskar Brandvold", 1981),
        ],
    ));
    let report = kyc_app::screening::rescreen_screened_since(
        &fx.service,
        fx.store.as_ref(),
        at("2026-12-02T12:00:00Z"),
        at("2026-12-02T00:00:00Z"),
        |_| {},
    )
    .await
    .unwrap();
    assert_eq!(
        (report.screened, report.recorded, report.skipped),
        (1, 1, 1),
        "{report:?}"
    );
    assert_eq!(
        fx.screenings_of(before).await,
        1,
        "left to the import's own pass"
    );
    assert_eq!(fx.screenings_of(during).await, 2);
}
