//! The adversarial fuzzer (DESIGN §13, CONVENTIONS 8): random sequences of real instructions on
//! one market, by honest owners, an honest keeper, and an attacker who holds four margin
//! accounts in two wallets (A0, A1 | A2, AK — AK its keeper account), is delegate of honest
//! owner H0, and calls every permissionless instruction. Sequences are deterministic from
//! `FUZZ_SEED` and their index; each starts from the same saved state (see `world`: one bank,
//! its market accounts and clock restored per sequence instead of a new bank and listing), on
//! a standard market or on one whose breaker band (50%) is much wider than its margins.
//!
//! Values are taken at the *true price*: what both oracle sources publish when they are fresh
//! and agree. Only an oracle move changes it; a stale, diverging or refreshed source does not.
//!
//! After every step these must hold. A refused transaction changed nothing (the runtime
//! discards it whole) and moved no price, so its state is not re-read; an oracle write or a
//! clock warp changes no account the checks read, so only the price-dependent checks re-run.
//!
//! 1. **Conservation** on a *virtual drain* (every queued event applied to a copy of its
//!    maker, funding settled first, as `events_consume` would; the real queue is untouched):
//!    the collateral vault holds every account's claim plus the book's fees, the dust (what it
//!    holds beyond them) never negative and exactly zero while no funding index moved; the
//!    market's collateral total is the sum of its accounts. **Zero-sum**: positions sum to
//!    zero, and the dust changes only at a step that moves a funding index (trading,
//!    liquidation and settlement move value between accounts, fees and vaults but create
//!    none; `assert_zero_sum`'s "cash + fees = 0" is the same statement before any realised
//!    PnL is folded into collateral or any liquidation fee leaves for the insurance fund).
//! 2. **No manufactured bad debt**: at an unchanged true price, an account whose equity (at
//!    the true price, funding settled, virtual drain applied) was ≥ 0 is not < 0 after, except
//!    by what funding or a socialised loss charged it (index moves) and by the fee of its own
//!    liquidation (charged in full on a position a price gap left below maintenance; the
//!    insurance fund then covers what the account cannot pay).
//! 3. **Fair claims**: for each owner group (the attacker's four accounts together; each
//!    honest owner; the keeper), `withdrawn − deposited + Σ max(equity, 0)` grows by at most
//!    `Σ max(equity + allowed, 0) − max(equity, 0)` over its accounts, where `allowed` is the
//!    account's position × the true price's move, plus funding and socialised losses (the
//!    market's index moves applied to its state), plus from fills and liquidations with an
//!    account of *another* group its price gain against the true price (the other owner chose
//!    that price; within a group it is only a transfer), minus fees paid (plus rebates), plus a
//!    keeper's fee from liquidating another group's account (in-group, the fee is a transfer
//!    and only the insurance share leaves). Negative equity counts as zero because nobody
//!    pays it: that is how claims grow when one account of a group dumps value into another.
//!    Exact: every term is an integer the program itself computed (its health and funding code
//!    on the copies, the amounts in its events), so there is no tolerance.
//!    For H0, whose delegate is the attacker, at an unchanged true price its value
//!    `withdrawn − deposited + equity` falls by at most its fees and funding, plus what its
//!    owner's own orders lost, plus for each lot the delegate's orders traded the band's reach
//!    from the price then (a delegate-signed liquidation into H0 is refused and earns no
//!    allowance: the attacker tries it, and its loss would count in full): the
//!    distance to the farther edge of `[min(stable, sources) × (1 − b), max(…) × (1 + b)]`,
//!    `b = oracle.breaker_band_bps`, one tick more, plus how far the true price moved since a
//!    resting order was placed. While both sources are fresh and agree, a delegate's order may
//!    lose only the sources' distance from the true price instead of the band's reach: the
//!    program holds a delegate's limit to the reference (issue 22; without that rule this
//!    fails within the first 8 sequences).
//! 4. **Open interest** counts exactly the applied positions (a maker's side of a queued fill
//!    counts once consumed, as the engine's `OpenInterest` documents): each side equals the sum
//!    of the stored positions on it; after the virtual drain longs equal shorts (zero-sum, 1).
//! 5. **Every account below maintenance is liquidatable by one keeper transaction**, whatever
//!    the queue holds: while both sources are fresh and agree, for each account (but K) below
//!    maintenance at the liquidation price the program previews (or flat with negative
//!    equity), the honest keeper's single `liquidate`, simulated, succeeds — or is refused only
//!    because K itself lacks the margin to take the position (`KeeperUnhealthy`, accepted only
//!    when K could not cover the keeper's requirement with the whole position added: never for
//!    open interest, which the attacker pushes toward the hard cap in the standard market). The attacker
//!    pads the queue (`Step::Pad` and a sweep with no makers passed) and spams the cranks.
//! 6. **Clients read only our program's events**: a transaction in which another program prints
//!    an encoded fill or liquidation of ours, listing our program and the market (`Step::Forge`,
//!    `program_test::forger`), decodes to no event through the SDK the indexer uses.
//!
//! A violation prints the seed, the invariant, its kind (`report`) and a sequence shrunk by
//! replaying it with steps removed, as Rust-like lines, and how to replay it. Environment:
//! `FUZZ_SEQUENCES` (default 1,000), `FUZZ_STEPS` (50), `FUZZ_SEED`, `FUZZ_REPLAY=<seed>:<index>`
//! (one sequence, shrunk and printed), `FUZZ_REPORTS` (distinct kinds to shrink and print
//! before stopping, default 5), `FUZZ_PROFILE=fair` (a control: the attacker's accounts trade
//! only within a few ticks of a fixed oracle price; it must pass even on vulnerable code),
//! `FUZZ_VERBOSE` (print every step and its outcome).

