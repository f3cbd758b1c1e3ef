//! Hark's keyboard shortcut (the manifest's `commands.toggle-hark` suggested key), pressed as a
//! person presses it: a headful browser on a virtual X display (Xvfb), the keys sent to the
//! browser's window through the X server (xdotool, XTEST). Not through an extension page and not
//! through WebDriver key actions, which reach the page, never the browser's shortcut handling.

use std::time::{Duration, Instant};

use anyhow::{ensure, Context, Result};
use serde_json::{json, Value};

use hark_e2e::browser::{Engine, Launch};
use hark_e2e::stack::Stack;
use hark_e2e::xvfb::Xvfb;

use crate::tests::TestFn;

pub const ALL: &[(&str, TestFn)] =
    &[("keyboard_shortcut_starts_and_stops_hark", |e| Box::pin(keyboard_shortcut_starts_and_stops_hark(e)))];

/// Generous: headful browsers on a machine shared with other test runs.
const WAIT: Duration = Duration::from_secs(30);

/// The shortcut as the manifest suggests it (e.g. "Alt+Shift+K"), and as xdotool names its keys.
fn shortcut_keys() -> Result<(String, String)> {
    let manifest: Value = serde_json::from_str(&std::fs::read_to_string(hark_e2e::repo_root().join("manifest.json"))?)?;
    let key = manifest["commands"]["toggle-hark"]["suggested_key"]["default"]
        .as_str()
        .context("manifest.json suggests no key for toggle-hark")?
        .to_string();
    let keys = key.to_lowercase();
    Ok((key, keys))
}

fn window_class(engine: Engine) -> &'static str {
    match engine {
        Engine::Chromium => "chromium",
        // Firefox ESR's windows are of class "firefox-esr".
        Engine::Firefox => "firefox",
    }
}

fn ms(d: Duration) -> String {
    format!("{} ms", d.as_millis())
}

/// The browser's view of Hark's commands: `toggle-hark` must have the suggested key as the browser
/// assigned it from the manifest's suggested key (nothing here assigns it).
async fn shortcut(s: &mut Stack) -> Result<Value> {
    let all = s.browser.ext_eval("return await (globalThis.browser ?? chrome).commands.getAll();").await?;
    let toggle = all
        .as_array()
        .and_then(|a| a.iter().find(|c| c["name"] == json!("toggle-hark")))
        .cloned()
        .with_context(|| format!("no toggle-hark command in {all}"))?;
    Ok(toggle)
}

