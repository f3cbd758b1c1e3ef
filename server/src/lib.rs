//! Hark's companion (see docs/architecture.md): a small local HTTP service that pairs with the
//! extension, holds the OpenAI key and exchanges the browser's SDP offer with the Realtime API
//! (or, without a key, with Hark's local realtime peer run in process).
//!
//! - [`config`]: flags > environment > TOML file > defaults,
//! - [`token`]: the pairing token file,
//! - [`guard`]: Host check, CORS, token check, rate limit, concurrency cap,
//! - [`upstream`]: the upstream exchange and its failures,
//! - [`budget`]: the daily budget and today's spend (a file next to the pairing token),
//! - [`sideband`]: the companion's own line to each live call, for the budget,
//! - [`routes`]: the HTTP API,
//! - [`error`]: every error with its status and JSON,
//! - [`fake_upstream`]: an in-process stand-in for OpenAI that checks requests as OpenAI documents
//!   them (tests and the benchmark).

pub mod budget;
pub mod config;
pub mod error;
pub mod fake_upstream;
pub mod guard;
pub mod local;
pub mod routes;
pub mod sideband;
pub mod token;
pub mod upstream;

use std::net::SocketAddr;
use std::sync::Arc;

use thiserror::Error;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use budget::Budget;
use config::{ConfigError, Settings};
use guard::Admission;
use local::LocalPeer;
use routes::{AppState, Backend, Mode};
use sideband::Sideband;
use token::{LoadedToken, PairingToken, TokenError};
use upstream::{Upstream, UpstreamKind, UpstreamOptions};

