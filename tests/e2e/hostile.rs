//! Pages that fight back or are huge. On each, in both browsers: every tool call is answered
//! within 10 s (with words when Hark cannot do it), the tab keeps responding while Hark works
//! (the page's own 10 ms timer, `tests/pages/probe.js`; Chromium's long tasks), and reset gives
//! the page back exactly. Each test prints its figures (`hostile figure:` lines).

use std::time::{Duration, Instant};

use anyhow::{ensure, Context, Result};
use serde_json::{json, Value};

use hark_e2e::browser::Engine;
use hark_e2e::stack::Stack;
use hark_peer::CallHandle;

use crate::tests::TestFn;

tests!(
    a_page_re_rendering_20_times_a_second_keeps_changes_and_a_bounded_journal,
    a_60000_element_table_answers_every_call_in_time,
    a_page_that_rewrites_the_dom_and_json_in_its_world_cannot_break_hark,
    a_page_holding_a_dialog_gets_words_in_seconds_and_hark_goes_on_after,
    closed_shadow_roots_are_read_and_changed_and_other_sites_frames_left_alone,
    an_endless_feed_keeps_changes_on_what_it_loads_and_resets_exactly,
    a_page_can_neither_read_nor_feed_hark_s_overlay_nor_take_its_frame,
    a_page_embedding_hark_s_overlay_page_cannot_cut_the_overlay_off,
);

/// Every call must be answered within this, whatever the page.
const ANSWER_WITHIN: Duration = Duration::from_secs(10);

/// Calls a tool and measures how long the answer took; fails when it came later than 10 s.
/// `gaps`: the page has the responsiveness probe; print its longest timer gap during the call.
async fn timed(call: &CallHandle, engine: Engine, page: &str, name: &str, args: Value) -> Result<String> {
    timed_on(None, call, engine, page, name, args).await
}

async fn timed_on(
    probe: Option<&Stack>,
    call: &CallHandle,
    engine: Engine,
    page: &str,
    name: &str,
    args: Value,
) -> Result<String> {
    if let Some(s) = probe {
        s.browser.eval("return window.__probeReset()").await?;
    }
    let t0 = Instant::now();
    let out = call.call_tool(name, args).await.with_context(|| format!("{name} got no answer"))?;
    let took = t0.elapsed();
    let mut stall = 0;
    let gap = match probe {
        Some(s) => {
            let p = s.browser.eval("return window.__probe").await?;
            stall = p["maxGapMs"].as_u64().unwrap_or(u64::MAX);
            format!("; page timer's longest gap meanwhile {} ms; longest frames {}", p["maxGapMs"], p["frames"])
        }
        None => String::new(),
    };
    // Not frozen (the figures say how smooth): a tab that stops for seconds is what people feel.
    ensure!(stall < 3000, "the page stalled for {stall} ms during {name}");
    println!("hostile figure: {} {page}: {name} answered in {} ms{gap}", engine.name(), took.as_millis());
    ensure!(took <= ANSWER_WITHIN, "{name} took {took:?} (more than {ANSWER_WITHIN:?}): {out}");
    ensure!(!out.contains("did not answer"), "{name}: the page did not answer: {out}");
    Ok(out)
}

fn failed(out: &str) -> bool {
    out.contains("\"ok\":false")
}

/// How responsive the page stayed since the last reset of its probe; prints the figures.
async fn responsiveness(s: &Stack, page: &str) -> Result<Value> {
    let p = s.browser.eval("return window.__probe").await?;
    let tasks: Vec<u64> = serde_json::from_value(p["longTasks"].clone()).unwrap_or_default();
    println!(
        "hostile figure: {} {page}: page timer's longest gap {} ms; long tasks: {} (longest {} ms{})",
        s.browser.engine.name(),
        p["maxGapMs"],
        tasks.len(),
        tasks.iter().max().copied().unwrap_or(0),
        if p["longTaskSupported"] == json!(true) { "" } else { ", not reported by this browser" }
    );
    Ok(p)
}

