//! Fuzz target: the companion's request handling (routes, Host check, CORS, pairing token, offer
//! reading, admission, upstream errors). Drives the real axum Router in process with
//! `tower::ServiceExt::oneshot`: random methods, paths, headers (Host, Origin, Authorization,
//! Content-Type, Content-Length, preflight headers, duplicates, odd bytes) and bodies (offers and
//! their mutations, multipart forms, JSON, random bytes, streamed bodies that fail half-way). Every
//! answer must be a well-formed HTTP response with a status the API documents and, for errors, the
//! JSON error document with a code and a message that says what to do — never a panic, never the key.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::http::{header, HeaderName, HeaderValue, Method, Request, StatusCode, Uri};
use axum::Router;
use hark_fuzz::proptest::prelude::*;
use hark_fuzz::proptest::sample::select;
use hark_fuzz::{fuzz, mutate, sdp};
use hark_protocol::session::SessionSettings;
use hark_server::config::{origin_allowed, ApiKey, Limits, UpstreamApi};
use hark_server::error::ErrorDoc;
use hark_server::fake_upstream::{Behavior, FakeUpstream, ANSWER_SDP};
use hark_server::guard::{self, Admission};
use hark_server::routes::{self, AppState, Backend, Mode, StatusDoc};
use hark_server::token::PairingToken;
use hark_server::upstream::{Upstream, UpstreamKind, UpstreamOptions};
use http_body_util::BodyExt;
use tower::ServiceExt;

const KEY: &str = "sk-proj-FUZZKEY0123456789abcdefSECRET";
const TOKEN: &str = "hark_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
const PORT: u16 = 8813;
const CHROME: &str = "chrome-extension://babkbkfmpijgngjiacnpjjcfnibgbmoo";

/// Every status the API answers with.
const STATUSES: &[u16] = &[200, 204, 400, 401, 403, 404, 405, 413, 415, 421, 429, 502, 503, 504];
const CODES: &[&str] = &[
    "host_not_allowed",
    "origin_not_allowed",
    "missing_token",
    "invalid_token",
    "unsupported_media_type",
    "offer_too_large",
    "invalid_offer",
    "bad_body",
    "rate_limited",
    "busy",
    "no_upstream",
    "not_found",
    "method_not_allowed",
    "upstream_unauthorized",
    "upstream_forbidden",
    "upstream_rate_limited",
    "local_peer_busy",
    "upstream_quota_exceeded",
    "upstream_rejected",
    "upstream_server_error",
    "upstream_unreachable",
    "upstream_connect_timeout",
    "upstream_timeout",
    "upstream_malformed",
    "daily_budget_spent",
    "bad_usage",
];

/// The companions under test: the same router over different backends and limits.
struct Companions {
    rt: tokio::runtime::Runtime,
    fake: FakeUpstream,
    apps: Vec<(Router, Arc<AppState>)>,
}

fn state(backend: Backend, limits: Limits, mode: Mode) -> Arc<AppState> {
    Arc::new(AppState {
        token: PairingToken::parse(TOKEN).unwrap(),
        allowed_hosts: guard::allowed_hosts(SocketAddr::from(([127, 0, 0, 1], PORT))),
        allowed_origins: hark_server::config::default_allowed_origins(),
        mode,
        backend,
        session: SessionSettings::default(),
        price: hark_protocol::prices::price_of(&SessionSettings::default().model),
        admission: Admission::new(limits.rate_per_minute, limits.max_concurrent),
        limits,
        sideband: None,
    })
}

impl Companions {
    fn start() -> Companions {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        let fake = rt.block_on(FakeUpstream::start(KEY, &SessionSettings::default()));
        let upstream = |api| {
            Backend::Upstream(Arc::new(
                Upstream::new(UpstreamOptions {
                    kind: UpstreamKind::OpenAi,
                    base_url: fake.base_url(),
                    api,
                    key: ApiKey::new(KEY).unwrap(),
                    session: SessionSettings::default(),
                    connect_timeout: std::time::Duration::from_secs(5),
                    timeout: std::time::Duration::from_secs(20),
                })
                .unwrap(),
            ))
        };
        let limits = |max_body_bytes, rate_per_minute, max_concurrent| Limits {
            max_body_bytes,
            rate_per_minute,
            max_concurrent,
            ..Limits::default()
        };
        let apps = [
            state(upstream(UpstreamApi::Calls), limits(64 * 1024, 0, 8), Mode::Openai),
            state(upstream(UpstreamApi::Legacy), limits(64 * 1024, 0, 8), Mode::Openai),
            state(upstream(UpstreamApi::Calls), limits(64 * 1024, 2, 8), Mode::Openai),
            state(upstream(UpstreamApi::Calls), limits(64 * 1024, 0, 0), Mode::Openai),
            state(upstream(UpstreamApi::Calls), limits(700, 0, 8), Mode::Openai),
            state(Backend::Unavailable("the local peer could not start"), Limits::default(), Mode::Local),
        ]
        .into_iter()
        .map(|s| (routes::router(s.clone()), s))
        .collect();
        Companions { rt, fake, apps }
    }
}

