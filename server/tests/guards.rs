//! Every bad input is refused before the upstream is called, with a readable JSON error.

mod common;

use std::time::Duration;

use common::*;
use hark_server::fake_upstream::{Behavior, OFFER_SDP};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Sends raw HTTP/1.1 bytes and returns the whole response text.
async fn raw(addr: &str, request: &[u8]) -> String {
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    s.write_all(request).await.unwrap();
    let mut out = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(5), s.read_to_end(&mut out)).await;
    String::from_utf8_lossy(&out).into_owned()
}

#[tokio::test]
async fn missing_token_is_refused() {
    let h = Harness::start().await;
    let resp = h
        .client
        .post(format!("{}/api/rtc-connect", h.url))
        .header("content-type", "application/sdp")
        .body(OFFER_SDP)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.headers()["www-authenticate"].to_str().unwrap(), "Bearer realm=\"hark-companion\"");
    let (status, code, message) = error_of(resp).await;
    assert_eq!((status, code.as_str()), (401, "missing_token"));
    assert!(message.contains("Pairing token"), "tells the person where the token goes: {message}");
    let resp = h.get("/api/status").send().await.unwrap();
    assert_eq!(error_of(resp).await.1, "missing_token");
    // From the extension, the error carries the CORS grant so the extension can read why.
    let resp = h.get("/api/status").header("origin", chrome_origin()).send().await.unwrap();
    assert_eq!(resp.headers()["access-control-allow-origin"], chrome_origin().as_str());
    assert_eq!(error_of(resp).await.1, "missing_token");
    assert_eq!(h.fake.requests(), 0);
    h.shutdown().await;
}

#[tokio::test]
async fn wrong_token_is_refused() {
    let h = Harness::start().await;
    let almost = format!("{}x", h.token);
    for bad in [almost.as_str(), &h.token[..h.token.len() - 1], "hark_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"] {
        let auth = format!("Bearer {bad}");
        let resp = h.offer_with(&[("authorization", Some(&auth))], None).await;
        let (status, code, _) = error_of(resp).await;
        assert_eq!((status, code.as_str()), (401, "invalid_token"), "token {bad:?}");
    }
    // The token in another scheme is not a bearer token.
    let resp = h.offer_with(&[("authorization", Some(&format!("Basic {}", h.token)))], None).await;
    assert_eq!(error_of(resp).await.1, "missing_token");
    assert_eq!(h.fake.requests(), 0, "no upstream call without the right token");
    h.shutdown().await;
}

#[tokio::test]
async fn token_scheme_is_case_insensitive_and_no_origin_is_fine() {
    let h = Harness::start().await;
    let resp = h.offer_with(&[("authorization", Some(&format!("bearer {}", h.token)))], None).await;
    assert_eq!(resp.status(), 200);
    // Tools without an Origin (curl, scripts) only need the token.
    let resp = h.offer_with(&[("origin", None)], None).await;
    assert_eq!(resp.status(), 200);
    assert!(resp.headers().get("access-control-allow-origin").is_none());
    h.shutdown().await;
}

#[tokio::test]
async fn web_page_origins_are_refused_even_with_the_token() {
    let h = Harness::start().await;
    for origin in
        ["https://evil.example", "null", "chrome-extension://aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "http://127.0.0.1:8813"]
    {
        let resp = h.offer_with(&[("origin", Some(origin))], None).await;
        assert!(resp.headers().get("access-control-allow-origin").is_none());
        let (status, code, message) = error_of(resp).await;
        assert_eq!((status, code.as_str()), (403, "origin_not_allowed"), "{origin}");
        assert!(message.contains("--allowed-origin"), "{message}");
    }
    // Preflight from a page: refused, no CORS grant.
    let resp = h
        .client
        .request(reqwest::Method::OPTIONS, format!("{}/api/rtc-connect", h.url))
        .header("origin", "https://evil.example")
        .header("access-control-request-method", "POST")
        .header("access-control-request-headers", "authorization, content-type")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 403);
    assert!(resp.headers().get("access-control-allow-origin").is_none());
    assert_eq!(h.fake.requests(), 0);
    h.shutdown().await;
}

