//! `kycctl export`: the event log as CloudEvents, one JSON object per line.

use std::io::Write;

use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};
use sqlx::PgPool;

/// Writes every event after `since` to `out`; returns how many.
///
/// Events carry their full payload here (an export is for auditors, unlike the PII-free
/// stream), wrapped in the same envelope the relay publishes.
pub async fn export(
    pool: &PgPool,
    since: i64,
    out: &mut impl Write,
    show_progress: bool,
) -> anyhow::Result<u64> {
    let total = kyc_log::last_position(pool).await?;
    let bar = if show_progress {
        ProgressBar::new_spinner()
    } else {
        ProgressBar::hidden()
    };
    bar.set_style(
        ProgressStyle::with_template("{spinner} {pos} events exported ({per_sec}, {elapsed})")
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    let mut position = since;
    let mut written = 0u64;
    loop {
        let batch = kyc_log::read_after(pool, position, 5000).await?;
        let Some(last) = batch.last() else { break };
        position = last.global_position;
        for stored in &batch {
            let (_, mut event) = kyc_nats::envelope::envelope(stored)
                .with_context(|| format!("event {}:{}", stored.aggregate_id, stored.sequence))?;
            event.data = serde_json::json!({
                "event": stored.payload,
                "metadata": stored.metadata,
            });
            serde_json::to_writer(&mut *out, &event)?;
            out.write_all(b"\n")?;
            written += 1;
        }
        bar.set_position(written);
        if position >= total {
            break;
        }
    }
    out.flush()?;
    bar.finish_and_clear();
    Ok(written)
}