/// How the request body arrives.
#[derive(Debug, Clone)]
enum BodyKind {
    Full,
    /// In chunks of these sizes.
    Chunked(Vec<u16>),
    /// Some bytes, then a read error.
    FailsAfter(u16),
}

#[derive(Debug, Clone)]
struct Req {
    app: usize,
    method: String,
    target: String,
    headers: Vec<(String, Vec<u8>)>,
    body: Vec<u8>,
    body_kind: BodyKind,
    upstream: Behavior,
}

/// A method: mostly `usual`, sometimes another (or an odd one).
fn method(usual: &'static str) -> impl Strategy<Value = String> {
    prop_oneof![
        10 => Just(usual.to_string()),
        2 => Just("OPTIONS".to_string()),
        2 => select(&["GET", "POST", "HEAD", "PUT", "DELETE", "PATCH", "CONNECT", "TRACE", "post", "BREW", "M-SEARCH"][..]).prop_map(str::to_string),
    ]
}

/// (method, request target).
fn route() -> impl Strategy<Value = (String, String)> {
    let odd = &[
        "/",
        "/api/rtc-connect/",
        "/API/RTC-CONNECT",
        "/api/rtc-connect?x=1",
        "//api/rtc-connect",
        "/api/../api/status",
        "/api/%2e%2e/healthz",
        "/api/rtc-connect%00",
        "/v1/realtime/calls",
        "*",
        "http://127.0.0.1:8813/api/rtc-connect",
        "http://evil.example/api/status",
        "https://localhost:8813/healthz",
        "/healthz#frag",
        "/%ff%fe",
    ][..];
    prop_oneof![
        14 => (method("POST"), Just("/api/rtc-connect".to_string())),
        3 => (method("GET"), Just("/api/status".to_string())),
        1 => (method("POST"), Just("/api/usage".to_string())),
        1 => (method("GET"), Just("/healthz".to_string())),
        2 => (method("POST"), select(odd).prop_map(str::to_string)),
        1 => (method("GET"), (select(odd), mutate::odd_string()).prop_map(|(p, s)| format!("{p}{s}"))),
    ]
}

const HEADER_NAMES: &[&str] = &[
    "host",
    "origin",
    "authorization",
    "content-type",
    "content-length",
    "access-control-request-method",
    "access-control-request-private-network",
    "access-control-request-headers",
    "transfer-encoding",
    "expect",
    "connection",
    "accept",
    "x-forwarded-host",
    "cookie",
    "X-Hark-Call-Id",
    "referer",
];

/// Values of header `name`: (the ones a right client sends, near misses and wrong ones).
fn header_values(name: &str) -> (&'static [&'static str], &'static [&'static str]) {
    match name {
        "host" => (
            &["127.0.0.1:8813", "localhost:8813", "[::1]:8813", "LOCALHOST:8813"],
            &["127.0.0.1", "evil.example:8813", "127.0.0.1:8814", "", "127.0.0.1:8813 "],
        ),
        "origin" => (
            &[CHROME, "moz-extension://0b3d1c2e-aaaa-bbbb-cccc-000000000000"],
            &[
                "moz-extension://",
                "https://evil.example",
                "null",
                "chrome-extension://other",
                "",
                "CHROME-EXTENSION://babkbkfmpijgngjiacnpjjcfnibgbmoo",
            ],
        ),
        "authorization" => (
            &[
                "Bearer hark_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
                "bearer hark_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
                "Bearer  hark_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\t",
            ],
            &[
                "Bearer hark_AAAA",
                "Bearer ",
                "Bearer",
                "Basic Zm9vOmJhcg==",
                "",
                "Bearer hark_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAB",
                "hark_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
            ],
        ),
        "content-type" => (
            &["application/sdp", "application/sdp; charset=utf-8", "APPLICATION/SDP", " application/sdp "],
            &[
                "multipart/form-data; boundary=XyZ",
                "multipart/form-data",
                "application/json",
                "text/plain",
                "application/sdpx",
                "",
                ";application/sdp",
                "application/sdp;",
            ],
        ),
        "content-length" => (
            &["0", "1", "700", "2000"],
            &["701", "65536", "65537", "18446744073709551616", "-1", "abc", " 12", "99999999999"],
        ),
        "access-control-request-method" => (&["POST", "GET"], &["", "DELETE"]),
        "access-control-request-private-network" => (&["true"], &["false", "TRUE", ""]),
        "transfer-encoding" => (&["chunked"], &["gzip", "identity"]),
        _ => (&["x", "*/*"], &["", "100-continue", "close"]),
    }
}

