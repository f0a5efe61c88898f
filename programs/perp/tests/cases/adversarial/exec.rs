//! Executes one recorded step as real instructions (or an oracle write, or a clock warp) and
//! reports what happened. A refused transaction is a normal outcome: it changed nothing.

use super::step::{
    A0, A1, AK, Acct, Amount, By, Cancel, Crank, H0, Oracle, Order, Source, Step, Trigger,
};
use super::world::FuzzMarket;
use crate::program_test::env::TestEnv;
use crate::program_test::forger;
use crate::program_test::ix;
use crate::program_test::risk::price_e8;
use anchor_lang::AnchorSerialize;
use perp::events::{BookEventLogged, Liquidated};
use perp::state::{MarketStatus, TriggerOrders};
use perp::{OrderArgs, OrderSide, OrderType, PriceAction, TriggerArgs};
use perp_engine::Price;
use perp_engine::oracle::PriceBand;
use perp_sdk::pda;
use solana_sdk::clock::Clock;
use solana_sdk::instruction::Instruction;
use solana_sdk::pubkey::Pubkey;
use solana_sdk::signature::Keypair;
use solana_sdk::signer::Signer;

/// The oracle sources as the fuzzer set them: the true price every valuation uses, what each
/// source publishes, and when each last published.
#[derive(Clone, Copy, Debug)]
pub struct OracleModel {
    /// The true price, ticks.
    pub ticks: u64,
    pub pyth: u64,
    pub switchboard: u64,
    /// Pyth's publish time and Switchboard's result slot.
    pub pyth_time: i64,
    pub switchboard_slot: u64,
}

/// Seconds past the freshness limit that a stale update is dated.
const STALE_BY_SECS: i64 = 40;
/// Slots past the freshness limit that a stale Switchboard result is dated.
const STALE_BY_SLOTS: u64 = 100;

/// What a step did.
#[derive(Debug, Default)]
pub struct Executed {
    /// The transaction succeeded (or the write/warp happened).
    pub ok: bool,
    /// Why it was refused.
    pub error: Option<String>,
    /// Events the transaction emitted.
    pub events: Vec<Vec<u8>>,
    /// Tokens into (+) or out of (−) each account's margin account from its owner's wallet.
    pub flows: Vec<(Acct, i128)>,
}

impl Executed {
    fn done() -> Self {
        Executed {
            ok: true,
            ..Default::default()
        }
    }
}

/// Runs `step` on `m`, updating `oracle` when it writes oracle accounts.
pub async fn execute(
    env: &mut TestEnv,
    m: &FuzzMarket,
    oracle: &mut OracleModel,
    step: &Step,
    clock: &Clock,
) -> Executed {
    match step {
        Step::Oracle(o) => {
            write_oracle(env, m, oracle, *o, clock).await;
            Executed::done()
        }
        Step::Warp { secs } => {
            env.warp(*secs, (*secs as u64).saturating_mul(5) / 2).await;
            Executed::done()
        }
        Step::Withdraw(a, amount) => withdraw(env, m, *a, *amount).await,
        Step::CrankSpam { secs } => crank_spam(env, m, *secs).await,
        _ => {
            let Some((ixs, signers)) = instructions(env, m, step, clock.unix_timestamp).await
            else {
                return Executed::default();
            };
            let refs: Vec<&Keypair> = signers.iter().collect();
            let mut out = send(env, &ixs, &refs).await;
            if out.ok
                && let Step::Deposit(a, amount) = step
            {
                out.flows.push((*a, i128::from(*amount)));
            }
            out
        }
    }
}

async fn send(env: &mut TestEnv, ixs: &[Instruction], signers: &[&Keypair]) -> Executed {
    match env.send_for_logs(ixs, signers).await {
        Ok(events) => Executed {
            ok: true,
            events,
            ..Default::default()
        },
        Err(e) => Executed {
            error: Some(format!("{e:?}")),
            ..Default::default()
        },
    }
}

