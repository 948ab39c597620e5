//! The one table. Each run produces a [`Report`] of its figures; its rows hold their numbers
//! apart from their text, each ratio computed against the bound of that same run. A
//! [`Summary`] of one or more runs aggregates the rows number by number — medians, ratios
//! included (the median of the runs' ratios, not a ratio of medians) — judges each target on
//! the medians, shows the spread of the runs, and prints the table and writes it as JSON and
//! Markdown.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use comfy_table::{presets::ASCII_MARKDOWN, Table};
use serde_json::{json, Value};

use crate::bound::Bound;
use crate::cpu::CpuCost;
use crate::sealing::SealingAb;
use crate::service::{CatchUp, HistoryCost, Hot, RelayLag, Replay, Sweep};
use crate::stats::Latency;
use crate::workload::Throughput;
use crate::Cli;

/// Everything measured in one run.
#[derive(Debug, Default)]
pub struct Report {
    bounds: Vec<Bound>,
    http: Vec<Throughput>,
    nats: Vec<Throughput>,
    /// Section 2's sealing A/B.
    pub sealing: Option<SealingAb>,
    /// Section 4.
    pub hot: Option<Hot>,
    /// Section 5.
    pub history: Vec<HistoryCost>,
    /// Section 6a.
    pub lag: Option<RelayLag>,
    /// Section 6b.
    pub catch_up: Option<CatchUp>,
    /// Seeding rate of the replay data set.
    pub seed_per_s: Option<f64>,
    /// Section 7.
    pub replay: Option<Replay>,
    /// Section 9.
    pub sweep: Option<Sweep>,
    /// Section 10.
    pub screening: Option<crate::screening::Screening>,
    /// kycd's memory after start.
    pub idle_rss_mib: f64,
    /// kycd's peak memory per section.
    rss: Vec<(String, f64)>,
    /// kycd's peak memory over the whole run.
    pub peak_rss_mib: Option<f64>,
}

/// A piece of a cell: text, or a named number that runs are aggregated by.
#[derive(Debug, Clone)]
enum Piece {
    Text(String),
    Number {
        name: &'static str,
        value: f64,
        decimals: usize,
        suffix: &'static str,
    },
}

/// A table cell whose numbers stay numbers until it is printed.
#[derive(Debug, Clone, Default)]
struct Cell(Vec<Piece>);

impl Cell {
    fn text(mut self, text: impl Into<String>) -> Self {
        self.0.push(Piece::Text(text.into()));
        self
    }

    fn num(mut self, name: &'static str, value: f64, decimals: usize) -> Self {
        self.0.push(Piece::Number {
            name,
            value,
            decimals,
            suffix: "",
        });
        self
    }

    /// `value / base` as `1.23×`; not a number (printed `–`) when there is no base.
    fn ratio(mut self, name: &'static str, value: f64, base: f64) -> Self {
        self.0.push(Piece::Number {
            name,
            value: if base > 0.0 { value / base } else { f64::NAN },
            decimals: 2,
            suffix: "×",
        });
        self
    }

    /// `p50 / p99 / max ms`, as the numbers `p50`, `p99` and `max`.
    fn latency(self, latency: &Latency) -> Self {
        self.num("p50", latency.p50_ms, 2)
            .text(" / ")
            .num("p99", latency.p99_ms, 2)
            .text(" / ")
            .num("max", latency.max_ms, 1)
            .text(" ms")
    }

    /// `kycd X µs, PostgreSQL Y µs, bench Z µs; machine U% busy (V% ours)` (no kycd in the
    /// bound).
    fn cpu(self, cpu: &CpuCost) -> Self {
        let cell = match cpu.kycd_us {
            Some(kycd) => self.text("kycd ").num("kycd µs", kycd, 0).text(" µs, "),
            None => self,
        };
        cell.text("PostgreSQL ")
            .num("PostgreSQL µs", cpu.postgres_us, 0)
            .text(" µs, bench ")
            .num("bench µs", cpu.bench_us, 0)
            .text(" µs; machine ")
            .num("busy %", cpu.machine_busy_pct, 0)
            .text("% busy (")
            .num("ours %", cpu.ours_busy_pct, 0)
            .text("% ours)")
    }

