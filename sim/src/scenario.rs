//! The scenario file (TOML): who trades, how the oracles move, how the keepers run.

use serde::Deserialize;
use std::path::Path;

#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    pub name: String,
    pub seed: u64,
    pub duration_s: i64,
    pub step_s: i64,
    /// Overrides of market parameters (names as in `MarketParams`), plus `insurance`: the
    /// insurance fund at the start, whole quote units.
    #[serde(default)]
    pub market: toml::Table,
    pub traders: Vec<TraderGroup>,
    pub oracle: Vec<OracleFeed>,
    pub keeper: KeeperSpec,
}

#[derive(Debug, Deserialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Quotes both sides around the oracle price every step.
    Maker,
    /// Opens a long of `leverage` × `collateral` at the start and holds it.
    Long,
    /// Opens a short likewise.
    Short,
    /// Takes random orders.
    Random,
    /// The queue-padding attacker (issue 21): opens a long like `long` (the group's first: a
    /// short), then every step rests `size` 1-lot reduce-only padding asks at the price and
    /// one more a tick above (while its margin allows), and the first padder buys them all
    /// back reduce-only with no makers passed, so each padder's own fills queue behind the
    /// others' padding.
    Padder,
}

#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct TraderGroup {
    pub role: Role,
    pub count: u32,
    /// Collateral each, whole quote units.
    pub collateral: u64,
    /// Maker: half-spread around the oracle price.
    #[serde(default = "default_spread")]
    pub spread_bps: u64,
    /// Maker: lots per side; random: largest order in lots.
    #[serde(default = "default_size")]
    pub size: u64,
    /// Long / short: notional over collateral.
    #[serde(default = "default_leverage")]
    pub leverage: f64,
    /// Random: chance of trading in each step.
    #[serde(default = "default_probability")]
    pub probability: f64,
    /// Long / short: a stop-loss this many percent from the entry price, placed with the
    /// position (a reduce-only market order down to `STOP_SLIPPAGE_PCT` further; 0: none).
    #[serde(default)]
    pub stop_loss_pct: f64,
}

fn default_spread() -> u64 {
    10
}
fn default_size() -> u64 {
    10
}
fn default_leverage() -> f64 {
    5.0
}
fn default_probability() -> f64 {
    0.2
}

#[derive(Debug, Deserialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    Pyth,
    Switchboard,
}

#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct OracleFeed {
    pub source: Source,
    /// `[t_seconds, price]`, piecewise linear, flat outside.
    pub points: Vec<(f64, f64)>,
    #[serde(default = "default_confidence")]
    pub confidence_bps: u64,
    /// `[from_s, to_s]` windows without updates.
    #[serde(default)]
    pub outages: Vec<(f64, f64)>,
}

fn default_confidence() -> u64 {
    10
}

#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct KeeperSpec {
    pub count: u32,
    /// A keeper acts every `latency_s` seconds (at least every step).
    #[serde(default)]
    pub latency_s: i64,
    /// Collateral of each keeper's margin account, whole quote units.
    #[serde(default = "default_keeper_collateral")]
    pub collateral: u64,
    /// The keepers split the accounts (each prefers its share, `keeper::tasks::liquidator::
    /// Share`) instead of all racing for every one.
    #[serde(default)]
    pub split: bool,
    /// The keepers close the positions their liquidations leave them (`keeper::tasks::unwind`).
    #[serde(default = "yes")]
    pub unwind: bool,
}

fn yes() -> bool {
    true
}

fn default_keeper_collateral() -> u64 {
    1_000_000
}

/// What is wrong with a scenario file.
#[derive(Debug, thiserror::Error)]
#[error("{path}: {message}")]
pub struct ScenarioError {
    pub path: String,
    pub message: String,
}

impl OracleFeed {
    /// The price at `t` (linear between points, flat outside).
    pub fn price_at(&self, t: f64) -> f64 {
        let p = &self.points;
        if t <= p[0].0 {
            return p[0].1;
        }
        for w in p.windows(2) {
            let ((t0, p0), (t1, p1)) = (w[0], w[1]);
            if t <= t1 {
                return if t1 > t0 {
                    p0 + (p1 - p0) * (t - t0) / (t1 - t0)
                } else {
                    p1
                };
            }
        }
        p[p.len() - 1].1
    }

