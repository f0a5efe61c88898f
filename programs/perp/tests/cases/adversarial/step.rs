//! The recorded moves of a sequence: concrete, replayable values (absolute prices in ticks,
//! sizes in lots, expiries relative to the bank clock at execution), printed with `{:?}` as
//! Rust-like lines.

use perp::{OrderSide, OrderType, SelfTradeBehavior, TriggerDirection, TriggerOrderKind};
use std::fmt;

/// Margin accounts of a fuzzed market, by index (see `world::ACCOUNTS`).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Acct(pub usize);

/// Honest owner whose account the attacker is delegate of.
pub const H0: Acct = Acct(0);
/// The two other honest owners.
pub const H1: Acct = Acct(1);
pub const H2: Acct = Acct(2);
/// The honest keeper.
pub const K: Acct = Acct(3);
/// The attacker's accounts: A0, A1 are sub-accounts 0 and 1 of its first wallet, A2 and its
/// keeper account AK sub-accounts 0 and 1 of its second.
pub const A0: Acct = Acct(4);
pub const A1: Acct = Acct(5);
pub const A2: Acct = Acct(6);
pub const AK: Acct = Acct(7);

/// Names, in index order.
pub const NAMES: [&str; 8] = ["H0", "H1", "H2", "K", "A0", "A1", "A2", "AK"];

impl fmt::Debug for Acct {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(NAMES[self.0])
    }
}

/// Who signs an order instruction for an account.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum By {
    Owner,
    /// The attacker's first wallet, delegate of H0.
    Delegate,
}

/// A set of maker accounts passed inline (bit i: account i).
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Makers(pub u16);

impl Makers {
    pub const NONE: Makers = Makers(0);
    pub const ALL: Makers = Makers(0xff);

    /// The accounts in the set, in index order.
    pub fn iter(self) -> impl Iterator<Item = Acct> {
        (0..NAMES.len())
            .filter(move |i| self.0 & (1 << i) != 0)
            .map(Acct)
    }
}

impl fmt::Debug for Makers {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

/// One `order_place`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Order {
    pub acct: Acct,
    pub by: By,
    pub side: OrderSide,
    pub kind: OrderType,
    /// Ticks (for `Market`: 0 is the band edge).
    pub price: u64,
    pub lots: u64,
    pub reduce_only: bool,
    /// Seconds after the clock at execution (0: none; negative: already expired).
    pub expires_in: i64,
    pub self_trade: SelfTradeBehavior,
    pub fill_limit: u8,
    /// Unique within a sequence; the delegate's carry `DELEGATE_BIT`.
    pub client_id: u64,
    /// Maker accounts settled inline.
    pub makers: Makers,
}

/// One trigger order as `trigger_place` stores it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Trigger {
    pub side: OrderSide,
    pub kind: TriggerOrderKind,
    pub direction: TriggerDirection,
    /// Index price (ticks) it fires at.
    pub at: u64,
    /// Its order's limit (ticks).
    pub limit: u64,
    pub lots: u64,
    pub reduce_only: bool,
    /// Seconds after the clock at execution (0: none).
    pub expires_in: i64,
    /// Its order's client id (the delegate's carry `DELEGATE_BIT`).
    pub client_id: u64,
}

/// Client ids of orders the delegate placed.
pub const DELEGATE_BIT: u64 = 1 << 63;

/// How much to withdraw.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Amount {
    Exact(u64),
    /// What the SDK says the account may withdraw now.
    Max,
}

/// Which orders a cancel removes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cancel {
    All,
    Side(OrderSide),
    ClientId(u64),
    /// The account's open order in the lowest used slot.
    Oldest,
}

/// A permissionless crank.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Crank {
    Price,
    Risk,
    Funding,
}

/// Which oracle source.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    Pyth,
    Switchboard,
}

/// What happens to the oracle accounts (written through the harness, real account bytes).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Oracle {
    /// Both sources publish the true price moved to `ticks` (a walk or a jump).
    Move { ticks: u64 },
    /// Both publish the unchanged true price afresh.
    Refresh,
    /// `source` publishes an update older than the market's freshness limit; the other is fresh.
    Stale(Source),
    /// Both publish stale updates.
    BothStale,
    /// `source` publishes the true price × (10,000 + bps) / 10,000; the other the true price.
    Diverge(Source, i32),
}

