//! What the core asks the JS glue to do. Serialized as JSON objects tagged by `kind`.

use hark_protocol::events::{ClientEvent, Item};
use serde::Serialize;
use serde_json::Value;

use crate::meter::Meter;
use crate::page::PageCommand;

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Action {
    /// Send this text on the `oai-events` channel as it is: the client event, serialized once
    /// here so the glue neither parses nor re-serializes it (a snapshot output can be 30 KB).
    Send {
        text: String,
        /// The call id when the event answers a function call (the glue times calls with it).
        #[serde(skip_serializing_if = "Option::is_none")]
        output_of: Option<String>,
    },
    /// Run this command in the tab's executor, then call `on_page_result(id, result)`.
    Page {
        id: u32,
        command: PageCommand,
        /// The command only reads the page: if its document goes away mid-way, the glue may run
        /// it again on the new one (anything else may have run, and is never repeated).
        #[serde(skip_serializing_if = "std::ops::Not::not")]
        rereadable: bool,
    },
    /// Update the overlay and badge.
    Ui(UiUpdate),
    /// Push-to-talk: open (send the person's audio) or close the microphone.
    Mic { open: bool },
}

/// One overlay/badge update. Exactly one field is set.
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct UiUpdate {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<UiState>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub transcript: Option<TranscriptLine>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<UiError>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ask: Option<Ask>,
    /// The cost meter after a response.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub usage: Option<Meter>,
    /// The session is push-to-talk: the overlay shows its Talk button.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub push_to_talk: Option<bool>,
}

/// The overlay's question to the person (Allow/Deny), or its end (`open` false).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Ask {
    /// The overlay sends it back with the answer, so a click answers only what it was shown for.
    pub id: u32,
    pub open: bool,
    pub question: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum UiState {
    Connecting,
    Listening,
    Thinking,
    Speaking,
    Error,
    Off,
}

/// A line of the live transcript. The overlay replaces the line with the same `id` (deltas arrive
/// as the whole text so far).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TranscriptLine {
    pub id: String,
    /// `user`, `assistant` or `tool` (what Hark did on the page).
    pub role: &'static str,
    pub text: String,
    #[serde(rename = "final")]
    pub done: bool,
}

/// Words for a failure: a short title for the badge tooltip and a message that says what to do.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UiError {
    pub title: String,
    pub message: String,
    /// Fatal errors end the session; others are shown and the session goes on.
    pub fatal: bool,
}

impl Action {
    /// A page command for the executor; whether it may be re-run comes from the command.
    pub fn page(id: u32, command: PageCommand) -> Action {
        Action::Page { id, rereadable: command.only_reads(), command }
    }
    pub fn send(event: &ClientEvent) -> Action {
        let output_of = match event {
            ClientEvent::ConversationItemCreate { item: Item::FunctionCallOutput { call_id, .. }, .. } => {
                Some(call_id.clone())
            }
            _ => None,
        };
        Action::Send { text: event.to_json(), output_of }
    }
    /// The event a `Send` carries, parsed back (for tests and logs).
    pub fn sent_event(&self) -> Option<Value> {
        match self {
            Action::Send { text, .. } => serde_json::from_str(text).ok(),
            _ => None,
        }
    }
    pub fn state(s: UiState) -> Action {
        Action::Ui(UiUpdate { state: Some(s), ..Default::default() })
    }
    pub fn transcript(id: impl Into<String>, role: &'static str, text: impl Into<String>, done: bool) -> Action {
        Action::Ui(UiUpdate {
            transcript: Some(TranscriptLine { id: id.into(), role, text: text.into(), done }),
            ..Default::default()
        })
    }
    pub fn ask(id: u32, question: &str, open: bool) -> Action {
        Action::Ui(UiUpdate { ask: Some(Ask { id, open, question: question.to_string() }), ..Default::default() })
    }
    pub fn error(e: UiError) -> Action {
        Action::Ui(UiUpdate { error: Some(e), ..Default::default() })
    }
    pub fn usage(m: Meter) -> Action {
        Action::Ui(UiUpdate { usage: Some(m), ..Default::default() })
    }
}

pub fn to_json(actions: &[Action]) -> String {
    serde_json::to_string(actions).expect("actions serialize")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_reading_commands_are_marked_rereadable() {
        let read = serde_json::to_value(Action::page(
            1,
            PageCommand::Collect { buttons_only: false, max_nodes: 9, from: None, doc: None, line_budget: None },
        ))
        .unwrap();
        assert_eq!((read["kind"].as_str(), read["rereadable"].as_bool()), (Some("page"), Some(true)), "{read}");
        let act = serde_json::to_value(Action::page(
            2,
            PageCommand::Click { element_ref: "e1".into(), doc: None, confirmed: vec![] },
        ))
        .unwrap();
        assert!(act.get("rereadable").is_none(), "{act}");
    }
}
