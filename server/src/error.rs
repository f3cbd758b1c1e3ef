//! Every failure a person can hit at the companion, typed, each with its own HTTP status, a stable
//! machine-readable `code` and a message that says what to do. Rendered as
//! `{"error":{"code":"...","message":"..."}}`.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use hark_protocol::sdp::SdpError;
use serde::Serialize;
use thiserror::Error;

use crate::upstream::UpstreamKind;

/// Errors answered by the companion's HTTP API.
#[derive(Debug, Error)]
pub enum ApiError {
    #[error(
        "this companion only answers requests addressed to {expected}; the Host header was {got:?}. \
If you reached it through another name, use http://127.0.0.1:PORT in the extension's options."
    )]
    HostNotAllowed { got: String, expected: String },

    #[error(
        "origin {0:?} is not allowed to use this companion. Only the Hark extension may call it; \
add the extension's origin with --allowed-origin (or HARK_ALLOWED_ORIGINS) if you built your own copy."
    )]
    OriginNotAllowed(String),

    #[error(
        "no pairing token: send the token printed by hark-companion at first start as \
'Authorization: Bearer <token>' (paste it into Hark's options under 'Pairing token')."
    )]
    MissingToken,

    #[error(
        "the pairing token is wrong: copy it again from the companion's token file (hark-companion \
--print-token shows it) into Hark's options under 'Pairing token'."
    )]
    InvalidToken,

    #[error("send the SDP offer with 'Content-Type: application/sdp' (got {0:?})")]
    UnsupportedMediaType(String),

    #[error(
        "the offer is too large ({got} bytes; the limit is {limit}). A browser's offer is a few KB: \
send the RTCPeerConnection's localDescription.sdp only."
    )]
    OfferTooLarge { got: usize, limit: usize },

    #[error("the SDP offer was rejected before contacting the upstream: {0}")]
    InvalidOffer(SdpError),

    #[error("the request body could not be read: {0}")]
    BadBody(String),

    #[error(
        "too many sessions started with this pairing token: the limit is {per_minute} per minute. \
Wait {retry_after_secs} s and try again."
    )]
    RateLimited { per_minute: u32, retry_after_secs: u64 },

    #[error(
        "the companion is already setting up {0} sessions at once, its limit (--max-concurrent, \
HARK_MAX_CONCURRENT); none was queued. Wait a second and start Hark again."
    )]
    Busy(usize),

    #[error(
        "no upstream is available: {0}. Speech needs an OpenAI key: start hark-companion with \
OPENAI_API_KEY set (or --api-key-file)."
    )]
    NoUpstream(&'static str),

    #[error(transparent)]
    Upstream(#[from] UpstreamError),

    #[error("{}", .0.message.as_deref().unwrap_or("today's budget is spent"))]
    BudgetSpent(Box<crate::budget::BudgetDoc>),

    #[error("the usage report is not valid: {0}. Send {{\"call_id\": \"rtc_…\", \"cost_usd\": <number ≥ 0>}}.")]
    BadUsage(String),

    #[error("{method} is not supported on {path}: use POST /api/rtc-connect, POST /api/usage, GET /api/status or GET /healthz.")]
    MethodNotAllowed { method: String, path: String },

    #[error("no such endpoint: {0}. The companion serves POST /api/rtc-connect, POST /api/usage, GET /api/status and GET /healthz.")]
    NotFound(String),
}

/// Failures talking to the upstream (OpenAI or the local peer). `who` names it in messages.
#[derive(Debug, Error)]
pub enum UpstreamError {
    #[error(
        "{who} rejected the companion's API key (HTTP 401): {detail}. Check OPENAI_API_KEY or the \
key file on the machine running hark-companion, then restart it."
    )]
    Unauthorized { who: &'static str, detail: String },

    #[error(
        "{who} refused access (HTTP 403): {detail}. The key's project may not have access to model \
{model:?}: enable it at platform.openai.com or choose another with --model."
    )]
    Forbidden { who: &'static str, detail: String, model: String },

    #[error("{who} refused a new session for now (HTTP 429): {detail}. Wait {wait} and try again.")]
    RateLimited { who: &'static str, detail: String, retry_after: Option<HeaderValue>, wait: String },

    #[error(
        "the key's account is out of quota (HTTP 429): {detail}. Add credit or raise the spending \
limit at platform.openai.com/account/billing, then try again."
    )]
    QuotaExceeded { who: &'static str, detail: String },

    #[error(
        "{who} refused the session (HTTP {status}): {detail}. Check the companion's model, voice and \
instructions settings."
    )]
    Rejected { who: &'static str, status: u16, detail: String },

    #[error(
        "{who} had a server error (HTTP {status}): {detail}. This is on their side: try again in a \
minute (status.openai.com shows outages)."
    )]
    ServerError { who: &'static str, status: u16, detail: String },

    #[error(
        "could not reach {who} at {url}: {detail}. Check the machine's network connection and the \
companion's --upstream-url."
    )]
    Unreachable { who: &'static str, url: String, detail: String },

    #[error(
        "connecting to {who} at {url} timed out after {ms} ms. Check the network connection (or a \
firewall/proxy) and try again."
    )]
    ConnectTimeout { who: &'static str, url: String, ms: u64 },

    #[error(
        "{who} did not answer within {ms} ms. Try again; if it keeps happening, raise \
--upstream-timeout-ms."
    )]
    Timeout { who: &'static str, ms: u64 },

    #[error(
        "{who} sent a reply the companion cannot use: {detail}. If --upstream-url points at a proxy \
or gateway, check that it forwards /v1/realtime unchanged."
    )]
    Malformed { who: &'static str, detail: String },
}

