//! The account-substitution matrix over every instruction (issue 21), generated: each of the 34
//! instructions is built once in a state where it succeeds, then every account it takes is
//! substituted in turn, by rule rather than by hand:
//!
//! - **other market**: the same role's account of a second market (market, book, queue, vaults,
//!   mint, oracles, margin and token accounts);
//! - **foreign owner**: an account with the same bytes owned by another program (for a program
//!   id: another program);
//! - **read-only** for a writable account, **unsigned** for a signer (except the fee payer, who
//!   signs the transaction whatever the instruction says);
//! - **duplicate** of the neighbouring account of another address;
//! - and for the maker accounts after the named ones (`remaining_accounts`): the taker itself,
//!   the book, the queue and another market's margin account.
//!
//! Each substitution must be refused with a named error (a program, Anchor or SPL Token error
//! code, or a named runtime error — never a panic) and change nothing: the bytes and lamports of
//! every account either instruction names are compared before and after. The matrix's size and
//! its errors' spread are printed.

use crate::program_test::solvency::long_at_150;
use crate::program_test::trading::order;
use crate::program_test::*;
use perp::state::{Change, Gate, MarketStatus, Role};
use perp::{OrderSide, OrderType, PriceAction, TriggerDirection};
use perp_sdk::pda;
use solana_program_test::BanksClientError;
use solana_sdk::account::{Account, AccountSharedData};
use solana_sdk::instruction::{AccountMeta, Instruction, InstructionError};
use solana_sdk::pubkey::Pubkey;
use solana_sdk::signature::Keypair;
use solana_sdk::signer::Signer;
use solana_sdk::transaction::TransactionError;
use std::collections::{BTreeMap, HashMap};

/// One instruction under test: built to succeed, with its signers and how many of its accounts
/// are the named ones (the rest are `remaining_accounts`).
struct Case {
    name: &'static str,
    ix: Instruction,
    signers: Vec<Keypair>,
    named: usize,
}

fn case(name: &'static str, ix: Instruction, signers: &[&Keypair]) -> Case {
    let named = ix.accounts.len();
    Case {
        name,
        ix,
        signers: signers.iter().map(|k| k.insecure_clone()).collect(),
        named,
    }
}

/// The substitutions the rules make of one case: (description, instruction, signers).
type Substituted = (String, Instruction, Vec<Keypair>);

/// What the matrix needs besides the cases: the other market's account for each of this
/// market's, the taker, book and queue for maker slots, and the fee payer.
struct Rules {
    other: HashMap<Pubkey, Pubkey>,
    taker: Pubkey,
    book: Pubkey,
    queue: Pubkey,
    other_margin: Pubkey,
    payer: Pubkey,
}

/// Substitutions that are not refused, and why that is right.
const ACCEPTED: [(&str, &str); 1] = [(
    "exchange_initialize[3] foreign owner",
    "`program_data` is read only when the program is upgradeable; a native host has none",
)];

/// A program other than the one an account is owned by (for foreign-owner copies).
const FOREIGN_OWNER: Pubkey = Pubkey::new_from_array([7; 32]);

