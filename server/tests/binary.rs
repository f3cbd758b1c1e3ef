//! The real `hark-companion` binary: configuration layers, the token file, the status line,
//! local mode, graceful shutdown on SIGTERM, startup errors. Each run gets a clean environment
//! and its own config folder.

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use common::{assert_no_key, KEY};
use hark_protocol::session::SessionSettings;
use hark_server::fake_upstream::{FakeUpstream, OFFER_SDP};
use serde_json::Value;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, BufReader};
use tokio::process::{Child, Command};

const BIN: &str = env!("CARGO_BIN_EXE_hark-companion");

/// A clean environment: HOME and XDG_CONFIG_HOME inside a temp folder, nothing else inherited.
struct Home {
    dir: tempfile::TempDir,
}

impl Home {
    fn new() -> Home {
        Home { dir: tempfile::tempdir().unwrap() }
    }
    fn config_dir(&self) -> PathBuf {
        self.dir.path().join("config").join("hark")
    }
    fn cmd(&self, args: &[&str], env: &[(&str, &str)]) -> Command {
        let mut c = Command::new(BIN);
        c.args(args)
            .env_clear()
            .env("HOME", self.dir.path())
            .env("XDG_CONFIG_HOME", self.dir.path().join("config"))
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        c
    }
    async fn output(&self, args: &[&str], env: &[(&str, &str)]) -> (i32, String, String) {
        let out =
            tokio::time::timeout(Duration::from_secs(30), self.cmd(args, env).output()).await.expect("exits").unwrap();
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }
    async fn print_config(&self, args: &[&str], env: &[(&str, &str)]) -> Value {
        let mut all = vec!["--print-config"];
        all.extend_from_slice(args);
        let (code, out, err) = self.output(&all, env).await;
        assert_eq!(code, 0, "{err}");
        serde_json::from_str(&out).unwrap()
    }
    fn write_config(&self, text: &str) -> PathBuf {
        std::fs::create_dir_all(self.config_dir()).unwrap();
        let p = self.config_dir().join("companion.toml");
        std::fs::write(&p, text).unwrap();
        p
    }
}

fn mode_of(p: &Path) -> u32 {
    std::fs::metadata(p).unwrap().permissions().mode() & 0o777
}

#[tokio::test]
async fn flags_beat_environment_beat_the_config_file() {
    let home = Home::new();
    home.write_config(
        r#"
model = "file-model"
voice = "file-voice"
instructions = "file instructions"
port = 9001
allowed_origins = ["chrome-extension://fileextensionidfileextensionidxx"]
[limits]
rate_per_minute = 7
max_concurrent = 3
"#,
    );
    // The file alone (found in the default place, <config dir>/hark/companion.toml).
    let v = home.print_config(&[], &[]).await;
    assert_eq!(v["model"], "file-model");
    assert_eq!(v["port"], 9001);
    assert_eq!(v["limits"]["rate_per_minute"], 7);
    assert_eq!(v["allowed_origins"], serde_json::json!(["chrome-extension://fileextensionidfileextensionidxx"]));
    assert_eq!(v["mode"], "auto");

    // Environment over the file.
    let env = [("HARK_MODEL", "env-model"), ("HARK_VOICE", "env-voice"), ("HARK_RATE_PER_MINUTE", "11")];
    let v = home.print_config(&[], &env).await;
    assert_eq!((v["model"].as_str(), v["voice"].as_str()), (Some("env-model"), Some("env-voice")));
    assert_eq!(v["limits"]["rate_per_minute"], 11);
    assert_eq!(v["port"], 9001, "not set elsewhere: the file's value");

    // Flags over both.
    let v = home.print_config(&["--model", "flag-model", "--max-concurrent", "5"], &env).await;
    assert_eq!(v["model"], "flag-model");
    assert_eq!(v["voice"], "env-voice");
    assert_eq!(v["instructions"], "file instructions");
    assert_eq!(v["limits"]["max_concurrent"], 5);
    assert_eq!(v["limits"]["rate_per_minute"], 11);
    // Untouched settings keep their defaults.
    assert_eq!(v["bind"], "127.0.0.1");
    assert_eq!(v["upstream_url"], "https://api.openai.com");
    assert_eq!(v["upstream_api"], "calls");
    assert_eq!(v["transcription_model"], "gpt-4o-mini-transcribe");
    assert_eq!(v["token_file"], home.config_dir().join("pairing-token").to_str().unwrap());
}

