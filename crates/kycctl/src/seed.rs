//! `kycctl seed`: realistic synthetic onboarding histories, for demos and benchmarks.
//!
//! Each customer's commands are decided by the real aggregate and stamped with real metadata,
//! then appended (and linked into the hash chain by the store) in one transaction per customer
//! through the same store port the service uses — so seeded data passes `kycctl verify` and replays like live data,
//! but is written far faster than one HTTP request per command.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use anyhow::Context;
use kyc_app::commands::stamp;
use kyc_app::ports::{CustomerStore, CustomerTransaction};
use kyc_app::{Principal, RequestContext, Source};
use kyc_domain::customer::{
    ContentType, CustomerDraft, DocumentContent, DocumentDraft, FreezeDraft, RejectDraft,
    ReviewDraft, Sha256Digest,
};
use kyc_domain::ids::{AssociateGuid, BankGuid, CustomerGuid, DocumentGuid};
use kyc_domain::values::{AddressDraft, AssociateDraft, NameDraft, TaxIdentificationDraft};
use kyc_domain::{Customer, CustomerCommand, CustomerEvent};
use kyc_store::PgCustomerStore;

/// A tiny but valid PDF, stored as every seeded document's content.
const SEED_PDF: &[u8] =
    b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n";

const FIRST_NAMES: [&str; 12] = [
    "Ada", "Grace", "Alan", "Edsger", "Barbara", "Donald", "Frances", "Ken", "Radia", "Tim",
    "Margaret", "Leslie",
];
const LAST_NAMES: [&str; 12] = [
    "Lovelace",
    "Hopper",
    "Turing",
    "Dijkstra",
    "Liskov",
    "Knuth",
    "Allen",
    "Thompson",
    "Perlman",
    "Berners-Lee",
    "Hamilton",
    "Lamport",
];
const CITIES: [(&str, &str); 6] = [
    ("Berlin", "DE"),
    ("London", "GB"),
    ("New York", "US"),
    ("Paris", "FR"),
    ("Toronto", "CA"),
    ("Lisbon", "PT"),
];

/// What one `seed` run produced.
#[derive(Debug, Clone, Copy, Default, serde::Serialize)]
pub struct Seeded {
    /// Customers created.
    pub customers: u64,
    /// Events appended.
    pub events: u64,
}

struct Script {
    rng: fastrand::Rng,
    at: chrono::DateTime<chrono::Utc>,
}

impl Script {
    fn tick(&mut self) -> chrono::DateTime<chrono::Utc> {
        self.at += chrono::Duration::seconds(self.rng.i64(5..600));
        self.at
    }

    fn address(&mut self) -> AddressDraft {
        let (city, country) = CITIES[self.rng.usize(..CITIES.len())];
        AddressDraft {
            street: Some(format!("{} Market Street", self.rng.u32(1..999))),
            city: Some(city.into()),
            postal_code: Some(format!("{:05}", self.rng.u32(10000..99999))),
            country_code: Some(country.into()),
            ..AddressDraft::default()
        }
    }

    fn document(
        &mut self,
        kind: &str,
        associate: Option<AssociateGuid>,
    ) -> (DocumentGuid, CustomerCommand) {
        let guid = DocumentGuid::from_uuid(uuid::Uuid::now_v7());
        let at = self.tick();
        (
            guid,
            CustomerCommand::SubmitDocument {
                document_guid: guid,
                draft: DocumentDraft {
                    kind: Some(kind.into()),
                    associate_guid: associate.map(|a| a.to_string()),
                    file_name: Some(format!("{kind}.pdf")),
                    ..DocumentDraft::default()
                },
                content: DocumentContent {
                    content_type: ContentType::Pdf,
                    size_bytes: SEED_PDF.len() as u64,
                    sha256: Sha256Digest::parse(&kyc_app_sha256(SEED_PDF))
                        .unwrap_or_else(|_| unreachable!()),
                },
                at,
            },
        )
    }

    fn review(&mut self, document_guid: DocumentGuid, accept: bool) -> CustomerCommand {
        CustomerCommand::ReviewDocument {
            document_guid,
            draft: if accept {
                ReviewDraft {
                    decision: Some("accept".into()),
                    ..ReviewDraft::default()
                }
            } else {
                ReviewDraft {
                    decision: Some("reject".into()),
                    reason_code: Some(
                        ["unreadable", "expired", "incomplete"][self.rng.usize(..3)].into(),
                    ),
                    message: Some("Please upload a clear, complete, current document".into()),
                }
            },
            at: self.tick(),
        }
    }

