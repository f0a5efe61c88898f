//! Prometheus metrics of one keeper process.

use prometheus::{
    Encoder, IntCounterVec, IntGaugeVec, Opts, Registry, TextEncoder,
    register_int_counter_vec_with_registry, register_int_gauge_vec_with_registry,
};

pub struct Metrics {
    registry: Registry,
    /// Margin accounts the liquidator follows, per market.
    pub accounts_tracked: IntGaugeVec,
    /// Liquidations by outcome: `sent`, `landed`, `failed`, `raced` (another keeper got there
    /// first, or the account recovered), `no_capacity` (the keeper's own margin could not take
    /// the position over: it must unwind or be funded), `busy` (never executed, nothing
    /// charged: dropped on every attempt until its blockhash expired — a fee too low, a broken
    /// send path — or, on a local bank, its accounts locked by others through every retry).
    pub liquidations: IntCounterVec,
    /// `order_cancel_at_risk` transactions by outcome: `landed`, `failed`, `raced`.
    pub cancels_at_risk: IntCounterVec,
    /// Trigger executions by outcome: `executed`, `removed` (the program removed it unpaid:
    /// expired, nothing to reduce, margin refused), `raced`, `failed`.
    pub triggers: IntCounterVec,
    /// Triggers due (or expired) at the last pass, per market.
    pub triggers_due: IntGaugeVec,
    /// Crank transactions by task and outcome (`landed`, `failed`, `skipped`).
    pub cranks: IntCounterVec,
    /// Seconds since each task last completed a pass.
    pub task_lag_seconds: IntGaugeVec,
    /// Tasks restarted after a panic.
    pub task_restarts: IntCounterVec,
    /// Passes cancelled for running longer than `pass_timeout_secs`.
    pub pass_timeouts: IntCounterVec,
    /// 1 while an RPC endpoint answers its health check, 0 after it fails.
    pub rpc_endpoint_up: IntGaugeVec,
    /// Requests that failed over from one endpoint to the next.
    pub rpc_failovers: IntCounterVec,
    /// Simulations an endpoint refused that the next endpoint ran successfully.
    pub rpc_disagreements: IntCounterVec,
    /// Slots an endpoint was behind the newest endpoint at the last health check.
    pub rpc_endpoint_slot_lag: IntGaugeVec,
    /// 1 while a market's account stream is subscribed and reconciled.
    pub stream_up: IntGaugeVec,
    /// 1 while the liquidator of a market polls its accounts (no stream, or the stream is down).
    pub polling: IntGaugeVec,
    /// Markets whose liquidator polls, readable back for `/health`.
    polled: std::sync::Mutex<std::collections::BTreeSet<String>>,
    /// The keeper's own position (base lots) and maintenance surplus (native) per market.
    pub keeper_inventory_lots: IntGaugeVec,
    pub keeper_maintenance_surplus: IntGaugeVec,
    /// Accounts below maintenance at the last pass, per market.
    pub liquidatable_accounts: IntGaugeVec,
    /// How long (chain seconds) the longest-liquidatable account has stayed so, per market.
    pub liquidatable_oldest_seconds: IntGaugeVec,
    /// The same, readable back for `/health` (a gauge vector cannot list its labels).
    oldest: std::sync::Mutex<std::collections::BTreeMap<String, i64>>,
    /// Accounts whose health the keeper's maths refused to compute, per market (it cannot tell
    /// whether they are liquidatable).
    pub unvalued_accounts: IntGaugeVec,
    unvalued: std::sync::Mutex<std::collections::BTreeMap<String, usize>>,
}

