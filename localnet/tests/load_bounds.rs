//! Load test of what one client can cost the local exchange (issue 22, finding 6), run by the
//! normal `cargo test -p perp-localnet`. It is an integration test so that it has a process of
//! its own: the peak resident memory it reads (`VmHWM`) is the exchange's and this one client's,
//! not other tests'. For 10 s, over loopback only, one client tries every amplification the
//! finding lists, all at once:
//!
//! - 40 identical `accountSubscribe` on a market's book (~1 MB) on one connection, read as fast
//!   as they come;
//! - 100 `accountSubscribe` on the book with distinct data slices (so no two are the same
//!   subscription) on a second connection that it never reads;
//! - more connections of 100 subscriptions each, until the exchange refuses them;
//! - 4 connections sending batches of 100 `getAccountInfo` on the book, back to back;
//! - the faucet, asked for 100,000 for a fresh owner, as fast as it answers.
//!
//! The process's peak memory may grow at most [`CEILING_BYTES`] over what it held before the
//! attack. The figures are printed (`-- --nocapture`).

use futures::{SinkExt, StreamExt};
use perp_localnet::ServerConfig;
use perp_localnet::exchange::faucet::TOTAL_PER_MINUTE;
use perp_localnet::exchange::{Exchange, Options};
use perp_localnet::pubsub::{MAX_QUEUED_BYTES_TOTAL, MAX_SUBSCRIPTIONS};
use perp_localnet::rpc::{MAX_RESPONSE_BYTES, MAX_RESPONSE_BYTES_IN_FLIGHT};
use serde_json::{Value, json};
use solana_sdk::pubkey::Pubkey;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_tungstenite::tungstenite::Message;

/// How long the client attacks.
const ATTACK: Duration = Duration::from_secs(10);
/// The most the process's peak resident memory may grow during the attack: the two pools (RPC
/// answers built and not yet written, PubSub notifications queued), and for each connection
/// sending batches, the batch being answered, held twice while it is encoded (its results, then
/// their bytes, each up to the answer budget). Measured on this 2-core machine in a debug
/// build: see docs/local-exchange-limits.md.
const CEILING_BYTES: u64 = (MAX_RESPONSE_BYTES_IN_FLIGHT
    + MAX_QUEUED_BYTES_TOTAL
    + BATCHERS * 2 * MAX_RESPONSE_BYTES) as u64;
/// Concurrent connections sending batches.
const BATCHERS: usize = 4;
/// Requests per batch (the most the exchange takes).
const BATCH: usize = 100;
/// Subscriptions the client asks for on each extra connection.
const PER_CONNECTION: usize = 100;
/// Extra connections the client opens to pass the total subscription cap.
const EXTRA_CONNECTIONS: usize = 12;

/// A field of `/proc/self/status`, in bytes.
fn status_bytes(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    status
        .lines()
        .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map(|kib| kib * 1024)
        .unwrap_or_else(|| panic!("{field} in /proc/self/status"))
}

fn mib(bytes: u64) -> f64 {
    bytes as f64 / (1 << 20) as f64
}

/// What one JSON-RPC answer held, counted as it streamed in (never kept whole).
#[derive(Default, Debug, Clone, Copy)]
struct Counted {
    bytes: u64,
    results: u64,
    errors: u64,
}

/// Occurrences of `marker` in `hay`.
fn occurrences(hay: &[u8], marker: &[u8]) -> u64 {
    hay.windows(marker.len()).filter(|w| *w == marker).count() as u64
}