#[tokio::test]
async fn explicit_config_file_and_lists_from_the_environment() {
    let home = Home::new();
    let other = home.dir.path().join("elsewhere.toml");
    std::fs::write(&other, "upstream_api = \"legacy\"\ntoken_file = \"tok\"\ntranscription_model = \"none\"\n")
        .unwrap();
    let v = home
        .print_config(
            &["--config", other.to_str().unwrap()],
            &[("HARK_ALLOWED_ORIGINS", "chrome-extension://abc,moz-extension://*")],
        )
        .await;
    assert_eq!(v["upstream_api"], "legacy");
    assert_eq!(v["transcription_model"], Value::Null);
    assert_eq!(v["token_file"], home.dir.path().join("tok").to_str().unwrap(), "relative to the config file");
    assert_eq!(v["allowed_origins"], serde_json::json!(["chrome-extension://abc", "moz-extension://*"]));
}

#[tokio::test]
async fn key_file_flag_beats_openai_api_key_and_neither_is_printed() {
    let home = Home::new();
    let key_file = home.dir.path().join("key");
    std::fs::write(&key_file, "sk-from-file-0123456789\n").unwrap();
    let (code, out, err) = home.output(&["--print-config"], &[("OPENAI_API_KEY", KEY)]).await;
    assert_eq!(code, 0);
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["api_key"], "set (from OPENAI_API_KEY)");
    assert_no_key("--print-config", &(out + &err));

    let (code, out, _) = home
        .output(&["--print-config", "--api-key-file", key_file.to_str().unwrap()], &[("OPENAI_API_KEY", KEY)])
        .await;
    assert_eq!(code, 0);
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["api_key"], format!("set (from {})", key_file.display()));
    assert!(!out.contains("sk-from-file"));

    let v = home.print_config(&[], &[]).await;
    assert_eq!(v["api_key"], Value::Null);
}

#[tokio::test]
async fn token_file_is_created_private_and_reused() {
    let home = Home::new();
    let (code, first, _) = home.output(&["--print-token"], &[]).await;
    assert_eq!(code, 0);
    let first = first.trim().to_owned();
    assert!(first.starts_with("hark_") && first.len() >= 5 + 22, "{first}");
    let token_file = home.config_dir().join("pairing-token");
    assert_eq!(mode_of(&token_file), 0o600, "only the user may read the token");
    assert_eq!(mode_of(&home.config_dir()), 0o700);
    let (_, second, _) = home.output(&["--print-token"], &[]).await;
    assert_eq!(second.trim(), first, "the token survives restarts");

    // A token file others can read is tightened.
    std::fs::set_permissions(&token_file, std::fs::Permissions::from_mode(0o644)).unwrap();
    let (_, third, err) = home.output(&["--print-token"], &[]).await;
    assert_eq!(third.trim(), first);
    assert_eq!(mode_of(&token_file), 0o600);
    assert!(err.contains("readable by others"), "{err}");

    // HARK_TOKEN_FILE moves it.
    let elsewhere = home.dir.path().join("t").join("token");
    let (_, other, _) = home.output(&["--print-token"], &[("HARK_TOKEN_FILE", elsewhere.to_str().unwrap())]).await;
    assert_ne!(other.trim(), first);
    assert_eq!(std::fs::read_to_string(&elsewhere).unwrap().trim(), other.trim());
}

