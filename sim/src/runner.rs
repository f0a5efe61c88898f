//! The run: step the clock, publish oracle prices, let traders act, let the keepers (the real
//! keeper tasks, through the same `Cluster` interface they use against RPC) act, and measure.

use crate::params::market_params;
use crate::report::{KeeperReport, Report};
use crate::scenario::{Role, Scenario, Source};
use crate::world::{User, World};
use perp_keeper::backoff::Backoff;
use perp_keeper::config::Tuning;
use perp_keeper::metrics::Metrics;
use perp_keeper::sender::Sender;
use perp_keeper::snapshot::MarketSnapshot;
use perp_keeper::tasks::Keeper;
use perp_keeper::tasks::events::EventConsumer;
use perp_keeper::tasks::funding::FundingCranker;
use perp_keeper::tasks::liquidator::{Liquidator, Share};
use perp_keeper::tasks::risk::RiskCranker;
use perp_keeper::tasks::triggers::{TriggerAccounts, TriggerExecutor};
use perp_keeper::tasks::unwind::Unwinder;
use perp_sdk::accounts;
use perp_sdk::events::in_logs;
use perp_sdk::ix;
use perp_sdk::perp::events::{Bankruptcy, Liquidated, OrderPlaced};
use perp_sdk::perp::state::{EventQueueAccount, MarginAccount, OrderBookAccount};
use perp_sdk::perp::{OrderArgs, OrderSide, OrderType};
use perp_sdk::perp_engine::oracle::Action;
use perp_sdk::risk::{AccountRisk, Conservation, with_own_events};
use perp_sdk::{Cluster, TxOutcome};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use solana_sdk::program_pack::Pack;
use solana_sdk::pubkey::Pubkey;
use solana_sdk::signer::Signer;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

/// Keepers crank funding and risk this often (simulated seconds).
const CRANK_EVERY_S: i64 = 60;
/// Lamports each keeper holds for fees.
const KEEPER_LAMPORTS: u64 = 10_000_000_000;
/// A stop-loss's worst price, percent beyond its trigger price.
const STOP_SLIPPAGE_PCT: f64 = 3.0;

struct Trader {
    role: Role,
    user: User,
    size: u64,
    spread_bps: u64,
    leverage: f64,
    collateral: u64,
    probability: f64,
    stop_loss_pct: f64,
}

/// One keeper: the real tasks, stepped in simulated time.
struct SimKeeper {
    keeper: Keeper,
    liquidator: Liquidator,
    funding: FundingCranker,
    risk: RiskCranker,
    events: EventConsumer,
    /// Closes the keeper's inventory (when the scenario's keepers unwind).
    unwind: Option<Unwinder>,
    /// Fires due trigger orders, reading those of the accounts its liquidator saw have some.
    triggers: TriggerExecutor,
    next_at: i64,
    last_crank: Option<i64>,
    /// Why its failed liquidations failed.
    failures: Vec<String>,
}

impl SimKeeper {
    /// The round's cranks at `t`: settle queued fills, close the keeper's inventory, every
    /// `CRANK_EVERY_S` funding and the risk state, then fire due trigger orders. The runner lets every keeper crank before it judges which accounts are
    /// liquidatable, so a liquidation is judged against the state the cranks left.
    async fn crank(&mut self, t: i64, every: i64) {
        self.next_at = t + every;
        let k = &self.keeper;
        if let Err(e) = self.events.tick(k).await {
            eprintln!("keeper events pass failed: {e}");
        }
        if let Some(unwind) = &mut self.unwind
            && let Err(e) = unwind.tick(k).await
        {
            eprintln!("keeper unwind pass failed: {e}");
        }
        if self.last_crank.is_none_or(|c| t - c >= CRANK_EVERY_S) {
            self.last_crank = Some(t);
            if let Err(e) = self.funding.tick(k).await {
                eprintln!("keeper funding pass failed: {e}");
            }
            if let Err(e) = self.risk.tick(k).await {
                eprintln!("keeper risk pass failed: {e}");
            }
        }
        self.fire_triggers().await;
    }

    /// The round's trigger pass (before liquidations: a stop fires at its price, which a falling
    /// market reaches before the account's maintenance).
    async fn fire_triggers(&mut self) {
        match self.triggers.tick(&self.keeper).await {
            Ok(pass) => self.failures.extend(
                pass.failures
                    .iter()
                    .map(|(key, why)| format!("trigger of {key}: {why}")),
            ),
            Err(e) => eprintln!("keeper trigger pass failed: {e}"),
        }
    }

