//! Section 10, screening (issue #14): the matcher's speed on a list of the SDN's size, the
//! import of an SDN-sized file, a re-screening of seeded customers through the command service,
//! and the matcher's quality on the labelled evaluation set beside the baseline (normalised
//! token-set Jaro-Winkler) and, when its Python package is installed, OpenSanctions'
//! nomenklatura logic-v1 (`scripts/nomenklatura_eval.py`).
//!
//! Lists, queries and names are synthetic and fictional (`kyc_screening::evaluation`,
//! `kyc_lists::synthetic`).

use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use anyhow::Context;
use kyc_screening::evaluation::{
    evaluate, index_of, labelled_queries, list_to_ftm_lines, queries_to_json_lines, synthetic_list,
    BaselineScorer, ClassResult, EvaluationReport, IndexScorer, LabelledQuery,
};
use kyc_screening::{ListEntry, MatchPolicy, ScreeningIndex};
use serde::Serialize;
use sqlx::PgPool;

use crate::stats::{Latency, Samples};

/// Entries of the list the speed is measured on: the size the issue names.
pub const LIST_ENTRIES: usize = 20_000;
/// The baseline's threshold: where its recall and false positives balance best on the set.
pub const BASELINE_THRESHOLD: f64 = 0.90;

/// The matcher's speed.
#[derive(Debug, Clone, Serialize)]
pub struct Speed {
    /// Entries indexed.
    pub entries: usize,
    /// Names indexed (primary names and aliases).
    pub names: usize,
    /// Seconds to build the index.
    pub build_seconds: f64,
    /// One screening at a time, on one core.
    pub latency: Latency,
    /// Screenings per second, one thread.
    pub one_thread_per_s: f64,
    /// Screenings per second, two threads (the machine's cores).
    pub two_threads_per_s: f64,
}

/// Importing an SDN-sized file.
#[derive(Debug, Clone, Serialize)]
pub struct Import {
    /// Entries in the file.
    pub entries: usize,
    /// Bytes in the file.
    pub bytes: usize,
    /// Seconds to parse it.
    pub parse_seconds: f64,
    /// Seconds to store it as a list version.
    pub store_seconds: f64,
}

/// A re-screening of every seeded customer after an import.
#[derive(Debug, Clone, Serialize)]
pub struct Rescreen {
    /// Customers screened.
    pub customers: u64,
    /// Of those, customers whose matches changed (a `ScreeningCompleted` each).
    pub recorded: u64,
    /// Customers created under the names of entries version 2 changes (the rest are
    /// kycctl's seed, whom no entry matches).
    pub listed: u64,
    /// List entries version 2 changed or added.
    pub entries_changed: usize,
    /// Seconds it took.
    pub seconds: f64,
    /// Customers per second.
    pub per_s: f64,
}

/// Everything section 10 measured.
#[derive(Debug, Clone, Serialize)]
pub struct Screening {
    /// The matcher's speed.
    pub speed: Speed,
    /// An SDN-sized import.
    pub import: Import,
    /// A re-screening of seeded customers.
    pub rescreen: Rescreen,
    /// Quality beside the baseline and nomenklatura.
    pub quality: Quality,
}

/// Recall per class (false positives for the negative classes), per scorer.
#[derive(Debug, Clone, Serialize)]
pub struct Quality {
    /// Queries per class.
    pub per_class: usize,
    /// Entries of the list.
    pub entries: usize,
    /// Ours, the baseline, and nomenklatura when it ran.
    pub scorers: Vec<ScorerResult>,
    /// Why nomenklatura did not run, if it did not.
    pub nomenklatura_skipped: Option<String>,
}

/// One scorer's results.
#[derive(Debug, Clone, Serialize)]
pub struct ScorerResult {
    /// Its name.
    pub scorer: String,
    /// Its threshold.
    pub threshold: f64,
    /// `(class, cases, hits)`, positives first.
    pub classes: Vec<(String, usize, usize)>,
}

