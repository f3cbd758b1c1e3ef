//! Fuzz targets in hark-protocol: the SDP offer check, server event parsing, tool call parsing.
//! `cargo test` runs each briefly; `scripts/fuzz.sh` runs a million inputs each.

use hark_fuzz::proptest::prelude::*;
use hark_fuzz::{events, fuzz, sdp, tools};
use hark_protocol::events::ServerEvent;
use hark_protocol::sdp::{check_offer, SdpError, MAX_OFFER_BYTES};
use hark_protocol::tools::{
    is_ref, ArgError, ButtonSize, Key, NavigateTo, ReadWhat, ScrollDirection, Target, ToolCall, MAX_SNAPSHOT_TOKENS,
    MAX_ZOOM_PERCENT, MIN_ZOOM_PERCENT,
};
use serde_json::Value;

#[test]
fn fuzz_sdp_offer_check() {
    fuzz("sdp offer check", 2000, sdp::offer(), |body| {
        let got = check_offer(&body);
        prop_assert_eq!(&got, &check_offer(&body), "the check is deterministic");
        match got {
            Ok(summary) => {
                prop_assert_eq!(summary.bytes, body.len());
                prop_assert!(body.len() <= MAX_OFFER_BYTES);
                let text = std::str::from_utf8(&body).expect("an accepted offer is text");
                let lines: Vec<&str> = text.lines().map(str::trim).collect();
                prop_assert_eq!(lines.iter().find(|l| !l.is_empty()).copied(), Some("v=0"));
                prop_assert!(summary.audio_sections >= 1 && summary.has_data_channel);
                prop_assert_eq!(summary.audio_sections, lines.iter().filter(|l| l.starts_with("m=audio ")).count());
                for needed in ["o=", "s=", "t=", "a=ice-ufrag:", "a=ice-pwd:", "a=fingerprint:"] {
                    prop_assert!(lines.iter().any(|l| l.starts_with(needed)), "accepted without {}", needed);
                }
            }
            Err(e) => {
                prop_assert!(e.to_string().len() > 10, "the error says what is wrong");
                match e {
                    SdpError::Empty => prop_assert!(body.is_empty()),
                    SdpError::TooLarge(n) => prop_assert!(n == body.len() && n > MAX_OFFER_BYTES),
                    SdpError::NotText => prop_assert!(std::str::from_utf8(&body).is_err()),
                    _ => prop_assert!(std::str::from_utf8(&body).is_ok()),
                }
            }
        }
        Ok(())
    });
}

#[test]
fn fuzz_server_event_parsing() {
    fuzz("ServerEvent parsing", 1500, events::event_text(), |text| {
        let Ok(event) = ServerEvent::parse(&text) else { return Ok(()) };
        // An event Hark parsed is one of the types it names (or Unknown), and it survives the trip
        // back to text: the local peer and the tests send what Hark parses.
        let name = event.type_name();
        // Fields Hark does not read are skipped at any depth (serde_json skips without recursing);
        // a JSON tree of the same text stops at 128 levels.
        let wire: Value = match serde_json::from_str(&text) {
            Ok(wire) => wire,
            Err(e) if e.to_string().contains("recursion limit") => return Ok(()),
            Err(e) => panic!("a parsed event is JSON: {e}"),
        };
        let sent_type = wire.get("type").and_then(Value::as_str).unwrap_or("");
        if event == ServerEvent::Unknown {
            prop_assert!(
                !events::EVENT_TYPES[..31].contains(&sent_type) || sent_type == "Unknown",
                "{} parsed as Unknown",
                sent_type
            );
        } else {
            let alias = sent_type
                .replace("response.text.", "response.output_text.")
                .replace("response.audio_transcript.", "response.output_audio_transcript.");
            prop_assert_eq!(&name, &alias);
        }
        let again = ServerEvent::parse(&event.to_json()).map_err(|e| TestCaseError::fail(format!("re-parse: {e}")))?;
        prop_assert_eq!(again.type_name(), name);
        Ok(())
    });
}

/// The scheme a browser reads in `u` (WHATWG URL: a letter, then letters, digits, `+-.`, then `:`).
fn browser_scheme(u: &str) -> Option<&str> {
    let end = u.find(':')?;
    let s = &u[..end];
    (s.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && s.chars().all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c)))
    .then_some(s)
}

