//! The cluster driven by the official clients (`solana-rpc-client`, `solana-pubsub-client`).

use crate::exchange::{Exchange, Options, venue};
use crate::{Localnet, ServerConfig, rpc};
use futures::StreamExt;
use perp_sdk::accounts::{self, margin_account_filters};
use perp_sdk::cluster::rpc::rpc_filters;
use perp_sdk::ix;
use perp_sdk::pda::margin_account_pda;
use serde_json::{Value, json};
use solana_account_decoder::UiAccountEncoding;
use solana_commitment_config::CommitmentConfig;
use solana_pubsub_client::nonblocking::pubsub_client::PubsubClient;
use solana_rpc_client::nonblocking::rpc_client::RpcClient;
use solana_rpc_client::rpc_client::GetConfirmedSignaturesForAddress2Config;
use solana_rpc_client_api::client_error::ErrorKind;
use solana_rpc_client_api::config::{
    RpcAccountInfoConfig, RpcProgramAccountsConfig, RpcSendTransactionConfig,
    RpcSimulateTransactionConfig, RpcTransactionConfig, RpcTransactionLogsConfig,
    RpcTransactionLogsFilter,
};
use solana_rpc_client_api::request::{
    RpcError, RpcRequest, RpcResponseErrorData, TokenAccountsFilter,
};
use solana_sdk::hash::Hash;
use solana_sdk::instruction::InstructionError;
use solana_sdk::native_token::LAMPORTS_PER_SOL;
use solana_sdk::pubkey::Pubkey;
use solana_sdk::signature::{Keypair, Signature};
use solana_sdk::signer::Signer;
use solana_sdk::transaction::{Transaction, TransactionError};
use solana_transaction_status_client_types::UiTransactionEncoding;
use std::time::Duration;

fn fast() -> ServerConfig {
    ServerConfig {
        slot: Duration::from_millis(100),
        ..ServerConfig::ephemeral()
    }
}

fn client(url: String) -> RpcClient {
    RpcClient::new_with_commitment(url, CommitmentConfig::confirmed())
}

async fn cluster() -> (Localnet, RpcClient) {
    let net = Localnet::start(&fast(), None).await.expect("localnet");
    let c = client(net.rpc_url());
    (net, c)
}

/// The exchange with flat prices, makers and no traders.
async fn exchange() -> (Exchange, RpcClient) {
    let options = Options {
        server: fast(),
        moving_prices: false,
        traders: 0,
        ..Options::default()
    };
    let ex = Exchange::start(&options).await.expect("exchange");
    let c = client(ex.net.rpc_url());
    (ex, c)
}

