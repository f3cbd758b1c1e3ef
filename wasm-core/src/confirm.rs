//! The person's own "yes": actions that could hurt them (typing into a password or card field,
//! sending a form to another site, opening another site with data in its address) run only after
//! the person answers Hark's question. Answers count only from the person: a trusted click in the
//! overlay, text they type in it, or the transcript of their own speech — never from the model's
//! words or calls, and never from the page.
//!
//! A yes covers exactly what it was asked for: the executor names the [`Check`] that holds a
//! command, the command goes back with `confirmed: [the checks said yes to]`, and the executor
//! skips only those; a second check the same command meets is a second question.

#[cfg(test)]
use serde::Deserialize;
use serde::Serialize;

/// Why a command waits for the person's yes. The one list of these: the executor
/// (`extension/content/actions.js`, its `CHECK` table) answers `needsConfirmation` with one of
/// these names as `kind`, and skips a check only when the command's `confirmed` names it.
// Read from results by `Check::named`; deserialized only by tests (their `PageCommand`s).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[cfg_attr(test, derive(Deserialize))]
#[serde(rename_all = "camelCase")]
pub enum Check {
    /// Typing into a password, card or one-time-code field.
    SensitiveField,
    /// Sending a form to another origin (a click, a key, Enter in a field, a page's own handler).
    CrossOriginForm,
    /// Opening another origin at an address that names more than a site ([`names_only_a_site`]).
    DataInUrl,
}

impl Check {
    pub const ALL: [Check; 3] = [Check::SensitiveField, Check::CrossOriginForm, Check::DataInUrl];

    /// The name on the wire (and in the executor).
    pub fn name(self) -> &'static str {
        match self {
            Check::SensitiveField => "sensitiveField",
            Check::CrossOriginForm => "crossOriginForm",
            Check::DataInUrl => "dataInUrl",
        }
    }

    /// The check `name()` names.
    pub fn named(name: &str) -> Option<Check> {
        Check::ALL.into_iter().find(|c| c.name() == name)
    }
}

/// Second-level names under a two-letter country code that are public suffixes
/// (`example.co.uk`, `example.com.au`): a name directly under one is a site of its own.
const COUNTRY_SECOND_LEVELS: &[&str] = &["co", "com", "org", "net", "ac", "gov", "edu", "ne", "or"];

/// The rule for opening an address on the model's call alone. An address on the page's own
/// origin opens (the executor compares origins: the site already has what it shows). An address on
/// another origin opens only when it names nothing but a site, so it can carry no data from this
/// page: `http(s)://NAME.TLD/` or `http(s)://NAME.co.uk/`-style (a name directly under a public
/// suffix as far as the core can tell without the public suffix list), optionally with `www.`,
/// and nothing else — no path, query, fragment, port, user, IP address or further subdomain
/// (`https://<data>.evil.example/` and `https://evil.example/<data>` both need the person's yes).
/// Anything this does not recognise needs the yes too.
pub fn names_only_a_site(url: &str) -> bool {
    let lower = url.to_ascii_lowercase();
    let Some(rest) = lower.strip_prefix("https://").or_else(|| lower.strip_prefix("http://")) else {
        return false;
    };
    let host = rest.strip_suffix('/').unwrap_or(rest);
    let label_ok = |l: &str| {
        !l.is_empty()
            && l.len() <= 63
            && l.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && !l.starts_with('-')
            && !l.ends_with('-')
    };
    let labels: Vec<&str> = host.split('.').collect();
    if !labels.iter().all(|l| label_ok(l)) {
        return false;
    }
    let labels = match labels.as_slice() {
        ["www", rest @ ..] => rest,
        all => all,
    };
    let tld = labels.last().copied().unwrap_or("");
    // A top-level name of letters only: never an IPv4 address in any of its spellings.
    if tld.len() < 2 || !tld.bytes().all(|b| b.is_ascii_lowercase()) {
        return false;
    }
    match labels {
        [name, _] => *name != "www",
        [name, second, cc] => *name != "www" && cc.len() == 2 && COUNTRY_SECOND_LEVELS.contains(second),
        _ => false,
    }
}

/// What the person said about the pending question.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Allow,
    Deny,
}

const YES: &[&str] = &[
    "yes",
    "yeah",
    "yep",
    "yup",
    "sure",
    "ok",
    "okay",
    "allow",
    "confirm",
    "confirmed",
    "approve",
    "approved",
    "go ahead",
    "do it",
    "please do",
    "of course",
    "correct",
    "affirmative",
];
const NO: &[&str] = &[
    "no", "nope", "nah", "deny", "denied", "cancel", "stop", "dont", "do not", "don't", "never", "not now", "reject",
    "decline", "abort", "wait",
];
/// Words after a yes that still leave it a plain yes ("yes please", "yes, do it now").
const FILLER: &[&str] = &[
    "please", "thanks", "thank", "you", "it", "that", "do", "go", "ahead", "now", "sure", "allow", "confirm", "ok",
    "okay", "yes", "hark", "fine", "is", "right", "correct", "and",
];