/// Starts the binary on a free port; returns it, the port and the status text it printed.
async fn start(home: &Home, args: &[&str], env: &[(&str, &str)]) -> (Child, u16, String) {
    let mut all = vec!["--port", "0"];
    all.extend_from_slice(args);
    let mut child = home.cmd(&all, env).spawn().unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut text = String::new();
    let port = tokio::time::timeout(Duration::from_secs(20), async {
        let mut port = None;
        while let Some(line) = lines.next_line().await.unwrap() {
            text.push_str(&line);
            text.push('\n');
            if let Some(rest) = line.split("listening on http://127.0.0.1:").nth(1) {
                port = Some(rest.trim().parse::<u16>().unwrap());
            }
            if line.contains("--print-token") || line.contains("Test connection") {
                break;
            }
        }
        port.expect("the status line names the address")
    })
    .await
    .expect("the companion starts");
    (child, port, text)
}

async fn stop(child: Child) -> (bool, String) {
    stop_with(child, "-TERM").await
}

async fn stop_with(mut child: Child, signal: &str) -> (bool, String) {
    let pid = child.id().unwrap();
    let ok = std::process::Command::new("kill").args([signal, &pid.to_string()]).status().unwrap().success();
    assert!(ok);
    let status = tokio::time::timeout(Duration::from_secs(10), child.wait()).await.expect("stops on SIGTERM").unwrap();
    let mut err = String::new();
    child.stderr.take().unwrap().read_to_string(&mut err).await.unwrap();
    (status.success(), err)
}

#[tokio::test]
async fn the_binary_serves_openai_mode_and_stops_cleanly_on_sigterm() {
    let home = Home::new();
    let fake = FakeUpstream::start(KEY, &SessionSettings::default()).await;
    let upstream = fake.base_url();
    let env = [("OPENAI_API_KEY", KEY), ("HARK_UPSTREAM_URL", upstream.as_str()), ("RUST_LOG", "trace")];
    let (child, port, text) = start(&home, &[], &env).await;
    assert!(text.contains("mode: openai"), "{text}");
    assert!(text.contains("model gpt-realtime"), "{text}");
    let token = std::fs::read_to_string(home.config_dir().join("pairing-token")).unwrap().trim().to_owned();
    assert!(text.contains(&token), "the first start shows the token: {text}");
    assert!(text.contains("Pairing token") && text.contains("Test connection"), "and says where to paste it: {text}");

    let client = reqwest::Client::builder().no_proxy().build().unwrap();
    let base = format!("http://127.0.0.1:{port}");
    let st: Value =
        client.get(format!("{base}/api/status")).bearer_auth(&token).send().await.unwrap().json().await.unwrap();
    assert_eq!(st["mode"], "openai");
    assert_eq!(st["speech"], true);
    let resp = client
        .post(format!("{base}/api/rtc-connect"))
        .bearer_auth(&token)
        .header("content-type", "application/sdp")
        .body(OFFER_SDP)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert!(resp.headers()["x-hark-call-id"].to_str().unwrap().starts_with("rtc_"));
    assert!(fake.problems().is_empty(), "{:?}", fake.problems());

    let (clean, err) = stop(child).await;
    assert!(clean, "exit status 0 after SIGTERM; stderr: {err}");
    assert!(err.contains("hark-companion stopped"), "{err}");
    assert!(err.contains("session set up"), "structured log of the exchange: {err}");
    assert_no_key("stdout", &text);
    assert_no_key("stderr at TRACE level", &err);

    // Second start: same token, not shown again, the file is named instead.
    let (child, _, text) = start(&home, &[], &env).await;
    assert!(!text.contains(&token), "the token is shown only once: {text}");
    assert!(text.contains("pairing-token") && text.contains("--print-token"), "{text}");
    stop(child).await;
}