impl ScorerResult {
    fn of(report: &EvaluationReport) -> Self {
        Self {
            scorer: report.scorer.clone(),
            threshold: report.threshold,
            classes: report
                .classes
                .iter()
                .map(|c: &ClassResult| (c.class.as_str().to_owned(), c.cases, c.hits))
                .collect(),
        }
    }

    /// The rate of `class` (recall, or false positives for a negative class).
    pub fn rate(&self, class: &str) -> f64 {
        self.classes
            .iter()
            .find(|(name, ..)| name == class)
            .map_or(f64::NAN, |(_, cases, hits)| {
                if *cases == 0 {
                    f64::NAN
                } else {
                    *hits as f64 / *cases as f64
                }
            })
    }

    /// The smallest recall over the positive classes.
    pub fn worst_recall(&self) -> f64 {
        self.classes
            .iter()
            .filter(|(name, ..)| !name.starts_with("neg_"))
            .map(|(name, ..)| self.rate(name))
            .fold(f64::INFINITY, f64::min)
    }

    /// The false-positive rate over every negative query.
    pub fn false_positive_rate(&self) -> f64 {
        let (cases, hits) = self
            .classes
            .iter()
            .filter(|(name, ..)| name.starts_with("neg_"))
            .fold((0, 0), |(c, h), (_, cases, hits)| (c + cases, h + hits));
        if cases == 0 {
            f64::NAN
        } else {
            hits as f64 / cases as f64
        }
    }
}

/// Builds the 20,000-entry list's index and screens `samples` subjects derived from it (one
/// thread for the latency, then one and two threads for the rate).
pub fn speed(samples: usize) -> Speed {
    let list = synthetic_list(LIST_ENTRIES, 7);
    let started = Instant::now();
    let index = index_of(&list);
    let build_seconds = started.elapsed().as_secs_f64();
    let queries = labelled_queries(&list, samples.div_ceil(19).max(1), 11);
    let subjects: Vec<_> = queries.iter().map(LabelledQuery::subject).collect();
    let policy = MatchPolicy::default();
    let mut latencies = Samples::default();
    for subject in &subjects {
        let started = Instant::now();
        std::hint::black_box(index.screen(subject, &policy));
        latencies.push(started.elapsed());
    }
    let rate = |threads: usize| -> f64 {
        let index: &ScreeningIndex = &index;
        let started = Instant::now();
        std::thread::scope(|scope| {
            for part in subjects.chunks(subjects.len().div_ceil(threads)) {
                scope.spawn(move || {
                    for subject in part {
                        std::hint::black_box(index.screen(subject, &policy));
                    }
                });
            }
        });
        crate::stats::rate(subjects.len() as u64, started.elapsed())
    };
    Speed {
        entries: index.entry_count(),
        names: index.name_count(),
        build_seconds,
        latency: latencies.summary(),
        one_thread_per_s: rate(1),
        two_threads_per_s: rate(2),
    }
}

/// Writes an SDN-sized SDN.XML, then times parsing it and storing it in `pool`'s database.
pub async fn import(pool: &PgPool) -> anyhow::Result<Import> {
    let entries = kyc_lists::synthetic::entries(3, kyc_lists::synthetic::SDN_SIZE);
    let published = chrono::NaiveDate::from_ymd_opt(2026, 12, 1).unwrap_or_default();
    let xml = kyc_lists::synthetic::sdn_xml(&entries, published);
    let started = Instant::now();
    let parsed = kyc_lists::import(
        kyc_screening::ListFormat::OfacSdnXml,
        None,
        &[xml.as_bytes()],
    )
    .context("parsing the synthetic SDN.XML")?;
    let parse_seconds = started.elapsed().as_secs_f64();
    let started = Instant::now();
    kyc_store::lists::store_version(pool, &parsed, chrono::Utc::now())
        .await?
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    Ok(Import {
        entries: parsed.entries.len(),
        bytes: xml.len(),
        parse_seconds,
        store_seconds: started.elapsed().as_secs_f64(),
    })
}