    /// The round's liquidation pass; returns the landed liquidations' outcomes and latencies.
    async fn liquidate(&mut self) -> Vec<(TxOutcome, Duration)> {
        match self.liquidator.tick(&self.keeper).await {
            Ok(pass) => {
                let failures = pass
                    .failures
                    .iter()
                    .map(|(key, why)| format!("{key}: {why}"));
                self.failures.extend(failures);
                pass.landed.into_iter().map(|(_, o, d)| (o, d)).collect()
            }
            Err(e) => {
                eprintln!("keeper liquidator pass failed: {e}");
                Vec::new()
            }
        }
    }

    fn report(&self) -> KeeperReport {
        let m = &self.keeper.metrics;
        KeeperReport {
            sent: m.liquidations_of("sent"),
            landed: m.liquidations_of("landed"),
            raced: m.liquidations_of("raced"),
            failed: m.liquidations_of("failed"),
            no_capacity: m.liquidations_of("no_capacity"),
            busy: m.liquidations_of("busy"),
            triggers_fired: m.triggers.with_label_values(&["executed"]).get(),
            triggers_removed: m.triggers.with_label_values(&["removed"]).get(),
            failures: self.failures.clone(),
        }
    }
}

fn order(
    side: OrderSide,
    order_type: OrderType,
    price_ticks: u64,
    base_lots: u64,
    id: u64,
) -> OrderArgs {
    OrderArgs {
        client_order_id: id,
        ..ix::order_args(side, order_type, price_ticks.max(1), base_lots)
    }
}

/// A padding order: a 1-lot reduce-only post-only ask at `ticks` (a padder holds a long)
/// that stops trading at `expires_at` (swept later, it queues an out: free).
fn padding(ticks: u64, expires_at: i64, id: u64) -> OrderArgs {
    OrderArgs {
        reduce_only: true,
        expires_at,
        ..order(OrderSide::Ask, OrderType::PostOnly, ticks, 1, id)
    }
}

/// Every margin account of the market.
async fn margin_accounts(world: &World) -> anyhow::Result<Vec<(Pubkey, Box<MarginAccount>)>> {
    let filters = accounts::margin_account_filters(&world.market);
    let listed = world
        .bank
        .program_accounts(&perp_sdk::perp::ID, &filters)
        .await?;
    Ok(listed
        .into_iter()
        .filter_map(|(k, a)| Some((k, accounts::margin_account(&a).ok()?)))
        .collect())
}

/// Accounts `liquidate` would accept now (each judged as the program judges it: funding and
/// its own queued fills settled first), and whether there is a liquidation price at all.
async fn liquidatable(world: &World) -> anyhow::Result<(HashSet<Pubkey>, bool)> {
    let snap = MarketSnapshot::fetch(world.bank.as_ref(), world.market).await?;
    let Some(band) = snap.band(Action::Liquidate) else {
        return Ok((HashSet::new(), false));
    };
    let queue = world
        .bank
        .account(&world.event_queue)
        .await?
        .ok_or_else(|| anyhow::anyhow!("event queue missing"))?;
    let queue = accounts::program_zero_copy::<EventQueueAccount>(&queue)?;
    let mut out = HashSet::new();
    for (key, account) in margin_accounts(world).await? {
        let account = with_own_events(&snap.market, &key, &account, &queue.queue)?;
        if AccountRisk::liquidatable(&snap.market, &account, band)?.is_some() {
            out.insert(key);
        }
    }
    Ok((out, true))
}

/// Events waiting in the queue, and the makers they are for.
async fn queued_makers(world: &World) -> anyhow::Result<(u64, HashSet<Pubkey>)> {
    let account = world
        .bank
        .account(&world.event_queue)
        .await?
        .ok_or_else(|| anyhow::anyhow!("event queue missing"))?;
    let queue = accounts::program_zero_copy::<EventQueueAccount>(&account)?;
    Ok((
        queue.queue.pending() as u64,
        perp_sdk::risk::queued_makers(&queue.queue),
    ))
}

