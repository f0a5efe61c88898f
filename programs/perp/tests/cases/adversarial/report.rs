//! What kind of failure a violation is — the invariant, and the circumstances of the step that
//! broke it (market, oracles, status, who acted, where the fills were priced, reduce-only) — so
//! a run reports each kind once, and shrinking keeps a sequence of the same kind.

use super::claims::{Band, Inv, Registry};
use super::exec::{Executed, OracleModel};
use super::step::{AK, By, K, Step};
use super::world::{Variant, is_attacker};
use crate::program_test::env::events_of;
use perp::events::{BookEventLogged, Liquidated};
use perp::state::{Market, MarketStatus};
use perp_engine::book::events::EVENT_FILL;
use solana_sdk::clock::Clock;

/// The oracle sources at a step.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Oracles {
    Fresh,
    OneStale,
    BothStale,
    /// Fresh but further apart than the market's max deviation.
    Diverging,
}

/// The market's effective status at a step.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Status {
    Active,
    /// Set by the guardian.
    ReduceOnly,
    /// Held reduce-only by the circuit breaker.
    Breaker,
    Paused,
}

/// Who acted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Actor {
    Attacker,
    /// The attacker signing for H0 (or a fill of an order it placed for H0).
    Delegate,
    Honest,
    HonestKeeper,
    AttackerKeeper,
    World,
}

/// Where the step's fills were priced against the band.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Fills {
    None,
    InBand,
    AboveBand,
    BelowBand,
    Liquidation,
}

/// A failure's kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Signature {
    pub inv: Inv,
    pub market: Variant,
    pub oracles: Oracles,
    pub status: Status,
    pub actor: Actor,
    pub fills: Fills,
    pub reduce_only: bool,
}

/// The circumstances before a step.
#[derive(Clone, Copy, Debug)]
pub struct Conditions {
    pub oracles: Oracles,
    pub status: Status,
    pub band: Band,
}

impl Conditions {
    /// Reads them from the market, the fuzzer's oracle model and the clock.
    pub fn of(market: &Market, oracle: &OracleModel, clock: &Clock, band: Band) -> Conditions {
        let cfg = &market.oracle;
        let pyth_stale = clock.unix_timestamp - oracle.pyth_time > i64::from(cfg.max_age_secs);
        let sb_stale =
            clock.slot.saturating_sub(oracle.switchboard_slot) > u64::from(cfg.max_age_slots);
        let (low, high) = (
            oracle.pyth.min(oracle.switchboard),
            oracle.pyth.max(oracle.switchboard),
        );
        let diverging = (high - low) * 10_000 > u64::from(cfg.max_deviation_bps) * low;
        let oracles = match (pyth_stale, sb_stale) {
            (true, true) => Oracles::BothStale,
            (true, false) | (false, true) => Oracles::OneStale,
            _ if diverging => Oracles::Diverging,
            _ => Oracles::Fresh,
        };
        let status = match MarketStatus::from_byte(market.status) {
            MarketStatus::Paused => Status::Paused,
            MarketStatus::ReduceOnly => Status::ReduceOnly,
            MarketStatus::Active if market.price.breaker_engaged != 0 => Status::Breaker,
            MarketStatus::Active => Status::Active,
        };
        Conditions {
            oracles,
            status,
            band,
        }
    }
}

/// The kind of a violation of `inv` by `step`.
pub fn classify(
    inv: Inv,
    market: Variant,
    cond: &Conditions,
    step: &Step,
    executed: &Executed,
    registry: &Registry,
) -> Signature {
    let fills: Vec<BookEventLogged> = events_of::<BookEventLogged>(&executed.events)
        .into_iter()
        .filter(|f| f.kind == EVENT_FILL)
        .collect();
    let makers: Vec<_> = fills
        .iter()
        .filter_map(|f| registry.get(&f.client_order_id))
        .collect();
    let orders = step.orders();
    let delegate =
        orders.iter().any(|o| o.by == By::Delegate) || makers.iter().any(|p| p.by == By::Delegate);
    let actor = match step {
        _ if delegate => Actor::Delegate,
        Step::Liquidate {
            by: By::Delegate, ..
        } => Actor::Delegate,
        Step::Liquidate { keeper, .. } if *keeper == K => Actor::HonestKeeper,
        Step::Liquidate { keeper, .. } if *keeper == AK => Actor::AttackerKeeper,
        Step::Place(_) | Step::Pair(..) if orders.iter().any(|o| is_attacker(o.acct)) => {
            Actor::Attacker
        }
        Step::Deposit(a, _) | Step::Withdraw(a, _) | Step::Cancel(a, By::Owner, _)
            if is_attacker(*a) =>
        {
            Actor::Attacker
        }
        Step::Place(_) | Step::Pair(..) | Step::Quote { .. } => Actor::Honest,
        Step::Deposit(..) | Step::Withdraw(..) | Step::Cancel(..) => Actor::Honest,
        _ => Actor::World,
    };
    let band = cond.band;
    let class = |ticks: u64| {
        let p = i128::from(ticks) * band.tick;
        if p > band.high {
            Fills::AboveBand
        } else if p < band.low {
            Fills::BelowBand
        } else {
            Fills::InBand
        }
    };
    let fill_class = if !events_of::<Liquidated>(&executed.events).is_empty() {
        Fills::Liquidation
    } else {
        // The fill furthest from the band decides.
        let mut worst = Fills::None;
        for f in &fills {
            match (worst, class(f.price_ticks)) {
                (_, Fills::AboveBand) | (_, Fills::BelowBand) => worst = class(f.price_ticks),
                (Fills::None, c) => worst = c,
                _ => {}
            }
        }
        worst
    };
    Signature {
        inv,
        market,
        oracles: cond.oracles,
        status: cond.status,
        actor,
        fills: fill_class,
        reduce_only: orders.iter().any(|o| o.reduce_only) || makers.iter().any(|p| p.reduce_only),
    }
}

/// The one-line summary of a kind.
pub fn describe(s: &Signature) -> String {
    format!(
        "{:?} | market {:?} | oracles {:?} | status {:?} | by {:?} | fills {:?} | {}",
        s.inv,
        s.market,
        s.oracles,
        s.status,
        s.actor,
        s.fills,
        if s.reduce_only {
            "reduce-only"
        } else {
            "not reduce-only"
        }
    )
}