async fn page_stats(s: &mut Stack) -> Result<Value> {
    let url = s.browser.eval("return location.href").await?;
    s.browser
        .ext_eval(&format!("return await (globalThis.browser ?? chrome).runtime.sendMessage({{ type: 'hark.pageCommand', url: {url}, command: {{ op: 'stats' }} }});"))
        .await
}

/// "Restored the page: N elements back as they were."
fn restored_count(out: &str) -> Option<u64> {
    let v: Value = serde_json::from_str(out.lines().next()?).ok()?;
    v["restored"].as_u64()
}

const BUTTON_LOOK: &str = "const bs = [...document.querySelectorAll('#board button')];
    return { buttons: bs.length, red: bs.filter(b => getComputedStyle(b).backgroundColor === 'rgb(200, 0, 0)').length,
      styled: bs.filter(b => b.hasAttribute('style')).length, renders: window.__renders }";

/// A live board that throws its 200 buttons away and renders new ones every 50 ms. A button
/// change stays on every new button; Hark's journal holds what is on the page, not every button
/// ever rendered; keeping the change costs the page no long task; reset gives the page back.
async fn a_page_re_rendering_20_times_a_second_keeps_changes_and_a_bounded_journal(engine: Engine) -> Result<()> {
    let mut s = Stack::start(engine).await?;
    s.open("/t/rerender.html").await?;
    let call = s.start_hark().await?;
    s.browser.eval("return window.__probeReset()").await?;
    let out =
        timed(&call, engine, "rerender", "changeButtonStyle", json!({ "size": "large", "color": "rgb(200, 0, 0)" }))
            .await?;
    ensure!(!failed(&out), "changeButtonStyle failed: {out}");
    let start = s.browser.eval(BUTTON_LOOK).await?;
    tokio::time::sleep(Duration::from_secs(3)).await;
    let look = s.browser.eval(BUTTON_LOOK).await?;
    let renders = look["renders"].as_u64().unwrap_or(0) - start["renders"].as_u64().unwrap_or(0);
    ensure!(renders >= 20, "the page re-rendered only {renders} times in 3 s: {look}");
    ensure!(
        look["buttons"] == json!(200) && look["red"] == json!(200),
        "after {renders} re-renders not every button kept the change: {look}"
    );
    let stats = page_stats(&mut s).await?;
    let kept = stats["journal"]["elements"].as_u64().context("no journal figures")?;
    let batches = stats["keep"]["batches"].as_f64().unwrap_or(0.0).max(1.0);
    println!(
        "hostile figure: {} rerender: after {renders} re-renders of 200 buttons the journal holds {kept} elements; keeping the change cost {:.1} ms per re-render on average, {} ms at most ({batches} re-renders kept)",
        engine.name(),
        stats["keep"]["ms"].as_f64().unwrap_or(0.0) / batches,
        stats["keep"]["maxMs"],
    );
    ensure!(kept <= 800, "the journal grew with the re-renders: {kept} elements for 200 on the page ({stats})");
    // Not frozen: the page's own 10 ms timer kept running (the figures print how well).
    let p = responsiveness(&s, "rerender").await?;
    ensure!(
        p["maxGapMs"].as_u64().unwrap_or(u64::MAX) < 1000,
        "the page stalled for {} ms while Hark kept its change",
        p["maxGapMs"]
    );
    let out = timed(&call, engine, "rerender", "resetPage", json!({})).await?;
    let restored = restored_count(&out).context(format!("no count in {out}"))?;
    ensure!(restored <= 800, "reset reported {restored} elements (200 buttons on the page): {out}");
    tokio::time::sleep(Duration::from_millis(300)).await;
    let look = s.browser.eval(BUTTON_LOOK).await?;
    ensure!(
        look["red"] == json!(0) && look["styled"] == json!(0),
        "after reset and re-renders the buttons are not the page's own: {look}"
    );
    s.stop().await;
    Ok(())
}

