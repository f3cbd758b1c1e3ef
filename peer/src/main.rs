use std::net::{IpAddr, SocketAddr};

use clap::Parser;
use hark_peer::{Peer, PeerConfig};

/// A local peer that speaks the OpenAI Realtime API over WebRTC.
#[derive(Parser, Debug)]
#[command(name = "hark-peer")]
struct Args {
    /// Address of the HTTP API.
    #[arg(long, default_value = "127.0.0.1:8814")]
    http: SocketAddr,
    /// Address of the media (ICE host candidate) sockets.
    #[arg(long, default_value = "127.0.0.1")]
    media_ip: IpAddr,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()))
        .init();
    let args = Args::parse();
    let peer = Peer::start(PeerConfig { http_addr: args.http, media_ip: args.media_ip, ..Default::default() }).await?;
    tracing::info!("hark-peer listening on {}", peer.base_url());
    tokio::signal::ctrl_c().await?;
    peer.shutdown().await;
    Ok(())
}