    /// Whether the feed publishes at `t`.
    pub fn publishes_at(&self, t: f64) -> bool {
        !self.outages.iter().any(|&(from, to)| t >= from && t < to)
    }
}

impl Scenario {
    pub fn load(path: &Path) -> Result<Self, ScenarioError> {
        let err = |message: String| ScenarioError {
            path: path.display().to_string(),
            message,
        };
        let text = std::fs::read_to_string(path).map_err(|e| err(e.to_string()))?;
        Self::parse(&text).map_err(err)
    }

    pub fn parse(text: &str) -> Result<Self, String> {
        let s: Scenario = toml::from_str(text).map_err(|e| e.to_string())?;
        s.validate()?;
        Ok(s)
    }

    fn validate(&self) -> Result<(), String> {
        if self.step_s <= 0 || self.duration_s <= 0 {
            return Err("duration_s and step_s must be positive".into());
        }
        if self.duration_s / self.step_s > 100_000 {
            return Err("more than 100,000 steps: raise step_s".into());
        }
        if self.oracle.is_empty() {
            return Err("at least one [[oracle]] is needed".into());
        }
        for (i, o) in self.oracle.iter().enumerate() {
            if self.oracle[..i].iter().any(|p| p.source == o.source) {
                return Err(format!("oracle {:?} is given twice", o.source));
            }
            if o.points.is_empty() {
                return Err(format!("oracle {:?} has no points", o.source));
            }
            if o.points.windows(2).any(|w| w[1].0 < w[0].0) {
                return Err(format!(
                    "oracle {:?}: points must be in time order",
                    o.source
                ));
            }
            if o.points
                .iter()
                .any(|&(t, p)| !(p > 0.0 && p.is_finite() && t.is_finite()))
            {
                return Err(format!("oracle {:?}: prices must be positive", o.source));
            }
            if o.outages
                .iter()
                .any(|&(a, b)| b.partial_cmp(&a) != Some(std::cmp::Ordering::Greater))
            {
                return Err(format!(
                    "oracle {:?}: an outage must end after it starts",
                    o.source
                ));
            }
        }
        for g in &self.traders {
            if g.count == 0 || g.collateral == 0 {
                return Err(format!("{:?} traders need a count and collateral", g.role));
            }
            if g.role == Role::Maker && (g.size == 0 || g.spread_bps == 0) {
                return Err("makers need a positive size and spread_bps".into());
            }
            if !(g.leverage > 0.0 && g.leverage <= 100.0) {
                return Err(format!("leverage {} is outside (0, 100]", g.leverage));
            }
            if !(0.0..=1.0).contains(&g.probability) {
                return Err(format!("probability {} is outside [0, 1]", g.probability));
            }
        }
        if self.keeper.latency_s < 0 {
            return Err("keeper latency_s must not be negative".into());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINIMAL: &str = r#"
        name = "t"
        seed = 1
        duration_s = 60
        step_s = 10
        [[traders]]
        role = "maker"
        count = 1
        collateral = 1000
        [[oracle]]
        source = "pyth"
        points = [[0, 100.0], [10, 110.0]]
        outages = [[20, 30]]
        [keeper]
        count = 1
    "#;

    #[test]
    fn paths_interpolate_and_outages_silence() {
        let s = Scenario::parse(MINIMAL).expect("valid");
        let o = &s.oracle[0];
        assert_eq!(o.price_at(-1.0), 100.0);
        assert_eq!(o.price_at(5.0), 105.0);
        assert_eq!(o.price_at(99.0), 110.0);
        assert!(o.publishes_at(19.9) && !o.publishes_at(20.0) && o.publishes_at(30.0));
    }

    #[test]
    fn malformed_scenarios_are_named() {
        let bad = |from: &str, to: &str| Scenario::parse(&MINIMAL.replace(from, to)).unwrap_err();
        assert!(bad("step_s = 10", "step_s = 0").contains("positive"));
        assert!(
            bad("[[0, 100.0], [10, 110.0]]", "[[10, 100.0], [0, 110.0]]").contains("time order")
        );
        assert!(bad("role = \"maker\"", "role = \"whale\"").contains("whale"));
        assert!(bad("seed = 1", "seed = 1\nsede = 2").contains("sede"));
        assert!(bad("[[20, 30]]", "[[30, 20]]").contains("outage"));
    }
}