/// A table of 30,000 rows, each with a link and a button (generated by the page itself): every
/// call is answered in time, the page keeps responding, and reset leaves no style behind.
async fn a_60000_element_table_answers_every_call_in_time(engine: Engine) -> Result<()> {
    let mut s = Stack::start(engine).await?;
    s.open_generated_page(Duration::ZERO).await?;
    let call = s.start_hark().await?;
    s.browser.eval("return window.__probeReset()").await?;
    let page = "big-table";
    let out = timed_on(Some(&s), &call, engine, page, "getPageHTML", json!({})).await?;
    ensure!(!failed(&out) && out.contains("Orders") && out.contains("Cancel 1"), "getPageHTML gave {out}");
    let out =
        timed_on(Some(&s), &call, engine, page, "changeButtonStyle", json!({ "color": "rgb(0, 90, 200)" })).await?;
    ensure!(!failed(&out), "changeButtonStyle failed: {out}");
    let first = s.browser.eval("return getComputedStyle([...document.querySelectorAll('button')].find(b => b.textContent === 'Cancel 1')).backgroundColor").await?;
    ensure!(first == json!("rgb(0, 90, 200)"), "the button in view did not change: {first} ({out})");
    let out = timed_on(Some(&s), &call, engine, page, "changeTextColor", json!({ "color": "rgb(120, 0, 0)" })).await?;
    ensure!(!failed(&out), "changeTextColor failed: {out}");
    let out = timed_on(Some(&s), &call, engine, page, "click", json!({ "target": "Refresh" })).await?;
    ensure!(!failed(&out), "click failed: {out}");
    let out = timed_on(Some(&s), &call, engine, page, "findText", json!({ "text": "Order 29999" })).await?;
    ensure!(!failed(&out), "findText failed: {out}");
    let out = timed_on(Some(&s), &call, engine, page, "resetPage", json!({})).await?;
    ensure!(!failed(&out), "resetPage failed: {out}");
    let left = s.browser.eval("return [...document.querySelectorAll('[style]')].filter(e => !e.matches('hark-overlay, hark-marks')).length").await?;
    ensure!(left == json!(0), "{left} elements kept a style attribute after reset");
    responsiveness(&s, page).await?;
    s.stop().await;
    Ok(())
}

/// A page that replaces the DOM's prototypes, JSON, timers, observers and promises in its own
/// world: Hark reads it, changes it, clicks on it and resets it as if nothing happened.
async fn a_page_that_rewrites_the_dom_and_json_in_its_world_cannot_break_hark(engine: Engine) -> Result<()> {
    let mut s = Stack::start(engine).await?;
    s.open("/t/prototypes.html").await?;
    let call = s.start_hark().await?;
    let before = s.browser.eval("return window.__look()").await?;
    // WebDriver's own scripts run in the page's world (ChromeDriver's break there) until the
    // page puts its world back.
    s.browser.eval("return window.__rewrite()").await?;
    let page = "prototypes";
    let out = timed(&call, engine, page, "getPageHTML", json!({})).await?;
    ensure!(
        !failed(&out) && out.contains("Rewritten world") && out.contains("Count") && !out.contains("EVIL"),
        "getPageHTML gave {out}"
    );
    for (name, args) in [
        ("changeBackgroundColor", json!({ "color": "rgb(10, 20, 90)" })),
        ("changeTextColor", json!({ "color": "rgb(250, 250, 250)" })),
        ("changeButtonStyle", json!({ "size": "large" })),
        ("click", json!({ "target": "Count" })),
    ] {
        let out = timed(&call, engine, page, name, args).await?;
        ensure!(!failed(&out), "{name} failed on the rewritten page: {out}");
    }
    let shot = s.browser.keep_screenshot("prototypes-changed").await?;
    ensure!(shot.share_of([10, 20, 90], 3) > 0.5, "the new background does not show on the page");
    let out = timed(&call, engine, page, "resetPage", json!({})).await?;
    ensure!(!failed(&out), "resetPage failed: {out}");
    let out = timed(&call, engine, page, "getPageHTML", json!({})).await?;
    ensure!(out.contains("Counted 1 times"), "the click did not reach the page: {out}");
    // The page's own button puts its world back, so WebDriver can look again.
    let out = timed(&call, engine, page, "click", json!({ "target": "Put my world back" })).await?;
    ensure!(!failed(&out), "click failed: {out}");
    ensure!(s.browser.eval("return window.__rewritten").await? == json!(false), "the page did not put its world back");
    let after = s.browser.eval("return window.__look()").await?;
    ensure!(after == before, "reset did not give the page back exactly:\nbefore {before}\nafter {after}");
    s.stop().await;
    Ok(())
}

