//! Local realtime peer (see docs/architecture.md): speaks the OpenAI Realtime API over WebRTC on
//! the address it is given. The test backbone and the companion's upstream in local mode.
//!
//! - [`http`]: `POST /v1/realtime/calls`, `POST /v1/realtime?model=`, hangup, and `/_peer/*`.
//! - [`rtc`]: one task per call driving str0m (ICE-lite, DTLS, SCTP, Opus) over UDP.
//! - [`conversation`]: the event protocol of a call (pure logic).
//! - [`session`]: session checks the way OpenAI makes them.
//! - [`grammar`]: local mode's typed-command grammar.
//! - [`audio`]: Opus in/out, levels and voice activity.
//! - [`script`]: the scripting API for tests ([`CallHandle`], [`Faults`]).
//! - [`client`]: a WebRTC client (str0m) playing the browser, for tests and benchmarks.

use std::collections::VecDeque;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use thiserror::Error;
use tokio::sync::{oneshot, Notify, Semaphore};
use tokio::task::JoinHandle;

mod access;
pub mod audio;
pub mod client;
pub mod conversation;
pub mod grammar;
pub mod http;
pub mod rtc;
pub mod script;
pub mod session;

pub use audio::AudioStats;
pub use script::{CallHandle, CallInfo, Faults, FunctionOutput, HttpFailure, ScriptError, ToolInvocation};

/// An API key the peer accepts (any `sk-…` key is accepted; this one is what local mode uses).
pub const LOCAL_API_KEY: &str = "sk-hark-local";

/// How to run a peer.
#[derive(Debug, Clone)]
pub struct PeerConfig {
    /// Where the HTTP API listens. Default `127.0.0.1:0` (any free port).
    pub http_addr: SocketAddr,
    /// The address of the UDP socket of each call (the ICE host candidate). Default 127.0.0.1.
    pub media_ip: IpAddr,
    /// Local mode: typed commands are answered by the built-in grammar, speech gets the
    /// "speech needs an OpenAI key" answer. Default true. Scripted tests may turn it off.
    pub local_mode: bool,
    /// Accept the beta interface (`POST /v1/realtime?model=`, `OpenAI-Beta: realtime=v1`).
    /// Default true. OpenAI shut the beta API down on 2026-05-12 and now answers it with
    /// 400 `beta_api_shape_disabled`; set false to behave exactly like that.
    pub accept_beta_api: bool,
    /// Calls alive at once (answered and not yet ended). Beyond it a new call is refused at once
    /// with 429 `session_limit_reached` and `Retry-After`. Default [`DEFAULT_MAX_CALLS`].
    pub max_calls: usize,
    /// A call whose WebRTC connection (ICE + DTLS) is not up this long after its answer is ended
    /// and its resources freed (the client took the answer and never connected). Default
    /// [`DEFAULT_CONNECT_TIMEOUT`].
    pub connect_timeout: Duration,
    /// Mount the control endpoints (`/_peer/*`: read what clients sent, inject events). Default
    /// true (tests, the standalone `hark-peer`); the companion's local mode turns them off.
    pub control_api: bool,
    /// The one API key the realtime endpoints take. Default `None`: any `sk-…` key (a stand-in
    /// for OpenAI in tests); the companion's local mode sets a random key of its own.
    pub api_key: Option<String>,
}

/// Default [`PeerConfig::max_calls`]: far more than one person's sessions, few enough that a
/// runaway client cannot exhaust the machine's sockets or memory.
pub const DEFAULT_MAX_CALLS: usize = 64;
/// Default [`PeerConfig::connect_timeout`].
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(30);

impl Default for PeerConfig {
    fn default() -> Self {
        PeerConfig {
            http_addr: SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 0),
            media_ip: IpAddr::V4(Ipv4Addr::LOCALHOST),
            local_mode: true,
            accept_beta_api: true,
            max_calls: DEFAULT_MAX_CALLS,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            control_api: true,
            api_key: None,
        }
    }
}

#[derive(Debug, Error)]
pub enum PeerError {
    #[error("cannot listen on {addr}: {source}")]
    Bind { addr: SocketAddr, source: std::io::Error },
}

/// How many calls the peer remembers (ended ones are forgotten first).
pub const MAX_KEPT_CALLS: usize = 64;

pub(crate) struct PeerShared {
    pub config: PeerConfig,
    pub local_addr: SocketAddr,
    pub calls: Mutex<Vec<CallHandle>>,
    /// Calls ever started (the first is number 1).
    pub started: std::sync::atomic::AtomicUsize,
    /// Calls not yet taken by [`Peer::next_call`], oldest first; at most [`MAX_KEPT_CALLS`] (the
    /// oldest are dropped), so a peer nobody scripts does not keep every call ever made.
    pub new_calls: Mutex<VecDeque<CallHandle>>,
    pub new_call: Notify,
    /// One permit per live call ([`PeerConfig::max_calls`]); a call's task holds its permit.
    pub call_slots: Arc<Semaphore>,
    pub faults: Mutex<Faults>,
    pub on_open: Mutex<Vec<ToolInvocation>>,
}