/// Why the companion could not start.
#[derive(Debug, Error)]
pub enum StartError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Token(#[from] TokenError),
    #[error("cannot listen on {addr}: {source}{hint}")]
    Bind { addr: SocketAddr, source: std::io::Error, hint: &'static str },
    #[error("cannot set up the HTTP client: {0}")]
    Client(String),
    #[error(transparent)]
    Budget(#[from] budget::BudgetError),
}

/// A running companion.
#[derive(Debug)]
pub struct Companion {
    addr: SocketAddr,
    mode: Mode,
    ready: bool,
    token: LoadedToken,
    settings: Settings,
    upstream_url: String,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<std::io::Result<()>>,
    local: Option<LocalPeer>,
    sideband: Option<Arc<Sideband>>,
}

impl Companion {
    /// Loads (or creates) the pairing token, starts the upstream (the local peer in local mode),
    /// binds `settings.bind:settings.port` (port 0 picks a free one) and serves.
    pub async fn start(settings: Settings) -> Result<Companion, StartError> {
        let token = token::load_or_create(&settings.token_file)?;
        let listen = SocketAddr::new(settings.bind, settings.port);
        let listener = tokio::net::TcpListener::bind(listen).await.map_err(|source| StartError::Bind {
            addr: listen,
            hint: if source.kind() == std::io::ErrorKind::AddrInUse {
                " (is another hark-companion already running? stop it or pick another --port)"
            } else {
                ""
            },
            source,
        })?;
        let addr = listener.local_addr().map_err(|source| StartError::Bind { addr: listen, source, hint: "" })?;

        let (mode, backend, local, upstream_url) = build_backend(&settings).await?;
        let ready = matches!(backend, Backend::Upstream(_));
        // Local mode spends nothing: its budget would count the local peer's made-up usage.
        let sideband = match (&backend, settings.budget()?) {
            (Backend::Upstream(up), Some((limit, price))) if mode == Mode::Openai => {
                let budget = Arc::new(Budget::load(limit, price, settings.spend_file())?);
                Some(Arc::new(Sideband::new(up.base_url(), up.key().clone(), up.kind(), budget, up.clone())))
            }
            _ => None,
        };
        let state = Arc::new(AppState {
            token: token.token.clone(),
            allowed_hosts: guard::allowed_hosts(addr),
            allowed_origins: settings.allowed_origins.clone(),
            mode,
            backend,
            session: settings.session.clone(),
            price: settings.price(),
            limits: settings.limits.clone(),
            admission: Admission::new(settings.limits.rate_per_minute, settings.limits.max_concurrent),
            sideband: sideband.clone(),
        });
        let app = routes::router(state);
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            use axum::serve::ListenerExt;
            let listener = listener.tap_io(|tcp| {
                let _ = tcp.set_nodelay(true);
            });
            axum::serve(listener, app)
                .with_graceful_shutdown(async move {
                    let _ = stopped.await;
                })
                .await
        });
        tracing::info!(
            %addr,
            mode = mode.as_str(),
            ready,
            model = %settings.session.model,
            upstream = %upstream_url,
            token_file = %settings.token_file.display(),
            "hark-companion listening"
        );
        Ok(Companion { addr, mode, ready, token, settings, upstream_url, stop: Some(stop), task, local, sideband })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    pub fn mode(&self) -> Mode {
        self.mode
    }

    pub fn token(&self) -> &PairingToken {
        &self.token.token
    }

    /// Whether the pairing token was created by this start.
    pub fn token_created(&self) -> bool {
        self.token.created
    }

    /// The lines printed at start: address, mode, model, the token file (and, on first start, the
    /// token itself with how to paste it).
    pub fn status_text(&self) -> String {
        let s = &self.settings;
        let mut out = format!("Hark companion {} listening on http://{}\n", env!("CARGO_PKG_VERSION"), self.addr);
        match (self.mode, self.ready) {
            (Mode::Openai, _) => out.push_str(&format!(
                "  mode: openai (key from {}; upstream {} via {}; model {}, voice {})\n",
                s.api_key_source.as_deref().unwrap_or("?"),
                self.upstream_url,
                s.upstream_api.as_str(),
                s.session.model,
                s.session.voice,
            )),
            (Mode::Local, true) => out.push_str(&format!(
                "  mode: local (no OpenAI key: typed commands only; speech recognition needs an OpenAI key; local peer at {}; model {})\n",
                self.upstream_url, s.session.model
            )),
            (Mode::Local, false) => out.push_str(&format!(
                "  mode: local, unavailable ({}). Speech needs an OpenAI key: set OPENAI_API_KEY or pass --api-key-file.\n",
                self.upstream_url
            )),
        }
        if self.sideband.is_none() && s.daily_budget_usd.is_some() {
            out.push_str("  daily budget: not used in local mode (it spends nothing)\n");
        }
        if let Some(sb) = &self.sideband {
            let doc = sb.budget().doc();
            out.push_str(&format!(
                "  daily budget: {} (spend kept in {})\n",
                doc.summary,
                sb.budget().path().display()
            ));
            if let Some(message) = &doc.message {
                out.push_str(&format!("  {message}\n"));
            }
        }
        if !s.bind.is_loopback() {
            out.push_str(&format!(
                "  warning: listening on {} (not loopback): other machines can reach the companion; only the pairing token protects the key\n",
                s.bind
            ));
        }
        if !config::model_is_known(&s.session.model) {
            out.push_str(&format!(
                "  note: model {:?} is not one OpenAI documents for realtime; sessions may be refused\n",
                s.session.model
            ));
        }
        if self.token.created {
            out.push_str(&format!(
                "  New pairing token (shown once; saved with mode 0600 in {}):\n\n      {}\n\n  \
Paste it into Hark's options (right-click the Hark toolbar button → Options; in Firefox → Manage Extension → \
Options), field \"Pairing token\", then press \"Test connection\".\n",
                self.token.path.display(),
                self.token.token.reveal()
            ));
        } else {
            out.push_str(&format!(
                "  pairing token: {} (show it again with: hark-companion --print-token)\n",
                self.token.path.display()
            ));
        }
        out
    }

    /// Stops accepting connections, lets requests in flight finish, stops the local peer.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        match (&mut self.task).await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => tracing::error!(error = %e, "server error"),
            Err(e) => tracing::error!(error = %e, "server task failed"),
        }
        if let Some(local) = self.local.take() {
            local.shutdown().await;
        }
        tracing::info!("hark-companion stopped");
    }

    /// Serves until `stop` resolves (e.g. [`shutdown_signal`]), then shuts down gracefully.
    pub async fn run_until(self, stop: impl std::future::Future<Output = ()>) {
        stop.await;
        tracing::info!("shutting down");
        self.shutdown().await;
    }
}