/// The browser's own dialogs (confirm, alert) hold a page until the person answers, and nothing
/// of Hark's runs there meanwhile: the click is answered within seconds with words saying so, and
/// once the person has answered, Hark reads and acts again.
async fn a_page_holding_a_dialog_gets_words_in_seconds_and_hark_goes_on_after(engine: Engine) -> Result<()> {
    let mut s = Stack::start(engine).await?;
    s.open("/t/dialogs.html").await?;
    let call = s.start_hark().await?;
    let page = "dialogs";
    // No WebDriver command while a dialog is open (WebDriver would answer it): only the peer talks.
    let out = timed(&call, engine, page, "click", json!({ "target": "Delete all" })).await?;
    let held = out.contains("dialog");
    ensure!(held || out.contains("Clicked"), "the click on a button opening a confirm gave {out}");
    // The person answers the dialog.
    s.browser.client.accept_alert().await.context("no dialog was open")?;
    let out = timed(&call, engine, page, "getPageHTML", json!({})).await?;
    ensure!(out.contains("Deleted everything."), "after the person's yes the page should say so: {out}");
    let out = timed(&call, engine, page, "click", json!({ "target": "Say hello" })).await?;
    ensure!(out.contains("dialog") || out.contains("Clicked"), "the click on a button opening an alert gave {out}");
    s.browser.client.dismiss_alert().await.context("no alert was open")?;
    let out = timed(&call, engine, page, "getPageHTML", json!({})).await?;
    ensure!(out.contains("Said hello."), "after the alert the page should go on: {out}");
    println!(
        "hostile figure: {} {page}: a click held by the page's dialog was answered {}",
        engine.name(),
        if held { "with words about the dialog" } else { "as done (this browser runs Hark beside the dialog)" }
    );
    s.stop().await;
    Ok(())
}

const CLOSED_LOOK: &str = "return window.__closedButtonLook()";

/// A web component with a closed shadow root is part of the page a person sees: Hark reads its
/// button, clicks it and restyles it, and reset gives it back. A frame from another site is
/// neither read nor changed (Hark says what it is).
async fn closed_shadow_roots_are_read_and_changed_and_other_sites_frames_left_alone(engine: Engine) -> Result<()> {
    let mut s = Stack::start(engine).await?;
    s.open("/t/closed-frames.html").await?;
    let call = s.start_hark().await?;
    let page = "closed-frames";
    let before = s.browser.eval(CLOSED_LOOK).await?;
    let out = timed(&call, engine, page, "getPageHTML", json!({})).await?;
    ensure!(
        out.contains("Weekly letter") && out.contains("Subscribe"),
        "the closed component's content is missing: {out}"
    );
    ensure!(!out.contains("Widget button"), "another site's frame was read: {out}");
    let out = timed(&call, engine, page, "click", json!({ "target": "Subscribe" })).await?;
    ensure!(!failed(&out), "click in the closed component failed: {out}");
    ensure!(
        s.browser.eval("return document.getElementById('status').textContent").await? == json!("Subscribed."),
        "the click did not reach the component"
    );
    let out = timed(&call, engine, page, "changeButtonStyle", json!({ "color": "rgb(0, 120, 60)" })).await?;
    ensure!(!failed(&out), "changeButtonStyle failed: {out}");
    let look = s.browser.eval(CLOSED_LOOK).await?;
    ensure!(look["background"] == json!("rgb(0, 120, 60)"), "the closed component's button did not change: {look}");
    let out = timed(&call, engine, page, "resetPage", json!({})).await?;
    ensure!(!failed(&out), "resetPage failed: {out}");
    let after = s.browser.eval(CLOSED_LOOK).await?;
    ensure!(after == before, "reset did not give the component its button back: {before} became {after}");
    s.stop().await;
    Ok(())
}