#[tokio::test]
async fn extension_origins_get_cors_preflight_answers() {
    let h = Harness::start().await;
    let chrome = chrome_origin();
    for origin in [chrome.as_str(), "moz-extension://5f0c3d2e-7a51-4b6b-9d8e-2f1a0c9b7e44"] {
        let resp = h
            .client
            .request(reqwest::Method::OPTIONS, format!("{}/api/rtc-connect", h.url))
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header("access-control-request-headers", "authorization, content-type")
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 204, "{origin}");
        let hd = resp.headers();
        assert_eq!(hd["access-control-allow-origin"], origin);
        assert!(hd["access-control-allow-headers"].to_str().unwrap().contains("authorization"));
        assert!(hd["access-control-allow-methods"].to_str().unwrap().contains("POST"));
        let resp = h.offer_with(&[("origin", Some(origin))], None).await;
        assert_eq!(resp.status(), 200);
        assert_eq!(resp.headers()["access-control-allow-origin"], origin);
    }
    h.shutdown().await;
}

#[tokio::test]
async fn rebound_host_names_are_refused() {
    let h = Harness::start().await;
    let port = h.companion.as_ref().unwrap().local_addr().port();
    for host in [
        format!("evil.example:{port}"),
        "evil.example".into(),
        format!("127.0.0.1:{}", port.wrapping_add(1)),
        format!("localhost.evil.example:{port}"),
    ] {
        let resp = h.offer_with(&[("host", Some(&host))], None).await;
        let (status, code, message) = error_of(resp).await;
        assert_eq!((status, code.as_str()), (421, "host_not_allowed"), "{host}");
        assert!(message.contains(&format!("127.0.0.1:{port}")), "{message}");
    }
    // healthz too, and with no Host at all (HTTP/1.0).
    let addr = h.url.trim_start_matches("http://").to_owned();
    let out = raw(
        &addr,
        format!("GET /healthz HTTP/1.1\r\nHost: evil.example:{port}\r\nConnection: close\r\n\r\n").as_bytes(),
    )
    .await;
    assert!(out.starts_with("HTTP/1.1 421"), "{out}");
    let out = raw(&addr, b"GET /healthz HTTP/1.0\r\n\r\n").await;
    assert!(out.starts_with("HTTP/1.0 421") || out.starts_with("HTTP/1.1 421"), "{out}");
    // The names of this machine are fine.
    for host in [format!("localhost:{port}"), format!("127.0.0.1:{port}"), format!("LOCALHOST:{port}")] {
        let resp = h.get("/healthz").header("host", host.clone()).send().await.unwrap();
        assert_eq!(resp.status(), 200, "{host}");
    }
    assert_eq!(h.fake.requests(), 0);
    h.shutdown().await;
}

#[tokio::test]
async fn oversize_offers_are_refused_before_reading_them_all() {
    let h = Harness::start().await;
    let big = format!("{OFFER_SDP}{}", "a=x-padding:0123456789\r\n".repeat(4000));
    assert!(big.len() > 64 * 1024);
    let resp = h.offer().body(big.clone()).send().await.unwrap();
    let (status, code, message) = error_of(resp).await;
    assert_eq!((status, code.as_str()), (413, "offer_too_large"));
    assert!(message.contains("65536"), "{message}");

    // Without Content-Length (chunked), the limit applies while reading.
    let addr = h.url.trim_start_matches("http://").to_owned();
    let chunk = "a".repeat(32 * 1024);
    let mut req = format!(
        "POST /api/rtc-connect HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {}\r\nContent-Type: application/sdp\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n",
        h.token
    );
    for _ in 0..3 {
        req.push_str(&format!("{:x}\r\n{chunk}\r\n", chunk.len()));
    }
    req.push_str("0\r\n\r\n");
    let out = raw(&addr, req.as_bytes()).await;
    assert!(out.starts_with("HTTP/1.1 413"), "{}", &out[..out.len().min(300)]);
    assert!(out.contains("offer_too_large"));
    assert_eq!(h.fake.requests(), 0);
    h.shutdown().await;
}

#[tokio::test]
async fn a_smaller_configured_limit_applies() {
    let h = Harness::start_with(|s| s.limits.max_body_bytes = 500).await;
    let resp = h.offer().send().await.unwrap();
    let (status, code, _) = error_of(resp).await;
    assert_eq!((status, code.as_str()), (413, "offer_too_large"));
    h.shutdown().await;
}

