//! An in-process stand-in for OpenAI's Realtime HTTP API on 127.0.0.1, for tests and the
//! benchmark. It checks each request exactly as OpenAI documents it and answers as told:
//!
//! - `POST /v1/realtime/calls`: `Authorization: Bearer <key>`, `multipart/form-data` with exactly
//!   two fields, `sdp` (`application/sdp`, an offer passing `check_offer`) and `session`
//!   (`application/json`, equal to `SessionConfig::new(settings)`: GA shape, the tool catalogue).
//!   Success: `201 Created`, `application/sdp` answer, `Location: /v1/realtime/calls/rtc_…`.
//! - `POST /v1/realtime?model=<model>`: the raw offer as `application/sdp`.
//!
//! A request that breaks the contract gets OpenAI's 400 error document and is recorded in
//! [`FakeUpstream::problems`], so a test sees both.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::{FromRequest, Query, Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;
use hark_protocol::sdp::check_offer;
use hark_protocol::session::{SessionConfig, SessionSettings};
use hark_protocol::tools;
use serde_json::{json, Value};
use tokio::sync::oneshot;

/// A minimal answer SDP as OpenAI returns it (ICE-lite, audio + data channel).
pub const ANSWER_SDP: &str = "v=0\r\no=- 7240123456789012345 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\na=ice-lite\r\n\
a=group:BUNDLE 0 1\r\na=msid-semantic: WMS *\r\n\
m=audio 3478 UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 127.0.0.1\r\na=rtcp-mux\r\na=mid:0\r\na=sendrecv\r\n\
a=ice-ufrag:fake\r\na=ice-pwd:fakefakefakefakefakefake\r\n\
a=fingerprint:sha-256 AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99\r\n\
a=setup:active\r\na=rtpmap:111 opus/48000/2\r\na=candidate:1 1 udp 2130706431 127.0.0.1 3478 typ host\r\n\
m=application 3478 UDP/DTLS/SCTP webrtc-datachannel\r\nc=IN IP4 127.0.0.1\r\na=mid:1\r\na=sctp-port:5000\r\n";

/// A browser-like offer (audio + data channel) that passes `check_offer`.
pub const OFFER_SDP: &str = hark_protocol::sdp::SAMPLE_BROWSER_OFFER;

/// How the fake answers a request that passed the checks.
#[derive(Debug, Clone)]
pub enum Behavior {
    /// 201, the answer SDP, a `Location` with a fresh call id.
    Answer,
    /// 201 with the answer but no `Location`.
    AnswerWithoutLocation,
    /// An OpenAI error document with this status, message and code, and optionally `Retry-After`.
    Error { status: u16, message: String, code: Option<String>, retry_after: Option<String> },
    /// 401 whose message quotes the key it was given, in full (worst case for leaks).
    RejectKeyQuotingIt,
    /// Waits this long, then answers.
    Slow(Duration),
    /// 201 with a JSON body instead of SDP.
    JsonInsteadOfSdp,
    /// 201 with an empty body.
    EmptyAnswer,
    /// 500 with an HTML page (a proxy's error page).
    HtmlError,
}

struct Inner {
    key: String,
    expected_session: Value,
    model: String,
    behavior: Mutex<Behavior>,
    requests: AtomicUsize,
    answered: AtomicUsize,
    problems: Mutex<Vec<String>>,
}

/// A running fake upstream.
pub struct FakeUpstream {
    addr: SocketAddr,
    inner: Arc<Inner>,
    stop: Option<oneshot::Sender<()>>,
}