async fn substitutions(env: &mut TestEnv, c: &Case, r: &Rules) -> Vec<Substituted> {
    let mut out = Vec::new();
    let metas = &c.ix.accounts;
    let with = |i: usize, meta: AccountMeta| {
        let mut ix = c.ix.clone();
        ix.accounts[i] = meta;
        ix
    };
    let signers_without = |key: &Pubkey, ix: &Instruction| -> Vec<Keypair> {
        c.signers
            .iter()
            .filter(|k| {
                k.pubkey() != *key || ix.accounts.iter().any(|m| m.is_signer && m.pubkey == *key)
            })
            .map(|k| k.insecure_clone())
            .collect()
    };
    for (i, meta) in metas.iter().enumerate() {
        let slot = format!("{}[{i}]", c.name);
        let keep = || -> Vec<Keypair> { c.signers.iter().map(|k| k.insecure_clone()).collect() };
        // Another market's account only means something next to this market's others: an
        // instruction naming one market account alone (e.g. `market_set_status`) may name any.
        let linked = metas
            .iter()
            .filter(|m| r.other.contains_key(&m.pubkey))
            .count();
        if let Some(other) = r.other.get(&meta.pubkey)
            && linked > 1
        {
            let ix = with(
                i,
                AccountMeta {
                    pubkey: *other,
                    ..meta.clone()
                },
            );
            out.push((format!("{slot} other market"), ix, keep()));
        }
        if let Some(copy) = foreign_copy(env, &meta.pubkey).await
            && !meta.is_signer
        {
            let ix = with(
                i,
                AccountMeta {
                    pubkey: copy,
                    ..meta.clone()
                },
            );
            out.push((format!("{slot} foreign owner"), ix, keep()));
        }
        // The fee payer signs and is writable whatever the instruction says.
        if meta.is_writable && meta.pubkey != r.payer {
            let ix = with(
                i,
                AccountMeta {
                    is_writable: false,
                    ..meta.clone()
                },
            );
            out.push((format!("{slot} read-only"), ix, keep()));
        }
        if meta.is_signer && meta.pubkey != r.payer {
            let ix = with(
                i,
                AccountMeta {
                    is_signer: false,
                    ..meta.clone()
                },
            );
            let signers = signers_without(&meta.pubkey, &ix);
            out.push((format!("{slot} unsigned"), ix, signers));
        }
        let neighbour = metas
            .iter()
            .skip(i + 1)
            .chain(metas.iter().take(i).rev())
            .find(|m| m.pubkey != meta.pubkey);
        if let Some(n) = neighbour {
            let ix = with(
                i,
                AccountMeta {
                    pubkey: n.pubkey,
                    is_signer: meta.is_signer && n.is_signer,
                    is_writable: meta.is_writable,
                },
            );
            let signers = signers_without(&meta.pubkey, &ix);
            out.push((format!("{slot} duplicate"), ix, signers));
        }
        if i >= c.named {
            // The taker only where the instruction has one (`order_place`).
            let taker = metas[..c.named].iter().any(|m| m.pubkey == r.taker);
            for (what, key) in [
                ("the taker", if taker { r.taker } else { r.book }),
                ("the book", r.book),
                ("the queue", r.queue),
                ("another market's margin account", r.other_margin),
            ] {
                let ix = with(i, AccountMeta::new(key, false));
                out.push((format!("{slot} maker = {what}"), ix, keep()));
            }
        }
    }
    out
}

/// A copy of `key`'s account owned by another program (a program id: another program), or
/// `None` for accounts that do not exist or belong to the system program (wallets).
async fn foreign_copy(env: &mut TestEnv, key: &Pubkey) -> Option<Pubkey> {
    let account = env.ctx.banks_client.get_account(*key).await.ok()??;
    if account.executable {
        let other = if *key == perp::ID {
            anchor_spl::token::spl_token::ID
        } else {
            perp::ID
        };
        return Some(other);
    }
    if account.owner == anchor_lang::system_program::ID || *key == solana_sdk::sysvar::rent::ID {
        return None;
    }
    let copy = Pubkey::new_unique();
    let foreign = Account {
        owner: FOREIGN_OWNER,
        ..account
    };
    env.ctx
        .set_account(&copy, &AccountSharedData::from(foreign));
    Some(copy)
}

/// A refusal's name; `None` when the program panicked (not a named refusal).
fn refusal(e: &BanksClientError) -> Option<String> {
    let BanksClientError::TransactionError(err) = e else {
        return Some(format!("{e:?}"));
    };
    match err {
        TransactionError::InstructionError(_, InstructionError::Custom(c)) => Some(match *c {
            c if c >= 6_000 => format!("program {c}"),
            c if c >= 100 => format!("anchor {c}"),
            c => format!("spl-token {c}"),
        }),
        TransactionError::InstructionError(_, InstructionError::ProgramFailedToComplete) => None,
        TransactionError::InstructionError(_, ie) => Some(format!("{ie:?}")),
        other => Some(format!("{other:?}")),
    }
}

/// An account's lamports (the fee payer's left out), bytes and owner; `None` when absent.
type Stored = Option<(u64, Vec<u8>, Pubkey)>;

/// Every account `ixs` name, as stored (absent: `None`); the fee payer's lamports left out.
async fn snapshot(
    env: &mut TestEnv,
    ixs: &[&Instruction],
    payer: &Pubkey,
) -> BTreeMap<Pubkey, Stored> {
    let mut out = BTreeMap::new();
    for ix in ixs {
        for m in &ix.accounts {
            if let std::collections::btree_map::Entry::Vacant(slot) = out.entry(m.pubkey) {
                let a = env
                    .ctx
                    .banks_client
                    .get_account(m.pubkey)
                    .await
                    .expect("get");
                // A refused transaction still pays its fee.
                let fee_paid = m.pubkey == *payer;
                let lamports = |a: &Account| if fee_paid { 0 } else { a.lamports };
                slot.insert(a.map(|a| (lamports(&a), a.data, a.owner)));
            }
        }
    }
    out
}