    fn numbers(&self) -> impl Iterator<Item = (&'static str, f64)> + '_ {
        self.0.iter().filter_map(|piece| match piece {
            Piece::Number { name, value, .. } => Some((*name, *value)),
            Piece::Text(_) => None,
        })
    }

    fn number(&self, name: &str) -> Option<(f64, usize, &'static str)> {
        self.0.iter().find_map(|piece| match piece {
            Piece::Number {
                name: n,
                value,
                decimals,
                suffix,
            } if *n == name => Some((*value, *decimals, *suffix)),
            _ => None,
        })
    }

    /// The same cell with its numbers replaced, in order.
    fn with_numbers(&self, mut numbers: impl Iterator<Item = f64>) -> Self {
        Self(
            self.0
                .iter()
                .map(|piece| match piece {
                    Piece::Number {
                        name,
                        decimals,
                        suffix,
                        ..
                    } => Piece::Number {
                        name,
                        value: numbers.next().unwrap_or(f64::NAN),
                        decimals: *decimals,
                        suffix,
                    },
                    Piece::Text(text) => Piece::Text(text.clone()),
                })
                .collect(),
        )
    }

    /// The numbers' names and the texts: two runs' cells of one row have the same shape.
    fn shape(&self) -> Vec<&str> {
        self.0
            .iter()
            .map(|piece| match piece {
                Piece::Number { name, .. } => *name,
                Piece::Text(text) => text.as_str(),
            })
            .collect()
    }

    fn render(&self) -> String {
        let mut out = String::new();
        for piece in &self.0 {
            match piece {
                Piece::Text(text) => out.push_str(text),
                Piece::Number {
                    value,
                    decimals,
                    suffix,
                    ..
                } => out.push_str(&format_number(*value, *decimals, suffix)),
            }
        }
        out
    }
}

fn format_number(value: f64, decimals: usize, suffix: &str) -> String {
    if value.is_nan() {
        "–".into()
    } else {
        format!("{value:.decimals$}{suffix}")
    }
}

/// One line of the table, from one run or aggregated over several.
#[derive(Debug, Clone)]
struct Row {
    section: &'static str,
    measure: String,
    value: Cell,
    vs_bound: Cell,
    /// The number whose range over the runs the spread column shows.
    spread: Option<&'static str>,
    target: &'static str,
    /// The target, judged on this row's numbers.
    met: Option<fn(&Row) -> bool>,
}

impl Row {
    fn new(section: &'static str, measure: impl Into<String>, value: Cell) -> Self {
        Self {
            section,
            measure: measure.into(),
            value,
            vs_bound: Cell::default(),
            spread: None,
            target: "",
            met: None,
        }
    }

    fn vs_bound(self, vs_bound: Cell) -> Self {
        Self { vs_bound, ..self }
    }

    fn spread(self, number: &'static str) -> Self {
        Self {
            spread: Some(number),
            ..self
        }
    }

    fn target(self, target: &'static str, met: fn(&Row) -> bool) -> Self {
        Self {
            target,
            met: Some(met),
            ..self
        }
    }

    /// A number of the row by name (`NaN`, failing every comparison, when absent).
    fn get(&self, name: &str) -> f64 {
        self.value
            .number(name)
            .or_else(|| self.vs_bound.number(name))
            .map_or(f64::NAN, |(value, ..)| value)
    }

    fn numbers(&self) -> Vec<f64> {
        self.value
            .numbers()
            .chain(self.vs_bound.numbers())
            .map(|(_, v)| v)
            .collect()
    }

