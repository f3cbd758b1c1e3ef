//! The HTTP API: OpenAI's call endpoints (`/v1/realtime/calls`, `/v1/realtime?model=`, hangup)
//! and the loopback-only control endpoints under `/_peer/` (who may use which: `access.rs`).

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::ws::rejection::WebSocketUpgradeRejection;
use axum::extract::ws::{close_code, CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::extract::{ConnectInfo, FromRequest, Multipart, Path, Query, Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use hark_protocol::events::{ErrorBody, HttpErrorDoc};
use hark_protocol::sdp::check_offer;
use serde::Deserialize;
use serde_json::{json, Value};
use tokio::sync::broadcast;

use crate::conversation::new_id;
use crate::rtc::{start_call, CallSpec};
use crate::script::{CallHandle, Command, Faults, ToolInvocation};
use crate::session::{self, Flavour};
use crate::PeerShared;

/// An OpenAI-shaped HTTP error.
pub struct ApiError {
    status: StatusCode,
    body: Box<ErrorBody>,
    retry_after: Option<u64>,
}

impl ApiError {
    fn new(status: StatusCode, body: ErrorBody) -> Self {
        ApiError { status, body: Box::new(body), retry_after: None }
    }
    fn bad_request(body: ErrorBody) -> Self {
        Self::new(StatusCode::BAD_REQUEST, body)
    }
    fn invalid(code: &str, message: impl Into<String>, param: Option<&str>) -> Self {
        Self::bad_request(session::invalid(code, message, param))
    }

    /// The error OpenAI sends for this status (used by the fault knobs).
    pub fn for_status(status: u16, retry_after: Option<u64>) -> Self {
        let s = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let (kind, code, message) = match status {
            401 => ("invalid_request_error", Some("invalid_api_key"), "Incorrect API key provided. You can find your API key at https://platform.openai.com/account/api-keys.".to_string()),
            403 => ("invalid_request_error", Some("model_not_found"), "Project does not have access to model `gpt-realtime`.".to_string()),
            429 => ("requests", Some("rate_limit_exceeded"), format!("Rate limit reached for gpt-realtime. Please try again in {}s.", retry_after.unwrap_or(1))),
            500..=599 => ("server_error", None, "The server had an error while processing your request. Sorry about that!".to_string()),
            _ => ("invalid_request_error", None, format!("Request failed with status {status}.")),
        };
        ApiError {
            status: s,
            body: Box::new(ErrorBody {
                kind: kind.into(),
                code: code.map(str::to_string),
                message,
                param: None,
                event_id: None,
            }),
            retry_after: if status == 429 { Some(retry_after.unwrap_or(1)) } else { retry_after },
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut body = serde_json::to_value(HttpErrorDoc { error: *self.body }).expect("error doc serializes");
        if let Some(e) = body.get_mut("error").and_then(Value::as_object_mut) {
            e.remove("event_id");
        }
        let mut r = (self.status, Json(body)).into_response();
        if let Some(s) = self.retry_after {
            r.headers_mut().insert(header::RETRY_AFTER, s.into());
        }
        r
    }
}

pub(crate) fn router(shared: Arc<PeerShared>) -> Router {
    let control = Router::new()
        .route("/_peer/calls", get(list_calls))
        .route("/_peer/load", get(load))
        .route("/_peer/calls/{id}", get(call_info))
        .route("/_peer/calls/{id}/events", get(call_events))
        .route("/_peer/calls/{id}/audio", get(call_audio))
        .route("/_peer/calls/{id}/wait_open", post(wait_open))
        .route("/_peer/calls/{id}/tools", post(call_tools))
        .route("/_peer/calls/{id}/say", post(say))
        .route("/_peer/calls/{id}/transcript", post(transcript))
        .route("/_peer/calls/{id}/close_channel", post(close_channel))
        .route("/_peer/calls/{id}/send_raw", post(send_raw))
        .route("/_peer/calls/{id}/stop_media", post(stop_media))
        .route("/_peer/calls/{id}/hangup", post(control_hangup))
        .route("/_peer/calls/{id}/cut_sideband", post(control_cut_sideband))
        .route("/_peer/wait_call", get(wait_call))
        .route("/_peer/faults", get(get_faults).put(put_faults).delete(clear_faults))
        .route("/_peer/on_open", get(get_on_open).put(put_on_open).delete(clear_on_open))
        .layer(middleware::from_fn_with_state(shared.clone(), local_only))
        .route_layer(middleware::from_fn(crate::access::control_host));
    let api = Router::new()
        .route("/v1/realtime/calls", post(create_call))
        .route("/v1/realtime", post(create_call_beta).get(sideband))
        .route("/v1/realtime/calls/{id}/hangup", post(hangup))
        .route_layer(middleware::from_fn_with_state(shared.clone(), crate::access::required_key));
    let api = if shared.config.control_api { api.merge(control) } else { api };
    api.with_state(shared)
}

fn check_key(headers: &HeaderMap) -> Result<(), ApiError> {
    let auth = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).unwrap_or("");
    let Some(key) = auth.strip_prefix("Bearer ") else {
        return Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            ErrorBody {
                kind: "invalid_request_error".into(),
                code: Some("invalid_api_key".into()),
                message: "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).".into(),
                param: None,
                event_id: None,
            },
        ));
    };
    let key = key.trim();
    let ok = (key.starts_with("sk-") || key.starts_with("ek_"))
        && key.len() >= 8
        && key.chars().all(|c| c.is_ascii_graphic());
    if !ok {
        let shown: String = key.chars().take(6).collect();
        let mut e = ApiError::for_status(401, None);
        e.body.message = format!("Incorrect API key provided: {shown}***. You can find your API key at https://platform.openai.com/account/api-keys.");
        return Err(e);
    }
    Ok(())
}