impl PeerShared {
    /// Remember a new call (forgetting the oldest ended ones beyond [`MAX_KEPT_CALLS`]).
    pub(crate) fn register(&self, call: CallHandle) {
        let n = self.started.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1;
        call.shared.update(|s| s.info.number = n);
        {
            let mut queue = self.new_calls.lock().expect("new calls lock");
            queue.push_back(call.clone());
            while queue.len() > MAX_KEPT_CALLS {
                queue.pop_front();
            }
        }
        self.new_call.notify_one();
        let mut calls = self.calls.lock().expect("calls lock");
        calls.push(call);
        while calls.len() > MAX_KEPT_CALLS {
            match calls.iter().position(|c| c.info().ended) {
                Some(i) => {
                    calls.remove(i);
                }
                None => break,
            }
        }
    }

    /// Calls alive now (answered, not yet ended).
    pub(crate) fn live_calls(&self) -> usize {
        self.config.max_calls - self.call_slots.available_permits()
    }

    /// The n-th call ever started (1-based), if still remembered.
    pub(crate) fn nth_call(&self, n: usize) -> Option<CallHandle> {
        self.calls.lock().expect("calls lock").iter().find(|c| c.info().number == n).cloned()
    }
}

/// A running peer.
pub struct Peer {
    shared: Arc<PeerShared>,
    stop: oneshot::Sender<()>,
    task: JoinHandle<()>,
}

impl Peer {
    pub async fn start(config: PeerConfig) -> Result<Peer, PeerError> {
        rtc::init_crypto();
        let listener = tokio::net::TcpListener::bind(config.http_addr)
            .await
            .map_err(|source| PeerError::Bind { addr: config.http_addr, source })?;
        let local_addr = listener.local_addr().map_err(|source| PeerError::Bind { addr: config.http_addr, source })?;
        let shared = Arc::new(PeerShared {
            call_slots: Arc::new(Semaphore::new(config.max_calls)),
            config,
            local_addr,
            calls: Mutex::new(Vec::new()),
            started: Default::default(),
            new_calls: Mutex::new(VecDeque::new()),
            new_call: Notify::new(),
            faults: Mutex::new(Faults::default()),
            on_open: Mutex::new(Vec::new()),
        });
        let (stop, stopped) = oneshot::channel();
        let app = http::router(shared.clone());
        let task = tokio::spawn(async move {
            let served = axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>())
                .with_graceful_shutdown(async move {
                    let _ = stopped.await;
                })
                .await;
            if let Err(e) = served {
                tracing::warn!("hark-peer HTTP server stopped: {e}");
            }
        });
        tracing::info!("hark-peer listening on http://{local_addr} (media on {})", shared.config.media_ip);
        Ok(Peer { shared, stop, task })
    }

    /// `http://IP:PORT` of the HTTP API.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.shared.local_addr)
    }

    pub fn http_addr(&self) -> SocketAddr {
        self.shared.local_addr
    }

    /// The next call that arrives (each call is returned once, in order; of calls nobody took,
    /// only the last [`MAX_KEPT_CALLS`] are kept).
    pub async fn next_call(&self) -> Result<CallHandle, ScriptError> {
        let take = async {
            loop {
                let notified = self.shared.new_call.notified();
                if let Some(c) = self.shared.new_calls.lock().expect("new calls lock").pop_front() {
                    return c;
                }
                notified.await;
            }
        };
        tokio::time::timeout(script::DEFAULT_WAIT, take)
            .await
            .map_err(|_| ScriptError::Timeout(script::DEFAULT_WAIT, "a call"))
    }

    /// Calls alive now (answered and not yet ended): at most [`PeerConfig::max_calls`].
    pub fn live_calls(&self) -> usize {
        self.shared.live_calls()
    }

    /// Every call so far, oldest first.
    pub fn calls(&self) -> Vec<CallHandle> {
        self.shared.calls.lock().expect("calls lock").clone()
    }

    pub fn call(&self, id: &str) -> Option<CallHandle> {
        self.calls().into_iter().find(|c| c.id() == id)
    }

    /// Make the HTTP API misbehave (delay answers, answer with 401/429/500).
    pub fn set_faults(&self, faults: Faults) {
        *self.shared.faults.lock().expect("faults lock") = faults;
    }

    pub fn clear_faults(&self) {
        self.set_faults(Faults::default());
    }

    /// When a call's channel opens (after `session.created`), make these calls in one response.
    pub fn set_on_open(&self, calls: Vec<ToolInvocation>) {
        *self.shared.on_open.lock().expect("on_open lock") = calls;
    }

    /// Stop the HTTP server and hang up every call.
    pub async fn shutdown(self) {
        for c in self.calls() {
            let _ = c.hangup();
        }
        let _ = self.stop.send(());
        let _ = self.task.await;
    }
}
