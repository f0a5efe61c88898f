//! One connection's queue of frames to write, bounded in bytes: a client that reads slower than
//! its notifications come is closed (as a validator closes a client that lags), never buffered
//! without limit. Frames are shared, not copied: a notification queued to many connections is
//! one allocation. The hub pushes and must never wait; the connection's task pops and writes.

use axum::extract::ws::Utf8Bytes;
use std::collections::VecDeque;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use tokio::sync::Notify;

/// Bytes one connection may have queued and not yet written (about 11 notifications of a
/// market's book in base64).
pub const MAX_QUEUED_BYTES: usize = 16 << 20;
/// Bytes all connections together may have queued. A frame shared by several connections is
/// counted once for each, so this bounds memory from above.
pub const MAX_QUEUED_BYTES_TOTAL: usize = 64 << 20;

#[derive(Default)]
struct Queue {
    frames: VecDeque<Utf8Bytes>,
    bytes: usize,
    closed: bool,
}

pub struct Outbox {
    queue: Mutex<Queue>,
    /// Wakes the writer: a frame was queued, or the outbox closed.
    wake: Notify,
    /// Wakes a writer blocked mid-frame on a client that does not read.
    close: Notify,
    /// Bytes queued in every outbox.
    total: Arc<AtomicUsize>,
}

/// What the writer does next.
pub enum Next {
    Write(Utf8Bytes),
    /// The connection fell behind: close it.
    Closed,
}

impl Outbox {
    pub fn new(total: Arc<AtomicUsize>) -> Self {
        Outbox {
            queue: Mutex::default(),
            wake: Notify::new(),
            close: Notify::new(),
            total,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Queue> {
        self.queue.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Queues `frame`; `false` when the outbox is closed, or closes now because the connection
    /// is too far behind. An empty queue always takes a frame: the bound is on falling behind,
    /// not on the size of one notification.
    pub fn push(&self, frame: Utf8Bytes) -> bool {
        let mut q = self.lock();
        if q.closed {
            return false;
        }
        let len = frame.len();
        let behind = q.bytes > 0
            && (q.bytes + len > MAX_QUEUED_BYTES
                || self.total.load(Ordering::Relaxed) + len > MAX_QUEUED_BYTES_TOTAL);
        if behind {
            q.closed = true;
            self.total.fetch_sub(q.bytes, Ordering::Relaxed);
            q.bytes = 0;
            q.frames.clear();
            drop(q);
            self.wake.notify_one();
            self.close.notify_one();
            return false;
        }
        q.bytes += len;
        self.total.fetch_add(len, Ordering::Relaxed);
        q.frames.push_back(frame);
        drop(q);
        self.wake.notify_one();
        true
    }

    /// The next frame to write, waiting for one. Cancel-safe: a frame is taken only when it is
    /// returned.
    pub async fn next(&self) -> Next {
        loop {
            {
                let mut q = self.lock();
                if q.closed {
                    return Next::Closed;
                }
                if let Some(frame) = q.frames.pop_front() {
                    q.bytes -= frame.len();
                    self.total.fetch_sub(frame.len(), Ordering::Relaxed);
                    return Next::Write(frame);
                }
            }
            self.wake.notified().await;
        }
    }

    /// Resolves once the outbox is closed.
    pub async fn closed(&self) {
        loop {
            if self.lock().closed {
                return;
            }
            self.close.notified().await;
        }
    }

    /// Bytes queued and not yet taken by the writer.
    pub fn queued(&self) -> usize {
        self.lock().bytes
    }
}

impl Drop for Outbox {
    fn drop(&mut self) {
        let bytes = self.lock().bytes;
        self.total.fetch_sub(bytes, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(len: usize) -> Utf8Bytes {
        Utf8Bytes::from("x".repeat(len))
    }

    #[tokio::test]
    async fn a_connection_that_falls_behind_is_closed_and_its_bytes_given_back() {
        let total = Arc::new(AtomicUsize::new(0));
        let outbox = Outbox::new(total.clone());
        // One frame larger than the bound is taken by an empty queue.
        assert!(outbox.push(frame(MAX_QUEUED_BYTES + 1)));
        assert!(matches!(outbox.next().await, Next::Write(f) if f.len() == MAX_QUEUED_BYTES + 1));
        assert_eq!(total.load(Ordering::Relaxed), 0);
        let half = MAX_QUEUED_BYTES / 2;
        assert!(outbox.push(frame(half)));
        assert!(outbox.push(frame(half)));
        assert_eq!(outbox.queued(), MAX_QUEUED_BYTES);
        assert!(!outbox.push(frame(1)), "one byte over closes it");
        assert!(!outbox.push(frame(1)), "and it stays closed");
        assert_eq!(total.load(Ordering::Relaxed), 0);
        assert!(matches!(outbox.next().await, Next::Closed));
        outbox.closed().await;
    }

    #[tokio::test]
    async fn the_total_over_all_connections_is_bounded_too() {
        let total = Arc::new(AtomicUsize::new(MAX_QUEUED_BYTES_TOTAL - 10));
        let outbox = Outbox::new(total.clone());
        assert!(outbox.push(frame(5)));
        assert!(outbox.push(frame(5)));
        assert!(!outbox.push(frame(1)), "the total is full");
        assert_eq!(total.load(Ordering::Relaxed), MAX_QUEUED_BYTES_TOTAL - 10);
    }
}