/// What OpenAI answers to the beta interface since 2026-05-12.
fn beta_disabled() -> ApiError {
    ApiError::invalid(
        "beta_api_shape_disabled",
        "The Realtime Beta API is no longer supported. Please use /v1/realtime for the GA API.",
        None,
    )
}

fn check_beta(shared: &PeerShared, headers: &HeaderMap, beta_path: bool) -> Result<(), ApiError> {
    let beta_header =
        headers.get("openai-beta").and_then(|v| v.to_str().ok()).is_some_and(|v| v.contains("realtime=v1"));
    if (beta_path || beta_header) && !shared.config.accept_beta_api {
        return Err(beta_disabled());
    }
    Ok(())
}

/// Apply the fault knobs: an injected HTTP error, then (later) a delay.
fn injected_failure(shared: &PeerShared) -> Option<ApiError> {
    let mut faults = shared.faults.lock().expect("faults lock");
    let fail = faults.fail.clone()?;
    match fail.times {
        Some(0) => {
            faults.fail = None;
            return None;
        }
        Some(n) => {
            faults.fail.as_mut().expect("checked").times = Some(n - 1);
            if n == 1 {
                faults.fail = None;
            }
        }
        None => {}
    }
    Some(ApiError::for_status(fail.status, fail.retry_after_secs))
}

/// Seconds a refused client is told to wait before trying again.
const CALL_LIMIT_RETRY_AFTER_SECS: u64 = 2;

/// A place for one more live call (held by the call's task until it ends), or an immediate 429:
/// the peer never queues a call it cannot take.
fn call_slot(shared: &PeerShared) -> Result<tokio::sync::OwnedSemaphorePermit, ApiError> {
    shared.call_slots.clone().try_acquire_owned().map_err(|_| {
        let max = shared.config.max_calls;
        tracing::info!(max_calls = max, "call refused: the call limit is reached");
        ApiError {
            status: StatusCode::TOO_MANY_REQUESTS,
            body: Box::new(ErrorBody {
                kind: "requests".into(),
                code: Some("session_limit_reached".into()),
                message: format!(
                    "The local peer already has {max} calls open, its limit (max_calls). End a \
session (stop Hark in another tab or browser) or wait for one to end (a call that never connects \
ends after {} s), then try again.",
                    shared.config.connect_timeout.as_secs().max(1)
                ),
                param: None,
                event_id: None,
            }),
            retry_after: Some(CALL_LIMIT_RETRY_AFTER_SECS),
        }
    })
}

fn answer_delay(shared: &PeerShared) -> Duration {
    Duration::from_millis(shared.faults.lock().expect("faults lock").answer_delay_ms)
}