/// Where `navigate` may go: http(s) or a place on this site, nothing a browser reads as another scheme.
fn valid_url(u: &str) -> bool {
    !u.is_empty()
        && !u.chars().any(|c| c.is_whitespace() || c.is_control())
        && match browser_scheme(u) {
            Some(s) => {
                (s.eq_ignore_ascii_case("http") || s.eq_ignore_ascii_case("https"))
                    && u[s.len() + 1..].starts_with("//")
            }
            None => true,
        }
}

fn check_target(t: &Target, one: bool) -> Result<(), TestCaseError> {
    match t {
        Target::All => prop_assert!(!one, "one element was asked for, got all"),
        Target::Ref(r) => prop_assert!(is_ref(r), "ref {:?}", r),
        Target::Number(n) => prop_assert!(*n > 0 && *n <= 9999),
        Target::Label(l) => prop_assert!(!l.trim().is_empty()),
    }
    Ok(())
}

#[test]
fn fuzz_tool_call_parsing() {
    fuzz("ToolCall parsing", 2000, tools::call(), |(name, args)| {
        let call = match ToolCall::parse(&name, &args) {
            Ok(c) => c,
            Err(e) => {
                let msg = e.to_string();
                prop_assert!(msg.len() > 10, "the model is told what to do: {:?}", msg);
                if let ArgError::UnknownFunction(..) = e {
                    prop_assert!(msg.contains("available: getPageHTML"));
                }
                return Ok(());
            }
        };
        match &call {
            ToolCall::GetPageHtml { target, max_tokens, from, .. } => {
                prop_assert!((200..=MAX_SNAPSHOT_TOKENS).contains(max_tokens));
                prop_assert!(from.as_deref().is_none_or(is_ref));
                if let Some(t) = target {
                    check_target(t, false)?;
                }
            }
            ToolCall::ChangeBackgroundColor { color, .. } | ToolCall::ChangeTextColor { color, .. } => {
                prop_assert!(!color.original.is_empty())
            }
            ToolCall::ChangeButtonStyle { target, size, color, .. } => {
                prop_assert!(size.is_some() || color.is_some());
                check_target(target, false)?;
                match size {
                    Some(ButtonSize::Px(px)) => prop_assert!((4.0..=200.0).contains(px)),
                    Some(ButtonSize::Scale(s)) => prop_assert!(s.is_finite() && *s >= 0.1 && *s <= 10.0),
                    None => {}
                }
            }
            ToolCall::Click { target }
            | ToolCall::TypeText { target, .. }
            | ToolCall::SelectOption { target, .. }
            | ToolCall::SetChecked { target, .. } => check_target(target, true)?,
            ToolCall::PressKey { key, target } => {
                prop_assert_eq!(Key::parse(key.code()).ok(), Some(*key));
                if let Some(t) = target {
                    check_target(t, true)?;
                }
            }
            ToolCall::Scroll { direction, screens, target } => {
                prop_assert!(direction.is_some() || target.is_some());
                prop_assert!(screens.is_finite() && (0.1..=20.0).contains(screens));
                if let Some(d) = direction {
                    prop_assert_eq!(ScrollDirection::parse(d.name()).ok(), Some(*d));
                }
                if let Some(t) = target {
                    check_target(t, true)?;
                }
            }
            ToolCall::Navigate { to } => {
                if let NavigateTo::Url(u) = to {
                    prop_assert!(valid_url(u), "navigate accepted {:?}", u);
                }
            }
            ToolCall::ZoomText { percent } => prop_assert!((MIN_ZOOM_PERCENT..=MAX_ZOOM_PERCENT).contains(percent)),
            ToolCall::ChangePageView { theme, text_spacing, reduced_motion } => {
                prop_assert!(theme.is_some() || *text_spacing || *reduced_motion)
            }
            ToolCall::FindText { occurrence, .. } => prop_assert!((1..=10_000).contains(occurrence)),
            ToolCall::ReadText { what, max_tokens } => {
                prop_assert!((100..=MAX_SNAPSHOT_TOKENS).contains(max_tokens));
                if let ReadWhat::Element(t) = what {
                    check_target(t, false)?;
                }
            }
            ToolCall::ShowLabels { .. } | ToolCall::Undo | ToolCall::ResetPage => {}
        }
        Ok(())
    });
}
