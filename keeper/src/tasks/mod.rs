//! The keeper's tasks. Each keeps its own state and does one pass per `tick`, so the daemon can
//! run them on timers and the scenario runner can step them in simulated time.

pub mod events;
pub mod funding;
pub mod liquidator;
pub mod risk;
pub mod triggers;
pub mod unwind;

use crate::KeeperError;
use crate::config::Tuning;
use crate::metrics::Metrics;
use crate::sender::{Sender, Sent};
use std::sync::Arc;

/// What every task needs: a way to send, metrics to count in, and the tuning.
#[derive(Clone)]
pub struct Keeper {
    pub sender: Sender,
    pub metrics: Arc<Metrics>,
    pub tuning: Tuning,
}

impl Keeper {
    /// Counts a crank's outcome under `task` and logs a refusal (cranks are idempotent: the
    /// next pass simply tries again).
    pub fn count_crank(&self, task: &str, sent: &Sent) {
        let outcome = match sent {
            Sent::Landed(_) => "landed",
            Sent::Refused(_) => "skipped",
            Sent::Failed(_) => "failed",
        };
        self.metrics.crank(task, outcome);
        if !matches!(sent, Sent::Landed(_)) {
            let o = sent.outcome();
            tracing::debug!(task, error = ?o.err, logs = ?o.logs.last(), "crank not applied");
        }
    }
}

/// One pass of a task, as the daemon schedules it.
#[async_trait::async_trait]
pub trait Pass: Send {
    async fn pass(&mut self, k: &Keeper) -> Result<(), KeeperError>;

    /// Runs the next pass at once, before the timer, when notified: the task has work left or
    /// something it watches changed. `None`: the timer only.
    fn wake(&self) -> Option<Arc<tokio::sync::Notify>> {
        None
    }
}

/// Every task's pass is its `tick`, outcome dropped (the task counted and logged it).
macro_rules! pass_is_tick {
    ($($task:ty),* $(,)?) => {$(
        #[async_trait::async_trait]
        impl Pass for $task {
            async fn pass(&mut self, k: &Keeper) -> Result<(), KeeperError> {
                self.tick(k).await.map(drop)
            }
        }
    )*};
}

/// A task driven by the account stream's changes: its pass is its `tick`, woken by its `wake`.
macro_rules! pass_is_tick_woken {
    ($($task:ty),* $(,)?) => {$(
        #[async_trait::async_trait]
        impl Pass for $task {
            async fn pass(&mut self, k: &Keeper) -> Result<(), KeeperError> {
                self.tick(k).await.map(drop)
            }

            fn wake(&self) -> Option<Arc<tokio::sync::Notify>> {
                Some(<$task>::wake(self))
            }
        }
    )*};
}

pass_is_tick_woken!(liquidator::Liquidator, triggers::TriggerExecutor);

pass_is_tick!(
    events::EventConsumer,
    funding::FundingCranker,
    risk::RiskCranker,
    unwind::Unwinder,
);