async fn answer(
    shared: Arc<PeerShared>,
    offer: Vec<u8>,
    session: Value,
    flavour: Flavour,
) -> Result<Response, ApiError> {
    check_offer(&offer).map_err(|e| ApiError::invalid("invalid_offer", e.to_string(), Some("sdp")))?;
    let offer = String::from_utf8(offer)
        .map_err(|_| ApiError::invalid("invalid_offer", "the offer is not UTF-8 text", Some("sdp")))?;
    let slot = call_slot(&shared)?;
    let delay = answer_delay(&shared);
    let id = new_id("rtc");
    let spec = CallSpec {
        id: id.clone(),
        offer,
        session,
        flavour,
        media_ip: shared.config.media_ip,
        local_mode: shared.config.local_mode,
        on_open: shared.on_open.lock().expect("on_open lock").clone(),
        connect_timeout: shared.config.connect_timeout,
        slot,
    };
    let (handle, sdp) =
        start_call(spec).await.map_err(|e| ApiError::invalid("invalid_offer", e.to_string(), Some("sdp")))?;
    shared.register(handle);
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    Ok((
        StatusCode::CREATED,
        [(header::CONTENT_TYPE, "application/sdp".to_string()), (header::LOCATION, format!("/v1/realtime/calls/{id}"))],
        sdp,
    )
        .into_response())
}

async fn create_call(
    State(shared): State<Arc<PeerShared>>,
    headers: HeaderMap,
    req: Request,
) -> Result<Response, ApiError> {
    check_key(&headers)?;
    check_beta(&shared, &headers, false)?;
    if let Some(e) = injected_failure(&shared) {
        return Err(e);
    }
    let content_type =
        headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("").to_ascii_lowercase();
    let (offer, session) = if content_type.starts_with("multipart/form-data") {
        let mut form = Multipart::from_request(req, &shared)
            .await
            .map_err(|e| ApiError::invalid("invalid_request", format!("Could not parse multipart form: {e}"), None))?;
        let mut sdp = None;
        let mut session = None;
        while let Some(field) = form
            .next_field()
            .await
            .map_err(|e| ApiError::invalid("invalid_request", format!("Could not parse multipart form: {e}"), None))?
        {
            let name = field.name().unwrap_or("").to_string();
            let data = field.bytes().await.map_err(|e| {
                ApiError::invalid("invalid_request", format!("Could not read field '{name}': {e}"), Some(&name))
            })?;
            match name.as_str() {
                "sdp" => sdp = Some(data.to_vec()),
                "session" => session = Some(data.to_vec()),
                other => {
                    return Err(ApiError::invalid(
                        "unknown_parameter",
                        format!("Unknown parameter: '{other}'."),
                        Some(other),
                    ))
                }
            }
        }
        (sdp, session)
    } else if content_type.starts_with("application/sdp") || content_type.is_empty() {
        let body = axum::body::to_bytes(req.into_body(), 1024 * 1024)
            .await
            .map_err(|e| ApiError::invalid("invalid_request", format!("Could not read the body: {e}"), None))?;
        (Some(body.to_vec()), None)
    } else {
        return Err(ApiError::invalid(
            "invalid_request",
            format!("Unsupported content type '{content_type}': send multipart/form-data with 'sdp' and 'session', or application/sdp."),
            None,
        ));
    };
    let offer = offer.ok_or_else(|| {
        ApiError::invalid("missing_required_parameter", "Missing required parameter: 'sdp'.", Some("sdp"))
    })?;
    let session = match session {
        None => session::default_session(hark_protocol::session::DEFAULT_MODEL),
        Some(bytes) => {
            let v: Value = serde_json::from_slice(&bytes).map_err(|e| {
                ApiError::invalid(
                    "invalid_json",
                    format!("The 'session' field is not valid JSON: {e}."),
                    Some("session"),
                )
            })?;
            session::check_session(&v, Flavour::Ga).map_err(ApiError::bad_request)?;
            v
        }
    };
    answer(shared, offer, session, Flavour::Ga).await
}

#[derive(Deserialize)]
struct ModelQuery {
    model: Option<String>,
}