/// POSTs `body` to JSON-RPC and counts the answer's bytes, results and errors as it arrives.
async fn post_counting(addr: SocketAddr, body: &str) -> std::io::Result<Counted> {
    let mut s = tokio::net::TcpStream::connect(addr).await?;
    let head = format!(
        "POST / HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    s.write_all(head.as_bytes()).await?;
    s.write_all(body.as_bytes()).await?;
    let mut buf = vec![0u8; 64 << 10];
    // The tail of the previous read, shorter than either marker, so none is counted twice.
    let mut window: Vec<u8> = Vec::new();
    let mut out = Counted::default();
    loop {
        let n = s.read(&mut buf).await?;
        if n == 0 {
            return Ok(out);
        }
        out.bytes += n as u64;
        window.extend_from_slice(&buf[..n]);
        out.results += occurrences(&window, b"\"result\"");
        out.errors += occurrences(&window, b"\"error\"");
        let keep = window.len().min(6);
        window.drain(..window.len() - keep);
    }
}

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn connect(url: &str) -> Socket {
    tokio_tungstenite::connect_async(url)
        .await
        .expect("PubSub connection")
        .0
}

async fn send(ws: &mut Socket, request: Value) {
    ws.send(Message::Text(request.to_string().into()))
        .await
        .expect("send");
}

/// Reads answers until `n` replies (frames with an `id`) came: (accepted, refused).
async fn replies(ws: &mut Socket, n: usize) -> (usize, usize) {
    let (mut ok, mut refused) = (0, 0);
    while ok + refused < n {
        let frame = tokio::time::timeout(Duration::from_secs(10), ws.next())
            .await
            .expect("a reply within 10 s");
        let Some(Ok(Message::Text(text))) = frame else {
            break;
        };
        let v: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
        match (v.get("id"), v.get("error")) {
            (Some(_), Some(_)) => refused += 1,
            (Some(_), None) => ok += 1,
            _ => {}
        }
    }
    (ok, refused)
}

fn account_subscribe(id: usize, key: &Pubkey, config: Value) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "method": "accountSubscribe", "params": [key.to_string(), config]})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_client_cannot_make_the_local_exchange_grow_past_its_ceiling() {
    let options = Options {
        server: ServerConfig {
            slot: Duration::from_millis(100),
            ..ServerConfig::ephemeral()
        },
        moving_prices: false,
        traders: 0,
        ..Options::default()
    };
    let ex = Exchange::start(&options).await.expect("exchange");
    let book = ex.venue.markets[0].book;
    let rpc = ex.net.rpc_addr;
    let ws_url = ex.net.pubsub_url();
    tokio::time::sleep(Duration::from_millis(500)).await;
    // Resets VmHWM to the current resident size (Linux ≥ 4.0), so the peak read at the end is
    // the attack's.
    let reset = std::fs::write("/proc/self/clear_refs", "5").is_ok();
    let before = status_bytes("VmRSS");
    let start = Instant::now();
    let deadline = tokio::time::Instant::now() + ATTACK;
    let rss_peak = Arc::new(AtomicU64::new(before));
    let sampler = {
        let rss_peak = rss_peak.clone();
        tokio::spawn(async move {
            loop {
                rss_peak.fetch_max(status_bytes("VmRSS"), Ordering::Relaxed);
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        })
    };

    // 40 identical subscriptions on the book, read as fast as they come.
    let reader = {
        let url = ws_url.clone();
        tokio::spawn(async move {
            let mut ws = connect(&url).await;
            for id in 0..40 {
                send(
                    &mut ws,
                    account_subscribe(id, &book, json!({"encoding": "base64"})),
                )
                .await;
            }
            let (ok, _) = replies(&mut ws, 40).await;
            let (mut frames, mut bytes) = (0u64, 0u64);
            while let Ok(Some(Ok(msg))) = tokio::time::timeout_at(deadline, ws.next()).await {
                frames += 1;
                bytes += msg.len() as u64;
            }
            (ok, frames, bytes)
        })
    };
    // 100 distinct subscriptions on the book, never read.
    let mut slow = connect(&ws_url).await;
    for id in 0..100 {
        let slice = json!({"offset": id, "length": 2_000_000});
        let config = json!({"encoding": "base64", "dataSlice": slice});
        send(&mut slow, account_subscribe(id, &book, config)).await;
    }
    // Batches of getAccountInfo on the book, back to back.
    let batch: Vec<Value> = (0..BATCH)
        .map(|i| json!({"jsonrpc": "2.0", "id": 1_000 + i, "method": "getAccountInfo", "params": [book.to_string(), {"encoding": "base64"}]}))
        .collect();
    let batch = Arc::new(Value::Array(batch).to_string());
    let batchers: Vec<_> = (0..BATCHERS)
        .map(|_| {
            let batch = batch.clone();
            tokio::spawn(async move {
                let mut answers = Vec::new();
                while tokio::time::Instant::now() < deadline {
                    match post_counting(rpc, &batch).await {
                        Ok(c) => answers.push(c),
                        Err(_) => break,
                    }
                }
                answers
            })
        })
        .collect();
    // The faucet's largest request for fresh owners, as fast as it answers.
    let faucet = tokio::spawn(async move {
        let (mut granted, mut refused) = (0u64, 0u64);
        while tokio::time::Instant::now() < deadline {
            let body = format!(r#"{{"owner":"{}","amount":100000}}"#, Pubkey::new_unique());
            match perp_localnet::http_client::request(rpc, "POST", "/faucet", Some(&body)).await {
                Ok((200, _)) => granted += 100_000,
                Ok(_) => refused += 1,
                Err(_) => break,
            }
        }
        (granted, refused)
    });
    // Connections of 100 distinct subscriptions each, held open.
    let mut held = Vec::new();
    let (mut accepted, mut refused) = (0usize, 0usize);
    for _ in 0..EXTRA_CONNECTIONS {
        let mut ws = connect(&ws_url).await;
        for id in 0..PER_CONNECTION {
            let key = Pubkey::new_unique();
            send(
                &mut ws,
                account_subscribe(id, &key, json!({"encoding": "base64"})),
            )
            .await;
        }
        let (ok, no) = replies(&mut ws, PER_CONNECTION).await;
        accepted += ok;
        refused += no;
        held.push(ws);
    }

    let (same_ok, frames, frame_bytes) = reader.await.expect("reader");
    let answers: Vec<Counted> = futures::future::join_all(batchers)
        .await
        .into_iter()
        .flat_map(|a| a.expect("batcher"))
        .collect();
    let (granted, faucet_refused) = faucet.await.expect("faucet");
    let attack = start.elapsed();
    sampler.abort();
    let peak = status_bytes("VmHWM").max(rss_peak.load(Ordering::Relaxed));
    let growth = peak.saturating_sub(before);

    // The connection that never read: was it closed, and how much did it get first?
    let mut slow_bytes = 0u64;
    let closed = loop {
        match tokio::time::timeout(Duration::from_secs(3), slow.next()).await {
            Ok(Some(Ok(Message::Close(_)))) | Ok(Some(Err(_))) | Ok(None) => break true,
            Ok(Some(Ok(msg))) => slow_bytes += msg.len() as u64,
            Err(_) => break false,
        }
    };

    let largest = answers.iter().map(|a| a.bytes).max().unwrap_or(0);
    let sent: u64 = answers.iter().map(|a| a.bytes).sum();
    let results: u64 = answers.iter().map(|a| a.results).sum();
    let errors: u64 = answers.iter().map(|a| a.errors).sum();
    println!("attack {:.1} s, one client, loopback", attack.as_secs_f64());
    println!(
        "memory: before {:.0} MiB, peak {:.0} MiB, growth {:.0} MiB (ceiling {:.0} MiB; peak from {})",
        mib(before),
        mib(peak),
        mib(growth),
        mib(CEILING_BYTES),
        if reset {
            "VmHWM reset at start"
        } else {
            "VmRSS samples"
        },
    );
    println!(
        "40 identical subscriptions: {same_ok} accepted, {frames} frames, {:.1} MiB read",
        mib(frame_bytes)
    );
    println!(
        "unread connection (100 distinct slices): {} after {:.1} MiB",
        if closed {
            "closed by the exchange"
        } else {
            "still open"
        },
        mib(slow_bytes)
    );
    println!(
        "{EXTRA_CONNECTIONS} more connections x {PER_CONNECTION}: {accepted} subscriptions accepted, {refused} refused"
    );
    println!(
        "batches of {BATCH} getAccountInfo: {} answered, {:.1} MiB sent, largest {:.1} MiB, {results} results, {errors} errors",
        answers.len(),
        mib(sent),
        mib(largest)
    );
    println!("faucet: {granted} granted, {faucet_refused} refused");

    assert!(
        growth <= CEILING_BYTES,
        "peak memory grew {:.0} MiB, over the {:.0} MiB ceiling",
        mib(growth),
        mib(CEILING_BYTES)
    );
    assert!(granted <= TOTAL_PER_MINUTE, "faucet gave {granted}");
    assert!(
        accepted <= MAX_SUBSCRIPTIONS && refused > 0,
        "{accepted} accepted, {refused} refused"
    );
    assert!(
        largest <= MAX_RESPONSE_BYTES as u64 + 4_096,
        "an answer of {largest} bytes"
    );
    assert!(closed, "a connection that never reads is closed");
    drop(held);
}
