//! Readable recolor: a color change never leaves text hard to read. After Hark's change every
//! visible text run has a contrast of at least 4.5:1 (3:1 for large text) against what is painted
//! behind it: checked here from computed styles with the test's own walk, and on the screenshot.
//! Undo restores the page's own colors exactly; a person may keep their exact colors.

use std::time::Duration;

use anyhow::{ensure, Context, Result};
use serde_json::{json, Value};

use hark_e2e::browser::Engine;
use hark_e2e::contrast::{contrast, dark_share, AUDIT_JS};
use hark_e2e::pixels::{self, Image};
use hark_e2e::stack::Stack;

use crate::tests::TestFn;

tests!(
    a_color_change_keeps_every_visible_text_readable,
    text_the_page_adds_later_is_made_readable_too,
    every_theme_is_readable_leaves_pictures_alone_and_undoes_exactly,
    text_spacing_and_reduced_motion_show_on_the_page_and_undo_exactly,
);

const DASHBOARD: &str = "/corpus/sb-admin-2/index.html";
/// sb-admin-2's page heading: `#5a5c69`, 2.1:1 on navy.
const HEADING: &str = "h1.h3";

/// Every element's style attribute, in document order.
const STYLES: &str = "return [...document.querySelectorAll('*')].filter(e => !e.closest('hark-overlay')).map(e => [e.tagName, e.getAttribute('style')]);";

async fn audit(s: &mut Stack) -> Result<(u64, Vec<Value>)> {
    let v = s.browser.eval(AUDIT_JS).await?;
    Ok((v["checked"].as_u64().unwrap_or(0), v["low"].as_array().cloned().unwrap_or_default()))
}

async fn settle() {
    tokio::time::sleep(Duration::from_millis(400)).await;
}

/// The heading's contrast on screen: its ink (the pixel farthest from the ground) against the
/// ground (the most common pixel in its box).
async fn heading_on_screen(s: &mut Stack) -> Result<f64> {
    let rect = s
        .browser
        .eval(&format!(
            "const h = document.querySelector('{HEADING}'); h.scrollIntoView({{ block: 'center' }});
             const r = h.getBoundingClientRect(); return [r.left, r.top, r.width, r.height, devicePixelRatio];"
        ))
        .await?;
    settle().await;
    let n = |i: usize| rect[i].as_f64().unwrap_or(0.0);
    let shot: Image = s.browser.screenshot().await?;
    let k = n(4).max(1.0);
    let (x0, y0) = ((n(0) * k) as usize, (n(1) * k) as usize);
    let (x1, y1) = (((n(0) + n(2)) * k) as usize, ((n(1) + n(3)) * k) as usize);
    ensure!(x1 <= shot.width && y1 <= shot.height && x1 > x0 && y1 > y0, "the heading is off screen: {rect}");
    let mut counts = std::collections::HashMap::new();
    for y in y0..y1 {
        for x in x0..x1 {
            *counts.entry(shot.at(x, y)).or_insert(0usize) += 1;
        }
    }
    let ground = *counts.iter().max_by_key(|(_, n)| **n).context("no pixels")?.0;
    let ink = (y0..y1)
        .flat_map(|y| (x0..x1).map(move |x| (x, y)))
        .map(|(x, y)| contrast(shot.at(x, y), ground))
        .fold(1.0, f64::max);
    Ok(ink)
}

async fn color_of(s: &mut Stack, selector: &str) -> Result<String> {
    Ok(s.browser
        .eval(&format!("return getComputedStyle(document.querySelector('{selector}')).color;"))
        .await?
        .as_str()
        .unwrap_or("")
        .to_string())
}

