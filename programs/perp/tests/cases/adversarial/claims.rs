//! Invariants 2 and 3, which compare one step's before and after: no manufactured bad debt,
//! fair claims per owner group, and the bound on what H0's delegate can cost H0. The
//! module doc of `adversarial` states the rules; this file computes them.
//!
//! Every value is native units × `PRICE_SCALE` (`Price` raw × lots), exact integers: equity
//! comes from the program's own `Market::health` on virtually drained copies, funding from its
//! own settlement, transfers from the amounts its events carry.

use super::exec::{Executed, OracleModel};
use super::step::{Acct, By, NAMES, Step};
use super::world::{ACCOUNTS, GROUPS, group_of};
use crate::program_test::adversary::{MarketView, equity, equity_with_funding_of};
use crate::program_test::env::events_of;
use perp::events::{BookEventLogged, Liquidated, OrderPlaced, TriggerExecuted};
use perp::state::Market;
use perp_engine::Price;
use perp_engine::book::events::EVENT_FILL;
use perp_engine::price::PRICE_SCALE;
use perp_engine::side::Side;
use solana_sdk::pubkey::Pubkey;
use std::collections::HashMap;

/// Which invariant failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Inv {
    /// 1: tokens conserved and trading zero-sum (on the virtual drain).
    Conservation,
    /// 2: at an unchanged oracle price no account's equity turns negative.
    NoBadDebt,
    /// 3: no owner group's claims grow beyond what it earned.
    FairClaims,
    /// 3, for H0: its delegate cost it no more than fees and in-band price distance.
    DelegateBound,
    /// 4: open interest matches the positions.
    OpenInterest,
    /// The queue holds an event that cannot be applied (broken state).
    QueueState,
    /// 5: an account below maintenance that the honest keeper's one `liquidate` cannot
    /// liquidate (whatever the queue holds).
    Liquidatable,
    /// 6: clients read an event our program did not write (another program printed it).
    ForgedEvent,
    /// 7: open interest, once every queued fill settles, grew past the hard cap.
    OpenInterestCap,
}

/// An order the sequence placed, as the delegate bound needs it.
#[derive(Clone, Copy, Debug)]
pub struct Placed {
    pub by: By,
    pub reduce_only: bool,
    /// The true price when it was placed, `Price` raw.
    pub price_at: i128,
    /// The band's reach from that price then, `Price` raw per lot.
    pub reach: i128,
}

/// Orders placed in the sequence, by client id.
pub type Registry = HashMap<u64, Placed>;

/// The price range the market's band could allow at a step: the stable price and every
/// source, widened by the breaker band (`Price` raw). It is at least as wide as the program's
/// increase-risk band widened by `breaker_band_bps`, which is centred on the stable price and
/// the sources' median.
#[derive(Clone, Copy, Debug)]
pub struct Band {
    pub low: i128,
    pub high: i128,
    /// One tick, `Price` raw.
    pub tick: i128,
}

impl Band {
    /// The band of `market` with sources as `oracle` says and a breaker band of `bps`.
    pub fn at(market: &Market, oracle: &OracleModel, bps: u32) -> Band {
        let tick = i128::from(market.params.tick_size)
            * i128::from(market.params.quote_lot_size)
            * PRICE_SCALE as i128;
        let prices = [
            i128::from(market.price.stable_price),
            i128::from(oracle.pyth) * tick,
            i128::from(oracle.switchboard) * tick,
        ];
        let (min, max) = (*prices.iter().min().unwrap(), *prices.iter().max().unwrap());
        let bps = i128::from(bps);
        Band {
            low: min * (10_000 - bps) / 10_000,
            high: max * (10_000 + bps) / 10_000,
            tick,
        }
    }

    /// How far from `price` a fill inside the band can be, per lot (one tick more for the
    /// rounding of the edges to ticks).
    pub fn reach(&self, price: i128) -> i128 {
        (self.high - price).max(price - self.low).max(0) + self.tick
    }

