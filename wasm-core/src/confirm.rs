//! The person's own "yes": actions that could hurt them (typing into a password or card field,
//! sending a form to another site, opening another site with data in its address) run only after
//! the person answers Hark's question. Answers count only from the person: a trusted click in the
//! overlay, text they type in it, or the transcript of their own speech — never from the model's
//! words or calls, and never from the page.

/// What the person said about the pending question.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Allow,
    Deny,
}

const YES: &[&str] = &[
    "yes", "yeah", "yep", "yup", "sure", "ok", "okay", "allow", "confirm", "confirmed", "approve", "approved",
    "go ahead", "do it", "please do", "of course", "correct", "affirmative",
];
const NO: &[&str] = &[
    "no", "nope", "nah", "deny", "denied", "cancel", "stop", "dont", "do not", "don't", "never", "not now",
    "reject", "decline", "abort", "wait",
];
/// Words after a yes that still leave it a plain yes ("yes please", "yes, do it now").
const FILLER: &[&str] = &[
    "please", "thanks", "thank", "you", "it", "that", "do", "go", "ahead", "now", "sure", "allow", "confirm", "ok",
    "okay", "yes", "hark", "fine", "is", "right", "correct", "and",
];

fn words(utterance: &str) -> Vec<String> {
    utterance
        .to_lowercase()
        .replace('’', "'")
        .split(|c: char| !(c.is_alphanumeric() || c == '\''))
        .filter(|w| !w.is_empty())
        .map(|w| w.trim_matches('\'').to_string())
        .filter(|w| !w.is_empty())
        .collect()
}

fn starts_with_phrase(words: &[String], phrase: &str) -> usize {
    let p: Vec<&str> = phrase.split(' ').collect();
    if words.len() >= p.len() && words.iter().zip(&p).all(|(w, p)| w == p) {
        p.len()
    } else {
        0
    }
}

/// Whether a short utterance answers a yes/no question. Anything longer or mixed ("yes but not
/// the password", "no wait, yes") is not an answer: the question stays open.
pub fn decision_in(utterance: &str) -> Option<Decision> {
    let w = words(utterance);
    if w.is_empty() || w.len() > 6 {
        return None;
    }
    let neg = w.iter().any(|x| matches!(x.as_str(), "no" | "not" | "dont" | "don't" | "never" | "nope" | "cancel" | "deny" | "stop"));
    for phrase in NO {
        if starts_with_phrase(&w, phrase) > 0 {
            let rest_yes = w.iter().any(|x| matches!(x.as_str(), "yes" | "yeah" | "allow" | "confirm"));
            return if rest_yes { None } else { Some(Decision::Deny) };
        }
    }
    if neg {
        return None;
    }
    for phrase in YES {
        let n = starts_with_phrase(&w, phrase);
        if n > 0 && w[n..].iter().all(|x| FILLER.contains(&x.as_str())) {
            return Some(Decision::Allow);
        }
    }
    None
}

/// The one question waiting for the person (a newer one replaces it).
#[derive(Debug, Clone, PartialEq)]
pub struct Pending<C, P> {
    /// Shown with the question; an overlay click answers only the question it was shown for.
    pub id: u32,
    pub question: String,
    /// The held page command, already marked confirmed, and how to word its result.
    pub command: C,
    pub plan: P,
}

/// What the model is told when the call is held (its output), so it tells the person and waits.
pub fn held_output(reason: &str, question: &str) -> String {
    let reason = reason.trim().trim_end_matches('.');
    serde_json::json!({
        "ok": false,
        "needsConfirmation": true,
        "error": format!(
            "{reason}. Hark is asking the person in its overlay: \"{question}\" They answer by saying yes or no, \
             typing it, or clicking Allow or Deny. Nothing was done yet. Do not call this again: tell them briefly \
             what needs their yes and wait; Hark will tell you their answer."
        )
    })
    .to_string()
}

/// What the model is told once the person answered (a system message; the call itself was
/// answered when the question was asked).
pub fn decided_note(question: &str, decision: Decision, result: Option<(bool, &str)>) -> String {
    let q = question.trim_start_matches("Allow: ").trim_end_matches('?');
    match (decision, result) {
        (Decision::Deny, _) => format!("The person said no to \"{q}\". Nothing was done; do not try it again unless they ask."),
        (Decision::Allow, Some((true, what))) => format!("The person said yes to \"{q}\", and Hark did it: {what}"),
        (Decision::Allow, Some((false, why))) => format!("The person said yes to \"{q}\", but it could not be done: {why}"),
        (Decision::Allow, None) => format!("The person said yes to \"{q}\"."),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_answers_count() {
        for yes in ["yes", "Yes.", "yeah", "Yes please", "OK", "okay, go ahead", "Sure!", "allow", "Allow it", "do it", "yes, do it now", "Confirm."] {
            assert_eq!(decision_in(yes), Some(Decision::Allow), "{yes}");
        }
        for no in ["no", "No.", "nope", "no thanks", "Don't", "do not do that", "cancel", "Deny", "stop", "not now", "wait"] {
            assert_eq!(decision_in(no), Some(Decision::Deny), "{no}");
        }
    }

    #[test]
    fn anything_else_leaves_the_question_open() {
        for other in [
            "",
            "make the background blue",
            "yes but not the password",
            "no wait yes",
            "what is this about",
            "yesterday",
            "I said yes to the other thing earlier today, remember that",
            "not yes",
        ] {
            assert_eq!(decision_in(other), None, "{other}");
        }
    }

    #[test]
    fn outputs_tell_the_model_to_wait_and_then_what_happened() {
        let held = held_output("typing into \"Password\" needs the person's own confirmation.", "Allow: type into Password?");
        let v: serde_json::Value = serde_json::from_str(&held).unwrap();
        assert_eq!(v["ok"], false);
        assert_eq!(v["needsConfirmation"], true);
        assert!(v["error"].as_str().unwrap().contains("Do not call this again"));
        let note = decided_note("Allow: type into Password?", Decision::Allow, Some((true, "Typed 7 characters into the \"Password\" field.")));
        assert!(note.contains("said yes to \"type into Password\"") && note.contains("Typed 7"), "{note}");
        assert!(decided_note("Allow: type into Password?", Decision::Deny, None).contains("Nothing was done"));
    }
}