/// The instructions and signers of a transaction step (`None`: nothing to send).
async fn instructions(
    env: &mut TestEnv,
    m: &FuzzMarket,
    step: &Step,
    now: i64,
) -> Option<(Vec<Instruction>, Vec<Keypair>)> {
    let owner = |a: Acct| m.trader(a).wallet.insecure_clone();
    Some(match step {
        Step::Deposit(a, amount) => (
            vec![ix::collateral_deposit(
                &m.trader(*a).collateral_accounts(),
                *amount,
            )],
            vec![owner(*a)],
        ),
        Step::Place(o) => (vec![place_ix(m, o, now)], vec![signer(m, o.acct, o.by)]),
        Step::Pad { acct, .. } => (
            step.orders().iter().map(|o| place_ix(m, o, now)).collect(),
            vec![owner(*acct)],
        ),
        Step::Pair(a, b) => {
            let mut signers = vec![signer(m, a.acct, a.by)];
            let second = signer(m, b.acct, b.by);
            if second.pubkey() != signers[0].pubkey() {
                signers.push(second);
            }
            (vec![place_ix(m, a, now), place_ix(m, b, now)], signers)
        }
        Step::Quote {
            acct,
            bid,
            ask,
            lots,
            expires_in,
            client_id,
        } => {
            let accounts = m.trader(*acct).orders();
            let quote = |side, price| {
                let mut args = ix::order_args(side, OrderType::PostOnlySlide, price, *lots);
                args.client_order_id = *client_id;
                args.expires_at = expiry(now, *expires_in);
                args
            };
            let orders = vec![quote(OrderSide::Bid, *bid), quote(OrderSide::Ask, *ask)];
            (
                vec![ix::order_requote(&accounts, true, vec![], orders, &[])],
                vec![owner(*acct)],
            )
        }
        Step::Requote(orders) => {
            let first = orders.first()?;
            let by = signer(m, first.acct, first.by);
            let accounts = m.trader(first.acct).orders_signed_by(by.pubkey());
            let args = orders.iter().map(|o| order_args(o, now)).collect();
            (
                vec![ix::order_requote(&accounts, true, vec![], args, &[])],
                vec![by],
            )
        }
        Step::TriggerPlace {
            acct,
            by,
            trigger,
            bracket,
        } => {
            let signer = signer(m, *acct, *by);
            let key = m.accounts[acct.0];
            let mut ixs = Vec::new();
            if !env.exists(&pda::trigger_orders_pda(&key)).await {
                ixs.push(ix::trigger_orders_create(signer.pubkey(), env.payer(), key));
            }
            ixs.push(ix::trigger_place(
                signer.pubkey(),
                m.keys.market,
                key,
                trigger_args(trigger, now),
                bracket.map(|b| trigger_args(&b, now)),
            ));
            (ixs, vec![signer])
        }
        Step::TriggerExecute {
            executor,
            target,
            slot,
            makers,
        } => {
            let key = m.accounts[target.0];
            let triggers = trigger_orders(env, &key).await?;
            let ids: Vec<u64> = triggers.triggers.iter().map(|t| t.id).collect();
            let id = *ids.get(usize::from(*slot) % ids.len().max(1))?;
            let makers: Vec<_> = makers
                .iter()
                .filter(|a| a != target)
                .map(|a| m.accounts[a.0])
                .collect();
            let e = m.trader(*executor);
            (
                vec![ix::trigger_execute(&e.executing(key), id, &makers)],
                vec![e.wallet.insecure_clone()],
            )
        }
        Step::TriggerCancel(a, by) => {
            let signer = signer(m, *a, *by);
            (
                vec![ix::trigger_cancel(signer.pubkey(), m.accounts[a.0], None)],
                vec![signer],
            )
        }
        Step::Cancel(a, by, which) => {
            let accounts = m.trader(*a).orders_signed_by(signer(m, *a, *by).pubkey());
            let ix = match which {
                Cancel::All => ix::order_cancel_all(&accounts, None),
                Cancel::Side(s) => ix::order_cancel_all(&accounts, Some(*s)),
                Cancel::ClientId(id) => ix::order_cancel_by_client_id(&accounts, *id),
                Cancel::Oldest => {
                    let t = env.margin_account(&m.accounts[a.0]).await.trader;
                    let slot = (0..32).find(|s| t.slot_in_use(*s))?;
                    let id = perp_engine::book::order::OrderId::from_parts(t.orders[slot].order_id);
                    ix::order_cancel(&accounts, id.0)
                }
            };
            (vec![ix], vec![signer(m, *a, *by)])
        }
        Step::Consume { limit, makers } => {
            let keys: Vec<_> = makers.iter().map(|a| m.accounts[a.0]).collect();
            let k = &m.keys;
            (
                vec![ix::events_consume(k.market, k.event_queue, *limit, &keys)],
                vec![],
            )
        }
        Step::Crank(c, times) => {
            let k = &m.keys;
            let one = match c {
                Crank::Price => ix::market_update_price(k.market, k.oracle_metas()),
                Crank::Risk => ix::market_update_risk(k.market, k.oracle_metas()),
                Crank::Funding => ix::funding_update(k.market, k.book, k.oracle_metas()),
            };
            (vec![one; usize::from(*times).max(1)], vec![])
        }
        Step::Liquidate {
            keeper,
            by,
            target,
            book,
            queue,
        } => {
            let accounts = m.trader(*keeper).liquidating(m.accounts[target.0]);
            let signer = signer(m, *keeper, *by);
            let triggers = pda::trigger_orders_pda(&m.accounts[target.0]);
            let accounts = ix::LiquidateAccounts {
                keeper: signer.pubkey(),
                trigger_orders: env.exists(&triggers).await.then_some(triggers),
                book: book.then_some(accounts.book).flatten(),
                event_queue: queue.then_some(accounts.event_queue).flatten(),
                ..accounts
            };
            (vec![ix::liquidate(&accounts)], vec![signer])
        }
        Step::GuardianReduceOnly => {
            let g = env.guardian.insecure_clone();
            let ix = ix::market_set_status(g.pubkey(), m.keys.market, MarketStatus::ReduceOnly);
            (vec![ix], vec![g])
        }
        Step::GovernanceResume => {
            let g = env.governance.insecure_clone();
            let ix = ix::market_set_status(g.pubkey(), m.keys.market, MarketStatus::Active);
            (vec![ix], vec![g])
        }
        Step::CouncilLowersCap { percent } => {
            let market = env.market(&m.keys.market).await;
            let lots = market.open_interest.lots() * u64::from(*percent) / 100;
            let hard = lots.max(1);
            let params = perp::MarketParams {
                oi_hard_cap_lots: hard,
                oi_soft_cap_lots: market.params.oi_soft_cap_lots.min(hard),
                ..market.params
            };
            let council = env.risk_council.insecure_clone();
            let ix = ix::params_tighten(council.pubkey(), m.keys.market, params, market.oracle);
            (vec![ix], vec![council])
        }
        Step::Forge { fill } => {
            let payload = forged_event(m, *fill, now);
            (vec![forger::forge(payload, m.keys.market)], vec![])
        }
        Step::Oracle(_) | Step::Warp { .. } | Step::Withdraw(..) | Step::CrankSpam { .. } => {
            return None;
        }
    })
}

