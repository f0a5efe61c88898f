//! What one client may cost the local exchange (issue 22, finding 6): one test per bound, each
//! driving the real services over loopback.

use crate::exchange::{Exchange, Options, faucet};
use crate::origin::Origins;
use crate::pubsub::{MAX_SUBSCRIPTIONS, MAX_SUBSCRIPTIONS_PER_CONNECTION};
use crate::rpc::{MAX_BATCH, MAX_BODY_BYTES, MAX_RESPONSE_BYTES, MAX_RESPONSE_BYTES_IN_FLIGHT};
use crate::{Localnet, ServerConfig};
use futures::{SinkExt, StreamExt};
use serde_json::{Value, json};
use solana_sdk::account::Account;
use solana_sdk::pubkey::Pubkey;
use std::net::SocketAddr;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;

/// A cluster whose slot does not move during a test (answers carry the slot).
async fn still() -> Localnet {
    let config = ServerConfig {
        slot: Duration::from_secs(60),
        ..ServerConfig::ephemeral()
    };
    Localnet::start(&config, None).await.expect("localnet")
}

/// A 1 MiB account, the size of a market's book.
async fn large_account(net: &Localnet) -> Pubkey {
    let key = Pubkey::new_unique();
    let account = Account {
        lamports: 1,
        data: vec![7; 1 << 20],
        owner: Pubkey::new_unique(),
        executable: false,
        rent_epoch: 0,
    };
    net.ledger.set_account(&key, account).await;
    key
}

/// An HTTP exchange: status, head (lower case) and body.
struct Reply {
    status: u16,
    head: String,
    body: String,
}

impl Reply {
    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or(Value::Null)
    }

    fn allowed_origin(&self) -> Option<&str> {
        self.head
            .lines()
            .find_map(|l| l.strip_prefix("access-control-allow-origin: "))
    }
}

/// Sends `head` (request line and headers, without the blank line) and `body`; the reply
/// within 10 s.
async fn send_raw(addr: SocketAddr, head: &str, body: &[u8]) -> Reply {
    let exchange = async {
        let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
        s.write_all(format!("{head}\r\nConnection: close\r\n\r\n").as_bytes())
            .await
            .unwrap();
        // The server may answer (and close) before it reads the body.
        let _ = s.write_all(body).await;
        let mut out = Vec::new();
        let _ = s.read_to_end(&mut out).await;
        String::from_utf8_lossy(&out).into_owned()
    };
    let out = tokio::time::timeout(Duration::from_secs(10), exchange)
        .await
        .expect("a reply within 10 s");
    let (head, body) = out.split_once("\r\n\r\n").unwrap_or((&out, ""));
    Reply {
        status: head.get(9..12).and_then(|c| c.parse().ok()).unwrap_or(0),
        head: head.to_ascii_lowercase(),
        body: body.to_string(),
    }
}

async fn http(
    addr: SocketAddr,
    method: &str,
    path: &str,
    origin: Option<&str>,
    body: &str,
) -> Reply {
    let origin = origin.map_or(String::new(), |o| format!("\r\nOrigin: {o}"));
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}{origin}",
        body.len()
    );
    send_raw(addr, &head, body.as_bytes()).await
}

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// A PubSub connection sending `origin`, or the HTTP status it was refused with.
async fn ws(net: &Localnet, origin: Option<&str>) -> Result<Socket, u16> {
    let mut request = net.pubsub_url().into_client_request().unwrap();
    if let Some(o) = origin {
        request
            .headers_mut()
            .insert("Origin", HeaderValue::from_str(o).unwrap());
    }
    match tokio_tungstenite::connect_async(request).await {
        Ok((socket, _)) => Ok(socket),
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
            Err(response.status().as_u16())
        }
        Err(e) => panic!("{e}"),
    }
}

/// A PubSub connection with a small receive buffer (the kernel's autotuning would otherwise
/// take up to 32 MiB on loopback before the server's writes block), as a slow client has.
async fn ws_slow(net: &Localnet) -> tokio_tungstenite::WebSocketStream<tokio::net::TcpStream> {
    let tcp = tokio::net::TcpSocket::new_v4().unwrap();
    tcp.set_recv_buffer_size(16 << 10).unwrap();
    let stream = tcp.connect(net.pubsub_addr).await.unwrap();
    let request = net.pubsub_url().into_client_request().unwrap();
    tokio_tungstenite::client_async(request, stream)
        .await
        .expect("PubSub connection")
        .0
}

