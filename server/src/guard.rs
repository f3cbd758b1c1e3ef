//! Who may talk to the companion: the Host check (DNS rebinding), CORS for the extension's
//! origins only, the pairing token, the per-token rate limit and the cap on concurrent set-ups.

use std::net::{IpAddr, SocketAddr};
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Instant;

use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::config::origin_allowed;
use crate::error::ApiError;
use crate::routes::Shared;

/// Response headers the extension may read (CORS `Access-Control-Expose-Headers`).
pub const EXPOSED_HEADERS: &str = "X-Hark-Call-Id, X-Hark-Upstream-Api, Retry-After";

/// The `Host` values this companion answers to: the loopback names and the bound address, each
/// with the bound port.
pub fn allowed_hosts(bound: SocketAddr) -> Vec<String> {
    let port = bound.port();
    let mut hosts = vec![format!("127.0.0.1:{port}"), format!("localhost:{port}"), format!("[::1]:{port}")];
    let ip = bound.ip();
    if !ip.is_unspecified() {
        let own = match ip {
            IpAddr::V4(v4) => format!("{v4}:{port}"),
            IpAddr::V6(v6) => format!("[{v6}]:{port}"),
        };
        if !hosts.contains(&own) {
            hosts.push(own);
        }
    }
    hosts
}

/// Refuses requests whose `Host` is not one of ours: a page on `evil.example` whose DNS name was
/// rebound to 127.0.0.1 still sends `Host: evil.example:8813`.
pub async fn check_host(State(st): State<Shared>, req: Request, next: Next) -> Response {
    let host = req
        .headers()
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .or_else(|| req.uri().authority().map(|a| a.as_str()))
        .map(str::to_owned);
    match host {
        Some(h) if st.allowed_hosts.iter().any(|a| a.eq_ignore_ascii_case(&h)) => {
            if !tracing::enabled!(tracing::Level::DEBUG) {
                return next.run(req).await;
            }
            let started = Instant::now();
            let (method, path) = (req.method().clone(), req.uri().path().to_owned());
            let resp = next.run(req).await;
            tracing::debug!(%method, path, status = resp.status().as_u16(), micros = started.elapsed().as_micros() as u64, "request");
            resp
        }
        other => {
            ApiError::HostNotAllowed { got: other.unwrap_or_default(), expected: st.allowed_hosts[..2].join(" or ") }
                .into_response()
        }
    }
}

/// CORS for the extension: requests carrying an `Origin` must come from an allowed extension
/// origin (anything else is refused with 403, preflights included); tools without an `Origin`
/// (curl, scripts) pass on to the token check.
pub async fn cors(State(st): State<Shared>, req: Request, next: Next) -> Response {
    let Some(origin) = req.headers().get(header::ORIGIN).cloned() else {
        return next.run(req).await;
    };
    let origin_str = origin.to_str().unwrap_or("");
    if !origin_allowed(&st.allowed_origins, origin_str) {
        return ApiError::OriginNotAllowed(origin_str.chars().take(200).collect()).into_response();
    }
    if req.method() == Method::OPTIONS && req.headers().contains_key(header::ACCESS_CONTROL_REQUEST_METHOD) {
        let private_network = req.headers().get("access-control-request-private-network").is_some_and(|v| v == "true");
        let mut resp = StatusCode::NO_CONTENT.into_response();
        let h = resp.headers_mut();
        h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
        h.insert(header::ACCESS_CONTROL_ALLOW_METHODS, HeaderValue::from_static("GET, POST, OPTIONS"));
        h.insert(header::ACCESS_CONTROL_ALLOW_HEADERS, HeaderValue::from_static("authorization, content-type"));
        h.insert(header::ACCESS_CONTROL_MAX_AGE, HeaderValue::from_static("600"));
        h.insert(header::VARY, HeaderValue::from_static("Origin"));
        if private_network {
            h.insert("access-control-allow-private-network", HeaderValue::from_static("true"));
        }
        return resp;
    }
    let mut resp = next.run(req).await;
    let h = resp.headers_mut();
    h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
    h.insert(header::ACCESS_CONTROL_EXPOSE_HEADERS, HeaderValue::from_static(EXPOSED_HEADERS));
    h.append(header::VARY, HeaderValue::from_static("Origin"));
    resp
}

/// Extractor that succeeds only with `Authorization: Bearer <pairing token>`.
#[derive(Debug)]
pub struct Paired;

impl FromRequestParts<Shared> for Paired {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, st: &Shared) -> Result<Self, Self::Rejection> {
        let value = parts.headers.get(header::AUTHORIZATION).ok_or(ApiError::MissingToken)?.as_bytes();
        const SCHEME: &[u8] = b"bearer ";
        if value.len() <= SCHEME.len() || !value[..SCHEME.len()].eq_ignore_ascii_case(SCHEME) {
            return Err(ApiError::MissingToken);
        }
        let presented = value[SCHEME.len()..].trim_ascii();
        if st.token.matches(presented) {
            Ok(Paired)
        } else {
            Err(ApiError::InvalidToken)
        }
    }
}

/// The per-token rate limit and the in-flight cap on session set-ups.
#[derive(Debug)]
pub struct Admission {
    limiter: Option<DefaultDirectRateLimiter>,
    per_minute: u32,
    inflight: Arc<Semaphore>,
    max_inflight: usize,
}

impl Admission {
    /// `per_minute == 0` turns the rate limit off.
    pub fn new(per_minute: u32, max_inflight: usize) -> Self {
        Admission {
            limiter: NonZeroU32::new(per_minute).map(|n| RateLimiter::direct(Quota::per_minute(n))),
            per_minute,
            inflight: Arc::new(Semaphore::new(max_inflight)),
            max_inflight,
        }
    }

    /// A permit to run one upstream exchange, or why not.
    pub fn admit(&self) -> Result<OwnedSemaphorePermit, ApiError> {
        let permit = self.inflight.clone().try_acquire_owned().map_err(|_| ApiError::Busy(self.max_inflight))?;
        if let Some(l) = &self.limiter {
            if let Err(not_until) = l.check() {
                let wait = not_until.wait_time_from(DefaultClock::default().now());
                return Err(ApiError::RateLimited {
                    per_minute: self.per_minute,
                    retry_after_secs: wait.as_secs_f64().ceil().max(1.0) as u64,
                });
            }
        }
        Ok(permit)
    }
}
