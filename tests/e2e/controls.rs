//! The person's own controls: push-to-talk, the language Hark hears and answers in and the idle
//! stop that ends a session nobody uses (options page), and the overlay's cost meter (so an open
//! microphone neither costs money unseen nor listens to the room all afternoon).

use std::time::{Duration, Instant};

use anyhow::{ensure, Context, Result};
use serde_json::{json, Value};

use hark_e2e::browser::{Engine, Launch};
use hark_e2e::stack::Stack;

use crate::tests::TestFn;

pub const ALL: &[(&str, TestFn)] = &[
    ("the_persons_language_reaches_the_transcription_and_the_model", |e| {
        Box::pin(the_persons_language_reaches_the_transcription_and_the_model(e))
    }),
    ("an_unused_session_stops_by_itself_and_says_so", |e| Box::pin(an_unused_session_stops_by_itself_and_says_so(e))),
    ("the_overlay_counts_the_sessions_tokens_and_cost", |e| {
        Box::pin(the_overlay_counts_the_sessions_tokens_and_cost(e))
    }),
    ("push_to_talk_sends_the_held_turn_and_gets_it_answered", |e| {
        Box::pin(push_to_talk_sends_the_held_turn_and_gets_it_answered(e))
    }),
];

const PAGE: &str = "/corpus/sb-admin-2/index.html";
const WAIT: Duration = Duration::from_secs(20);

async fn set_options(s: &mut Stack, options: Value) -> Result<()> {
    s.browser
        .ext_eval(&format!("await (globalThis.browser ?? chrome).storage.local.set({options}); return true;"))
        .await?;
    Ok(())
}

async fn the_persons_language_reaches_the_transcription_and_the_model(engine: Engine) -> Result<()> {
    let mut s = Stack::start(engine).await?;
    set_options(&mut s, json!({ "language": "fr" })).await?;
    s.open(PAGE).await?;
    let call = s.start_hark().await?;
    let update = call.wait_event("session.update", WAIT).await.context("no session.update for the language")?;
    let transcription = &update["session"]["audio"]["input"]["transcription"];
    ensure!(transcription["language"] == "fr", "the transcription's language is not fr: {update}");
    ensure!(
        transcription["model"].as_str().is_some_and(|m| !m.is_empty()),
        "the language came without its model: {update}"
    );
    ensure!(update["session"].get("instructions").is_none(), "the language replaced the instructions: {update}");
    let note = call.wait_event("conversation.item.create", WAIT).await.context("no note for the model")?;
    ensure!(
        note["item"]["role"] == "system"
            && note["item"]["content"][0]["text"].as_str().unwrap_or("").contains("French"),
        "the model is not told to answer in French: {note}"
    );
    // The session the peer holds now hears French, and kept the companion's instructions.
    let held = call.info().session;
    ensure!(held["audio"]["input"]["transcription"]["language"] == "fr", "the peer's session: {held}");
    ensure!(held["instructions"].as_str().is_some_and(|i| i.contains("page")), "the peer's session: {held}");
    s.stop().await;
    Ok(())
}

async fn an_unused_session_stops_by_itself_and_says_so(engine: Engine) -> Result<()> {
    // No microphone device: nobody speaks, only typing counts as use here.
    let mut s = Stack::start_with(engine, Launch { device: false, ..Launch::default() }).await?;
    // 0.1 minutes: 6 s.
    set_options(&mut s, json!({ "idleMinutes": "0.1" })).await?;
    s.open(PAGE).await?;
    let call = s.start_hark().await?;
    let t0 = Instant::now();
    tokio::time::sleep(Duration::from_millis(3500)).await;
    // A typed command is use: the 6 s start again.
    s.browser
        .ext_eval(
            "return await (globalThis.browser ?? chrome).runtime.sendMessage({ type: 'hark.text', text: 'hello' });",
        )
        .await?;
    tokio::time::sleep(Duration::from_millis(7500).saturating_sub(t0.elapsed())).await;
    let st = s.status().await?;
    ensure!(
        st["active"] == true && st["state"] != "error",
        "the session stopped {:?} after its start although it was typed to after 3.5 s: {st}",
        t0.elapsed()
    );
    let st = s
        .wait_status("the idle stop", WAIT, |st| {
            st["state"] == "error" && st["error"]["title"].as_str().unwrap_or("").contains("without use")
        })
        .await?;
    let stopped_after = t0.elapsed();
    let words = format!("{} {}", st["error"]["title"], st["error"]["message"]);
    ensure!(words.contains("6 seconds") && words.contains("options page"), "the words: {words}");
    // The call ends: nothing listens or costs any more.
    call.wait_ended(WAIT).await.context("the call did not end after the idle stop")?;
    println!("figure: {} idle stop (6 s, typed to at 3.5 s) after {stopped_after:?}: {words}", engine.name());
    s.stop().await;
    Ok(())
}