/// An encoded event of ours, as the forger prints it: a huge fill between the attacker's
/// accounts, or a liquidation of H0 into the attacker's keeper account with a huge fee.
fn forged_event(m: &FuzzMarket, fill: bool, now: i64) -> Vec<u8> {
    use anchor_lang::Discriminator;
    let mut data;
    if fill {
        data = BookEventLogged::DISCRIMINATOR.to_vec();
        BookEventLogged {
            market: m.keys.market,
            kind: 1,
            maker_side: 1,
            maker: m.accounts[A0.0],
            taker: m.accounts[A1.0],
            order_id: 1,
            client_order_id: 1,
            price_ticks: 1,
            base_lots: 1_000_000_000_000,
            maker_fee: -1_000_000_000,
            timestamp: now,
        }
        .serialize(&mut data)
    } else {
        data = Liquidated::DISCRIMINATOR.to_vec();
        Liquidated {
            market: m.keys.market,
            margin_account: m.accounts[H0.0],
            keeper_account: m.accounts[AK.0],
            base_lots: 1,
            price: 1,
            quote_lots: 1,
            keeper_fee: 1_000_000_000,
            insurance_fee: 0,
            position_after: 0,
            orders_cancelled: 0,
        }
        .serialize(&mut data)
    }
    .expect("borsh");
    data
}

/// The trigger orders of margin account `key`, if it has a trigger account.
async fn trigger_orders(env: &mut TestEnv, key: &Pubkey) -> Option<TriggerOrders> {
    let at = pda::trigger_orders_pda(key);
    if !env.exists(&at).await {
        return None;
    }
    Some(*bytemuck::from_bytes(&env.account_data(&at).await[8..]))
}

/// Every second for `secs` seconds, one transaction of every crank (each may be refused, e.g.
/// once the oracles are stale). Done when any landed; the events are all of theirs.
async fn crank_spam(env: &mut TestEnv, m: &FuzzMarket, secs: u8) -> Executed {
    let k = &m.keys;
    let mut out = Executed::default();
    for _ in 0..secs {
        env.warp(1, 2).await;
        let cranks = [
            ix::market_update_price(k.market, k.oracle_metas()),
            ix::market_update_risk(k.market, k.oracle_metas()),
            ix::funding_update(k.market, k.book, k.oracle_metas()),
        ];
        for crank in cranks {
            let sent = send(env, &[crank], &[]).await;
            out.ok |= sent.ok;
            out.events.extend(sent.events);
            if out.error.is_none() {
                out.error = sent.error;
            }
        }
    }
    out
}

