//! The operator queues' clear columns (migrations/0015): they follow the events as the
//! projector writes them, a replay rebuilds them identically, and the migration's backfill of
//! rows written before it gives the same values.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{DateTime, SubsecRound, Utc};
use kyc_app::commands::{
    AddAssociate, Approve, Create, Freeze, ReviewDocument, SubmitDocument, Unfreeze,
};
use kyc_app::ports::CustomerStore;
use kyc_app::{CommandService, Principal, RequestContext, RetryPolicy};
use kyc_domain::customer::{ApproveDraft, CustomerDraft, DocumentDraft, FreezeDraft, ReviewDraft};
use kyc_domain::ids::{BankGuid, CustomerGuid, DocumentGuid};
use kyc_domain::values::{AddressDraft, AssociateDraft, NameDraft, PepDraft};
use kyc_domain::Customer;
use kyc_store::PgCustomerStore;
use kyc_testkit::fresh_database;
use sqlx::PgPool;

use crate::customer_views::wait_and_project;
use crate::support::{bank, business, ctx, individual, pdf};

type Service = CommandService<PgCustomerStore>;

/// `customer_views`' queue columns: guid → (risk level, awaiting since, first approver).
type CustomerColumns = BTreeMap<String, (Option<String>, Option<DateTime<Utc>>, Option<String>)>;
/// One row of [`CustomerColumns`], as selected.
type CustomerRow = (
    String,
    Option<String>,
    Option<DateTime<Utc>>,
    Option<String>,
);
/// `document_views`' queue columns: guid → (customer, status, associate, awaiting review).
type DocumentColumns = BTreeMap<String, (String, String, Option<String>, bool)>;

