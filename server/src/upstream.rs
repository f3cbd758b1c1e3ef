//! The one upstream code path: OpenAI's Realtime API or the local peer (same wire protocol, only
//! the base URL and the key differ).
//!
//! - `calls` (GA unified interface): `POST {base}/v1/realtime/calls`, `Authorization: Bearer <key>`,
//!   `multipart/form-data` with `sdp` (`application/sdp`) and `session` (`application/json`);
//!   success is `201 Created` with the answer SDP and `Location: /v1/realtime/calls/<call id>`.
//! - `legacy`: `POST {base}/v1/realtime?model=<model>` with the raw offer as `application/sdp`.

use std::time::Duration;

use axum::http::{header, HeaderValue, StatusCode};
use bytes::Bytes;
use hark_protocol::events::HttpErrorDoc;
use hark_protocol::session::{SessionConfig, SessionSettings};
use reqwest::multipart::{Form, Part};

use crate::config::{ApiKey, UpstreamApi};
use crate::error::UpstreamError;

/// An answer SDP is a few KB; anything past this is not one.
pub const MAX_ANSWER_BYTES: usize = 256 * 1024;
/// Error bodies are read up to this size.
const MAX_ERROR_BYTES: usize = 64 * 1024;
/// OpenAI's message is quoted up to this many characters.
const MAX_DETAIL_CHARS: usize = 400;

/// What the upstream is, for messages ("OpenAI rejected ...", "the local peer rejected ...").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UpstreamKind {
    OpenAi,
    LocalPeer,
}

impl UpstreamKind {
    pub fn who(self) -> &'static str {
        match self {
            UpstreamKind::OpenAi => "OpenAI",
            UpstreamKind::LocalPeer => "the local peer",
        }
    }
}

#[derive(Debug, Clone)]
pub struct UpstreamOptions {
    pub kind: UpstreamKind,
    pub base_url: String,
    pub api: UpstreamApi,
    pub key: ApiKey,
    pub session: SessionSettings,
    pub connect_timeout: Duration,
    pub timeout: Duration,
}

/// A successful exchange.
#[derive(Debug, Clone)]
pub struct Answer {
    pub sdp: Bytes,
    /// From the `Location` header (`rtc_…`), when the upstream sent one.
    pub call_id: Option<String>,
}

pub struct Upstream {
    client: reqwest::Client,
    kind: UpstreamKind,
    api: UpstreamApi,
    url: reqwest::Url,
    base_url: String,
    /// `{base}/v1/realtime/calls/`, where a call's hangup is posted.
    calls_url: String,
    auth: HeaderValue,
    key: ApiKey,
    model: String,
    /// GA session JSON, serialized once.
    session_json: Bytes,
    /// The multipart body is assembled by hand around the offer (one buffer, one write): the
    /// boundary, the `sdp` part's head, and everything after the offer (the `session` part).
    boundary: String,
    multipart_head: Bytes,
    multipart_tail: Bytes,
    multipart_content_type: HeaderValue,
    connect_timeout: Duration,
    timeout: Duration,
}

