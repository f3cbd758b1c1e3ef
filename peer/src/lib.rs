//! Local realtime peer (see docs/architecture.md): speaks the OpenAI Realtime API over WebRTC on
//! the address it is given. The test backbone and the companion's upstream in local mode.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use thiserror::Error;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// An API key the peer accepts (any `sk-…` key is accepted; this one is what local mode uses).
pub const LOCAL_API_KEY: &str = "sk-hark-local";

/// How to run a peer.
#[derive(Debug, Clone)]
pub struct PeerConfig {
    /// Where the HTTP API listens. Default `127.0.0.1:0` (any free port).
    pub http_addr: SocketAddr,
    /// The address of the UDP socket of each call (the ICE host candidate). Default 127.0.0.1.
    pub media_ip: IpAddr,
    /// Local mode: typed commands are answered by the built-in grammar. Default true.
    pub local_mode: bool,
}

impl Default for PeerConfig {
    fn default() -> Self {
        PeerConfig {
            http_addr: SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 0),
            media_ip: IpAddr::V4(Ipv4Addr::LOCALHOST),
            local_mode: true,
        }
    }
}

#[derive(Debug, Error)]
pub enum PeerError {
    #[error("cannot listen on {addr}: {source}")]
    Bind { addr: SocketAddr, source: std::io::Error },
}

/// A running peer.
pub struct Peer {
    addr: SocketAddr,
    stop: oneshot::Sender<()>,
    task: JoinHandle<()>,
}

impl Peer {
    pub async fn start(config: PeerConfig) -> Result<Peer, PeerError> {
        let listener = tokio::net::TcpListener::bind(config.http_addr)
            .await
            .map_err(|source| PeerError::Bind { addr: config.http_addr, source })?;
        let addr = listener.local_addr().map_err(|source| PeerError::Bind { addr: config.http_addr, source })?;
        let (stop, stopped) = oneshot::channel();
        let app = axum::Router::new();
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(async move {
                    let _ = stopped.await;
                })
                .await;
        });
        Ok(Peer { addr, stop, task })
    }

    /// `http://IP:PORT` of the HTTP API.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub async fn shutdown(self) {
        let _ = self.stop.send(());
        let _ = self.task.await;
    }
}