/// Seeds `customers` onboarding histories (kycctl's seed), screens them once against
/// version 1 of the 20,000-entry list, projects, and times the re-screening of all of them
/// when version 2 arrives: the same list with one entry in a hundred changed and a hundred
/// added, as a list update looks.
pub async fn rescreen(pool: &PgPool, customers: u64) -> anyhow::Result<Rescreen> {
    crate::seed(pool, customers).await?;
    let keys = crate::env::master_keys()?;
    let project = || async {
        while kyc_store::projector::project_until_caught_up(
            pool,
            &keys,
            kyc_store::projector::CUSTOMER_VIEWS,
            5_000,
        )
        .await?
            > 0
        {}
        anyhow::Ok(())
    };
    project().await?;
    let list = synthetic_list(LIST_ENTRIES, 7);
    let version = |version: i64, entries: Vec<ListEntry>| {
        kyc_app::screening::ListSnapshot::build(vec![(
            kyc_domain::customer::ListVersionRef {
                list: "synthetic".into(),
                version,
            },
            entries,
        )])
    };
    let lists = kyc_app::screening::ScreeningLists::new(version(1, list.entries.clone()));
    let store = Arc::new(kyc_store::PgCustomerStore::new(pool.clone(), keys.clone()));
    let service = kyc_app::CommandService::new(Arc::clone(&store), kyc_app::RetryPolicy::default())
        .with_screening_lists(lists.clone());
    let listed = create_listed(&service, &list.entries, customers / 100).await?;
    let first =
        kyc_app::screening::rescreen_all(&service, store.as_ref(), chrono::Utc::now(), |_| {})
            .await
            .map_err(|e| anyhow::anyhow!("first screening: {e}"))?;
    anyhow::ensure!(
        first.failed == 0,
        "{} first screenings failed",
        first.failed
    );
    project().await?;

    let (updated, entries_changed) = updated_list(list.entries);
    lists.replace(version(2, updated));
    let started = Instant::now();
    let report =
        kyc_app::screening::rescreen_all(&service, store.as_ref(), chrono::Utc::now(), |_| {})
            .await
            .map_err(|e| anyhow::anyhow!("re-screening: {e}"))?;
    let elapsed = started.elapsed();
    anyhow::ensure!(report.failed == 0, "{} re-screenings failed", report.failed);
    Ok(Rescreen {
        customers: report.screened,
        recorded: report.recorded,
        listed,
        entries_changed,
        seconds: elapsed.as_secs_f64(),
        per_s: crate::stats::rate(report.screened, elapsed),
    })
}

/// Creates up to `count` customers named, born and living as the people among the entries
/// that [`updated_list`] changes, so that the update changes their matches and their
/// re-screening goes through the command service. Returns how many were created.
async fn create_listed(
    service: &kyc_app::CommandService<kyc_store::PgCustomerStore>,
    entries: &[ListEntry],
    count: u64,
) -> anyhow::Result<u64> {
    let bank = kyc_domain::ids::BankGuid::from_uuid(uuid::Uuid::now_v7());
    let mut created = 0;
    for entry in entries.iter().step_by(100) {
        if created >= count {
            break;
        }
        if entry.kind != kyc_screening::EntityKind::Person {
            continue;
        }
        let Some(name) = entry.names.first() else {
            continue;
        };
        let (first, last) = match name.full.split_once(',') {
            Some((last, first)) => (first.trim(), last.trim()),
            None => name
                .full
                .split_once(' ')
                .unwrap_or((name.full.as_str(), "")),
        };
        let draft = kyc_domain::customer::CustomerDraft {
            customer_type: Some("individual".into()),
            name: Some(kyc_domain::values::NameDraft {
                first: Some(first.to_owned()),
                last: Some(last.to_owned()),
                ..kyc_domain::values::NameDraft::default()
            }),
            date_of_birth: entry
                .birth_dates
                .first()
                .map(|born| format!("{:04}-01-01", born.year)),
            nationality: entry.countries.first().cloned(),
            ..kyc_domain::customer::CustomerDraft::default()
        };
        let ctx = kyc_app::RequestContext::system(
            "bench",
            bank,
            "customers:write",
            format!("bench-listed-{created}"),
            chrono::Utc::now(),
        );
        // A name the domain does not take (a script or length it refuses) is skipped.
        if service
            .execute(&ctx, kyc_app::commands::Create { draft })
            .await
            .is_ok()
        {
            created += 1;
        }
    }
    Ok(created)
}

