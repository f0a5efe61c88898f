//! A minimal HTTP/1.1 client over a plain socket, for tests of the local services (the faucet,
//! the keeper's metrics, the indexer) without pulling an HTTP client crate into them.

use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Sends `method path` with an optional JSON `body` and returns the status and the body.
pub async fn request(
    addr: std::net::SocketAddr,
    method: &str,
    path: &str,
    body: Option<&str>,
) -> std::io::Result<(u16, String)> {
    let body = body.unwrap_or("");
    let req = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let out = raw(addr, &req).await?;
    let status = out
        .get(9..12)
        .and_then(|c| c.parse().ok())
        .ok_or_else(|| std::io::Error::other(format!("not an HTTP response: {out:.40}")))?;
    let body = out.split_once("\r\n\r\n").map_or("", |(_, b)| b);
    Ok((status, body.to_string()))
}

/// Sends `request` (a whole HTTP/1.1 request, with `Connection: close`) and returns the whole
/// response, head and body.
pub async fn raw(addr: std::net::SocketAddr, request: &str) -> std::io::Result<String> {
    let mut s = tokio::net::TcpStream::connect(addr).await?;
    s.write_all(request.as_bytes()).await?;
    let mut out = String::new();
    s.read_to_string(&mut out).await?;
    Ok(out)
}