    /// The commands of one customer's onboarding: a scenario script, read top to bottom.
    #[allow(clippy::too_many_lines)]
    fn customer(&mut self, guid: CustomerGuid, bank: BankGuid) -> Vec<CustomerCommand> {
        let business = self.rng.u8(..100) < 25;
        let mut commands = Vec::new();
        let first = FIRST_NAMES[self.rng.usize(..FIRST_NAMES.len())];
        let last = LAST_NAMES[self.rng.usize(..LAST_NAMES.len())];
        let address = self.address();
        let country = address.country_code.clone();
        let draft = if business {
            CustomerDraft {
                customer_type: Some("business".into()),
                name: Some(NameDraft {
                    full: Some(format!(
                        "{last} {} Ltd",
                        ["Payments", "Labs", "Trading", "Capital"][self.rng.usize(..4)]
                    )),
                    ..NameDraft::default()
                }),
                registration_number: Some(format!("HRB {}", self.rng.u32(10000..99999))),
                incorporation_date: Some(format!(
                    "{}-0{}-1{}",
                    self.rng.u32(1990..2022),
                    self.rng.u32(1..9),
                    self.rng.u32(0..9)
                )),
                website: Some(format!("https://{}.example", last.to_lowercase())),
                email_address: Some(format!("ops@{}.example", last.to_lowercase())),
                ..CustomerDraft::default()
            }
        } else {
            CustomerDraft {
                customer_type: Some("individual".into()),
                name: Some(NameDraft {
                    first: Some(first.into()),
                    last: Some(last.into()),
                    ..NameDraft::default()
                }),
                email_address: Some(format!(
                    "{}.{}{}@example.com",
                    first.to_lowercase(),
                    last.to_lowercase(),
                    self.rng.u32(1..9999)
                )),
                phone_number: Some(format!("+1415{:07}", self.rng.u32(0..9_999_999))),
                date_of_birth: Some(format!(
                    "{}-{:02}-{:02}",
                    self.rng.u32(1950..2003),
                    self.rng.u32(1..13),
                    self.rng.u32(1..29)
                )),
                labels: Some(vec![
                    ["retail", "premium", "referral"][self.rng.usize(..3)].into()
                ]),
                ..CustomerDraft::default()
            }
        };
        let at = self.tick();
        commands.push(CustomerCommand::Create {
            customer_guid: guid,
            bank_guid: bank,
            draft,
            identity_matches: Vec::new(),
            at,
        });
        // Address and tax identification arrive in a second step, as with most onboarding UIs.
        commands.push(CustomerCommand::UpdateDetails {
            draft: CustomerDraft {
                address: Some(address),
                tax_identification: Some(TaxIdentificationDraft {
                    number: Some(format!("{}", self.rng.u64(100_000_000..999_999_999))),
                    kind: Some(if business { "vat" } else { "tin" }.into()),
                    country_code: country,
                    description: None,
                }),
                ..CustomerDraft::default()
            },
            identity_matches: Vec::new(),
            at: self.tick(),
        });
        let mut kinds: Vec<(&str, Option<AssociateGuid>)> = Vec::new();
        if business {
            let associate = AssociateGuid::from_uuid(uuid::Uuid::now_v7());
            let associate_address = self.address();
            commands.push(CustomerCommand::AddAssociate {
                associate_guid: associate,
                draft: AssociateDraft {
                    name: Some(NameDraft {
                        first: Some(first.into()),
                        last: Some(last.into()),
                        ..NameDraft::default()
                    }),
                    date_of_birth: Some(format!("{}-05-17", self.rng.u32(1950..1995))),
                    address: Some(associate_address),
                    email_address: None,
                    ownership_percentage: Some(f64::from(self.rng.u32(25..100))),
                    roles: Some(vec!["owner".into(), "control_person".into()]),
                    ..AssociateDraft::default()
                },
                at: self.tick(),
            });
            kinds.extend([
                ("incorporation_certificate", None),
                ("proof_of_address", None),
                ("ownership_structure", None),
                ("passport", Some(associate)),
            ]);
        } else {
            kinds.extend([
                (
                    ["passport", "drivers_license", "national_id"][self.rng.usize(..3)],
                    None,
                ),
                ("liveness_report", None),
            ]);
        }
        let outcome = self.rng.u8(..100);
        let mut all_accepted = true;
        for (kind, associate) in kinds {
            let (document, submit) = self.document(kind, associate);
            commands.push(submit);
            if outcome < 10 {
                continue; // still waiting for review
            }
            // One document in eight is rejected first and resubmitted.
            if self.rng.u8(..8) == 0 {
                commands.push(self.review(document, false));
                let (again, resubmit) = self.document(kind, associate);
                commands.push(resubmit);
                commands.push(self.review(again, true));
            } else {
                commands.push(self.review(document, true));
            }
        }
        if outcome < 10 {
            all_accepted = false;
        }
        if all_accepted {
            if outcome < 85 {
                commands.push(CustomerCommand::Verify { at: self.tick() });
            } else {
                commands.push(CustomerCommand::Reject {
                    draft: RejectDraft {
                        reason_codes: Some(vec![[
                            "sanctions_match",
                            "fraud_suspected",
                            "adverse_media",
                        ][self.rng.usize(..3)]
                        .into()]),
                        message: Some("Outside risk appetite".into()),
                        retryable: Some(self.rng.bool()),
                    },
                    at: self.tick(),
                });
            }
            if self.rng.u8(..100) < 5 {
                commands.push(CustomerCommand::Freeze {
                    draft: FreezeDraft {
                        reason: Some("Suspicious activity review".into()),
                    },
                    at: self.tick(),
                });
            }
        }
        commands
    }
}