    /// The edges in ticks (rounded inward, as the program rounds them).
    pub fn ticks(&self) -> (u64, u64) {
        let low = (self.low + self.tick - 1) / self.tick;
        let high = self.high / self.tick;
        (low.max(1) as u64, high.max(1) as u64)
    }
}

/// Tokens withdrawn minus deposited by each owner group, native × `PRICE_SCALE`.
#[derive(Clone, Debug, Default)]
pub struct Ledger {
    pub net_out: [i128; GROUPS],
}

impl Ledger {
    /// The ledger after `executed`'s token flows.
    pub fn after(&self, executed: &Executed) -> Ledger {
        let mut next = self.clone();
        for (a, amount) in &executed.flows {
            next.net_out[group_of(*a)] -= amount * PRICE_SCALE as i128;
        }
        next
    }
}

/// Everything one step's check reads.
pub struct StepContext<'a> {
    pub before: &'a MarketView,
    pub after: &'a MarketView,
    pub keys: &'a [Pubkey],
    pub price_before: Price,
    pub price_after: Price,
    pub step: &'a Step,
    pub executed: &'a Executed,
    /// Includes this step's orders.
    pub registry: &'a Registry,
    /// The band at this step.
    pub band: Band,
    pub ledger_before: &'a Ledger,
    pub ledger_after: &'a Ledger,
}

/// What each account's equity may change by this step for reasons other than its own
/// group's internal transfers: `upper` bounds gains (invariant 3), `lower` is what the
/// delegate bound allows as a floor, `liquidation_fee` what a liquidation charged it.
struct Allowed {
    upper: Vec<i128>,
    lower: Vec<i128>,
    liquidation_fee: Vec<i128>,
}

/// Checks invariants 2 and 3 for one executed step. Reports the H0 bound first, then bad
/// debt, then fair claims, naming every one that failed.
pub fn check(c: &StepContext) -> Result<(), (Inv, String)> {
    let n = c.keys.len();
    let eq_before: Vec<i128> = (0..n)
        .map(|i| equity(&c.before.market, &c.before.drained[i], c.price_before))
        .collect();
    let eq_after: Vec<i128> = (0..n)
        .map(|i| equity(&c.after.market, &c.after.drained[i], c.price_after))
        .collect();
    let funding: Vec<i128> = (0..n).map(|i| index_effect(c, i)).collect();
    let allowed = transfers(c);
    let constant = c.price_before == c.price_after;
    // Every violated invariant is named; the most specific one classifies the failure.
    let mut found = Vec::new();
    if constant {
        found.extend(delegate_bound(c, &eq_before, &eq_after, &funding, &allowed).err());
        found.extend(no_bad_debt(c, &eq_before, &eq_after, &funding, &allowed).err());
    }
    found.extend(fair_claims(c, &eq_before, &eq_after, &funding, &allowed).err());
    let Some(((inv, first), rest)) = found.split_first() else {
        return Ok(());
    };
    let mut message = first.clone();
    for (other, text) in rest {
        message += &format!("; also {other:?}: {text}");
    }
    Err((*inv, message))
}

/// Funding and socialised losses the step moved onto account `i`: its stored state valued with
/// the market's indices after the step minus the same state with the indices before.
fn index_effect(c: &StepContext, i: usize) -> i128 {
    let (key, account) = (&c.keys[i], &c.after.accounts[i]);
    let q = &c.after.queue;
    equity_with_funding_of(&c.after.market, key, account, q, c.price_after)
        - equity_with_funding_of(&c.before.market, key, account, q, c.price_after)
}