fn header_value(name: &str) -> BoxedStrategy<Vec<u8>> {
    let (right, wrong) = header_values(name);
    prop_oneof![
        44 => select(right).prop_map(|s| s.as_bytes().to_vec()),
        3 => select(wrong).prop_map(|s| s.as_bytes().to_vec()),
        2 => (select(right), mutate::edits(3)).prop_map(|(s, e)| mutate::apply(s.as_bytes(), &e, &[b"\xff", b"\t", b" ", b":", b"\0"], &[], 4096)),
        1 => proptest::collection::vec(any::<u8>(), 0..40),
    ]
    .boxed()
}

fn headers() -> impl Strategy<Value = Vec<(String, Vec<u8>)>> {
    // Usually the headers a client sends (a right host, mostly a token and content type), plus
    // random extra or odd ones.
    let usual = (
        proptest::option::weighted(0.98, header_value("host")),
        proptest::option::weighted(0.6, header_value("origin")),
        proptest::option::weighted(0.9, header_value("authorization")),
        proptest::option::weighted(0.9, header_value("content-type")),
        proptest::option::weighted(0.2, header_value("content-length")),
        proptest::option::weighted(0.2, header_value("access-control-request-method")),
        proptest::option::weighted(0.1, header_value("access-control-request-private-network")),
    );
    let extra = proptest::collection::vec(
        prop_oneof![
            4 => select(HEADER_NAMES).prop_flat_map(|n| header_value(n).prop_map(move |v| (n.to_ascii_lowercase(), v))),
            1 => (mutate::odd_string(), proptest::collection::vec(any::<u8>(), 0..20)),
        ],
        0..4,
    );
    (usual, extra).prop_map(|((host, origin, auth, ct, cl, acrm, acrpn), extra)| {
        let mut h = Vec::new();
        for (name, v) in [
            ("host", host),
            ("origin", origin),
            ("authorization", auth),
            ("content-type", ct),
            ("content-length", cl),
            ("access-control-request-method", acrm),
            ("access-control-request-private-network", acrpn),
        ] {
            if let Some(v) = v {
                h.push((name.to_string(), v));
            }
        }
        h.extend(extra);
        h
    })
}

fn multipart(offer: &[u8], boundary: &str) -> Vec<u8> {
    let mut b = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"sdp\"\r\nContent-Type: application/sdp\r\n\r\n"
    )
    .into_bytes();
    b.extend_from_slice(offer);
    b.extend_from_slice(format!("\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"session\"\r\nContent-Type: application/json\r\n\r\n{{\"type\":\"realtime\",\"model\":\"gpt-realtime\"}}\r\n--{boundary}--\r\n").as_bytes());
    b
}

fn body() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        8 => sdp::offer(),
        2 => (sdp::offer(), mutate::edits(3)).prop_map(|(o, e)| mutate::apply(&multipart(&o, "XyZ"), &e, &[b"--XyZ", b"\r\n", b"name=\"sdp\""], &[], 1 << 18)),
        1 => sdp::offer().prop_map(|o| serde_json::json!({"sdp": String::from_utf8_lossy(&o), "type": "offer"}).to_string().into_bytes()),
        1 => Just(Vec::new()),
    ]
}

fn upstream_behavior() -> impl Strategy<Value = Behavior> {
    prop_oneof![
        8 => Just(Behavior::Answer),
        1 => Just(Behavior::AnswerWithoutLocation),
        1 => Just(Behavior::RejectKeyQuotingIt),
        1 => Just(Behavior::JsonInsteadOfSdp),
        1 => Just(Behavior::EmptyAnswer),
        1 => Just(Behavior::HtmlError),
        3 => (
            select(&[400u16, 401, 403, 404, 409, 418, 422, 429, 500, 502, 503, 504, 599, 302, 204][..]),
            mutate::odd_string(),
            proptest::option::of(select(&["insufficient_quota", "rate_limit_exceeded", "invalid_api_key", "model_not_found", ""][..])),
            proptest::option::of(select(&["1", "0", "120", "Wed, 21 Oct 2015 07:28:00 GMT", "-5", "99999999999999999999", ""][..])),
        )
            .prop_map(|(status, message, code, retry_after)| Behavior::Error {
                status,
                message,
                code: code.map(str::to_string),
                retry_after: retry_after.map(str::to_string),
            }),
    ]
}

