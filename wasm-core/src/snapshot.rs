//! The page snapshot the model reads (`getPageHTML` without arguments): a compact outline built
//! from the executor's raw node list, within a token budget. What is in the viewport comes first
//! and in full; the rest of the page follows in shorter form; whatever does not fit is counted so
//! the model knows to ask for more. Tokens are estimated as chars/4 (o200k averages about that on
//! English page text).

use serde::Serialize;
use serde_json::Value;

use crate::tree::Fields;

/// What the executor's `collect` returns (read with [`RawPage::from_tree`]; written out by tests).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RawPage {
    pub url: String,
    pub title: String,
    pub viewport: Viewport,
    pub scroll_y: f64,
    pub scroll_height: f64,
    pub nodes: Vec<RawNode>,
    /// The executor stopped at its node limit.
    pub truncated: bool,
    /// A reading-on walk (`collect {from}`) found its start element and began there.
    pub from_found: bool,
    /// A first walk stopped listing what is out of view at its answer's budget (it still found
    /// everything in view): reading on starts at this element. Such an answer shows no text out
    /// of view, and the executor sends none: each run of it stands as one text with no name and
    /// not in view (page.js `dropTextOutOfView`), so `repeats_neighbour` sees a text there.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub more_from: Option<String>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Viewport {
    pub width: f64,
    pub height: f64,
}

/// One node of the page, in document order. `role` is `heading`, `text`, a landmark role
/// (`navigation`, `main`, ...) or an interactive role (`link`, `button`, `textbox`, ...).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RawNode {
    #[serde(rename = "ref", skip_serializing_if = "Option::is_none")]
    pub element_ref: Option<String>,
    pub role: String,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub level: Option<u8>,
    pub in_view: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub checked: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expanded: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub selected: Option<bool>,
    pub disabled: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    /// Password, hidden, card or one-time-code field: its value never leaves the page.
    pub sensitive: bool,
    /// What a person calls a button (includes links styled as buttons).
    pub button: bool,
    /// A heading's own ref (not printed): `readText` reads the section it opens.
    #[serde(rename = "sectionRef", skip_serializing_if = "Option::is_none")]
    pub section_ref: Option<String>,
}

impl RawPage {
    /// A `collect` result as the executor wrote it (see [`crate::tree`] for why not serde).
    pub fn from_tree(value: &Value) -> RawPage {
        let f = Fields::of(value);
        let viewport = f.object("viewport");
        RawPage {
            url: f.text_or_empty("url"),
            title: f.text_or_empty("title"),
            viewport: Viewport {
                width: viewport.number("width").unwrap_or(0.0),
                height: viewport.number("height").unwrap_or(0.0),
            },
            scroll_y: f.number("scrollY").unwrap_or(0.0),
            scroll_height: f.number("scrollHeight").unwrap_or(0.0),
            nodes: f.list("nodes").map(|n| RawNode::from_fields(Fields::of(n))).collect(),
            truncated: f.flag("truncated"),
            from_found: f.flag("fromFound"),
            more_from: f.text("moreFrom"),
        }
    }

    /// How many nodes the page listed: its stand-ins for text left out (see `more_from`) are none.
    pub fn listed(&self) -> usize {
        self.nodes.iter().filter(|n| !(n.is_text() && n.name.is_empty() && !n.in_view)).count()
    }

    /// The same from JSON text (tests, benchmarks and fixtures).
    pub fn from_json(text: &str) -> Result<RawPage, serde_json::Error> {
        Ok(RawPage::from_tree(&serde_json::from_str(text)?))
    }
}

impl RawNode {
    fn from_fields(f: Fields) -> RawNode {
        RawNode {
            element_ref: f.text("ref"),
            role: f.text_or_empty("role"),
            name: f.text_or_empty("name"),
            level: f.count("level").and_then(|l| u8::try_from(l).ok()),
            in_view: f.flag("inView"),
            checked: f.boolean("checked"),
            expanded: f.boolean("expanded"),
            selected: f.boolean("selected"),
            disabled: f.flag("disabled"),
            value: f.text("value"),
            sensitive: f.flag("sensitive"),
            button: f.flag("button"),
            section_ref: f.text("sectionRef"),
        }
    }
}

pub const LANDMARKS: &[&str] =
    &["banner", "navigation", "main", "contentinfo", "complementary", "search", "form", "region", "dialog"];

