//! Words for every failure a person can hit, shown in the overlay and the badge tooltip. The
//! companion already answers `{"error":{"code","message"}}` with a message that says what to do;
//! these functions add a short title and cover what happens before or after the companion.

use serde::Deserialize;

use crate::action::UiError;

#[derive(Deserialize, Default)]
struct CompanionError {
    #[serde(default)]
    code: Option<String>,
    #[serde(default)]
    message: String,
}

#[derive(Deserialize)]
struct ErrorDoc {
    error: CompanionError,
}

fn fatal(title: &str, message: impl Into<String>) -> UiError {
    UiError { title: title.into(), message: message.into(), fatal: true }
}

/// `fetch` itself failed: nothing listens at the companion URL (or it is blocked).
pub fn companion_unreachable(url: &str) -> UiError {
    fatal(
        "Companion not running",
        format!("Nothing answers at {url}. Start hark-companion on this machine (or fix the companion URL in Hark's options), then try again."),
    )
}

const BUDGET_SPENT: &str = "Today's budget is spent";

/// The companion ended the call: today's budget is spent. `message` is the companion's (what was
/// spent, until when, how to raise the budget).
pub fn budget_spent(message: &str) -> UiError {
    let message = message.trim();
    let message = if message.is_empty() {
        "The companion ended this session: today's budget is spent. New sessions start again tomorrow.".to_owned()
    } else {
        format!("The companion ended this session. {}", message.chars().take(600).collect::<String>())
    };
    fatal(BUDGET_SPENT, message)
}

/// The companion answered `status` with `body` to `/api/rtc-connect` or `/api/status`.
pub fn companion_http(status: u16, body: &str) -> UiError {
    let err = hark_protocol::json::read::<ErrorDoc>(body).map(|d| d.error).unwrap_or_default();
    let code = err.code.as_deref().unwrap_or("");
    let detail = if err.message.is_empty() { body.chars().take(300).collect::<String>() } else { err.message.clone() };
    let title = match (status, code) {
        (_, "missing_token") => "Pairing token missing",
        (401, _) if code.is_empty() || code.contains("token") => "Wrong pairing token",
        (_, "upstream_unauthorized") => "OpenAI rejected the key",
        (_, "upstream_forbidden") => "OpenAI refused the model",
        (_, "upstream_quota_exceeded") => "OpenAI quota used up",
        (_, "upstream_rate_limited") => "OpenAI rate limit",
        (_, "local_peer_busy") => "Local mode busy",
        (_, "daily_budget_spent") => BUDGET_SPENT,
        (_, c) if c.contains("no_upstream") || c.contains("no_key") || c.contains("speech") => {
            "No OpenAI key on the companion"
        }
        (_, "origin_not_allowed") => "Extension not allowed",
        (_, "host_not_allowed") => "Wrong companion address",
        (429, _) => "Too many attempts",
        (401, _) => "Wrong pairing token",
        (s, _) if s >= 500 => "Companion or OpenAI failed",
        _ => "Companion refused",
    };
    let message = if detail.is_empty() { format!("The companion answered HTTP {status}.") } else { detail };
    fatal(title, message)
}

/// The browser a session host runs in: the way back from a blocked microphone differs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BrowserKind {
    Chromium,
    Firefox,
}

impl BrowserKind {
    /// `"firefox"` is Firefox; anything else is taken as Chromium (Chrome, Edge, Brave...).
    pub fn parse(name: &str) -> BrowserKind {
        if name.eq_ignore_ascii_case("firefox") {
            BrowserKind::Firefox
        } else {
            BrowserKind::Chromium
        }
    }
}

const TYPED_STILL_WORK: &str = "Typed commands work meanwhile in the box below.";

/// The microphone is not Hark's to use: getUserMedia failed with the DOMException `name`, or
/// `"NoAnswer"` (the browser is asking again and nobody answered), while the origin's stored
/// permission is `permission` (`granted` | `prompt` | `denied`, empty when unknown). Never fatal:
/// the session goes on with typed commands, and the words say how to give Hark its voice.
pub fn microphone(name: &str, permission: &str, browser: BrowserKind) -> UiError {
    let (title, what) = microphone_problem(microphone_kind(name, permission, browser), browser);
    UiError { title: title.into(), message: format!("{what} {TYPED_STILL_WORK}"), fatal: false }
}