/// Runs the matrix over `cases`; returns (substitutions tried, failures, errors' spread).
async fn run(
    env: &mut TestEnv,
    cases: Vec<Case>,
    r: &Rules,
) -> (usize, Vec<String>, BTreeMap<String, usize>) {
    let (mut tried, mut failures, mut spread) = (0, Vec::new(), BTreeMap::new());
    for c in &cases {
        let signers: Vec<&Keypair> = c.signers.iter().collect();
        if let Err(e) = env.simulate(std::slice::from_ref(&c.ix), &signers).await {
            failures.push(format!(
                "{}: the unsubstituted instruction fails: {e:?}",
                c.name
            ));
            continue;
        }
        for (what, ix, signers) in substitutions(env, c, r).await {
            tried += 1;
            let before = snapshot(env, &[&c.ix, &ix], &r.payer).await;
            let refs: Vec<&Keypair> = signers.iter().collect();
            let result = env.send(std::slice::from_ref(&ix), &refs).await;
            let after = snapshot(env, &[&c.ix, &ix], &r.payer).await;
            if ACCEPTED.iter().any(|(slot, _)| what.starts_with(slot)) {
                assert!(
                    result.is_ok(),
                    "{what} is listed as accepted but was refused"
                );
                continue;
            }
            if before != after {
                failures.push(format!("{what}: accounts changed ({result:?})"));
            }
            match result {
                Ok(()) => failures.push(format!("{what}: accepted")),
                Err(e) => match refusal(&e) {
                    Some(name) => *spread.entry(name).or_default() += 1,
                    None => failures.push(format!("{what}: panicked ({e:?})")),
                },
            }
        }
    }
    (tried, failures, spread)
}

