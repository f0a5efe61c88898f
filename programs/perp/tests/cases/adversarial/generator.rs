//! The biased generator: picks each step from the state the last step left (positions, the
//! true price, the band), so the attacker's moves are the ones that matter — wash trades that
//! open at the oracle price and close at extreme or band-edge prices, with its own accounts and
//! with H0 through the delegate signature — while honest owners quote around the oracle, the
//! keepers consume and liquidate, and the world moves, faults and stales the oracles.
//! Deterministic from its seed.

use super::exec::OracleModel;
use super::step::*;
use crate::program_test::adversary::MarketView;
use perp::state::MarketStatus;
use perp::{OrderSide, OrderType, SelfTradeBehavior, TriggerDirection, TriggerOrderKind};
use perp_engine::Bps;
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::collections::VecDeque;

/// The state a step is chosen from.
pub struct Situation<'a> {
    pub view: &'a MarketView,
    pub oracle: &'a OracleModel,
    /// The band's estimated edges, ticks.
    pub band: (u64, u64),
}

impl Situation<'_> {
    fn price(&self) -> u64 {
        self.oracle.ticks
    }

    fn position(&self, a: Acct) -> i64 {
        self.view.drained[a.0].trader.base_position.get()
    }

    /// The accounts that have a trigger account (their margin account's flag).
    fn armed(&self) -> impl Iterator<Item = Acct> + '_ {
        (0..self.view.drained.len())
            .filter(|a| self.view.drained[*a].trigger_orders == 1)
            .map(Acct)
    }

    /// Whether `a` is below maintenance (or flat with debt) at the true price.
    fn liquidatable(&self, a: Acct) -> bool {
        let m = &self.view.market;
        let account = &self.view.drained[a.0];
        let price = crate::program_test::risk::engine_price(self.price());
        let Ok(h) = m.health(account, price) else {
            return false;
        };
        let mm = m
            .maintenance_margin_bps(h.exposure_lots)
            .unwrap_or(Bps::ZERO);
        if account.trader.base_position.get() != 0 {
            !h.covers(mm).unwrap_or(true)
        } else {
            h.equity.is_negative()
        }
    }
}

/// What the attacker's accounts do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Profile {
    /// Everything, at any price.
    Adversarial,
    /// A control: the same moves at fair prices (within a few ticks of the oracle), modest
    /// sizes, and no oracle price moves; every invariant must hold even on vulnerable code.
    Fair,
}

/// A sequence's generator.
pub struct Gen {
    rng: ChaCha8Rng,
    profile: Profile,
    /// Second halves of two-step moves (a rest, then its take).
    pending: VecDeque<Step>,
    next_id: u64,
    /// Client ids handed out, for cancels by id.
    ids: Vec<u64>,
    /// Accounts a trigger was placed for, the targets executions prefer.
    triggered: Vec<Acct>,
}

/// Weighted choice.
fn pick<T: Copy>(rng: &mut ChaCha8Rng, options: &[(u32, T)]) -> T {
    let total: u32 = options.iter().map(|o| o.0).sum();
    let mut x = rng.random_range(0..total);
    for (w, v) in options {
        if x < *w {
            return *v;
        }
        x -= w;
    }
    unreachable!()
}

/// Accounts the attacker can trade: its own, and H0 through the delegate.
const CONTROLLED: [(Acct, By); 5] = [
    (A0, By::Owner),
    (A1, By::Owner),
    (A2, By::Owner),
    (AK, By::Owner),
    (H0, By::Delegate),
];

#[derive(Clone, Copy)]
enum Who {
    Attacker,
    Honest,
    Keeper,
    World,
}

impl Gen {
    /// The generator of sequence `index` under `seed`.
    pub fn new(seed: u64, index: u64, profile: Profile) -> Gen {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        rng.set_stream(index);
        Gen {
            rng,
            profile,
            pending: VecDeque::new(),
            next_id: 1,
            ids: Vec::new(),
            triggered: Vec::new(),
        }
    }

