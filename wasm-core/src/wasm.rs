//! The wasm-bindgen facade used by `extension/session-host.js`. Everything crosses as JSON
//! strings: inputs are the raw texts the host has, outputs are arrays of actions
//! (`[{"kind":"send","event":{..}}, {"kind":"page","id":1,"command":{"op":..}}, {"kind":"ui",..}]`).

use wasm_bindgen::prelude::*;

use crate::action::{to_json, Action};
use crate::errors;
use crate::session::{Session, SessionOptions};
use crate::voice::VoiceWatch;

#[wasm_bindgen]
pub struct HarkCore {
    session: Session,
    voice: VoiceWatch,
}

#[wasm_bindgen]
impl HarkCore {
    /// `config_json`: `{"session_update": null|{..}, "local_mode": bool, "voice": "..", "instructions": "..",
    /// "language": "fr", "transcription_model": "..", "idle_minutes": 5}` (see [`SessionOptions`]).
    #[wasm_bindgen(constructor)]
    pub fn new(config_json: &str) -> Result<HarkCore, JsError> {
        let options: SessionOptions = if config_json.trim().is_empty() {
            SessionOptions::default()
        } else {
            SessionOptions::from_json(config_json).map_err(|e| JsError::new(&format!("bad core config: {e}")))?
        };
        Ok(HarkCore { session: Session::new(options), voice: VoiceWatch::default() })
    }
    pub fn on_channel_open(&mut self) -> String {
        to_json(&self.session.on_channel_open())
    }
    pub fn on_server_event(&mut self, text: &str) -> String {
        to_json(&self.session.on_server_event(text))
    }
    pub fn on_page_result(&mut self, request_id: u32, result_json: &str) -> String {
        to_json(&self.session.on_page_result(request_id, result_json))
    }
    /// The companion's daily budget line (`/api/status` or `/api/usage`'s `budget.summary`).
    pub fn on_budget(&mut self, summary: &str) -> String {
        to_json(&self.session.on_budget(summary))
    }
    pub fn on_user_text(&mut self, text: &str) -> String {
        to_json(&self.session.on_user_text(text))
    }
    /// Push-to-talk: the overlay's Talk button went down or up (a trusted press), at `now_ms`.
    pub fn on_talk(&mut self, pressed: bool, now_ms: f64) -> String {
        to_json(&self.session.on_talk(pressed, now_ms))
    }
    /// The person's Allow (true) or Deny on the overlay's question `ask_id` (a trusted click).
    pub fn on_confirm(&mut self, ask_id: u32, allow: bool) -> String {
        to_json(&self.session.on_confirm(ask_id, allow))
    }
    pub fn on_channel_closed(&mut self, reason: &str) -> String {
        to_json(&self.session.on_channel_closed(reason))
    }
    /// The host's tick: the inbound audio so far (`packets` received, at `now_ms` on the host's
    /// clock) while the model is `speaking` or not. A warning when its voice stops arriving (its
    /// end when it is back); the session's end when nobody used it for the idle time.
    pub fn on_inbound_audio(&mut self, packets: f64, now_ms: f64, speaking: bool) -> String {
        let idle = self.session.on_tick(now_ms, speaking);
        if !idle.is_empty() {
            return to_json(&idle);
        }
        match self.voice.on_stats(packets.max(0.0) as u64, now_ms, speaking) {
            Some(news) => news.to_json(),
            None => "[]".to_string(),
        }
    }
}

fn ui_error(e: crate::action::UiError) -> String {
    to_json(&[Action::state(crate::action::UiState::Error), Action::error(e)])
}

/// Actions for: the companion could not be reached at `url`.
#[wasm_bindgen]
pub fn companion_unreachable(url: &str) -> String {
    ui_error(errors::companion_unreachable(url))
}

/// Actions for: the companion ended the call because today's budget is spent (`message`: its words).
#[wasm_bindgen]
pub fn budget_spent(message: &str) -> String {
    ui_error(errors::budget_spent(message))
}

/// Actions for: the companion answered an HTTP error.
#[wasm_bindgen]
pub fn companion_http_error(status: u16, body: &str) -> String {
    ui_error(errors::companion_http(status, body))
}