#[tokio::test]
async fn things_that_are_not_an_offer_are_refused() {
    let h = Harness::start().await;
    let cases: Vec<(Vec<u8>, &str)> = vec![
        (b"".to_vec(), "empty"),
        (br#"{"type":"offer","sdp":"v=0"}"#.to_vec(), "v=0"),
        (b"hello".to_vec(), "v=0"),
        (vec![0xff, 0xfe, 0xfd], "UTF-8"),
        (OFFER_SDP.replace("m=audio", "m=video").into_bytes(), "audio"),
        (OFFER_SDP.replace("webrtc-datachannel", "x").into_bytes(), "data channel"),
        (OFFER_SDP.replace("a=fingerprint", "a=x").into_bytes(), "fingerprint"),
    ];
    for (body, hint) in cases {
        let resp = h.offer().body(body.clone()).send().await.unwrap();
        let (status, code, message) = error_of(resp).await;
        assert_eq!((status, code.as_str()), (400, "invalid_offer"), "{}", String::from_utf8_lossy(&body));
        assert!(message.contains(hint), "message should name the defect ({hint}): {message}");
    }
    assert_eq!(h.fake.requests(), 0, "bad offers never reach the upstream");
    h.shutdown().await;
}

#[tokio::test]
async fn offers_must_be_sent_as_application_sdp() {
    let h = Harness::start().await;
    for ct in ["application/json", "text/plain;charset=UTF-8", "multipart/form-data; boundary=x"] {
        let resp = h.offer_with(&[("content-type", Some(ct))], None).await;
        let (status, code, message) = error_of(resp).await;
        assert_eq!((status, code.as_str()), (415, "unsupported_media_type"), "{ct}");
        assert!(message.contains("application/sdp"));
    }
    let resp = h.offer_with(&[("content-type", Some("application/sdp; charset=utf-8"))], None).await;
    assert_eq!(resp.status(), 200, "parameters on application/sdp are fine");
    h.shutdown().await;
}

#[tokio::test]
async fn rate_limit_per_token_answers_429_with_retry_after() {
    let h = Harness::start_with(|s| s.limits.rate_per_minute = 2).await;
    for _ in 0..2 {
        assert_eq!(h.offer().send().await.unwrap().status(), 200);
    }
    let resp = h.offer().send().await.unwrap();
    let retry: u64 = resp.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=60).contains(&retry), "Retry-After {retry}");
    let (status, code, message) = error_of(resp).await;
    assert_eq!((status, code.as_str()), (429, "rate_limited"));
    assert!(message.contains("2 per minute"), "{message}");
    assert_eq!(h.fake.requests(), 2, "the refused session never reached the upstream");
    // A bad offer is refused on its own merits and does not use up the budget's check.
    let resp = h.offer().body("nope").send().await.unwrap();
    assert_eq!(error_of(resp).await.1, "invalid_offer");
    h.shutdown().await;
}

#[tokio::test]
async fn concurrent_set_ups_beyond_the_cap_get_503() {
    let h = Harness::start_with(|s| s.limits.max_concurrent = 1).await;
    h.fake.set_behavior(Behavior::Slow(Duration::from_millis(500)));
    let first = tokio::spawn(h.offer().send());
    tokio::time::sleep(Duration::from_millis(150)).await;
    let resp = h.offer().send().await.unwrap();
    assert_eq!(resp.headers()["retry-after"], "1");
    let (status, code, _) = error_of(resp).await;
    assert_eq!((status, code.as_str()), (503, "busy"));
    assert_eq!(first.await.unwrap().unwrap().status(), 200, "the first one is unaffected");
    assert_eq!(h.offer().send().await.unwrap().status(), 200, "the slot is free again");
    h.shutdown().await;
}

#[tokio::test]
async fn unknown_paths_and_methods_get_json_errors() {
    let h = Harness::start().await;
    let resp = h.get("/api/rtc_connect").bearer_auth(&h.token).send().await.unwrap();
    let (status, code, message) = error_of(resp).await;
    assert_eq!((status, code.as_str()), (404, "not_found"));
    assert!(message.contains("/api/rtc-connect"));
    let resp = h.get("/api/rtc-connect").bearer_auth(&h.token).send().await.unwrap();
    let (status, code, message) = error_of(resp).await;
    assert_eq!((status, code.as_str()), (405, "method_not_allowed"));
    assert!(message.contains("POST /api/rtc-connect"), "{message}");
    h.shutdown().await;
}
