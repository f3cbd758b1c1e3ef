//! "The Save button": which element a person (or the model) means by a visible label.

use crate::snapshot::RawNode;

/// Lowercase words without punctuation, without filler ("the", "button").
pub fn words(s: &str) -> Vec<String> {
    let cleaned: String =
        crate::case::lowercase(s).chars().map(|c| if c.is_alphanumeric() { c } else { ' ' }).collect();
    cleaned
        .split_whitespace()
        .filter(|w| !matches!(*w, "the" | "a" | "an" | "button" | "buttons" | "btn" | "link" | "field"))
        .map(str::to_string)
        .collect()
}

/// How well `name` matches `label`: 0 = not at all.
fn score(name: &str, label: &[String]) -> u32 {
    let name = words(name);
    if name.is_empty() || label.is_empty() {
        return 0;
    }
    if name == label {
        return 100;
    }
    let joined_name = name.join(" ");
    let joined_label = label.join(" ");
    if joined_name.starts_with(&joined_label) || joined_name.ends_with(&joined_label) {
        return 80;
    }
    if joined_name.contains(&joined_label) {
        return 60;
    }
    let shared = label.iter().filter(|w| name.contains(w)).count();
    if shared * 2 >= label.len() && shared > 0 {
        return 20 + (40 * shared / label.len().max(name.len())) as u32;
    }
    0
}

/// The best-matching element's ref among `candidates`; ties go to the one in view, then the
/// first in document order. The error lists what the page offers.
pub fn best_match<'a>(candidates: &'a [RawNode], label: &str) -> Result<&'a RawNode, String> {
    best_match_of(candidates, label, "button", "buttons")
}

/// [`best_match`] for any kind of element: `noun` ("field") and `plural` ("fields") word the error.
pub fn best_match_of<'a>(
    candidates: &'a [RawNode],
    label: &str,
    noun: &str,
    plural: &str,
) -> Result<&'a RawNode, String> {
    let wanted = words(label);
    let mut best: Option<(u32, &RawNode)> = None;
    for n in candidates.iter().filter(|n| n.element_ref.is_some()) {
        let s = score(&n.name, &wanted);
        if s == 0 {
            continue;
        }
        let better = match best {
            None => true,
            Some((bs, bn)) => s > bs || (s == bs && n.in_view && !bn.in_view),
        };
        if better {
            best = Some((s, n));
        }
    }
    best.map(|(_, n)| n).ok_or_else(|| {
        let mut names: Vec<String> =
            candidates.iter().map(|n| n.name.trim().to_string()).filter(|n| !n.is_empty()).collect();
        names.dedup();
        let shown: Vec<String> = names.iter().take(15).map(|n| format!("\"{n}\"")).collect();
        if shown.is_empty() {
            format!("no {noun} labelled \"{label}\" (the page has no labelled {plural})")
        } else {
            format!("no {noun} labelled \"{label}\"; {plural} on the page: {}", shown.join(", "))
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b(r: &str, name: &str, in_view: bool) -> RawNode {
        RawNode {
            element_ref: Some(r.into()),
            role: "button".into(),
            name: name.into(),
            in_view,
            button: true,
            ..Default::default()
        }
    }

    #[test]
    fn people_say_labels_loosely() {
        let page =
            [b("e1", "Save changes", false), b("e2", "Cancel", true), b("e3", "Save", true), b("e4", "Log out", true)];
        assert_eq!(best_match(&page, "the Save button").unwrap().element_ref.as_deref(), Some("e3"));
        assert_eq!(best_match(&page, "save changes").unwrap().element_ref.as_deref(), Some("e1"));
        assert_eq!(best_match(&page, "Cancel!").unwrap().element_ref.as_deref(), Some("e2"));
        assert!(best_match(&page, "logout").unwrap_err().contains("\"Log out\""));
        assert_eq!(best_match(&page, "out").unwrap().element_ref.as_deref(), Some("e4"));
    }

    #[test]
    fn ties_prefer_what_the_person_sees() {
        let page = [b("e1", "Primary", false), b("e2", "Primary", true)];
        assert_eq!(best_match(&page, "primary").unwrap().element_ref.as_deref(), Some("e2"));
    }
}