impl FakeUpstream {
    /// Listens on 127.0.0.1 (free port). `key` is the only key accepted; `session` is what the
    /// companion is configured with, from which the expected session JSON is built.
    pub async fn start(key: &str, session: &SessionSettings) -> FakeUpstream {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind the fake upstream");
        let addr = listener.local_addr().expect("local addr");
        let inner = Arc::new(Inner {
            key: key.to_owned(),
            expected_session: serde_json::to_value(SessionConfig::new(session)).expect("session serializes"),
            model: session.model.clone(),
            behavior: Mutex::new(Behavior::Answer),
            requests: AtomicUsize::new(0),
            answered: AtomicUsize::new(0),
            problems: Mutex::new(Vec::new()),
        });
        let app = Router::new()
            .route("/v1/realtime/calls", post(calls))
            .route("/v1/realtime", post(legacy))
            .with_state(inner.clone());
        let (stop, stopped) = oneshot::channel::<()>();
        tokio::spawn(async move {
            use axum::serve::ListenerExt;
            let listener = listener.tap_io(|tcp| {
                let _ = tcp.set_nodelay(true);
            });
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(async move {
                    let _ = stopped.await;
                })
                .await;
        });
        FakeUpstream { addr, inner, stop: Some(stop) }
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT`, to use as the companion's upstream URL.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn set_behavior(&self, b: Behavior) {
        *self.inner.behavior.lock().unwrap() = b;
    }

    /// Requests received (any outcome).
    pub fn requests(&self) -> usize {
        self.inner.requests.load(Ordering::SeqCst)
    }

    /// Requests answered with an SDP answer.
    pub fn answered(&self) -> usize {
        self.inner.answered.load(Ordering::SeqCst)
    }

    /// Every way a request broke OpenAI's documented contract.
    pub fn problems(&self) -> Vec<String> {
        self.inner.problems.lock().unwrap().clone()
    }
}

impl Drop for FakeUpstream {
    fn drop(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
    }
}

fn openai_error(status: StatusCode, message: &str, kind: &str, code: Option<&str>) -> Response {
    let body = json!({ "error": { "message": message, "type": kind, "param": null, "code": code } });
    (status, [(header::CONTENT_TYPE, "application/json")], body.to_string()).into_response()
}

fn contract_broken(inner: &Inner, problem: String) -> Response {
    inner.problems.lock().unwrap().push(problem.clone());
    openai_error(StatusCode::BAD_REQUEST, &problem, "invalid_request_error", Some("fake_upstream_contract"))
}

/// `None` when the key is right, else OpenAI's 401.
fn check_auth(inner: &Inner, headers: &HeaderMap) -> Option<Response> {
    let expected = format!("Bearer {}", inner.key);
    match headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()) {
        Some(v) if v == expected => None,
        Some(_) => Some(openai_error(StatusCode::UNAUTHORIZED, "Incorrect API key provided.", "invalid_request_error", Some("invalid_api_key"))),
        None => Some(openai_error(
            StatusCode::UNAUTHORIZED,
            "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
            "invalid_request_error",
            None,
        )),
    }
}

async fn calls(State(inner): State<Arc<Inner>>, req: Request) -> Response {
    inner.requests.fetch_add(1, Ordering::SeqCst);
    if let Some(r) = check_auth(&inner, req.headers()) {
        return r;
    }
    let ct = req.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
    if !ct.starts_with("multipart/form-data") || !ct.contains("boundary=") {
        return contract_broken(
            &inner,
            format!("Content-Type must be multipart/form-data with a boundary, got {ct:?}"),
        );
    }
    let mut form = match axum::extract::Multipart::from_request(req, &()).await {
        Ok(m) => m,
        Err(e) => return contract_broken(&inner, format!("unreadable multipart body: {e}")),
    };
    let mut sdp: Option<String> = None;
    let mut session: Option<String> = None;
    loop {
        let field = match form.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) => return contract_broken(&inner, format!("unreadable multipart field: {e}")),
        };
        let name = field.name().unwrap_or("").to_owned();
        let ctype = field.content_type().unwrap_or("").to_owned();
        let has_filename = field.file_name().is_some();
        let text = match field.text().await {
            Ok(t) => t,
            Err(e) => return contract_broken(&inner, format!("field {name:?} unreadable: {e}")),
        };
        if has_filename {
            return contract_broken(&inner, format!("field {name:?} must be a plain form field, not a file"));
        }
        let (slot, want) = match name.as_str() {
            "sdp" => (&mut sdp, "application/sdp"),
            "session" => (&mut session, "application/json"),
            other => {
                return contract_broken(
                    &inner,
                    format!("unexpected multipart field {other:?}: only 'sdp' and 'session' are documented"),
                )
            }
        };
        if ctype != want {
            return contract_broken(&inner, format!("field {name:?} must have Content-Type {want}, got {ctype:?}"));
        }
        if slot.replace(text).is_some() {
            return contract_broken(&inner, format!("field {name:?} appears twice"));
        }
    }
    let Some(sdp) = sdp else { return contract_broken(&inner, "missing multipart field 'sdp'".into()) };
    let Some(session) = session else { return contract_broken(&inner, "missing multipart field 'session'".into()) };
    if let Err(e) = check_offer(sdp.as_bytes()) {
        return contract_broken(&inner, format!("'sdp' is not a usable offer: {e}"));
    }
    let session: Value = match serde_json::from_str(&session) {
        Ok(v) => v,
        Err(e) => return contract_broken(&inner, format!("'session' is not JSON: {e}")),
    };
    if let Some(problem) = session_problem(&session, &inner.expected_session) {
        return contract_broken(&inner, problem);
    }
    respond(&inner).await
}

/// What is wrong with a GA session document, if anything.
fn session_problem(got: &Value, expected: &Value) -> Option<String> {
    if got["type"] != "realtime" {
        return Some(format!("session.type must be \"realtime\", got {}", got["type"]));
    }
    if !got["model"].is_string() {
        return Some("session.model must be a string".into());
    }
    if !got["audio"]["output"]["voice"].is_string() || !got["audio"]["input"]["turn_detection"].is_object() {
        return Some("session.audio must hold input.turn_detection and output.voice (GA shape)".into());
    }
    for beta in ["modalities", "voice", "turn_detection", "input_audio_transcription"] {
        if got.get(beta).is_some() {
            return Some(format!(
                "session.{beta} is a beta field; the GA shape nests it under audio/output_modalities"
            ));
        }
    }
    let Some(tools_got) = got["tools"].as_array() else { return Some("session.tools must be an array".into()) };
    let names: Vec<&str> = tools_got.iter().filter_map(|t| t["name"].as_str()).collect();
    if names != tools::names() {
        return Some(format!("session.tools must be the tool catalogue {:?}, got {names:?}", tools::names()));
    }
    for t in tools_got {
        if t["type"] != "function" || !t["description"].is_string() || t["parameters"]["type"] != "object" {
            return Some(format!(
                "tool {} must be {{type: function, name, description, parameters: object schema}}",
                t["name"]
            ));
        }
    }
    if got != expected {
        return Some(format!("session differs from the configured one: expected {expected}, got {got}"));
    }
    None
}

#[derive(serde::Deserialize)]
struct ModelQuery {
    model: Option<String>,
}

async fn legacy(
    State(inner): State<Arc<Inner>>,
    Query(q): Query<ModelQuery>,
    headers: HeaderMap,
    body: bytes::Bytes,
) -> Response {
    inner.requests.fetch_add(1, Ordering::SeqCst);
    if let Some(r) = check_auth(&inner, &headers) {
        return r;
    }
    if q.model.as_deref() != Some(inner.model.as_str()) {
        return contract_broken(&inner, format!("?model= must be {:?}, got {:?}", inner.model, q.model));
    }
    let ct = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    if ct != "application/sdp" {
        return contract_broken(&inner, format!("Content-Type must be application/sdp, got {ct:?}"));
    }
    if let Err(e) = check_offer(&body) {
        return contract_broken(&inner, format!("the body is not a usable offer: {e}"));
    }
    respond(&inner).await
}

async fn respond(inner: &Inner) -> Response {
    let behavior = inner.behavior.lock().unwrap().clone();
    let n = inner.requests.load(Ordering::SeqCst);
    let answer = |with_location: bool| {
        inner.answered.fetch_add(1, Ordering::SeqCst);
        let mut r = (StatusCode::CREATED, [(header::CONTENT_TYPE, "application/sdp")], ANSWER_SDP).into_response();
        if with_location {
            let loc = format!("/v1/realtime/calls/rtc_fake{n:08x}");
            r.headers_mut().insert(header::LOCATION, loc.parse().unwrap());
        }
        r
    };
    match behavior {
        Behavior::Answer => answer(true),
        Behavior::AnswerWithoutLocation => answer(false),
        Behavior::Slow(d) => {
            tokio::time::sleep(d).await;
            answer(true)
        }
        Behavior::Error { status, message, code, retry_after } => {
            let status = StatusCode::from_u16(status).expect("valid status");
            let kind = if status.is_server_error() { "server_error" } else { "invalid_request_error" };
            let mut r = openai_error(status, &message, kind, code.as_deref());
            if let Some(ra) = retry_after {
                r.headers_mut().insert(header::RETRY_AFTER, ra.parse().unwrap());
            }
            r
        }
        Behavior::RejectKeyQuotingIt => openai_error(
            StatusCode::UNAUTHORIZED,
            &format!("Incorrect API key provided: {}. You can find your API key at https://platform.openai.com/account/api-keys.", inner.key),
            "invalid_request_error",
            Some("invalid_api_key"),
        ),
        Behavior::JsonInsteadOfSdp => {
            (StatusCode::CREATED, [(header::CONTENT_TYPE, "application/json")], r#"{"id":"sess_123","object":"realtime.session"}"#).into_response()
        }
        Behavior::EmptyAnswer => (StatusCode::CREATED, [(header::CONTENT_TYPE, "application/sdp")], "").into_response(),
        Behavior::HtmlError => {
            (StatusCode::BAD_GATEWAY, [(header::CONTENT_TYPE, "text/html")], "<html><body><h1>502 Bad Gateway</h1></body></html>").into_response()
        }
    }
}