impl RawNode {
    fn is_text(&self) -> bool {
        self.role == "text"
    }
    fn is_landmark(&self) -> bool {
        LANDMARKS.contains(&self.role.as_str())
    }
    fn is_interactive(&self) -> bool {
        self.element_ref.is_some()
    }
    /// The ref paging can start from: an element's, or a heading's section ref.
    fn any_ref(&self) -> Option<&str> {
        self.element_ref.as_deref().or(self.section_ref.as_deref())
    }
}

/// Tokens of `text` as o200k-like BPE counts them, roughly: a word costs a token per 6 letters,
/// numbers a token per 3 digits, every other symbol one, non-Latin letters about one each. (Prose
/// runs ~4 chars a token, but URLs, refs and CJK run much denser, so chars alone undercount.)
pub fn estimate_tokens(text: &str) -> usize {
    let mut tokens = 0;
    let (mut letters, mut digits) = (0usize, 0usize);
    let flush = |letters: &mut usize, digits: &mut usize, tokens: &mut usize| {
        *tokens += letters.div_ceil(6) + digits.div_ceil(3);
        *letters = 0;
        *digits = 0;
    };
    for c in text.chars() {
        if c.is_ascii_alphabetic() || ('\u{c0}'..='\u{24f}').contains(&c) {
            if digits > 0 {
                flush(&mut letters, &mut digits, &mut tokens);
            }
            letters += 1;
        } else if c.is_ascii_digit() {
            if letters > 0 {
                flush(&mut letters, &mut digits, &mut tokens);
            }
            digits += 1;
        } else {
            flush(&mut letters, &mut digits, &mut tokens);
            // A space joins the next word's token; other symbols and scripts cost about one each.
            if c != ' ' {
                tokens += 1;
            }
        }
    }
    flush(&mut letters, &mut digits, &mut tokens);
    tokens
}

fn clip(s: &str, max: usize) -> String {
    let s = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if s.chars().count() <= max {
        return s;
    }
    let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
    // End on a whole word when one ends near the cut: half a word is tokens that say nothing.
    if let Some(space) = out.rfind(' ').filter(|&at| out[at..].chars().count() <= 15) {
        out.truncate(space);
    }
    out.push('…');
    out
}

fn quote(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "'"))
}

/// One node as a line; `short` is the form used outside the viewport.
fn line(n: &RawNode, short: bool) -> Option<String> {
    // Text is a preview, about a line: the outline is a map of the page, readText reads a
    // section in full.
    let (name_max, text_max) = if short { (50, 80) } else { (80, 100) };
    if n.is_text() {
        let t = clip(&n.name, text_max);
        return (!t.is_empty()).then_some(t);
    }
    if n.role == "heading" && !n.is_interactive() {
        let level = n.level.unwrap_or(2).clamp(1, 6) as usize;
        return Some(format!("{} {}", "#".repeat(level), clip(&n.name, name_max)));
    }
    if n.is_landmark() && !n.is_interactive() {
        let name = clip(&n.name, 40);
        return Some(if name.is_empty() {
            format!("== {} ==", n.role)
        } else {
            format!("== {} {} ==", n.role, quote(&name))
        });
    }
    let r = n.element_ref.as_deref()?;
    let role = if n.button && n.role == "link" { "button-link" } else { n.role.as_str() };
    let mut s = format!("[{r}] {role}");
    let name = clip(&n.name, name_max);
    if !name.is_empty() {
        s.push(' ');
        s.push_str(&quote(&name));
    }
    let mut states = Vec::new();
    match n.checked {
        Some(true) => states.push("checked"),
        Some(false) if !short => states.push("unchecked"),
        _ => {}
    }
    match n.expanded {
        Some(true) => states.push("expanded"),
        Some(false) => states.push("collapsed"),
        None => {}
    }
    if n.selected == Some(true) {
        states.push("selected");
    }
    if n.disabled {
        states.push("disabled");
    }
    if n.sensitive {
        states.push("value hidden");
    }
    if !states.is_empty() {
        s.push_str(&format!(" ({})", states.join(", ")));
    }
    if let (Some(v), false) = (&n.value, n.sensitive) {
        let v = clip(v, if short { 30 } else { 80 });
        if !v.is_empty() {
            s.push_str(&format!(" = {}", quote(&v)));
        }
    }
    Some(s)
}