async fn token_amount(world: &World, key: &Pubkey) -> anyhow::Result<u64> {
    let account = world
        .bank
        .account(key)
        .await?
        .ok_or_else(|| anyhow::anyhow!("token account {key} missing"))?;
    let len = anchor_spl::token::spl_token::state::Account::LEN;
    Ok(anchor_spl::token::spl_token::state::Account::unpack(&account.data[..len])?.amount)
}

pub struct Runner<'a> {
    scenario: &'a Scenario,
    world: World,
    traders: Vec<Trader>,
    keepers: Vec<SimKeeper>,
    rng: ChaCha8Rng,
    next_id: u64,
    /// The price the padders rested at last step.
    last_pad: Option<u64>,
    report: Report,
}

impl<'a> Runner<'a> {
    /// Builds the world: bank, market, traders, keepers.
    pub async fn new(scenario: &'a Scenario) -> anyhow::Result<Self> {
        let (params, insurance) = market_params(&scenario.market).map_err(anyhow::Error::msg)?;
        let opening = scenario.oracle[0].price_at(0.0);
        let world = World::create(params, opening, insurance, scenario.seed).await?;
        let mut traders = Vec::new();
        for g in &scenario.traders {
            for _ in 0..g.count {
                traders.push(Trader {
                    role: g.role,
                    user: world.user(g.collateral, 0).await?,
                    size: g.size,
                    spread_bps: g.spread_bps,
                    leverage: g.leverage,
                    collateral: g.collateral,
                    probability: g.probability,
                    stop_loss_pct: g.stop_loss_pct,
                });
            }
        }
        // A pass takes no simulated time: its liquidations are bounded by count alone, so a run
        // does not depend on how fast this machine executes them.
        let tuning = Tuning {
            pass_sending_ms: 0,
            ..Tuning::default()
        };
        let mut keepers = Vec::new();
        for index in 0..scenario.keeper.count {
            let user = world
                .user(scenario.keeper.collateral, KEEPER_LAMPORTS)
                .await?;
            let keeper = Keeper {
                sender: Sender::new(
                    world.bank.clone(),
                    Arc::new(user.wallet.insecure_clone()),
                    tuning.fees(),
                ),
                metrics: Arc::new(Metrics::new()),
                tuning: tuning.clone(),
            };
            let watched = TriggerAccounts::default();
            keepers.push(SimKeeper {
                keeper,
                triggers: TriggerExecutor::new(
                    world.market,
                    user.margin_account,
                    Backoff::new(tuning.backoff_base_secs, tuning.backoff_max_secs),
                )
                .with_watched(watched.clone()),
                liquidator: Liquidator::new(
                    world.market,
                    user.margin_account,
                    Backoff::new(tuning.backoff_base_secs, tuning.backoff_max_secs),
                )
                .with_share(if scenario.keeper.split {
                    Share {
                        index,
                        count: scenario.keeper.count,
                        grace_secs: tuning.takeover_grace_secs,
                        max_secs: tuning.takeover_max_secs,
                    }
                } else {
                    Share::ALL
                })
                .with_trigger_accounts(watched),
                funding: FundingCranker::new(world.market),
                risk: RiskCranker::new(world.market),
                events: EventConsumer::new(world.market),
                unwind: scenario
                    .keeper
                    .unwind
                    .then(|| Unwinder::new(world.market, user.margin_account)),
                next_at: 0,
                last_crank: None,
                failures: Vec::new(),
            });
        }
        let report = Report {
            scenario: scenario.name.clone(),
            seed: scenario.seed,
            duration_s: scenario.duration_s,
            traders: traders.len(),
            insurance_start: World::native(insurance),
            ..Report::default()
        };
        Ok(Runner {
            scenario,
            world,
            traders,
            keepers,
            rng: ChaCha8Rng::seed_from_u64(scenario.seed),
            next_id: 1,
            last_pad: None,
            report,
        })
    }

    pub fn steps(&self) -> u64 {
        (self.scenario.duration_s / self.scenario.step_s) as u64
    }

    /// The scenario's reference price at `t`: the first listed feed's path.
    fn price_at(&self, t: i64) -> f64 {
        self.scenario.oracle[0].price_at(t as f64)
    }

    async fn publish(&self, t: i64) {
        for feed in &self.scenario.oracle {
            if !feed.publishes_at(t as f64) {
                continue;
            }
            let p = Some(feed.price_at(t as f64));
            match feed.source {
                Source::Pyth => self.world.publish(p, None, feed.confidence_bps).await,
                Source::Switchboard => self.world.publish(None, p, feed.confidence_bps).await,
            }
        }
    }

