//! The `hark-peer` binary starts, says where it listens, and serves the API.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use common::get_json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_binary_serves_the_api_where_it_says() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_hark-peer"))
        .args(["--http", "127.0.0.1:0", "--media-ip", "127.0.0.1"])
        .env("NO_COLOR", "1")
        .env("RUST_LOG", "info")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let url = tokio::task::spawn_blocking(move || {
        for line in BufReader::new(stdout).lines() {
            let line = line.unwrap();
            if let Some(rest) = line.split("ready at ").nth(1) {
                return rest.split_whitespace().next().unwrap().to_string();
            }
        }
        panic!("the binary never said where it listens");
    })
    .await
    .unwrap();
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");
    let http = reqwest::Client::new();
    let calls: serde_json::Value = get_json(&http, format!("{url}/_peer/calls")).await;
    assert_eq!(calls, serde_json::json!([]));
    let r = http.post(format!("{url}/v1/realtime/calls")).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 401);
    child.kill().unwrap();
    child.wait().unwrap();
}