/// Price gains, fees and liquidation transfers of the step, per account.
fn transfers(c: &StepContext) -> Allowed {
    let n = c.keys.len();
    let mut a = Allowed {
        upper: vec![0; n],
        lower: vec![0; n],
        liquidation_fee: vec![0; n],
    };
    let m = &c.after.market;
    let scale = i128::from(m.params.quote_lot_size) * PRICE_SCALE as i128;
    let tick = i128::from(m.params.tick_size) * scale;
    let price = i128::from(c.price_after.raw());
    let index = |key: &Pubkey| c.keys.iter().position(|k| k == key).expect("known account");
    let trades = matches!(
        c.step,
        Step::Place(_)
            | Step::Pair(..)
            | Step::Quote { .. }
            | Step::Requote(_)
            | Step::TriggerExecute { .. }
    );
    if trades {
        for f in events_of::<BookEventLogged>(&c.executed.events) {
            if f.kind != EVENT_FILL {
                continue;
            }
            let (maker, taker) = (index(&f.maker), index(&f.taker));
            let lots = i128::from(f.base_lots);
            let sign = if Side::from_byte(f.maker_side) == Side::Bid {
                1
            } else {
                -1
            };
            let maker_gain = sign * lots * (price - i128::from(f.price_ticks) * tick);
            let maker_fee = i128::from(f.maker_fee) * scale;
            a.upper[maker] -= maker_fee;
            a.lower[maker] -= maker_fee;
            if group_of(Acct(maker)) != group_of(Acct(taker)) {
                a.upper[maker] += maker_gain;
                a.upper[taker] -= maker_gain;
            }
            let maker_order = c.registry.get(&f.client_order_id).copied();
            a.lower[maker] += bounded(maker_gain, lots, maker_order, price);
            let taker_order = taker_order(c, Acct(taker), price);
            a.lower[taker] += bounded(-maker_gain, lots, taker_order, price);
        }
        for p in events_of::<OrderPlaced>(&c.executed.events) {
            let t = index(&p.margin_account);
            a.upper[t] -= i128::from(p.taker_fee) * scale;
            a.lower[t] -= i128::from(p.taker_fee) * scale;
        }
    }
    // A fired trigger's executor fee: realised PnL from the account to the executor's.
    for t in events_of::<TriggerExecuted>(&c.executed.events) {
        let (x, e) = (index(&t.margin_account), index(&t.executor_account));
        let fee = i128::from(t.fee_quote_lots) * scale;
        // A delegate's trigger may cost the owner no fee (the delegate bound): none allowed.
        let by_delegate = c
            .registry
            .get(&t.client_order_id)
            .is_some_and(|p| p.by == By::Delegate);
        if !by_delegate {
            a.lower[x] -= fee;
        }
        a.lower[e] += fee;
        if group_of(Acct(x)) != group_of(Acct(e)) {
            a.upper[x] -= fee;
            a.upper[e] += fee;
        }
    }
    for l in events_of::<Liquidated>(&c.executed.events) {
        let (x, k) = (index(&l.margin_account), index(&l.keeper_account));
        let value = i128::from(l.quote_lots) * scale;
        let lots = i128::from(l.base_lots.unsigned_abs());
        // What the liquidated account got for its lots against their value at the true price.
        let gain = if l.base_lots > 0 {
            value - lots * price
        } else {
            lots * price - value
        };
        let (keeper_fee, insurance_fee) = (
            i128::from(l.keeper_fee) * scale,
            i128::from(l.insurance_fee) * scale,
        );
        if group_of(Acct(x)) != group_of(Acct(k)) {
            a.upper[x] += gain - keeper_fee - insurance_fee;
            a.upper[k] += keeper_fee - gain;
        } else {
            a.upper[x] -= insurance_fee;
        }
        a.lower[x] += gain - keeper_fee - insurance_fee;
        // Only an owner may take a liquidation into its account (issue 22): a keeper's loss
        // against the true price counts in full, with no delegate allowance.
        a.lower[k] += keeper_fee - gain;
        a.liquidation_fee[x] += keeper_fee + insurance_fee;
    }
    a
}

/// The order of this step that took for `taker`, as the delegate bound sees it.
fn taker_order(c: &StepContext, taker: Acct, price: i128) -> Option<Placed> {
    let Some(o) = c.step.orders().into_iter().find(|o| o.acct == taker) else {
        // A fired trigger's order, registered when the trigger was stored.
        let key = c.keys[taker.0];
        return events_of::<OrderPlaced>(&c.executed.events)
            .iter()
            .find(|p| p.margin_account == key)
            .and_then(|p| c.registry.get(&p.client_order_id).copied());
    };
    // Registered before the checks, with the reach its conditions allow.
    if let Some(placed) = c.registry.get(&o.client_id) {
        return Some(*placed);
    }
    Some(Placed {
        by: o.by,
        reduce_only: o.reduce_only,
        price_at: price,
        reach: c.band.reach(price),
    })
}