    /// The next step.
    pub fn next(&mut self, s: &Situation) -> Step {
        if !self.pending.is_empty() && self.rng.random_bool(0.85) {
            return self.pending.pop_front().unwrap();
        }
        let who = pick(
            &mut self.rng,
            &[
                (45, Who::Attacker),
                (18, Who::Honest),
                (12, Who::Keeper),
                (25, Who::World),
            ],
        );
        match who {
            Who::Attacker => self.attacker(s),
            Who::Honest => self.honest(s),
            Who::Keeper => self.keeper(s),
            Who::World => self.world(s),
        }
    }

    fn client_id(&mut self, by: By) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        self.ids.push(id);
        if by == By::Delegate {
            id | DELEGATE_BIT
        } else {
            id
        }
    }

    fn attacker(&mut self, s: &Situation) -> Step {
        match self.rng.random_range(0..100) {
            0..22 => self.open_wash(s),
            22..52 => self.close_off_market(s),
            52..62 => Step::Place(self.random_order(s)),
            62..66 => {
                let (acct, by) = self.controlled();
                let trigger = self.trigger(s, acct, by);
                let bracket = self.rng.random_bool(0.3).then(|| self.trigger(s, acct, by));
                self.triggered.push(acct);
                if self.rng.random_bool(0.5) {
                    // Fire it at once, at a price of the attacker's making.
                    let fire = match self.attacker_execute(s) {
                        Step::TriggerExecute {
                            executor, makers, ..
                        } => Step::TriggerExecute {
                            // Another of its accounts, mostly (an account may not execute its
                            // own triggers: that refusal is tried one time in ten).
                            executor: if executor == acct && self.rng.random_bool(0.9) {
                                self.own_except(acct)
                            } else {
                                executor
                            },
                            target: acct,
                            slot: self.rng.random_range(0..8),
                            makers,
                        },
                        other => other,
                    };
                    self.pending.push_back(fire);
                }
                Step::TriggerPlace {
                    acct,
                    by,
                    trigger,
                    bracket,
                }
            }
            66..69 if s.armed().next().is_some() => self.attacker_execute(s),
            66..69 => Step::Place(self.random_order(s)),
            69 => {
                let first = self.random_order(s);
                let n = self.rng.random_range(0..=3);
                let mut orders = vec![first];
                for _ in 0..n {
                    let o = self.random_order(s);
                    orders.push(Order {
                        acct: first.acct,
                        by: first.by,
                        makers: Makers::NONE,
                        ..o
                    });
                }
                Step::Requote(orders)
            }
            70..78 => {
                let (keeper, by) = if self.rng.random_bool(0.85) {
                    (AK, By::Owner)
                } else {
                    (H0, By::Delegate)
                };
                let target = self.target(s);
                // With or without the book and the queue, whatever the target holds.
                let (book, queue) = (self.rng.random_bool(0.5), self.rng.random_bool(0.5));
                Step::Liquidate {
                    keeper,
                    by,
                    target,
                    book,
                    queue,
                }
            }
            78..81 => {
                let (acct, by) = *CONTROLLED.choose(&mut self.rng).unwrap();
                Step::Cancel(acct, by, self.cancel_kind())
            }
            81..83 => {
                let (acct, by) = *CONTROLLED.choose(&mut self.rng).unwrap();
                Step::TriggerCancel(acct, by)
            }
            83..88 => Step::Consume {
                limit: self.rng.random_range(1..=16),
                makers: Makers(self.rng.random_range(0..=0xff)),
            },
            88..91 => Step::Crank(self.crank(), self.rng.random_range(1..=6)),
            91..94 => self.pad(s),
            94 => Step::CrankSpam {
                secs: self.rng.random_range(2..=20),
            },
            95 => Step::Forge {
                fill: self.rng.random_bool(0.5),
            },
            96 => Step::Deposit(self.own(), self.rng.random_range(1..=50) * 1_000_000),
            _ => {
                let amount = if self.rng.random_bool(0.7) {
                    Amount::Max
                } else {
                    Amount::Exact(self.rng.random_range(1..=100) * 1_000_000)
                };
                Step::Withdraw(self.own(), amount)
            }
        }
    }

    /// Queue padding, then (usually next) a sweep by another attacker account with no makers
    /// passed, which queues an event per padding order ahead of whatever it lifts behind them:
    /// the attack that used to keep an account's own queued fill out of a keeper's reach.
    fn pad(&mut self, s: &Situation) -> Step {
        let acct = *[A0, A1, A2].choose(&mut self.rng).unwrap();
        let side = if self.rng.random_bool(0.5) {
            OrderSide::Bid
        } else {
            OrderSide::Ask
        };
        let o = s.price();
        let price = match side {
            OrderSide::Bid => o.saturating_sub(self.rng.random_range(0..=3)).max(1),
            OrderSide::Ask => o + self.rng.random_range(0..=3),
        };
        let count = self.rng.random_range(2..=6);
        let client_id = self.next_id;
        for _ in 0..count {
            self.client_id(By::Owner);
        }
        let taker = loop {
            let t = self.own();
            if t != acct {
                break t;
            }
        };
        let sweep_to = match side {
            OrderSide::Bid => s.band.0,
            OrderSide::Ask => s.band.1,
        };
        let lots = u64::from(count) + self.rng.random_range(1..=50);
        let mut sweep = self.order(
            taker,
            By::Owner,
            opposite(side),
            OrderType::ImmediateOrCancel,
            sweep_to,
            lots,
            false,
        );
        sweep.fill_limit = 32;
        self.pending.push_back(Step::Place(sweep));
        Step::Pad {
            acct,
            side,
            price,
            count,
            client_id,
        }
    }

    /// One of the attacker's own accounts.
    fn own(&mut self) -> Acct {
        *[A0, A1, A2, AK].choose(&mut self.rng).unwrap()
    }

    /// One of the attacker's own accounts other than `not`.
    fn own_except(&mut self, not: Acct) -> Acct {
        let others: Vec<Acct> = [A0, A1, A2, AK].into_iter().filter(|a| *a != not).collect();
        *others.choose(&mut self.rng).unwrap()
    }

    /// An account the attacker controls, H0 (as delegate) one time in five.
    fn controlled(&mut self) -> (Acct, By) {
        if self.rng.random_bool(0.2) {
            (H0, By::Delegate)
        } else {
            (*[A0, A1, A2].choose(&mut self.rng).unwrap(), By::Owner)
        }
    }

    /// Two distinct controlled accounts.
    fn pair_of_accounts(&mut self) -> ((Acct, By), (Acct, By)) {
        let x = self.controlled();
        loop {
            let y = self.controlled();
            if y.0 != x.0 {
                return (x, y);
            }
        }
    }

    /// Opens matching positions on two controlled accounts at (or near) the oracle price.
    fn open_wash(&mut self, s: &Situation) -> Step {
        let ((x, bx), (y, by)) = self.pair_of_accounts();
        let side = if self.rng.random_bool(0.5) {
            OrderSide::Bid
        } else {
            OrderSide::Ask
        };
        let o = s.price();
        let price = match self.profile {
            Profile::Adversarial => pick(
                &mut self.rng,
                &[
                    (60, o),
                    (20, o.saturating_sub(3).max(1)),
                    (10, s.band.1),
                    (10, s.band.0),
                ],
            ),
            Profile::Fair => self.fair_price(o),
        };
        let lots = self.attack_lots(s, x);
        let rest_kind = self.rest_kind(side, price, o);
        let (ro_x, ro_y) = (self.rng.random_bool(0.1), self.rng.random_bool(0.1));
        let rest = self.order(x, bx, side, rest_kind, price, lots, ro_x);
        let take = self.take(y, by, opposite(side), price, lots, ro_y, x);
        self.rest_then_take(rest, take)
    }

    /// Closes a controlled account's position against another controlled account at an
    /// extreme or band-edge price, reduce-only on one or both sides.
    fn close_off_market(&mut self, s: &Situation) -> Step {
        let open: Vec<(Acct, By)> = CONTROLLED
            .iter()
            .copied()
            .filter(|(a, _)| s.position(*a) != 0 && *a != AK)
            .collect();
        let Some(&(x, bx)) = open.choose(&mut self.rng) else {
            return self.open_wash(s);
        };
        let pos = s.position(x);
        let closing = if pos > 0 {
            OrderSide::Ask
        } else {
            OrderSide::Bid
        };
        let partners: Vec<(Acct, By)> = CONTROLLED
            .iter()
            .copied()
            .filter(|(a, _)| *a != x && (s.position(*a) > 0) != (pos > 0) && s.position(*a) != 0)
            .collect();
        let (y, by) = match partners.choose(&mut self.rng) {
            Some(p) if self.rng.random_bool(0.8) => *p,
            _ => loop {
                let p = self.controlled();
                if p.0 != x {
                    break p;
                }
            },
        };
        let mut price = self.attack_price(s);
        let size = pos.unsigned_abs();
        let mut ro_x = self.rng.random_bool(0.85);
        let lots = match self.rng.random_range(0..100) {
            0..60 => size,
            60..85 => self.rng.random_range(1..=size * 2),
            // The flip: a plain order of about twice the position at the band's edge against
            // the account, which its worst-case position hardly notices but its equity does.
            _ => {
                ro_x = false;
                price = if pos > 0 { s.band.0 } else { s.band.1 };
                size * 2 + self.rng.random_range(0..=size / 4)
            }
        };
        let ro_y = self.rng.random_bool(0.7);
        if self.rng.random_bool(0.5) {
            let kind = self.rest_kind(closing, price, s.price());
            let rest = self.order(x, bx, closing, kind, price, lots, ro_x);
            let take = self.take(y, by, opposite(closing), price, lots, ro_y, x);
            self.rest_then_take(rest, take)
        } else {
            // The partner rests at the extreme price; the position's owner sweeps into it.
            let kind = self.rest_kind(opposite(closing), price, s.price());
            let rest = self.order(y, by, opposite(closing), kind, price, lots, ro_y);
            let take = self.take(x, bx, closing, price, lots, ro_x, y);
            self.rest_then_take(rest, take)
        }
    }

    /// How to rest at `price`: an order priced through the oracle (a bid above it, an ask
    /// below) would cross the honest quotes, so it is mostly a limit order that sweeps them and
    /// rests the remainder; otherwise mostly post-only.
    fn rest_kind(&mut self, side: OrderSide, price: u64, oracle: u64) -> OrderType {
        let through = match side {
            OrderSide::Bid => price > oracle,
            OrderSide::Ask => price < oracle,
        };
        let (post_only, limit) = if through { (20, 70) } else { (60, 25) };
        pick(
            &mut self.rng,
            &[
                (post_only, OrderType::PostOnly),
                (limit, OrderType::Limit),
                (10, OrderType::PostOnlySlide),
            ],
        )
    }

    /// The resting order now; its take in the same transaction, or as the next step.
    fn rest_then_take(&mut self, rest: Order, take: Order) -> Step {
        if self.rng.random_bool(0.3) {
            Step::Pair(rest, take)
        } else {
            self.pending.push_back(Step::Place(take));
            Step::Place(rest)
        }
    }

    /// A taking order for `acct` against `maker`'s resting one.
    #[allow(clippy::too_many_arguments)]
    fn take(
        &mut self,
        acct: Acct,
        by: By,
        side: OrderSide,
        price: u64,
        lots: u64,
        reduce_only: bool,
        maker: Acct,
    ) -> Order {
        let kind = pick(
            &mut self.rng,
            &[
                (45, OrderType::ImmediateOrCancel),
                (20, OrderType::FillOrKill),
                (25, OrderType::Limit),
                (10, OrderType::Market),
            ],
        );
        let mut o = self.order(acct, by, side, kind, price, lots, reduce_only);
        o.makers = if self.rng.random_bool(0.5) {
            Makers(1 << maker.0)
        } else {
            Makers::NONE
        };
        o
    }

    /// A plain order (no expiry, decrement-take, 8 fills, no makers).
    #[allow(clippy::too_many_arguments)]
    fn order(
        &mut self,
        acct: Acct,
        by: By,
        side: OrderSide,
        kind: OrderType,
        price: u64,
        lots: u64,
        reduce_only: bool,
    ) -> Order {
        Order {
            acct,
            by,
            side,
            kind,
            price,
            lots,
            reduce_only,
            expires_in: 0,
            self_trade: SelfTradeBehavior::DecrementTake,
            fill_limit: 8,
            client_id: self.client_id(by),
            makers: Makers::NONE,
        }
    }

    /// One of the attacker's accounts fires a trigger, with any makers.
    fn attacker_execute(&mut self, s: &Situation) -> Step {
        let executor = self.own();
        let makers = Makers(self.rng.random_range(0..=0xff));
        self.execute(s, executor, makers)
    }

    /// `executor` fires a trigger: mostly of another account that has a trigger account (its
    /// margin account's flag), else of one a trigger was placed for, else of any (most accounts
    /// have none: aimed at random, nearly every execution found nothing to send).
    fn execute(&mut self, s: &Situation, executor: Acct, makers: Makers) -> Step {
        let armed: Vec<Acct> = s.armed().filter(|a| *a != executor).collect();
        let target = match (
            armed.choose(&mut self.rng),
            self.triggered.choose(&mut self.rng),
        ) {
            (Some(a), _) if self.rng.random_bool(0.9) => *a,
            (_, Some(a)) if self.rng.random_bool(0.85) => *a,
            _ => Acct(self.rng.random_range(0..8)),
        };
        Step::TriggerExecute {
            executor,
            target,
            slot: self.rng.random_range(0..8),
            makers,
        }
    }

    /// Any trigger for `acct`: mostly one that can fire (closing its position reduce-only, or
    /// opening one, at a limit that crosses), else any side, direction, trigger price and limit.
    fn trigger(&mut self, s: &Situation, acct: Acct, by: By) -> Trigger {
        let o = s.price();
        let near = self.rng.random_range(0..=10);
        let direction = if self.rng.random_bool(0.5) {
            TriggerDirection::AtOrAbove
        } else {
            TriggerDirection::AtOrBelow
        };
        // Due now (the attacker fires it at once): across every source, as `is_due` wants it;
        // near the price either way, or anywhere.
        let (low, high) = {
            let (p, q) = (s.oracle.pyth, s.oracle.switchboard);
            (p.min(q), p.max(q))
        };
        let due = match direction {
            TriggerDirection::AtOrAbove => low.saturating_sub(near).max(1),
            TriggerDirection::AtOrBelow => high + near,
        };
        let either = if self.rng.random_bool(0.5) {
            o + near
        } else {
            o.saturating_sub(near).max(1)
        };
        let anywhere = self.attack_price(s);
        let at = pick(&mut self.rng, &[(60, due), (25, either), (15, anywhere)]);
        let position = s.position(acct);
        let closing = position != 0 && self.rng.random_bool(0.6);
        let side = match (closing, position > 0) {
            (true, true) => OrderSide::Ask,
            (true, false) => OrderSide::Bid,
            _ if self.rng.random_bool(0.5) => OrderSide::Bid,
            _ => OrderSide::Ask,
        };
        let crossing = match side {
            OrderSide::Bid => pick(&mut self.rng, &[(50, o + near), (50, s.band.1)]),
            OrderSide::Ask => pick(
                &mut self.rng,
                &[(50, o.saturating_sub(near).max(1)), (50, s.band.0)],
            ),
        };
        let limit = if self.rng.random_bool(0.7) {
            crossing
        } else {
            self.attack_price(s)
        };
        Trigger {
            side,
            kind: if self.rng.random_bool(0.6) {
                TriggerOrderKind::Market
            } else {
                TriggerOrderKind::Limit
            },
            direction,
            at,
            limit,
            lots: if closing {
                position.unsigned_abs()
            } else {
                self.attack_lots(s, acct)
            },
            reduce_only: closing || self.rng.random_bool(0.2),
            expires_in: pick(&mut self.rng, &[(70, 0), (15, 1), (15, 30)]),
            client_id: self.client_id(by),
        }
    }

    /// Any order type, price, size, flags, expiry and makers.
    fn random_order(&mut self, s: &Situation) -> Order {
        let (acct, by) = self.controlled();
        let side = if self.rng.random_bool(0.5) {
            OrderSide::Bid
        } else {
            OrderSide::Ask
        };
        let kind = *[
            OrderType::Limit,
            OrderType::PostOnly,
            OrderType::PostOnlySlide,
            OrderType::ImmediateOrCancel,
            OrderType::FillOrKill,
            OrderType::Market,
        ]
        .choose(&mut self.rng)
        .unwrap();
        let price = if kind == OrderType::Market && self.rng.random_bool(0.4) {
            0
        } else {
            self.attack_price(s)
        };
        let lots = self.attack_lots(s, acct);
        let reduce_only = self.rng.random_bool(0.5);
        let mut o = self.order(acct, by, side, kind, price, lots, reduce_only);
        o.expires_in = pick(&mut self.rng, &[(60, 0), (15, 1), (15, 30), (10, -1)]);
        o.self_trade = *[
            SelfTradeBehavior::DecrementTake,
            SelfTradeBehavior::CancelProvide,
            SelfTradeBehavior::Abort,
        ]
        .choose(&mut self.rng)
        .unwrap();
        o.fill_limit = pick(&mut self.rng, &[(70, 8), (10, 1), (10, 2), (10, 20)]);
        o.makers = match self.rng.random_range(0..10) {
            0..3 => Makers::NONE,
            3..6 => Makers::ALL,
            _ => Makers(self.rng.random_range(0..=0xff)),
        };
        o.makers = Makers(o.makers.0 & !(1 << acct.0));
        o
    }

    /// Prices the attacker likes: the oracle, the band's edges and just past them, and absurd
    /// ones (one tick, 100× the oracle), often.
    fn attack_price(&mut self, s: &Situation) -> u64 {
        let o = s.price();
        if self.profile == Profile::Fair {
            return self.fair_price(o);
        }
        let (low, high) = s.band;
        let near = self.rng.random_range(1..=5);
        let past = self.rng.random_range(1..=20);
        let anywhere = self.rng.random_range(1..=3 * o);
        pick(
            &mut self.rng,
            &[
                (8, o),
                (8, o + near),
                (8, o.saturating_sub(near).max(1)),
                (12, high),
                (12, low),
                (5, high + past),
                (5, low.saturating_sub(past).max(1)),
                (14, o * 100),
                (14, 1),
                (4, o * 2),
                (4, o / 2),
                (4, anywhere),
                (2, 1 << 40),
            ],
        )
    }

    /// Sizes the attacker likes: 1,000 lots (about 3× on 50 quote), small, large, the most its
    /// collateral could open, and its whole position.
    fn attack_lots(&mut self, s: &Situation, a: Acct) -> u64 {
        if self.profile == Profile::Fair {
            return self.rng.random_range(1..=300);
        }
        let collateral = s.view.drained[a.0].collateral;
        let affordable = (collateral * 3 / (s.price() * 100)).max(1);
        let position = s.position(a).unsigned_abs().max(1);
        let small = self.rng.random_range(1..=50);
        let large = self.rng.random_range(100..=3_000);
        // As much as the initial margin allows (about 9.5× here): accounts at the margin's edge
        // are where a fill at the band's edge can cost more than the account holds.
        let most = (collateral * 95 / (s.price() * 100 * 10)).max(1);
        pick(
            &mut self.rng,
            &[
                (22, 1_000),
                (18, small),
                (22, large),
                (13, affordable),
                (13, position),
                (12, most),
            ],
        )
    }

    /// Within three ticks of the oracle.
    fn fair_price(&mut self, o: u64) -> u64 {
        let d = self.rng.random_range(0..=3);
        if self.rng.random_bool(0.5) {
            o + d
        } else {
            o - d
        }
    }

    fn cancel_kind(&mut self) -> Cancel {
        let id = self.ids.choose(&mut self.rng).copied().unwrap_or(1);
        let side = if self.rng.random_bool(0.5) {
            OrderSide::Bid
        } else {
            OrderSide::Ask
        };
        pick(
            &mut self.rng,
            &[
                (30, Cancel::All),
                (20, Cancel::Side(side)),
                (25, Cancel::ClientId(id)),
                (25, Cancel::Oldest),
            ],
        )
    }

    fn crank(&mut self) -> Crank {
        *[Crank::Price, Crank::Risk, Crank::Funding]
            .choose(&mut self.rng)
            .unwrap()
    }

    /// The honest keeper's liquidation, with the book and the queue when the target holds an
    /// order slot as stored (as `perp-keeper` passes them).
    fn honest_liquidation(&mut self, s: &Situation) -> Step {
        let target = self.target(s);
        let holds_slots = s.view.accounts[target.0].trader.slots_in_use != 0;
        Step::Liquidate {
            keeper: K,
            by: By::Owner,
            target,
            book: holds_slots,
            queue: holds_slots,
        }
    }

    /// A liquidation target: one below maintenance if there is one (four times in five).
    fn target(&mut self, s: &Situation) -> Acct {
        let all: Vec<Acct> = (0..8).map(Acct).collect();
        let weak: Vec<Acct> = all.iter().copied().filter(|a| s.liquidatable(*a)).collect();
        match weak.choose(&mut self.rng) {
            Some(a) if self.rng.random_bool(0.8) => *a,
            _ => *all.choose(&mut self.rng).unwrap(),
        }
    }

    /// An honest owner: quotes passively around the oracle, sometimes moves collateral.
    fn honest(&mut self, s: &Situation) -> Step {
        let acct = *[H0, H1, H2].choose(&mut self.rng).unwrap();
        let position = s.position(acct);
        match self.rng.random_range(0..100) {
            58..65 if position != 0 => {
                // A stop-loss (and, sometimes, a take-profit) on the position: the attacker may
                // then try to fire it at a price of its choosing.
                let o = s.price();
                let long = position > 0;
                let away = self.rng.random_range(2..=40);
                let stop = Trigger {
                    side: if long { OrderSide::Ask } else { OrderSide::Bid },
                    kind: TriggerOrderKind::Market,
                    direction: if long {
                        TriggerDirection::AtOrBelow
                    } else {
                        TriggerDirection::AtOrAbove
                    },
                    at: if long {
                        o.saturating_sub(away).max(1)
                    } else {
                        o + away
                    },
                    limit: if long {
                        o.saturating_sub(away + 60).max(1)
                    } else {
                        o + away + 60
                    },
                    lots: position.unsigned_abs(),
                    reduce_only: true,
                    expires_in: 0,
                    client_id: self.client_id(By::Owner),
                };
                let take_profit = self.rng.random_bool(0.5).then(|| Trigger {
                    direction: if long {
                        TriggerDirection::AtOrAbove
                    } else {
                        TriggerDirection::AtOrBelow
                    },
                    at: if long {
                        o + away
                    } else {
                        o.saturating_sub(away).max(1)
                    },
                    limit: o,
                    client_id: self.client_id(By::Owner),
                    ..stop
                });
                self.triggered.push(acct);
                Step::TriggerPlace {
                    acct,
                    by: By::Owner,
                    trigger: stop,
                    bracket: take_profit,
                }
            }
            0..65 => {
                let spread = self.rng.random_range(1..=20);
                let o = s.price();
                Step::Quote {
                    acct,
                    bid: o.saturating_sub(spread).max(1),
                    ask: o + spread,
                    lots: self.rng.random_range(5..=120),
                    expires_in: pick(&mut self.rng, &[(75, 0), (25, 60)]),
                    client_id: self.client_id(By::Owner),
                }
            }
            65..75 => Step::Cancel(acct, By::Owner, Cancel::All),
            75..85 => Step::Deposit(acct, self.rng.random_range(1..=50) * 1_000_000),
            _ if self.rng.random_bool(0.6) => Step::Withdraw(
                acct,
                Amount::Exact(self.rng.random_range(1..=30) * 1_000_000),
            ),
            _ => Step::Withdraw(acct, Amount::Max),
        }
    }

    /// The honest keeper: consumes, liquidates, cranks.
    fn keeper(&mut self, s: &Situation) -> Step {
        match self.rng.random_range(0..100) {
            0..35 => Step::Consume {
                limit: pick(&mut self.rng, &[(40, 64), (30, 8), (30, 512)]),
                makers: Makers::ALL,
            },
            65..80 if s.armed().next().is_some() => self.execute(s, K, Makers::ALL),
            35..80 => self.honest_liquidation(s),
            _ => Step::Crank(self.crank(), 1),
        }
    }

    /// Oracles, the clock, the guardian and governance.
    fn world(&mut self, s: &Situation) -> Step {
        let o = s.price();
        let status = MarketStatus::from_byte(s.view.market.status);
        let source = if self.rng.random_bool(0.5) {
            Source::Pyth
        } else {
            Source::Switchboard
        };
        let roll = self.rng.random_range(0..100);
        if self.profile == Profile::Fair && roll < 38 {
            return Step::Oracle(Oracle::Refresh);
        }
        // Governance lifts a guardian's reduce-only after a while (about 20 steps).
        if status == MarketStatus::ReduceOnly && roll < 20 {
            return Step::GovernanceResume;
        }
        // Now and then the risk council lowers the hard cap under the open interest.
        if self.rng.random_range(0..40) == 0 {
            return Step::CouncilLowersCap {
                percent: self.rng.random_range(30..=90),
            };
        }
        match roll {
            0..30 => {
                let step = self.rng.random_range(1..=15);
                let ticks = if self.rng.random_bool(0.5) {
                    o + step
                } else {
                    o - step
                };
                Step::Oracle(Oracle::Move {
                    ticks: ticks.max(100),
                })
            }
            30..38 => {
                let bps = self.rng.random_range(500..=3_000);
                let up = self.rng.random_bool(0.5);
                let ticks = if up {
                    o * (10_000 + bps)
                } else {
                    o * (10_000 - bps)
                } / 10_000;
                if self.rng.random_bool(0.5) {
                    self.pending.push_back(Step::Crank(Crank::Price, 1));
                }
                Step::Oracle(Oracle::Move {
                    ticks: ticks.max(100),
                })
            }
            38..54 => Step::Oracle(Oracle::Refresh),
            54..62 => Step::Oracle(Oracle::Stale(source)),
            62..66 => Step::Oracle(Oracle::BothStale),
            66..74 => {
                let bps = self.rng.random_range(50..=1_000);
                let bps = if self.rng.random_bool(0.5) { bps } else { -bps };
                Step::Oracle(Oracle::Diverge(source, bps))
            }
            74..86 => Step::Warp {
                secs: self.rng.random_range(1..=20),
            },
            86..90 => Step::Warp {
                secs: self.rng.random_range(31..=120),
            },
            90..94 => Step::Warp {
                secs: self.rng.random_range(300..=4_000),
            },
            94 if status == MarketStatus::Active => Step::GuardianReduceOnly,
            _ => Step::Crank(self.crank(), 1),
        }
    }
}

fn opposite(side: OrderSide) -> OrderSide {
    match side {
        OrderSide::Bid => OrderSide::Ask,
        OrderSide::Ask => OrderSide::Bid,
    }
}
