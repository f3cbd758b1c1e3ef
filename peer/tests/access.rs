//! Who may use the peer's HTTP API: the control endpoints only by address (no DNS-rebound name),
//! and not at all when turned off; the realtime endpoints only with the configured key.

use hark_peer::{Peer, PeerConfig, LOCAL_API_KEY};
use hark_protocol::sdp::SAMPLE_BROWSER_OFFER as OFFER_SDP;

fn http() -> reqwest::Client {
    reqwest::Client::builder().no_proxy().build().unwrap()
}

#[tokio::test]
async fn control_endpoints_refuse_names_a_dns_rebinding_could_point_here() {
    let peer = Peer::start(PeerConfig::default()).await.unwrap();
    let base = peer.base_url();
    let port = base.rsplit(':').next().unwrap().to_owned();
    for (host, want) in [
        (format!("127.0.0.1:{port}"), 200),
        (format!("localhost:{port}"), 200),
        (format!("rebound.evil.example:{port}"), 421),
        (format!("127.0.0.1.nip.io:{port}"), 421),
    ] {
        let r = http().get(format!("{base}/_peer/calls")).header("host", &host).send().await.unwrap();
        assert_eq!(r.status(), want, "Host: {host}");
    }
    peer.shutdown().await;
}

#[tokio::test]
async fn turned_off_control_endpoints_are_not_there_and_a_set_key_is_the_only_key() {
    let secret = "sk-hark-local-only-this-one";
    let peer = Peer::start(PeerConfig { control_api: false, api_key: Some(secret.into()), ..Default::default() })
        .await
        .unwrap();
    let base = peer.base_url();
    for path in ["/_peer/calls", "/_peer/calls/latest/events", "/_peer/faults"] {
        let r = http().get(format!("{base}{path}")).send().await.unwrap();
        assert_eq!(r.status(), 404, "{path}");
    }
    let r = http()
        .post(format!("{base}/_peer/calls/latest/transcript"))
        .json(&serde_json::json!({"transcript": "yes"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    // Any other `sk-` key (the one every peer used to take) is refused like OpenAI refuses it.
    for key in [LOCAL_API_KEY, "sk-hark-local-only-this-onf", ""] {
        let r = http()
            .post(format!("{base}/v1/realtime/calls"))
            .bearer_auth(key)
            .header("content-type", "application/sdp")
            .body(OFFER_SDP)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 401, "key {key:?}");
        let r = http().post(format!("{base}/v1/realtime/calls/rtc_x/hangup")).bearer_auth(key).send().await.unwrap();
        assert_eq!(r.status(), 401, "hangup with key {key:?}");
    }
    let r = http()
        .post(format!("{base}/v1/realtime/calls"))
        .bearer_auth(secret)
        .header("content-type", "application/sdp")
        .body(OFFER_SDP)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    peer.shutdown().await;
}