impl UpstreamError {
    pub fn code(&self) -> &'static str {
        match self {
            UpstreamError::Unauthorized { .. } => "upstream_unauthorized",
            UpstreamError::Forbidden { .. } => "upstream_forbidden",
            // Local mode's peer refuses calls beyond its capacity with a 429: not OpenAI's limit.
            UpstreamError::RateLimited { who, .. } if *who == UpstreamKind::LocalPeer.who() => "local_peer_busy",
            UpstreamError::RateLimited { .. } => "upstream_rate_limited",
            UpstreamError::QuotaExceeded { .. } => "upstream_quota_exceeded",
            UpstreamError::Rejected { .. } => "upstream_rejected",
            UpstreamError::ServerError { .. } => "upstream_server_error",
            UpstreamError::Unreachable { .. } => "upstream_unreachable",
            UpstreamError::ConnectTimeout { .. } => "upstream_connect_timeout",
            UpstreamError::Timeout { .. } => "upstream_timeout",
            UpstreamError::Malformed { .. } => "upstream_malformed",
        }
    }

    pub fn status(&self) -> StatusCode {
        match self {
            UpstreamError::RateLimited { .. } | UpstreamError::QuotaExceeded { .. } => StatusCode::TOO_MANY_REQUESTS,
            UpstreamError::ConnectTimeout { .. } | UpstreamError::Timeout { .. } => StatusCode::GATEWAY_TIMEOUT,
            _ => StatusCode::BAD_GATEWAY,
        }
    }
}

impl ApiError {
    pub fn code(&self) -> &'static str {
        match self {
            ApiError::HostNotAllowed { .. } => "host_not_allowed",
            ApiError::OriginNotAllowed(_) => "origin_not_allowed",
            ApiError::MissingToken => "missing_token",
            ApiError::InvalidToken => "invalid_token",
            ApiError::UnsupportedMediaType(_) => "unsupported_media_type",
            ApiError::OfferTooLarge { .. } => "offer_too_large",
            ApiError::InvalidOffer(_) => "invalid_offer",
            ApiError::BadBody(_) => "bad_body",
            ApiError::RateLimited { .. } => "rate_limited",
            ApiError::Busy(_) => "busy",
            ApiError::NoUpstream(_) => "no_upstream",
            ApiError::Upstream(e) => e.code(),
            ApiError::BudgetSpent(_) => "daily_budget_spent",
            ApiError::BadUsage(_) => "bad_usage",
            ApiError::NotFound(_) => "not_found",
            ApiError::MethodNotAllowed { .. } => "method_not_allowed",
        }
    }

    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::HostNotAllowed { .. } => StatusCode::MISDIRECTED_REQUEST,
            ApiError::OriginNotAllowed(_) => StatusCode::FORBIDDEN,
            ApiError::MissingToken | ApiError::InvalidToken => StatusCode::UNAUTHORIZED,
            ApiError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::OfferTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::InvalidOffer(_) | ApiError::BadBody(_) => StatusCode::BAD_REQUEST,
            ApiError::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Busy(_) | ApiError::NoUpstream(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Upstream(e) => e.status(),
            ApiError::BudgetSpent(_) => StatusCode::TOO_MANY_REQUESTS,
            ApiError::BadUsage(_) => StatusCode::BAD_REQUEST,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
        }
    }

    fn retry_after(&self) -> Option<HeaderValue> {
        match self {
            ApiError::RateLimited { retry_after_secs, .. } => Some(HeaderValue::from(*retry_after_secs)),
            ApiError::Busy(_) => Some(HeaderValue::from_static("1")),
            ApiError::Upstream(UpstreamError::RateLimited { retry_after, .. }) => retry_after.clone(),
            _ => None,
        }
    }
}

/// The JSON error document the companion answers with.
#[derive(Debug, Serialize, serde::Deserialize, PartialEq)]
pub struct ErrorDoc {
    pub error: ErrorInfo,
}

#[derive(Debug, Serialize, serde::Deserialize, PartialEq)]
pub struct ErrorInfo {
    pub code: String,
    pub message: String,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        let doc = ErrorDoc { error: ErrorInfo { code: self.code().to_owned(), message: self.to_string() } };
        if status.is_server_error() || matches!(self, ApiError::Upstream(_)) {
            tracing::warn!(code = doc.error.code, status = status.as_u16(), message = %doc.error.message, "request failed");
        } else {
            tracing::info!(code = doc.error.code, status = status.as_u16(), message = %doc.error.message, "request refused");
        }
        let mut resp = (status, axum::Json(doc)).into_response();
        if let Some(v) = self.retry_after() {
            resp.headers_mut().insert(header::RETRY_AFTER, v);
        }
        if matches!(self, ApiError::MissingToken | ApiError::InvalidToken) {
            resp.headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer realm=\"hark-companion\""));
        }
        resp
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_local_peer_is_not_called_openais_rate_limit() {
        let refused = |who: &'static str| UpstreamError::RateLimited {
            who,
            detail: "\"The local peer already has 64 calls open\"".into(),
            retry_after: None,
            wait: "2 s".into(),
        };
        let local = ApiError::Upstream(refused(UpstreamKind::LocalPeer.who()));
        assert_eq!((local.status(), local.code()), (StatusCode::TOO_MANY_REQUESTS, "local_peer_busy"));
        assert!(local.to_string().starts_with("the local peer refused"), "{local}");
        let openai = ApiError::Upstream(refused(UpstreamKind::OpenAi.who()));
        assert_eq!(openai.code(), "upstream_rate_limited");
    }
}