/// What the failure means for the person. A refusal with no stored block is not the person's
/// refusal: nobody was asked (a session host cannot ask), or in Firefox the decision was not
/// remembered (a one-time allow covers only the page that asked). A browser that asks again in
/// the session host means the same in Firefox.
pub fn microphone_kind<'a>(name: &'a str, permission: &str, browser: BrowserKind) -> &'a str {
    match (name, permission, browser) {
        ("NotAllowedError", "denied", _) => name,
        ("NotAllowedError" | "NoAnswer", _, BrowserKind::Firefox) => "NotRemembered",
        ("NotAllowedError" | "NoAnswer", _, BrowserKind::Chromium) => "NotAsked",
        _ => name,
    }
}

/// What is wrong with the microphone and how to mend it (title, words), for the overlay and for
/// Hark's setup page alike.
pub fn microphone_problem(name: &str, browser: BrowserKind) -> (&'static str, String) {
    match (name, browser) {
        ("NotAllowedError" | "SecurityError", BrowserKind::Chromium) => (
            "Microphone blocked",
            "The microphone is blocked for Hark. To allow it, open chrome://settings/content/microphone, \
             choose Hark's entry (chrome-extension://…) under \"Not allowed to use your microphone\" and set \
             Microphone to Allow, then start Hark again."
                .to_string(),
        ),
        ("NotAllowedError" | "SecurityError", BrowserKind::Firefox) => (
            "Microphone blocked",
            "Firefox blocks the microphone for Hark. To allow it, open Firefox Settings → Privacy & Security → \
             Permissions → Microphone → Settings…, remove Hark's entry (moz-extension://…), then press \
             \"Allow microphone\" in Hark's options and tick \"Remember this decision\"."
                .to_string(),
        ),
        ("NotRemembered", _) => (
            "Microphone not remembered",
            "Firefox has no remembered decision letting Hark use the microphone (allowing it once covers \
             only the page that asked). Press \"Allow microphone\" in Hark's options and tick \"Remember \
             this decision\": Hark then listens on every page you start it on."
                .to_string(),
        ),
        ("NotAsked", _) => (
            "Microphone not allowed yet",
            "Hark has not been allowed to use the microphone. Open Hark's options (right-click the toolbar \
             button → Options), press \"Allow microphone\" and allow it when the browser asks."
                .to_string(),
        ),
        ("NotFoundError" | "OverconstrainedError", _) => (
            "No microphone",
            "No microphone was found. Plug one in (or pick one in the system's sound settings), then start \
             Hark again."
                .to_string(),
        ),
        ("NotReadableError" | "AbortError", _) => (
            "Microphone busy",
            "The microphone is busy or failed to start (another program may hold it). Close that program, \
             then start Hark again."
                .to_string(),
        ),
        (other, _) => ("No microphone", format!("The microphone could not be opened ({other}).")),
    }
}

/// ICE/DTLS never connected, or setting the answer failed.
pub fn connection_failed(detail: &str) -> UiError {
    fatal(
        "Connection failed",
        format!("The voice connection could not be set up ({detail}). Check the network (a VPN or firewall may block WebRTC), then start Hark again."),
    )
}

/// The network path to the model failed after the session had connected (ICE lost its pairs, or
/// stayed disconnected too long).
pub fn connection_lost(detail: &str) -> UiError {
    fatal(
        "Connection lost",
        format!("The voice connection to the model was lost ({detail}). Check the network (Wi-Fi, VPN), then press the Hark button to start again."),
    )
}

/// The model speaks (its words arrive) but its audio does not: a warning, the session goes on.
pub fn voice_not_arriving() -> UiError {
    UiError {
        title: "The model's voice is not arriving".into(),
        message: "Hark gets the model's words but not its voice, so you may not hear it (the network may be dropping the audio). Typed commands and actions still work; stop and start Hark to get the voice back.".into(),
        fatal: false,
    }
}

/// Nobody used the session for the person's idle time (`minutes`): it ended by itself.
pub fn idle_stop(minutes: f64) -> UiError {
    let waited = crate::idle::duration_words(minutes);
    fatal(
        &format!("Stopped after {waited} without use"),
        format!("Hark stopped listening because nobody spoke or typed to it for {waited}, so the microphone is off and nothing is spent. Press Hark's button to start again; the time is set on Hark's options page (0 = never)."),
    )
}

/// The data channel closed while the session was running.
pub fn channel_closed(reason: &str) -> UiError {
    let why = if reason.trim().is_empty() { String::new() } else { format!(" ({})", reason.trim()) };
    fatal(
        "Connection closed",
        format!("The connection to the model closed{why}. Sessions last at most about an hour. Press the Hark button to start again."),
    )
}

