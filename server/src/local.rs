//! Local mode: with no OpenAI key the companion runs Hark's local realtime peer in process and
//! uses it as its upstream, through the same code as OpenAI (only the base URL and key differ).

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use crate::config::{ApiKey, Limits};

/// A running in-process local peer.
pub struct LocalPeer {
    pub base_url: String,
    pub key: ApiKey,
    #[cfg(feature = "local-peer")]
    peer: hark_peer::Peer,
}

impl std::fmt::Debug for LocalPeer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LocalPeer").field("base_url", &self.base_url).finish_non_exhaustive()
    }
}

impl LocalPeer {
    /// Starts the peer's HTTP API on a free loopback port; calls announce `media_ip`; the
    /// `local_*` limits bound its calls. Only the companion can use it: the realtime endpoints
    /// take one random key, and the control endpoints (`/_peer/*`) are not mounted.
    #[cfg(feature = "local-peer")]
    pub async fn start(media_ip: IpAddr, limits: &Limits) -> Result<LocalPeer, String> {
        let defaults = hark_peer::PeerConfig::default();
        let secret = crate::token::PairingToken::generate().map_err(|e| e.to_string())?;
        let secret = format!("sk-hark-local-{}", secret.reveal());
        let key = ApiKey::new(secret.clone()).map_err(|e| e.to_string())?;
        let config = hark_peer::PeerConfig {
            http_addr: SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 0),
            media_ip,
            max_calls: limits.local_max_calls.unwrap_or(defaults.max_calls),
            connect_timeout: limits
                .local_webrtc_timeout_ms
                .map_or(defaults.connect_timeout, std::time::Duration::from_millis),
            control_api: false,
            api_key: Some(secret),
            ..defaults
        };
        let peer = hark_peer::Peer::start(config).await.map_err(|e| e.to_string())?;
        Ok(LocalPeer { base_url: peer.base_url(), key, peer })
    }

    /// Built without the `local-peer` feature: there is no local peer to start.
    #[cfg(not(feature = "local-peer"))]
    pub async fn start(media_ip: IpAddr, limits: &Limits) -> Result<LocalPeer, String> {
        let _ = (media_ip, limits, SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 0));
        Err("this build of hark-companion has no local peer (built without the 'local-peer' feature)".into())
    }

    pub async fn shutdown(self) {
        #[cfg(feature = "local-peer")]
        self.peer.shutdown().await;
    }
}