    fn makers(&self) -> Vec<Pubkey> {
        self.traders
            .iter()
            .filter(|t| t.role == Role::Maker)
            .map(|t| t.user.margin_account)
            .collect()
    }

    /// The padders, in order (the first sweeps).
    fn padders(&self) -> Vec<usize> {
        (0..self.traders.len())
            .filter(|&i| self.traders[i].role == Role::Padder)
            .collect()
    }

    /// Sends one trader transaction and counts its fills (or its refusal).
    async fn trade(
        &mut self,
        i: usize,
        ixs: Vec<solana_sdk::instruction::Instruction>,
    ) -> anyhow::Result<()> {
        let out = self
            .world
            .send(&ixs, &[&self.traders[i].user.wallet])
            .await?;
        if out.err.is_some() {
            self.report.orders_refused += 1;
        } else {
            let fills: u64 = in_logs::<OrderPlaced>(&out.logs)
                .iter()
                .map(|o| u64::from(o.fills))
                .sum();
            self.report.fills += fills;
        }
        Ok(())
    }

    async fn traders_act(&mut self, t: i64, first: bool) -> anyhow::Result<()> {
        let price = self.price_at(t);
        let ticks = self.world.ticks(price);
        let makers = self.makers();
        // Padders rest at the price; the sweeper acts first, before the makers requote, and
        // buys back what the padders rested last step (their padding now expired: outs).
        let pad = ticks.round() as u64;
        let now = self.world.bank.clock().await?.unix_timestamp;
        let mut order_of: Vec<usize> = (0..self.traders.len()).collect();
        // (At the start it opens its short after the makers' first quotes, like everyone.)
        if let (Some(&sweeper), false) = (self.padders().first(), first) {
            order_of.retain(|&i| i != sweeper);
            order_of.insert(0, sweeper);
        }
        for i in order_of {
            let id = self.next_id;
            self.next_id += 1;
            let tr = &self.traders[i];
            let a = self.world.orders(&tr.user);
            let ixs = match tr.role {
                Role::Maker => {
                    let s = tr.spread_bps as f64 / 10_000.0;
                    let bid = (ticks * (1.0 - s)).floor() as u64;
                    let ask = (ticks * (1.0 + s)).ceil() as u64;
                    vec![
                        ix::order_cancel_all(&a, None),
                        ix::order_place(
                            &a,
                            order(OrderSide::Bid, OrderType::PostOnly, bid, tr.size, id),
                            &[],
                        ),
                        ix::order_place(
                            &a,
                            order(OrderSide::Ask, OrderType::PostOnly, ask, tr.size, id),
                            &[],
                        ),
                    ]
                }
                Role::Padder if !first && self.padders().first() == Some(&i) => {
                    // The sweep: every padding and reduce-only ask, no makers passed, so every
                    // fill queues (the most one order may touch).
                    let Some(last) = self.last_pad else { continue };
                    let lots = 32;
                    let mut sweep = order(
                        OrderSide::Bid,
                        OrderType::ImmediateOrCancel,
                        last + 1,
                        lots,
                        id,
                    );
                    sweep.fill_limit = 32;
                    // It holds a short, so the sweep reduces it: allowed while the breaker
                    // holds the market reduce-only, as every padding order is.
                    sweep.reduce_only = true;
                    vec![ix::order_place(&a, sweep, &[])]
                }
                Role::Padder if !first => {
                    let mut ixs: Vec<_> = (0..tr.size.min(6))
                        .map(|_| ix::order_place(&a, padding(pad, now + 1, id), &[]))
                        .collect();
                    let mut exit = order(OrderSide::Ask, OrderType::PostOnly, pad + 1, 1, id);
                    exit.reduce_only = true;
                    ixs.push(ix::order_place(&a, exit, &[]));
                    ixs
                }
                Role::Long | Role::Short | Role::Padder if first => {
                    let notional = tr.leverage * World::native(tr.collateral) as f64;
                    let lots = (notional / self.world.lot_value(price)).floor() as u64;
                    // 2% through the price: a sweep of the makers' ±10 bps quotes, inside the
                    // order band (the preset's is 4.9%).
                    let sweeper = self.padders().first() == Some(&i);
                    let (side, limit) =
                        if tr.role == Role::Long || (tr.role == Role::Padder && !sweeper) {
                            (OrderSide::Bid, ticks * 1.02)
                        } else {
                            (OrderSide::Ask, ticks * 0.98)
                        };
                    if lots == 0 {
                        continue;
                    }
                    let mut ixs = vec![ix::order_place(
                        &a,
                        order(side, OrderType::ImmediateOrCancel, limit as u64, lots, id),
                        &makers,
                    )];
                    if tr.stop_loss_pct > 0.0 && tr.role != Role::Padder {
                        ixs.extend(self.stop_loss(i, side, ticks, lots));
                    }
                    ixs
                }
                Role::Random if self.rng.random_bool(tr.probability) => {
                    let lots = self.rng.random_range(1..=tr.size.max(1));
                    let (side, limit) = if self.rng.random_bool(0.5) {
                        (OrderSide::Bid, ticks * 1.02)
                    } else {
                        (OrderSide::Ask, ticks * 0.98)
                    };
                    vec![ix::order_place(
                        &a,
                        order(side, OrderType::ImmediateOrCancel, limit as u64, lots, id),
                        &makers,
                    )]
                }
                _ => continue,
            };
            self.trade(i, ixs).await?;
        }
        self.last_pad = Some(pad);
        Ok(())
    }

