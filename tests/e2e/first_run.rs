//! What a person meets before Hark ever listens: the first-run checklist, and the microphone as
//! the browser stores the person's decision — never asked, allowed and remembered, allowed once,
//! blocked, no microphone at all. No browser flag grants the microphone (see `browser::Microphone`).
//! These run against the companion in local mode (no OpenAI key: a person's first run), where
//! typed commands act on the page through the companion's own realtime peer.

use std::time::{Duration, Instant};

use anyhow::{bail, ensure, Context, Result};
use serde_json::{json, Value};

use hark_e2e::browser::{Browser, Engine, Launch, Microphone};
use hark_e2e::stack::LocalStack;

use crate::tests::TestFn;

pub const ALL: &[(&str, TestFn)] = &[
    ("first_run_checklist_leads_from_install_to_a_session", |e| {
        Box::pin(first_run_checklist_leads_from_install_to_a_session(e))
    }),
    ("microphone_never_asked_is_asked_on_harks_page_then_hark_starts", |e| {
        Box::pin(microphone_never_asked_is_asked_on_harks_page_then_hark_starts(e))
    }),
    ("microphone_allowed_once_is_not_taken_for_remembered", |e| {
        Box::pin(microphone_allowed_once_is_not_taken_for_remembered(e))
    }),
    ("blocked_microphone_says_how_to_allow_it_and_typed_commands_work", |e| {
        Box::pin(blocked_microphone_says_how_to_allow_it_and_typed_commands_work(e))
    }),
    ("no_microphone_device_says_so_and_typed_commands_work", |e| {
        Box::pin(no_microphone_device_says_so_and_typed_commands_work(e))
    }),
];

const WAIT: Duration = Duration::from_secs(20);
const PAGE: &str = "/corpus/sb-admin-2/index.html";

/// The address prefix of Hark's setup checklist when the extension opened it for a step.
fn setup_prefix(b: &Browser) -> String {
    b.extension_url("options.html?")
}

/// What the open setup checklist shows (`None`: none is open).
async fn setup_text(b: &mut Browser) -> Result<Option<String>> {
    let prefix = setup_prefix(b);
    setup_text_at(b, &prefix).await
}

/// Whether Hark opened its checklist to ask for the microphone.
async fn asking_for_microphone(b: &mut Browser) -> Result<bool> {
    let prefix = b.extension_url("options.html?step=microphone");
    Ok(setup_text_at(b, &prefix).await?.is_some())
}

/// A page still loading has no `<main>` yet: it reads as open and showing nothing.
async fn setup_text_at(b: &mut Browser, prefix: &str) -> Result<Option<String>> {
    let js = "const main = document.querySelector('main');
              if (!main) return '';
              const steps = [...document.querySelectorAll('.step')].map(li => li.id + '=' + li.dataset.done).join(' ');
              return steps + '\\n' + main.innerText;";
    Ok(b.eval_in_tab(prefix, js).await?.and_then(|v| v.as_str().map(str::to_string)))
}

