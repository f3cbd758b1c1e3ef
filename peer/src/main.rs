use std::net::{IpAddr, SocketAddr};

use clap::Parser;
use hark_peer::{Peer, PeerConfig};

/// A local peer that speaks the OpenAI Realtime API over WebRTC (HTTP calls endpoints, ICE-lite,
/// DTLS, SCTP, Opus). Control endpoints for tests live under /_peer/ (this machine only).
#[derive(Parser, Debug)]
#[command(name = "hark-peer", version)]
struct Args {
    /// Address of the HTTP API.
    #[arg(long, default_value = "127.0.0.1:8814")]
    http: SocketAddr,
    /// Address of the media sockets (the ICE host candidate).
    #[arg(long, default_value = "127.0.0.1")]
    media_ip: IpAddr,
    /// Scripted mode: no built-in command grammar; typed messages and speech are only recorded
    /// (tests drive the calls through /_peer/).
    #[arg(long)]
    scripted: bool,
    /// Refuse the beta interface (`/v1/realtime?model=`) with 400 `beta_api_shape_disabled`,
    /// as OpenAI has since 2026-05-12.
    #[arg(long)]
    no_beta_api: bool,
    /// Calls alive at once; beyond it new calls are refused with 429 and Retry-After.
    #[arg(long, default_value_t = hark_peer::DEFAULT_MAX_CALLS)]
    max_calls: usize,
    /// A call not connected (ICE + DTLS) this many milliseconds after its answer is ended.
    #[arg(long, default_value_t = hark_peer::DEFAULT_CONNECT_TIMEOUT.as_millis() as u64)]
    webrtc_timeout_ms: u64,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info,str0m=warn".into()),
        )
        .init();
    let args = Args::parse();
    if !args.http.ip().is_loopback() {
        tracing::warn!(
            "the HTTP API listens on {}, not loopback: only do this inside a test's own network namespace",
            args.http
        );
    }
    let peer = Peer::start(PeerConfig {
        http_addr: args.http,
        media_ip: args.media_ip,
        local_mode: !args.scripted,
        accept_beta_api: !args.no_beta_api,
        max_calls: args.max_calls.max(1),
        connect_timeout: std::time::Duration::from_millis(args.webrtc_timeout_ms.max(1)),
        ..Default::default()
    })
    .await?;
    tracing::info!(
        "hark-peer ready at {} ({} mode; API key: any 'sk-…', e.g. {})",
        peer.base_url(),
        if args.scripted { "scripted" } else { "local" },
        hark_peer::LOCAL_API_KEY
    );
    tokio::signal::ctrl_c().await?;
    peer.shutdown().await;
    Ok(())
}
