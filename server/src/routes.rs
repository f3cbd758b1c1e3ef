//! The HTTP API: `POST /api/rtc-connect`, `POST /api/usage`, `GET /api/status`, `GET /healthz`.

use std::sync::Arc;
use std::time::Instant;

use axum::body::Body;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode, Uri};
use axum::middleware;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use hark_protocol::prices::Price;
use hark_protocol::sdp::{self, SdpError};
use hark_protocol::session::{SessionConfig, SessionSettings};
use http_body_util::{BodyExt, LengthLimitError, Limited};
use serde::Serialize;
use serde_json::Value;

use crate::budget::BudgetDoc;
use crate::config::{Limits, UpstreamApi};
use crate::error::ApiError;
use crate::guard::{self, Admission, Paired};
use crate::sideband::Sideband;
use crate::token::PairingToken;
use crate::upstream::Upstream;

/// Header carrying the upstream's call id (`rtc_…`) on a successful `/api/rtc-connect`.
pub const CALL_ID_HEADER: &str = "x-hark-call-id";
/// Header saying which upstream interface set the session up (`calls` or `legacy`).
pub const UPSTREAM_API_HEADER: &str = "x-hark-upstream-api";

/// How long a client may take to send its offer.
const BODY_READ_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// Which upstream the companion uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// OpenAI (or a compatible gateway) with the configured key: speech works.
    Openai,
    /// No key: the local peer; typed commands only.
    Local,
}

impl Mode {
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Openai => "openai",
            Mode::Local => "local",
        }
    }
}

/// Where offers go.
#[derive(Debug)]
pub enum Backend {
    Upstream(Arc<Upstream>),
    /// No upstream could be started; every offer is answered with this reason.
    Unavailable(&'static str),
}

#[derive(Debug)]
pub struct AppState {
    pub token: PairingToken,
    pub allowed_hosts: Vec<String>,
    pub allowed_origins: Vec<String>,
    pub mode: Mode,
    pub backend: Backend,
    pub session: SessionSettings,
    /// The session model's price (`Settings::price`), for the extension's cost meter.
    pub price: Option<Price>,
    pub limits: Limits,
    pub admission: Admission,
    /// With a daily budget: the budget and the companion's line to each live call.
    pub sideband: Option<Arc<Sideband>>,
}

pub type Shared = Arc<AppState>;

/// `GET /api/status`: what the extension's "Test connection" shows.
#[derive(Debug, Serialize, serde::Deserialize, PartialEq)]
pub struct StatusDoc {
    pub mode: String,
    pub model: String,
    pub voice: String,
    pub upstream_api: String,
    /// Whether speech (audio in, recognition, spoken answers) is available.
    pub speech: bool,
    /// Whether offers can be exchanged at all.
    pub ready: bool,
    /// With the legacy interface: the beta `session` object the extension must send as
    /// `{"type":"session.update","session": <this>}` once the data channel opens. `null` otherwise.
    pub session_update: Option<Value>,
    /// The session's transcription model: a language the person sets for the transcription is
    /// sent with it (`session.update` replaces the whole transcription object).
    #[serde(default)]
    pub transcription_model: Option<String>,
    /// The model's price (USD per 1M tokens) for the extension's cost meter; `null`: unknown.
    #[serde(default)]
    pub price: Option<Price>,
    /// The daily budget and today's spend; `null`: no budget.
    #[serde(default)]
    pub budget: Option<BudgetDoc>,
    pub version: String,
}

pub fn router(state: Shared) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/api/status", get(status))
        .route("/api/rtc-connect", post(rtc_connect))
        .route("/api/usage", post(usage))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(middleware::from_fn_with_state(state.clone(), guard::cors))
        .layer(middleware::from_fn_with_state(state.clone(), guard::check_host))
        .with_state(state)
}

async fn healthz(State(st): State<Shared>) -> impl IntoResponse {
    Json(serde_json::json!({ "status": "ok", "mode": st.mode.as_str() }))
}

async fn status(State(st): State<Shared>, _: Paired) -> Json<StatusDoc> {
    let (api, ready) = match &st.backend {
        Backend::Upstream(u) => (u.api(), true),
        Backend::Unavailable(_) => (UpstreamApi::Calls, false),
    };
    let session_update = (api == UpstreamApi::Legacy).then(|| SessionConfig::new(&st.session).to_beta_session());
    Json(StatusDoc {
        mode: st.mode.as_str().into(),
        model: st.session.model.clone(),
        voice: st.session.voice.clone(),
        upstream_api: api.as_str().into(),
        speech: st.mode == Mode::Openai && ready,
        ready,
        session_update,
        transcription_model: st.session.transcription_model.clone(),
        price: st.price,
        budget: st.sideband.as_ref().map(|sb| sb.budget().doc()),
        version: env!("CARGO_PKG_VERSION").into(),
    })
}