    fn same_shape(&self, other: &Row) -> bool {
        self.section == other.section
            && self.measure == other.measure
            && self.value.shape() == other.value.shape()
            && self.vs_bound.shape() == other.vs_bound.shape()
    }
}

/// Section 10's rows: speed, import, re-screening, then quality class by class.
#[allow(clippy::too_many_lines)] // One row after the other, read top to bottom.
fn screening_rows(s: &crate::screening::Screening, rows: &mut Vec<Row>) {
    const SECTION: &str = "10 screening";
    let speed = &s.speed;
    rows.push(
        Row::new(
            SECTION,
            format!(
                "index of {} entries ({} names): build",
                speed.entries, speed.names
            ),
            Cell::default()
                .num("build s", speed.build_seconds, 2)
                .text(" s"),
        )
        .spread("build s"),
    );
    rows.push(
        Row::new(
            SECTION,
            "one screening at a time, one core: p50/p99/max",
            Cell::default().latency(&speed.latency),
        )
        .spread("p99")
        .target("p99 ≤ 5 ms", |r| r.get("p99") <= 5.0),
    );
    rows.push(
        Row::new(
            SECTION,
            "matcher alone: screenings/s on 1 and 2 threads; 1,000,000 at the 2-thread rate",
            Cell::default()
                .num("1 thread/s", speed.one_thread_per_s, 0)
                .text(" /s, ")
                .num("2 threads/s", speed.two_threads_per_s, 0)
                .text(" /s; ")
                .num("1M s", 1_000_000.0 / speed.two_threads_per_s.max(1e-9), 0)
                .text(" s"),
        )
        .spread("2 threads/s"),
    );
    let rescreen = &s.rescreen;
    rows.push(
        Row::new(
            SECTION,
            format!(
                "re-screen {} customers after a list update ({} entries changed or added; {} customers named as changed entries, {} customers' matches changed); 1,000,000 at that rate",
                rescreen.customers, rescreen.entries_changed, rescreen.listed, rescreen.recorded
            ),
            Cell::default()
                .num("customers/s", rescreen.per_s, 0)
                .text(" customers/s; ")
                .num("1M s", 1_000_000.0 / rescreen.per_s.max(1e-9), 0)
                .text(" s"),
        )
        .spread("customers/s")
        .target("1,000,000 customers ≤ 600 s", |r| r.get("1M s") <= 600.0),
    );
    let import = &s.import;
    rows.push(
        Row::new(
            SECTION,
            format!(
                "import an SDN-sized SDN.XML ({} entries, {:.0} MB): parse + store",
                import.entries,
                import.bytes as f64 / 1e6
            ),
            Cell::default()
                .num("parse s", import.parse_seconds, 2)
                .text(" s + ")
                .num("store s", import.store_seconds, 2)
                .text(" s = ")
                .num("total s", import.parse_seconds + import.store_seconds, 2)
                .text(" s"),
        )
        .spread("total s")
        .target("≤ 5 s", |r| r.get("total s") <= 5.0),
    );
    screening_quality_rows(&s.quality, rows);
}

/// The names of the compared scorers' numbers in a quality row (the baseline, nomenklatura).
const OTHER_SCORERS: [&str; 2] = ["other 1", "other 2"];

/// Section 10's quality rows: each class's rate for ours and the others, then the overall
/// false-positive rate.
fn screening_quality_rows(quality: &crate::screening::Quality, rows: &mut Vec<Row>) {
    const SECTION: &str = "10 screening";
    let Some(ours) = quality.scorers.first() else {
        return;
    };
    let others: Vec<&crate::screening::ScorerResult> = quality.scorers.iter().skip(1).collect();
    let heading = others
        .iter()
        .map(|o| format!("{} @ {:.2}", o.scorer, o.threshold))
        .collect::<Vec<_>>()
        .join(" / ");
    for (class, cases, _) in &ours.classes {
        let negative = class.starts_with("neg_");
        let mut value = Cell::default().num("ours", ours.rate(class), 3);
        for (other, name) in others.iter().zip(OTHER_SCORERS) {
            value = value.text(" / ").num(name, other.rate(class), 3);
        }
        let measure = format!(
            "{} {class} ({cases} cases; ours @ {:.2} / {heading})",
            if negative {
                "false positives:"
            } else {
                "recall:"
            },
            ours.threshold
        );
        let row = Row::new(SECTION, measure, value).spread("ours");
        rows.push(if negative {
            row
        } else {
            row.target("ours ≥ 0.95", |r| r.get("ours") >= 0.95)
        });
    }
    let mut overall = Cell::default().num("ours", ours.false_positive_rate(), 3);
    for (other, name) in others.iter().zip(OTHER_SCORERS) {
        overall = overall
            .text(" / ")
            .num(name, other.false_positive_rate(), 3);
    }
    rows.push(
        Row::new(
            SECTION,
            format!("false positives over every look-alike (ours / {heading})"),
            overall,
        )
        .spread("ours")
        .target("ours ≤ 0.02", |r| r.get("ours") <= 0.02),
    );
    if let Some(why) = &quality.nomenklatura_skipped {
        rows.push(Row::new(
            SECTION,
            "nomenklatura logic-v1",
            Cell::default().text(format!("not run: {why}")),
        ));
    }
}

/// The median of the numbers that are numbers (an even count averages the middle two).
fn median(values: &[f64]) -> f64 {
    let mut sorted: Vec<f64> = values.iter().copied().filter(|v| !v.is_nan()).collect();
    sorted.sort_by(f64::total_cmp);
    match sorted.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => sorted[n / 2],
        n => f64::midpoint(sorted[n / 2 - 1], sorted[n / 2]),
    }
}

impl Report {
    /// Records a bound.
    pub fn bound(&mut self, bound: Bound) {
        self.bounds.push(bound);
    }

    /// Records an HTTP run.
    pub fn http(&mut self, result: Throughput) {
        self.http.push(result);
    }

