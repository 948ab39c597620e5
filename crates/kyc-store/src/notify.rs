//! Wake-ups for tailing readers.
//!
//! A statement-level trigger on `events` calls `pg_notify('kyc_events', '')`; PostgreSQL
//! delivers it when the writing transaction commits. It is only a hint: the woken reader may
//! still find nothing below its horizon (an older transaction is still running), and that older
//! transaction's end sends no notification unless it wrote events. Tailers therefore wait for
//! a notification *or* a short timeout, then call [`crate::read_after`].

use sqlx::postgres::PgListener;
use sqlx::PgPool;

use crate::StoreError;

/// The notification channel of the event log.
pub const EVENTS_CHANNEL: &str = "kyc_events";

/// A listener (its own connection) subscribed to [`EVENTS_CHANNEL`].
pub async fn listen(pool: &PgPool) -> Result<PgListener, StoreError> {
    let mut listener = PgListener::connect_with(pool).await?;
    listener.listen(EVENTS_CHANNEL).await?;
    Ok(listener)
}

/// Discards every notification already received. A waiting reader catches up on everything
/// in one go, so one wake-up is enough however many commits notified; without draining, one
/// notification per commit would pile up faster than a busy reader consumes them.
pub fn drain_notifications(listener: &mut PgListener) {
    while listener.next_buffered().is_some() {}
}
