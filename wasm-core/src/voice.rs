//! Whether the model's voice reaches the browser. While the model speaks (between its output audio
//! buffer's start and stop), audio packets keep arriving; when none has arrived for
//! [`VOICE_GAP_MS`] of its speaking, the person is told (a warning: the words and actions go on),
//! and the warning goes once the voice arrives again.

use crate::action::{Action, UiError};
use crate::errors;

/// How long the model may speak with no audio arriving before the person is told.
pub const VOICE_GAP_MS: f64 = 1500.0;

/// What the session host reports of the inbound audio, a few times a second.
#[derive(Debug, Default)]
pub struct VoiceWatch {
    packets: u64,
    /// When the packet count last grew (ms, the host's clock).
    arrived_at: Option<f64>,
    /// When the model started speaking, while it speaks.
    speaking_since: Option<f64>,
    warned: bool,
}

/// What the watch asks the session host to show.
#[derive(Debug, Clone, PartialEq)]
pub enum VoiceNews {
    /// The voice stopped arriving: show this warning.
    Missing(UiError),
    /// The voice is back: take the warning away.
    Back,
}

impl VoiceWatch {
    /// `packets`: audio packets received so far; `now_ms`: the host's clock; `speaking`: the
    /// model is speaking (the state the core last showed).
    pub fn on_stats(&mut self, packets: u64, now_ms: f64, speaking: bool) -> Option<VoiceNews> {
        let was_speaking_since = self.speaking_since;
        self.speaking_since = if speaking { Some(was_speaking_since.unwrap_or(now_ms)) } else { None };
        if packets > self.packets {
            self.packets = packets;
            self.arrived_at = Some(now_ms);
            if self.warned {
                self.warned = false;
                return Some(VoiceNews::Back);
            }
            return None;
        }
        if self.warned {
            return None;
        }
        let silent_since = |since: f64| self.arrived_at.map_or(since, |a| a.max(since));
        let missing = match (speaking, was_speaking_since) {
            // Speaking, and nothing arrived for a while.
            (true, _) => now_ms - silent_since(self.speaking_since.unwrap_or(now_ms)) >= VOICE_GAP_MS,
            // A turn (shorter than the gap) just ended, and nothing arrived since it was seen.
            (false, Some(since)) => self.arrived_at.is_none_or(|a| a < since),
            (false, None) => false,
        };
        if missing {
            self.warned = true;
            return Some(VoiceNews::Missing(errors::voice_not_arriving()));
        }
        None
    }
}

impl VoiceNews {
    /// The session host's actions for this news (`error: null` takes a warning away).
    pub fn to_json(&self) -> String {
        match self {
            VoiceNews::Missing(e) => crate::action::to_json(&[Action::error(e.clone())]),
            VoiceNews::Back => r#"[{"kind":"ui","error":null}]"#.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_voice_that_stops_while_the_model_speaks_is_said_and_unsaid_when_it_comes_back() {
        let mut w = VoiceWatch::default();
        // Silence while the model does not speak is no news.
        assert_eq!(w.on_stats(0, 0.0, false), None);
        assert_eq!(w.on_stats(0, 5000.0, false), None);
        // It speaks, and its audio arrives.
        assert_eq!(w.on_stats(0, 5000.0, true), None);
        assert_eq!(w.on_stats(40, 5800.0, true), None);
        assert_eq!(w.on_stats(90, 6800.0, true), None);
        // The audio stops; the model goes on speaking.
        assert_eq!(w.on_stats(90, 8000.0, true), None);
        let news = w.on_stats(90, 8400.0, true).expect("a warning after 1.5 s of silence while speaking");
        match &news {
            VoiceNews::Missing(e) => assert!(!e.fatal && e.title.contains("voice")),
            other => panic!("{other:?}"),
        }
        assert!(news.to_json().contains("\"fatal\":false"));
        // Said once.
        assert_eq!(w.on_stats(90, 9000.0, true), None);
        assert_eq!(w.on_stats(90, 9500.0, false), None);
        assert_eq!(w.on_stats(90, 9700.0, true), None);
        assert_eq!(w.on_stats(90, 12000.0, true), None);
        // The voice is back.
        let back = w.on_stats(100, 20000.0, true).expect("the warning goes");
        assert_eq!(back, VoiceNews::Back);
        assert_eq!(back.to_json(), r#"[{"kind":"ui","error":null}]"#);
    }

    #[test]
    fn a_short_turn_with_no_voice_at_all_is_said_when_it_ends() {
        let mut w = VoiceWatch::default();
        assert_eq!(w.on_stats(30, 0.0, false), None);
        // Seen speaking once (a 600 ms turn between slow ticks), nothing arrives, it ends.
        assert_eq!(w.on_stats(30, 1000.0, true), None);
        assert!(matches!(w.on_stats(30, 2000.0, false), Some(VoiceNews::Missing(_))));
        // A short turn whose audio arrives is no news.
        let mut w = VoiceWatch::default();
        assert_eq!(w.on_stats(0, 1000.0, true), None);
        assert_eq!(w.on_stats(25, 2000.0, false), None);
        assert_eq!(w.on_stats(25, 3000.0, true), None);
        assert_eq!(w.on_stats(50, 4000.0, false), None);
        // Audio counted at the very tick the turn was first seen counts for it.
        assert_eq!(w.on_stats(80, 5000.0, true), None);
        assert_eq!(w.on_stats(80, 5400.0, false), None);
    }

    #[test]
    fn a_new_turn_gets_its_own_grace() {
        let mut w = VoiceWatch::default();
        assert_eq!(w.on_stats(10, 0.0, true), None);
        assert_eq!(w.on_stats(10, 1000.0, false), None);
        // Long after the last packet, the model starts speaking again: 1.5 s from now, not from then.
        assert_eq!(w.on_stats(10, 60000.0, true), None);
        assert_eq!(w.on_stats(10, 61000.0, true), None);
        assert!(w.on_stats(10, 61600.0, true).is_some());
    }
}