async fn a_color_change_keeps_every_visible_text_readable(engine: Engine) -> Result<()> {
    let mut s = Stack::start(engine).await?;
    s.open(DASHBOARD).await?;
    let call = s.start_hark().await?;
    let own = color_of(&mut s, HEADING).await?;
    let own_styles = s.browser.eval(STYLES).await?;
    // SB Admin 2's own grays are under the line on its white cards already (#858796: 3.6:1).
    let (_, own_low) = audit(&mut s).await?;
    ensure!(!own_low.is_empty(), "the audit finds none of SB Admin 2's low-contrast grays");

    // Exact colors when the person asks: the heading stays 2.1:1 on navy, and the audit says so.
    let out = call.call_tool("changeBackgroundColor", json!({ "color": "navy", "keepExactColors": true })).await?;
    ensure!(!out.contains("recolored"), "keepExactColors still recolored: {out}");
    settle().await;
    ensure!(color_of(&mut s, HEADING).await? == own, "keepExactColors changed the heading");
    let (_, low) = audit(&mut s).await?;
    ensure!(low.iter().any(|l| l["tag"] == "H1"), "the heading is not under the line on navy: {low:?}");
    let exact = heading_on_screen(&mut s).await?;
    ensure!(exact < 3.0, "the heading on navy reads {exact:.2}:1 on screen without Hark's help");
    call.call_tool("undo", json!({})).await?;

    // Hark's own choice: everything reads, and the answer says what was recolored.
    let t0 = std::time::Instant::now();
    let out = call.call_tool("changeBackgroundColor", json!({ "color": "navy" })).await?;
    let ms = t0.elapsed().as_millis();
    ensure!(out.contains("recolored") && out.contains("keepExactColors"), "the answer does not say: {out}");
    settle().await;
    let (checked, low) = audit(&mut s).await?;
    ensure!(checked > 50, "the audit saw only {checked} text elements");
    ensure!(low.is_empty(), "after changeBackgroundColor navy, text under the line: {low:?}");
    let fixed = heading_on_screen(&mut s).await?;
    ensure!(fixed >= 3.0, "the heading reads {fixed:.2}:1 on screen");
    println!(
        "figure: {} navy on sb-admin-2: {checked} text elements all ≥ 4.5:1 (3:1 large; {} under it before); heading on screen {exact:.2}:1 → {fixed:.2}:1; answered in {ms} ms: {}",
        engine.name(),
        own_low.len(),
        serde_json::from_str::<Value>(&out).ok().and_then(|v| v["message"].as_str().map(str::to_owned)).unwrap_or(out)
    );

    // The text color too: light gray text on the white cards is darkened where it must be.
    let out = call.call_tool("changeTextColor", json!({ "color": "#dddddd" })).await?;
    settle().await;
    let (_, low) = audit(&mut s).await?;
    ensure!(low.is_empty(), "after changeTextColor #ddd, text under the line: {low:?} ({out})");

    // Undo restores the page's own colors exactly.
    call.call_tool("undo", json!({})).await?;
    call.call_tool("undo", json!({})).await?;
    settle().await;
    ensure!(color_of(&mut s, HEADING).await? == own, "undo did not bring the heading's own color back");
    let after = s.browser.eval(STYLES).await?;
    if after != own_styles {
        let (a, b) = (after.as_array().context("styles")?, own_styles.as_array().context("styles")?);
        let differ: Vec<_> = a.iter().zip(b).filter(|(x, y)| x != y).take(5).collect();
        anyhow::bail!("undo did not give back the page's own style attributes: {differ:?}");
    }
    s.stop().await;
    Ok(())
}

async fn text_the_page_adds_later_is_made_readable_too(engine: Engine) -> Result<()> {
    let mut s = Stack::start(engine).await?;
    s.open(DASHBOARD).await?;
    let call = s.start_hark().await?;
    call.call_tool("changeBackgroundColor", json!({ "color": "navy" })).await?;
    // The page renders a new notice in its heading gray (2.1:1 on navy), on the page's ground.
    s.browser
        .eval(
            "const p = document.createElement('p'); p.id = 'late'; p.textContent = 'A notice the page added later';
             p.style.color = '#5a5c69'; document.querySelector('#content').prepend(p); return true;",
        )
        .await?;
    settle().await;
    let (_, low) = audit(&mut s).await?;
    ensure!(low.is_empty(), "text added after the change is under the line: {low:?}");
    let late = color_of(&mut s, "#late").await?;
    ensure!(pixels::parse_css_rgb(&late) != Some([0x5a, 0x5c, 0x69]), "the late notice kept its gray: {late}");
    s.stop().await;
    Ok(())
}

/// The page's pictures: each image's style attribute and computed filter, and the overlay's colors.
const PICTURES: &str = "return { imgs: [...document.querySelectorAll('img, svg, video, canvas')].map(e => [e.getAttribute('style'), getComputedStyle(e).filter]),
    overlay: (() => { const o = document.querySelector('hark-overlay'); return o ? [o.getAttribute('style'), getComputedStyle(o).filter, getComputedStyle(o).opacity] : null; })() };";

async fn every_theme_is_readable_leaves_pictures_alone_and_undoes_exactly(engine: Engine) -> Result<()> {
    let mut s = Stack::start(engine).await?;
    s.open(DASHBOARD).await?;
    let call = s.start_hark().await?;
    let own_styles = s.browser.eval(STYLES).await?;
    let pictures = s.browser.eval(PICTURES).await?;
    ensure!(
        pictures["imgs"].as_array().is_some_and(|a| !a.is_empty()),
        "the page has no pictures to check: {pictures}"
    );
    let before = dark_share(&s.browser.screenshot().await?);
    for theme in ["dark", "high-contrast", "sepia", "light"] {
        let t0 = std::time::Instant::now();
        let out = call.call_tool("changePageView", json!({ "theme": theme })).await?;
        let ms = t0.elapsed().as_millis();
        ensure!(out.contains(&format!("{} theme", theme.replace('-', " "))), "{theme}: {out}");
        settle().await;
        let (checked, low) = audit(&mut s).await?;
        ensure!(low.is_empty(), "{theme}: text under the line: {low:?}");
        let shot = s.browser.screenshot().await?;
        let dark = dark_share(&shot);
        match theme {
            "dark" | "high-contrast" => ensure!(dark > 0.6, "{theme}: only {:.0}% of the screen is dark", dark * 100.0),
            _ => ensure!(dark < 0.3, "{theme}: {:.0}% of the screen is dark", dark * 100.0),
        }
        ensure!(s.browser.eval(PICTURES).await? == pictures, "{theme}: a picture or the overlay was restyled");
        ensure!(s.browser.overlay_text().await?.contains("Hark"), "{theme}: the overlay is not readable");
        println!(
            "figure: {} {theme} theme on sb-admin-2: {:.0}% → {:.0}% of the screen dark, {checked} text elements all readable, answered in {ms} ms",
            engine.name(),
            before * 100.0,
            dark * 100.0
        );
        call.call_tool("undo", json!({})).await?;
        settle().await;
        ensure!(s.browser.eval(STYLES).await? == own_styles, "{theme}: undo did not give back the page's own styles");
    }
    s.stop().await;
    Ok(())
}