fn kyc_app_sha256(bytes: &[u8]) -> String {
    use sha2::Digest as _;
    hex::encode(sha2::Sha256::digest(bytes))
}

/// Creates `customers` customers for tenant `bank`, `concurrency` at a time; `progress`
/// receives the number of customers done.
pub async fn seed(
    store: Arc<PgCustomerStore>,
    bank: BankGuid,
    customers: u64,
    concurrency: usize,
    progress: impl Fn(u64) + Send + Sync + 'static,
) -> anyhow::Result<Seeded> {
    let next = Arc::new(AtomicU64::new(0));
    let events = Arc::new(AtomicU64::new(0));
    let progress = Arc::new(progress);
    let mut workers = tokio::task::JoinSet::new();
    for worker in 0..concurrency.max(1) {
        let (store, next, events, progress) = (
            Arc::clone(&store),
            Arc::clone(&next),
            Arc::clone(&events),
            Arc::clone(&progress),
        );
        workers.spawn(async move {
            let mut script = Script {
                rng: fastrand::Rng::with_seed(worker as u64 + 1),
                at: chrono::Utc::now() - chrono::Duration::days(90),
            };
            loop {
                let n = next.fetch_add(1, Ordering::Relaxed);
                if n >= customers {
                    return Ok::<(), anyhow::Error>(());
                }
                let written = seed_customer(&store, &mut script, bank).await?;
                events.fetch_add(written, Ordering::Relaxed);
                progress(n + 1);
            }
        });
    }
    while let Some(result) = workers.join_next().await {
        result.context("a seed worker panicked")??;
    }
    Ok(Seeded {
        customers,
        events: events.load(Ordering::Relaxed),
    })
}

async fn seed_customer(
    store: &PgCustomerStore,
    script: &mut Script,
    bank: BankGuid,
) -> anyhow::Result<u64> {
    let guid = CustomerGuid::from_uuid(uuid::Uuid::now_v7());
    let mut customer = Customer::default();
    let mut stamped: Vec<(CustomerEvent, kyc_app::metadata::EventMetadata)> = Vec::new();
    let mut documents = Vec::new();
    for command in script.customer(guid, bank) {
        if let CustomerCommand::SubmitDocument { document_guid, .. } = &command {
            documents.push(*document_guid);
        }
        // Each command is its own request, received when its events happened.
        let ctx = RequestContext {
            principal: Principal::new("kycctl-seed", bank, ""),
            request_id: format!("seed-{}", uuid::Uuid::now_v7().simple()),
            idempotency_key: None,
            source: Source::Cli,
            received_at: command.at(),
            include_pii: false,
        };
        let decided = customer
            .decide(command)
            .map_err(|e| anyhow::anyhow!("seed script refused: {e}"))?;
        for event in &decided {
            customer.apply(event);
        }
        stamped.extend(stamp(&ctx, &decided));
    }
    let count = stamped.len() as u64;
    let mut tx = store.begin().await.map_err(|e| anyhow::anyhow!("{e}"))?;
    tx.append(guid, 0, stamped)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    for document in documents {
        tx.put_document(bank, guid, document, SEED_PDF, ContentType::Pdf)
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
    }
    tx.commit().await.map_err(|e| anyhow::anyhow!("{e}"))?;
    Ok(count)
}
