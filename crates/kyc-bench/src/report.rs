//! The one table: every figure, its ratio to the bound of the same run, the target it is held
//! against, and whether it meets it; printed, and written as JSON and Markdown.

use std::fmt::Write as _;

use comfy_table::{presets::ASCII_MARKDOWN, Table};
use serde_json::{json, Value};

use crate::bound::Bound;
use crate::service::{CatchUp, HistoryCost, Hot, RelayLag, Replay};
use crate::workload::Throughput;
use crate::Cli;

/// Everything measured in one run.
#[derive(Debug, Default)]
pub struct Report {
    command: String,
    quick: bool,
    machine: Vec<(String, String)>,
    bounds: Vec<Bound>,
    http: Vec<Throughput>,
    nats: Vec<Throughput>,
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
    /// kycd's memory after start.
    pub idle_rss_mib: f64,
    /// kycd's peak memory per section.
    rss: Vec<(String, f64)>,
    /// kycd's peak memory over the whole run.
    pub peak_rss_mib: Option<f64>,
}

struct Row {
    section: &'static str,
    measure: String,
    value: String,
    vs_bound: String,
    target: &'static str,
    met: Option<bool>,
}

fn ratio(value: f64, base: f64) -> String {
    if base > 0.0 {
        format!("{:.2}×", value / base)
    } else {
        "–".into()
    }
}

impl Report {
    /// An empty report of this invocation.
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

    #[allow(clippy::too_many_lines)] // One block per section, in table order.
    fn rows(&self) -> Vec<Row> {
        let mut rows = Vec::new();
        for b in &self.bounds {
            rows.push(Row {
                section: "1 bound (SQL)",
                measure: format!("{} conn: tx/s; p50/p99/max", b.connections),
                value: format!("{:.0} tx/s; {}", b.tx_per_s, b.latency),
                vs_bound: "1.00×".into(),
                target: "",
                met: None,
            });
        }
        for (section, runs) in [("2 HTTP", &self.http), ("3 NATS", &self.nats)] {
            for t in runs {
                let bound = self.bound_at(t.clients);
                let (tx, p99) = bound.map_or((0.0, 0.0), |b| (b.tx_per_s, b.latency.p99_ms));
                let at16 = t.clients == 16;
                rows.push(Row {
                    section,
                    measure: format!("{} clients: commands/s", t.clients),
                    value: format!("{:.0}", t.commands_per_s),
                    vs_bound: ratio(t.commands_per_s, tx),
                    target: if at16 { "≥ 0.8× bound" } else { "" },
                    met: at16.then_some(t.commands_per_s >= 0.8 * tx),
                });
                rows.push(Row {
                    section,
                    measure: format!("{} clients: p50/p99/max; errors", t.clients),
                    value: format!("{}; {} errors", t.latency, t.errors),
                    vs_bound: format!("p99 {}", ratio(t.latency.p99_ms, p99)),
                    target: if at16 { "p99 ≤ 20 ms" } else { "" },
                    met: at16.then_some(t.latency.p99_ms <= 20.0 && t.errors == 0),
                });
            }
        }
        if let Some(h) = &self.hot {
            let bound = self.bound_at(16).map_or(0.0, |b| b.tx_per_s);
            rows.push(Row {
                section: "4 hot customer",
                measure: format!("{} writers: accepted/sent; 409s", h.writers),
                value: format!(
                    "{}/{} ({:.1}%); {} conflicts, {} other",
                    h.accepted,
                    h.sent,
                    100.0 * h.accepted as f64 / h.sent.max(1) as f64,
                    h.conflicts,
                    h.other_errors
                ),
                vs_bound: String::new(),
                target: "no conflict errors",
                met: Some(h.conflicts == 0 && h.other_errors == 0),
            });
            rows.push(Row {
                section: "4 hot customer",
                measure: "commands/s; p50/p99/max".into(),
                value: format!("{:.0}/s; {}", h.commands_per_s, h.latency),
                vs_bound: ratio(h.commands_per_s, bound),
                target: "",
                met: None,
            });
            rows.push(Row {
                section: "4 hot customer",
                measure: "events vs 2xx; applied twice/unknown".into(),
                value: format!("{} vs {}; {}", h.events, h.accepted, h.applied_wrongly),
                vs_bound: String::new(),
                target: "exactly once",
                met: Some(h.events == h.accepted && h.applied_wrongly == 0),
            });
        }
        let fresh = self.history.first().map(|h| h.latency);
        let bound1 = self.bound_at(1).map_or(0.0, |b| b.latency.p50_ms);
        for h in &self.history {
            let big = h.events_before == 1000;
            let (p50, p99) = fresh.map_or((0.0, 0.0), |f| (f.p50_ms, f.p99_ms));
            rows.push(Row {
                section: "5 long history",
                measure: format!("{} events: update p50/p99/max", h.events_before),
                value: format!("{}", h.latency),
                vs_bound: format!(
                    "p50 {}; vs fresh {} / {}",
                    ratio(h.latency.p50_ms, bound1),
                    ratio(h.latency.p50_ms, p50),
                    ratio(h.latency.p99_ms, p99)
                ),
                target: if big { "≤ 1.5× fresh" } else { "" },
                met: big.then_some(h.latency.p50_ms <= 1.5 * p50 && h.latency.p99_ms <= 1.5 * p99),
            });
        }
        if let Some(l) = &self.lag {
            rows.push(Row {
                section: "6 relay",
                measure: format!(
                    "lag p50/p99/max at {:.0} cmd/s ({} of {} events)",
                    l.achieved_rate, l.received, l.accepted
                ),
                value: format!("{}", l.lag),
                vs_bound: String::new(),
                target: "p99 ≤ 50 ms",
                met: Some(l.lag.p99_ms <= 50.0 && l.received >= l.accepted),
            });
        }
        if let Some(c) = &self.catch_up {
            let bound = self.bound_at(1).map_or(0.0, |b| b.tx_per_s);
            rows.push(Row {
                section: "6 relay",
                measure: format!("catch-up on {} events", c.events),
                value: format!("{:.0} events/s ({:.1} s)", c.events_per_s, c.seconds),
                vs_bound: format!("{} of 1-conn bound", ratio(c.events_per_s, bound)),
                target: "",
                met: None,
            });
        }
        if let Some(r) = &self.replay {
            rows.push(Row {
                section: "7 replay",
                measure: format!("rebuild of {} events", r.events),
                value: format!("{:.0} events/s", r.replay_per_s),
                vs_bound: format!("{} of raw read", ratio(r.replay_per_s, r.raw_read_per_s)),
                target: "≥ 100k/s and ≥ 0.35× raw",
                met: Some(r.replay_per_s >= 100_000.0 && r.replay_per_s >= 0.35 * r.raw_read_per_s),
            });
            rows.push(Row {
                section: "7 replay",
                measure: "raw read (SELECT payload … ORDER BY global_position)".into(),
                value: format!("{:.0} rows/s", r.raw_read_per_s),
                vs_bound: "1.00× raw".into(),
                target: "",
                met: None,
            });
        }
        if let Some(peak) = self.peak_rss_mib {
            let worst = self
                .rss
                .iter()
                .max_by(|a, b| a.1.total_cmp(&b.1))
                .map_or(String::new(), |(s, _)| format!(" (during {s})"));
            rows.push(Row {
                section: "8 memory",
                measure: format!("kycd VmRSS peak{worst}; idle"),
                value: format!("{peak:.1} MiB; {:.1} MiB", self.idle_rss_mib),
                vs_bound: String::new(),
                target: "≤ 150 MB",
                met: Some(peak * 1.048_576 <= 150.0),
            });
        }
        rows
    }