    /// Trader `i`'s stop-loss for a position opened on `side` at about `ticks`: its trigger
    /// account (rent from the payer) and a reduce-only market order `stop_loss_pct` away, down
    /// to `STOP_SLIPPAGE_PCT` further.
    fn stop_loss(
        &self,
        i: usize,
        side: OrderSide,
        ticks: f64,
        lots: u64,
    ) -> Vec<solana_sdk::instruction::Instruction> {
        let tr = &self.traders[i];
        let (owner, account) = (tr.user.wallet.pubkey(), tr.user.margin_account);
        let away = tr.stop_loss_pct / 100.0;
        let slip = STOP_SLIPPAGE_PCT / 100.0;
        let (close, direction, at, worst) = match side {
            OrderSide::Bid => (
                OrderSide::Ask,
                perp_sdk::perp::TriggerDirection::AtOrBelow,
                ticks * (1.0 - away),
                ticks * (1.0 - away) * (1.0 - slip),
            ),
            OrderSide::Ask => (
                OrderSide::Bid,
                perp_sdk::perp::TriggerDirection::AtOrAbove,
                ticks * (1.0 + away),
                ticks * (1.0 + away) * (1.0 + slip),
            ),
        };
        let stop = ix::trigger_args(close, direction, at as u64, (worst as u64).max(1), lots);
        vec![
            ix::trigger_orders_create(owner, self.world.bank.payer().pubkey(), account),
            ix::trigger_place(owner, self.world.market, account, stop, None),
        ]
    }