mod claims;
mod exec;
mod generator;
mod report;
mod shrink;
mod step;
mod world;

use claims::{Band, Inv, Ledger, Placed, Registry, StepContext};
use exec::{OracleModel, execute};
use generator::{Gen, Profile, Situation};
use report::{Conditions, Oracles, Signature, classify, describe};
use step::{Acct, By, K, Oracle, Step};
use world::{Variant, World};

use crate::program_test::adversary::MarketView;
use crate::program_test::env::OPENING_PRICE_E8;
use crate::program_test::env::events_of;
use crate::program_test::ix;
use crate::program_test::risk::engine_price;
use perp::PriceAction;
use perp::error::ErrorCode;
use perp::events::{TriggerExecuted, TriggerRemoved};
use perp::state::{MarginAccount, Market};
use perp_engine::oracle::PriceBand;
use perp_engine::price::ScaledQuote;
use perp_engine::risk::liquidation::is_liquidatable;
use perp_engine::{Bps, Price, SignedBaseLots};
use solana_program_test::BanksClientError;
use solana_sdk::instruction::InstructionError;
use solana_sdk::transaction::TransactionError;
use std::collections::HashSet;
use std::time::{Duration, Instant};

/// The run's settings, from the environment.
struct Config {
    seed: u64,
    sequences: u64,
    steps: usize,
    replay: Option<(u64, u64)>,
    reports: usize,
    profile: Profile,
}

impl Config {
    fn from_env() -> Config {
        let var = |name: &str| std::env::var(name).ok();
        let num =
            |name: &str, default: u64| var(name).map_or(default, |v| v.parse().expect("a number"));
        let replay = var("FUZZ_REPLAY").map(|v| {
            let (seed, index) = v.split_once(':').expect("FUZZ_REPLAY=<seed>:<index>");
            (seed.parse().expect("seed"), index.parse().expect("index"))
        });
        Config {
            seed: num("FUZZ_SEED", 0x5eed_2026),
            sequences: num("FUZZ_SEQUENCES", 1_000),
            steps: num("FUZZ_STEPS", 50) as usize,
            replay,
            reports: num("FUZZ_REPORTS", 5) as usize,
            profile: match var("FUZZ_PROFILE").as_deref() {
                None | Some("adversarial") => Profile::Adversarial,
                Some("fair") => Profile::Fair,
                Some(other) => panic!("FUZZ_PROFILE={other}: adversarial or fair"),
            },
        }
    }
}

/// A violation at step `step` (0-based) of a sequence.
#[derive(Debug, Clone)]
struct Failure {
    signature: Signature,
    message: String,
    step: usize,
}

/// One sequence in progress.
struct Run<'w> {
    world: &'w mut World,
    market: usize,
    variant: Variant,
    oracle: OracleModel,
    view: MarketView,
    registry: Registry,
    ledger: Ledger,
    /// The vault's surplus over all claims after the last step (see `zero_sum_since`).
    dust: i128,
    steps: Vec<Step>,
    accepted: usize,
    /// Triggers fired and triggers removed unexecuted (their events), for the summary.
    triggers: (usize, usize),
    /// Print every step and its outcome (`FUZZ_VERBOSE`).
    verbose: bool,
}