/// Text blocks that only repeat the names of the elements around them: an `<li>` holding one
/// link, or a menu whose text is its headings and links (they follow it, one line each).
fn repeats_neighbour(nodes: &[RawNode], i: usize) -> bool {
    let t = nodes[i].name.trim();
    let same = |j: usize| nodes.get(j).is_some_and(|n| !n.is_text() && n.name.trim() == t);
    same(i + 1) || (i > 0 && same(i - 1)) || spelled_out_by_what_follows(nodes, i)
}

/// The text, with the names of the elements that follow it taken out in order, has no words left.
fn spelled_out_by_what_follows(nodes: &[RawNode], i: usize) -> bool {
    let mut rest = nodes[i].name.as_str().to_owned();
    let mut taken = 0;
    for n in nodes[i + 1..].iter().take_while(|n| !n.is_text()) {
        let name = n.name.trim();
        if name.is_empty() {
            continue;
        }
        match rest.find(name) {
            Some(at) => {
                rest.replace_range(at..at + name.len(), " ");
                taken += 1;
            }
            None => break,
        }
    }
    taken >= 2 && !rest.chars().any(char::is_alphanumeric)
}

#[derive(Default)]
struct Omitted {
    text: usize,
    links: usize,
    buttons: usize,
    fields: usize,
    other: usize,
}

impl Omitted {
    fn count(&mut self, n: &RawNode) {
        match n.role.as_str() {
            "text" => self.text += 1,
            "link" if !n.button => self.links += 1,
            "button" | "link" => self.buttons += 1,
            "textbox" | "searchbox" | "combobox" | "checkbox" | "radio" | "listbox" | "slider" | "spinbutton"
            | "switch" => self.fields += 1,
            _ => self.other += 1,
        }
    }
    fn total(&self) -> usize {
        self.text + self.links + self.buttons + self.fields + self.other
    }
    fn describe(&self) -> String {
        let parts: Vec<String> = [
            (self.text, "text blocks"),
            (self.links, "links"),
            (self.buttons, "buttons"),
            (self.fields, "form fields"),
            (self.other, "other items"),
        ]
        .iter()
        .filter(|(n, _)| *n > 0)
        .map(|(n, what)| format!("{n} {what}"))
        .collect();
        parts.join(", ")
    }
}

/// What an answer keeps for its closing lines (what was left out, where to read on).
const CLOSING_TOKENS: usize = 130;

/// What a line of an answer costs at least, by [`estimate_tokens`] plus its line break: a first
/// walk adds this up over the headings and controls it lists and stops listing out of view once
/// the sum passes `tokens`, where no further line could be shown (`collect {lineBudget}`). The
/// executor applies [`LineBudget::at_least`]; text lines count nothing (one may repeat its
/// neighbours' names and not be shown), nor do landmarks.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[cfg_attr(test, derive(serde::Deserialize))]
#[serde(rename_all = "camelCase")]
pub struct LineBudget {
    /// What the lines may take: the answer's budget less its closing lines.
    pub tokens: u32,
    /// A control's line without a name (`[e1] link`); a name adds its quotes (`named`) and itself.
    pub control: u32,
    pub named: u32,
    /// A heading's line without its name (`#`).
    pub heading: u32,
    /// A name costs at least a token per this many characters: a run of letters costs one per
    /// six, a space none but it starts another run, anything else one each.
    pub chars_per_token: u32,
    /// How much of a name a line keeps, in view and out of it, at least: a clipped name may end
    /// up to 15 characters earlier, on a whole word.
    pub name_chars: u32,
    pub short_name_chars: u32,
}

impl LineBudget {
    pub fn for_answer(max_tokens: u32) -> Self {
        LineBudget {
            tokens: max_tokens.saturating_sub(CLOSING_TOKENS as u32),
            control: 6,
            named: 2,
            heading: 2,
            chars_per_token: 7,
            name_chars: 80 - 16,
            short_name_chars: 50 - 16,
        }
    }

    /// What `n`'s line costs at least (page.js collect applies the same sum).
    pub fn at_least(&self, n: &RawNode) -> u32 {
        let interactive = n.is_interactive();
        if !interactive && n.role != "heading" {
            return 0;
        }
        // As the line spells it: white space runs squashed (the executor's names already are).
        let chars = n.name.split_whitespace().map(|w| w.chars().count() + 1).sum::<usize>().saturating_sub(1) as u32;
        let shown = chars.min(if n.in_view { self.name_chars } else { self.short_name_chars });
        let name = shown.div_ceil(self.chars_per_token);
        match (interactive, chars > 0) {
            (true, true) => self.control + self.named + name,
            (true, false) => self.control,
            (false, _) => self.heading + name,
        }
    }
}

