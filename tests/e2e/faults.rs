//! Faults in the middle of a session (issue 10, goal 7), each in both browsers, checked as a person
//! would notice them: the words Hark shows (`hark.status` error title and message, the state), then
//! that nothing is left running (Chromium: no offscreen document; Firefox: no "Hark is listening"
//! tab; the peer sees its call end), then that the next start works (a tool call acts on the page).
//! Each prints a `fault figure:` line.

use std::time::{Duration, Instant};

use anyhow::{bail, ensure, Context, Result};
use serde_json::{json, Value};

use hark_e2e::browser::{Engine, Launch};
use hark_e2e::stack::{configure, Stack, GENERATED_PAGE};
use hark_peer::{CallHandle, Faults, HttpFailure, ToolInvocation, LOCAL_API_KEY};
use hark_server::config::{ApiKey, ModeChoice, Settings};
use hark_server::Companion;

use crate::tests::TestFn;

tests!(
    the_peer_closing_the_channel_or_hanging_up_ends_the_session_with_words,
    the_models_voice_stopping_is_said_and_the_session_goes_on,
    a_connection_that_never_comes_up_is_said_within_the_connect_timeout,
    the_network_path_lost_mid_session_is_said_and_cleaned_up,
    the_companion_killed_and_restarted,
    upstream_errors_and_timeouts_at_connect_have_words,
    the_tab_closing_during_an_action_ends_the_session,
    the_tab_navigating_during_an_action_gets_words_and_the_session_goes_on,
    the_extension_reloaded_mid_session,
);

const WAIT: Duration = Duration::from_secs(20);
const PAGE: &str = "/corpus/sb-admin-2/index.html";
/// The element whose background shows a change on the pages used here.
const BACKGROUND: &str =
    "return getComputedStyle(document.querySelector('#content-wrapper') || document.body).backgroundColor";

/// The words the person sees: the error's title and message.
fn words_of(st: &Value) -> String {
    if st["error"].is_null() {
        return String::new();
    }
    format!("{}: {}", st["error"]["title"].as_str().unwrap_or(""), st["error"]["message"].as_str().unwrap_or(""))
}

fn has_words(st: &Value, words: &[&str]) -> bool {
    let text = words_of(st).to_lowercase();
    words.iter().any(|w| text.contains(w))
}

/// Presses the toolbar button for a start expected to fail. Firefox: then waits (reading tabs
/// from the browser's chrome only, which takes no focus) until the session tab has settled its
/// microphone or has already gone, before WebDriver switches windows again.
pub(crate) async fn press_for_a_failing_start(s: &mut Stack) -> Result<()> {
    s.browser.press_toolbar_button().await?;
    if s.browser.engine != Engine::Firefox {
        return Ok(());
    }
    let session = s.browser.extension_url("session.html");
    let started = Instant::now();
    let deadline = started + Duration::from_secs(10);
    // The session tab opens after the press: "gone" before it was ever seen means "not yet" (a
    // failing start keeps it open for longer than a poll; 2 s without it means it came and went).
    let mut seen = false;
    while Instant::now() < deadline {
        let v = s
            .browser
            .chrome_eval(&format!(
                "const win = Services.wm.getMostRecentWindow('navigator:browser');
                 const tab = [...win.gBrowser.tabs].find(t => t.linkedBrowser.currentURI.spec === {session:?});
                 if (!tab) return 'gone';
                 const selected = win.gBrowser.selectedBrowser.currentURI.spec;
                 return /^Hark (is listening|\\(no microphone\\))/.test(tab.label) && selected !== {session:?} ? 'settled' : 'opening';"
            ))
            .await?;
        if v == json!("settled") || (v == json!("gone") && (seen || started.elapsed() > Duration::from_secs(2))) {
            return Ok(());
        }
        seen |= v == json!("opening");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Ok(())
}

/// Waits until Hark shows an error with one of `words` (in its status, and in the overlay on the
/// page); returns the words and the ms since `t0` until the status had them.
async fn wait_words(s: &mut Stack, t0: Instant, what: &str, words: &[&str]) -> Result<(String, u128)> {
    wait_words_within(s, t0, what, words, WAIT).await
}

async fn wait_words_within(
    s: &mut Stack,
    t0: Instant,
    what: &str,
    words: &[&str],
    within: Duration,
) -> Result<(String, u128)> {
    let st = s
        .wait_status(&format!("{what}: an error saying one of {words:?}"), within, |st| {
            st["state"] == json!("error") && has_words(st, words)
        })
        .await?;
    let ms = t0.elapsed().as_millis();
    let title = st["error"]["title"].as_str().unwrap_or("?").to_string();
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let shown = s.browser.overlay_text().await?;
        if shown.contains(&title) {
            break;
        }
        ensure!(Instant::now() < deadline, "{what}: the overlay on the page shows {shown:?}, not the error {title:?}");
        tokio::time::sleep(Duration::from_millis(150)).await;
    }
    Ok((words_of(&st), ms))
}