    /// Records a NATS run.
    pub fn nats(&mut self, result: Throughput) {
        self.nats.push(result);
    }

    /// Records kycd's peak memory during a section.
    pub fn rss(&mut self, section: &str, mib: f64) {
        self.rss.push((section.to_owned(), mib));
    }

    fn bound_at(&self, connections: usize) -> Option<&Bound> {
        self.bounds.iter().find(|b| b.connections == connections)
    }

    /// The rows of this run. Measures hold no figures of the run (those go in the value), so
    /// that the rows of several runs line up.
    #[allow(clippy::too_many_lines)] // One block per section, in table order.
    fn rows(&self) -> Vec<Row> {
        let mut rows = Vec::new();
        for b in &self.bounds {
            rows.push(
                Row::new(
                    "1 bound (SQL)",
                    format!("{} conn: tx/s; p50/p99/max", b.connections),
                    Cell::default()
                        .num("tx/s", b.tx_per_s, 0)
                        .text(" tx/s; ")
                        .latency(&b.latency),
                )
                .vs_bound(Cell::default().text("1.00×"))
                .spread("p99"),
            );
            rows.push(
                Row::new(
                    "1 bound (SQL)",
                    format!("{} conn: CPU per tx", b.connections),
                    Cell::default().cpu(&b.cpu),
                )
                .spread("PostgreSQL µs"),
            );
        }
        for (section, runs) in [("2 HTTP", &self.http), ("3 NATS", &self.nats)] {
            for t in runs {
                let bound = self.bound_at(t.clients);
                let (tx, p99, postgres_us) = bound.map_or((0.0, 0.0, 0.0), |b| {
                    (b.tx_per_s, b.latency.p99_ms, b.cpu.postgres_us)
                });
                let mut throughput = Row::new(
                    section,
                    format!("{} clients: commands/s", t.clients),
                    Cell::default().num("commands/s", t.commands_per_s, 0),
                )
                .vs_bound(Cell::default().ratio("ratio", t.commands_per_s, tx))
                .spread("commands/s");
                let mut latency = Row::new(
                    section,
                    format!("{} clients: p50/p99/max; errors", t.clients),
                    Cell::default()
                        .latency(&t.latency)
                        .text("; ")
                        .num("errors", t.errors as f64, 0)
                        .text(" errors"),
                )
                .vs_bound(
                    Cell::default()
                        .text("p99 ")
                        .ratio("p99 ratio", t.latency.p99_ms, p99),
                )
                .spread("p99");
                if t.clients == 16 {
                    throughput = throughput.target("≥ 0.8× bound", |r| r.get("ratio") >= 0.8);
                    latency = latency.target("p99 ≤ 20 ms", |r| {
                        r.get("p99") <= 20.0 && r.get("errors") == 0.0
                    });
                }
                let cpu = Row::new(
                    section,
                    format!("{} clients: CPU per command", t.clients),
                    Cell::default().cpu(&t.cpu),
                )
                .vs_bound(Cell::default().text("PostgreSQL ").ratio(
                    "PostgreSQL ratio",
                    t.cpu.postgres_us,
                    postgres_us,
                ))
                .spread("kycd µs");
                rows.extend([throughput, latency, cpu]);
            }
        }
        if let Some(ab) = &self.sealing {
            rows.extend(sealing_rows(ab));
        }
        if let Some(h) = &self.hot {
            let bound = self.bound_at(16).map_or(0.0, |b| b.tx_per_s);
            rows.push(
                Row::new(
                    "4 hot customer",
                    format!("{} writers: accepted/sent; 409s", h.writers),
                    Cell::default()
                        .num("accepted", h.accepted as f64, 0)
                        .text("/")
                        .num("sent", h.sent as f64, 0)
                        .text("; ")
                        .num("conflicts", h.conflicts as f64, 0)
                        .text(" conflicts, ")
                        .num("other", h.other_errors as f64, 0)
                        .text(" other"),
                )
                .spread("conflicts")
                .target("no conflict errors", |r| {
                    r.get("conflicts") == 0.0 && r.get("other") == 0.0
                }),
            );
            rows.push(
                Row::new(
                    "4 hot customer",
                    "commands/s; p50/p99/max",
                    Cell::default()
                        .num("commands/s", h.commands_per_s, 0)
                        .text("/s; ")
                        .latency(&h.latency),
                )
                .vs_bound(Cell::default().ratio("ratio", h.commands_per_s, bound))
                .spread("p99"),
            );
            rows.push(
                Row::new(
                    "4 hot customer",
                    "events − 2xx; applied twice/unknown",
                    Cell::default()
                        .num("events − 2xx", h.events as f64 - h.accepted as f64, 0)
                        .text("; ")
                        .num("wrong", h.applied_wrongly as f64, 0),
                )
                .target("exactly once", |r| {
                    r.get("events − 2xx") == 0.0 && r.get("wrong") == 0.0
                }),
            );
        }
        let fresh = self.history.first().map(|h| h.latency);
        let bound1 = self.bound_at(1).map_or(0.0, |b| b.latency.p50_ms);
        for h in &self.history {
            let (p50, p99) = fresh.map_or((0.0, 0.0), |f| (f.p50_ms, f.p99_ms));
            let mut row = Row::new(
                "5 long history",
                format!("{} events: update p50/p99/max", h.events_before),
                Cell::default().latency(&h.latency),
            )
            .vs_bound(
                Cell::default()
                    .text("p50 ")
                    .ratio("p50 vs bound", h.latency.p50_ms, bound1)
                    .text("; vs fresh ")
                    .ratio("p50 vs fresh", h.latency.p50_ms, p50)
                    .text(" / ")
                    .ratio("p99 vs fresh", h.latency.p99_ms, p99),
            )
            .spread("p50");
            if h.events_before == 1000 {
                row = row.target("≤ 1.5× fresh", |r| {
                    r.get("p50 vs fresh") <= 1.5 && r.get("p99 vs fresh") <= 1.5
                });
            }
            rows.push(row);
        }
        if let Some(l) = &self.lag {
            rows.push(
                Row::new(
                    "6 relay",
                    format!("lag p50/p99/max at {:.0} cmd/s", l.target_rate),
                    Cell::default()
                        .latency(&l.lag)
                        .text("; ")
                        .num("achieved", l.achieved_rate, 0)
                        .text(" cmd/s, ")
                        .num("missing", l.accepted as f64 - l.received as f64, 0)
                        .text(" events missing"),
                )
                .spread("p99")
                .target("p99 ≤ 50 ms", |r| {
                    r.get("p99") <= 50.0 && r.get("missing") <= 0.0
                }),
            );
            rows.push(
                Row::new(
                    "6 relay",
                    "lag step: CPU per command",
                    Cell::default().cpu(&l.cpu),
                )
                .spread("kycd µs"),
            );
        }
        if let Some(c) = &self.catch_up {
            let bound = self.bound_at(1).map_or(0.0, |b| b.tx_per_s);
            rows.push(
                Row::new(
                    "6 relay",
                    "catch-up on a backlog",
                    Cell::default()
                        .num("events/s", c.events_per_s, 0)
                        .text(" events/s (")
                        .num("events", c.events as f64, 0)
                        .text(" events in ")
                        .num("seconds", c.seconds, 1)
                        .text(" s)"),
                )
                .vs_bound(
                    Cell::default()
                        .ratio("ratio", c.events_per_s, bound)
                        .text(" of 1-conn bound"),
                )
                .spread("events/s"),
            );
        }
        if let Some(r) = &self.replay {
            rows.push(
                Row::new(
                    "7 replay",
                    "rebuild of the log",
                    Cell::default()
                        .num("events/s", r.replay_per_s, 0)
                        .text(" events/s (")
                        .num("events", r.events as f64, 0)
                        .text(" events)"),
                )
                .vs_bound(
                    Cell::default()
                        .ratio("ratio", r.replay_per_s, r.raw_read_per_s)
                        .text(" of raw read"),
                )
                .spread("events/s")
                .target("≥ 100k/s and ≥ 0.35× raw", |r| {
                    r.get("events/s") >= 100_000.0 && r.get("ratio") >= 0.35
                }),
            );
            rows.push(
                Row::new(
                    "7 replay",
                    "raw read (SELECT payload::text … ORDER BY global_position)",
                    Cell::default()
                        .num("rows/s", r.raw_read_per_s, 0)
                        .text(" rows/s"),
                )
                .vs_bound(Cell::default().text("1.00× raw"))
                .spread("rows/s"),
            );
        }
        if let Some(s) = &self.sweep {
            rows.push(
                Row::new(
                    "9 sweeper",
                    "retention sweep erasing expired customers (8 at a time)",
                    Cell::default()
                        .num("erased/s", s.erased_per_s, 0)
                        .text(" erased/s (")
                        .num("erased", s.erased as f64, 0)
                        .text(" in ")
                        .num("seconds", s.seconds, 2)
                        .text(" s)"),
                )
                .spread("seconds")
                .target("erases 10,000 expired customers in under 10 s", |r| {
                    r.get("erased") >= 10_000.0 && r.get("seconds") < 10.0
                }),
            );
        }
        if let Some(s) = &self.screening {
            screening_rows(s, &mut rows);
        }
        if let Some(peak) = self.peak_rss_mib {
            rows.push(
                Row::new(
                    "8 memory",
                    "kycd VmRSS peak over sections 2–6; idle",
                    Cell::default()
                        .num("peak", peak, 1)
                        .text(" MiB; ")
                        .num("idle", self.idle_rss_mib, 1)
                        .text(" MiB"),
                )
                .spread("peak")
                .target("≤ 150 MB", |r| r.get("peak") * 1.048_576 <= 150.0),
            );
        }
        rows
    }