impl<'w> Run<'w> {
    /// Restores `variant`'s market and publishes fresh prices.
    async fn start(world: &'w mut World, variant: Variant) -> Run<'w> {
        let market = world.reset(variant).await;
        let ticks = (OPENING_PRICE_E8 / 10_000_000) as u64;
        let mut oracle = OracleModel {
            ticks,
            pyth: ticks,
            switchboard: ticks,
            pyth_time: 0,
            switchboard_slot: 0,
        };
        let m = &world.markets[market];
        let clock = world.env.clock().await;
        let refresh = Step::Oracle(Oracle::Refresh);
        execute(&mut world.env, m, &mut oracle, &refresh, &clock).await;
        let view = world
            .env
            .market_view(&m.keys, &m.accounts)
            .await
            .expect("the starting state is readable");
        let dust = view
            .conservation()
            .expect("the starting state conserves tokens");
        Run {
            world,
            market,
            variant,
            oracle,
            view,
            dust,
            registry: Registry::new(),
            ledger: Ledger::default(),
            steps: Vec::new(),
            accepted: 0,
            triggers: (0, 0),
            verbose: std::env::var_os("FUZZ_VERBOSE").is_some(),
        }
    }

    /// The band as the fuzzer estimates it now.
    fn band(&self) -> Band {
        Band::at(
            &self.view.market,
            &self.oracle,
            self.variant.breaker_band_bps(),
        )
    }

    /// What the generator sees.
    fn situation(&self) -> Situation<'_> {
        Situation {
            view: &self.view,
            oracle: &self.oracle,
            band: self.band().ticks(),
        }
    }

    /// Executes `step` and checks every invariant; the first violation, if any.
    async fn apply(&mut self, step: Step) -> Option<Failure> {
        let index = self.steps.len();
        self.steps.push(step.clone());
        let band = self.band();
        let m = &self.world.markets[self.market];
        let env = &mut self.world.env;
        let clock = env.clock().await;
        let cond = Conditions::of(&self.view.market, &self.oracle, &clock, band);
        let price_before = engine_price(self.oracle.ticks);
        let oracle_before = self.oracle;
        let executed = execute(env, m, &mut self.oracle, &step, &clock).await;
        if self.verbose {
            let removed: Vec<_> = events_of::<TriggerRemoved>(&executed.events)
                .iter()
                .map(|r| r.reason)
                .collect();
            let fired = events_of::<TriggerExecuted>(&executed.events).len();
            let triggers = if fired + removed.len() > 0 {
                format!(" ({fired} trigger(s) fired, removed: {removed:?})")
            } else {
                String::new()
            };
            println!(
                "  {index:>3} {step:?} -> {}{triggers}",
                executed.error.as_deref().unwrap_or(if executed.ok {
                    "ok"
                } else {
                    "nothing to send"
                })
            );
        }
        if executed.ok {
            register(
                &mut self.registry,
                &step,
                &cond,
                &oracle_before,
                price_before.raw(),
            );
        }
        let variant = self.variant;
        let fail = |inv: Inv, message: String, registry: &Registry| Failure {
            signature: classify(inv, variant, &cond, &step, &executed, registry),
            message,
            step: index,
        };
        if !executed.ok {
            // Refused: the transaction changed nothing (and no price moved).
            return None;
        }
        self.accepted += 1;
        self.triggers.0 += events_of::<TriggerExecuted>(&executed.events).len();
        self.triggers.1 += events_of::<TriggerRemoved>(&executed.events).len();
        if matches!(step, Step::Forge { .. }) && !executed.events.is_empty() {
            let message = format!(
                "another program's transaction decoded to {} event(s) of ours",
                executed.events.len()
            );
            return Some(fail(Inv::ForgedEvent, message, &self.registry));
        }
        let after = if step.is_transaction() {
            match env.market_view(&m.keys, &m.accounts).await {
                Ok(v) => v,
                Err(e) => return Some(fail(Inv::QueueState, e, &self.registry)),
            }
        } else {
            self.view.clone()
        };
        let ledger = self.ledger.after(&executed);
        let dust = match state_invariants(&self.view, self.dust, &after) {
            Ok(d) => d,
            Err((inv, message)) => return Some(fail(inv, message, &self.registry)),
        };
        let checked = claims::check(&StepContext {
            before: &self.view,
            after: &after,
            keys: &m.accounts,
            price_before,
            price_after: engine_price(self.oracle.ticks),
            step: &step,
            executed: &executed,
            registry: &self.registry,
            band: cond.band,
            ledger_before: &self.ledger,
            ledger_after: &ledger,
        });
        if let Err((inv, message)) = checked {
            return Some(fail(inv, message, &self.registry));
        }
        self.view = after;
        self.ledger = ledger;
        self.dust = dust;
        if let Err(message) = self.liquidation_liveness().await {
            return Some(fail(Inv::Liquidatable, message, &self.registry));
        }
        None
    }