/// `entries` as the next version of their list: every hundredth entry under one more
/// programme (its fingerprint changes, so its matches are new ones), and a hundred new entries
/// copied from existing people under new ids (each matches whoever matched its original).
fn updated_list(mut entries: Vec<ListEntry>) -> (Vec<ListEntry>, usize) {
    let mut changed = 0;
    for entry in entries.iter_mut().step_by(100) {
        entry.programs.push("UPDATE-2".to_owned());
        changed += 1;
    }
    let added: Vec<ListEntry> = entries
        .iter()
        .skip(50)
        .step_by(entries.len() / 100)
        .take(100)
        .map(|entry| ListEntry {
            entry_id: format!("{}-v2", entry.entry_id),
            ..entry.clone()
        })
        .collect();
    changed += added.len();
    entries.extend(added);
    (entries, changed)
}

/// Our matcher and the baseline on the labelled set of a `entries`-entry list, `per_class`
/// queries per class; nomenklatura too when `python` can run the script.
pub async fn quality(
    entries: usize,
    per_class: usize,
    python: Option<&Path>,
    scratch: &Path,
) -> anyhow::Result<Quality> {
    let list = synthetic_list(entries, 7);
    let queries = labelled_queries(&list, per_class, 11);
    let index = index_of(&list);
    let ours = evaluate(
        &IndexScorer(&index),
        &queries,
        kyc_screening::DEFAULT_THRESHOLD,
    );
    let baseline = evaluate(
        &BaselineScorer::new(&list.entries),
        &queries,
        BASELINE_THRESHOLD,
    );
    let mut scorers = vec![ScorerResult::of(&ours), ScorerResult::of(&baseline)];
    let nomenklatura_skipped = match python {
        None => Some("no --nomenklatura-python given".to_owned()),
        Some(python) => match nomenklatura(python, scratch, &list.entries, &queries).await {
            Ok(result) => {
                scorers.push(result);
                None
            }
            Err(error) => Some(format!("{error:#}")),
        },
    };
    Ok(Quality {
        per_class,
        entries,
        scorers,
        nomenklatura_skipped,
    })
}

/// Runs `scripts/nomenklatura_eval.py` with `python` on the same list and queries.
async fn nomenklatura(
    python: &Path,
    scratch: &Path,
    entries: &[kyc_screening::ListEntry],
    queries: &[LabelledQuery],
) -> anyhow::Result<ScorerResult> {
    let list_file = scratch.join("nomenklatura-list.ftm.json");
    let queries_file = scratch.join("nomenklatura-queries.jsonl");
    std::fs::write(&list_file, list_to_ftm_lines(entries))?;
    std::fs::write(&queries_file, queries_to_json_lines(queries))?;
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/nomenklatura_eval.py");
    let output = tokio::process::Command::new(python)
        .arg(&script)
        .arg("--list")
        .arg(&list_file)
        .arg("--queries")
        .arg(&queries_file)
        .output()
        .await
        .with_context(|| format!("running {}", python.display()))?;
    anyhow::ensure!(
        output.status.success(),
        "nomenklatura_eval.py failed: {}",
        String::from_utf8_lossy(&output.stderr)
            .lines()
            .last()
            .unwrap_or_default()
    );
    let value: serde_json::Value = serde_json::from_slice(&output.stdout)
        .context("nomenklatura_eval.py did not print JSON")?;
    let classes = value["classes"]
        .as_array()
        .context("no classes in nomenklatura's result")?
        .iter()
        .map(|c| {
            (
                c["class"].as_str().unwrap_or_default().to_owned(),
                c["cases"].as_u64().unwrap_or_default() as usize,
                c["hits"].as_u64().unwrap_or_default() as usize,
            )
        })
        .collect();
    Ok(ScorerResult {
        scorer: value["scorer"]
            .as_str()
            .unwrap_or("nomenklatura")
            .to_owned(),
        threshold: value["threshold"].as_f64().unwrap_or(f64::NAN),
        classes,
    })
}