    /// This run's raw figures, as JSON.
    fn json(&self) -> Value {
        json!({
            "bound": self.bounds,
            "http": self.http,
            "nats": self.nats,
            "sealing_ab": self.sealing,
            "hot_customer": self.hot,
            "long_history": self.history,
            "relay_lag": self.lag,
            "relay_catch_up": self.catch_up,
            "seed_events_per_s": self.seed_per_s,
            "sweeper": self.sweep,
            "screening": self.screening,
            "replay": self.replay,
            "kycd_rss_mib": {
                "idle": self.idle_rss_mib,
                "peak": self.peak_rss_mib,
                "by_section": self.rss.iter().cloned().collect::<BTreeMap<_, _>>(),
            },
        })
    }
}

/// The sealing A/B's rows: each side's throughput, and sealed ÷ plaintext (its median over
/// the runs is the median of each run's ratio), with issue #12's target.
fn sealing_rows(ab: &SealingAb) -> [Row; 3] {
    const SECTION: &str = "2 HTTP sealing A/B";
    let side = |name: &str, t: &Throughput| {
        Row::new(
            SECTION,
            format!("{} clients, {name}: commands/s; p99; errors", t.clients),
            Cell::default()
                .num("commands/s", t.commands_per_s, 0)
                .text("; p99 ")
                .num("p99", t.latency.p99_ms, 2)
                .text(" ms; ")
                .num("errors", t.errors as f64, 0)
                .text(" errors"),
        )
        .spread("commands/s")
    };
    [
        side("sealed", &ab.sealed),
        side("plaintext", &ab.plaintext),
        Row::new(
            SECTION,
            format!(
                "{} clients: sealed ÷ plaintext commands/s",
                ab.sealed.clients
            ),
            Cell::default().ratio(
                "ratio",
                ab.sealed.commands_per_s,
                ab.plaintext.commands_per_s,
            ),
        )
        .spread("ratio")
        .target("sealed ≥ 0.90× plaintext", |r| r.get("ratio") >= 0.9),
    ]
}