async fn the_overlay_counts_the_sessions_tokens_and_cost(engine: Engine) -> Result<()> {
    let mut s = Stack::start(engine).await?;
    s.open(PAGE).await?;
    let call = s.start_hark().await?;
    call.say("I made the background navy.")?;
    let metered = |st: &Value| st["ui"]["usage"]["tokens"].as_u64().unwrap_or(0);
    let st = s.wait_status("the cost meter", WAIT, |st| metered(st) > 0).await?;
    let (tokens, cost) = (metered(&st), st["ui"]["usage"]["cost_usd"].as_f64().unwrap_or(0.0));
    ensure!(cost > 0.0, "no cost for {tokens} tokens at the companion's price for gpt-realtime: {}", st["ui"]["usage"]);
    let deadline = Instant::now() + WAIT;
    let shown = loop {
        let shown = s.browser.overlay_text().await?;
        if shown.contains("tokens") {
            break shown;
        }
        ensure!(Instant::now() < deadline, "the overlay shows no meter: {shown:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    // The line the overlay shows is the meter's own, with the cost in it.
    let line = st["ui"]["usage"]["text"].as_str().unwrap_or("").to_string();
    ensure!(
        line.contains(" tokens, about $") && shown.contains(&line),
        "the overlay shows {shown:?}, the meter says {line:?} ({tokens} tokens)"
    );
    // The next response adds to it.
    call.say("Anything else?")?;
    let st = s.wait_status("the meter to grow", WAIT, |st| metered(st) > tokens).await?;
    ensure!(
        st["ui"]["usage"]["cost_usd"].as_f64().unwrap_or(0.0) > cost,
        "the cost did not grow: {}",
        st["ui"]["usage"]
    );
    println!("figure: {} cost meter after two answers: {}", engine.name(), st["ui"]["usage"]["text"]);
    s.stop().await;
    Ok(())
}

/// Where the overlay's Talk button is (viewport px: left, top, width, height), once it shows.
async fn talk_button(s: &mut Stack) -> Result<Vec<f64>> {
    let deadline = Instant::now() + WAIT;
    loop {
        let o = s.browser.overlay().await?;
        if let Ok(r) = serde_json::from_value::<Vec<f64>>(o["talk"].clone()) {
            return Ok(r);
        }
        ensure!(Instant::now() < deadline, "the overlay shows no Talk button: {o}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The received client events' types after the first `session.update`, in order.
fn types_after_open(call: &hark_peer::CallHandle) -> Vec<String> {
    let types = call.received_types();
    let from = types.iter().position(|t| t == "session.update").unwrap_or(0);
    types[from..].to_vec()
}

async fn push_to_talk_sends_the_held_turn_and_gets_it_answered(engine: Engine) -> Result<()> {
    let mut s = Stack::start(engine).await?;
    set_options(&mut s, json!({ "talkMode": "hold" })).await?;
    s.open(PAGE).await?;
    let call = s.start_hark().await?;
    let update = call.wait_event("session.update", WAIT).await.context("no session.update for push-to-talk")?;
    let input = &update["session"]["audio"]["input"];
    ensure!(input.get("turn_detection") == Some(&Value::Null), "turn detection is not off: {update}");
    ensure!(call.info().session["audio"]["input"]["turn_detection"].is_null(), "the peer still detects turns");
    // The overlay offers its Talk button.
    let button = talk_button(&mut s).await?;
    // Hold it while "speaking" (the fake microphone), let go: the turn is committed and answered.
    call.queue_transcript("make the background navy")?;
    let sent_before = call.received_types().len();
    s.browser.hold_at(button[0] + button[2] / 2.0, button[1] + button[3] / 2.0, Duration::from_millis(1500)).await?;
    call.wait_event("input_audio_buffer.commit", WAIT).await.context("the held turn was not committed")?;
    call.wait_event("response.create", WAIT).await.context("the committed turn was not answered")?;
    let types = call.received_types()[sent_before..].to_vec();
    let order: Vec<&str> = types
        .iter()
        .map(String::as_str)
        .filter(|t| ["input_audio_buffer.clear", "input_audio_buffer.commit", "response.create"].contains(t))
        .collect();
    ensure!(
        order == ["input_audio_buffer.clear", "input_audio_buffer.commit", "response.create"],
        "the held turn sent {types:?} (from the session's start: {:?})",
        types_after_open(&call)
    );
    // The person's words come back as their transcript line, and the turn is answered.
    s.wait_status("the held turn's transcript and answer", WAIT, |st| {
        let lines = st["lines"].to_string();
        lines.contains("make the background navy") && lines.contains("assistant")
    })
    .await?;
    // A tap is not a turn: nothing is committed, and the person is told how to talk.
    let commits =
        |c: &hark_peer::CallHandle| c.received_types().iter().filter(|t| *t == "input_audio_buffer.commit").count();
    let before = commits(&call);
    // Where it is now: the overlay grew with the transcript (it is anchored at the bottom).
    let button = talk_button(&mut s).await?;
    s.browser.click_at(button[0] + button[2] / 2.0, button[1] + button[3] / 2.0).await?;
    let st = s
        .wait_status("the tap's hint", WAIT, |st| st["lines"].to_string().contains("Hold the Talk button"))
        .await
        .with_context(|| format!("client events since the start: {:?}", types_after_open(&call)))?;
    ensure!(commits(&call) == before, "a tap committed a turn: {:?}", types_after_open(&call));
    ensure!(st["error"].is_null(), "the tap showed an error: {st}");
    s.stop().await;
    Ok(())
}