fn transfer(
    from: &Keypair,
    to: &Pubkey,
    lamports: u64,
    cu_price: u64,
    blockhash: Hash,
) -> Transaction {
    Transaction::new_signed_with_payer(
        &[
            solana_compute_budget_interface::ComputeBudgetInstruction::set_compute_unit_price(
                cu_price,
            ),
            anchor_lang::solana_program::system_instruction::transfer(&from.pubkey(), to, lamports),
        ],
        Some(&from.pubkey()),
        &[from],
        blockhash,
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn airdrop_then_transfer_is_confirmed_with_fee_and_metadata() {
    let (_net, client) = cluster().await;
    let alice = Keypair::new();
    let bob = Pubkey::new_unique();
    let sig = client
        .request_airdrop(&alice.pubkey(), 2 * LAMPORTS_PER_SOL)
        .await
        .expect("airdrop");
    client.confirm_transaction(&sig).await.expect("confirm");
    let airdrop = sig;
    assert_eq!(
        client.get_balance(&alice.pubkey()).await.unwrap(),
        2 * LAMPORTS_PER_SOL
    );

    let blockhash = client.get_latest_blockhash().await.unwrap();
    let tx = transfer(&alice, &bob, LAMPORTS_PER_SOL, 1_234, blockhash);
    let fee = client
        .get_fee_for_message(&tx.message)
        .await
        .expect("fee for a message with a live blockhash");
    assert!(fee > 5_000, "one signature plus the priority fee: {fee}");
    let sig = client
        .send_and_confirm_transaction(&tx)
        .await
        .expect("send");
    assert_eq!(client.get_balance(&bob).await.unwrap(), LAMPORTS_PER_SOL);
    assert_eq!(
        client.get_balance(&alice.pubkey()).await.unwrap(),
        LAMPORTS_PER_SOL - fee
    );
    let status = client.get_signature_statuses(&[sig]).await.unwrap().value;
    assert_eq!(status[0].as_ref().map(|s| s.err.clone()), Some(None));

    let config = RpcTransactionConfig {
        encoding: Some(UiTransactionEncoding::Base64),
        commitment: Some(CommitmentConfig::confirmed()),
        max_supported_transaction_version: Some(0),
    };
    let got = client
        .get_transaction_with_config(&sig, config)
        .await
        .expect("getTransaction");
    let meta = got.transaction.meta.expect("meta");
    assert_eq!(meta.fee, fee);
    assert_eq!(
        meta.pre_balances[0] - meta.post_balances[0],
        fee + LAMPORTS_PER_SOL
    );
    assert_eq!(
        got.transaction
            .transaction
            .decode()
            .expect("base64")
            .signatures[0],
        sig
    );
    let fees = client.get_recent_prioritization_fees(&[bob]).await.unwrap();
    assert!(
        fees.iter().any(|f| f.prioritization_fee == 1_234),
        "{fees:?}"
    );
    // Alice's history, newest first, paged as explorers and indexers page it.
    let history = |before: Option<Signature>, until: Option<Signature>, limit: Option<usize>| {
        let config = GetConfirmedSignaturesForAddress2Config {
            before,
            until,
            limit,
            commitment: None,
        };
        let client = &client;
        let alice = alice.pubkey();
        async move {
            client
                .get_signatures_for_address_with_config(&alice, config)
                .await
                .unwrap()
                .into_iter()
                .map(|s| s.signature)
                .collect::<Vec<_>>()
        }
    };
    let (s_tx, s_air) = (sig.to_string(), airdrop.to_string());
    assert_eq!(
        history(None, None, None).await,
        vec![s_tx.clone(), s_air.clone()]
    );
    assert_eq!(history(None, None, Some(1)).await, vec![s_tx.clone()]);
    assert_eq!(history(Some(sig), None, None).await, vec![s_air.clone()]);
    assert_eq!(history(None, Some(airdrop), None).await, vec![s_tx]);

    // An account nobody wrote costs what the slot's lowest bid cost (a validator's rule).
    let untouched = client
        .get_recent_prioritization_fees(&[Pubkey::new_unique()])
        .await
        .unwrap();
    let lowest = client.get_recent_prioritization_fees(&[]).await.unwrap();
    // (A slot may end between the two questions: compare the slots both answers hold.)
    let lowest: std::collections::HashMap<u64, u64> = lowest
        .iter()
        .map(|f| (f.slot, f.prioritization_fee))
        .collect();
    assert!(
        untouched
            .iter()
            .filter(|f| lowest.contains_key(&f.slot))
            .all(|f| lowest[&f.slot] == f.prioritization_fee),
        "{untouched:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chain_methods_answer_as_a_validator_does() {
    let (net, client) = cluster().await;
    let version = client.get_version().await.unwrap();
    assert_eq!(version.solana_core, crate::rpc::CORE_VERSION);
    client.get_health().await.expect("healthy");
    let first = client.get_slot().await.unwrap();
    let (hash, last_valid) = client
        .get_latest_blockhash_with_commitment(CommitmentConfig::confirmed())
        .await
        .unwrap();
    let height = client.get_block_height().await.unwrap();
    // The slot clock may tick between the two requests.
    assert!(
        (height + 148..=height + 150).contains(&last_valid),
        "{last_valid} {height}"
    );
    assert!(
        client
            .is_blockhash_valid(&hash, CommitmentConfig::confirmed())
            .await
            .unwrap()
    );
    assert!(
        !client
            .is_blockhash_valid(&Hash::new_unique(), CommitmentConfig::confirmed())
            .await
            .unwrap()
    );
    let info = client.get_epoch_info().await.unwrap();
    assert!(info.absolute_slot >= first && info.slots_in_epoch > 0);
    assert_eq!(
        client
            .get_minimum_balance_for_rent_exemption(165)
            .await
            .unwrap(),
        solana_sdk::rent::Rent::default().minimum_balance(165)
    );
    tokio::time::sleep(Duration::from_millis(350)).await;
    assert!(
        client.get_slot().await.unwrap() > first,
        "slots advance in real time"
    );

    // Unknown methods and bad parameters get the standard errors.
    let err = client
        .send::<Value>(
            RpcRequest::Custom {
                method: "getNothing",
            },
            json!([]),
        )
        .await
        .unwrap_err();
    assert_eq!(rpc_code(&err), Some(-32601), "{err:?}");
    let err = client
        .send::<Value>(RpcRequest::GetBalance, json!(["not-a-key"]))
        .await
        .unwrap_err();
    assert_eq!(rpc_code(&err), Some(-32602), "{err:?}");

    // Bad transaction bytes are invalid params, never a crash.
    for bad in [
        json!(["not base58 !"]),
        json!(["AAAA", {"encoding": "base64"}]),
        json!([bs58::encode(vec![7u8; 2_000]).into_string()]),
    ] {
        let err = client
            .send::<Value>(RpcRequest::SendTransaction, bad)
            .await
            .unwrap_err();
        assert_eq!(rpc_code(&err), Some(-32602), "{err:?}");
    }
    assert!(client.get_health().await.is_ok(), "still serving");

    // The envelope itself: parse errors, invalid requests, batches, notifications.
    let answer = |body: &'static str| {
        let (ledger, pool) = (net.ledger.clone(), net.answers.clone());
        async move {
            let mut budget = rpc::Budget::new(&pool);
            let text = rpc::answer(&ledger, body.as_bytes(), &mut budget).await;
            text.map(|t| serde_json::from_str::<Value>(&t).expect("JSON"))
        }
    };
    assert_eq!(answer("{nope").await.unwrap()["error"]["code"], -32700);
    assert_eq!(answer("[]").await.unwrap()["error"]["code"], -32600);
    assert_eq!(
        answer(r#"{"jsonrpc":"1.0","id":1,"method":"getSlot"}"#)
            .await
            .unwrap()["error"]["code"],
        -32600
    );
    assert_eq!(
        answer(r#"{"jsonrpc":"2.0","id":1,"method":"getSlot","params":{"a":1}}"#)
            .await
            .unwrap()["error"]["code"],
        -32602
    );
    assert!(
        answer(r#"{"jsonrpc":"2.0","method":"getSlot"}"#)
            .await
            .is_none(),
        "a notification gets no answer"
    );
    let batch = answer(r#"[{"jsonrpc":"2.0","id":1,"method":"getHealth"},{"jsonrpc":"2.0","id":2,"method":"nope"},7]"#)
        .await
        .unwrap();
    assert_eq!(batch[0]["result"], "ok");
    assert_eq!(batch[1]["error"]["code"], -32601);
    assert_eq!(batch[2]["error"]["code"], -32600);
}

/// A wallet with SOL, quote tokens and an (empty) margin account in the first market, opened
/// over RPC.
async fn trader(ex: &Exchange, client: &RpcClient, whole: u64) -> (Keypair, Pubkey) {
    let wallet = Keypair::new();
    let sig = client
        .request_airdrop(&wallet.pubkey(), LAMPORTS_PER_SOL)
        .await
        .unwrap();
    client.confirm_transaction(&sig).await.unwrap();
    ex.venue
        .fund(&wallet.pubkey(), whole, 0)
        .await
        .expect("fund");
    let m = &ex.venue.markets[0];
    let create = ix::margin_account_create(wallet.pubkey(), wallet.pubkey(), m.market, 0);
    let tx = Transaction::new_signed_with_payer(
        &[create],
        Some(&wallet.pubkey()),
        &[&wallet],
        client.get_latest_blockhash().await.unwrap(),
    );
    client
        .send_and_confirm_transaction(&tx)
        .await
        .expect("margin account");
    let margin = margin_account_pda(&m.market, &wallet.pubkey(), 0);
    (wallet, margin)
}

/// The JSON-RPC error code a client error carries.
fn rpc_code(err: &solana_rpc_client_api::client_error::Error) -> Option<i64> {
    match err.kind() {
        ErrorKind::RpcError(RpcError::RpcResponseError { code, .. }) => Some(*code),
        _ => None,
    }
}

/// `f`, which must finish within five seconds.
async fn within<F: std::future::Future>(f: F) -> F::Output {
    tokio::time::timeout(Duration::from_secs(5), f)
        .await
        .expect("in time")
}

fn signed(
    client_hash: Hash,
    wallet: &Keypair,
    ixs: &[solana_sdk::instruction::Instruction],
) -> Transaction {
    Transaction::new_signed_with_payer(ixs, Some(&wallet.pubkey()), &[wallet], client_hash)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deposit_notifies_account_program_and_signature_subscribers() {
    let (ex, client) = exchange().await;
    let (wallet, margin) = trader(&ex, &client, 1_000).await;
    let m = &ex.venue.markets[0];

    let pubsub = PubsubClient::new(&ex.net.pubsub_url()).await.expect("ws");
    let b64 = RpcAccountInfoConfig {
        encoding: Some(UiAccountEncoding::Base64),
        ..Default::default()
    };
    let (mut account_stream, _unsub_a) = pubsub
        .account_subscribe(&margin, Some(b64.clone()))
        .await
        .expect("accountSubscribe");
    let program_config = RpcProgramAccountsConfig {
        filters: Some(rpc_filters(&margin_account_filters(&m.market))),
        account_config: b64.clone(),
        ..Default::default()
    };
    let (mut program_stream, _unsub_p) = pubsub
        .program_subscribe(&perp_sdk::perp::ID, Some(program_config))
        .await
        .expect("programSubscribe");
    let (mut slots, _unsub_s) = pubsub.slot_subscribe().await.expect("slotSubscribe");
    let (mut logs, _unsub_l) = pubsub
        .logs_subscribe(
            RpcTransactionLogsFilter::Mentions(vec![perp_sdk::perp::ID.to_string()]),
            RpcTransactionLogsConfig { commitment: None },
        )
        .await
        .expect("logsSubscribe");

    let amount = venue::native(1_000);
    let deposit = ix::collateral_deposit(
        &m.collateral(&wallet.pubkey(), &ex.venue.quote_mint),
        amount,
    );
    let tx = signed(
        client.get_latest_blockhash().await.unwrap(),
        &wallet,
        &[deposit],
    );
    let (mut sig_stream, _unsub_sig) = pubsub
        .signature_subscribe(&tx.signatures[0], None)
        .await
        .expect("signatureSubscribe");
    client
        .send_and_confirm_transaction(&tx)
        .await
        .expect("deposit");

    let note = within(account_stream.next())
        .await
        .expect("account notification");
    let account: solana_sdk::account::Account = note.value.decode().expect("base64 account");
    assert_eq!(
        accounts::margin_account(&account).unwrap().collateral,
        amount
    );
    let note = within(program_stream.next())
        .await
        .expect("program notification");
    assert_eq!(note.value.pubkey, margin.to_string());
    let note = within(sig_stream.next())
        .await
        .expect("signature notification");
    assert!(matches!(
        note.value,
        solana_rpc_client_api::response::RpcSignatureResult::ProcessedSignature(ref r) if r.err.is_none()
    ));
    let slot = within(slots.next()).await.expect("slot notification");
    let note = within(logs.next()).await.expect("logs notification");
    assert_eq!(note.value.signature, tx.signatures[0].to_string());
    let events =
        perp_sdk::events::in_logs::<perp_sdk::perp::events::CollateralDeposited>(&note.value.logs);
    assert_eq!(
        events.len(),
        1,
        "the deposit's event, as an indexer reads it"
    );
    // Served in a validator's form: the native event tag never leaves the process.
    assert!(
        note.value
            .logs
            .iter()
            .any(|l| l.starts_with("Program data: "))
            && !note.value.logs.iter().any(|l| l.contains("event:")),
        "{:?}",
        note.value.logs
    );
    assert!(slot.slot > 0);

    // The same accounts through getProgramAccounts with the keeper's filters: this one and the
    // maker's, in this market only.
    let listed = client
        .get_program_ui_accounts_with_config(
            &perp_sdk::perp::ID,
            RpcProgramAccountsConfig {
                filters: Some(rpc_filters(&margin_account_filters(&m.market))),
                account_config: b64,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(listed.len(), 2, "the maker's and this trader's");
    assert!(listed.iter().any(|(k, _)| *k == margin));
    assert!(listed.iter().all(|(_, a)| {
        let a: solana_sdk::account::Account = a.decode().expect("base64");
        accounts::margin_account(&a).unwrap().market == m.market
    }));

    // Token accounts by owner, and their balance, as wallets read them.
    let tokens = client
        .get_token_accounts_by_owner(
            &wallet.pubkey(),
            TokenAccountsFilter::Mint(ex.venue.quote_mint),
        )
        .await
        .unwrap();
    assert_eq!(tokens.len(), 1);
    let balance = client
        .get_token_account_balance(&Pubkey::from_str_const(&tokens[0].pubkey))
        .await
        .unwrap();
    assert_eq!(
        (balance.amount.as_str(), balance.decimals),
        ("0", 6),
        "all of it deposited"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_transaction_simulates_with_logs_and_fails_preflight() {
    let (ex, client) = exchange().await;
    let (wallet, _margin) = trader(&ex, &client, 500).await;
    let m = &ex.venue.markets[0];
    let a = m.collateral(&wallet.pubkey(), &ex.venue.quote_mint);
    let ixs = [
        ix::collateral_deposit(&a, venue::native(500)),
        ix::collateral_withdraw(&a, venue::native(500) + 1),
    ];
    let tx = signed(client.get_latest_blockhash().await.unwrap(), &wallet, &ixs);
    let sim = client
        .simulate_transaction_with_config(
            &tx,
            RpcSimulateTransactionConfig {
                sig_verify: true,
                ..Default::default()
            },
        )
        .await
        .expect("simulate")
        .value;
    let code = u32::from(perp_sdk::perp::error::ErrorCode::InsufficientCollateral);
    assert_eq!(
        sim.err.map(TransactionError::from),
        Some(TransactionError::InstructionError(
            1,
            InstructionError::Custom(code)
        ))
    );
    let logs = sim.logs.expect("logs");
    let failed = format!("failed: custom program error: {code:#x}");
    assert!(logs.iter().any(|l| l.ends_with(&failed)), "{logs:?}");

    let err = client
        .send_transaction(&tx)
        .await
        .expect_err("preflight refuses it");
    let ErrorKind::RpcError(RpcError::RpcResponseError {
        code: -32002, data, ..
    }) = err.kind()
    else {
        panic!("{err:?}");
    };
    let RpcResponseErrorData::SendTransactionPreflightFailure(result) = data else {
        panic!("{data:?}");
    };
    assert!(
        result
            .logs
            .as_ref()
            .is_some_and(|l| l.iter().any(|l| l.ends_with(&failed)))
    );
    let status = client
        .get_signature_statuses(&[tx.signatures[0]])
        .await
        .unwrap()
        .value;
    assert_eq!(status, vec![None], "nothing was committed");

    // A forged signature never reaches the bank, with the node's preflight or without it (the
    // signatures are checked before the commit lock, not by the preflight, which does not).
    let mut forged = tx.clone();
    forged.signatures[0] = Signature::from([7u8; 64]);
    for skip_preflight in [false, true] {
        let config = RpcSendTransactionConfig {
            skip_preflight,
            ..Default::default()
        };
        let err = client
            .send_transaction_with_config(&forged, config)
            .await
            .expect_err("bad signature");
        assert_eq!(rpc_code(&err), Some(-32003), "{err:?}");
    }
    let status = client
        .get_signature_statuses(&[forged.signatures[0]])
        .await
        .unwrap()
        .value;
    assert_eq!(status, vec![None], "nothing was committed");
}

async fn post(addr: std::net::SocketAddr, path: &str, body: &str) -> (u16, Value) {
    let (status, body) = crate::http_client::request(addr, "POST", path, Some(body))
        .await
        .unwrap();
    (status, serde_json::from_str(&body).unwrap_or(Value::Null))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_faucet_mints_test_quote_tokens_and_refuses_bad_requests() {
    let (ex, client) = exchange().await;
    let owner = Pubkey::new_unique();
    let (status, body) = post(
        ex.net.rpc_addr,
        "/faucet",
        &format!(r#"{{"owner":"{owner}","amount":2500}}"#),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let ata = Pubkey::from_str_const(body["tokenAccount"].as_str().unwrap());
    let balance = client.get_token_account_balance(&ata).await.unwrap();
    assert_eq!(balance.ui_amount_string, "2500");
    assert_eq!(
        client.get_balance(&owner).await.unwrap(),
        LAMPORTS_PER_SOL,
        "and SOL for fees"
    );
    let (status, body) = post(ex.net.rpc_addr, "/faucet", r#"{"owner":"x"}"#).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("owner is not an address"))
    );
    let (status, _) = post(
        ex.net.rpc_addr,
        "/faucet",
        &format!(r#"{{"owner":"{owner}","amount":0}}"#),
    )
    .await;
    assert_eq!(status, 400);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_blockhash_lives_150_blocks_as_on_a_real_cluster() {
    let config = ServerConfig {
        slot: Duration::from_millis(10),
        ..ServerConfig::ephemeral()
    };
    let net = Localnet::start(&config, None).await.expect("localnet");
    let client = client(net.rpc_url());
    // Read before the blockhash: with 10 ms slots, a loaded machine passes several between two
    // requests.
    let start = client.get_block_height().await.unwrap();
    let (hash, last_valid) = client
        .get_latest_blockhash_with_commitment(CommitmentConfig::confirmed())
        .await
        .unwrap();
    assert!(last_valid >= start + 149, "{start} {last_valid}");
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    loop {
        assert!(std::time::Instant::now() < deadline, "the chain stalled");
        let before = client.get_block_height().await.unwrap();
        let valid = client
            .is_blockhash_valid(&hash, CommitmentConfig::confirmed())
            .await
            .unwrap();
        let after = client.get_block_height().await.unwrap();
        if after < last_valid {
            assert!(
                valid,
                "expired early at height {after} (valid through {last_valid})"
            );
        }
        if before > last_valid {
            assert!(
                !valid,
                "still valid at height {before} (valid through {last_valid})"
            );
            break;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dao_governed_bootstrap_waits_for_its_proposals_then_lists() {
    use anchor_spl::token::spl_token;
    use perp_migrations::spec::Spec;
    use perp_migrations::{Bootstrap, Status};
    use solana_sdk::program_pack::Pack;

    let (net, client) = cluster().await;
    let deployer = Keypair::new();
    let dao = Keypair::new();
    for key in [deployer.pubkey(), dao.pubkey()] {
        let sig = client
            .request_airdrop(&key, 100 * LAMPORTS_PER_SOL)
            .await
            .unwrap();
        client.confirm_transaction(&sig).await.unwrap();
    }
    // The quote mint exists before a DAO can propose listings of it.
    let mint = Keypair::new();
    let rent = client
        .get_minimum_balance_for_rent_exemption(spl_token::state::Mint::LEN)
        .await
        .unwrap();
    let create_mint = [
        anchor_lang::solana_program::system_instruction::create_account(
            &deployer.pubkey(),
            &mint.pubkey(),
            rent,
            spl_token::state::Mint::LEN as u64,
            &spl_token::ID,
        ),
        spl_token::instruction::initialize_mint2(
            &spl_token::ID,
            &mint.pubkey(),
            &deployer.pubkey(),
            None,
            6,
        )
        .unwrap(),
    ];
    let tx = Transaction::new_signed_with_payer(
        &create_mint,
        Some(&deployer.pubkey()),
        &[&deployer, &mint],
        client.get_latest_blockhash().await.unwrap(),
    );
    client
        .send_and_confirm_transaction(&tx)
        .await
        .expect("mint");

    let text = crate::exchange::SPEC
        .replace(
            "quote_mint = \"create\"",
            &format!("quote_mint = \"{}\"", mint.pubkey()),
        )
        .replace(
            "governance = \"payer\"",
            &format!("governance = \"{}\"", dao.pubkey()),
        )
        .replace(
            "risk_council = \"8PjJ1pBj2H8Z2GjKKayvLpdTQW91mCiLF75tFUJ6HdaQ\"",
            "risk_council = \"payer\"",
        );
    let spec = Spec::parse(&text).expect("spec");
    let rpc = perp_sdk::cluster::rpc::RpcCluster::new(net.rpc_url(), Duration::from_secs(10));
    let run = Bootstrap {
        cluster: &rpc,
        payer: &deployer,
        spec: &spec,
    };
    let waiting = Status::NeedsProposal {
        symbols: vec!["SOL-PERP".into(), "BTC-PERP".into()],
    };
    assert_eq!(run.run().await.expect("first pass"), waiting);
    assert_eq!(
        run.run().await.expect("a second pass changes nothing"),
        waiting
    );
    let exchange = net
        .ledger
        .account_now(&perp_sdk::pda::exchange_pda())
        .expect("exchange");
    let exchange: perp_sdk::perp::state::Exchange = accounts::borsh(&exchange).unwrap();
    assert_eq!(exchange.governance, dao.pubkey());

    // The DAO executes the printed proposal (here: the DAO key signs it).
    let m = spec.market("SOL-PERP").unwrap();
    let listing = perp_sdk::perp::state::Change::ListMarket {
        market_index: m.index,
        quote_mint: mint.pubkey(),
        params: m.params,
        oracle: m.oracle,
    };
    let proposal = perp_migrations::proposal::params_queue(dao.pubkey(), dao.pubkey(), listing);
    let ix = solana_sdk::instruction::Instruction {
        program_id: proposal.program_id.parse().unwrap(),
        accounts: proposal
            .accounts
            .iter()
            .map(|a| solana_sdk::instruction::AccountMeta {
                pubkey: a.pubkey.parse().unwrap(),
                is_signer: a.is_signer,
                is_writable: a.is_writable,
            })
            .collect(),
        data: base64::Engine::decode(&base64::prelude::BASE64_STANDARD, &proposal.data).unwrap(),
    };
    let tx = signed(client.get_latest_blockhash().await.unwrap(), &dao, &[ix]);
    client
        .send_and_confirm_transaction(&tx)
        .await
        .expect("the DAO queues the listing");
    match run.run().await.expect("third pass") {
        Status::NeedsProposal { symbols } => assert_eq!(symbols, vec!["BTC-PERP".to_string()]),
        other => panic!("{other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_app_server_serves_the_build_its_config_and_index_for_client_routes() {
    let dir = std::env::temp_dir().join(format!("perp-app-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("assets")).unwrap();
    std::fs::write(dir.join("index.html"), "<!doctype html><title>perp</title>").unwrap();
    std::fs::write(dir.join("assets/app.js"), "console.log(1)").unwrap();
    let deployment = perp_migrations::Deployment {
        program: "P".into(),
        exchange: "x".into(),
        quote_mint: "m".into(),
        markets: vec![],
    };
    let config = crate::app::AppConfig {
        rpc_url: "http://127.0.0.1:1".into(),
        ws_url: "ws://127.0.0.1:2".into(),
        faucet_url: "http://127.0.0.1:1/faucet".into(),
        indexer_url: None,
        deployment,
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = tokio::spawn(async move {
        axum::serve(listener, crate::app::router(&dir, config))
            .await
            .unwrap()
    });
    let get = |path: &'static str| crate::http_client::request(addr, "GET", path, None);
    let (status, body) = get("/config.json").await.unwrap();
    let config: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(status, 200);
    assert_eq!(config["rpcUrl"], "http://127.0.0.1:1");
    assert_eq!(config["indexerUrl"], Value::Null);
    assert_eq!(config["deployment"]["program"], "P");
    assert_eq!(
        get("/assets/app.js").await.unwrap(),
        (200, "console.log(1)".into())
    );
    for route in ["/", "/trade/SOL-PERP"] {
        let (status, body) = get(route).await.unwrap();
        assert_eq!(
            (status, body.contains("<title>perp</title>")),
            (200, true),
            "{route}"
        );
    }
    server.abort();
}