/// A row aggregated over the runs.
struct Aggregated {
    /// The row, its numbers the medians of the runs'.
    median: Row,
    /// The spread number's smallest and largest value over the runs.
    range: Option<(f64, f64)>,
}

/// The runs of one invocation and their aggregate.
#[derive(Debug, Default)]
pub struct Summary {
    command: String,
    quick: bool,
    machine: Vec<(String, String)>,
    runs: Vec<Report>,
}

impl Summary {
    /// An empty summary of this invocation.
    pub fn new(cli: &Cli) -> Self {
        Self {
            command: std::env::args().collect::<Vec<_>>().join(" "),
            quick: cli.quick,
            ..Self::default()
        }
    }

    /// Records the machine: CPUs, memory, CPU model, server versions.
    pub fn machine(&mut self, postgres: String, nats: String) {
        let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
        let model = cpuinfo
            .lines()
            .find_map(|l| l.strip_prefix("model name"))
            .map_or("unknown", |rest| rest.trim_start_matches([' ', '\t', ':']))
            .to_owned();
        let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
        let memory = meminfo
            .lines()
            .find_map(|l| l.strip_prefix("MemTotal:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
            .map_or("unknown".into(), |kb| {
                format!("{:.1} GiB", kb / 1024.0 / 1024.0)
            });
        let cpus = std::thread::available_parallelism().map_or(0, std::num::NonZero::get);
        self.machine = vec![
            ("CPUs (nproc)".into(), cpus.to_string()),
            ("CPU model".into(), model),
            ("memory".into(), memory),
            ("PostgreSQL".into(), postgres),
            ("NATS server".into(), nats),
        ];
    }

    /// Adds a finished run.
    pub fn push(&mut self, run: Report) {
        self.runs.push(run);
    }

    /// Each row with the medians of its numbers over the runs, and its spread number's range.
    fn rows(&self) -> anyhow::Result<Vec<Aggregated>> {
        let runs: Vec<Vec<Row>> = self.runs.iter().map(Report::rows).collect();
        let Some(first) = runs.first() else {
            return Ok(Vec::new());
        };
        let mut aggregated = Vec::with_capacity(first.len());
        for (i, row) in first.iter().enumerate() {
            let mut same: Vec<&Row> = Vec::with_capacity(runs.len());
            for run in &runs {
                let other = run.get(i).filter(|other| other.same_shape(row));
                same.push(other.ok_or_else(|| {
                    anyhow::anyhow!("the runs measured different rows ({})", row.measure)
                })?);
            }
            let numbers: Vec<Vec<f64>> = same.iter().map(|r| r.numbers()).collect();
            let medians: Vec<f64> = (0..numbers[0].len())
                .map(|n| median(&numbers.iter().map(|r| r[n]).collect::<Vec<_>>()))
                .collect();
            let split = row.value.numbers().count();
            let median_row = Row {
                value: row.value.with_numbers(medians[..split].iter().copied()),
                vs_bound: row.vs_bound.with_numbers(medians[split..].iter().copied()),
                ..row.clone()
            };
            let range = row.spread.map(|name| {
                same.iter()
                    .map(|r| r.get(name))
                    .filter(|v| !v.is_nan())
                    .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
                        (lo.min(v), hi.max(v))
                    })
            });
            aggregated.push(Aggregated {
                median: median_row,
                range: range.filter(|(lo, hi)| lo <= hi),
            });
        }
        Ok(aggregated)
    }