/// One step of a sequence: one transaction (or one oracle write or clock warp).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Step {
    Deposit(Acct, u64),
    Withdraw(Acct, Amount),
    Place(Order),
    /// Two orders in one transaction (rest, then take).
    Pair(Order, Order),
    /// An honest owner's requote (`order_requote`): cancel all, then a post-only-slide bid and
    /// ask of `lots` at the given prices, all or nothing.
    Quote {
        acct: Acct,
        bid: u64,
        ask: u64,
        lots: u64,
        expires_in: i64,
        client_id: u64,
    },
    Cancel(Acct, By, Cancel),
    /// `order_requote` for one account: cancel all its orders, then place `orders` (all for
    /// the same account, signed as the first says), all or nothing.
    Requote(Vec<Order>),
    /// `acct`'s owner (or, for H0, the delegate) stores a trigger, with a bracket leg, opening
    /// the trigger account in the same transaction when it has none.
    TriggerPlace {
        acct: Acct,
        by: By,
        trigger: Trigger,
        bracket: Option<Trigger>,
    },
    /// `executor`'s owner fires the trigger of `target` in its `slot`-th used slot (modulo how
    /// many it has), with `makers` settled inline.
    TriggerExecute {
        executor: Acct,
        target: Acct,
        slot: u8,
        makers: Makers,
    },
    /// All of `acct`'s triggers cancelled by its owner (or the delegate).
    TriggerCancel(Acct, By),
    Consume {
        limit: u16,
        makers: Makers,
    },
    /// `times` copies of one crank in one transaction.
    Crank(Crank, u8),
    /// Queue padding: `acct` rests `count` 1-lot post-only orders at `price` expiring a second
    /// later, in one transaction (a sweep with no makers passed then queues a fill or an out
    /// for each, ahead of whatever it lifts behind them).
    Pad {
        acct: Acct,
        side: OrderSide,
        price: u64,
        count: u8,
        /// The first order's client id; the others follow it.
        client_id: u64,
    },
    /// Crank spam: every second for `secs` seconds, one transaction of every crank.
    CrankSpam {
        secs: u8,
    },
    Oracle(Oracle),
    Warp {
        secs: i64,
    },
    /// `keeper`'s owner (or, for H0, the delegate) liquidates `target` into `keeper`.
    Liquidate {
        keeper: Acct,
        by: By,
        target: Acct,
        /// The book is passed (`liquidate` needs it, and the queue, only when the target holds
        /// an order slot).
        book: bool,
        /// The event queue is passed.
        queue: bool,
    },
    /// The guardian sets the market reduce-only.
    GuardianReduceOnly,
    /// Governance sets the market active again.
    GovernanceResume,
    /// The risk council lowers the hard open-interest cap to `percent` of the open interest
    /// recorded now (at least 1 lot): the market is then above its cap, where only reduce-only
    /// orders may trade (invariant 7 checks that nothing regrows past it).
    CouncilLowersCap {
        percent: u8,
    },
    /// Another program prints an encoded event in a transaction that lists ours: a fill of
    /// 10^12 lots between the attacker's accounts (`fill`), or a liquidation paying its keeper
    /// account from H0. No client may read it (invariant 6).
    Forge {
        fill: bool,
    },
}

impl Step {
    /// Whether the step is a transaction (oracle writes and clock warps change no account the
    /// invariants read).
    pub fn is_transaction(&self) -> bool {
        !matches!(self, Step::Oracle(_) | Step::Warp { .. })
    }

    /// The orders this step places (for the registry of who placed what).
    pub fn orders(&self) -> Vec<Order> {
        match self {
            Step::Place(o) => vec![*o],
            Step::Requote(orders) => orders.clone(),
            Step::Pair(a, b) => vec![*a, *b],
            Step::Pad {
                acct,
                side,
                price,
                count,
                client_id,
            } => (0..u64::from(*count))
                .map(|i| Order {
                    acct: *acct,
                    by: By::Owner,
                    side: *side,
                    kind: OrderType::PostOnly,
                    price: *price,
                    lots: 1,
                    reduce_only: false,
                    expires_in: 1,
                    self_trade: SelfTradeBehavior::DecrementTake,
                    fill_limit: 1,
                    client_id: client_id + i,
                    makers: Makers::NONE,
                })
                .collect(),
            _ => vec![],
        }
    }
}