async fn rtc_connect(
    State(st): State<Shared>,
    _: Paired,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
        .unwrap_or_default();
    let mime = content_type.split(';').next().unwrap_or("").trim();
    if !mime.eq_ignore_ascii_case("application/sdp") {
        return Err(ApiError::UnsupportedMediaType(content_type.chars().take(100).collect()));
    }

    let limit = st.limits.max_body_bytes;
    let declared =
        headers.get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|s| s.parse::<usize>().ok());
    if let Some(n) = declared.filter(|&n| n > limit) {
        return Err(ApiError::OfferTooLarge { got: n, limit });
    }
    let read = tokio::time::timeout(BODY_READ_TIMEOUT, Limited::new(body, limit).collect()).await;
    let Ok(read) = read else {
        return Err(ApiError::BadBody(format!("the offer did not arrive within {} s", BODY_READ_TIMEOUT.as_secs())));
    };
    let offer = match read {
        Ok(c) => c.to_bytes(),
        Err(e) if e.downcast_ref::<LengthLimitError>().is_some() => {
            return Err(ApiError::OfferTooLarge { got: declared.unwrap_or(limit + 1), limit })
        }
        Err(e) => return Err(ApiError::BadBody(e.to_string())),
    };
    let summary = sdp::check_offer(&offer).map_err(|e| match e {
        SdpError::TooLarge(n) => ApiError::OfferTooLarge { got: n, limit: sdp::MAX_OFFER_BYTES },
        other => ApiError::InvalidOffer(other),
    })?;

    let upstream = match &st.backend {
        Backend::Upstream(u) => u,
        Backend::Unavailable(why) => return Err(ApiError::NoUpstream(why)),
    };
    if let Some(sb) = &st.sideband {
        sb.budget().admit().map_err(|doc| ApiError::BudgetSpent(Box::new(doc)))?;
    }
    let _permit = st.admission.admit()?;

    let started = Instant::now();
    let answer = upstream.exchange(offer).await?;
    tracing::info!(
        call_id = answer.call_id.as_deref().unwrap_or("-"),
        upstream = upstream.kind().who(),
        api = upstream.api().as_str(),
        offer_bytes = summary.bytes,
        answer_bytes = answer.sdp.len(),
        upstream_ms = started.elapsed().as_millis() as u64,
        "session set up"
    );

    if let (Some(sb), Some(id)) = (&st.sideband, &answer.call_id) {
        sb.watch(id.clone());
    }

    let mut resp = (StatusCode::OK, answer.sdp).into_response();
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/sdp"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(UPSTREAM_API_HEADER, HeaderValue::from_static(upstream.api().as_str()));
    if let Some(id) = answer.call_id.as_deref().and_then(|id| HeaderValue::from_str(id).ok()) {
        h.insert(CALL_ID_HEADER, id);
    }
    Ok(resp)
}

/// `POST /api/usage`: the extension's meter for its call, `{"call_id", "cost_usd"}` (cumulative).
/// The budget counts it where the companion's own sideband reading is lower (it was lost).
#[derive(Debug, serde::Deserialize)]
struct UsageReport {
    call_id: String,
    cost_usd: f64,
}

/// Usage reports are a few dozen bytes.
const MAX_USAGE_BYTES: usize = 4096;

async fn usage(State(st): State<Shared>, _: Paired, body: Body) -> Result<Json<Value>, ApiError> {
    let bytes = tokio::time::timeout(BODY_READ_TIMEOUT, Limited::new(body, MAX_USAGE_BYTES).collect())
        .await
        .map_err(|_| ApiError::BadUsage("the report did not arrive in time".into()))?
        .map_err(|_| ApiError::BadUsage(format!("the report is larger than {MAX_USAGE_BYTES} bytes")))?
        .to_bytes();
    let report: UsageReport = serde_json::from_slice(&bytes).map_err(|e| ApiError::BadUsage(e.to_string()))?;
    if report.call_id.is_empty() || report.call_id.len() > 128 {
        return Err(ApiError::BadUsage("call_id must be the call's id (1 to 128 characters)".into()));
    }
    if !report.cost_usd.is_finite() || report.cost_usd < 0.0 {
        return Err(ApiError::BadUsage(format!("cost_usd {} is not an amount", report.cost_usd)));
    }
    let Some(sb) = &st.sideband else {
        return Ok(Json(serde_json::json!({ "budget": null })));
    };
    if sb.budget().reported(&report.call_id, report.cost_usd) {
        let sb = sb.clone();
        tokio::spawn(async move { sb.spent().await });
    }
    Ok(Json(serde_json::json!({ "budget": sb.budget().doc() })))
}

async fn method_not_allowed(method: axum::http::Method, uri: Uri) -> ApiError {
    ApiError::MethodNotAllowed { method: method.to_string(), path: uri.path().chars().take(200).collect() }
}

async fn not_found(uri: Uri) -> ApiError {
    ApiError::NotFound(uri.path().chars().take(200).collect())
}