#[tokio::test]
async fn without_a_key_it_runs_in_local_mode_and_says_so() {
    let home = Home::new();
    let (child, port, text) = start(&home, &[], &[]).await;
    assert!(text.contains("mode: local"), "{text}");
    assert!(
        text.contains("speech recognition needs an OpenAI key") || text.contains("Speech needs an OpenAI key"),
        "{text}"
    );
    let token = std::fs::read_to_string(home.config_dir().join("pairing-token")).unwrap().trim().to_owned();
    let client = reqwest::Client::builder().no_proxy().build().unwrap();
    let health: Value =
        client.get(format!("http://127.0.0.1:{port}/healthz")).send().await.unwrap().json().await.unwrap();
    assert_eq!(health["mode"], "local");
    let st: Value = client
        .get(format!("http://127.0.0.1:{port}/api/status"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(st["mode"], "local");
    assert_eq!(st["speech"], false);
    // Ctrl-C (SIGINT) stops it cleanly too.
    let (clean, err) = stop_with(child, "-INT").await;
    assert!(clean, "{err}");
    assert!(err.contains("hark-companion stopped"), "{err}");
}

#[tokio::test]
async fn prices_come_from_the_table_or_the_config_file_and_bad_ones_are_named() {
    let home = Home::new();
    // The table's price for the default model.
    let cfg = home.print_config(&[], &[]).await;
    assert_eq!(cfg["price"]["audio_out"], 64.0, "{cfg}");
    // A model the table does not know: no price (the meter says so) until the file gives one.
    let cfg = home.print_config(&["--model", "gpt-realtime-next"], &[]).await;
    assert!(cfg["price"].is_null(), "{cfg}");
    home.write_config(
        "[prices.\"gpt-realtime-next\"]\ntext_in = 3.0\ntext_in_cached = 0.3\ntext_out = 12.0\naudio_in = 24.0\naudio_in_cached = 0.3\naudio_out = 48.0\n",
    );
    let cfg = home.print_config(&["--model", "gpt-realtime-next"], &[]).await;
    assert_eq!(cfg["price"]["audio_out"], 48.0, "{cfg}");
    // A missing rate, an odd one, an unknown key: the companion does not start, and says which.
    for (text, words) in [
        ("[prices.m]\ntext_in = 1.0\n", "missing field `text_in_cached`"),
        ("[prices.m]\ntext_in = 1.0\ntext_in_cached = 0.1\ntext_out = 2.0\naudio_in = 3.0\naudio_in_cached = 0.1\naudio_out = -4.0\n", "audio_out = -4"),
        ("[prices.m]\ntext_in = \"cheap\"\n", "text_in"),
        ("[prices.m]\ntext_in = 1.0\ntext_in_cached = 0.1\ntext_out = 2.0\naudio_in = 3.0\naudio_in_cached = 0.1\naudio_out = 4.0\nvideo = 1.0\n", "video"),
    ] {
        home.write_config(text);
        let (code, _, err) = home.output(&[], &[]).await;
        assert_eq!(code, 2, "{text}: {err}");
        assert!(err.contains(words) && (err.contains("companion.toml") || err.contains("\"m\"")), "{text}: {err}");
    }
}

#[tokio::test]
async fn startup_errors_are_explained() {
    let home = Home::new();
    home.write_config("modle = \"gpt-realtime\"\n");
    let (code, _, err) = home.output(&[], &[]).await;
    assert_eq!(code, 2);
    assert!(err.contains("companion.toml") && err.contains("modle"), "names the file and the typo: {err}");
    std::fs::remove_file(home.config_dir().join("companion.toml")).unwrap();

    let (code, _, err) = home.output(&["--mode", "openai"], &[]).await;
    assert_eq!(code, 2);
    assert!(err.contains("OPENAI_API_KEY"), "{err}");

    let (code, _, err) = home.output(&["--config", "/nonexistent/hark.toml"], &[]).await;
    assert_eq!(code, 2);
    assert!(err.contains("/nonexistent/hark.toml"), "{err}");

    let busy = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = busy.local_addr().unwrap().port().to_string();
    let (code, _, err) = home.output(&["--port", &port], &[]).await;
    assert_eq!(code, 2);
    assert!(err.contains("another hark-companion"), "{err}");

    let (code, _, err) = home.output(&["--allowed-origin", "https://evil.example"], &[]).await;
    assert_eq!(code, 2);
    assert!(err.contains("chrome-extension://"), "{err}");
}