    fn spread_text(row: &Row, range: Option<(f64, f64)>) -> String {
        match (row.spread, range) {
            (Some(name), Some((lo, hi))) => {
                let (_, decimals, suffix) = row.value.number(name).unwrap_or((0.0, 0, ""));
                format!(
                    "{name} {}–{}",
                    format_number(lo, decimals, suffix),
                    format_number(hi, decimals, suffix)
                )
            }
            _ => String::new(),
        }
    }

    fn table(&self) -> anyhow::Result<Table> {
        let several = self.runs.len() > 1;
        let mut table = Table::new();
        table.load_preset(ASCII_MARKDOWN);
        let mut header = vec!["section".to_owned(), "measure".to_owned()];
        if several {
            header.extend([
                format!("value (median of {} runs)", self.runs.len()),
                "vs bound (median of the runs' ratios)".into(),
                "spread (min–max of the runs)".into(),
            ]);
        } else {
            header.extend(["value".into(), "vs bound".into()]);
        }
        header.extend(["target".into(), "met".into()]);
        table.set_header(header);
        for Aggregated { median: row, range } in self.rows()? {
            let met = match row.met.map(|met| met(&row)) {
                Some(true) => "yes",
                Some(false) => "**no**",
                None => "",
            };
            let mut cells = vec![
                row.section.to_owned(),
                row.measure.clone(),
                row.value.render(),
                row.vs_bound.render(),
            ];
            if several {
                cells.push(Self::spread_text(&row, range));
            }
            cells.extend([row.target.to_owned(), met.to_owned()]);
            table.add_row(cells);
        }
        Ok(table)
    }

    /// Prints the table to stdout.
    pub fn print(&self) -> anyhow::Result<()> {
        println!("{}", self.table()?);
        Ok(())
    }

    /// Every run's raw figures, and the table's medians.
    pub fn json(&self) -> anyhow::Result<Value> {
        let medians: Vec<Value> = self
            .rows()?
            .into_iter()
            .map(|Aggregated { median: row, range }| {
                let numbers: BTreeMap<&str, f64> = row
                    .value
                    .numbers()
                    .chain(row.vs_bound.numbers())
                    .filter(|(_, v)| !v.is_nan())
                    .collect();
                json!({
                    "section": row.section,
                    "measure": row.measure,
                    "value": row.value.render(),
                    "vs_bound": row.vs_bound.render(),
                    "numbers": numbers,
                    "spread": row.spread.zip(range).map(|(name, (lo, hi))| {
                        json!({"number": name, "min": lo, "max": hi})
                    }),
                    "target": row.target,
                    "met": row.met.map(|met| met(&row)),
                })
            })
            .collect();
        Ok(json!({
            "command": self.command,
            "quick": self.quick,
            "machine": self.machine.iter().cloned().collect::<BTreeMap<_, _>>(),
            "runs": self.runs.iter().map(Report::json).collect::<Vec<_>>(),
            "medians": medians,
        }))
    }

