//! Who may use the peer's HTTP API (see docs/security.md, "Local mode").
//!
//! - The control endpoints (`/_peer/*`) read what a client sent and inject server events, so they
//!   are mounted only when [`crate::PeerConfig::control_api`] is on (tests and the standalone
//!   `hark-peer`; never the companion's local mode), answer only loopback connections
//!   (`http::local_only`) and only requests whose `Host` is an IP address or `localhost`
//!   ([`control_host`]): a page whose name a DNS rebinding points at 127.0.0.1 sends its own name.
//! - The realtime endpoints take any `sk-…` key, unless [`crate::PeerConfig::api_key`] names the
//!   one key to take ([`required_key`]; the companion's local mode sets a random one).

use std::net::IpAddr;
use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{header, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

use crate::http::ApiError;
use crate::PeerShared;

/// Whether `host` (a `Host` header: name or address, optional port) names this machine by
/// address or as `localhost`, never by a name a DNS answer could point here.
pub fn host_is_local(host: &str) -> bool {
    let name = if let Some(rest) = host.strip_prefix('[') {
        match rest.split_once(']') {
            Some((v6, port)) if port.is_empty() || port.starts_with(':') => v6,
            _ => return false,
        }
    } else {
        host.rsplit_once(':').map_or(host, |(name, _)| name)
    };
    name.eq_ignore_ascii_case("localhost") || name.parse::<IpAddr>().is_ok()
}

/// The control endpoints refuse a request whose `Host` is a name (421), or that has none.
pub(crate) async fn control_host(req: Request, next: Next) -> Response {
    let host = req.headers().get(header::HOST).and_then(|v| v.to_str().ok()).unwrap_or("");
    if host_is_local(host) {
        next.run(req).await
    } else {
        (
            StatusCode::MISDIRECTED_REQUEST,
            Json(json!({"error": "the control endpoints answer requests to 127.0.0.1, [::1] or localhost only"})),
        )
            .into_response()
    }
}

/// With a configured key, the realtime endpoints take that key only (401 like OpenAI otherwise).
pub(crate) async fn required_key(State(shared): State<Arc<PeerShared>>, req: Request, next: Next) -> Response {
    let Some(want) = shared.config.api_key.as_deref() else {
        return next.run(req).await;
    };
    let presented = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .unwrap_or("");
    if same(presented.as_bytes(), want.as_bytes()) {
        next.run(req).await
    } else {
        ApiError::for_status(401, None).into_response()
    }
}

/// Compares in time that depends on the lengths only.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |d, (x, y)| d | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_addresses_and_localhost_are_local_hosts() {
        for ok in ["127.0.0.1:8813", "127.0.0.1", "localhost:1", "LOCALHOST", "[::1]:80", "[::1]", "10.0.0.5:9"] {
            assert!(host_is_local(ok), "{ok}");
        }
        for bad in
            ["", "evil.example", "evil.example:8813", "127.0.0.1.nip.io:80", "localhost.evil.example", "[::1]x", "[::1"]
        {
            assert!(!host_is_local(bad), "{bad}");
        }
    }

    #[test]
    fn keys_compare_whole() {
        assert!(same(b"sk-abc", b"sk-abc"));
        assert!(!same(b"sk-abc", b"sk-abd") && !same(b"sk-ab", b"sk-abc") && !same(b"", b"sk"));
    }
}