    /// Runs every step; `progress` is told after each.
    pub async fn run(mut self, mut progress: impl FnMut(u64, &Report)) -> anyhow::Result<Report> {
        let started = std::time::Instant::now();
        let step_s = self.scenario.step_s;
        let every = self.scenario.keeper.latency_s.max(step_s);
        let mut first_seen: HashMap<Pubkey, i64> = HashMap::new();
        let mut latencies = Vec::new();
        for step in 0..=self.steps() {
            let t = step as i64 * step_s;
            if step > 0 {
                self.world.bank.advance(step_s).await?;
            }
            self.publish(t).await;
            self.traders_act(t, step == 0).await?;

            // What waits in the queue before any keeper acts.
            let queued = queued_makers(&self.world).await?;
            self.report.max_queued_events = self.report.max_queued_events.max(queued.0);
            // The due keepers crank first (concurrently), then their liquidators race.
            let due: Vec<usize> = (0..self.keepers.len())
                .filter(|&i| t >= self.keepers[i].next_at)
                .collect();
            let cranks = self
                .keepers
                .iter_mut()
                .enumerate()
                .filter(|(i, _)| due.contains(i))
                .map(|(_, k)| k.crank(t, every));
            futures::future::join_all(cranks).await;
            // What `liquidate` would accept right now, before any liquidator acts.
            let (before, priced) = liquidatable(&self.world).await?;
            if !priced {
                self.report.steps_without_price += 1;
            }
            for key in &before {
                first_seen.entry(*key).or_insert(t);
            }
            let passes = self
                .keepers
                .iter_mut()
                .enumerate()
                .filter(|(i, _)| due.contains(i))
                .map(|(_, k)| k.liquidate());
            let landed: Vec<(TxOutcome, Duration)> = futures::future::join_all(passes)
                .await
                .into_iter()
                .flatten()
                .collect();
            for (outcome, latency) in &landed {
                latencies.push(*latency);
                for l in in_logs::<Liquidated>(&outcome.logs) {
                    self.report.liquidations += 1;
                    if queued.1.contains(&l.margin_account) {
                        self.report.liquidations_with_queued_fills += 1;
                    }
                    match first_seen.get(&l.margin_account) {
                        Some(seen) if before.contains(&l.margin_account) => {
                            let delay = t - seen;
                            self.report.max_liquidation_delay_s =
                                self.report.max_liquidation_delay_s.max(delay);
                        }
                        _ => self.report.healthy_liquidations += 1,
                    }
                }
                for b in in_logs::<Bankruptcy>(&outcome.logs) {
                    self.report.bankruptcies += 1;
                    self.report.insurance_used += b.insurance_paid;
                    self.report.socialized_loss += b.socialised;
                    self.report.bad_debt += b.unresolved;
                }
            }
            // Accounts no longer liquidatable start a fresh clock next time.
            let (after, _) = liquidatable(&self.world).await?;
            first_seen.retain(|key, _| after.contains(key));
            self.report.steps = step;
            progress(step, &self.report);
        }
        latencies.sort();
        let ms = |d: &Duration| d.as_secs_f64() * 1e3;
        self.report.liquidation_latency_ms = [
            latencies.get(latencies.len() / 2).map_or(0.0, ms),
            latencies.last().map_or(0.0, ms),
        ];
        self.finish(started).await
    }

    /// Drains the event queue and measures the end state.
    async fn finish(mut self, started: std::time::Instant) -> anyhow::Result<Report> {
        let w = &self.world;
        let drain = Keeper {
            sender: Sender::new(
                w.bank.clone(),
                Arc::new(w.bank.payer().insecure_clone()),
                perp_keeper::sender::FeePolicy::fixed(0),
            ),
            metrics: Arc::new(Metrics::new()),
            tuning: Tuning::default(),
        };
        let mut consumer = EventConsumer::new(w.market);
        for _ in 0..64 {
            let queue = w
                .bank
                .account(&w.event_queue)
                .await?
                .ok_or_else(|| anyhow::anyhow!("event queue missing"))?;
            if accounts::program_zero_copy::<EventQueueAccount>(&queue)?
                .queue
                .is_empty()
            {
                break;
            }
            consumer.tick(&drain).await?;
        }
        let snap = MarketSnapshot::fetch(w.bank.as_ref(), w.market).await?;
        let m = &snap.market;
        let all = margin_accounts(w).await?;
        let book = w
            .bank
            .account(&w.book)
            .await?
            .ok_or_else(|| anyhow::anyhow!("book missing"))?;
        let fees = accounts::program_zero_copy::<OrderBookAccount>(&book)?
            .book
            .fees_accrued();
        let vault = token_amount(w, &m.collateral_vault).await?;
        let list: Vec<MarginAccount> = all.iter().map(|(_, a)| **a).collect();
        let c = Conservation::of(m, &list, vault, fees)?;
        let r = &mut self.report;
        r.conservation_ok = c.holds();
        r.conservation_dust = i64::try_from(c.dust()).unwrap_or(i64::MAX);
        r.insurance_end = token_amount(w, &m.insurance_vault).await?;
        r.final_open_interest = [m.open_interest.long_lots, m.open_interest.short_lots];
        if let Some(band) = snap.band(Action::Liquidate) {
            for (_, account) in &all {
                if let Some(risk) = AccountRisk::liquidatable(m, account, band)? {
                    r.liquidatable_at_end += 1;
                    if account.trader.is_flat() {
                        r.bad_debt += risk.shortfall;
                    }
                }
            }
        }
        r.keepers = self.keepers.iter().map(SimKeeper::report).collect();
        r.triggers_fired = r.keepers.iter().map(|k| k.triggers_fired).sum();
        r.triggers_removed = r.keepers.iter().map(|k| k.triggers_removed).sum();
        r.wall_clock_s = started.elapsed().as_secs_f64();
        Ok(self.report)
    }
}