impl Metrics {
    pub fn new() -> Self {
        let registry = Registry::new_custom(Some("keeper".into()), None).expect("valid prefix");
        let r = &registry;
        // Registration fails only on duplicate names, fixed at compile time here.
        let gauge = |name: &str, help: &str, labels: &[&str]| {
            register_int_gauge_vec_with_registry!(Opts::new(name, help), labels, r)
                .expect("unique metric")
        };
        let counter = |name: &str, help: &str, labels: &[&str]| {
            register_int_counter_vec_with_registry!(Opts::new(name, help), labels, r)
                .expect("unique metric")
        };
        Metrics {
            accounts_tracked: gauge("accounts_tracked", "Margin accounts followed", &["market"]),
            liquidations: counter(
                "liquidations_total",
                "Liquidations by outcome",
                &["outcome"],
            ),
            cancels_at_risk: counter(
                "cancels_at_risk_total",
                "Orders cancelled because they would breach maintenance, by outcome",
                &["outcome"],
            ),
            triggers: counter(
                "triggers_total",
                "Trigger executions by outcome",
                &["outcome"],
            ),
            triggers_due: gauge(
                "triggers_due",
                "Triggers due or expired at the last pass",
                &["market"],
            ),
            cranks: counter("cranks_total", "Crank transactions", &["task", "outcome"]),
            task_lag_seconds: gauge(
                "task_lag_seconds",
                "Seconds since a task's last pass",
                &["task"],
            ),
            task_restarts: counter(
                "task_restarts_total",
                "Tasks restarted after a panic",
                &["task"],
            ),
            pass_timeouts: counter(
                "pass_timeouts_total",
                "Passes cancelled for taking too long",
                &["task"],
            ),
            rpc_endpoint_up: gauge("rpc_endpoint_up", "RPC endpoint health", &["endpoint"]),
            rpc_endpoint_slot_lag: gauge(
                "rpc_endpoint_slot_lag",
                "Slots behind the newest endpoint at the last health check",
                &["endpoint"],
            ),
            stream_up: gauge(
                "stream_up",
                "Account stream subscribed and reconciled",
                &["market"],
            ),
            polling: gauge("polling", "The liquidator polls its accounts", &["market"]),
            polled: Default::default(),
            keeper_inventory_lots: gauge(
                "inventory_lots",
                "The keeper's own position, base lots",
                &["market"],
            ),
            keeper_maintenance_surplus: gauge(
                "maintenance_surplus",
                "The keeper account's equity above maintenance margin, native quote units",
                &["market"],
            ),
            liquidatable_accounts: gauge(
                "liquidatable_accounts",
                "Accounts below maintenance at the last pass",
                &["market"],
            ),
            liquidatable_oldest_seconds: gauge(
                "liquidatable_oldest_seconds",
                "Seconds the longest-liquidatable account has stayed liquidatable",
                &["market"],
            ),
            oldest: Default::default(),
            unvalued_accounts: gauge(
                "unvalued_accounts",
                "Accounts whose health the keeper could not compute at the last pass",
                &["market"],
            ),
            unvalued: Default::default(),
            rpc_disagreements: counter(
                "rpc_disagreements_total",
                "Simulations this endpoint refused and the next one ran",
                &["endpoint"],
            ),
            rpc_failovers: counter(
                "rpc_failovers_total",
                "Requests moved to the next endpoint",
                &["from"],
            ),
            registry,
        }
    }

    /// The text exposition format.
    pub fn render(&self) -> String {
        let mut out = Vec::new();
        // Encoding into a Vec cannot fail for well-formed metric families.
        TextEncoder::new()
            .encode(&self.registry.gather(), &mut out)
            .expect("text encoding");
        String::from_utf8(out).expect("utf-8 exposition")
    }

    /// A liquidation outcome counted once.
    pub fn liquidation(&self, outcome: &str) {
        self.liquidations.with_label_values(&[outcome]).inc();
    }

    /// An `order_cancel_at_risk` outcome counted once.
    pub fn cancel_at_risk(&self, outcome: &str) {
        self.cancels_at_risk.with_label_values(&[outcome]).inc();
    }

    /// A crank outcome counted once.
    /// A trigger execution's outcome counted once.
    pub fn trigger(&self, outcome: &str) {
        self.triggers.with_label_values(&[outcome]).inc();
    }

    pub fn crank(&self, task: &str, outcome: &str) {
        self.cranks.with_label_values(&[task, outcome]).inc();
    }

    /// The count of `outcome` liquidations so far.
    /// Records how many accounts of `market` are liquidatable and for how long the oldest has
    /// been (0: none).
    pub fn liquidatable(&self, market: &str, count: usize, oldest_secs: i64) {
        self.liquidatable_accounts
            .with_label_values(&[market])
            .set(count as i64);
        self.liquidatable_oldest_seconds
            .with_label_values(&[market])
            .set(oldest_secs);
        self.oldest
            .lock()
            .expect("oldest")
            .insert(market.to_string(), oldest_secs);
    }

    /// Records whether `market`'s liquidator polls (instead of streaming).
    pub fn polling(&self, market: &str, polling: bool) {
        self.polling
            .with_label_values(&[market])
            .set(i64::from(polling));
        let mut polled = self.polled.lock().expect("polled");
        if polling {
            polled.insert(market.to_string());
        } else {
            polled.remove(market);
        }
    }

    /// Markets whose liquidator polls.
    pub fn polled_markets(&self) -> Vec<String> {
        self.polled
            .lock()
            .expect("polled")
            .iter()
            .cloned()
            .collect()
    }

    /// Markets with an account liquidatable for longer than `secs`, with how long.
    pub fn stuck_markets(&self, secs: i64) -> Vec<(String, i64)> {
        let oldest = self.oldest.lock().expect("oldest");
        oldest
            .iter()
            .filter(|(_, s)| **s > secs)
            .map(|(m, s)| (m.clone(), *s))
            .collect()
    }

    /// Records how many accounts of `market` the keeper could not value.
    pub fn unvalued(&self, market: &str, count: usize) {
        self.unvalued_accounts
            .with_label_values(&[market])
            .set(count as i64);
        self.unvalued
            .lock()
            .expect("unvalued")
            .insert(market.to_string(), count);
    }

    /// Markets with accounts the keeper could not value, and how many.
    pub fn unvalued_markets(&self) -> Vec<(String, usize)> {
        let unvalued = self.unvalued.lock().expect("unvalued");
        unvalued
            .iter()
            .filter(|(_, n)| **n > 0)
            .map(|(m, n)| (m.clone(), *n))
            .collect()
    }

    pub fn liquidations_of(&self, outcome: &str) -> u64 {
        self.liquidations.with_label_values(&[outcome]).get()
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}