/// The keypair that signs for `a` as `by`.
fn signer(m: &FuzzMarket, a: Acct, by: By) -> Keypair {
    match by {
        By::Owner => m.trader(a).wallet.insecure_clone(),
        By::Delegate => m.delegate().insecure_clone(),
    }
}

fn expiry(now: i64, expires_in: i64) -> i64 {
    if expires_in == 0 { 0 } else { now + expires_in }
}

fn place_ix(m: &FuzzMarket, o: &Order, now: i64) -> Instruction {
    let signer = signer(m, o.acct, o.by).pubkey();
    let makers: Vec<_> = o.makers.iter().map(|a| m.accounts[a.0]).collect();
    ix::order_place(
        &m.trader(o.acct).orders_signed_by(signer),
        order_args(o, now),
        &makers,
    )
}

fn order_args(o: &Order, now: i64) -> OrderArgs {
    OrderArgs {
        side: o.side,
        order_type: o.kind,
        price_ticks: o.price,
        base_lots: o.lots,
        reduce_only: o.reduce_only,
        client_order_id: o.client_id,
        expires_at: expiry(now, o.expires_in),
        self_trade: o.self_trade,
        fill_limit: o.fill_limit,
    }
}

fn trigger_args(t: &Trigger, now: i64) -> TriggerArgs {
    TriggerArgs {
        side: t.side,
        kind: t.kind,
        direction: t.direction,
        trigger_price_ticks: t.at,
        limit_price_ticks: t.limit,
        base_lots: t.lots,
        reduce_only: t.reduce_only,
        client_order_id: t.client_id,
        expires_at: expiry(now, t.expires_in),
    }
}

/// A withdrawal of `amount`; `Max` asks the SDK what the account may withdraw now (with the
/// increase-risk band the program would use), as a client would.
async fn withdraw(env: &mut TestEnv, m: &FuzzMarket, a: Acct, amount: Amount) -> Executed {
    let amount = match amount {
        Amount::Exact(x) => x,
        Amount::Max => {
            let market = env.market(&m.keys.market).await;
            let account = env.margin_account(&m.accounts[a.0]).await;
            let band = env
                .preview_price(&m.keys, PriceAction::IncreaseRisk)
                .await
                .ok()
                .flatten()
                .map(|p| PriceBand {
                    low: Price::from_raw(p.low),
                    high: Price::from_raw(p.high),
                });
            perp_sdk::risk::withdrawable(&market, &account, band).map_or(0, |free| free.get())
        }
    };
    if amount == 0 {
        return Executed::default();
    }
    let t = m.trader(a);
    let ix = ix::collateral_withdraw(&t.collateral_accounts(), amount);
    let mut out = send(env, &[ix], &[&t.wallet]).await;
    if out.ok {
        out.flows.push((a, -i128::from(amount)));
    }
    out
}

/// Writes the oracle accounts as `o` says and records it in `model`.
async fn write_oracle(
    env: &mut TestEnv,
    m: &FuzzMarket,
    model: &mut OracleModel,
    o: Oracle,
    clock: &Clock,
) {
    let (mut pyth_at, mut sb_at) = (clock.unix_timestamp, clock.slot);
    let stale_at = clock.unix_timestamp - i64::from(m.oracle.max_age_secs) - STALE_BY_SECS;
    let stale_slot = clock
        .slot
        .saturating_sub(m.oracle.max_age_slots.into())
        .saturating_sub(STALE_BY_SLOTS);
    if let Oracle::Move { ticks } = o {
        model.ticks = ticks;
    }
    (model.pyth, model.switchboard) = (model.ticks, model.ticks);
    match o {
        Oracle::Move { .. } | Oracle::Refresh => {}
        Oracle::Stale(Source::Pyth) => pyth_at = stale_at,
        Oracle::Stale(Source::Switchboard) => sb_at = stale_slot,
        Oracle::BothStale => (pyth_at, sb_at) = (stale_at, stale_slot),
        Oracle::Diverge(source, bps) => {
            let moved = (model.ticks as i64 * (10_000 + i64::from(bps)) / 10_000).max(1) as u64;
            match source {
                Source::Pyth => model.pyth = moved,
                Source::Switchboard => model.switchboard = moved,
            }
        }
    }
    let keys = m.keys.oracles;
    let mut q = env.pyth_quote(&keys, price_e8(model.pyth)).await;
    q.publish_time = pyth_at;
    env.set_pyth(&keys.pyth, q).await;
    let mut q = env.switchboard_quote(price_e8(model.switchboard)).await;
    q.slot = sb_at;
    env.set_switchboard(&keys.switchboard, q).await;
    (model.pyth_time, model.switchboard_slot) = (pyth_at, sb_at);
}