/// A CSS animation, a script-driven one and a playing (muted, canvas-fed) video, as pages have.
const MOVING: &str = "
    const st = document.createElement('style'); st.textContent = '@keyframes hark-spin { to { transform: rotate(360deg) } } #spinner { animation: hark-spin 1s linear infinite; width: 20px; height: 20px; background: red; }';
    document.head.append(st);
    const sp = document.createElement('div'); sp.id = 'spinner'; document.querySelector('#content').prepend(sp);
    const js = document.createElement('div'); js.id = 'slider'; js.textContent = 'Sliding'; document.querySelector('#content').prepend(js);
    js.animate([{ transform: 'translateX(0)' }, { transform: 'translateX(40px)' }], { duration: 800, iterations: Infinity });
    const c = document.createElement('canvas'); c.width = 16; c.height = 16; const g = c.getContext('2d');
    setInterval(() => { g.fillStyle = `hsl(${Date.now() % 360}, 80%, 50%)`; g.fillRect(0, 0, 16, 16); }, 50);
    const v = document.createElement('video'); v.id = 'clip'; v.muted = true; v.srcObject = c.captureStream(20);
    document.querySelector('#content').prepend(v);
    return v.play().then(() => true, (e) => String(e));";

const MOTION_STATE: &str = "return { spinner: getComputedStyle(document.querySelector('#spinner')).animationName,
    slider: document.querySelector('#slider').getAnimations().map(a => a.playState),
    video: document.querySelector('#clip').paused };";

async fn text_spacing_and_reduced_motion_show_on_the_page_and_undo_exactly(engine: Engine) -> Result<()> {
    let mut s = Stack::start(engine).await?;
    s.open(DASHBOARD).await?;
    let call = s.start_hark().await?;
    let playing = s.browser.eval(MOVING).await?;
    ensure!(playing == json!(true), "the test video does not play: {playing}");
    let own_styles = s.browser.eval(STYLES).await?;
    let moving = s.browser.eval(MOTION_STATE).await?;
    ensure!(moving["spinner"] == "hark-spin" && moving["video"] == false, "nothing moves to begin with: {moving}");

    let out = call.call_tool("changePageView", json!({ "textSpacing": true, "reducedMotion": true })).await?;
    ensure!(out.contains("text spacing") && out.contains("reduced motion"), "{out}");
    settle().await;
    let still = s.browser.eval(MOTION_STATE).await?;
    ensure!(
        still["spinner"] == "none" && still["video"] == true && still["slider"] == json!(["paused"]),
        "still moving after reducedMotion: {still} ({out})"
    );
    // WCAG 1.4.12 on a paragraph, and no text cut off by a box that clips.
    let spaced = s
        .browser
        .eval(
            "const p = [...document.querySelectorAll('p')].find(p => p.getBoundingClientRect().height > 0 && p.textContent.trim());
             const cs = getComputedStyle(p), fs = parseFloat(cs.fontSize);
             const clipped = [...document.body.querySelectorAll('*')].filter(e => e.textContent.trim() && /hidden|clip/.test(getComputedStyle(e).overflowY)
               && e.scrollHeight > e.clientHeight + 1 && e.getBoundingClientRect().height > 0).map(e => e.tagName + '.' + e.className);
             return { line: parseFloat(cs.lineHeight) / fs, letter: parseFloat(cs.letterSpacing) / fs, word: parseFloat(cs.wordSpacing) / fs,
                      after: parseFloat(cs.marginBottom) / fs, clipped };",
        )
        .await?;
    let near = |k: &str, want: f64| (spaced[k].as_f64().unwrap_or(0.0) - want).abs() < 0.02;
    ensure!(near("line", 1.5) && near("letter", 0.12) && near("word", 0.16) && near("after", 2.0), "spacing: {spaced}");
    ensure!(spaced["clipped"].as_array().is_some_and(|a| a.is_empty()), "text cut off after spacing: {spaced}");
    println!("figure: {} text spacing and reduced motion: {spaced}; {out}", engine.name());

    call.call_tool("undo", json!({})).await?;
    settle().await;
    ensure!(s.browser.eval(STYLES).await? == own_styles, "undo did not give back the page's own styles");
    let back = s.browser.eval(MOTION_STATE).await?;
    ensure!(
        back["spinner"] == "hark-spin" && back["video"] == false && back["slider"] == json!(["running"]),
        "undo: {back}"
    );
    s.stop().await;
    Ok(())
}