    /// The Markdown page: machine, command, table.
    pub fn markdown(&self) -> anyhow::Result<String> {
        let mut page = String::from("## Machine\n\n");
        for (k, v) in &self.machine {
            let _ = writeln!(page, "- {k}: {v}");
        }
        let _ = write!(
            page,
            "
## Command

```sh
{}
```

## Results

{}
",
            self.command,
            self.table()?
        );
        Ok(page)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::Latency;

    fn run(tx: f64, http: f64, p99: f64) -> Report {
        let cpu = CpuCost {
            operations: 1,
            seconds: 3.0,
            kycd_us: None,
            postgres_us: 400.0,
            bench_us: 100.0,
            machine_busy_pct: 90.0,
            ours_busy_pct: 80.0,
        };
        let latency = Latency {
            p50_ms: p99 / 2.0,
            p99_ms: p99,
            max_ms: p99 * 2.0,
            samples: 100,
        };
        let mut report = Report::default();
        report.bound(Bound {
            connections: 16,
            tx_per_s: tx,
            latency,
            errors: 0,
            cpu,
        });
        report.http(Throughput {
            clients: 16,
            commands: 1,
            commands_per_s: http,
            latency,
            errors: 0,
            first_errors: Vec::new(),
            seconds: 3.0,
            cpu: CpuCost {
                kycd_us: Some(300.0),
                ..cpu
            },
        });
        report
    }

    #[test]
    fn ratios_are_medians_of_each_runs_ratio_and_targets_are_judged_on_medians() {
        let mut summary = Summary::default();
        // Ratios 0.5, 0.9, 1.0 (median 0.9); a ratio of the medians would be 1000/1000 = 1.0.
        summary.push(run(1000.0, 500.0, 10.0));
        summary.push(run(1000.0, 900.0, 30.0));
        summary.push(run(2000.0, 2000.0, 15.0));
        let rows = summary.rows().unwrap();
        let throughput = &rows[2];
        assert_eq!(throughput.median.value.render(), "900");
        assert_eq!(throughput.median.vs_bound.render(), "0.90×");
        assert_eq!(throughput.range, Some((500.0, 2000.0)));
        assert_eq!(
            throughput.median.met.map(|m| m(&throughput.median)),
            Some(true)
        );
        let latency = &rows[3];
        assert!((latency.median.get("p99") - 15.0).abs() < 1e-9);
        assert_eq!(latency.median.met.map(|m| m(&latency.median)), Some(true));
        assert_eq!(
            Summary::spread_text(&latency.median, latency.range),
            "p99 10.00–30.00"
        );
        assert_eq!(
            rows[4].median.value.render(),
            "kycd 300 µs, PostgreSQL 400 µs, bench 100 µs; machine 90% busy (80% ours)"
        );
        assert_eq!(rows[4].median.vs_bound.render(), "PostgreSQL 1.00×");
    }

    #[test]
    fn the_sealing_ratio_is_the_median_of_each_runs_ratio_against_its_target() {
        let mut summary = Summary::default();
        // Ratios 0.95, 0.80, 0.92: median 0.92, met.
        for (sealed, plain) in [(950.0, 1000.0), (800.0, 1000.0), (1840.0, 2000.0)] {
            let mut report = run(1000.0, 1000.0, 10.0);
            let http = report.http[0].clone();
            report.sealing = Some(SealingAb {
                first: "sealed",
                sealed: Throughput {
                    commands_per_s: sealed,
                    ..http.clone()
                },
                plaintext: Throughput {
                    commands_per_s: plain,
                    ..http
                },
            });
            summary.push(report);
        }
        let rows = summary.rows().unwrap();
        let ratio = rows
            .iter()
            .find(|r| r.median.measure.contains("sealed ÷ plaintext"))
            .unwrap();
        assert_eq!(ratio.median.value.render(), "0.92×");
        assert_eq!(ratio.median.met.map(|m| m(&ratio.median)), Some(true));
        assert_eq!(
            Summary::spread_text(&ratio.median, ratio.range),
            "ratio 0.80×–0.95×"
        );
    }

    #[test]
    fn a_missing_base_prints_a_dash_and_the_median_skips_it() {
        assert_eq!(Cell::default().ratio("r", 1.0, 0.0).render(), "–");
        assert!((median(&[f64::NAN, 1.0, 3.0]) - 2.0).abs() < 1e-9);
        assert!(median(&[]).is_nan());
    }
}