async fn wait_setup(b: &mut Browser, what: &str, cond: impl Fn(&str) -> bool) -> Result<String> {
    let deadline = Instant::now() + WAIT;
    loop {
        let text = setup_text(b).await?;
        if let Some(t) = &text {
            if cond(t) {
                return Ok(t.clone());
            }
        }
        if Instant::now() > deadline {
            bail!("waited {WAIT:?} for the setup page to show {what}; it shows {text:?}");
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

async fn wait_setup_closed(b: &mut Browser) -> Result<()> {
    let deadline = Instant::now() + WAIT;
    while let Some(t) = setup_text(b).await? {
        ensure!(Instant::now() < deadline, "the setup page stayed open after Hark started: {t}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    Ok(())
}

/// The toolbar button's title and badge, as the person sees them.
pub(crate) async fn toolbar(b: &mut Browser) -> Result<(String, String)> {
    let v = b
        .ext_eval(
            "const a = (globalThis.browser ?? chrome).action; return [await a.getTitle({}), await a.getBadgeText({})];",
        )
        .await?;
    Ok((v[0].as_str().unwrap_or_default().to_string(), v[1].as_str().unwrap_or_default().to_string()))
}

/// The words of Hark's microphone notice (title and message) from its status.
fn notice(st: &Value) -> String {
    format!(
        "{} {}",
        st["ui"]["error"]["title"].as_str().unwrap_or(""),
        st["ui"]["error"]["message"].as_str().unwrap_or("")
    )
}

async fn first_run_checklist_leads_from_install_to_a_session(engine: Engine) -> Result<()> {
    let mut l =
        LocalStack::start(engine, Launch { microphone: Microphone::NeverAsked, ..Launch::default() }, PAGE, false)
            .await?;
    let b = &mut l.browser;
    // Installing opened the checklist, nothing done yet.
    let text = wait_setup(b, "the checklist", |t| t.contains("step-pair=false"))
        .await
        .context("the checklist did not open on install")?;
    ensure!(text.contains("step-microphone=false") && text.contains("step-test=false"), "{text}");
    ensure!(
        text.contains("Pair with the companion")
            && text.contains("Allow the microphone")
            && text.contains("Test the connection"),
        "{text}"
    );
    let deadline = Instant::now() + WAIT;
    loop {
        let (title, badge) = toolbar(b).await?;
        let says_all = ["pair with the companion", "allow the microphone", "test the connection"]
            .iter()
            .all(|m| title.contains(m));
        if badge == "!" && says_all {
            break;
        }
        ensure!(
            Instant::now() < deadline,
            "the toolbar does not say what is missing: title {title:?}, badge {badge:?}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // The toolbar leads to the missing step, and Hark does not start deaf or unpaired.
    b.press_toolbar_button().await?;
    wait_setup(b, "the pairing step with the tab waiting", |t| t.contains("as soon as you paste the pairing token"))
        .await?;
    ensure!(b.hark_status().await?["active"] == json!(false), "Hark started without a pairing token");
    // The person pastes the address and the token; the browser asks for the microphone; they allow and remember.
    let prefix = setup_prefix(b);
    let (url, token) = (l.companion_url(), l.companion.token().reveal().to_string());
    let b = &mut l.browser;
    b.paste_in_tab(&prefix, "#companionUrl", &url).await?;
    b.paste_in_tab(&prefix, "#pairingToken", &token).await?;
    b.answer_microphone_question(true, true).await?;
    b.wait_session_tab_settled(WAIT).await?;
    // Hark starts on the page by itself, with the microphone, and the person is back on it.
    let st = b.wait_hark_state(&["listening"], WAIT).await.context("Hark did not start on the page after setup")?;
    ensure!(st["microphone"] == json!(true), "no microphone after it was allowed: {st}");
    wait_setup_closed(b).await?;
    b.typed_command_changes_the_page().await?;
    // Every step is done now: the toolbar says so.
    b.press_toolbar_button().await?;
    b.wait_hark_state(&["off"], WAIT).await?;
    let (title, badge) = toolbar(b).await?;
    ensure!(
        !title.contains("finish setting up") && badge.is_empty(),
        "after setup the toolbar still says {title:?} / {badge:?}"
    );
    l.stop().await;
    Ok(())
}

async fn microphone_never_asked_is_asked_on_harks_page_then_hark_starts(engine: Engine) -> Result<()> {
    let mut l =
        LocalStack::start(engine, Launch { microphone: Microphone::NeverAsked, ..Launch::default() }, PAGE, true)
            .await?;
    let b = &mut l.browser;
    b.press_toolbar_button().await?;
    let text = wait_setup(b, "the microphone step", |t| {
        t.contains("step-microphone=false") && t.contains("as soon as you allow the microphone")
    })
    .await?;
    println!(
        "setup page while the browser asks: {}",
        text.lines().find(|l| l.contains("question") || l.contains("Waiting")).unwrap_or("?")
    );
    ensure!(b.hark_status().await?["active"] == json!(false), "Hark started before the person answered");
    b.answer_microphone_question(true, true).await?;
    b.wait_session_tab_settled(WAIT).await?;
    let st = b.wait_hark_state(&["listening"], WAIT).await?;
    ensure!(st["microphone"] == json!(true) && st["ui"]["error"].is_null(), "{st}");
    wait_setup_closed(b).await?;
    // The next start needs no question: the decision is remembered.
    b.press_toolbar_button().await?;
    b.wait_hark_state(&["off"], WAIT).await?;
    b.press_toolbar_button().await?;
    b.wait_session_tab_settled(WAIT).await?;
    let st = b.wait_hark_state(&["listening"], WAIT).await?;
    ensure!(st["microphone"] == json!(true), "{st}");
    ensure!(!asking_for_microphone(b).await?, "the setup page asked again although the microphone was allowed");
    l.stop().await;
    Ok(())
}

async fn microphone_allowed_once_is_not_taken_for_remembered(engine: Engine) -> Result<()> {
    let mut l =
        LocalStack::start(engine, Launch { microphone: Microphone::NeverAsked, ..Launch::default() }, PAGE, true)
            .await?;
    let b = &mut l.browser;
    b.press_toolbar_button().await?;
    wait_setup(b, "the microphone step", |t| t.contains("step-microphone=false")).await?;
    match engine {
        Engine::Firefox => {
            // "Allow", without "Remember this decision": Firefox gives the microphone to Hark's
            // page alone. Hark still starts, for typed commands, and says how to remember it.
            b.answer_microphone_question(true, false).await?;
            b.wait_session_tab_settled(WAIT).await?;
            let st = b
                .wait_hark_status("the not-remembered notice", WAIT, |st| {
                    st["state"] == json!("listening") && notice(st).contains("Remember this decision")
                })
                .await?;
            ensure!(st["microphone"] == json!(false), "{st}");
            ensure!(
                b.overlay_text().await?.contains("Remember this decision"),
                "the overlay does not say how to remember the decision"
            );
            b.typed_command_changes_the_page().await?;
        }
        Engine::Chromium => {
            // "Allow this time": Chromium drops the grant once Hark's pages close. Headless
            // Chromium has no such button, so the test stores the allow, then takes it back.
            b.answer_microphone_question(true, true).await?;
            let st = b.wait_hark_state(&["listening"], WAIT).await?;
            ensure!(st["microphone"] == json!(true), "{st}");
            b.press_toolbar_button().await?;
            b.wait_hark_state(&["off"], WAIT).await?;
            b.set_microphone(Microphone::NeverAsked).await?;
            // The grant is gone: the next press asks again instead of starting deaf.
            b.press_toolbar_button().await?;
            wait_setup(b, "the microphone step again", |t| t.contains("step-microphone=false")).await?;
            ensure!(
                b.hark_status().await?["active"] == json!(false),
                "Hark started deaf after the one-time grant lapsed"
            );
        }
    }
    l.stop().await;
    Ok(())
}

async fn blocked_microphone_says_how_to_allow_it_and_typed_commands_work(engine: Engine) -> Result<()> {
    let mut l =
        LocalStack::start(engine, Launch { microphone: Microphone::Blocked, ..Launch::default() }, PAGE, true).await?;
    let b = &mut l.browser;
    b.press_toolbar_button().await?;
    b.wait_session_tab_settled(WAIT).await?;
    // Blocked is the person's answer: no question again, Hark runs on typed commands and says
    // where the block is undone in this browser.
    let st = b
        .wait_hark_status("the blocked-microphone notice", WAIT, |st| {
            st["state"] == json!("listening") && !st["ui"]["error"].is_null()
        })
        .await?;
    ensure!(st["microphone"] == json!(false), "{st}");
    let words = notice(&st);
    let fix = match engine {
        Engine::Chromium => "chrome://settings/content/microphone",
        Engine::Firefox => "Permissions → Microphone",
    };
    ensure!(
        words.contains("Microphone blocked") && words.contains(fix),
        "the notice does not say where to allow it ({fix}): {words}"
    );
    ensure!(b.overlay_text().await?.contains("Microphone blocked"), "the overlay does not show the notice");
    ensure!(!asking_for_microphone(b).await?, "a blocked microphone was asked for again");
    b.typed_command_changes_the_page().await?;
    l.stop().await;
    Ok(())
}

async fn no_microphone_device_says_so_and_typed_commands_work(engine: Engine) -> Result<()> {
    let mut l = LocalStack::start(
        engine,
        Launch { microphone: Microphone::Allowed, device: false, ..Launch::default() },
        PAGE,
        true,
    )
    .await?;
    let b = &mut l.browser;
    b.press_toolbar_button().await?;
    b.wait_session_tab_settled(WAIT).await?;
    let st = b
        .wait_hark_status("the no-microphone notice", WAIT, |st| {
            st["state"] == json!("listening") && !st["ui"]["error"].is_null()
        })
        .await?;
    ensure!(st["microphone"] == json!(false), "{st}");
    ensure!(notice(&st).contains("No microphone was found"), "{}", notice(&st));
    b.typed_command_changes_the_page().await?;
    l.stop().await;
    Ok(())
}