async fn customer_columns(pool: &PgPool) -> CustomerColumns {
    let rows: Vec<CustomerRow> = sqlx::query_as(
        "SELECT customer_guid, risk_level, awaiting_second_approval_since, first_approver
           FROM customer_views",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    rows.into_iter()
        .map(|(guid, level, since, approver)| (guid, (level, since, approver)))
        .collect()
}

async fn document_columns(pool: &PgPool) -> DocumentColumns {
    let rows: Vec<(String, String, String, Option<String>, bool)> = sqlx::query_as(
        "SELECT document_guid, customer_guid, status, associate_guid, awaiting_review
           FROM document_views",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    rows.into_iter()
        .map(|(guid, customer, status, associate, awaiting)| {
            (guid, (customer, status, associate, awaiting))
        })
        .collect()
}

/// `document_views.expires_on`: guid → the last valid day while the document is watched.
async fn expiry_columns(pool: &PgPool) -> BTreeMap<String, Option<chrono::NaiveDate>> {
    sqlx::query_as("SELECT document_guid, expires_on FROM document_views")
        .fetch_all(pool)
        .await
        .unwrap()
        .into_iter()
        .collect()
}

/// Asserts that every row's queue columns are what `kyc_app::operator_queues` says of a fresh
/// fold of the customer's events.
pub(crate) async fn assert_columns_equal_folds(pool: &PgPool) {
    let store = PgCustomerStore::new(pool.clone(), kyc_testkit::keys::test_keys());
    let customers = customer_columns(pool).await;
    let documents = document_columns(pool).await;
    let expiries = expiry_columns(pool).await;
    assert!(!customers.is_empty());
    for (guid, columns) in &customers {
        let events = store
            .load(CustomerGuid::parse(guid).unwrap(), None)
            .await
            .unwrap();
        let customer = Customer::from_events(events.iter().map(|r| &r.event));
        let record = customer.record().unwrap();
        let approval = kyc_app::operator_queues::awaiting_second_approval(record);
        assert_eq!(
            columns,
            &(
                record.risk.as_ref().map(|r| r.level.as_str().to_owned()),
                approval.map(|a| a.at.trunc_subsecs(6)),
                approval.map(|a| a.approver.as_str().to_owned()),
            ),
            "{guid}"
        );
        for document in record.documents.values() {
            let (customer, _, associate, awaiting) = &documents[&document.guid.to_string()];
            assert_eq!(customer, guid);
            assert_eq!(
                associate,
                &document.associate_guid.map(|a| a.to_string()),
                "{guid}"
            );
            assert_eq!(
                *awaiting,
                kyc_app::operator_queues::awaits_review(record, document),
                "{guid}, document {}",
                document.guid
            );
            assert_eq!(
                expiries[&document.guid.to_string()],
                kyc_app::operator_queues::document_expiry(record, document),
                "{guid}, document {}",
                document.guid
            );
        }
    }
}

/// A caller of `bank` acting as `actor`, with the scopes of [`ctx`]'s.
fn as_actor(actor: &str, bank: BankGuid) -> RequestContext {
    RequestContext {
        principal: Principal::new(
            actor,
            bank,
            "customers:read customers:write customers:review customers:freeze",
        ),
        ..ctx(bank, None, Utc::now())
    }
}

/// A PEP living in Bulgaria, whose tax and passport numbers are its own: high risk, four eyes.
fn pep() -> CustomerDraft {
    let digits = uuid::Uuid::now_v7().as_u128() % 1_000_000_000;
    let mut draft = individual();
    draft.pep = Some(PepDraft {
        is_pep: Some(true),
        explanation: Some("Deputy minister of finance".into()),
    });
    if let Some(address) = draft.address.as_mut() {
        address.country_code = Some("BG".into());
    }
    if let Some(tax) = draft.tax_identification.as_mut() {
        tax.number = Some(format!("{digits:09}"));
    }
    for number in draft.identification_numbers.iter_mut().flatten() {
        number.identification_number = Some(format!("P{digits:09}"));
    }
    draft
}

async fn create(service: &Service, bank: BankGuid, draft: CustomerDraft) -> CustomerGuid {
    let created = service
        .execute(&ctx(bank, None, Utc::now()), Create { draft })
        .await
        .unwrap();
    CustomerGuid::parse(&created.customer.guid).unwrap()
}

/// Submits a document and returns its guid (the newest: ids are UUID v7).
async fn submit(
    service: &Service,
    bank: BankGuid,
    guid: CustomerGuid,
    kind: &str,
    associate_guid: Option<String>,
) -> DocumentGuid {
    let submitted = service
        .execute(
            &ctx(bank, None, Utc::now()),
            SubmitDocument {
                customer_guid: guid,
                draft: DocumentDraft {
                    kind: Some(kind.into()),
                    associate_guid,
                    file_name: Some("private-name.pdf".into()),
                    // Passports expire (the falling-due queue's column follows it).
                    expires_on: (kind == "passport").then(|| "2031-05-31".into()),
                    ..DocumentDraft::default()
                },
                content: pdf(fastrand::usize(..)),
            },
        )
        .await
        .unwrap();
    let newest = submitted.customer.documents.last().unwrap();
    DocumentGuid::parse(&newest.guid).unwrap()
}

async fn accept(service: &Service, bank: BankGuid, guid: CustomerGuid, document: DocumentGuid) {
    service
        .execute(
            &as_actor("reviewer-ruth", bank),
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

#[tokio::test]
#[allow(clippy::too_many_lines)] // One history, checked after each step.
async fn queue_columns_follow_the_events_and_a_replay_or_the_backfill_rebuilds_them() {
    let db = fresh_database().await;
    let pool = &db.pool;
    let store = Arc::new(PgCustomerStore::new(
        pool.clone(),
        kyc_testkit::keys::test_keys(),
    ));
    let service = CommandService::new(Arc::clone(&store), RetryPolicy::default());
    let bank = bank();

    // A high-risk customer's documents are in the review queue until reviewed.
    let pep = create(&service, bank, pep()).await;
    let mut documents = Vec::new();
    for kind in [
        "passport",
        "liveness_report",
        "source_of_funds",
        "proof_of_address",
    ] {
        documents.push(submit(&service, bank, pep, kind, None).await);
    }
    wait_and_project(pool).await;
    let customers = customer_columns(pool).await;
    assert_eq!(
        customers[&pep.to_string()],
        (Some("high".into()), None, None)
    );
    let rows = document_columns(pool).await;
    assert!(documents
        .iter()
        .all(|d| rows[&d.to_string()] == (pep.to_string(), "pending".into(), None, true)));
    for document in &documents {
        accept(&service, bank, pep, *document).await;
    }

    // Its first approval puts it in the second-approval queue, naming the approver.
    let approved = service
        .execute(
            &as_actor("alice", bank),
            Approve {
                customer_guid: pep,
                draft: ApproveDraft {
                    note: Some("source of funds checked".into()),
                },
            },
        )
        .await
        .unwrap();
    let approved_at = approved.customer.approvals[0].approved_at;
    wait_and_project(pool).await;
    assert_eq!(
        customer_columns(pool).await[&pep.to_string()],
        (
            Some("high".into()),
            Some(approved_at.trunc_subsecs(6)),
            Some("alice".into())
        )
    );
    assert!(document_columns(pool)
        .await
        .values()
        .all(|(_, status, _, awaiting)| status == "accepted" && !awaiting));
    // Accepted, the passport's expiry is watched; the others have none.
    let expiries = expiry_columns(pool).await;
    assert_eq!(
        expiries[&documents[0].to_string()],
        chrono::NaiveDate::from_ymd_opt(2031, 5, 31)
    );
    assert!(documents[1..]
        .iter()
        .all(|d| expiries[&d.to_string()].is_none()));

    // A business's associate document; frozen, its documents leave the review queue.
    let acme = create(&service, bank, business()).await;
    let added = service
        .execute(
            &ctx(bank, None, Utc::now()),
            AddAssociate {
                customer_guid: acme,
                draft: AssociateDraft {
                    name: Some(NameDraft {
                        first: Some("Grace".into()),
                        last: Some("Hopper".into()),
                        ..NameDraft::default()
                    }),
                    date_of_birth: Some("1970-12-09".into()),
                    address: Some(AddressDraft {
                        street: Some("1 Main St".into()),
                        city: Some("Springfield".into()),
                        country_code: Some("US".into()),
                        ..AddressDraft::default()
                    }),
                    ownership_percentage: Some(30.0),
                    roles: Some(vec!["owner".into()]),
                    ..AssociateDraft::default()
                },
            },
        )
        .await
        .unwrap();
    let owner = added.customer.associates[0].guid.clone();
    let owners_passport = submit(&service, bank, acme, "passport", Some(owner.clone())).await;
    let certificate = submit(&service, bank, acme, "incorporation_certificate", None).await;
    service
        .execute(
            &ctx(bank, None, Utc::now()),
            Freeze {
                customer_guid: acme,
                draft: FreezeDraft {
                    reason: Some("Fraud alert".into()),
                },
            },
        )
        .await
        .unwrap();
    wait_and_project(pool).await;
    let rows = document_columns(pool).await;
    assert_eq!(
        rows[&owners_passport.to_string()],
        (
            acme.to_string(),
            "pending".into(),
            Some(owner.clone()),
            false
        )
    );
    assert!(!rows[&certificate.to_string()].3);
    service
        .execute(
            &ctx(bank, None, Utc::now()),
            Unfreeze {
                customer_guid: acme,
            },
        )
        .await
        .unwrap();
    wait_and_project(pool).await;
    let rows = document_columns(pool).await;
    assert!(rows[&owners_passport.to_string()].3 && rows[&certificate.to_string()].3);
    assert_columns_equal_folds(pool).await;

    // A replay rebuilds the same columns from the log.
    let (customers, documents) = (customer_columns(pool).await, document_columns(pool).await);
    let expiries = expiry_columns(pool).await;
    let options: sqlx::postgres::PgConnectOptions = db.url.parse().unwrap();
    kyc_store::projector::rebuild::rebuild(
        pool,
        &kyc_testkit::keys::test_keys(),
        &options,
        true,
        |_| {},
    )
    .await
    .unwrap();
    assert_eq!(customer_columns(pool).await, customers);
    assert_eq!(document_columns(pool).await, documents);
    assert_eq!(expiry_columns(pool).await, expiries);

    // Rows written before migration 0015 get the same values from its backfill, which reads
    // only what the sealed record keeps in clear.
    sqlx::query(
        "UPDATE customer_views
            SET risk_level = NULL, awaiting_second_approval_since = NULL, first_approver = NULL",
    )
    .execute(pool)
    .await
    .unwrap();
    sqlx::query("UPDATE document_views SET associate_guid = NULL, awaiting_review = false")
        .execute(pool)
        .await
        .unwrap();
    let migration = include_str!("../../../../migrations/0015_queue_columns.sql");
    let backfill: Vec<String> = migration
        .split(';')
        .map(|statement| {
            statement
                .lines()
                .filter(|line| !line.trim_start().starts_with("--"))
                .collect::<Vec<_>>()
                .join("\n")
        })
        .filter(|statement| statement.trim_start().starts_with("UPDATE"))
        .collect();
    assert_eq!(backfill.len(), 2, "{migration}");
    for statement in &backfill {
        sqlx::query(statement).execute(pool).await.unwrap();
    }
    assert_eq!(customer_columns(pool).await, customers);
    assert_eq!(document_columns(pool).await, documents);

    // A change before verification voids the first approval: the customer leaves the queue,
    // the new document joins the review queue.
    let late = submit(&service, bank, pep, "proof_of_address", None).await;
    wait_and_project(pool).await;
    assert_eq!(
        customer_columns(pool).await[&pep.to_string()],
        (Some("high".into()), None, None)
    );
    assert!(document_columns(pool).await[&late.to_string()].3);
    assert_columns_equal_folds(pool).await;
}