/// Longer than any ref the executor hands out ("e123456"): not printed as one.
const MAX_REF_LEN: usize = 16;

/// Format the snapshot within `max_tokens` (estimated).
pub fn format(page: &RawPage, max_tokens: u32) -> String {
    let budget = max_tokens as usize;
    let mut head = format!("{} — {}\n", clip(&page.title, 120), clip(&page.url, 160));
    // The executor's numbers, kept to what a page can be: an elastic overscroll reports a negative
    // scrollY, and no page is a billion pixels tall (a 300-digit number would eat the budget).
    let px = |v: f64| v.clamp(0.0, 1e9) + 0.0;
    let (height, scroll_y) = (px(page.viewport.height), px(page.scroll_y));
    let total = px(page.scroll_height).max(height);
    let bottom = (scroll_y + height).min(total);
    // A page that fits the window needs no scroll position, and everything on it is in view.
    let whole_page_in_view = height > 0.0 && scroll_y <= 0.0 && bottom >= total;
    if height > 0.0 && !whole_page_in_view {
        head.push_str(&format!(
            "View {}–{} of {}px ({}%).\n",
            scroll_y.round(),
            bottom.round(),
            total.round(),
            (bottom / total * 100.0).round()
        ));
    }
    let nodes = &page.nodes;
    let usable: Vec<bool> = (0..nodes.len()).map(|i| !(nodes[i].is_text() && repeats_neighbour(nodes, i))).collect();

    // Priority 0: in view, full; 1: headings and interactive elsewhere; 2: other text elsewhere.
    let priority = |n: &RawNode| -> u8 {
        if n.in_view {
            0
        } else if n.is_interactive() || n.role == "heading" {
            1
        } else {
            2
        }
    };
    let in_view_tokens: usize = nodes
        .iter()
        .zip(&usable)
        .filter(|(n, u)| **u && n.in_view)
        .filter_map(|(n, _)| line(n, false))
        .map(|l| estimate_tokens(&l) + 1)
        .sum();
    // When the view alone overflows, its text blocks get the short form too.
    let squeeze_view = in_view_tokens + estimate_tokens(&head) > budget * 8 / 10;

    let mut lines: Vec<Option<String>> = vec![None; nodes.len()];
    let mut used = estimate_tokens(&head) + CLOSING_TOKENS;
    let mut omitted = Omitted::default();
    // Prose out of view is not listed: the outline is a map (headings, controls, what is in
    // view); readText reads any section in full when the person wants it.
    let mut prose_elsewhere = 0;
    for p in 0..2u8 {
        let mut full = false;
        for (i, n) in nodes.iter().enumerate() {
            if !usable[i] {
                continue;
            }
            if p == 0 && priority(n) == 2 && line(n, true).is_some() {
                prose_elsewhere += 1;
            }
            if priority(n) != p {
                continue;
            }
            // Off-view landmarks alone say little; skip them.
            if p > 0 && n.is_landmark() && !n.is_interactive() {
                continue;
            }
            let Some(l) = line(n, p > 0 || (squeeze_view && n.is_text())) else {
                continue;
            };
            let cost = estimate_tokens(&l) + 1;
            if full || used + cost > budget {
                full = true;
                omitted.count(n);
                continue;
            }
            used += cost;
            lines[i] = Some(l);
        }
    }

    let mut out = head;
    // What the person sees first, then the rest; each in document order.
    for (in_view, title) in [
        (true, if whole_page_in_view { "All of the page is in view:" } else { "In view:" }),
        (false, "Elsewhere on the page (shortened):"),
    ] {
        let mut first = true;
        for (i, l) in lines.iter().enumerate() {
            let Some(l) = l else { continue };
            if nodes[i].in_view != in_view {
                continue;
            }
            if first {
                out.push_str(title);
                out.push('\n');
                first = false;
            }
            out.push_str(l);
            out.push('\n');
        }
    }
    if nodes.is_empty() {
        out.push_str("(The page shows no text or interactive elements.)\n");
    }
    // The walk stopped listing what is out of view where the budget ran out: the rest of the
    // page is neither listed nor counted.
    let walk_cut = page.more_from.is_some();
    if walk_cut {
        out.push_str("Not listed: text out of view (readText).\n");
    } else if prose_elsewhere > 0 {
        out.push_str(&format!(
            "Not listed: {prose_elsewhere} text block{} out of view (readText).\n",
            if prose_elsewhere == 1 { "" } else { "s" }
        ));
    }
    if omitted.total() > 0 || page.truncated || walk_cut {
        let mut what = if omitted.total() > 0 { omitted.describe() } else { String::new() };
        if walk_cut || page.truncated {
            what = if what.is_empty() {
                "the rest of the page".into()
            } else {
                format!("{what}, then the rest of the page")
            };
        }
        // Where reading on starts: the first element left out that has a ref, else where the
        // walk stopped listing.
        let next = (0..nodes.len())
            .find(|&i| usable[i] && lines[i].is_none() && !nodes[i].in_view && nodes[i].any_ref().is_some())
            .and_then(|i| nodes[i].any_ref())
            .or(page.more_from.as_deref().filter(|r| r.len() <= MAX_REF_LEN));
        let read_on = next
            .map(|r| format!("Call getPageHTML with from=\"{r}\" to read on in page order, or with"))
            .unwrap_or_else(|| "Call getPageHTML with".into());
        out.push_str(&format!(
            "Not shown to stay within {max_tokens} tokens: {what}. {read_on} a larger maxTokens (up to {}), or a ref or selector.\n",
            hark_protocol::tools::MAX_SNAPSHOT_TOKENS
        ));
    }
    out
}