/// Actions for: the microphone is not Hark's (getUserMedia's DOMException `name`, or `NoAnswer`)
/// with the origin's stored `permission`, in `browser` ("chromium" | "firefox"). The session goes
/// on with typed commands.
#[wasm_bindgen]
pub fn microphone_error(name: &str, permission: &str, browser: &str) -> String {
    to_json(&[Action::error(errors::microphone(name, permission, errors::BrowserKind::parse(browser)))])
}

/// Words for Hark's setup page: `{"title":..,"message":..}`, as [`microphone_error`] words them.
#[wasm_bindgen]
pub fn microphone_words(name: &str, permission: &str, browser: &str) -> String {
    let e = errors::microphone_problem(
        errors::microphone_kind(name, permission, errors::BrowserKind::parse(browser)),
        errors::BrowserKind::parse(browser),
    );
    serde_json::json!({"title": e.0, "message": e.1}).to_string()
}

/// The answer SDP as the browser applies it (see `hark_protocol::sdp::answer_to_apply`).
#[wasm_bindgen]
pub fn answer_to_apply(answer: &str) -> String {
    hark_protocol::sdp::answer_to_apply(answer).into_owned()
}

/// Actions for: WebRTC could not connect.
#[wasm_bindgen]
pub fn connection_failed(detail: &str) -> String {
    ui_error(errors::connection_failed(detail))
}

/// Actions for: the connected session's network path failed.
#[wasm_bindgen]
pub fn connection_lost(detail: &str) -> String {
    ui_error(errors::connection_lost(detail))
}

/// The page command of the model's plain `getPageHTML {}` (JSON), for a page to walk ahead.
#[wasm_bindgen]
pub fn first_outline_command() -> String {
    serde_json::to_string(&crate::calls::first_outline()).unwrap_or_default()
}

/// Words for `/api/status` (options page "Test connection"): `{"text":..,"speech":bool}` or `{"error":..}`.
#[wasm_bindgen]
pub fn describe_status(body: &str) -> String {
    match errors::describe_status(body) {
        Ok((text, speech)) => serde_json::json!({"text": text, "speech": speech}).to_string(),
        Err(e) => serde_json::json!({"error": e}).to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn facade_speaks_json_actions() {
        let mut core =
            HarkCore::new(r#"{"session_update":null,"local_mode":true}"#).unwrap_or_else(|_| panic!("config"));
        let open: serde_json::Value = serde_json::from_str(&core.on_channel_open()).unwrap();
        assert_eq!(open[0], serde_json::json!({"kind":"ui","state":"listening"}));
        let call = r#"{"type":"response.function_call_arguments.done","response_id":"r","call_id":"c","name":"changeTextColor","arguments":"{\"color\":\"red\"}"}"#;
        let a: serde_json::Value = serde_json::from_str(&core.on_server_event(call)).unwrap();
        assert_eq!(a[0]["kind"], "page");
        assert_eq!(a[0]["command"], serde_json::json!({"op":"setTextColor","color":"rgb(255, 0, 0)"}));
        let id = a[0]["id"].as_u64().unwrap() as u32;
        let r: serde_json::Value =
            serde_json::from_str(&core.on_page_result(id, r#"{"ok":true,"changed":5}"#)).unwrap();
        // The glue sends `text` verbatim and times the call by `output_of`.
        assert_eq!(r[0]["output_of"], "c");
        let sent: serde_json::Value = serde_json::from_str(r[0]["text"].as_str().unwrap()).unwrap();
        assert_eq!(sent["item"]["type"], "function_call_output");
        assert_eq!(sent["item"]["call_id"], "c");
        let e: serde_json::Value = serde_json::from_str(&companion_http_error(
            401,
            r#"{"error":{"code":"wrong_token","message":"the pairing token is wrong"}}"#,
        ))
        .unwrap();
        assert_eq!(e[0]["state"], "error");
        assert!(e[1]["error"]["message"].as_str().unwrap().contains("token"));
        let m: serde_json::Value =
            serde_json::from_str(&microphone_error("NotFoundError", "granted", "firefox")).unwrap();
        assert_eq!(m.as_array().unwrap().len(), 1, "the session goes on without a microphone");
        assert_eq!(m[0]["error"]["fatal"], false);
    }
}