async fn send(socket: &mut Socket, request: Value) {
    socket
        .send(Message::Text(request.to_string().into()))
        .await
        .unwrap();
}

/// The next text frame within `wait`, as JSON.
async fn frame(socket: &mut Socket, wait: Duration) -> Option<Value> {
    loop {
        match tokio::time::timeout(wait, socket.next()).await {
            Ok(Some(Ok(Message::Text(text)))) => return serde_json::from_str(&text).ok(),
            Ok(Some(Ok(_))) => continue,
            _ => return None,
        }
    }
}

async fn next(socket: &mut Socket) -> Value {
    frame(socket, Duration::from_secs(10))
        .await
        .expect("a frame within 10 s")
}

fn account_subscribe(id: u64, key: &Pubkey, config: Value) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "method": "accountSubscribe", "params": [key.to_string(), config]})
}

/// Subscribes to `n` fresh accounts; their subscription ids.
async fn subscribe_fresh(socket: &mut Socket, n: usize) -> Vec<u64> {
    for i in 0..n {
        let key = Pubkey::new_unique();
        send(socket, account_subscribe(i as u64, &key, json!({}))).await;
    }
    let mut ids = Vec::new();
    for _ in 0..n {
        let reply = next(socket).await;
        ids.push(
            reply["result"]
                .as_u64()
                .unwrap_or_else(|| panic!("{reply}")),
        );
    }
    ids
}