/// A gain as the delegate bound counts it: the delegate's orders may lose at most the band's
/// reach per lot (from the price when placed, plus how far the price moved since); the owner's
/// own orders count as they are.
fn bounded(gain: i128, lots: i128, order: Option<Placed>, price: i128) -> i128 {
    match order {
        Some(o) if o.by == By::Delegate => {
            let reach = o.reach + (price - o.price_at).abs();
            gain.max(-lots * reach)
        }
        _ => gain,
    }
}

/// Invariant 2.
fn no_bad_debt(
    c: &StepContext,
    before: &[i128],
    after: &[i128],
    funding: &[i128],
    allowed: &Allowed,
) -> Result<(), (Inv, String)> {
    for i in 0..c.keys.len() {
        let floor = funding[i].min(0) - allowed.liquidation_fee[i];
        if before[i] >= 0 && after[i] < floor {
            return Err((
                Inv::NoBadDebt,
                format!(
                    "{}: equity {} -> {} quote at an unchanged oracle price",
                    NAMES[i],
                    tokens(before[i]),
                    tokens(after[i])
                ),
            ));
        }
    }
    Ok(())
}

/// Invariant 3: per group, withdrawn − deposited + Σ max(equity, 0) grows by at most what each
/// account's oracle PnL, funding and outside transfers would give it (each floored at zero
/// the same way).
fn fair_claims(
    c: &StepContext,
    before: &[i128],
    after: &[i128],
    funding: &[i128],
    allowed: &Allowed,
) -> Result<(), (Inv, String)> {
    let moved = i128::from(c.price_after.raw()) - i128::from(c.price_before.raw());
    for g in 0..GROUPS {
        let members: Vec<usize> = ACCOUNTS
            .iter()
            .filter(|a| group_of(**a) == g)
            .map(|a| a.0)
            .collect();
        let claims = |eq: &[i128]| members.iter().map(|&i| eq[i].max(0)).sum::<i128>();
        let grew =
            c.ledger_after.net_out[g] + claims(after) - c.ledger_before.net_out[g] - claims(before);
        let earned: i128 = members
            .iter()
            .map(|&i| {
                let pnl = i128::from(c.before.drained[i].trader.base_position.get()) * moved;
                (before[i] + pnl + funding[i] + allowed.upper[i]).max(0) - before[i].max(0)
            })
            .sum();
        if grew > earned {
            let names: Vec<_> = members.iter().map(|&i| NAMES[i]).collect();
            return Err((
                Inv::FairClaims,
                format!(
                    "group {names:?}: claims grew by {} quote, earned {}",
                    tokens(grew),
                    tokens(earned)
                ),
            ));
        }
    }
    Ok(())
}

/// Invariant 3 for H0: at an unchanged price its value (withdrawn − deposited + equity) falls by
/// no more than its fees, funding, the owner's own trading, and the band's reach on every lot
/// the delegate traded.
fn delegate_bound(
    c: &StepContext,
    before: &[i128],
    after: &[i128],
    funding: &[i128],
    allowed: &Allowed,
) -> Result<(), (Inv, String)> {
    let (h, g) = (0, group_of(Acct(0)));
    let change = c.ledger_after.net_out[g] + after[h] - c.ledger_before.net_out[g] - before[h];
    let floor = funding[h] + allowed.lower[h];
    if change < floor {
        return Err((
            Inv::DelegateBound,
            format!(
                "H0 lost {} quote, at most {} allowed",
                tokens(-change),
                tokens(-floor)
            ),
        ));
    }
    Ok(())
}

/// Native × `PRICE_SCALE` as quote tokens, for messages.
pub fn tokens(v: i128) -> String {
    format!("{:.6}", v as f64 / PRICE_SCALE as f64 / 1e6)
}
