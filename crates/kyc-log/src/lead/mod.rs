//! Leadership: one active instance of a consumer across processes.
//!
//! A consumer that must not run twice (the relay: two instances would race for the stream's
//! next sequence) holds a PostgreSQL *session* advisory lock named after its checkpoint, on a
//! connection of its own. The server releases the lock when that connection dies, however the
//! process died, so a standby instance takes over without any lease to expire.

use sqlx::{Connection, PgConnection, PgPool};

use crate::LogError;

/// The advisory lock a consumer holds while it is the active instance. Dropping it closes the
/// connection, which releases the lock.
#[derive(Debug)]
pub struct Leadership {
    connection: PgConnection,
}

impl Leadership {
    /// Tries to become the active instance of consumer `name`; `None` while another holds it.
    pub async fn try_acquire(pool: &PgPool, name: &str) -> Result<Option<Self>, LogError> {
        let mut connection = pool.acquire().await?.detach();
        let leading: bool = sqlx::query_scalar(include_str!("try_lock.sql"))
            .bind(lock_key(name))
            .fetch_one(&mut connection)
            .await?;
        Ok(leading.then_some(Self { connection }))
    }

    /// Fails when the lock's connection is gone: the lock went with it, and another instance
    /// may be active already.
    pub async fn check(&mut self) -> Result<(), LogError> {
        Ok(self.connection.ping().await?)
    }
}

/// The advisory lock key of consumer `name`: FNV-1a of the name, stable across builds and
/// platforms (unlike std's hasher), so every version of kycd elects on the same key.
pub fn lock_key(name: &str) -> i64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in name.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    i64::from_ne_bytes(hash.to_ne_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The relay elected on this key (FNV-1a of `relay:<stream>`, computed independently)
    /// before the log had its crate; a changed key would let an old and a new relay run at
    /// once during a rolling upgrade.
    #[test]
    fn the_lock_key_is_fnv1a_of_the_name() {
        assert_eq!(
            lock_key("relay:KYC_EVENTS"),
            i64::from_ne_bytes(0x961a_6da0_176b_36e7_u64.to_ne_bytes())
        );
        assert_ne!(lock_key("relay:A"), lock_key("relay:B"));
    }
}