async fn create_call_beta(
    State(shared): State<Arc<PeerShared>>,
    headers: HeaderMap,
    Query(q): Query<ModelQuery>,
    body: axum::body::Bytes,
) -> Result<Response, ApiError> {
    check_key(&headers)?;
    check_beta(&shared, &headers, true)?;
    if let Some(e) = injected_failure(&shared) {
        return Err(e);
    }
    let model = q.model.ok_or_else(|| {
        ApiError::invalid("missing_required_parameter", "Missing required parameter: 'model'.", Some("model"))
    })?;
    session::check_model(&model, Some("model")).map_err(ApiError::bad_request)?;
    let mut s = session::default_session(&model);
    // The beta path reports sessions in the beta shape.
    if let Ok(cfg) = serde_json::from_value::<hark_protocol::session::SessionConfig>(s.clone()) {
        s = cfg.to_beta_session();
        s["model"] = json!(model);
    }
    answer(shared, body.to_vec(), s, Flavour::Beta).await
}

fn find_call(shared: &PeerShared, id: &str) -> Option<CallHandle> {
    let calls = shared.calls.lock().expect("calls lock");
    if id == "latest" {
        return calls.last().cloned();
    }
    calls.iter().find(|c| c.id() == id).cloned()
}

async fn hangup(
    State(shared): State<Arc<PeerShared>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    check_key(&headers)?;
    let Some(call) = find_call(&shared, &id).filter(|_| id != "latest") else {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            session::invalid("call_not_found", format!("Call '{id}' not found."), Some("call_id")),
        ));
    };
    let _ = call.hangup();
    Ok(StatusCode::OK.into_response())
}

#[derive(Deserialize)]
struct SidebandQuery {
    call_id: Option<String>,
}

/// `GET /v1/realtime?call_id=rtc_…` upgraded to a WebSocket: the "sideband" connection a server
/// holds to a live call with its standard key. It gets the call's server events as they are sent
/// to the data channel, and its client events act on the call.
async fn sideband(
    State(shared): State<Arc<PeerShared>>,
    headers: HeaderMap,
    Query(q): Query<SidebandQuery>,
    upgrade: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> Result<Response, ApiError> {
    check_key(&headers)?;
    let Some(id) = q.call_id.filter(|id| !id.is_empty()) else {
        return Err(ApiError::bad_request(session::invalid(
            "missing_required_parameter",
            "Missing required parameter: 'call_id'.",
            Some("call_id"),
        )));
    };
    let Some(call) = find_call(&shared, &id).filter(|c| id != "latest" && !c.info().ended) else {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            session::invalid("call_not_found", format!("Call '{id}' not found."), Some("call_id")),
        ));
    };
    if *call.shared.sideband_cut.borrow() {
        return Err(ApiError::for_status(503, None));
    }
    let upgrade = upgrade.map_err(|e| {
        ApiError::bad_request(session::invalid("invalid_request", format!("The sideband is a WebSocket: {e}"), None))
    })?;
    Ok(upgrade.on_upgrade(move |socket| serve_sideband(socket, call)))
}

async fn serve_sideband(mut socket: WebSocket, call: CallHandle) {
    let mut events = call.shared.sideband.subscribe();
    let mut cut = call.shared.sideband_cut.subscribe();
    call.shared.update(|s| {
        s.info.sidebands_open += 1;
        s.info.sidebands_ever += 1;
    });
    let mut ended = call.info().ended;
    while !ended {
        tokio::select! {
            ev = events.recv() => match ev {
                Ok(Some(text)) => {
                    if socket.send(Message::Text(text.as_ref().into())).await.is_err() {
                        break;
                    }
                }
                Ok(None) | Err(broadcast::error::RecvError::Closed) => ended = true,
                Err(broadcast::error::RecvError::Lagged(n)) => {
                    tracing::warn!(call = %call.id(), "sideband too slow: {n} events dropped");
                }
            },
            m = socket.recv() => match m {
                Some(Ok(Message::Text(text))) => {
                    if call.send(Command::SidebandText(text.to_string())).is_err() {
                        ended = true;
                    }
                }
                Some(Ok(Message::Close(_))) | Some(Err(_)) | None => break,
                Some(Ok(_)) => {}
            },
            // A cut drops the connection with no closing handshake, like a network failure.
            _ = async { cut.wait_for(|c| *c).await.is_ok() } => {
                call.shared.update(|s| s.info.sidebands_open -= 1);
                return;
            }
        }
    }
    if ended {
        let _ = socket
            .send(Message::Close(Some(CloseFrame { code: close_code::NORMAL, reason: "call ended".into() })))
            .await;
    }
    call.shared.update(|s| s.info.sidebands_open -= 1);
}