async fn build_backend(settings: &Settings) -> Result<(Mode, Backend, Option<LocalPeer>, String), StartError> {
    let opts = |kind, base_url: String, key| UpstreamOptions {
        kind,
        base_url,
        api: settings.upstream_api,
        key,
        session: settings.session.clone(),
        connect_timeout: settings.limits.connect_timeout(),
        timeout: settings.limits.upstream_timeout(),
    };
    if settings.uses_openai() {
        let key = settings.api_key.clone().ok_or(ConfigError::OpenaiWithoutKey)?;
        if settings.upstream_url.starts_with("http://") && !is_loopback_url(&settings.upstream_url) {
            tracing::warn!(upstream = %settings.upstream_url, "the upstream URL is plain http: the API key crosses the network unencrypted");
        }
        let up = Upstream::new(opts(UpstreamKind::OpenAi, settings.upstream_url.clone(), key))
            .map_err(|e| StartError::Client(e.to_string()))?;
        let url = up.url().to_string();
        return Ok((Mode::Openai, Backend::Upstream(Arc::new(up)), None, url));
    }
    match LocalPeer::start(settings.media_ip, &settings.limits).await {
        Ok(peer) => {
            let up = Upstream::new(opts(UpstreamKind::LocalPeer, peer.base_url.clone(), peer.key.clone()))
                .map_err(|e| StartError::Client(e.to_string()))?;
            let url = peer.base_url.clone();
            Ok((Mode::Local, Backend::Upstream(Arc::new(up)), Some(peer), url))
        }
        Err(why) => {
            tracing::warn!(reason = %why, "the local peer could not start; session set-up is unavailable until an OpenAI key is configured");
            Ok((
                Mode::Local,
                Backend::Unavailable("the local peer (typed commands without a key) could not start"),
                None,
                why,
            ))
        }
    }
}

fn is_loopback_url(url: &str) -> bool {
    reqwest::Url::parse(url).ok().and_then(|u| u.host_str().map(str::to_owned)).is_some_and(|h| {
        let h = h.trim_start_matches('[').trim_end_matches(']');
        h.eq_ignore_ascii_case("localhost") || h.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
    })
}

/// Resolves when the process gets SIGINT (Ctrl-C) or SIGTERM. The handlers are installed when
/// this is called, not when the future is first polled: call it before telling anyone the
/// companion runs, or a signal sent right after the status line would kill it uncleanly.
#[cfg(unix)]
pub fn shutdown_signal() -> impl std::future::Future<Output = ()> {
    use tokio::signal::unix::{signal, SignalKind};
    let int = signal(SignalKind::interrupt()).ok();
    let term = signal(SignalKind::terminate()).ok();
    async move {
        let wait = |s: Option<tokio::signal::unix::Signal>| async move {
            match s {
                Some(mut s) => {
                    s.recv().await;
                }
                None => std::future::pending::<()>().await,
            }
        };
        tokio::select! {
            _ = wait(int) => {},
            _ = wait(term) => {},
        }
    }
}

/// Resolves on Ctrl-C.
#[cfg(not(unix))]
pub fn shutdown_signal() -> impl std::future::Future<Output = ()> {
    async {
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// Logs to stderr; `RUST_LOG` picks the level (default `info`).
pub fn init_logging() {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_target(false)
        .try_init();
}

/// The whole program behind `hark-companion` (also used by the benchmark to run a companion
/// process): parse, resolve, start, print the status line, serve until a signal.
pub async fn run(cli: config::Cli) -> anyhow::Result<()> {
    let settings = Settings::resolve(&cli, |k| std::env::var(k).ok())?;
    if cli.print_config {
        println!("{}", serde_json::to_string_pretty(&settings.to_public_json())?);
        return Ok(());
    }
    if cli.print_token {
        let t = token::load_or_create(&settings.token_file)?;
        println!("{}", t.token.reveal());
        return Ok(());
    }
    let companion = Companion::start(settings).await?;
    let stop = shutdown_signal();
    print!("{}", companion.status_text());
    use std::io::Write;
    let _ = std::io::stdout().flush();
    companion.run_until(stop).await;
    Ok(())
}
