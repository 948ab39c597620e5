//! One writer at a time per customer within this process.
//!
//! Optimistic concurrency keeps the log correct whoever writes, but writers that race on one
//! customer mostly lose and retry; under a burst some exhaust their retries and the caller sees
//! a conflict. Queuing a process's own writers per customer turns that race into a short wait,
//! and leaves the retries for the rarer race with another kycd instance.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use kyc_domain::ids::CustomerGuid;
use tokio::sync::OwnedMutexGuard;

/// Per-customer locks, created on demand and dropped when nobody holds or waits for them.
#[derive(Default)]
pub struct CustomerQueue {
    locks: Mutex<HashMap<CustomerGuid, Arc<tokio::sync::Mutex<()>>>>,
}

/// A place at the head of one customer's queue; the next writer proceeds when it is dropped.
pub struct Turn {
    guid: CustomerGuid,
    queue: Arc<CustomerQueue>,
    guard: Option<OwnedMutexGuard<()>>,
}

impl CustomerQueue {
    /// Waits for this process's earlier writers to `guid` to finish.
    pub async fn turn(self: &Arc<Self>, guid: CustomerGuid) -> Turn {
        let lock = {
            let mut locks = self.locks.lock().unwrap_or_else(PoisonError::into_inner);
            Arc::clone(locks.entry(guid).or_default())
        };
        let guard = lock.lock_owned().await;
        Turn {
            guid,
            queue: Arc::clone(self),
            guard: Some(guard),
        }
    }

    /// Customers with a lock entry (for tests).
    pub fn len(&self) -> usize {
        self.locks
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }

    /// True when no customer has a lock entry.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl Drop for Turn {
    fn drop(&mut self) {
        drop(self.guard.take());
        let mut locks = self
            .queue
            .locks
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        // Only the map holds the lock now: nobody is waiting, so forget it.
        if locks
            .get(&self.guid)
            .is_some_and(|lock| Arc::strong_count(lock) == 1)
        {
            locks.remove(&self.guid);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn writers_to_one_customer_take_turns_and_entries_are_forgotten() {
        let queue = Arc::new(CustomerQueue::default());
        let guid = CustomerGuid::parse("0190f5a3c2b47c3e8a1d2e3f4a5b6c7d").unwrap();
        let other = CustomerGuid::parse("0190f5a3c2b47c3e8a1d2e3f4a5b6c7e").unwrap();
        let first = queue.turn(guid).await;
        // Polled once, the second writer's turn is pending: it reached the lock and queued
        // (a sleep would not show that it ever got there).
        let mut second = std::pin::pin!(queue.turn(guid));
        assert!(poll_once(second.as_mut()).await.is_pending());
        // Writers to another customer do not wait.
        drop(queue.turn(other).await);
        assert_eq!(queue.len(), 1);
        drop(first);
        let second = poll_once(second.as_mut()).await;
        assert!(
            second.is_ready(),
            "the queued writer goes on once the first is done"
        );
        drop(second);
        assert!(queue.is_empty());
    }

    /// Polls `future` once, with the task's own waker.
    async fn poll_once<F: std::future::Future + Unpin>(
        mut future: F,
    ) -> std::task::Poll<F::Output> {
        std::future::poll_fn(|cx| std::task::Poll::Ready(std::pin::Pin::new(&mut future).poll(cx)))
            .await
    }
}