    fn table(&self) -> Table {
        let mut table = Table::new();
        table.load_preset(ASCII_MARKDOWN);
        table.set_header(["section", "measure", "value", "vs bound", "target", "met"]);
        for row in self.rows() {
            table.add_row([
                row.section.to_owned(),
                row.measure,
                row.value,
                row.vs_bound,
                row.target.to_owned(),
                match row.met {
                    Some(true) => "yes".into(),
                    Some(false) => "**no**".into(),
                    None => String::new(),
                },
            ]);
        }
        table
    }

    /// Prints the table to stdout.
    pub fn print(&self) {
        println!("{}", self.table());
    }

    /// Everything, as JSON.
    pub fn json(&self) -> Value {
        json!({
            "command": self.command,
            "quick": self.quick,
            "machine": self.machine.iter().cloned().collect::<std::collections::BTreeMap<_, _>>(),
            "bound": self.bounds,
            "http": self.http,
            "nats": self.nats,
            "hot_customer": self.hot,
            "long_history": self.history,
            "relay_lag": self.lag,
            "relay_catch_up": self.catch_up,
            "seed_events_per_s": self.seed_per_s,
            "replay": self.replay,
            "kycd_rss_mib": {
                "idle": self.idle_rss_mib,
                "peak": self.peak_rss_mib,
                "by_section": self.rss.iter().cloned().collect::<std::collections::BTreeMap<_, _>>(),
            },
        })
    }

    /// The Markdown page: machine, command, table.
    pub fn markdown(&self) -> String {
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
            self.table()
        );
        page
    }
}