/// The outline from the node with ref `from` on, in page order, within `max_tokens`: the pages
/// after the first answer of a page too big for one.
pub fn format_from(page: &RawPage, from: &str, max_tokens: u32) -> Result<String, String> {
    let nodes = &page.nodes;
    let start = match nodes.iter().position(|n| n.any_ref() == Some(from)) {
        Some(i) => i,
        // The walk began at `from` but did not list it (hidden since): what follows it is next.
        None if page.from_found => 0,
        None => return Err(format!("{from} is not on the page now (it changed or navigated); call getPageHTML again")),
    };
    let budget = max_tokens as usize;
    let mut out = format!("{} (continued from [{from}], in page order)\n", clip(&page.title, 120));
    let mut used = estimate_tokens(&out);
    let mut next = None;
    for (i, n) in nodes.iter().enumerate().skip(start) {
        if n.is_text() && repeats_neighbour(nodes, i) {
            continue;
        }
        let Some(l) = line(n, !n.in_view) else { continue };
        if used + estimate_tokens(&l) + 1 + 40 > budget {
            next = nodes[i..].iter().find_map(|n| n.any_ref());
            break;
        }
        used += estimate_tokens(&l) + 1;
        out.push_str(&l);
        out.push('\n');
    }
    // The walk stopped at its node limit before the budget ran out: read on from the last element
    // listed (its line comes once more).
    let next = next.or_else(|| {
        page.truncated.then(|| nodes[start..].iter().rev().find_map(|n| n.any_ref())).flatten().filter(|r| *r != from)
    });
    match next {
        Some(r) => out.push_str(&format!("More below: call getPageHTML with from=\"{r}\".\n")),
        None => out.push_str("(End of the page.)\n"),
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The hand-written reader knows every field by the name the executor (and `Serialize`) uses.
    #[test]
    fn every_field_reads_back_as_written() {
        let node = RawNode {
            element_ref: Some("e7".into()),
            role: "checkbox".into(),
            name: "Remember me".into(),
            level: Some(3),
            in_view: true,
            checked: Some(true),
            expanded: Some(false),
            selected: Some(true),
            disabled: true,
            value: Some("x".into()),
            sensitive: true,
            button: true,
            section_ref: Some("e8".into()),
        };
        let page = RawPage {
            url: "https://example.org/".into(),
            title: "Example".into(),
            viewport: Viewport { width: 1280.0, height: 900.0 },
            scroll_y: 120.5,
            scroll_height: 5000.0,
            nodes: vec![node, RawNode { role: "text".into(), name: "Hello".into(), ..RawNode::default() }],
            truncated: true,
            from_found: true,
            more_from: Some("e9".into()),
        };
        let text = serde_json::to_string(&page).unwrap();
        assert_eq!(RawPage::from_json(&text).unwrap(), page, "{text}");
    }

    pub fn node(role: &str, name: &str, r: Option<&str>, in_view: bool) -> RawNode {
        RawNode {
            role: role.into(),
            name: name.into(),
            element_ref: r.map(str::to_string),
            in_view,
            ..Default::default()
        }
    }

    fn page(nodes: Vec<RawNode>) -> RawPage {
        RawPage {
            url: "http://127.0.0.1/x.html".into(),
            title: "Dashboard".into(),
            viewport: Viewport { width: 1280.0, height: 720.0 },
            scroll_y: 0.0,
            scroll_height: 3000.0,
            nodes,
            ..Default::default()
        }
    }

    #[test]
    fn outline_shows_roles_refs_states_and_sections() {
        let mut pw = node("textbox", "Password", Some("e3"), true);
        pw.sensitive = true;
        pw.value = Some("hunter2".into()); // an executor bug must still not leak it
        let mut email = node("textbox", "Email", Some("e2"), true);
        email.value = Some("a@b.c".into());
        let mut cb = node("checkbox", "Remember me", Some("e4"), true);
        cb.checked = Some(true);
        let mut save = node("link", "Save", Some("e5"), true);
        save.button = true;
        let mut h = node("heading", "Welcome Back!", None, true);
        h.level = Some(1);
        let s = format(
            &page(vec![
                h,
                email,
                pw,
                cb,
                save,
                node("navigation", "", None, true),
                node("link", "Footer link", Some("e6"), false),
                node("text", "Footer words", None, false),
            ]),
            2000,
        );
        assert!(s.contains("# Welcome Back!\n"), "{s}");
        assert!(s.contains("[e2] textbox \"Email\" = \"a@b.c\""), "{s}");
        assert!(s.contains("[e3] textbox \"Password\" (value hidden)\n"), "{s}");
        assert!(!s.contains("hunter2"));
        assert!(s.contains("[e4] checkbox \"Remember me\" (checked)"), "{s}");
        assert!(s.contains("[e5] button-link \"Save\""), "{s}");
        assert!(s.contains("== navigation =="));
        let view = s.find("In view:").unwrap();
        let rest = s.find("Elsewhere on the page").unwrap();
        assert!(view < rest && s.find("Footer link").unwrap() > rest);
        // Prose out of view is left to readText, and the outline says so.
        assert!(!s.contains("Footer words") && s.contains("Not listed: 1 text block out of view"), "{s}");
    }

    #[test]
    fn budget_keeps_the_view_and_counts_the_rest() {
        let mut nodes = vec![node("button", "Top", Some("e1"), true)];
        for i in 0..2000 {
            nodes.push(node("link", &format!("Article link number {i}"), Some(&format!("e{}", i + 2)), false));
            nodes.push(node("text", &"long paragraph words ".repeat(20), None, false));
        }
        let s = format(&page(nodes), 500);
        assert!(estimate_tokens(&s) <= 500, "{} tokens", estimate_tokens(&s));
        assert!(s.contains("[e1] button \"Top\""));
        assert!(s.contains("Not shown to stay within 500 tokens"), "{s}");
        assert!(s.contains("links"));
        // Interactive elements elsewhere come before text elsewhere.
        assert!(s.contains("[e2] link"));
    }

    #[test]
    fn no_line_costs_less_than_the_walk_counts_for_it() {
        let budget = LineBudget::for_answer(1500);
        let words = [
            "a",
            "Go",
            "Settings",
            "über",
            "naïve",
            "東京都",
            "Привет",
            "2026",
            "e42",
            "x=1;",
            "…",
            "\"quoted\"",
            "a-b_c",
            "🙂",
        ];
        let mut seed = 7u64;
        let mut next = |n: usize| {
            seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            (seed >> 33) as usize % n
        };
        for i in 0..4000 {
            let len = if i % 10 == 0 { i % 3 } else { next(30) }; // short and empty names too
            let name: Vec<&str> = (0..len).map(|_| words[next(words.len())]).collect();
            let name = name.join(if i % 3 == 0 { "" } else { " " });
            let role = ["link", "button", "heading", "checkbox", "textbox", "text", "navigation"][next(7)];
            let r = (role != "text" && role != "navigation" && (role != "heading" || i % 2 == 0))
                .then(|| format!("e{}", next(100000)));
            let mut n = node(role, &name, r.as_deref(), i % 4 == 0);
            n.level = Some(1 + next(6) as u8);
            let at_least = budget.at_least(&n);
            let Some(l) = line(&n, !n.in_view) else {
                assert_eq!(at_least, 0, "{n:?}");
                continue;
            };
            let cost = estimate_tokens(&l) as u32 + 1;
            assert!(at_least <= cost, "{l:?} costs {cost}, counted {at_least}");
            if n.is_text() || n.is_landmark() && !n.is_interactive() {
                assert_eq!(at_least, 0, "{l:?}");
            }
        }
    }

    #[test]
    fn a_walk_that_stops_where_its_lines_fill_the_answer_shows_the_same_lines() {
        // The walk's side of LineBudget: once what it listed costs more than the answer holds, it
        // lists only what is in view. The answer shows the same lines as from the whole page.
        let words = ["Home", "Read the full story about", "2026", "Settings", "東京", "a", "Next page »"];
        let mut seed = 11u64;
        let mut next = |n: usize| {
            seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            (seed >> 33) as usize % n
        };
        let shown = |s: &str| s.lines().take_while(|l| !l.starts_with("Not ")).map(str::to_string).collect::<Vec<_>>();
        for round in 0..200 {
            let max_tokens = [300, 800, 1500][round % 3];
            let nodes: Vec<RawNode> = (0..next(400))
                .map(|i| {
                    let name: Vec<&str> = (0..1 + next(8)).map(|_| words[next(words.len())]).collect();
                    let role = ["link", "button", "heading", "text", "text", "navigation"][next(6)];
                    let r = (role != "text" && role != "navigation").then(|| format!("e{i}"));
                    let mut n = node(role, &name.join(" "), r.as_deref(), i < 30 && next(2) == 0);
                    n.level = Some(2);
                    if role == "heading" {
                        n.section_ref = Some(format!("e{i}"));
                        n.element_ref = None;
                    }
                    n
                })
                .collect();
            let budget = LineBudget::for_answer(max_tokens);
            let (mut spent, mut cut) = (0, None);
            let mut walked = Vec::new();
            for (i, n) in nodes.iter().enumerate() {
                if cut.is_none() && spent > budget.tokens {
                    cut = n.any_ref().map(str::to_string).or(Some(format!("e{i}")));
                }
                if cut.is_some() && !n.in_view {
                    continue;
                }
                spent += budget.at_least(n);
                walked.push(n.clone());
            }
            let whole = format(&page(nodes.clone()), max_tokens);
            let mut p = page(walked);
            p.more_from = cut;
            let answer = format(&p, max_tokens);
            assert_eq!(shown(&answer), shown(&whole), "round {round}");
            // A cut walk sends each run of text out of view as one empty text (page.js
            // dropTextOutOfView): the answer is the very same, closing lines included.
            if p.more_from.is_some() {
                p.nodes = without_text_out_of_view(&p.nodes);
                assert_eq!(format(&p, max_tokens), answer, "round {round}");
            }
        }
    }

    /// What page.js `dropTextOutOfView` sends in place of a cut walk's nodes.
    fn without_text_out_of_view(nodes: &[RawNode]) -> Vec<RawNode> {
        let mut out: Vec<RawNode> = Vec::new();
        for n in nodes {
            if n.is_text() && !n.in_view {
                if out.last().is_some_and(|l| l.is_text() && !l.in_view && l.name.is_empty()) {
                    continue;
                }
                out.push(node("text", "", None, false));
            } else {
                out.push(n.clone());
            }
        }
        out
    }

    #[test]
    fn text_out_of_view_of_a_cut_walk_stands_as_one_empty_text_per_run() {
        // In view, a text spelled out by the links after it is left out (they say it); text out of
        // view between them keeps it: dropping that text, not standing in for it, would change
        // what the answer shows.
        let mut p = page(vec![
            node("text", "Home News", None, true),
            node("text", "An article's first paragraph, out of view", None, false),
            node("text", "and its second", None, false),
            node("link", "Home", Some("e1"), true),
            node("link", "News", Some("e2"), true),
        ]);
        p.more_from = Some("e3".into());
        let answer = format(&p, 2000);
        assert!(answer.contains("Home News"), "{answer}");
        let listed = p.listed();
        p.nodes = without_text_out_of_view(&p.nodes);
        assert_eq!(p.nodes.len(), 4);
        assert_eq!(format(&p, 2000), answer);
        // The stand-in is not counted as read.
        assert_eq!((listed, p.listed()), (5, 3));
        p.nodes.remove(1);
        assert!(!format(&p, 2000).contains("Home News"));
    }

    #[test]
    fn a_walk_cut_at_the_budget_reads_on_where_it_stopped() {
        let mut p = page(vec![node("button", "Top", Some("e1"), true), node("link", "Below", Some("e2"), false)]);
        p.more_from = Some("e3".into());
        // Everything walked fits: reading on starts where the walk stopped listing.
        let s = format(&p, 2000);
        assert!(s.contains("[e2] link \"Below\""), "{s}");
        assert!(
            s.contains("Not shown to stay within 2000 tokens: the rest of the page. Call getPageHTML with from=\"e3\""),
            "{s}"
        );
        assert!(s.contains("Not listed: text out of view (readText)."), "{s}");
        // Something walked was left out: reading on starts there, before the part not walked.
        let mut nodes = vec![node("button", "Top", Some("e1"), true)];
        for i in 0..400 {
            nodes.push(node("link", &format!("Article link number {i}"), Some(&format!("e{}", i + 2)), false));
        }
        p.nodes = nodes;
        let s = format(&p, 500);
        assert!(s.contains("links, then the rest of the page. Call getPageHTML with from=\"e"), "{s}");
        assert!(!s.contains("from=\"e3\""), "{s}");
    }

    #[test]
    fn reading_on_from_a_walk_that_began_at_the_ref() {
        // The executor walked from e7 on, stopped at its node limit, and e7 itself is hidden now.
        let mut p =
            page(vec![node("link", "Next one", Some("e8"), false), node("link", "Last listed", Some("e9"), false)]);
        p.from_found = true;
        p.truncated = true;
        let s = format_from(&p, "e7", 2000).unwrap();
        assert!(s.contains("[e8] link \"Next one\"\n[e9] link \"Last listed\""), "{s}");
        assert!(s.contains("More below: call getPageHTML with from=\"e9\""), "{s}");
        // The whole rest fitted: the page ends here.
        p.truncated = false;
        assert!(format_from(&p, "e7", 2000).unwrap().contains("(End of the page.)"));
        // A ref the page no longer knows is an error, not a restart from the top.
        p.from_found = false;
        assert!(format_from(&p, "e7", 2000).unwrap_err().contains("e7 is not on the page now"));
    }

    #[test]
    fn a_page_that_fits_the_window_says_so_once() {
        let mut p = page(vec![node("button", "Go", Some("e1"), true)]);
        p.viewport = Viewport { width: 1280.0, height: 900.0 };
        p.scroll_height = 640.0;
        let s = format(&p, 2000);
        assert!(s.contains("All of the page is in view:\n[e1] button \"Go\""), "{s}");
        assert!(!s.contains("View ") && !s.contains("In view:"), "{s}");
        p.scroll_height = 2400.0;
        let s = format(&p, 2000);
        assert!(s.contains("View 0–900 of 2400px (38%).\nIn view:\n[e1]"), "{s}");
    }

    #[test]
    fn scroll_numbers_stay_page_sized() {
        // Found by fuzzing (fuzz/tests/core.rs): scrollY -1e308 printed 309 digits, over the budget.
        let mut p = page(vec![node("button", "Go", Some("e1"), true)]);
        p.scroll_y = -1e308;
        p.scroll_height = 1e300;
        let s = format(&p, 200);
        assert!(s.contains("View 0–720 of 1000000000px (0%)."), "{s}");
        assert!(estimate_tokens(&s) <= 200, "{s}");
        p.scroll_y = -40.0; // an elastic overscroll at the top
        p.scroll_height = 640.0;
        assert!(format(&p, 2000).contains("All of the page is in view:"));
    }

    #[test]
    fn text_that_repeats_its_link_is_dropped() {
        let s = format(&page(vec![node("text", "Home", None, true), node("link", "Home", Some("e1"), true)]), 2000);
        assert_eq!(s.matches("Home").count(), 1, "{s}");
    }

    #[test]
    fn a_menus_text_made_of_its_own_links_is_dropped_but_prose_around_links_stays() {
        let mut sub = node("heading", "Login Screens:", None, true);
        sub.level = Some(6);
        let s = format(
            &page(vec![
                node("text", "Pages Login Screens: Login Register", None, true),
                node("link", "Pages", Some("e1"), true),
                sub,
                node("link", "Login", Some("e2"), true),
                node("link", "Register", Some("e3"), true),
                node("text", "Read the Login guide first", None, true),
                node("link", "Login guide", Some("e4"), true),
            ]),
            2000,
        );
        assert!(!s.contains("Pages Login Screens"), "{s}");
        assert!(s.contains("[e1] link \"Pages\"\n###### Login Screens:\n[e2] link \"Login\""), "{s}");
        assert!(s.contains("Read the Login guide first"), "{s}");
    }
}