impl std::fmt::Debug for Upstream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Upstream")
            .field("kind", &self.kind)
            .field("api", &self.api)
            .field("url", &self.url.as_str())
            .field("key", &self.key)
            .field("model", &self.model)
            .field("connect_timeout", &self.connect_timeout)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl Upstream {
    pub fn new(opts: UpstreamOptions) -> Result<Self, reqwest::Error> {
        let url = match opts.api {
            UpstreamApi::Calls => reqwest::Url::parse(&format!("{}/v1/realtime/calls", opts.base_url)),
            UpstreamApi::Legacy => reqwest::Url::parse_with_params(
                &format!("{}/v1/realtime", opts.base_url),
                [("model", opts.session.model.as_str())],
            ),
        }
        .expect("the base URL was validated when the configuration was read");
        let loopback = url.host_str().is_some_and(|h| {
            let h = h.trim_start_matches('[').trim_end_matches(']');
            h.eq_ignore_ascii_case("localhost") || h.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
        });
        let mut builder = reqwest::Client::builder()
            .connect_timeout(opts.connect_timeout)
            .timeout(opts.timeout)
            .user_agent(concat!("hark-companion/", env!("CARGO_PKG_VERSION")))
            .pool_idle_timeout(Duration::from_secs(60))
            .redirect(reqwest::redirect::Policy::none());
        if loopback {
            // A system proxy must not see traffic meant for this machine.
            builder = builder.no_proxy();
        }
        let mut auth = HeaderValue::from_str(&format!("Bearer {}", opts.key.expose()))
            .expect("the key was checked to be printable ASCII");
        auth.set_sensitive(true);
        let session_json = Bytes::from(SessionConfig::new(&opts.session).to_json());
        let boundary = {
            let mut r = [0u8; 16];
            getrandom::fill(&mut r).expect("the system's random number generator works");
            format!("hark-{}", r.iter().map(|b| format!("{b:02x}")).collect::<String>())
        };
        let multipart_head = Bytes::from(format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"sdp\"\r\nContent-Type: application/sdp\r\n\r\n"
        ));
        let mut tail = format!(
            "\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"session\"\r\nContent-Type: application/json\r\n\r\n"
        )
        .into_bytes();
        tail.extend_from_slice(&session_json);
        tail.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        let multipart_content_type =
            HeaderValue::from_str(&format!("multipart/form-data; boundary={boundary}")).expect("ASCII boundary");
        Ok(Upstream {
            client: builder.build()?,
            kind: opts.kind,
            api: opts.api,
            url,
            calls_url: format!("{}/v1/realtime/calls/", opts.base_url),
            base_url: opts.base_url.clone(),
            auth,
            key: opts.key,
            model: opts.session.model.clone(),
            session_json,
            boundary,
            multipart_head,
            multipart_tail: Bytes::from(tail),
            multipart_content_type,
            connect_timeout: opts.connect_timeout,
            timeout: opts.timeout,
        })
    }

    pub fn kind(&self) -> UpstreamKind {
        self.kind
    }

    pub fn api(&self) -> UpstreamApi {
        self.api
    }

    /// The base URL (`https://api.openai.com`, or the local peer's).
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The key the upstream takes (for the sideband, which uses the same one).
    pub fn key(&self) -> &ApiKey {
        &self.key
    }

    /// The URL offers are posted to.
    pub fn url(&self) -> &reqwest::Url {
        &self.url
    }

    /// Sends the (already checked) offer upstream and returns the answer.
    pub async fn exchange(&self, offer: Bytes) -> Result<Answer, UpstreamError> {
        let req = self.client.post(self.url.clone()).header(header::AUTHORIZATION, self.auth.clone());
        let req = match self.api {
            UpstreamApi::Calls if !contains(&offer, self.boundary.as_bytes()) => {
                let mut body = Vec::with_capacity(self.multipart_head.len() + offer.len() + self.multipart_tail.len());
                body.extend_from_slice(&self.multipart_head);
                body.extend_from_slice(&offer);
                body.extend_from_slice(&self.multipart_tail);
                req.header(header::CONTENT_TYPE, self.multipart_content_type.clone()).body(body)
            }
            UpstreamApi::Calls => {
                // The offer happens to contain our boundary: let reqwest pick a fresh one.
                let offer_len = offer.len() as u64;
                let session_len = self.session_json.len() as u64;
                let form = Form::new()
                    .part(
                        "sdp",
                        Part::stream_with_length(offer, offer_len).mime_str("application/sdp").expect("valid mime"),
                    )
                    .part(
                        "session",
                        Part::stream_with_length(self.session_json.clone(), session_len)
                            .mime_str("application/json")
                            .expect("valid mime"),
                    );
                req.multipart(form)
            }
            UpstreamApi::Legacy => req.header(header::CONTENT_TYPE, "application/sdp").body(offer),
        };
        let resp = req.send().await.map_err(|e| self.transport_error(e))?;
        let status = resp.status();
        if status.is_success() {
            let call_id =
                resp.headers().get(header::LOCATION).and_then(|v| v.to_str().ok()).and_then(call_id_from_location);
            let content_type =
                resp.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
            let body = self.read_limited(resp, MAX_ANSWER_BYTES).await?;
            check_answer(&content_type, &body)
                .map_err(|detail| UpstreamError::Malformed { who: self.kind.who(), detail })?;
            return Ok(Answer { sdp: body, call_id });
        }
        let retry_after = resp
            .headers()
            .get(header::RETRY_AFTER)
            .cloned()
            .filter(|v| v.to_str().is_ok_and(|s| !s.is_empty() && s.len() < 64));
        let body = match self.read_limited(resp, MAX_ERROR_BYTES).await {
            Ok(b) => b,
            Err(UpstreamError::Malformed { .. }) => Bytes::new(),
            Err(e) => return Err(e),
        };
        Err(self.status_error(status, retry_after, &body))
    }

    /// Ends a live call: `POST {base}/v1/realtime/calls/{call_id}/hangup`.
    pub async fn hangup(&self, call_id: &str) -> Result<(), UpstreamError> {
        let url = format!("{}{call_id}/hangup", self.calls_url);
        let resp = self
            .client
            .post(url)
            .header(header::AUTHORIZATION, self.auth.clone())
            .send()
            .await
            .map_err(|e| self.transport_error(e))?;
        let status = resp.status();
        if status.is_success() {
            return Ok(());
        }
        let body = self.read_limited(resp, MAX_ERROR_BYTES).await.unwrap_or_default();
        Err(self.status_error(status, None, &body))
    }

    fn status_error(&self, status: StatusCode, retry_after: Option<HeaderValue>, body: &[u8]) -> UpstreamError {
        let who = self.kind.who();
        let doc: Option<HttpErrorDoc> = serde_json::from_slice(body).ok();
        let detail = match &doc {
            Some(d) => {
                let mut s = if d.error.message.trim().is_empty() {
                    "no message".to_owned()
                } else {
                    format!("\"{}\"", d.error.message.trim())
                };
                if let Some(code) = d.error.code.as_deref().filter(|c| !c.is_empty()) {
                    s.push_str(&format!(" (code {code})"));
                }
                s
            }
            None if body.is_empty() => "no error details".to_owned(),
            None => format!(
                "no JSON error document; the reply began with \"{}\"",
                String::from_utf8_lossy(&body[..body.len().min(120)])
            ),
        };
        let detail = scrub(&detail, &self.key);
        let code = doc.as_ref().and_then(|d| d.error.code.clone()).unwrap_or_default();
        match status.as_u16() {
            401 => UpstreamError::Unauthorized { who, detail },
            403 => UpstreamError::Forbidden { who, detail, model: self.model.clone() },
            429 if code == "insufficient_quota" => UpstreamError::QuotaExceeded { who, detail },
            429 => {
                let wait =
                    match retry_after.as_ref().and_then(|v| v.to_str().ok()).and_then(|s| s.trim().parse::<u64>().ok())
                    {
                        Some(secs) => format!("{secs} s"),
                        None => "a minute".to_owned(),
                    };
                UpstreamError::RateLimited { who, detail, retry_after, wait }
            }
            400..=499 => UpstreamError::Rejected { who, status: status.as_u16(), detail },
            500..=599 => UpstreamError::ServerError { who, status: status.as_u16(), detail },
            other => UpstreamError::Malformed { who, detail: format!("unexpected HTTP status {other}") },
        }
    }

    fn transport_error(&self, e: reqwest::Error) -> UpstreamError {
        let who = self.kind.who();
        let url = self.url.origin().ascii_serialization();
        if e.is_timeout() && e.is_connect() {
            UpstreamError::ConnectTimeout { who, url, ms: self.connect_timeout.as_millis() as u64 }
        } else if e.is_timeout() {
            UpstreamError::Timeout { who, ms: self.timeout.as_millis() as u64 }
        } else {
            let detail = scrub(&error_chain(&e), &self.key);
            if e.is_connect() {
                UpstreamError::Unreachable { who, url, detail }
            } else {
                UpstreamError::Malformed { who, detail: format!("the connection failed mid-exchange: {detail}") }
            }
        }
    }

    async fn read_limited(&self, mut resp: reqwest::Response, limit: usize) -> Result<Bytes, UpstreamError> {
        if resp.content_length().is_some_and(|n| n as usize > limit) {
            return Err(UpstreamError::Malformed {
                who: self.kind.who(),
                detail: format!("the reply is larger than {limit} bytes"),
            });
        }
        let mut buf = Vec::with_capacity(resp.content_length().unwrap_or(4096).min(limit as u64) as usize);
        while let Some(chunk) = resp.chunk().await.map_err(|e| self.transport_error(e))? {
            if buf.len() + chunk.len() > limit {
                return Err(UpstreamError::Malformed {
                    who: self.kind.who(),
                    detail: format!("the reply is larger than {limit} bytes"),
                });
            }
            buf.extend_from_slice(&chunk);
        }
        Ok(Bytes::from(buf))
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// `Location: /v1/realtime/calls/rtc_abc123` → `rtc_abc123` (only header-safe ids are kept).
pub fn call_id_from_location(location: &str) -> Option<String> {
    let path = location.split(['?', '#']).next()?.trim_end_matches('/');
    let id = path.rsplit('/').next()?;
    let ok = !id.is_empty()
        && id.len() <= 128
        && id.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'));
    ok.then(|| id.to_owned())
}

/// A usable answer is SDP text: starts with `v=0` and has at least one media section.
fn check_answer(content_type: &str, body: &[u8]) -> Result<(), String> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err("the reply had no SDP answer (empty body)".into());
    }
    let text = std::str::from_utf8(body).map_err(|_| "the answer is not UTF-8 text".to_owned())?;
    if !text.trim_start().starts_with("v=0") {
        let what =
            if content_type.contains("json") || text.trim_start().starts_with('{') { "JSON" } else { "something else" };
        return Err(format!("expected an SDP answer (application/sdp starting with 'v=0') but got {what}"));
    }
    if !text.lines().any(|l| l.trim_start().starts_with("m=")) {
        return Err("the SDP answer has no media section (m=)".into());
    }
    Ok(())
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut src = e.source();
    while let Some(inner) = src {
        let t = inner.to_string();
        if !s.contains(&t) {
            s.push_str(": ");
            s.push_str(&t);
        }
        src = inner.source();
    }
    s
}