    /// Invariant 5 on the current state (simulated: nothing changes).
    async fn liquidation_liveness(&mut self) -> Result<(), String> {
        let band = self.band();
        let m = &self.world.markets[self.market];
        let env = &mut self.world.env;
        let clock = env.clock().await;
        let market = &self.view.market;
        if Conditions::of(market, &self.oracle, &clock, band).oracles != Oracles::Fresh {
            return Ok(());
        }
        let under = |i: usize, price| below_maintenance(market, &self.view.drained[i], price);
        let truth = engine_price(self.oracle.ticks);
        let candidates: Vec<usize> = (0..self.view.drained.len())
            .filter(|&i| Acct(i) != K && under(i, truth))
            .collect();
        if candidates.is_empty() {
            return Ok(());
        }
        let Ok(Some(p)) = env.preview_price(&m.keys, PriceAction::Liquidate).await else {
            return Ok(());
        };
        let keeper = m.trader(K);
        for i in candidates {
            let position = self.view.drained[i].trader.base_position.get();
            let price = PriceBand {
                low: Price::from_raw(p.low),
                high: Price::from_raw(p.high),
            }
            .favourable_to(SignedBaseLots::new(position));
            if !under(i, price) {
                continue;
            }
            // The honest keeper's own choice: the book and the queue only when the account
            // holds an order slot as stored, so the path without them is proven live.
            let holds_slots = self.view.accounts[i].trader.slots_in_use != 0;
            let ix = ix::liquidate(&ix::LiquidateAccounts {
                book: holds_slots.then_some(m.keys.book),
                event_queue: holds_slots.then_some(m.keys.event_queue),
                ..keeper.liquidating(m.accounts[i])
            });
            let keeper_account = &self.view.drained[K.0];
            match env.simulate(&[ix], &[&keeper.wallet]).await {
                Ok(()) => {}
                Err(e)
                    if is_error(&e, ErrorCode::KeeperUnhealthy)
                        && !keeper_can_take(market, keeper_account, position, p.low, p.high) => {}
                Err(e) => {
                    return Err(format!(
                        "{:?} is below maintenance at {} (position {position}) but the keeper's \
                         liquidate fails: {e:?}",
                        Acct(i),
                        price.raw()
                    ));
                }
            }
        }
        Ok(())
    }
}

/// Whether `liquidate` at `price` acts on `account` (funding settled, its own queued events
/// applied): below maintenance with its orders cancelled, or flat with negative equity.
fn below_maintenance(market: &Market, account: &MarginAccount, price: Price) -> bool {
    let margin = market.params.margin();
    let balance = account.collateral as i64;
    if account.trader.base_position.get() == 0 {
        return market
            .health(account, price)
            .is_ok_and(|h| h.equity.is_negative());
    }
    is_liquidatable(
        &account.trader,
        balance,
        price,
        |lots| market.risk.maintenance_bps(&margin, lots),
        market.quote_lot_size(),
    )
    .unwrap_or(false)
}