fn request() -> impl Strategy<Value = Req> {
    (
        0usize..6,
        route(),
        headers(),
        body(),
        prop_oneof![
            6 => Just(BodyKind::Full),
            1 => proptest::collection::vec(0u16..2048, 1..6).prop_map(BodyKind::Chunked),
            1 => (0u16..4096).prop_map(BodyKind::FailsAfter),
        ],
        upstream_behavior(),
    )
        .prop_map(|(app, (method, target), headers, body, body_kind, upstream)| Req {
            app,
            method,
            target,
            headers,
            body,
            body_kind,
            upstream,
        })
}

fn build(r: &Req) -> Request<Body> {
    let body = match &r.body_kind {
        BodyKind::Full => Body::from(r.body.clone()),
        BodyKind::Chunked(sizes) => {
            let mut chunks: Vec<Result<Bytes, std::io::Error>> = Vec::new();
            let mut rest = &r.body[..];
            for s in sizes.iter().cycle().take(64) {
                if rest.is_empty() {
                    break;
                }
                let n = (*s as usize).clamp(1, rest.len());
                chunks.push(Ok(Bytes::copy_from_slice(&rest[..n])));
                rest = &rest[n..];
            }
            if !rest.is_empty() {
                chunks.push(Ok(Bytes::copy_from_slice(rest)));
            }
            Body::from_stream(futures_util::stream::iter(chunks))
        }
        BodyKind::FailsAfter(n) => {
            let n = (*n as usize).min(r.body.len());
            let chunks: Vec<Result<Bytes, std::io::Error>> = vec![
                Ok(Bytes::copy_from_slice(&r.body[..n])),
                Err(std::io::Error::new(std::io::ErrorKind::ConnectionReset, "the client went away")),
            ];
            Body::from_stream(futures_util::stream::iter(chunks))
        }
    };
    let mut req = Request::new(body);
    *req.method_mut() = Method::from_bytes(r.method.as_bytes()).unwrap_or(Method::POST);
    *req.uri_mut() = Uri::try_from(r.target.as_str()).unwrap_or_else(|_| Uri::from_static("/api/rtc-connect"));
    for (name, value) in &r.headers {
        if let (Ok(n), Ok(v)) = (HeaderName::from_bytes(name.as_bytes()), HeaderValue::from_bytes(value)) {
            req.headers_mut().append(n, v);
        }
    }
    req
}

/// What the Host check reads: the first `Host` header if it is text, else the URI's authority.
fn host_of(req: &Request<Body>) -> Option<String> {
    req.headers()
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
        .or_else(|| req.uri().authority().map(|a| a.as_str().to_owned()))
}

