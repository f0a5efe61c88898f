//! The run's report: what the DAO reads before changing a parameter.

use serde::Serialize;

#[derive(Debug, Default, Serialize, Clone)]
pub struct KeeperReport {
    pub sent: u64,
    pub landed: u64,
    pub raced: u64,
    pub failed: u64,
    /// Refused for the keeper's own margin (`KeeperUnhealthy`).
    pub no_capacity: u64,
    /// Never executed (dropped, or its accounts locked on every attempt): no fee paid.
    pub busy: u64,
    /// Trigger orders it executed, and the program removed unexecuted when it tried.
    pub triggers_fired: u64,
    pub triggers_removed: u64,
    /// Why each failed liquidation failed (account: error and last log line).
    pub failures: Vec<String>,
}

#[derive(Debug, Default, Serialize, Clone)]
pub struct Report {
    pub scenario: String,
    pub seed: u64,
    pub duration_s: i64,
    pub steps: u64,
    pub traders: usize,
    /// Fills of trader orders (maker-taker matches).
    pub fills: u64,
    pub liquidations: u64,
    /// Liquidations of accounts that covered maintenance at the price most favourable to them
    /// (the valid sources' band end in their favour) just before the keepers acted: must be 0.
    pub healthy_liquidations: u64,
    pub bankruptcies: u64,
    /// Native quote units.
    pub insurance_start: u64,
    pub insurance_end: u64,
    pub insurance_used: u64,
    pub socialized_loss: u64,
    /// Losses nobody could be charged, plus debts still owed by flat accounts at the end.
    pub bad_debt: u64,
    pub conservation_ok: bool,
    /// Vault surplus over every claim (rounding that favours the vault), native units.
    pub conservation_dust: i64,
    /// Longest time an account stayed liquidatable before a keeper liquidated it.
    pub max_liquidation_delay_s: i64,
    /// Most events waiting in the queue just before the keepers acted.
    pub max_queued_events: u64,
    /// Liquidations of accounts that had their own fills waiting in the queue when the keepers
    /// acted (e.g. behind an attacker's padding): each landed in one keeper transaction.
    pub liquidations_with_queued_fills: u64,
    /// Accounts still liquidatable when the run ended.
    pub liquidatable_at_end: u64,
    /// Trigger orders (stop-losses) the keepers executed, and removed unexecuted.
    pub triggers_fired: u64,
    pub triggers_removed: u64,
    /// Long and short open interest at the end, base lots.
    pub final_open_interest: [u64; 2],
    /// Steps in which the oracle rules gave no liquidation price.
    pub steps_without_price: u64,
    /// Trader orders the program refused (e.g. no price while sources disagree).
    pub orders_refused: u64,
    pub keepers: Vec<KeeperReport>,
    /// The liquidation path's wall-clock latency in the in-process bank (simulate, then send
    /// and confirm), median and maximum, milliseconds.
    pub liquidation_latency_ms: [f64; 2],
    pub wall_clock_s: f64,
}

impl Report {
    /// A few readable lines.
    pub fn summary(&self) -> String {
        let q = |native: u64| native as f64 / 1e6;
        format!(
            "scenario {name} (seed {seed}): {dur} s in {steps} steps, {traders} traders, {wall:.1} s wall clock\n\
             fills {fills}, liquidations {liq} (healthy {healthy}), bankruptcies {bk}, triggers fired {fired} (removed {removed})\n\
             insurance {is:.2} -> {ie:.2} (used {iu:.2}), socialised {soc:.2}, bad debt {bad:.2}\n\
             max liquidation delay {delay} s, still liquidatable {left}, steps without a price {np}\n\
             queue: at most {queued} events waiting, {through} liquidations of accounts with fills in it\n\
             open interest long {l} / short {s} lots, conservation {cons} (dust {dust})\n\
             liquidation latency (simulate + send) median {lat:.2} ms, max {latmax:.2} ms",
            name = self.scenario,
            seed = self.seed,
            dur = self.duration_s,
            steps = self.steps,
            traders = self.traders,
            wall = self.wall_clock_s,
            fills = self.fills,
            liq = self.liquidations,
            healthy = self.healthy_liquidations,
            bk = self.bankruptcies,
            fired = self.triggers_fired,
            removed = self.triggers_removed,
            is = q(self.insurance_start),
            ie = q(self.insurance_end),
            iu = q(self.insurance_used),
            soc = q(self.socialized_loss),
            bad = q(self.bad_debt),
            delay = self.max_liquidation_delay_s,
            queued = self.max_queued_events,
            through = self.liquidations_with_queued_fills,
            left = self.liquidatable_at_end,
            np = self.steps_without_price,
            l = self.final_open_interest[0],
            s = self.final_open_interest[1],
            cons = if self.conservation_ok {
                "ok"
            } else {
                "VIOLATED"
            },
            dust = self.conservation_dust,
            lat = self.liquidation_latency_ms[0],
            latmax = self.liquidation_latency_ms[1],
        )
    }
}