/// What of Hark's session host is open: Chromium's offscreen documents, Firefox's session tabs.
async fn hosts_open(s: &mut Stack) -> Result<Vec<String>> {
    let v = match s.browser.engine {
        Engine::Chromium => {
            s.browser
                .ext_eval("return (await chrome.runtime.getContexts({ contextTypes: ['OFFSCREEN_DOCUMENT'] })).map(c => 'offscreen document ' + c.documentUrl);")
                .await?
        }
        Engine::Firefox => {
            s.browser
                .ext_eval("return (await browser.tabs.query({})).filter(t => /\\/session\\.html/.test(t.url || '')).map(t => 'session tab ' + t.url + ' (' + t.title + ')');")
                .await?
        }
    };
    Ok(serde_json::from_value(v)?)
}

/// Nothing of the session is left running: no session host in the browser (within 5 s of the end),
/// and the peer has no call alive.
async fn nothing_left(s: &mut Stack, what: &str) -> Result<()> {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let left = hosts_open(s).await?;
        if left.is_empty() {
            break;
        }
        if Instant::now() > deadline {
            let st = s.status().await.unwrap_or(Value::Null);
            bail!("{what}: still running 5 s after the session ended: {left:?} (status {st})");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let deadline = Instant::now() + WAIT;
    while s.peer.live_calls() > 0 {
        ensure!(Instant::now() < deadline, "{what}: the peer still has {} call(s) alive", s.peer.live_calls());
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Ok(())
}

fn failed(out: &str) -> bool {
    serde_json::from_str::<Value>(out).ok().and_then(|v| v["ok"].as_bool()) != Some(true)
}

/// The next start works: the peer gets a call, and a tool call changes the page's background.
async fn next_start_works(s: &mut Stack, color: &str) -> Result<CallHandle> {
    let call = s.start_hark().await.context("the next start")?;
    acts_on_the_page(s, &call, color).await.context("the next start's tool call")?;
    Ok(call)
}

async fn acts_on_the_page(s: &mut Stack, call: &CallHandle, color: &str) -> Result<()> {
    let out = call.call_tool("changeBackgroundColor", json!({ "color": color })).await?;
    ensure!(!failed(&out), "changeBackgroundColor failed: {out}");
    let bg = s.browser.eval(BACKGROUND).await?;
    ensure!(bg == json!(color), "the page's background is {bg}, not {color} ({out})");
    Ok(())
}

/// The person stops Hark: off, no words, nothing left running, the peer's call ended.
async fn stop_cleanly(s: &mut Stack, call: &CallHandle, what: &str) -> Result<()> {
    s.browser.press_toolbar_button().await?;
    let st = s.wait_state(&["off"], WAIT).await?;
    ensure!(st["error"].is_null(), "{what}: stopping shows an error: {st}");
    call.wait_ended(WAIT).await.with_context(|| format!("{what}: the peer's call did not end after the stop"))?;
    nothing_left(s, &format!("{what}, stopped")).await
}

fn figure(engine: Engine, fault: &str, words: &str, ms: u128) {
    println!(
        "fault figure: {} {fault}: words \"{words}\" after {ms} ms; left running: none; next start: ok",
        engine.name()
    );
}

/// The peer closes the `oai-events` channel, then (next session) hangs up the call: each time the
/// person is told the connection closed, the session host closes, and the next start works.
async fn the_peer_closing_the_channel_or_hanging_up_ends_the_session_with_words(engine: Engine) -> Result<()> {
    let mut s = Stack::start(engine).await?;
    s.open(PAGE).await?;
    let mut call = s.start_hark().await?;
    for (i, fault) in ["the peer closes the data channel", "the peer hangs up"].into_iter().enumerate() {
        let t0 = Instant::now();
        match i {
            0 => call.close_channel()?,
            _ => call.hangup()?,
        }
        let (words, ms) = wait_words(&mut s, t0, fault, &["closed", "ended", "lost"]).await?;
        call.wait_ended(WAIT).await.with_context(|| format!("{fault}: the peer's call did not end"))?;
        nothing_left(&mut s, fault).await?;
        // The words stay for the person once the session host has gone.
        let st = s.status().await?;
        ensure!(
            st["state"] == json!("error") && words_of(&st) == words,
            "{fault}: after the clean-up the status is {st}"
        );
        call = next_start_works(&mut s, ["rgb(0, 0, 139)", "rgb(0, 100, 0)"][i]).await?;
        figure(engine, fault, &words, ms);
    }
    stop_cleanly(&mut s, &call, "after the peer's faults").await?;
    s.stop().await;
    Ok(())
}

/// The peer stops sending audio while the model speaks (the data channel stays up). Chosen
/// behaviour: the session goes on (typed commands and actions work), and while the model speaks
/// with no voice arriving the status says so (a warning, not fatal); it clears when the voice
/// comes back.
async fn the_models_voice_stopping_is_said_and_the_session_goes_on(engine: Engine) -> Result<()> {
    let mut s = Stack::start(engine).await?;
    s.open(PAGE).await?;
    let call = s.start_hark().await?;
    // The voice arrives at first.
    call.say("Hello. I can hear you.")?;
    s.wait_status("the model's voice to play", WAIT, |st| st["remoteAudio"]["packets"].as_u64().unwrap_or(0) > 20)
        .await?;
    s.wait_state(&["listening"], WAIT).await?;
    let fault = "the peer stops sending audio";
    call.stop_media(true)?;
    let t0 = Instant::now();
    // Two sentences, played one after the other: about 4 s of the model speaking, unheard.
    call.say("This is a long answer that nobody will hear, because my audio stopped arriving.")?;
    call.say("The words still come, so the person can read them in the overlay.")?;
    let st = s
        .wait_status(&format!("{fault}: a warning"), WAIT, |st| {
            has_words(st, &["voice", "hear"]) && st["error"]["fatal"] == json!(false)
        })
        .await?;
    let (words, ms) = (words_of(&st), t0.elapsed().as_millis());
    ensure!(st["active"] == json!(true) && st["state"] != json!("error"), "{fault}: the session did not go on: {st}");
    // Actions still work.
    acts_on_the_page(&mut s, &call, "rgb(0, 0, 139)").await.context("a tool call while the voice is gone")?;
    // The voice comes back: the warning goes.
    s.wait_state(&["listening"], WAIT).await?;
    call.stop_media(false)?;
    call.say("I am back. Can you hear me now?")?;
    s.wait_status("the warning to clear once the voice is back", WAIT, |st| {
        st["error"].is_null() && st["state"] == json!("speaking")
    })
    .await?;
    stop_cleanly(&mut s, &call, fault).await?;
    let call = next_start_works(&mut s, "rgb(0, 100, 0)").await?;
    figure(engine, fault, &words, ms);
    stop_cleanly(&mut s, &call, fault).await?;
    s.stop().await;
    Ok(())
}

/// An upstream in front of the peer that hands on the peer's real answer with its media candidate
/// moved to a port nothing answers at (a UDP socket held here and never read): ICE never connects.
struct DeadEndUpstream {
    addr: std::net::SocketAddr,
    offers: std::sync::Arc<std::sync::atomic::AtomicUsize>,
    _sink: std::net::UdpSocket,
    task: tokio::task::JoinHandle<()>,
}

impl DeadEndUpstream {
    async fn start(peer: std::net::SocketAddr, media_ip: &str) -> Result<DeadEndUpstream> {
        use axum::body::Bytes;
        use axum::http::{header, HeaderMap, StatusCode};
        use axum::response::IntoResponse;
        let sink = std::net::UdpSocket::bind((media_ip, 0))?;
        let dead_port = sink.local_addr()?.port();
        let offers = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let counted = offers.clone();
        let handler = move |headers: HeaderMap, body: Bytes| {
            let counted = counted.clone();
            async move {
                counted.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                let h = |name: header::HeaderName| {
                    headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or("").to_string()
                };
                match forward(peer, &h(header::AUTHORIZATION), &h(header::CONTENT_TYPE), &body).await {
                    Ok((201, location, answer)) => {
                        let moved: String = answer
                            .split_inclusive("\r\n")
                            .map(|line| {
                                if !line.starts_with("a=candidate:") {
                                    return line.to_string();
                                }
                                let mut f: Vec<&str> = line.trim_end().split(' ').collect();
                                let port = dead_port.to_string();
                                if f.len() > 5 {
                                    f[5] = &port;
                                }
                                format!("{}\r\n", f.join(" "))
                            })
                            .collect();
                        (
                            StatusCode::CREATED,
                            [(header::CONTENT_TYPE, "application/sdp".to_string()), (header::LOCATION, location)],
                            moved,
                        )
                            .into_response()
                    }
                    Ok((status, _, body)) => {
                        (StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_GATEWAY), body).into_response()
                    }
                    Err(e) => (StatusCode::BAD_GATEWAY, e.to_string()).into_response(),
                }
            }
        };
        let app = axum::Router::new().route("/v1/realtime/calls", axum::routing::post(handler));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Ok(DeadEndUpstream { addr, offers, _sink: sink, task })
    }
}

impl Drop for DeadEndUpstream {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// One HTTP/1.1 POST to the peer: (status, Location, body).
async fn forward(
    peer: std::net::SocketAddr,
    auth: &str,
    content_type: &str,
    body: &[u8],
) -> Result<(u16, String, String)> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut tcp = tokio::net::TcpStream::connect(peer).await?;
    let head = format!(
        "POST /v1/realtime/calls HTTP/1.1\r\nHost: {peer}\r\nAuthorization: {auth}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    tcp.write_all(head.as_bytes()).await?;
    tcp.write_all(body).await?;
    let mut reply = Vec::new();
    tcp.read_to_end(&mut reply).await?;
    let reply = String::from_utf8_lossy(&reply).to_string();
    let (head, body) = reply.split_once("\r\n\r\n").context("no HTTP reply from the peer")?;
    let status = head.split(' ').nth(1).and_then(|s| s.parse().ok()).context("no status from the peer")?;
    let location = head
        .lines()
        .find_map(|l| {
            l.split_once(':').filter(|(k, _)| k.eq_ignore_ascii_case("location")).map(|(_, v)| v.trim().to_string())
        })
        .unwrap_or_default();
    Ok((status, location, body.to_string()))
}

/// A companion in front of an upstream whose answer names a media address nothing answers at:
/// ICE never connects. Hark says the connection could not be set up, within its connect timeout,
/// and leaves nothing running.
async fn a_connection_that_never_comes_up_is_said_within_the_connect_timeout(engine: Engine) -> Result<()> {
    // The call nobody connects to ends at the peer after this.
    let mut s =
        Stack::start_tweaked(engine, Launch::default(), |peer| peer.connect_timeout = Duration::from_secs(5), |_| ())
            .await?;
    s.open(PAGE).await?;
    let dir = tempfile::tempdir()?;
    let dead_end = DeadEndUpstream::start(s.peer.http_addr(), engine.media_ip()).await?;
    let mut settings = Settings::with_token_file(dir.path().join("pairing-token"));
    settings.port = 0;
    settings.mode = ModeChoice::Openai;
    settings.api_key = Some(ApiKey::new(LOCAL_API_KEY)?);
    settings.upstream_url = format!("http://{}", dead_end.addr);
    let unreachable = Companion::start(settings).await?;
    configure(&mut s.browser, &format!("http://{}", unreachable.local_addr()), unreachable.token().reveal()).await?;
    let fault = "ICE never connects";
    let t0 = Instant::now();
    press_for_a_failing_start(&mut s).await?;
    let (words, ms) = wait_words(&mut s, t0, fault, &["could not be set up", "connection failed"]).await?;
    ensure!(
        dead_end.offers.load(std::sync::atomic::Ordering::SeqCst) == 1,
        "the dead-end upstream got {:?} offers",
        dead_end.offers
    );
    ensure!(ms <= 22_000, "{fault}: the words came after {ms} ms, beyond the 20 s connect timeout");
    // The peer made the call; it never connected, and ended.
    let orphan = s.peer.next_call().await.context("the dead-ended call")?;
    ensure!(!orphan.info().connected, "the call connected after all");
    orphan.wait_ended(WAIT).await.context("the call nobody connected to did not end")?;
    nothing_left(&mut s, fault).await?;
    // Back to the working companion.
    let (url, token) = (s.companion_url(), s.companion.token().reveal().to_string());
    configure(&mut s.browser, &url, &token).await?;
    let call = next_start_works(&mut s, "rgb(0, 0, 139)").await?;
    figure(engine, fault, &words, ms);
    stop_cleanly(&mut s, &call, fault).await?;
    unreachable.shutdown().await;
    s.stop().await;
    Ok(())
}

/// Runs `ip` inside the test's network namespace.
fn ip(args: &str) -> Result<()> {
    let out = std::process::Command::new("ip").args(args.split(' ')).output().context("running ip")?;
    ensure!(out.status.success(), "ip {args}: {}", String::from_utf8_lossy(&out.stderr));
    Ok(())
}

/// The network path to the model goes away mid-session: the peer's media address (its veth end,
/// in the test's own network namespace) is taken away, so nothing flows either way. Hark says the
/// connection was lost (after it stayed disconnected 10 s, or the browser gave up on it), closes
/// everything, and once the network is back the next start works.
async fn the_network_path_lost_mid_session_is_said_and_cleaned_up(engine: Engine) -> Result<()> {
    let veth = hark_e2e::netns::VETH_PEER_IP;
    let mut s = Stack::start_tweaked(
        engine,
        Launch::default(),
        |peer| peer.media_ip = veth.parse().expect("veth address"),
        |_| (),
    )
    .await?;
    s.open(PAGE).await?;
    let call = s.start_hark().await?;
    acts_on_the_page(&mut s, &call, "rgb(0, 0, 139)").await.context("the session over the veth")?;
    let fault = "the network path to the model is lost mid-session";
    let t0 = Instant::now();
    // (Both veth ends live in this namespace, so a link going down would leave the addresses
    // reachable locally: the address itself goes.)
    ip(&format!("addr del {veth}/24 dev hark0"))?;
    let lost = wait_words_within(&mut s, t0, fault, &["lost", "closed"], Duration::from_secs(45)).await;
    // The network comes back whatever happened (the namespace is the test's own).
    ip(&format!("addr add {veth}/24 dev hark0"))?;
    let _ = ip("route add default dev hark0");
    let (words, ms) = lost?;
    call.wait_ended(WAIT).await.context("the peer's call did not end")?;
    nothing_left(&mut s, fault).await?;
    let call = next_start_works(&mut s, "rgb(0, 100, 0)").await?;
    figure(engine, fault, &words, ms);
    stop_cleanly(&mut s, &call, fault).await?;
    s.stop().await;
    Ok(())
}

/// The companion is killed mid-session: the session goes on (media and events go straight to the
/// peer). A start while it is down says it is not running; once it runs again, a start works.
async fn the_companion_killed_and_restarted(engine: Engine) -> Result<()> {
    let mut s = Stack::start(engine).await?;
    s.open(PAGE).await?;
    let call = s.start_hark().await?;
    s.kill_companion().await?;
    tokio::time::sleep(Duration::from_millis(500)).await;
    acts_on_the_page(&mut s, &call, "rgb(0, 0, 139)").await.context("a tool call with the companion down")?;
    let st = s.status().await?;
    ensure!(
        st["active"] == json!(true) && st["error"].is_null(),
        "the session did not simply go on without the companion: {st}"
    );
    stop_cleanly(&mut s, &call, "the session after the companion died").await?;
    let fault = "a start while the companion is down";
    let t0 = Instant::now();
    press_for_a_failing_start(&mut s).await?;
    let (words, ms) = wait_words(&mut s, t0, fault, &["not running"]).await?;
    nothing_left(&mut s, fault).await?;
    s.restart_companion().await?;
    let call = next_start_works(&mut s, "rgb(0, 100, 0)").await?;
    figure(engine, "the companion killed mid-session: the session went on; a start while it is down", &words, ms);
    stop_cleanly(&mut s, &call, "after the companion's restart").await?;
    s.stop().await;
    Ok(())
}

/// The upstream answers 500, then 503, then too late for the companion's upstream timeout (set
/// short here: 1.5 s): each start says so, leaves nothing running, and the next start works.
async fn upstream_errors_and_timeouts_at_connect_have_words(engine: Engine) -> Result<()> {
    const UPSTREAM_TIMEOUT_MS: u64 = 1500;
    let mut s = Stack::start_tweaked(
        engine,
        Launch::default(),
        // The call the companion gave up on ends at the peer after this (nobody connects to it).
        |peer| peer.connect_timeout = Duration::from_secs(4),
        |companion| companion.limits.upstream_timeout_ms = UPSTREAM_TIMEOUT_MS,
    )
    .await?;
    s.open(PAGE).await?;
    let cases: [(&str, Faults, &[&str]); 3] = [
        (
            "upstream 500 at connect",
            Faults {
                fail: Some(HttpFailure { status: 500, retry_after_secs: None, times: None }),
                ..Default::default()
            },
            &["server error", "failed"],
        ),
        (
            "upstream 503 at connect",
            Faults {
                fail: Some(HttpFailure { status: 503, retry_after_secs: None, times: None }),
                ..Default::default()
            },
            &["server error", "failed"],
        ),
        (
            "upstream timeout at connect",
            Faults { answer_delay_ms: UPSTREAM_TIMEOUT_MS + 2500, ..Default::default() },
            &["did not answer", "timed out"],
        ),
    ];
    // How long a start takes to fail at all (the 500): the timeout may add its 1.5 s, not more.
    let mut failing_start_ms = 0;
    for (i, (fault, faults, words)) in cases.into_iter().enumerate() {
        s.peer.set_faults(faults);
        let t0 = Instant::now();
        press_for_a_failing_start(&mut s).await?;
        let (said, ms) = wait_words(&mut s, t0, fault, words).await?;
        if i == 0 {
            failing_start_ms = ms;
        }
        if fault.contains("timeout") {
            let bound = failing_start_ms + UPSTREAM_TIMEOUT_MS as u128 + 1500;
            ensure!(ms < bound, "{fault}: the words came after {ms} ms (a failing start takes {failing_start_ms} ms; upstream timeout {UPSTREAM_TIMEOUT_MS} ms)");
            // The peer made the call before answering late; nobody takes it, and it ends.
            let orphan = s.peer.next_call().await.context("the late answer's call")?;
            orphan.wait_ended(WAIT).await.context("the call the companion gave up on did not end")?;
        }
        nothing_left(&mut s, fault).await?;
        s.peer.clear_faults();
        let call = next_start_works(&mut s, ["rgb(0, 0, 139)", "rgb(0, 100, 0)", "rgb(139, 0, 0)"][i]).await?;
        figure(engine, fault, &said, ms);
        stop_cleanly(&mut s, &call, fault).await?;
    }
    s.stop().await;
    Ok(())
}

/// A slow action on a huge page (restyling 30,000 buttons takes seconds, in slices): starts it and
/// waits until the page is busy with it.
async fn start_slow_action(call: &CallHandle) -> Result<String> {
    let id = call
        .start_tools(vec![ToolInvocation::new(
            "changeButtonStyle",
            json!({ "color": "rgb(0, 90, 200)", "size": "large" }),
        )])
        .await?
        .remove(0);
    tokio::time::sleep(Duration::from_millis(400)).await;
    ensure!(
        !call.function_outputs().iter().any(|o| o.call_id == id),
        "the action was over before the fault: not slow enough to test"
    );
    Ok(id)
}

/// The person closes the tab while Hark restyles it: the session ends (no words needed: the
/// person closed the page Hark served; the state is off), nothing is left running, and a start
/// on another tab works.
async fn the_tab_closing_during_an_action_ends_the_session(engine: Engine) -> Result<()> {
    let mut s = Stack::start(engine).await?;
    s.open(GENERATED_PAGE).await?;
    let call = s.start_hark().await?;
    start_slow_action(&call).await?;
    let fault = "the tab closes during an action";
    let t0 = Instant::now();
    let next = s.site.url(PAGE);
    s.browser.close_page_tab(&next).await?;
    call.wait_ended(WAIT).await.context("the peer's call did not end when the served tab closed")?;
    let st = s.wait_state(&["off"], WAIT).await?;
    let ms = t0.elapsed().as_millis();
    ensure!(st["error"].is_null() && st["active"] == json!(false), "{fault}: the status is {st}");
    nothing_left(&mut s, fault).await?;
    let call = next_start_works(&mut s, "rgb(0, 0, 139)").await?;
    println!("fault figure: {} {fault}: words \"(none: the person closed the page; Hark is off)\" after {ms} ms; left running: none; next start: ok", engine.name());
    stop_cleanly(&mut s, &call, fault).await?;
    s.stop().await;
    Ok(())
}

/// The tab navigates while Hark restyles it: the call gets words saying the page went away (for
/// the model to tell the person), the session goes on, and the next call acts on the new page.
async fn the_tab_navigating_during_an_action_gets_words_and_the_session_goes_on(engine: Engine) -> Result<()> {
    let mut s = Stack::start(engine).await?;
    s.open(GENERATED_PAGE).await?;
    let call = s.start_hark().await?;
    let id = start_slow_action(&call).await?;
    let fault = "the tab navigates during an action";
    let t0 = Instant::now();
    s.open(PAGE).await?;
    let out = call.wait_output(&id, WAIT).await.context("the action interrupted by the navigation got no answer")?;
    let ms = t0.elapsed().as_millis();
    ensure!(out.contains("went away") || out.contains("navigated"), "{fault}: the action's answer is {out}");
    let st = s.status().await?;
    ensure!(st["active"] == json!(true) && st["error"].is_null(), "{fault}: the session did not go on: {st}");
    acts_on_the_page(&mut s, &call, "rgb(0, 0, 139)").await.context("the next call, on the new page")?;
    let words = serde_json::from_str::<Value>(&out)
        .ok()
        .and_then(|v| v["error"].as_str().map(str::to_string))
        .unwrap_or(out.clone());
    println!("fault figure: {} {fault}: words (to the model) \"{words}\" after {ms} ms; left running: the session, as it should; next call: ok", engine.name());
    stop_cleanly(&mut s, &call, fault).await?;
    let call = next_start_works(&mut s, "rgb(0, 100, 0)").await?;
    stop_cleanly(&mut s, &call, fault).await?;
    s.stop().await;
    Ok(())
}

/// The extension is reloaded mid-session (as an update or "Reload" in the browser's extension
/// page does): the call ends at the peer, the reloaded Hark says what happened, nothing is left
/// running, and the next start works.
async fn the_extension_reloaded_mid_session(engine: Engine) -> Result<()> {
    let mut s = Stack::start(engine).await?;
    s.open(PAGE).await?;
    let call = s.start_hark().await?;
    let fault = "the extension is reloaded";
    let t0 = Instant::now();
    s.browser.ext_eval("setTimeout(() => (globalThis.browser ?? chrome).runtime.reload(), 50); return true;").await?;
    // The reloaded extension answers (the harness's page of the old one is gone or dead), with no
    // session running.
    let deadline = Instant::now() + WAIT;
    loop {
        tokio::time::sleep(Duration::from_millis(300)).await;
        s.browser.forget_ext_page().await?;
        match s.status().await {
            Ok(st) if st["active"] == json!(false) => break,
            Ok(st) if Instant::now() > deadline => bail!("{fault}: after {WAIT:?} the status is still {st}"),
            Err(e) if Instant::now() > deadline => return Err(e.context("the reloaded extension does not answer")),
            _ => {}
        }
    }
    let (words, ms) = wait_words(&mut s, t0, fault, &["reloaded", "restarted"]).await?;
    let overlays = s.browser.eval("return document.querySelectorAll('hark-overlay').length").await?;
    ensure!(overlays == json!(1), "{fault}: the page has {overlays} overlays (the old one stayed?)");
    // Chromium may tear the old offscreen document down without its pagehide (no close reaches
    // the peer): the peer then notices the silence itself, within about 15 s.
    call.wait_ended(Duration::from_secs(30))
        .await
        .context("the peer's call did not end when the extension was reloaded")?;
    let ended_ms = t0.elapsed().as_millis();
    nothing_left(&mut s, fault).await?;
    let call = next_start_works(&mut s, "rgb(0, 0, 139)").await?;
    println!("fault figure: {} {fault}: the peer's call ended after {ended_ms} ms", engine.name());
    figure(engine, fault, &words, ms);
    stop_cleanly(&mut s, &call, fault).await?;
    s.stop().await;
    Ok(())
}