/// Whether the keeper's account covers, with the whole of `position` added, the requirement a
/// liquidation puts on it (`Market::keeper_margin_scale`: base initial margin × size premium, at
/// least maintenance; issue 22) with a tenth to spare, at both ends of the liquidation band.
/// The transfer adds no loss at the band price (the discount only adds equity) and a partial
/// one needs less, so `KeeperUnhealthy` then means the program judged the keeper by terms a
/// liquidation does not add — open interest or volatility, which the attacker pushes.
fn keeper_can_take(
    market: &Market,
    keeper: &MarginAccount,
    position: i64,
    low: u64,
    high: u64,
) -> bool {
    let mut after = keeper.trader;
    after.base_position = SignedBaseLots::new(after.base_position.get().saturating_add(position));
    let Ok(scale) = market.keeper_margin_scale(&after) else {
        return false;
    };
    let spare = Bps::new(scale.initial_margin_bps.get() * 11 / 10);
    [low, high].into_iter().all(|raw| {
        let price = Price::from_raw(raw);
        let (Ok(now), Ok(taken)) = (
            market.health(keeper, price),
            market.health(
                &MarginAccount {
                    trader: after,
                    ..*keeper
                },
                price,
            ),
        ) else {
            return false;
        };
        let Ok(loss) = keeper.trader.resting_fill_loss(price, &scale) else {
            return false;
        };
        let worst = perp_engine::risk::health::Health {
            equity: ScaledQuote::new(now.equity.get() - loss.get()),
            ..taken
        };
        worst.covers(spare).unwrap_or(false)
    })
}

/// Whether `e` is the program's error `code`.
fn is_error(e: &BanksClientError, code: ErrorCode) -> bool {
    matches!(
        e,
        BanksClientError::TransactionError(TransactionError::InstructionError(
            _,
            InstructionError::Custom(c),
        )) if *c == u32::from(code)
    )
}

/// Invariants 1, 4 and 7 on the state after a step; the new dust.
fn state_invariants(
    before: &MarketView,
    before_dust: i128,
    after: &MarketView,
) -> Result<i128, (Inv, String)> {
    let dust = after
        .conservation()
        .and_then(|d| after.zero_sum_since(before, before_dust, d).map(|()| d))
        .map_err(|e| (Inv::Conservation, e))?;
    after.open_interest().map_err(|e| (Inv::OpenInterest, e))?;
    after
        .open_interest_capped(before)
        .map_err(|e| (Inv::OpenInterestCap, e))?;
    Ok(dust)
}

/// Records the orders `step` placed (they may rest and fill later).
fn register(
    registry: &mut Registry,
    step: &Step,
    cond: &Conditions,
    oracle: &OracleModel,
    price: u64,
) {
    let price = i128::from(price);
    // Issue 22: a delegate's limit is no worse for the owner than the reference — while both
    // sources are fresh and agree, their aggregate, which lies between them — so its orders may
    // lose at most the sources' distance from the true price at the price they were placed at
    // (plus what the price moved since).
    let off = |ticks: u64| (i128::from(engine_price(ticks).raw()) - price).abs();
    let sources_reach = off(oracle.pyth).max(off(oracle.switchboard));
    for o in step.orders() {
        let reach = if o.by == By::Delegate && cond.oracles == Oracles::Fresh {
            sources_reach
        } else {
            cond.band.reach(price)
        };
        let placed = Placed {
            by: o.by,
            reduce_only: o.reduce_only,
            price_at: price,
            reach,
        };
        registry.insert(o.client_id, placed);
    }
    // A trigger's order is placed when it fires, by whoever stored it: registered now, with
    // the reach from now (the bound adds what the price moves until it fires).
    if let Step::TriggerPlace {
        by,
        trigger,
        bracket,
        ..
    } = step
    {
        for t in std::iter::once(trigger).chain(bracket) {
            let reach = if *by == By::Delegate && cond.oracles == Oracles::Fresh {
                sources_reach
            } else {
                cond.band.reach(price)
            };
            let placed = Placed {
                by: *by,
                reduce_only: t.reduce_only,
                price_at: price,
                reach,
            };
            registry.insert(t.client_id, placed);
        }
    }
}

/// A generated sequence as it ran.
struct Sequence {
    variant: Variant,
    steps: Vec<Step>,
    /// Steps that executed (transactions accepted, oracle writes, warps).
    accepted: usize,
    /// Triggers fired, and removed unexecuted.
    triggers: (usize, usize),
    failure: Option<Failure>,
}

/// Runs generated sequence `index` until its last step or its first failure.
async fn generated(world: &mut World, cfg: &Config, seed: u64, index: u64) -> Sequence {
    let mut generator = Gen::new(seed, index, cfg.profile);
    // Every third sequence runs on the wide-band market, and every third on the review's
    // market when the program lets it be listed (it must not), otherwise on the capped one.
    let variant = match index % 3 {
        2 => Variant::WideBand,
        1 if world.has(Variant::Review) => Variant::Review,
        1 => Variant::Capped,
        _ => Variant::Standard,
    };
    let mut run = Run::start(world, variant).await;
    let mut failure = None;
    for _ in 0..cfg.steps {
        let step = generator.next(&run.situation());
        failure = run.apply(step).await;
        if failure.is_some() {
            break;
        }
    }
    Sequence {
        variant,
        accepted: run.accepted,
        triggers: run.triggers,
        steps: run.steps,
        failure,
    }
}