async fn eventually(what: &str, check: impl Fn() -> bool) {
    for _ in 0..200 {
        if check() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{what}: not within 10 s");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_over_50_kib_is_refused_before_it_is_read() {
    assert_eq!(MAX_BODY_BYTES, 51_200, "a validator's 50 KiB");
    let net = still().await;
    let addr = net.rpc_addr;
    let refusal = json!({"jsonrpc": "2.0", "error": {"code": -32600, "message": format!("Invalid request: the body is larger than {MAX_BODY_BYTES} bytes (a validator's limit)")}, "id": null});
    // Declared over the limit, and never sent: refused at once.
    let head = format!(
        "POST / HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}",
        MAX_BODY_BYTES + 1
    );
    let reply = send_raw(addr, &head, b"").await;
    assert_eq!((reply.status, reply.json()), (413, refusal.clone()));
    // Sent in chunks without a length: read up to the limit only.
    let head = format!(
        "POST / HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked"
    );
    let chunk = vec![b' '; MAX_BODY_BYTES + 1];
    let mut body = format!("{:x}\r\n", chunk.len()).into_bytes();
    body.extend_from_slice(&chunk);
    body.extend_from_slice(b"\r\n0\r\n\r\n");
    let reply = send_raw(addr, &head, &body).await;
    assert_eq!((reply.status, reply.json()), (413, refusal));
    // Exactly the limit is answered.
    let request = r#"{"jsonrpc":"2.0","id":1,"method":"getHealth"}"#;
    let padded = format!("{request:<width$}", width = MAX_BODY_BYTES);
    let reply = http(addr, "POST", "/", None, &padded).await;
    assert_eq!(
        (reply.status, reply.json()),
        (200, json!({"jsonrpc": "2.0", "result": "ok", "id": 1}))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_over_100_requests_is_refused() {
    assert_eq!(MAX_BATCH, 100);
    let net = still().await;
    let batch = |n: usize| {
        let requests: Vec<Value> = (0..n)
            .map(|i| json!({"jsonrpc": "2.0", "id": i, "method": "getHealth"}))
            .collect();
        Value::Array(requests).to_string()
    };
    let reply = http(net.rpc_addr, "POST", "/", None, &batch(MAX_BATCH + 1)).await;
    let message = format!("Invalid request: a batch holds at most {MAX_BATCH} requests");
    assert_eq!(
        (reply.status, reply.json()),
        (
            200,
            json!({"jsonrpc": "2.0", "error": {"code": -32600, "message": message}, "id": null})
        )
    );
    let reply = http(net.rpc_addr, "POST", "/", None, &batch(MAX_BATCH)).await;
    let answers = reply.json();
    assert_eq!(answers.as_array().map(Vec::len), Some(MAX_BATCH));
    assert!(
        answers
            .as_array()
            .unwrap()
            .iter()
            .all(|a| a["result"] == "ok")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_of_large_reads_stops_at_the_answer_budget() {
    let net = still().await;
    let key = large_account(&net).await;
    let read = |id: usize| json!({"jsonrpc": "2.0", "id": id, "method": "getAccountInfo", "params": [key.to_string(), {"encoding": "base64"}]});
    // One answer's size (ids of three digits throughout).
    let one = http(net.rpc_addr, "POST", "/", None, &read(100).to_string()).await;
    assert_eq!(one.status, 200);
    let len = one.body.len();
    assert!(len > 1_300_000, "{len}");
    let batch = Value::Array((100..200).map(read).collect()).to_string();
    let reply = http(net.rpc_addr, "POST", "/", None, &batch).await;
    let answers = reply.json();
    let answers = answers.as_array().expect("a batch answer");
    // Each answer takes its length and one byte (a comma or bracket).
    let fit = MAX_RESPONSE_BYTES / (len + 1);
    let message = format!(
        "Invalid request: the answer would exceed {MAX_RESPONSE_BYTES} bytes (the local exchange's limit per request); ask for less (dataSlice, fewer accounts, smaller batches)"
    );
    assert_eq!(answers.len(), 100);
    for (i, answer) in answers.iter().enumerate() {
        assert_eq!(answer["id"], 100 + i, "in order");
        if i < fit {
            assert!(answer["result"]["value"].is_object(), "answer {i}");
        } else {
            assert_eq!(
                answer["error"],
                json!({"code": -32600, "message": message}),
                "answer {i}"
            );
        }
    }
    assert!(reply.body.len() <= MAX_RESPONSE_BYTES + 100 * 300);
    // Its bytes are back in the pool once written out.
    eventually("the pool refilled", || {
        net.answers.available() == MAX_RESPONSE_BYTES_IN_FLIGHT
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn identical_subscriptions_are_one_notification_encoded_once() {
    let net = still().await;
    let key = large_account(&net).await;
    let config = json!({"encoding": "base64"});
    let mut a = ws(&net, None).await.unwrap();
    for i in 0..40 {
        send(&mut a, account_subscribe(i, &key, config.clone())).await;
    }
    let mut ids = Vec::new();
    for _ in 0..40 {
        ids.push(next(&mut a).await["result"].as_u64().expect("an id"));
    }
    ids.dedup();
    assert_eq!(
        ids.len(),
        1,
        "the same parameters are the same subscription"
    );
    let mut b = ws(&net, None).await.unwrap();
    send(&mut b, account_subscribe(0, &key, config)).await;
    assert_eq!(next(&mut b).await["result"].as_u64(), Some(ids[0]));
    assert_eq!(net.hub.held(), 2, "one per connection");

    let mut account = net.ledger.account_now(&key).unwrap();
    account.data[0] = 8;
    net.ledger.set_account(&key, account).await;
    let from_a = next(&mut a).await;
    let from_b = next(&mut b).await;
    assert_eq!(from_a["method"], "accountNotification");
    assert_eq!(from_a["params"]["subscription"].as_u64(), Some(ids[0]));
    assert_eq!(from_a, from_b, "the same bytes for both connections");
    assert_eq!(
        frame(&mut a, Duration::from_millis(500)).await,
        None,
        "one notification per change, not one per request"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn subscriptions_are_capped_per_connection_and_in_all() {
    assert_eq!(
        (MAX_SUBSCRIPTIONS_PER_CONNECTION, MAX_SUBSCRIPTIONS),
        (100, 1_000)
    );
    let net = still().await;
    let mut first = ws(&net, None).await.unwrap();
    let ids = subscribe_fresh(&mut first, MAX_SUBSCRIPTIONS_PER_CONNECTION).await;
    send(
        &mut first,
        account_subscribe(7, &Pubkey::new_unique(), json!({})),
    )
    .await;
    let message = format!(
        "Too many subscriptions on this connection (at most {MAX_SUBSCRIPTIONS_PER_CONNECTION})"
    );
    assert_eq!(
        next(&mut first).await,
        json!({"jsonrpc": "2.0", "error": {"code": -32600, "message": message}, "id": 7})
    );
    let mut others = Vec::new();
    while net.hub.held() < MAX_SUBSCRIPTIONS {
        let mut socket = ws(&net, None).await.unwrap();
        subscribe_fresh(&mut socket, MAX_SUBSCRIPTIONS_PER_CONNECTION).await;
        others.push(socket);
    }
    assert_eq!(net.hub.held(), MAX_SUBSCRIPTIONS);
    let mut last = ws(&net, None).await.unwrap();
    send(
        &mut last,
        account_subscribe(9, &Pubkey::new_unique(), json!({})),
    )
    .await;
    assert_eq!(
        next(&mut last).await,
        json!({"jsonrpc": "2.0", "error": {"code": -32603, "message": "Internal Error: Subscription refused. Node subscription limit reached"}, "id": 9})
    );
    // An unsubscribe frees a place; a closed connection frees all of its.
    send(
        &mut first,
        json!({"jsonrpc": "2.0", "id": 8, "method": "accountUnsubscribe", "params": [ids[0]]}),
    )
    .await;
    assert_eq!(next(&mut first).await["result"], true);
    assert_eq!(subscribe_fresh(&mut last, 1).await.len(), 1);
    drop(others.pop());
    eventually("the connection's subscriptions released", || {
        net.hub.held() == MAX_SUBSCRIPTIONS - MAX_SUBSCRIPTIONS_PER_CONNECTION
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_does_not_read_is_closed_when_too_far_behind() {
    let net = still().await;
    let key = large_account(&net).await;
    let mut idle = ws_slow(&net).await;
    // Ten distinct subscriptions on the 1 MiB account: ~14 MB of notifications per change.
    for i in 0..10 {
        let config = json!({"encoding": "base64", "dataSlice": {"offset": i, "length": 1 << 20}});
        let request = account_subscribe(i, &key, config).to_string();
        idle.send(Message::Text(request.into())).await.unwrap();
    }
    eventually("subscribed", || net.hub.held() == 10).await;
    // Each change's ten notifications fit in its outbox; the writer blocks once the kernel's
    // buffers are full. The next change overflows the outbox while it waits mid-frame.
    let mut account = net.ledger.account_now(&key).unwrap();
    for n in 0..10u8 {
        if net.hub.connections() == 0 {
            break;
        }
        account.data[0] = n;
        net.ledger.set_account(&key, account.clone()).await;
        tokio::time::sleep(Duration::from_millis(1_000)).await;
    }
    // Closed without reading a byte more: its socket is let go of mid-frame.
    eventually("the idle connection closed", || {
        net.hub.connections() == 0 && net.hub.held() == 0
    })
    .await;
    // What was already on its way is readable; then the connection ends.
    let ended = async {
        loop {
            match idle.next().await {
                Some(Ok(Message::Close(_))) | Some(Err(_)) | None => return,
                Some(Ok(_)) => {}
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(10), ended)
        .await
        .expect("the connection ends");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_the_app_origin_and_tools_may_call_json_rpc_the_faucet_and_pubsub() {
    let config = ServerConfig {
        origins: Origins::app(8080)
            .with(&["http://localhost:5173".to_string()])
            .unwrap(),
        ..ServerConfig::ephemeral()
    };
    let extra = faucet::router(Default::default());
    let net = Localnet::start(&config, Some(extra)).await.unwrap();
    let addr = net.rpc_addr;
    let health = r#"{"jsonrpc":"2.0","id":1,"method":"getHealth"}"#;
    let preflight = |origin: &'static str| {
        let head = format!(
            "OPTIONS / HTTP/1.1\r\nHost: {addr}\r\nOrigin: {origin}\r\nAccess-Control-Request-Method: POST\r\nAccess-Control-Request-Headers: content-type"
        );
        async move { send_raw(addr, &head, b"").await }
    };
    for app in [
        "http://127.0.0.1:8080",
        "http://localhost:8080",
        "http://localhost:5173",
        "chrome-extension://wallet",
    ] {
        let reply = preflight(app).await;
        assert_eq!((reply.status, reply.allowed_origin()), (200, Some(app)));
        assert!(
            reply
                .head
                .contains("access-control-allow-methods: get,post"),
            "{}",
            reply.head
        );
        let reply = http(addr, "POST", "/", Some(app), health).await;
        assert_eq!((reply.status, reply.allowed_origin()), (200, Some(app)));
        assert!(ws(&net, Some(app)).await.is_ok(), "{app}");
    }
    // Tools send no origin.
    let reply = http(addr, "POST", "/", None, health).await;
    assert_eq!(
        (reply.status, reply.json()["result"].as_str()),
        (200, Some("ok"))
    );
    assert!(ws(&net, None).await.is_ok());
    // The faucet answers the app (here still starting).
    let ask = r#"{"owner":"11111111111111111111111111111111"}"#;
    let reply = http(addr, "POST", "/faucet", Some("http://localhost:8080"), ask).await;
    assert_eq!(reply.status, 503);

    for foreign in ["http://evil.example", "http://127.0.0.1:8081", "null"] {
        let refusal = format!(
            "origin {foreign} may not call the local exchange; allowed: http://127.0.0.1:8080, http://localhost:8080, http://localhost:5173 (and tools that send no Origin)"
        );
        let reply = preflight(foreign).await;
        assert_eq!((reply.status, reply.allowed_origin()), (403, None));
        let reply = http(addr, "POST", "/", Some(foreign), health).await;
        assert_eq!(
            (reply.status, reply.allowed_origin(), reply.body.as_str()),
            (403, None, refusal.as_str())
        );
        let reply = http(addr, "POST", "/faucet", Some(foreign), ask).await;
        assert_eq!(reply.status, 403);
        assert_eq!(ws(&net, Some(foreign)).await.err(), Some(403));
    }
    assert_eq!(
        Origins::app(1).with(&["http://x/path".to_string()]),
        Err(crate::origin::NotAnOrigin("http://x/path".into()))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_faucet_gives_at_most_its_limits_per_owner_and_per_minute() {
    assert_eq!(
        (
            faucet::MAX_FAUCET,
            faucet::OWNER_PER_MINUTE,
            faucet::TOTAL_PER_MINUTE
        ),
        (100_000, 100_000, 1_000_000)
    );
    let options = Options {
        server: ServerConfig {
            slot: Duration::from_millis(100),
            ..ServerConfig::ephemeral()
        },
        moving_prices: false,
        makers: false,
        traders: 0,
        ..Options::default()
    };
    let ex = Exchange::start(&options).await.expect("exchange");
    let addr = ex.net.rpc_addr;
    let ask = |owner: Pubkey, amount: u64| {
        let body = format!(r#"{{"owner":"{owner}","amount":{amount}}}"#);
        async move { http(addr, "POST", "/faucet", None, &body).await }
    };
    let error = |r: &Reply| r.json()["error"].as_str().unwrap_or_default().to_string();
    let retry_after = |r: &Reply| {
        r.head
            .lines()
            .find_map(|l| l.strip_prefix("retry-after: "))
            .and_then(|s| s.parse::<u64>().ok())
    };
    let over = ask(Pubkey::new_unique(), faucet::MAX_FAUCET + 1).await;
    assert_eq!(
        (over.status, error(&over)),
        (
            400,
            format!("amount must be between 1 and {}", faucet::MAX_FAUCET)
        )
    );
    let owner = Pubkey::new_unique();
    assert_eq!(ask(owner, faucet::OWNER_PER_MINUTE).await.status, 200);
    let again = ask(owner, 1).await;
    assert_eq!(again.status, 429);
    assert!(
        error(&again).starts_with(&format!(
            "{owner} was given {0} in the last minute; the faucet gives at most {0} per owner per minute (try again in ",
            faucet::OWNER_PER_MINUTE
        )),
        "{}",
        error(&again)
    );
    assert!(retry_after(&again).is_some_and(|s| (1..=60).contains(&s)));
    // Other owners, up to the total.
    let mut given = faucet::OWNER_PER_MINUTE;
    while given < faucet::TOTAL_PER_MINUTE {
        let r = ask(Pubkey::new_unique(), faucet::MAX_FAUCET).await;
        assert_eq!(r.status, 200, "{}", r.body);
        given += faucet::MAX_FAUCET;
    }
    let past = ask(Pubkey::new_unique(), 1).await;
    assert_eq!(past.status, 429);
    assert!(
        error(&past).starts_with(&format!(
            "the faucet gave {0} in the last minute; it gives at most {0} per minute in all (try again in ",
            faucet::TOTAL_PER_MINUTE
        )),
        "{}",
        error(&past)
    );
}
