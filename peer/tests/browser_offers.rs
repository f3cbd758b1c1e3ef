//! Offers captured from real browsers (Chromium 156, Firefox ESR 153, both with a microphone track
//! and the `oai-events` channel) are answered the way those browsers need; and media can live on
//! an address other than 127.0.0.1 (IPv6 loopback here; 10.99.0.1 in the Firefox namespace).

mod common;

use common::*;
use hark_peer::client::{Endpoint, Mic, PendingClient};
use hark_peer::{Peer, PeerConfig, LOCAL_API_KEY};
use hark_protocol::events::{ClientEvent, ServerEvent};

const CHROMIUM: &str = include_str!("fixtures/chromium-156-offer.sdp");
const FIREFOX: &str = include_str!("fixtures/firefox-esr-153-offer.sdp");

async fn answer_for(peer: &Peer, offer: &str) -> String {
    let form =
        reqwest::multipart::Form::new().text("sdp", offer.to_string()).text("session", hark_session().to_string());
    let r = reqwest::Client::new()
        .post(format!("{}/v1/realtime/calls", peer.base_url()))
        .bearer_auth(LOCAL_API_KEY)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 201);
    r.text().await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn real_browser_offers_get_answers_browsers_accept() {
    let peer = peer(true).await;
    for (browser, offer) in [("chromium", CHROMIUM), ("firefox", FIREFOX)] {
        hark_protocol::sdp::check_offer(offer.as_bytes()).unwrap();
        let answer = answer_for(&peer, offer).await;
        let lines: Vec<&str> = answer.lines().collect();
        assert!(lines.contains(&"a=ice-lite"), "{browser}: {answer}");
        assert!(lines.iter().any(|l| l.starts_with("a=group:BUNDLE")), "{browser}");
        // The answer keeps the browser's m-lines, in order, with the browser's mids.
        let m: Vec<&str> = lines.iter().filter(|l| l.starts_with("m=")).map(|l| l.split(' ').next().unwrap()).collect();
        assert_eq!(m, ["m=audio", "m=application"], "{browser}");
        assert!(lines.contains(&"a=mid:0") && lines.contains(&"a=mid:1"), "{browser}");
        // DTLS role: the browser offered actpass; the peer must pick one side.
        assert!(
            lines.iter().all(|l| !l.starts_with("a=setup:") || *l == "a=setup:active" || *l == "a=setup:passive"),
            "{browser}"
        );
        assert!(lines.iter().any(|l| l.contains("opus/48000/2")), "{browser}");
        assert!(
            lines.iter().any(|l| l.starts_with("a=candidate:") && l.contains(" 127.0.0.1 ") && l.contains("typ host")),
            "{browser}"
        );
        assert!(lines.iter().any(|l| l.starts_with("a=sctp-port:")), "{browser}");
    }
    peer.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn media_on_ipv6_loopback() {
    let peer = Peer::start(PeerConfig { media_ip: "::1".parse().unwrap(), local_mode: false, ..Default::default() })
        .await
        .unwrap();
    let pending = PendingClient::new("::1".parse().unwrap()).await.unwrap();
    let mut client = pending
        .post(&peer.base_url(), LOCAL_API_KEY, Endpoint::Calls { session: hark_session() }, Mic::Speech)
        .await
        .unwrap();
    client.wait_open(T).await.unwrap();
    assert!(matches!(client.next_event(T).await.unwrap(), ServerEvent::SessionCreated { .. }));
    let call = peer.next_call().await.unwrap();
    client.send(&ClientEvent::user_text("hello over IPv6"));
    call.wait_event("conversation.item.create", T).await.unwrap();
    call.wait_for("audio", T, |i| i.audio.packets > 10).await.unwrap();
    peer.shutdown().await;
}