/// The page tab is the one the person looks at: selected in its window (WebDriver selects the tab
/// it switches to; the status checks switch to an extension tab and back).
async fn ensure_page_in_front(s: &mut Stack) -> Result<()> {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let page = s.browser.eval("return [location.href, document.visibilityState]").await?;
        // Firefox: the tab its window shows, from the browser's chrome (its tab switch is
        // asynchronous); Chromium: the page's visibility is the tab's.
        let selected = match s.browser.engine {
            Engine::Firefox => {
                s.browser.chrome_eval("return Services.wm.getMostRecentWindow('navigator:browser').gBrowser.selectedBrowser.currentURI.spec;")
                    .await?
            }
            Engine::Chromium => page[0].clone(),
        };
        if page[1] == json!("visible") && selected == page[0] {
            return Ok(());
        }
        ensure!(Instant::now() < deadline, "the page tab is not the selected tab: page {page}, selected {selected}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Firefox: the browser's own menus and panels that are open (a key its menu bar takes opens one);
/// Chromium: none can be listed.
async fn open_menus(s: &Stack) -> Result<Value> {
    if s.browser.engine != Engine::Firefox {
        return Ok(json!(null));
    }
    s.browser.chrome_eval("const win = Services.wm.getMostRecentWindow('navigator:browser');
         return [...win.document.querySelectorAll('menupopup, panel')]
           .filter(p => p.state === 'open' || p.state === 'showing')
           .map(p => { const m = p.closest('menu'); return m ? `${m.getAttribute('label')} menu (access key Alt+${m.getAttribute('accesskey')})` : p.id; });",
    )
    .await
}

/// What the browser shows when a press did not do what it should: Hark's status, the page's
/// visibility and focus, the tabs, and (Firefox) the browser's open menus.
async fn missed(s: &mut Stack, what: &str) -> anyhow::Error {
    let status = s.status().await.unwrap_or_else(|e| json!(format!("no status: {e:#}")));
    let focus = s.browser.eval("return [document.visibilityState, document.hasFocus()]").await.ok();
    let tabs = s
        .browser
        .ext_eval("return (await (globalThis.browser ?? chrome).tabs.query({})).map(t => [t.active, t.url]);")
        .await
        .ok();
    let menus = open_menus(s).await.unwrap_or_else(|e| json!(format!("{e:#}")));
    // Firefox's menu bar treats Alt+Shift+<letter> as Alt+<letter>: a menu whose access key is
    // that letter takes the press before any extension's command sees it.
    let shortcut = shortcut_keys().map(|k| k.0).unwrap_or_default();
    if menus.as_array().is_some_and(|m| !m.is_empty()) {
        return anyhow::anyhow!(
            "{shortcut} did not reach Hark: the browser's menu bar took it and opened {menus}; Hark's command never fired \
             ({what}; Hark's status: {status})"
        );
    }
    anyhow::anyhow!(
        "after {shortcut}: {what}; Hark's status: {status}; page visibility, focus: {focus:?}; tabs (active, url): {tabs:?}; \
         the browser's open menus: {menus}"
    )
}

async fn press(s: &mut Stack, xvfb: &Xvfb) -> Result<Instant> {
    ensure_page_in_front(s).await?;
    let class = window_class(s.browser.engine);
    let (shortcut, keys) = shortcut_keys()?;
    tokio::task::block_in_place(|| xvfb.press_keys(class, &keys))
        .with_context(|| format!("pressing {shortcut} in the {class} window"))
}

async fn keyboard_shortcut_starts_and_stops_hark(engine: Engine) -> Result<()> {
    let xvfb = Xvfb::start()?;
    let launch = Launch { display: Some(xvfb.display()), ..Launch::default() };
    let mut s = Stack::start_with(engine, launch).await?;
    s.open("/corpus/sb-admin-2/index.html").await?;
    let toggle = shortcut(&mut s).await?;
    println!("{}: toggle-hark as the browser has it: {toggle}", engine.name());
    let (shortcut, _) = shortcut_keys()?;
    ensure!(toggle["shortcut"] == json!(shortcut), "the browser assigned toggle-hark no {shortcut}: {toggle}");
    let status = s.status().await?;
    ensure!(status["active"] != json!(true), "Hark runs before any key press: {status}");

    // Press: a session starts on this tab.
    let pressed = press(&mut s, &xvfb).await?;
    let call = match s.peer.next_call().await {
        Ok(call) => call,
        Err(e) => return Err(missed(&mut s, &format!("no call reached the peer ({e})")).await),
    };
    let to_call = pressed.elapsed();
    call.wait_channel_open().await.context("the oai-events channel did not open after the key press")?;
    let to_open = pressed.elapsed();
    let status = s.wait_state(&["listening"], WAIT).await?;
    let to_listening = pressed.elapsed();
    let page = s.browser.eval("return location.href").await?;
    ensure!(status["active"] == json!(true), "Hark is listening but not active: {status}");
    println!(
        "{}: {shortcut} -> call at the peer {}, oai-events open {}, status listening {} (on {page})",
        engine.name(),
        ms(to_call),
        ms(to_open),
        ms(to_listening)
    );

    // A tool call through the peer changes the page the key was pressed on.
    let new = [12, 34, 120];
    let before = s.browser.screenshot().await?;
    let t = Instant::now();
    let out = call.call_tool("changeBackgroundColor", json!({ "color": "rgb(12, 34, 120)" })).await?;
    let tool = t.elapsed();
    ensure!(!out.to_lowercase().contains("error"), "changeBackgroundColor failed: {out}");
    tokio::time::sleep(Duration::from_millis(400)).await;
    let after = s.browser.keep_screenshot("keyboard-shortcut-background").await?;
    let (was, now) = (before.share_of(new, 3), after.share_of(new, 3));
    println!(
        "{}: changeBackgroundColor answered in {}; pixels in the new color {:.1}% -> {:.1}%",
        engine.name(),
        ms(tool),
        was * 100.0,
        now * 100.0
    );
    // sb-admin-2's page background shows between its cards and beside its blue sidebar: about a
    // sixth of the viewport.
    ensure!(
        was < 0.01 && now >= 0.1,
        "the page did not take the new background: {:.1}% -> {:.1}% of its pixels",
        was * 100.0,
        now * 100.0
    );

    // Press again: the session stops.
    // The peer's side first: watching it costs the browser nothing (each status check switches
    // the browser to an extension tab and back, which a loaded machine feels).
    let pressed = press(&mut s, &xvfb).await?;
    let info = match call
        .wait_for("the call to end or its channel to close", WAIT, |i| i.ended || i.channel_closed)
        .await
    {
        Ok(info) => info,
        Err(e) => return Err(missed(&mut s, &format!("the peer's call went on after the second press ({e})")).await),
    };
    let to_closed = pressed.elapsed();
    if let Err(e) = s.wait_state(&["off"], WAIT).await {
        return Err(missed(&mut s, &format!("Hark did not stop on the second press ({e:#})")).await);
    }
    let to_off = pressed.elapsed();
    println!(
        "{}: {shortcut} again -> call {} at the peer {}, status off {}",
        engine.name(),
        if info.ended { "ended" } else { "channel closed" },
        ms(to_closed),
        ms(to_off)
    );
    s.stop().await;
    drop(xvfb);
    Ok(())
}