fn words(utterance: &str) -> Vec<String> {
    crate::case::lowercase(utterance)
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
    let neg = w
        .iter()
        .any(|x| matches!(x.as_str(), "no" | "not" | "dont" | "don't" | "never" | "nope" | "cancel" | "deny" | "stop"));
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
    /// What the question asks the yes for.
    pub kind: Check,
    /// The held page command, its `confirmed` already naming `kind` (and any check said yes to
    /// before), and how to word its result.
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

/// What the model is told when the person's yes ran the command into a second check: it is asked
/// too, and the model should tell the person and wait again.
pub fn next_question_note(answered: &str, question: &str) -> String {
    let a = answered.trim_start_matches("Allow: ").trim_end_matches('?');
    let q = question.trim_start_matches("Allow: ").trim_end_matches('?');
    format!(
        "The person said yes to \"{a}\", but that yes covers only that. Hark is now asking them in its overlay \
         about the next step: \"{q}\" Nothing more was done yet. Tell them briefly what needs their yes and wait; \
         Hark will tell you their answer."
    )
}

/// What the model is told once the person answered (a system message; the call itself was
/// answered when the question was asked).
pub fn decided_note(question: &str, decision: Decision, result: Option<(bool, &str)>) -> String {
    let q = question.trim_start_matches("Allow: ").trim_end_matches('?');
    match (decision, result) {
        (Decision::Deny, _) => {
            format!("The person said no to \"{q}\". Nothing was done; do not try it again unless they ask.")
        }
        (Decision::Allow, Some((true, what))) => format!("The person said yes to \"{q}\", and Hark did it: {what}"),
        (Decision::Allow, Some((false, why))) => {
            format!("The person said yes to \"{q}\", but it could not be done: {why}")
        }
        (Decision::Allow, None) => format!("The person said yes to \"{q}\"."),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_answers_count() {
        for yes in [
            "yes",
            "Yes.",
            "yeah",
            "Yes please",
            "OK",
            "okay, go ahead",
            "Sure!",
            "allow",
            "Allow it",
            "do it",
            "yes, do it now",
            "Confirm.",
        ] {
            assert_eq!(decision_in(yes), Some(Decision::Allow), "{yes}");
        }
        for no in
            ["no", "No.", "nope", "no thanks", "Don't", "do not do that", "cancel", "Deny", "stop", "not now", "wait"]
        {
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
    fn only_the_bare_address_of_a_site_opens_without_asking() {
        for site in [
            "https://example.org",
            "https://example.org/",
            "http://Example.ORG/",
            "https://www.example.org/",
            "https://bbc.co.uk/",
            "https://www.abc.net.au",
            "https://xn--bcher-kva.example/",
            "https://docs.rs/",
        ] {
            assert!(names_only_a_site(site), "{site}");
        }
        for data in [
            // Data in the path, query, fragment, user or port.
            "https://evil.example/ada@example.test",
            "https://evil.example/?q=ada",
            "https://evil.example/#ada",
            "https://evil.example?q",
            "https://ada@evil.example/",
            "https://evil.example:8443/",
            // Data in a subdomain, however it is spelled.
            "https://ada-example-test.evil.example/",
            "https://www.ada.evil.example/",
            "https://ada.evil.co.uk/",
            "https://ada.github.io/",
            "https://www.www.example/",
            // Addresses, odd spellings, other schemes, relative addresses.
            "http://127.0.0.1/",
            "http://2130706433/",
            "http://0x7f.1/",
            "http://[::1]/",
            "http://localhost/",
            "https://evil.example\\@example.org/",
            "https://evil.example%2fdata/",
            "https://evil.example./",
            "https://-evil.example/",
            "ftp://example.org/",
            "/account?email=ada",
            "//evil.example/",
            "",
        ] {
            assert!(!names_only_a_site(data), "{data}");
        }
    }

    #[test]
    fn the_executor_names_exactly_these_checks() {
        // The executor's CHECK table is this enum's names, and it uses no other.
        let js = include_str!("../../extension/content/actions.js");
        let table = js
            .split("const CHECK = Object.freeze({")
            .nth(1)
            .and_then(|t| t.split("})").next())
            .expect("the CHECK table");
        let names: Vec<(&str, &str)> = table
            .split(',')
            .filter(|e| !e.trim().is_empty())
            .map(|e| {
                let (k, v) = e.split_once(':').expect("key: 'value'");
                (k.trim(), v.trim().trim_matches('\''))
            })
            .collect();
        let want: Vec<(&str, &str)> = Check::ALL.iter().map(|c| (c.name(), c.name())).collect();
        assert_eq!(names, want);
        for used in js.split("CHECK.").skip(1) {
            let name: String = used.chars().take_while(|c| c.is_ascii_alphanumeric()).collect();
            assert!(Check::ALL.iter().any(|c| c.name() == name), "the executor uses CHECK.{name}");
        }
        for c in Check::ALL {
            assert_eq!(serde_json::to_value(c).unwrap(), c.name());
            assert!(js.contains(&format!("CHECK.{}", c.name())), "the executor never asks for {}", c.name());
        }
    }

    #[test]
    fn outputs_tell_the_model_to_wait_and_then_what_happened() {
        let held =
            held_output("typing into \"Password\" needs the person's own confirmation.", "Allow: type into Password?");
        let v: serde_json::Value = serde_json::from_str(&held).unwrap();
        assert_eq!(v["ok"], false);
        assert_eq!(v["needsConfirmation"], true);
        assert!(v["error"].as_str().unwrap().contains("Do not call this again"));
        let note = decided_note(
            "Allow: type into Password?",
            Decision::Allow,
            Some((true, "Typed 7 characters into the \"Password\" field.")),
        );
        assert!(note.contains("said yes to \"type into Password\"") && note.contains("Typed 7"), "{note}");
        assert!(decided_note("Allow: type into Password?", Decision::Deny, None).contains("Nothing was done"));
    }
}