const FEED_LOOK: &str = "const bodies = [...document.querySelectorAll('#feed p.body')];
    return { posts: bodies.length, colored: bodies.filter(p => getComputedStyle(p).color === 'rgb(0, 0, 160)').length,
      styled: document.querySelectorAll('#feed [style]').length }";

/// An endless feed loads 20 posts whenever its end comes near: a text color change reaches the
/// posts that load after it, and reset takes it off all of them.
async fn an_endless_feed_keeps_changes_on_what_it_loads_and_resets_exactly(engine: Engine) -> Result<()> {
    let mut s = Stack::start(engine).await?;
    s.open("/t/infinite.html").await?;
    let call = s.start_hark().await?;
    let page = "infinite";
    let out = timed(&call, engine, page, "changeTextColor", json!({ "color": "rgb(0, 0, 160)" })).await?;
    ensure!(!failed(&out), "changeTextColor failed: {out}");
    for _ in 0..4 {
        let out = timed(&call, engine, page, "scroll", json!({ "direction": "bottom" })).await?;
        ensure!(!failed(&out), "scroll failed: {out}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let look = s.browser.eval(FEED_LOOK).await?;
    ensure!(look["posts"].as_u64().unwrap_or(0) >= 60, "the feed did not load more posts: {look}");
    ensure!(look["colored"] == look["posts"], "posts loaded after the change do not have it: {look}");
    let out = timed(&call, engine, page, "getPageHTML", json!({})).await?;
    ensure!(!failed(&out) && out.contains("Post"), "getPageHTML gave {out}");
    let out = timed(&call, engine, page, "resetPage", json!({})).await?;
    ensure!(!failed(&out), "resetPage failed: {out}");
    let look = s.browser.eval(FEED_LOOK).await?;
    ensure!(
        look["colored"] == json!(0) && look["styled"] == json!(0),
        "after reset the feed keeps Hark's colors: {look}"
    );
    println!(
        "hostile figure: {} {page}: {} posts loaded, every one kept the change, reset left none",
        engine.name(),
        look["posts"]
    );
    s.stop().await;
    Ok(())
}

/// What the overlay shows, read the way tests read it (from the extension), once it has `what`.
async fn overlay_showing(s: &mut Stack, what: &str) -> Result<String> {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let text = s.browser.overlay_text().await?;
        if text.contains(what) {
            return Ok(text);
        }
        ensure!(Instant::now() < deadline, "the overlay never showed {what:?}: {text:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// A session on a login page whose overlay shows one tool's line (`changeTextColor`).
async fn session_with_overlay(engine: Engine) -> Result<(Stack, CallHandle)> {
    let mut s = Stack::start(engine).await?;
    s.open("/corpus/sb-admin-2/login.html").await?;
    let call = s.start_hark().await?;
    let out = call.call_tool("changeTextColor", json!({ "color": "rgb(20, 20, 20)" })).await?;
    ensure!(!failed(&out), "changeTextColor failed: {out}");
    overlay_showing(&mut s, "changeTextColor").await?;
    Ok((s, call))
}

/// The overlay's panel is a frame of Hark's own in the page (`extension/overlay-frame.js`). The
/// page cannot reach it (no frame in `window.frames`, no element, no shadow root to open), its
/// window messages (a port of its own, with and without a guessed nonce) show nothing, and when
/// it removes Hark's box, the box comes back at the next update with the whole session in it.
async fn a_page_can_neither_read_nor_feed_hark_s_overlay_nor_take_its_frame(engine: Engine) -> Result<()> {
    let (mut s, call) = session_with_overlay(engine).await?;
    let tried = s
        .browser
        .eval(
            "return new Promise((done) => {
              const heard = [];
              const box = document.querySelector('hark-overlay');
              const reach = { frames: window.frames.length, iframes: document.querySelectorAll('iframe').length, box: !!box, root: box ? box.shadowRoot !== null : null };
              for (const nonce of [undefined, '', 'x', '00000000-0000-0000-0000-000000000000']) {
                const ch = new MessageChannel();
                ch.port1.onmessage = (e) => heard.push(JSON.stringify(e.data));
                window.postMessage({ harkOverlay: nonce, ui: { state: 'error', error: { title: 'PAGE SAYS', message: 'click Allow' } } }, '*', [ch.port2]);
                ch.port1.postMessage({ ui: { state: 'error', error: { title: 'PAGE SAYS', message: 'click Allow' } } });
                ch.port1.postMessage({ report: 1 });
              }
              setTimeout(() => done({ ...reach, heard }), 1000);
            });",
        )
        .await?;
    ensure!(
        tried == json!({ "frames": 0, "iframes": 0, "box": true, "root": false, "heard": [] }),
        "the page reached Hark's overlay: {tried}"
    );
    let shown = overlay_showing(&mut s, "Hark").await?;
    ensure!(!shown.contains("PAGE SAYS"), "the page's words reached the overlay: {shown:?}");
    // The page takes the box away: the next update brings it back, drawn whole (the earlier
    // tool line included).
    s.browser.eval("document.querySelector('hark-overlay').remove(); return true;").await?;
    ensure!(s.browser.overlay_text().await?.is_empty(), "the overlay still shows once the page removed it");
    let out = call.call_tool("changeBackgroundColor", json!({ "color": "navy" })).await?;
    ensure!(!failed(&out), "changeBackgroundColor failed: {out}");
    let shown = overlay_showing(&mut s, "changeBackgroundColor").await?;
    ensure!(
        shown.contains("changeTextColor") && !shown.contains("PAGE SAYS"),
        "the overlay put back does not show the session whole: {shown:?}"
    );
    s.stop().await;
    Ok(())
}

/// `overlay.html` is web-accessible (Hark's own frame loads it into the page). A page that knows
/// its address (Firefox: the install's random UUID; Chromium: only the fixed address, which the
/// dynamic one replaces) and embeds it gets a frame that says hello like Hark's own. That hello
/// must not take the port from Hark's frame: the overlay goes on showing the session, and the
/// page's frame shows nothing of it.
async fn a_page_embedding_hark_s_overlay_page_cannot_cut_the_overlay_off(engine: Engine) -> Result<()> {
    let (mut s, call) = session_with_overlay(engine).await?;
    let url = serde_json::to_string(&s.browser.extension_url("overlay.html"))?;
    let loaded = s
        .browser
        .eval(&format!(
            "return new Promise((done) => {{
              const f = document.createElement('iframe');
              f.src = {url};
              f.addEventListener('load', () => setTimeout(() => done(true), 1000));
              setTimeout(() => done(false), 5000);
              document.body.append(f);
            }});"
        ))
        .await?;
    ensure!(loaded == json!(true), "the page's frame of {url} never loaded: {loaded}");
    let out = call.call_tool("changeBackgroundColor", json!({ "color": "navy" })).await?;
    ensure!(!failed(&out), "changeBackgroundColor failed: {out}");
    let shown = overlay_showing(&mut s, "changeBackgroundColor").await?;
    ensure!(shown.contains("changeTextColor"), "the overlay lost the session's earlier lines: {shown:?}");
    s.stop().await;
    Ok(())
}