// ---------------------------------------------------------------- control endpoints (/_peer)

async fn local_only(
    State(shared): State<Arc<PeerShared>>,
    ConnectInfo(remote): ConnectInfo<SocketAddr>,
    req: Request,
    next: Next,
) -> Response {
    let ip = remote.ip();
    if ip.is_loopback() || ip == shared.local_addr.ip() {
        next.run(req).await
    } else {
        (StatusCode::FORBIDDEN, Json(json!({"error": "the control endpoints answer this machine only"})))
            .into_response()
    }
}

/// A control endpoint's failure: `{"error": "..."}` with a status.
pub struct ControlError(StatusCode, String);

impl IntoResponse for ControlError {
    fn into_response(self) -> Response {
        (self.0, Json(json!({ "error": self.1 }))).into_response()
    }
}

impl From<crate::ScriptError> for ControlError {
    fn from(e: crate::ScriptError) -> Self {
        let status = match e {
            crate::ScriptError::Timeout(..) => StatusCode::REQUEST_TIMEOUT,
            crate::ScriptError::CallEnded(_) => StatusCode::GONE,
        };
        ControlError(status, e.to_string())
    }
}

type Control = Result<Response, ControlError>;

fn call_or_404(shared: &PeerShared, id: &str) -> Result<CallHandle, ControlError> {
    find_call(shared, id).ok_or_else(|| ControlError(StatusCode::NOT_FOUND, format!("no call '{id}'")))
}

fn timeout_of(q: &HashMap<String, String>) -> Duration {
    Duration::from_millis(q.get("timeout_ms").and_then(|v| v.parse().ok()).unwrap_or(20_000))
}

fn ok() -> Control {
    Ok(Json(json!({"ok": true})).into_response())
}

async fn list_calls(State(shared): State<Arc<PeerShared>>) -> Response {
    let calls: Vec<_> = shared.calls.lock().expect("calls lock").iter().map(|c| c.info()).collect();
    Json(calls).into_response()
}

/// How many calls are open against the limit, and how many were ever started (cheap to poll).
async fn load(State(s): State<Arc<PeerShared>>) -> Response {
    Json(json!({
        "live_calls": s.live_calls(),
        "max_calls": s.config.max_calls,
        "started": s.started.load(std::sync::atomic::Ordering::SeqCst),
    }))
    .into_response()
}

async fn call_info(State(s): State<Arc<PeerShared>>, Path(id): Path<String>) -> Control {
    Ok(Json(call_or_404(&s, &id)?.info()).into_response())
}

async fn call_events(State(s): State<Arc<PeerShared>>, Path(id): Path<String>) -> Control {
    Ok(Json(call_or_404(&s, &id)?.received_events()).into_response())
}

async fn call_audio(State(s): State<Arc<PeerShared>>, Path(id): Path<String>) -> Control {
    Ok(Json(call_or_404(&s, &id)?.audio_stats()).into_response())
}

