//! Each upstream failure becomes its own status, code and a message that says what to do, and
//! never carries the key.

mod common;

use std::time::{Duration, Instant};

use common::*;
use hark_server::fake_upstream::Behavior;

fn openai_error(status: u16, message: &str, code: Option<&str>, retry_after: Option<&str>) -> Behavior {
    Behavior::Error {
        status,
        message: message.into(),
        code: code.map(Into::into),
        retry_after: retry_after.map(Into::into),
    }
}

#[tokio::test]
async fn rejected_key_is_reported_without_the_key() {
    let h = Harness::start().await;
    h.fake.set_behavior(Behavior::RejectKeyQuotingIt);
    let resp = h.offer().send().await.unwrap();
    let (status, code, message) = error_of(resp).await;
    assert_eq!((status, code.as_str()), (502, "upstream_unauthorized"));
    assert!(message.contains("OpenAI rejected the companion's API key"), "{message}");
    assert!(message.contains("Incorrect API key provided"), "OpenAI's own message is passed on: {message}");
    assert!(message.contains("invalid_api_key"), "{message}");
    assert!(message.contains("OPENAI_API_KEY"), "says what to fix: {message}");
    let logs = logs();
    assert!(logs.contains("upstream_unauthorized"), "the failure is logged");
    assert_no_key("the logs", &logs);
    h.shutdown().await;
}

#[tokio::test]
async fn a_wrong_key_gets_openais_401() {
    // The fake accepts only KEY; configure another one.
    let h =
        Harness::start_with(|s| s.api_key = Some(hark_server::config::ApiKey::new("sk-other-key-1234567890").unwrap()))
            .await;
    let resp = h.offer().send().await.unwrap();
    let (status, code, message) = error_of(resp).await;
    assert_eq!((status, code.as_str()), (502, "upstream_unauthorized"));
    assert!(!message.contains("sk-other-key-1234567890"));
    h.shutdown().await;
}

#[tokio::test]
async fn no_model_access_is_a_403_that_names_the_model() {
    let h = Harness::start().await;
    h.fake.set_behavior(openai_error(
        403,
        "Project proj_abc does not have access to model gpt-realtime",
        Some("model_not_found"),
        None,
    ));
    let (status, code, message) = error_of(h.offer().send().await.unwrap()).await;
    assert_eq!((status, code.as_str()), (502, "upstream_forbidden"));
    assert!(message.contains("does not have access to model gpt-realtime"), "{message}");
    assert!(message.contains("--model"), "{message}");
    h.shutdown().await;
}

#[tokio::test]
async fn upstream_rate_limit_passes_retry_after_on() {
    let h = Harness::start().await;
    h.fake.set_behavior(openai_error(429, "Rate limit reached for requests", Some("rate_limit_exceeded"), Some("17")));
    let resp = h.offer().send().await.unwrap();
    assert_eq!(resp.headers()["retry-after"], "17");
    let (status, code, message) = error_of(resp).await;
    assert_eq!((status, code.as_str()), (429, "upstream_rate_limited"));
    assert!(message.contains("Wait 17 s"), "{message}");
    h.shutdown().await;
}

#[tokio::test]
async fn out_of_quota_is_told_apart_from_rate_limits() {
    let h = Harness::start().await;
    h.fake.set_behavior(openai_error(
        429,
        "You exceeded your current quota, please check your plan and billing details.",
        Some("insufficient_quota"),
        None,
    ));
    let (status, code, message) = error_of(h.offer().send().await.unwrap()).await;
    assert_eq!((status, code.as_str()), (429, "upstream_quota_exceeded"));
    assert!(message.contains("billing"), "{message}");
    h.shutdown().await;
}

#[tokio::test]
async fn upstream_server_errors_become_502() {
    let h = Harness::start().await;
    h.fake.set_behavior(openai_error(500, "The server had an error while processing your request.", None, None));
    let (status, code, message) = error_of(h.offer().send().await.unwrap()).await;
    assert_eq!((status, code.as_str()), (502, "upstream_server_error"));
    assert!(message.contains("HTTP 500") && message.contains("try again"), "{message}");

    h.fake.set_behavior(Behavior::HtmlError);
    let (status, code, message) = error_of(h.offer().send().await.unwrap()).await;
    assert_eq!((status, code.as_str()), (502, "upstream_server_error"));
    assert!(message.contains("no JSON error document") && message.contains("502 Bad Gateway"), "{message}");
    h.shutdown().await;
}

