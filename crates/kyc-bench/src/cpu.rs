//! CPU time across a step, from `/proc`: kycd's, PostgreSQL's (every `postgres` process), the
//! bench's own, and the whole machine's. Divided by the step's commands it says where a command's
//! time goes — the profile behind the throughput and latency figures, taken in every run rather
//! than by hand.
//!
//! On a 2-core machine that also runs PostgreSQL and the load generator, throughput is bounded
//! by `cores / (CPU per command)`; these figures show how close a step came to that and whose
//! CPU it was.

use std::time::Instant;

use serde::Serialize;

/// CPU time of one process, in clock ticks: its own (`utime + stime`) and that of its children
/// it has waited for (`cutime + cstime`) — the postmaster's children are the backends, so a
/// backend that exits during a step is still counted.
fn process_ticks(pid: &str) -> Option<(String, u64)> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name is in parentheses and may itself hold spaces or parentheses.
    let open = stat.find('(')?;
    let close = stat.rfind(')')?;
    let name = stat.get(open + 1..close)?.to_owned();
    // After the name: state (field 3), …, utime (14), stime (15), cutime (16), cstime (17).
    let fields: Vec<&str> = stat.get(close + 1..)?.split_whitespace().collect();
    let ticks = fields
        .get(11..15)?
        .iter()
        .map(|f| f.parse::<u64>().unwrap_or(0))
        .sum();
    Some((name, ticks))
}

/// Ticks of every process named `postgres`: the postmaster, backends, and background workers.
fn postgres_ticks() -> u64 {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return 0;
    };
    entries
        .filter_map(Result::ok)
        .filter_map(|entry| entry.file_name().into_string().ok())
        .filter(|name| name.bytes().all(|b| b.is_ascii_digit()))
        .filter_map(|pid| process_ticks(&pid))
        .filter(|(name, _)| name == "postgres")
        .map(|(_, ticks)| ticks)
        .sum()
}

/// `(busy, total)` ticks of all CPUs together, from the `cpu` line of `/proc/stat`; idle and
/// I/O wait are not busy.
fn machine_ticks() -> (u64, u64) {
    let stat = std::fs::read_to_string("/proc/stat").unwrap_or_default();
    let Some(line) = stat.lines().find(|l| l.starts_with("cpu ")) else {
        return (0, 0);
    };
    // user nice system idle iowait irq softirq steal (guest time is already inside user).
    let ticks: Vec<u64> = line
        .split_whitespace()
        .skip(1)
        .take(8)
        .map(|f| f.parse().unwrap_or(0))
        .collect();
    let total: u64 = ticks.iter().sum();
    let idle = ticks.get(3).copied().unwrap_or(0) + ticks.get(4).copied().unwrap_or(0);
    (total - idle.min(total), total)
}

#[derive(Debug, Clone, Copy)]
struct Snapshot {
    kycd: u64,
    postgres: u64,
    bench: u64,
    busy: u64,
    total: u64,
}

impl Snapshot {
    fn now(kycd: Option<u32>) -> Self {
        let ticks_of = |pid: &str| process_ticks(pid).map_or(0, |(_, ticks)| ticks);
        let (busy, total) = machine_ticks();
        Self {
            kycd: kycd.map_or(0, |pid| ticks_of(&pid.to_string())),
            postgres: postgres_ticks(),
            bench: ticks_of("self"),
            busy,
            total,
        }
    }
}

/// CPU time spent during one step, per operation (a command, or a transaction of the bound).
#[derive(Debug, Clone, Copy, Serialize)]
pub struct CpuCost {
    /// Operations the step completed.
    pub operations: u64,
    /// Seconds the step lasted.
    pub seconds: f64,
    /// kycd's CPU time per operation, µs (absent where no kycd runs: the bound).
    pub kycd_us: Option<f64>,
    /// CPU time of all PostgreSQL processes per operation, µs.
    pub postgres_us: f64,
    /// The bench's own CPU time per operation (the load generator), µs.
    pub bench_us: f64,
    /// Share of all CPUs busy during the step (anyone's work), percent.
    pub machine_busy_pct: f64,
    /// The share of all CPUs that kycd, PostgreSQL and the bench used, percent: well below
    /// `machine_busy_pct`, it says something else ran during the step and its figures are not
    /// this service's alone.
    pub ours_busy_pct: f64,
}

/// CPU times at the start of a step.
#[derive(Debug)]
pub struct Probe {
    kycd: Option<u32>,
    start: Snapshot,
    began: Instant,
}

impl Probe {
    /// Starts measuring; `kycd` is its process id when a kycd runs.
    pub fn start(kycd: Option<u32>) -> Self {
        Self {
            kycd,
            start: Snapshot::now(kycd),
            began: Instant::now(),
        }
    }

    /// Ends the step that completed `operations`.
    pub fn finish(self, operations: u64) -> CpuCost {
        let end = Snapshot::now(self.kycd);
        let tick_us = 1e6 / rustix::param::clock_ticks_per_second().max(1) as f64;
        let per_op = |from: u64, to: u64| {
            to.saturating_sub(from) as f64 * tick_us / operations.max(1) as f64
        };
        let total = end.total.saturating_sub(self.start.total);
        let share = |ticks: u64| {
            if total > 0 {
                100.0 * ticks as f64 / total as f64
            } else {
                0.0
            }
        };
        let ours = [
            (self.start.kycd, end.kycd),
            (self.start.postgres, end.postgres),
            (self.start.bench, end.bench),
        ]
        .iter()
        .map(|(from, to)| to.saturating_sub(*from))
        .sum();
        CpuCost {
            operations,
            seconds: self.began.elapsed().as_secs_f64(),
            kycd_us: self.kycd.map(|_| per_op(self.start.kycd, end.kycd)),
            postgres_us: per_op(self.start.postgres, end.postgres),
            bench_us: per_op(self.start.bench, end.bench),
            machine_busy_pct: share(end.busy.saturating_sub(self.start.busy)),
            ours_busy_pct: share(ours),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bench_sees_its_own_cpu_time() {
        let probe = Probe::start(Some(std::process::id()));
        let mut x = 0u64;
        let began = Instant::now();
        while began.elapsed().as_millis() < 50 {
            x = std::hint::black_box(x.wrapping_add(1));
        }
        let cost = probe.finish(1);
        assert!(cost.bench_us > 0.0, "{cost:?}");
        assert!(cost.kycd_us.is_some_and(|us| us > 0.0), "{cost:?}");
        assert!(cost.machine_busy_pct > 0.0, "{cost:?}");
    }
}