async fn wait_open(
    State(s): State<Arc<PeerShared>>,
    Path(id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Control {
    let c = call_or_404(&s, &id)?;
    let info = c.wait_for("the data channel to open", timeout_of(&q), |i| i.channel_open).await?;
    Ok(Json(info).into_response())
}

#[derive(Deserialize)]
struct ToolsBody {
    calls: Vec<ToolInvocation>,
    /// Wait for every output (default true).
    #[serde(default = "yes")]
    wait: bool,
    #[serde(default)]
    timeout_ms: Option<u64>,
}

fn yes() -> bool {
    true
}

async fn call_tools(State(s): State<Arc<PeerShared>>, Path(id): Path<String>, Json(body): Json<ToolsBody>) -> Control {
    let c = call_or_404(&s, &id)?;
    let ids = c.start_tools(body.calls).await?;
    let mut outputs = Vec::new();
    if body.wait {
        let t = Duration::from_millis(body.timeout_ms.unwrap_or(20_000));
        for id in &ids {
            outputs.push(c.wait_output(id, t).await?);
        }
    }
    Ok(Json(json!({ "call_ids": ids, "outputs": outputs })).into_response())
}

#[derive(Deserialize)]
struct TranscriptBody {
    transcript: String,
}

async fn say(State(s): State<Arc<PeerShared>>, Path(id): Path<String>, Json(b): Json<TranscriptBody>) -> Control {
    call_or_404(&s, &id)?.say(&b.transcript)?;
    ok()
}

async fn transcript(
    State(s): State<Arc<PeerShared>>,
    Path(id): Path<String>,
    Json(b): Json<TranscriptBody>,
) -> Control {
    call_or_404(&s, &id)?.queue_transcript(&b.transcript)?;
    ok()
}

async fn close_channel(State(s): State<Arc<PeerShared>>, Path(id): Path<String>) -> Control {
    call_or_404(&s, &id)?.close_channel()?;
    ok()
}

#[derive(Deserialize)]
struct RawBody {
    text: String,
}

async fn send_raw(State(s): State<Arc<PeerShared>>, Path(id): Path<String>, Json(b): Json<RawBody>) -> Control {
    call_or_404(&s, &id)?.send_raw(&b.text)?;
    ok()
}

#[derive(Deserialize)]
struct StopBody {
    #[serde(default = "yes")]
    stop: bool,
}

async fn stop_media(State(s): State<Arc<PeerShared>>, Path(id): Path<String>, body: Option<Json<StopBody>>) -> Control {
    let stop = body.map(|b| b.stop).unwrap_or(true);
    call_or_404(&s, &id)?.stop_media(stop)?;
    ok()
}

async fn control_cut_sideband(State(s): State<Arc<PeerShared>>, Path(id): Path<String>) -> Control {
    call_or_404(&s, &id)?.cut_sideband();
    ok()
}

async fn control_hangup(State(s): State<Arc<PeerShared>>, Path(id): Path<String>) -> Control {
    call_or_404(&s, &id)?.hangup()?;
    ok()
}

async fn wait_call(State(s): State<Arc<PeerShared>>, Query(q): Query<HashMap<String, String>>) -> Response {
    let n: usize = q.get("count").and_then(|v| v.parse().ok()).unwrap_or(1).max(1);
    let deadline = tokio::time::Instant::now() + timeout_of(&q);
    loop {
        if let Some(c) = s.nth_call(n) {
            return Json(c.info()).into_response();
        }
        if s.started.load(std::sync::atomic::Ordering::SeqCst) >= n {
            return ControlError(StatusCode::GONE, format!("call number {n} ended and was forgotten")).into_response();
        }
        if tokio::time::Instant::now() >= deadline {
            return ControlError(StatusCode::REQUEST_TIMEOUT, format!("no call number {n} yet")).into_response();
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn get_faults(State(s): State<Arc<PeerShared>>) -> Response {
    Json(s.faults.lock().expect("faults lock").clone()).into_response()
}

async fn put_faults(State(s): State<Arc<PeerShared>>, Json(f): Json<Faults>) -> Response {
    *s.faults.lock().expect("faults lock") = f.clone();
    Json(f).into_response()
}

async fn clear_faults(State(s): State<Arc<PeerShared>>) -> Response {
    *s.faults.lock().expect("faults lock") = Faults::default();
    Json(Faults::default()).into_response()
}

#[derive(Deserialize, serde::Serialize)]
struct OnOpen {
    calls: Vec<ToolInvocation>,
}

async fn get_on_open(State(s): State<Arc<PeerShared>>) -> Response {
    Json(OnOpen { calls: s.on_open.lock().expect("on_open lock").clone() }).into_response()
}

async fn put_on_open(State(s): State<Arc<PeerShared>>, Json(b): Json<OnOpen>) -> Response {
    *s.on_open.lock().expect("on_open lock") = b.calls.clone();
    Json(b).into_response()
}

async fn clear_on_open(State(s): State<Arc<PeerShared>>) -> Response {
    s.on_open.lock().expect("on_open lock").clear();
    Json(OnOpen { calls: vec![] }).into_response()
}