#[test]
fn fuzz_companion_requests() {
    let c = Companions::start();
    let origins = hark_server::config::default_allowed_origins();
    let seen = std::sync::Mutex::new(std::collections::BTreeMap::<(u16, String), u64>::new());
    fuzz("companion request handling", 1000, request(), |r| {
        c.fake.set_behavior(r.upstream.clone());
        let (app, st) = &c.apps[r.app];
        let req = build(&r);
        let host_ok = host_of(&req).is_some_and(|h| st.allowed_hosts.iter().any(|a| a.eq_ignore_ascii_case(&h)));
        let origin = req.headers().get(header::ORIGIN).map(|v| v.to_str().unwrap_or("").to_owned());
        let origin_ok = origin.as_deref().is_none_or(|o| origin_allowed(&origins, o));
        let preflight = req.method() == Method::OPTIONS
            && origin.is_some()
            && req.headers().contains_key(header::ACCESS_CONTROL_REQUEST_METHOD);
        let path = req.uri().path().to_owned();

        let resp = c.rt.block_on(app.clone().oneshot(req)).expect("the router is infallible");
        let status = resp.status();
        let headers = resp.headers().clone();
        let body =
            c.rt.block_on(resp.into_body().collect())
                .map_err(|e| TestCaseError::fail(format!("body: {e}")))?
                .to_bytes();

        prop_assert!(STATUSES.contains(&status.as_u16()), "status {} for {:?}", status, r);
        let code = serde_json::from_slice::<ErrorDoc>(&body).map(|d| d.error.code).unwrap_or_default();
        *seen.lock().unwrap().entry((status.as_u16(), code)).or_default() += 1;
        // A HEAD answer has the headers of the GET answer and no body.
        let head = r.method == "HEAD";
        prop_assert!(!head || body.is_empty());
        if let Some(len) = headers.get(header::CONTENT_LENGTH).filter(|_| !head) {
            prop_assert_eq!(len.to_str().ok().and_then(|l| l.parse::<usize>().ok()), Some(body.len()));
        }
        let text = String::from_utf8_lossy(&body);
        prop_assert!(!text.contains(KEY) && !text.contains("FUZZKEY0123"), "the key leaked: {}", text);
        for (n, v) in &headers {
            prop_assert!(!String::from_utf8_lossy(v.as_bytes()).contains("FUZZKEY"), "the key leaked in {}", n);
        }

        // Who may ask is decided first, in this order.
        if !host_ok {
            prop_assert_eq!(status, StatusCode::MISDIRECTED_REQUEST);
        } else if !origin_ok {
            prop_assert_eq!(status, StatusCode::FORBIDDEN);
        } else if preflight {
            prop_assert_eq!(status, StatusCode::NO_CONTENT);
            prop_assert_eq!(
                headers.get(header::ACCESS_CONTROL_ALLOW_ORIGIN).map(|v| v.to_str().unwrap_or("").to_owned()),
                origin.clone()
            );
        }
        if host_ok && origin_ok && origin.is_some() {
            prop_assert!(headers.contains_key(header::ACCESS_CONTROL_ALLOW_ORIGIN), "CORS answer without Allow-Origin");
        }

        if head {
            return Ok(());
        }
        if status.is_client_error() || status.is_server_error() {
            let ct = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
            prop_assert!(ct.starts_with("application/json"), "error as {:?}: {}", ct, text);
            let doc: ErrorDoc = serde_json::from_slice(&body)
                .map_err(|e| TestCaseError::fail(format!("not an error document ({e}): {text}")))?;
            prop_assert!(CODES.contains(&doc.error.code.as_str()), "code {}", doc.error.code);
            prop_assert!(
                doc.error.message.len() > 20 && !doc.error.message.contains('\0'),
                "message {:?}",
                doc.error.message
            );
            if status == StatusCode::UNAUTHORIZED {
                prop_assert!(headers.contains_key(header::WWW_AUTHENTICATE));
            }
            if doc.error.code == "rate_limited" || doc.error.code == "busy" {
                prop_assert!(headers
                    .get(header::RETRY_AFTER)
                    .and_then(|v| v.to_str().ok())
                    .is_some_and(|v| v.parse::<u64>().is_ok()));
            }
        } else if status == StatusCode::OK {
            match path.as_str() {
                "/api/rtc-connect" => {
                    prop_assert_eq!(
                        headers.get(header::CONTENT_TYPE).map(|v| v.as_bytes()),
                        Some(&b"application/sdp"[..])
                    );
                    prop_assert_eq!(&body[..], ANSWER_SDP.as_bytes());
                    prop_assert!(
                        r.headers
                            .iter()
                            .any(|(n, v)| n == "authorization" && v.trim_ascii_end().ends_with(TOKEN.as_bytes())),
                        "answered without the token"
                    );
                }
                "/api/status" => {
                    let doc: StatusDoc =
                        serde_json::from_slice(&body).map_err(|e| TestCaseError::fail(format!("status doc: {e}")))?;
                    prop_assert_eq!(doc.ready, matches!(st.backend, Backend::Upstream(_)));
                }
                "/api/usage" => {
                    // No budget on these companions: a report that reads counts nothing.
                    let v: serde_json::Value =
                        serde_json::from_slice(&body).map_err(|e| TestCaseError::fail(format!("usage: {e}")))?;
                    prop_assert_eq!(&v["budget"], &serde_json::Value::Null);
                }
                "/healthz" => {
                    let v: serde_json::Value =
                        serde_json::from_slice(&body).map_err(|e| TestCaseError::fail(format!("healthz: {e}")))?;
                    prop_assert_eq!(&v["status"], "ok");
                }
                other => prop_assert!(false, "200 for {}", other),
            }
        }
        Ok(())
    });
    // Which answers the run reached (a target that never reaches 200 tests little).
    let seen = seen.into_inner().unwrap();
    println!(
        "companion answers: {}",
        seen.iter().map(|((s, c), n)| format!("{s} {c}: {n}")).collect::<Vec<_>>().join(", ")
    );
    let runs: u64 = seen.values().sum();
    for want in [200u16, 204, 400, 401, 403, 413, 415, 421, 502] {
        assert!(runs < 1000 || seen.keys().any(|(s, _)| *s == want), "no {want} answer in the run: {seen:?}");
    }
}
