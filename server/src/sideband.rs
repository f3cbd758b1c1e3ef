//! The companion's own line to each live call: OpenAI's "sideband" WebSocket
//! (`wss://api.openai.com/v1/realtime?call_id=…`, the server's key). It reads the usage in every
//! `response.done` into the daily [`Budget`] and, when the day's budget is spent, ends every live
//! call with `POST /v1/realtime/calls/{id}/hangup`. Used only when a budget is configured.
//!
//! A sideband that drops is tried again a few times; meanwhile (and if it never comes back) the
//! call goes on and the budget counts it from the extension's reports (`POST /api/usage`).

use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;
use hark_protocol::events::{ServerEvent, ServerEventKind};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::Connector;

use crate::budget::Budget;
use crate::config::ApiKey;
use crate::upstream::{scrub, Upstream, UpstreamKind};

/// Attempts to (re)attach after a drop, and the wait before each.
const RECONNECTS: &[Duration] = &[Duration::from_millis(500), Duration::from_secs(2)];
/// A connection attempt that takes longer than this failed.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// Larger messages are not events the companion reads.
const MAX_MESSAGE_BYTES: usize = 4 << 20;

/// What the sideband tasks need: where to connect, the key, the budget and a way to hang up.
pub struct Sideband {
    base_ws_url: String,
    key: ApiKey,
    who: &'static str,
    tls: Connector,
    budget: Arc<Budget>,
    upstream: Arc<Upstream>,
}

impl std::fmt::Debug for Sideband {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sideband").field("base_ws_url", &self.base_ws_url).finish_non_exhaustive()
    }
}

impl Sideband {
    pub fn new(base_url: &str, key: ApiKey, kind: UpstreamKind, budget: Arc<Budget>, upstream: Arc<Upstream>) -> Self {
        let base_ws_url = match base_url.split_once("://") {
            Some(("https", rest)) => format!("wss://{rest}"),
            Some((_, rest)) => format!("ws://{rest}"),
            None => base_url.to_owned(),
        };
        Sideband { base_ws_url, key, who: kind.who(), tls: Connector::Rustls(tls_config()), budget, upstream }
    }

    pub fn budget(&self) -> &Arc<Budget> {
        &self.budget
    }

    /// Attaches to `call_id` in the background, for as long as the call lives.
    pub fn watch(self: &Arc<Self>, call_id: String) {
        self.budget.call_started(&call_id);
        let me = self.clone();
        tokio::spawn(async move { me.follow(call_id).await });
    }

    async fn follow(self: Arc<Self>, call_id: String) {
        let mut retries = RECONNECTS.iter();
        loop {
            match self.read_call(&call_id).await {
                Ok(Ended::Call) => {
                    self.budget.call_ended(&call_id);
                    tracing::debug!(call_id, "sideband: the call ended");
                    return;
                }
                Ok(Ended::HungUp) => return,
                Err(why) => {
                    self.budget.sideband_lost(&call_id, true);
                    let Some(wait) = retries.next() else {
                        tracing::warn!(call_id, reason = %why, "sideband lost for good: the daily budget counts this call from the extension's reports");
                        return;
                    };
                    tracing::warn!(call_id, reason = %why, "sideband lost: the daily budget counts this call from the extension's reports until it is back");
                    tokio::time::sleep(*wait).await;
                }
            }
        }
    }

    /// One sideband connection, read until the call ends or the connection fails.
    async fn read_call(&self, call_id: &str) -> Result<Ended, String> {
        let mut request = format!("{}/v1/realtime?call_id={call_id}", self.base_ws_url)
            .into_client_request()
            .map_err(|e| format!("bad sideband URL: {e}"))?;
        let mut auth = HeaderValue::from_str(&format!("Bearer {}", self.key.expose()))
            .expect("the key was checked to be printable ASCII");
        auth.set_sensitive(true);
        request.headers_mut().insert("authorization", auth);
        let config = tokio_tungstenite::tungstenite::protocol::WebSocketConfig::default()
            .max_message_size(Some(MAX_MESSAGE_BYTES))
            .max_frame_size(Some(MAX_MESSAGE_BYTES));
        let connect =
            tokio_tungstenite::connect_async_tls_with_config(request, Some(config), false, Some(self.tls.clone()));
        let (mut ws, _) = tokio::time::timeout(CONNECT_TIMEOUT, connect)
            .await
            .map_err(|_| format!("{} did not accept the sideband within {} s", self.who, CONNECT_TIMEOUT.as_secs()))?
            .map_err(|e| scrub(&format!("{} refused the sideband: {e}", self.who), &self.key))?;
        self.budget.sideband_lost(call_id, false);
        tracing::debug!(call_id, "sideband attached");
        while let Some(msg) = ws.next().await {
            let text = match msg {
                Ok(Message::Text(t)) => t,
                Ok(Message::Close(_)) => return Ok(Ended::Call),
                Ok(_) => continue,
                Err(e) => return Err(format!("the sideband connection failed: {e}")),
            };
            let Ok(Some(ServerEvent::ResponseDone { response, .. })) =
                ServerEvent::parse_where(&text, |k| k == ServerEventKind::ResponseDone)
            else {
                continue;
            };
            let Some(usage) = response.usage else { continue };
            if self.budget.sideband_usage(call_id, &usage) {
                let _ = ws.close(None).await;
                self.spent().await;
                return Ok(Ended::HungUp);
            }
        }
        Err("the sideband connection closed without a close frame".into())
    }

    /// Today's budget is spent: every live call is hung up.
    pub async fn spent(&self) {
        for id in self.budget.live_calls() {
            match self.upstream.hangup(&id).await {
                Ok(()) => tracing::warn!(call_id = %id, "daily budget spent: call hung up"),
                Err(e) => tracing::warn!(call_id = %id, error = %e, "daily budget spent: the hangup failed"),
            }
            self.budget.call_ended(&id);
        }
    }
}

enum Ended {
    /// The upstream closed the sideband: the call is over.
    Call,
    /// The companion hung up (budget spent).
    HungUp,
}

/// rustls with the ring provider (the one reqwest uses here) and the webpki roots, built
/// explicitly: with more than one provider compiled in, rustls has no process default.
fn tls_config() -> Arc<rustls::ClientConfig> {
    let roots = rustls::RootCertStore { roots: webpki_roots::TLS_SERVER_ROOTS.to_vec() };
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .expect("ring supports TLS 1.2 and 1.3")
        .with_root_certificates(roots)
        .with_no_client_auth();
    Arc::new(config)
}