#[tokio::test]
async fn other_refusals_pass_openais_message_on() {
    let h = Harness::start().await;
    h.fake.set_behavior(openai_error(
        400,
        "Invalid value: 'nobody'. Supported values are: 'alloy', 'marin'.",
        Some("invalid_value"),
        None,
    ));
    let (status, code, message) = error_of(h.offer().send().await.unwrap()).await;
    assert_eq!((status, code.as_str()), (502, "upstream_rejected"));
    assert!(message.contains("Supported values are"), "{message}");
    h.shutdown().await;
}

#[tokio::test]
async fn slow_upstream_times_out() {
    let h = Harness::start_with(|s| s.limits.upstream_timeout_ms = 300).await;
    h.fake.set_behavior(Behavior::Slow(Duration::from_secs(5)));
    let started = Instant::now();
    let (status, code, message) = error_of(h.offer().send().await.unwrap()).await;
    assert_eq!((status, code.as_str()), (504, "upstream_timeout"));
    assert!(started.elapsed() < Duration::from_secs(3), "gave up after {:?}", started.elapsed());
    assert!(message.contains("300 ms") && message.contains("--upstream-timeout-ms"), "{message}");
    h.shutdown().await;
}

#[tokio::test]
async fn answerless_or_non_sdp_replies_are_malformed() {
    let h = Harness::start().await;
    h.fake.set_behavior(Behavior::JsonInsteadOfSdp);
    let (status, code, message) = error_of(h.offer().send().await.unwrap()).await;
    assert_eq!((status, code.as_str()), (502, "upstream_malformed"));
    assert!(message.contains("JSON"), "{message}");

    h.fake.set_behavior(Behavior::EmptyAnswer);
    let (status, code, message) = error_of(h.offer().send().await.unwrap()).await;
    assert_eq!((status, code.as_str()), (502, "upstream_malformed"));
    assert!(message.contains("no SDP answer"), "{message}");
    h.shutdown().await;
}

#[tokio::test]
async fn unreachable_upstream_is_reported() {
    // A port nothing listens on.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let h = Harness::start_with(|s| s.upstream_url = format!("http://127.0.0.1:{port}")).await;
    let (status, code, message) = error_of(h.offer().send().await.unwrap()).await;
    assert_eq!((status, code.as_str()), (502, "upstream_unreachable"));
    assert!(message.contains(&format!("127.0.0.1:{port}")), "{message}");
    h.shutdown().await;
}

#[tokio::test]
async fn connect_timeout_is_its_own_error() {
    // A listener whose accept queue is full: the kernel drops further SYNs, so connecting hangs.
    let sock = tokio::net::TcpSocket::new_v4().unwrap();
    sock.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let listener = sock.listen(1).unwrap();
    let addr = listener.local_addr().unwrap();
    let mut fillers = Vec::new();
    for _ in 0..16 {
        match tokio::time::timeout(Duration::from_millis(200), tokio::net::TcpStream::connect(addr)).await {
            Ok(Ok(s)) => fillers.push(s),
            _ => break,
        }
    }
    let h = Harness::start_with(|s| {
        s.upstream_url = format!("http://{addr}");
        s.limits.connect_timeout_ms = 300;
        s.limits.upstream_timeout_ms = 5_000;
    })
    .await;
    let started = Instant::now();
    let (status, code, message) = error_of(h.offer().send().await.unwrap()).await;
    assert_eq!((status, code.as_str()), (504, "upstream_connect_timeout"), "{message}");
    assert!(started.elapsed() < Duration::from_secs(3));
    assert!(message.contains("300 ms"), "{message}");
    drop(listener);
    h.shutdown().await;
}

#[tokio::test]
async fn no_error_path_leaks_the_key_into_logs() {
    // Runs every failure once more in one place and then checks the whole TRACE log.
    let h = Harness::start_with(|s| s.limits.upstream_timeout_ms = 200).await;
    for b in [
        Behavior::RejectKeyQuotingIt,
        openai_error(403, "no access", None, None),
        openai_error(429, "slow down", None, Some("3")),
        openai_error(503, "overloaded", None, None),
        Behavior::Slow(Duration::from_secs(2)),
        Behavior::JsonInsteadOfSdp,
        Behavior::Answer,
    ] {
        h.fake.set_behavior(b);
        let resp = h.offer().send().await.unwrap();
        let body = resp.text().await.unwrap();
        assert_no_key("a response body", &body);
    }
    let logs = logs();
    assert!(logs.contains("upstream_timeout") && logs.contains("session set up"), "the log capture works");
    assert_no_key("the logs", &logs);
    h.shutdown().await;
}
