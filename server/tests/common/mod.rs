//! Shared test harness: a companion (the real router and server, in process, on 127.0.0.1:0)
//! in front of the fake upstream, a log capture, and helpers.
#![allow(dead_code)]

use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};

use hark_server::config::{ApiKey, ModeChoice, Settings, DEFAULT_UPSTREAM_URL};
use hark_server::error::ErrorDoc;
use hark_server::fake_upstream::{FakeUpstream, OFFER_SDP};
use hark_server::Companion;
use tempfile::TempDir;

/// The OpenAI key the tests configure. It must never show up in a response or a log line.
pub const KEY: &str = "sk-proj-TESTKEY0123456789abcdefSECRET";
/// The Chrome extension's origin (from the one constant the companion uses).
pub fn chrome_origin() -> String {
    format!("chrome-extension://{}", hark_server::config::HARK_CHROME_EXTENSION_ID)
}

#[derive(Clone)]
struct BufWriter(Arc<Mutex<Vec<u8>>>);

impl Write for BufWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn log_buffer() -> &'static Arc<Mutex<Vec<u8>>> {
    static BUF: OnceLock<Arc<Mutex<Vec<u8>>>> = OnceLock::new();
    BUF.get_or_init(|| {
        let buf = Arc::new(Mutex::new(Vec::new()));
        let w = BufWriter(buf.clone());
        tracing_subscriber::fmt().with_env_filter("trace").with_ansi(false).with_writer(move || w.clone()).init();
        buf
    })
}

/// Everything logged so far by any test of this binary, at TRACE level (our crate, axum, hyper,
/// reqwest).
pub fn logs() -> String {
    String::from_utf8_lossy(&log_buffer().lock().unwrap()).into_owned()
}

/// Fails if the key (or a recognisable part of it) is in `text`.
pub fn assert_no_key(what: &str, text: &str) {
    assert!(!text.contains(KEY), "{what} contains the API key: {text}");
    assert!(!text.contains("TESTKEY0123456789"), "{what} contains part of the API key: {text}");
}

pub struct Harness {
    pub companion: Option<Companion>,
    pub fake: FakeUpstream,
    pub url: String,
    pub token: String,
    pub client: reqwest::Client,
    pub dir: TempDir,
}

impl Harness {
    pub async fn start() -> Harness {
        Harness::start_with(|_| {}).await
    }

    /// OpenAI mode with [`KEY`], upstream = a fresh fake upstream; `f` may change any setting.
    pub async fn start_with(f: impl FnOnce(&mut Settings)) -> Harness {
        log_buffer();
        let dir = tempfile::tempdir().unwrap();
        let mut s = Settings::with_token_file(dir.path().join("hark").join("pairing-token"));
        s.port = 0;
        s.api_key = Some(ApiKey::new(KEY).unwrap());
        s.api_key_source = Some("the test".into());
        s.mode = ModeChoice::Openai;
        f(&mut s);
        let fake = FakeUpstream::start(KEY, &s.session).await;
        if s.upstream_url == DEFAULT_UPSTREAM_URL {
            s.upstream_url = fake.base_url();
        }
        assert!(s.upstream_url.starts_with("http://127.0.0.1:"), "tests only talk to 127.0.0.1");
        let companion = Companion::start(s).await.expect("companion starts");
        let url = format!("http://{}", companion.local_addr());
        let token = companion.token().reveal().to_owned();
        let client = reqwest::Client::builder().no_proxy().build().unwrap();
        Harness { companion: Some(companion), fake, url, token, client, dir }
    }

    /// `POST /api/rtc-connect` with the token, `application/sdp` and a browser-like offer, from the
    /// Chrome extension's origin.
    pub fn offer(&self) -> reqwest::RequestBuilder {
        self.client
            .post(format!("{}/api/rtc-connect", self.url))
            .bearer_auth(&self.token)
            .header("origin", chrome_origin())
            .header("content-type", "application/sdp")
            .body(OFFER_SDP)
    }

    /// Like [`Harness::offer`], with headers replaced (`Some`) or removed (`None`) and optionally
    /// another body. (reqwest's `header()` appends, so overriding needs this.)
    pub async fn offer_with(&self, changes: &[(&str, Option<&str>)], body: Option<Vec<u8>>) -> reqwest::Response {
        let mut b = self.offer();
        if let Some(body) = body {
            b = b.body(body);
        }
        let mut req = b.build().unwrap();
        for (name, value) in changes {
            match value {
                Some(v) => {
                    req.headers_mut()
                        .insert(reqwest::header::HeaderName::from_bytes(name.as_bytes()).unwrap(), v.parse().unwrap());
                }
                None => {
                    req.headers_mut().remove(*name);
                }
            }
        }
        self.client.execute(req).await.unwrap()
    }

    pub fn get(&self, path: &str) -> reqwest::RequestBuilder {
        self.client.get(format!("{}{path}", self.url))
    }

    pub async fn shutdown(mut self) {
        if let Some(c) = self.companion.take() {
            c.shutdown().await;
        }
    }
}

/// Reads an error response: status, `error.code`, `error.message`; checks the body is the
/// documented JSON shape and holds no key.
pub async fn error_of(resp: reqwest::Response) -> (u16, String, String) {
    let status = resp.status().as_u16();
    let ct = resp.headers().get("content-type").map(|v| v.to_str().unwrap().to_owned()).unwrap_or_default();
    let body = resp.text().await.unwrap();
    assert_no_key("an error body", &body);
    assert!(ct.starts_with("application/json"), "error bodies are JSON, got {ct:?}: {body}");
    let doc: ErrorDoc = serde_json::from_str(&body).unwrap_or_else(|e| panic!("not an error document ({e}): {body}"));
    assert!(!doc.error.message.is_empty());
    (status, doc.error.code, doc.error.message)
}