/// The state every case succeeds in: market 1 with a long below maintenance, a keeper, a maker
/// with resting asks and a queued fill, an empty account; market 2 with its own trader; and one
/// governance change of each kind queued and past its eta.
#[tokio::test]
async fn every_instruction_refuses_every_substituted_account_and_changes_nothing() {
    let (mut env, long, keeper, maker) = long_at_150(15_100_000).await;
    let m = long.market;
    let second = env.create_market().await;
    let stranger = env.funded_trader(&second, 50_000_000).await;
    // Its rent paid by a sponsor (not the fee payer, which is writable in every transaction).
    let sponsor = Keypair::new();
    env.airdrop(&sponsor.pubkey(), 1_000_000_000).await;
    let empty = env.sponsored_trader(&m, 1_000_000, &sponsor).await;
    env.mint_to(&m.quote_mint, &maker.token_account, 1_000_000)
        .await;
    // An account with a bid that market 1's fall below makes a risk (`order_cancel_at_risk`).
    let stale = env.funded_trader(&m, 1_400_000).await;
    env.set_price_ticks(&m, 1_500).await;
    crate::program_test::trading::place(
        &mut env,
        &stale,
        order(OrderSide::Bid, OrderType::PostOnly, 1_490, 90),
        &[],
    )
    .await;

    // Governance: a change of each kind, queued, then the timelock waited out.
    let mut oracle = env.market(&m.market).await.oracle;
    oracle.max_age_secs -= 1;
    let oracle_change = Change::MarketOracle {
        market_index: m.index,
        oracle,
    };
    let mint = env.create_mint(6, false, &[]).await;
    let listing = env
        .listing(&mint, default_params(), OracleKeys::new_unique().config())
        .await;
    let destination = env
        .create_token_account(&m.quote_mint, &Pubkey::new_unique(), 0)
        .await;
    env.mint_to(&m.quote_mint, &m.insurance_vault, 5_000).await;
    let withdrawal = Change::InsuranceWithdraw {
        market_index: m.index,
        destination,
        amount: 5_000,
    };
    let to_cancel = Change::Timelock {
        delay_secs: 7 * 86_400,
        window_secs: 7 * 86_400,
    };
    let new_council = Keypair::new();
    env.airdrop(&new_council.pubkey(), 1_000_000_000).await;
    let transfer = Change::Authority {
        role: Role::RiskCouncil,
        new: new_council.pubkey(),
    };
    for (change, market) in [
        (oracle_change, Some(m.market)),
        (listing, None),
        (withdrawal, Some(m.market)),
        (to_cancel, None),
        (transfer, None),
    ] {
        env.queue(change, market).await.expect("queue");
    }
    env.warp_past_timelock().await;
    env.execute(&transfer, None).await.expect("transfer");

    // Market 1 falls to 140 (the long is below maintenance), oracles fresh; the maker rests
    // two asks and the keeper lifts one lot of the first without the maker: a queued fill.
    env.follow_price(&m, 1_400).await;
    crate::program_test::trading::place(
        &mut env,
        &maker,
        order(OrderSide::Ask, OrderType::PostOnly, 1_410, 5),
        &[],
    )
    .await;
    let mut ask = order(OrderSide::Ask, OrderType::PostOnly, 1_420, 5);
    ask.client_order_id = 77;
    crate::program_test::trading::place(&mut env, &maker, ask, &[]).await;
    let lift = order(OrderSide::Bid, OrderType::ImmediateOrCancel, 1_410, 1);
    crate::program_test::trading::place(&mut env, &keeper, lift, &[]).await;
    let order_id = {
        let t = env.margin_account(&maker.margin_account).await.trader;
        let slot = (0..32)
            .find(|s| t.slot_in_use(*s) && t.orders[*s].client_order_id == 77)
            .unwrap();
        perp_engine::book::order::OrderId::from_parts(t.orders[slot].order_id).0
    };

    // Trigger orders: the long's (a stop, its rent from the sponsor, not the fee payer), the
    // keeper's (a buy the maker's ask fills, due at 140) and the stranger's in market 2.
    let stop = ix::trigger_args(
        OrderSide::Ask,
        TriggerDirection::AtOrBelow,
        1_450,
        1_300,
        10,
    );
    let buy = perp::TriggerArgs {
        side: OrderSide::Bid,
        reduce_only: false,
        ..ix::trigger_args(OrderSide::Bid, TriggerDirection::AtOrBelow, 1_450, 1_415, 1)
    };
    for (t, args, payer) in [
        (&long, stop, &sponsor),
        (&keeper, buy, &sponsor),
        (&stranger, stop, &sponsor),
    ] {
        let owner = t.wallet.pubkey();
        env.send(
            &[
                ix::trigger_orders_create(owner, payer.pubkey(), t.margin_account),
                ix::trigger_place(owner, t.market.market, t.margin_account, args, None),
            ],
            &[&t.wallet, payer],
        )
        .await
        .expect("trigger placed");
    }
    let (stop_id, buy_id) = (1, 1);
    let triggers_of =
        |t: &crate::program_test::env::Trader| pda::trigger_orders_pda(&t.margin_account);

    let (gov, council, guardian) = (
        env.governance.insecure_clone(),
        env.risk_council.insecure_clone(),
        env.guardian.insecure_clone(),
    );
    let payer = env.payer();
    let current = env.market(&m.market).await;
    let mut tightened = current.params;
    tightened.deposit_cap /= 2;
    let raised = {
        let mut p = current.params;
        p.initial_margin_bps += 100;
        Change::MarketParams {
            market_index: m.index,
            params: p,
        }
    };
    let fresh = Keypair::new();
    env.airdrop(&fresh.pubkey(), 1_000_000_000).await;
    let delegate = Pubkey::new_unique();
    let mut take = order(OrderSide::Bid, OrderType::ImmediateOrCancel, 1_410, 1);
    take.fill_limit = 4;
    let create = env.market_create_accounts(&listing).await;
    let cases = vec![
        case(
            "params_queue",
            ix::params_queue(gov.pubkey(), payer, raised, Some(m.market)),
            &[&gov],
        ),
        case(
            "params_execute",
            ix::params_execute(pda::param_change_pda(&oracle_change), payer, Some(m.market)),
            &[],
        ),
        case(
            "params_cancel",
            ix::params_cancel(gov.pubkey(), pda::param_change_pda(&to_cancel), payer, None),
            &[&gov],
        ),
        case(
            "params_tighten",
            ix::params_tighten(council.pubkey(), m.market, tightened, current.oracle),
            &[&council],
        ),
        case(
            "authority_accept",
            ix::authority_accept(new_council.pubkey(), Role::RiskCouncil),
            &[&new_council],
        ),
        case(
            "authority_revoke",
            ix::authority_revoke(guardian.pubkey(), Role::RiskCouncil),
            &[&guardian],
        ),
        case(
            "exchange_set_gate",
            ix::exchange_set_gate(guardian.pubkey(), Gate::Deposit, false),
            &[&guardian],
        ),
        case("market_create", ix::market_create(&create), &[]),
        case(
            "insurance_deposit",
            ix::insurance_deposit(&maker.collateral_accounts(), m.insurance_vault, 1),
            &[&maker.wallet],
        ),
        case(
            "insurance_withdraw",
            ix::insurance_withdraw(&InsuranceWithdrawAccounts {
                param_change: pda::param_change_pda(&withdrawal),
                rent_payer: payer,
                market: m.market,
                insurance_vault: m.insurance_vault,
                quote_mint: m.quote_mint,
                destination,
                token_program: m.token_program,
            }),
            &[],
        ),
        case(
            "market_set_status",
            ix::market_set_status(guardian.pubkey(), m.market, MarketStatus::ReduceOnly),
            &[&guardian],
        ),
        case(
            "market_update_price",
            ix::market_update_price(m.market, m.oracle_metas()),
            &[],
        ),
        case(
            "market_update_risk",
            ix::market_update_risk(m.market, m.oracle_metas()),
            &[],
        ),
        case(
            "funding_update",
            ix::funding_update(m.market, m.book, m.oracle_metas()),
            &[],
        ),
        case(
            "liquidate",
            ix::liquidate(&ix::LiquidateAccounts {
                trigger_orders: Some(triggers_of(&long)),
                ..keeper.liquidating(long.margin_account)
            }),
            &[&keeper.wallet],
        ),
        // Without the book and the queue (the long holds no order slot): the same
        // substitutions, on the path that settles and cancels nothing.
        case(
            "liquidate_without_book",
            ix::liquidate(&ix::LiquidateAccounts {
                book: None,
                event_queue: None,
                trigger_orders: Some(triggers_of(&long)),
                ..keeper.liquidating(long.margin_account)
            }),
            &[&keeper.wallet],
        ),
        case(
            "trigger_orders_create",
            ix::trigger_orders_create(maker.wallet.pubkey(), payer, maker.margin_account),
            &[&maker.wallet],
        ),
        case(
            "trigger_place",
            ix::trigger_place(
                long.wallet.pubkey(),
                m.market,
                long.margin_account,
                stop,
                Some(stop),
            ),
            &[&long.wallet],
        ),
        case(
            "trigger_cancel",
            ix::trigger_cancel(long.wallet.pubkey(), long.margin_account, Some(stop_id)),
            &[&long.wallet],
        ),
        case(
            "trigger_orders_close",
            ix::trigger_orders_close(long.wallet.pubkey(), long.margin_account, sponsor.pubkey()),
            &[&long.wallet],
        ),
        Case {
            named: ix::trigger_execute(&maker.executing(keeper.margin_account), buy_id, &[])
                .accounts
                .len(),
            ..case(
                "trigger_execute",
                ix::trigger_execute(
                    &maker.executing(keeper.margin_account),
                    buy_id,
                    // Not the executor's own account: named twice, one writable meta would
                    // make both writable, hiding the read-only substitution.
                    &[stale.margin_account],
                ),
                &[&maker.wallet],
            )
        },
        case(
            "order_requote",
            ix::order_requote(
                &maker.orders(),
                true,
                vec![77],
                vec![order(OrderSide::Ask, OrderType::PostOnly, 1_430, 2); 2],
                &[],
            ),
            &[&maker.wallet],
        ),
        case(
            "market_preview_price",
            ix::market_preview_price(m.market, m.oracle_metas(), PriceAction::Liquidate),
            &[],
        ),
        case(
            "margin_account_create",
            ix::margin_account_create(fresh.pubkey(), payer, m.market, 0),
            &[&fresh],
        ),
        case(
            "margin_account_close",
            ix::margin_account_close(&empty.collateral_accounts(), sponsor.pubkey()),
            &[&empty.wallet],
        ),
        case(
            "margin_account_set_delegate",
            ix::margin_account_set_delegate(maker.wallet.pubkey(), maker.margin_account, delegate),
            &[&maker.wallet],
        ),
        case(
            "collateral_deposit",
            ix::collateral_deposit(&maker.collateral_accounts(), 1),
            &[&maker.wallet],
        ),
        case(
            "collateral_withdraw",
            ix::collateral_withdraw(&maker.collateral_accounts(), 1),
            &[&maker.wallet],
        ),
        Case {
            named: ix::order_place(&keeper.orders(), take, &[]).accounts.len(),
            ..case(
                "order_place",
                ix::order_place(&keeper.orders(), take, &[maker.margin_account]),
                &[&keeper.wallet],
            )
        },
        case(
            "order_cancel",
            ix::order_cancel(&maker.orders(), order_id),
            &[&maker.wallet],
        ),
        case(
            "order_cancel_by_client_id",
            ix::order_cancel_by_client_id(&maker.orders(), 77),
            &[&maker.wallet],
        ),
        case(
            "order_cancel_all",
            ix::order_cancel_all(&maker.orders(), None),
            &[&maker.wallet],
        ),
        case(
            "order_cancel_at_risk",
            ix::order_cancel_at_risk(m.market, stale.margin_account, m.book, m.oracle_metas()),
            &[],
        ),
        Case {
            named: ix::events_consume(m.market, m.event_queue, 8, &[])
                .accounts
                .len(),
            ..case(
                "events_consume",
                ix::events_consume(m.market, m.event_queue, 8, &[maker.margin_account]),
                &[],
            )
        },
    ];
    let mut other = HashMap::from([
        (m.market, second.market),
        (m.book, second.book),
        (m.event_queue, second.event_queue),
        (m.collateral_vault, second.collateral_vault),
        (m.insurance_vault, second.insurance_vault),
        (m.quote_mint, second.quote_mint),
        (maker.token_account, stranger.token_account),
        (destination, stranger.token_account),
    ]);
    for t in [&long, &keeper, &maker, &empty] {
        other.insert(t.margin_account, stranger.margin_account);
    }
    for t in [&long, &keeper] {
        other.insert(triggers_of(t), triggers_of(&stranger));
    }
    if let (Some(a), Some(b)) = (m.oracle_metas().pyth, second.oracle_metas().pyth) {
        other.insert(a, b);
    }
    if let (Some(a), Some(b)) = (
        m.oracle_metas().switchboard,
        second.oracle_metas().switchboard,
    ) {
        other.insert(a, b);
    }
    let rules = Rules {
        other,
        taker: keeper.margin_account,
        book: m.book,
        queue: m.event_queue,
        other_margin: stranger.margin_account,
        payer,
    };
    let mut covered: Vec<Vec<u8>> = cases.iter().map(|c| c.ix.data[..8].to_vec()).collect();
    // Distinct instructions: one may be in the matrix on two paths (`liquidate` with the book
    // and without).
    let instructions = covered
        .iter()
        .collect::<std::collections::BTreeSet<_>>()
        .len();
    let (mut tried, mut failures, mut spread) = run(&mut env, cases, &rules).await;

    // `exchange_initialize` runs once per program, on a bank that has none.
    let mut fresh_env = TestEnv::uninitialized().await;
    let init = ix::exchange_initialize(
        fresh_env.payer(),
        fresh_env.governance.pubkey(),
        fresh_env.risk_council.pubkey(),
        fresh_env.guardian.pubkey(),
    );
    let init_rules = Rules {
        payer: fresh_env.payer(),
        ..rules
    };
    covered.push(init.data[..8].to_vec());
    let (n, f, s) = run(
        &mut fresh_env,
        vec![case("exchange_initialize", init, &[])],
        &init_rules,
    )
    .await;
    tried += n;
    failures.extend(f);
    for (k, v) in s {
        *spread.entry(k).or_default() += v;
    }
    // Every instruction of the program (its generated IDL, which `perp-idl --check` keeps
    // current) is in the matrix: a new one cannot be left out unnoticed.
    let idl: serde_json::Value =
        serde_json::from_str(include_str!("../../../../app/idl/perp.json")).expect("IDL");
    let missing: Vec<&str> = idl["instructions"]
        .as_array()
        .expect("IDL instructions")
        .iter()
        .filter(|i| {
            let disc: Vec<u8> = i["discriminator"]
                .as_array()
                .expect("discriminator")
                .iter()
                .map(|b| b.as_u64().expect("byte") as u8)
                .collect();
            !covered.contains(&disc)
        })
        .map(|i| i["name"].as_str().expect("name"))
        .collect();
    assert!(
        missing.is_empty(),
        "instructions not in the matrix: {missing:?}"
    );
    println!(
        "account-substitution matrix: {} instructions, {tried} substitutions ({} accepted as \
         listed, the rest refused); refusals by error: {spread:?}",
        instructions + 1,
        ACCEPTED.len()
    );
    assert!(
        failures.is_empty(),
        "{} of {tried} substitutions not refused cleanly:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