/// Removes the key, and anything that looks like an OpenAI key (OpenAI's own 401 message quotes a
/// masked form), from text that may reach the browser or the logs; control characters (line
/// breaks, NUL, terminal escapes) become spaces, so a reply cannot break up a message or a log line.
pub fn scrub(text: &str, key: &ApiKey) -> String {
    let mut out = text.replace(key.expose(), "<redacted>");
    if out.contains(char::is_control) {
        out = out.chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
    }
    let mut i = 0;
    while let Some(pos) = out[i..].find("sk-") {
        let start = i + pos;
        let tail = &out[start + 3..];
        let len = tail
            .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '*' | '.')))
            .unwrap_or(tail.len());
        if len >= 4 {
            out.replace_range(start..start + 3 + len, "sk-<redacted>");
            i = start + "sk-<redacted>".len();
        } else {
            i = start + 3;
        }
    }
    if out.chars().count() > MAX_DETAIL_CHARS {
        out = out.chars().take(MAX_DETAIL_CHARS).collect::<String>() + "…";
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_output_never_shows_the_key() {
        let key = "sk-proj-debugcheck-0123456789";
        let up = Upstream::new(UpstreamOptions {
            kind: UpstreamKind::OpenAi,
            base_url: "http://127.0.0.1:9".into(),
            api: UpstreamApi::Calls,
            key: ApiKey::new(key).unwrap(),
            session: SessionSettings::default(),
            connect_timeout: Duration::from_secs(1),
            timeout: Duration::from_secs(1),
        })
        .unwrap();
        let dbg = format!("{up:?}");
        assert!(dbg.contains("127.0.0.1:9"), "{dbg}");
        assert!(!dbg.contains("debugcheck"), "{dbg}");
    }

    #[test]
    fn call_ids_come_from_location() {
        assert_eq!(
            call_id_from_location("/v1/realtime/calls/rtc_u1_9c6574da8b8a41a18da9308f4ad974ce").as_deref(),
            Some("rtc_u1_9c6574da8b8a41a18da9308f4ad974ce")
        );
        assert_eq!(
            call_id_from_location("https://api.openai.com/v1/realtime/calls/rtc_x?y=1").as_deref(),
            Some("rtc_x")
        );
        assert_eq!(call_id_from_location("/v1/realtime/calls/rtc x"), None);
        assert_eq!(call_id_from_location(""), None);
    }

    #[test]
    fn scrub_hides_keys_and_masked_keys() {
        let key = ApiKey::new("sk-proj-abcdef123456").unwrap();
        let s = scrub("Incorrect API key provided: sk-proj-abcdef123456. Or sk-proj-****3456. Ok sk-", &key);
        assert!(!s.contains("abcdef123456"));
        assert!(!s.contains("3456"));
        assert!(s.contains("Incorrect API key provided"));
    }

    #[test]
    fn scrub_turns_control_characters_into_spaces() {
        // Found by fuzzing (fuzz/tests/server.rs): an upstream message with NUL, line breaks or a
        // terminal escape reached the error text and the log line as it was.
        let key = ApiKey::new("sk-proj-abcdef123456").unwrap();
        assert_eq!(scrub("bad\0thing\r\nhere \u{1b}[31mred\u{85}", &key), "bad thing  here  [31mred ");
    }

    #[test]
    fn answers_must_be_sdp() {
        assert!(check_answer(
            "application/sdp",
            b"v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\n"
        )
        .is_ok());
        assert!(check_answer("application/json", b"{\"ok\":true}").unwrap_err().contains("JSON"));
        assert!(check_answer("application/sdp", b"").unwrap_err().contains("empty"));
        assert!(check_answer("application/sdp", b"v=0\r\ns=-\r\n").unwrap_err().contains("media"));
    }
}