/// The words for `/api/status`, used by the options page's "Test connection" and at start.
pub fn describe_status(body: &str) -> Result<(String, bool), String> {
    let v: serde_json::Value =
        serde_json::from_str(body).map_err(|e| format!("the companion's status is unreadable: {e}"))?;
    let mode = v.get("mode").and_then(|m| m.as_str()).unwrap_or("?");
    let model = v.get("model").and_then(|m| m.as_str()).unwrap_or("?");
    let voice = v.get("voice").and_then(|m| m.as_str()).unwrap_or("?");
    let speech = v.get("speech").and_then(|s| s.as_bool()).unwrap_or(mode == "openai");
    let budget = v.pointer("/budget/summary").and_then(|s| s.as_str()).map(|s| format!(" {s}.")).unwrap_or_default();
    let text = if mode == "local" {
        "Connected. The companion has no OpenAI key, so it runs in local mode: typed commands only (e.g. \"make the background navy\"). Start hark-companion with OPENAI_API_KEY set for speech.".to_string()
    } else {
        format!("Connected. OpenAI mode: model {model}, voice {voice}. Speech works.")
    };
    let text = text + &budget;
    Ok((text, speech))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn companion_errors_get_titles_and_keep_the_companions_words() {
        let e = companion_http(
            401,
            r#"{"error":{"code":"wrong_token","message":"the pairing token is wrong: copy it again"}}"#,
        );
        assert_eq!(e.title, "Wrong pairing token");
        assert!(e.message.contains("copy it again"));
        let e = companion_http(
            502,
            r#"{"error":{"code":"upstream_unauthorized","message":"OpenAI rejected the companion's API key (HTTP 401)"}}"#,
        );
        assert_eq!(e.title, "OpenAI rejected the key");
        let e = companion_http(429, r#"{"error":{"code":"upstream_quota_exceeded","message":"out of quota"}}"#);
        assert_eq!(e.title, "OpenAI quota used up");
        // Local mode's peer at capacity is not OpenAI's rate limit.
        let e = companion_http(
            429,
            r#"{"error":{"code":"local_peer_busy","message":"the local peer refused a new session for now (HTTP 429): The local peer already has 64 calls open"}}"#,
        );
        assert_eq!(e.title, "Local mode busy");
        assert!(e.message.contains("64 calls open"));
        let e = companion_http(
            429,
            r#"{"error":{"code":"upstream_rate_limited","message":"OpenAI refused a new session for now (HTTP 429)"}}"#,
        );
        assert_eq!(e.title, "OpenAI rate limit");
        let e = companion_http(500, "<html>oops");
        assert!(e.message.contains("oops") && e.fatal);
    }

    #[test]
    fn microphone_failures_say_where_to_fix_them_and_typed_commands_go_on() {
        let chromium = microphone("NotAllowedError", "denied", BrowserKind::Chromium);
        assert!(chromium.message.contains("chrome://settings/content/microphone"));
        let firefox = microphone("NotAllowedError", "denied", BrowserKind::parse("firefox"));
        assert!(
            firefox.message.contains("Permissions → Microphone") && firefox.message.contains("Remember this decision")
        );
        // Refused with nothing blocked: never asked (Chromium), or not remembered (Firefox).
        assert!(microphone("NotAllowedError", "prompt", BrowserKind::Firefox)
            .message
            .contains("Remember this decision"));
        assert!(microphone("NoAnswer", "granted", BrowserKind::Firefox).message.contains("Remember this decision"));
        assert!(microphone("NotAllowedError", "prompt", BrowserKind::Chromium)
            .message
            .contains("has not been allowed"));
        assert!(microphone("NotAllowedError", "", BrowserKind::Chromium).message.contains("has not been allowed"));
        assert!(microphone("NotFoundError", "granted", BrowserKind::Chromium)
            .message
            .contains("No microphone was found"));
        assert!(microphone("WeirdError", "granted", BrowserKind::Firefox).message.contains("WeirdError"));
        for name in ["NotAllowedError", "NoAnswer", "NotFoundError", "NotReadableError", "TypeError"] {
            for (browser, permission) in [BrowserKind::Chromium, BrowserKind::Firefox]
                .into_iter()
                .flat_map(|b| ["granted", "prompt", "denied", ""].map(|p| (b, p)))
            {
                let e = microphone(name, permission, browser);
                assert!(!e.fatal, "{name}: a missing microphone never ends the session");
                assert!(e.message.ends_with(TYPED_STILL_WORK), "{name}: {}", e.message);
            }
        }
    }

    #[test]
    fn status_words() {
        let (t, speech) =
            describe_status(r#"{"mode":"local","model":"gpt-realtime","voice":"marin","speech":false}"#).unwrap();
        assert!(t.contains("typed commands only") && !speech);
        assert!(describe_status(r#"{"mode":"openai","model":"gpt-realtime","voice":"marin","speech":true}"#)
            .unwrap()
            .0
            .contains("Speech works"));
    }
}
