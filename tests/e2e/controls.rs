//! The person's own controls: push-to-talk, the language Hark hears and answers in and the idle
//! stop that ends a session nobody uses (options page), and the overlay's cost meter (so an open
//! microphone neither costs money unseen nor listens to the room all afternoon).

use std::time::{Duration, Instant};

use anyhow::{ensure, Context, Result};
use serde_json::{json, Value};

use hark_e2e::browser::{Engine, Launch};
use hark_e2e::stack::Stack;
use hark_protocol::prices::Price;

use crate::faults::press_for_a_failing_start;
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
    ("a_spent_daily_budget_ends_the_session_with_words_and_starts_no_new_one", |e| {
        Box::pin(a_spent_daily_budget_ends_the_session_with_words_and_starts_no_new_one(e))
    }),
    ("a_dropped_sideband_leaves_the_session_working_and_the_budget_counts_harks_meter", |e| {
        Box::pin(a_dropped_sideband_leaves_the_session_working_and_the_budget_counts_harks_meter(e))
    }),
    ("a_budget_of_zero_starts_no_session_and_says_how_to_change_it", |e| {
        Box::pin(a_budget_of_zero_starts_no_session_and_says_how_to_change_it(e))
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
async fn talk_button(s: &mut Stack, showing: &str) -> Result<Vec<f64>> {
    // Where a person would press it: once the panel shows `showing` and has stopped moving (two
    // reads 200 ms apart agree; a line that just came grows the panel, and the box follows it a
    // message later).
    let deadline = Instant::now() + WAIT;
    let mut last: Option<Vec<f64>> = None;
    loop {
        let o = s.browser.overlay().await?;
        let talk = serde_json::from_value::<Vec<f64>>(o["talk"].clone()).ok();
        let shows = o["text"].as_str().is_some_and(|t| t.contains(showing));
        if shows && talk.is_some() && talk == last {
            return Ok(talk.unwrap_or_default());
        }
        last = if shows { talk } else { None };
        ensure!(Instant::now() < deadline, "the overlay shows no settled Talk button with {showing:?}: {o}");
        tokio::time::sleep(Duration::from_millis(200)).await;
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
    let button = talk_button(&mut s, "").await?;
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
    let button = talk_button(&mut s, "OK.").await?;
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

/// A price that makes the budget easy to reason about: input is free, output costs $1,000 per 1M
/// tokens. A two-word answer then costs well under the $0.10 budget; a long one passes it.
const BUDGET_USD: f64 = 0.1;
const BUDGET_PRICE: Price = Price {
    text_in: 0.0,
    text_in_cached: 0.0,
    text_out: 1000.0,
    audio_in: 0.0,
    audio_in_cached: 0.0,
    audio_out: 1000.0,
};

async fn budget_stack(engine: Engine) -> Result<Stack> {
    budget_stack_of(engine, BUDGET_USD).await
}

async fn budget_stack_of(engine: Engine, usd: f64) -> Result<Stack> {
    Stack::start_tweaked(
        engine,
        Launch::default(),
        |_| (),
        |c| {
            c.prices.insert(c.session.model.clone(), BUDGET_PRICE);
            c.daily_budget_usd = Some(usd);
        },
    )
    .await
}

/// Some 500 tokens of answer: about $0.50 at [`BUDGET_PRICE`].
fn long_answer() -> String {
    "The background is navy now and the headings are white, as you asked. ".repeat(30)
}

fn spent(st: &Value) -> bool {
    st["state"] == "error" && st["error"]["title"].as_str().unwrap_or("").contains("budget is spent")
}

async fn wait_overlay(s: &mut Stack, what: &str, has: impl Fn(&str) -> bool) -> Result<String> {
    let deadline = Instant::now() + WAIT;
    loop {
        let shown = s.browser.overlay_text().await?;
        if has(&shown) {
            return Ok(shown);
        }
        ensure!(Instant::now() < deadline, "the overlay does not show {what}: {shown:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn a_spent_daily_budget_ends_the_session_with_words_and_starts_no_new_one(engine: Engine) -> Result<()> {
    let mut s = budget_stack(engine).await?;
    s.open(PAGE).await?;
    let call = s.start_hark().await?;
    call.wait_for("the companion's sideband", WAIT, |i| i.sidebands_open == 1).await?;
    // Today's budget shows with the meter from the start.
    wait_overlay(&mut s, "today's budget", |t| t.contains("of the $0.100 daily budget")).await?;

    call.say("Done.")?;
    let cost = |st: &Value| st["ui"]["usage"]["cost_usd"].as_f64().unwrap_or(0.0);
    let st = s.wait_status("the meter", WAIT, |st| cost(st) > 0.0).await?;
    ensure!(cost(&st) < BUDGET_USD && st["state"] != "error", "a short answer ended the session: {st}");

    let t0 = Instant::now();
    call.say(&long_answer())?;
    let st = s.wait_status("the budget's words", WAIT, spent).await?;
    let ms = t0.elapsed().as_millis();
    let words = st["error"]["message"].as_str().unwrap_or("").to_string();
    ensure!(
        words.contains("ended this session") && words.contains("00:00") && words.contains("daily_budget_usd"),
        "the words: {words}"
    );
    call.wait_ended(WAIT).await.context("the companion did not hang up the call")?;
    wait_overlay(&mut s, "the budget's words", |t| t.contains("budget is spent")).await?;
    println!("figure: {} budget spent: words after {ms} ms: {words}", engine.name());

    // No new session today: refused with words, also by a restarted companion (the spend is kept).
    for round in ["the same companion", "a restarted companion"] {
        if round == "a restarted companion" {
            s.kill_companion().await?;
            s.restart_companion().await?;
        }
        press_for_a_failing_start(&mut s).await?;
        let st = s
            .wait_status(&format!("{round}: the refused start"), WAIT, |st| {
                spent(st) && !st["error"]["message"].as_str().unwrap_or("").contains("ended this session")
            })
            .await?;
        let words = st["error"]["message"].as_str().unwrap_or("");
        ensure!(words.contains("is spent") && words.contains("00:00"), "{round}: {words}");
        ensure!(s.peer.calls().len() == 1, "{round}: the refused start reached the model");
    }
    s.stop().await;
    Ok(())
}

async fn a_dropped_sideband_leaves_the_session_working_and_the_budget_counts_harks_meter(engine: Engine) -> Result<()> {
    let mut s = budget_stack(engine).await?;
    s.open(PAGE).await?;
    let call = s.start_hark().await?;
    call.wait_for("the companion's sideband", WAIT, |i| i.sidebands_open == 1).await?;
    call.cut_sideband();
    call.wait_for("the sideband to drop", WAIT, |i| i.sidebands_open == 0).await?;

    // The session goes on, and the budget line says whose count it is now.
    call.say("Done.")?;
    let shown = wait_overlay(&mut s, "the fallback", |t| t.contains("counts it from Hark's meter")).await?;
    let st = s.status().await?;
    ensure!(st["active"] == true && st["state"] != "error", "the session did not go on: {st}");
    ensure!(!call.info().ended, "the call ended with its sideband");

    // Hark's own meter passes the budget: the companion ends the call all the same.
    call.say(&long_answer())?;
    let st = s.wait_status("the budget's words", WAIT, spent).await?;
    call.wait_ended(WAIT).await.context("the companion did not hang up on Hark's meter")?;
    println!("figure: {} sideband cut: overlay {shown:?}; then {}", engine.name(), st["error"]["message"]);
    s.stop().await;
    Ok(())
}

async fn a_budget_of_zero_starts_no_session_and_says_how_to_change_it(engine: Engine) -> Result<()> {
    let mut s = budget_stack_of(engine, 0.0).await?;
    s.open(PAGE).await?;
    press_for_a_failing_start(&mut s).await?;
    let st = s.wait_status("the refused start", WAIT, spent).await?;
    let words = st["error"]["message"].as_str().unwrap_or("");
    ensure!(words.contains("daily budget is $0") && words.contains("daily_budget_usd"), "the words: {words}");
    wait_overlay(&mut s, "the words", |t| t.contains("budget is spent")).await?;
    ensure!(s.peer.calls().is_empty(), "a session reached the model with a budget of 0");
    s.stop().await;
    Ok(())
}