/// Replays `steps` on a fresh `variant` market: the first failure if any.
async fn replay(world: &mut World, variant: Variant, steps: &[Step]) -> Option<Failure> {
    let mut run = Run::start(world, variant).await;
    for step in steps {
        if let Some(f) = run.apply(step.clone()).await {
            return Some(f);
        }
    }
    None
}

/// Shrinks failing sequence `index` and describes it with how to replay it.
async fn report(world: &mut World, cfg: &Config, seed: u64, index: u64, seq: Sequence) -> String {
    let failure = seq.failure.expect("a failing sequence");
    let original = failure.step + 1;
    let variant = seq.variant;
    let (shrunk, last) = shrink::shrink(world, variant, seq.steps, &failure).await;
    let profile = match cfg.profile {
        Profile::Adversarial => "",
        Profile::Fair => "FUZZ_PROFILE=fair ",
    };
    let mut text = format!(
        "\nadversarial: sequence {index} (seed {seed}) broke invariant {:?} at step {original}: {}\n  \
         kind: {}\n  shrunk from {original} to {} steps on a {variant:?} market; last step fails \
         with: {}\n  replay: {profile}FUZZ_REPLAY={seed}:{index} cargo test -p perp --test \
         test_all adversarial -- --nocapture\n  steps:\n",
        failure.signature.inv,
        failure.message,
        describe(&failure.signature),
        shrunk.len(),
        last.message,
    );
    for step in &shrunk {
        text += &format!("    {step:?},\n");
    }
    // Printed as found (with --nocapture), and repeated in the final panic message, after the
    // program's own log lines that the test harness prints with a failing test's output.
    println!("{text}");
    text
}

#[tokio::test]
async fn adversarial_sequences_keep_every_invariant() {
    let cfg = Config::from_env();
    let mut world = World::new().await;
    if let Some((seed, index)) = cfg.replay {
        let seq = generated(&mut world, &cfg, seed, index).await;
        let inv = seq
            .failure
            .as_ref()
            .expect("the replayed sequence keeps every invariant")
            .signature
            .inv;
        let text = report(&mut world, &cfg, seed, index, seq).await;
        panic!("sequence {seed}:{index} breaks invariant {inv:?}{text}");
    }
    let started = Instant::now();
    let mut fuzzing = Duration::ZERO;
    let mut kinds: HashSet<Signature> = HashSet::new();
    let mut reports = String::new();
    let (mut sequences, mut failing, mut steps, mut accepted) = (0u64, 0u64, 0usize, 0usize);
    let (mut fired, mut removed) = (0usize, 0usize);
    for index in 0..cfg.sequences {
        let t = Instant::now();
        let seq = generated(&mut world, &cfg, cfg.seed, index).await;
        fuzzing += t.elapsed();
        sequences += 1;
        steps += seq.steps.len();
        accepted += seq.accepted;
        fired += seq.triggers.0;
        removed += seq.triggers.1;
        let Some(failure) = &seq.failure else {
            continue;
        };
        failing += 1;
        if kinds.insert(failure.signature) {
            reports += &report(&mut world, &cfg, cfg.seed, index, seq).await;
            if kinds.len() >= cfg.reports {
                break;
            }
        }
    }
    let summary = format!(
        "adversarial ({:?}, seed {}): {sequences} sequences, {steps} steps ({accepted} executed, \
         the rest refused; {fired} triggers fired, {removed} removed unexecuted) in {:.1} s: {:.1} s fuzzing ({:.2} ms per step), the rest shrinking; \
         {failing} broke an invariant, {} distinct kinds",
        cfg.profile,
        cfg.seed,
        started.elapsed().as_secs_f64(),
        fuzzing.as_secs_f64(),
        fuzzing.as_secs_f64() * 1e3 / steps.max(1) as f64,
        kinds.len()
    );
    println!("\n{summary}");
    assert!(failing == 0, "{summary}\n{reports}");
}
