//! One tool call from the model, from validated arguments to the text of its output. A call runs
//! as a short plan: at most two page commands (e.g. list the buttons, then style the one whose
//! label matches), each answered by the executor; every path ends in an output, never a hang.
//! A call on a label may list and match again, at most [`LABEL_TRIES`] times in all, when the
//! page re-rendered the matched element between the two commands ([`Plan::OnMatch`]).

use hark_protocol::color::CssColor;
use hark_protocol::tools::{ButtonSize, Key, NavigateTo, ReadWhat, ScrollDirection, Target, Theme, ToolCall};
use serde_json::json;

use crate::labels;
use crate::page::{PageAnswer, PageCommand, PageResult};
use crate::snapshot::{self, RawPage};

/// How many nodes the executor may return for one snapshot (bounds its work on huge pages).
pub const MAX_COLLECT_NODES: u32 = 6000;

/// How many times a call on a label lists the page and matches it. A page that renders its elements
/// anew from state (every few hundred ms, or on each timer) can replace the element between the
/// listing and the action; the executor then answers `stale` and does nothing, and a fresh
/// listing finds the new one. Three tries make a miss rare without looping with such a page.
pub const LABEL_TRIES: u8 = 3;

/// What the call waits for from the page.
#[derive(Debug, Clone, PartialEq)]
pub enum Plan {
    /// The outline; `from`: read on from this ref (page order).
    Snapshot {
        max_tokens: u32,
        from: Option<String>,
    },
    Html {
        max_tokens: u32,
    },
    // The `*ByLabel` plans list the page, then send a command on the element whose label matches
    // (see `OnMatch`). `tries`: listings so far, this one included.
    HtmlByLabel {
        label: String,
        max_tokens: u32,
        tries: u8,
    },
    StyleByLabel {
        label: String,
        style: ButtonStyle,
        tries: u8,
    },
    /// List the page's elements, then act on the one whose label matches.
    ActByLabel {
        label: String,
        act: Act,
        tries: u8,
    },
    /// List the page, then read the section of the heading (or the element) whose name matches.
    ReadByLabel {
        label: String,
        max_tokens: u32,
        tries: u8,
    },
    /// The command on the element a label matched: `then` reads its answer. When the page
    /// replaced that element meanwhile (the executor answers `stale`, having done nothing),
    /// `listing`, the `*ByLabel` plan that matched it, lists the page and matches again.
    OnMatch {
        then: Box<Plan>,
        listing: Box<Plan>,
    },
    Finish {
        what: Finish,
    },
}

impl Plan {
    /// The plan for a command the person said yes to: it runs once, as asked. A yes covers that
    /// action on that element; if the page replaced it meanwhile, the model hears so (and asks
    /// again), rather than Hark listing the page and acting on another element unasked.
    pub fn as_confirmed(self) -> Plan {
        match self {
            Plan::OnMatch { then, .. } => *then,
            other => other,
        }
    }

    /// A `*ByLabel` plan's first listing: only buttons to style one by its label, else all.
    fn listed(self) -> Next {
        Next::Page(collect_all(matches!(self, Plan::StyleByLabel { .. })), self)
    }

    /// A `*ByLabel` plan listed once more, or None once it has had its LABEL_TRIES.
    fn listed_again(mut self) -> Option<Next> {
        let tries = match &mut self {
            Plan::HtmlByLabel { tries, .. }
            | Plan::StyleByLabel { tries, .. }
            | Plan::ActByLabel { tries, .. }
            | Plan::ReadByLabel { tries, .. } => tries,
            _ => return None,
        };
        if *tries >= LABEL_TRIES {
            return None;
        }
        *tries += 1;
        Some(self.listed())
    }

    /// The command on the matched element, its answer read by `then`, this plan kept to list again.
    fn on_match(self, command: PageCommand, then: Plan) -> Next {
        Next::Page(command, Plan::OnMatch { then: Box::new(then), listing: Box::new(self) })
    }

    /// Plans that wait for a `collect`, whose result hands out refs.
    pub fn awaits_collect(&self) -> bool {
        matches!(
            self,
            Plan::Snapshot { .. }
                | Plan::HtmlByLabel { .. }
                | Plan::StyleByLabel { .. }
                | Plan::ActByLabel { .. }
                | Plan::ReadByLabel { .. }
        )
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Finish {
    Background(CssColor),
    Text(CssColor),
    Buttons(ButtonStyle),
    Undo,
    Reset,
    Act(Act),
    Navigate(NavigateTo),
    Zoom(u32),
    View { theme: Option<Theme>, text_spacing: bool, reduced_motion: bool },
    Labels { show: bool },
    Find { text: String },
    Read,
}

/// An action on one element, before its ref is known.
#[derive(Debug, Clone, PartialEq)]
pub enum Act {
    Click,
    TypeText { text: String, submit: bool },
    PressKey { key: Key },
    SelectOption { option: String },
    SetChecked { checked: bool },
    Scroll { direction: Option<ScrollDirection>, screens: f32 },
}

const FIELD_ROLES: &[&str] = &["textbox", "searchbox", "spinbutton", "combobox"];
const SELECT_ROLES: &[&str] = &["combobox", "listbox"];
const CHECK_ROLES: &[&str] = &["checkbox", "radio", "switch", "menuitemcheckbox", "menuitemradio"];

impl Act {
    fn command(&self, element_ref: Option<String>) -> PageCommand {
        let need = |r: Option<String>| r.unwrap_or_default();
        match self {
            Act::Click => PageCommand::Click { element_ref: need(element_ref), doc: None, confirmed: Vec::new() },
            Act::TypeText { text, submit } => PageCommand::TypeText {
                element_ref: need(element_ref),
                text: text.clone(),
                submit: *submit,
                doc: None,
                confirmed: Vec::new(),
            },
            Act::PressKey { key } => PageCommand::PressKey {
                key: key.name().into(),
                code: key.code().into(),
                element_ref,
                doc: None,
                confirmed: Vec::new(),
            },
            Act::SelectOption { option } => {
                PageCommand::SelectOption { element_ref: need(element_ref), option: option.clone(), doc: None }
            }
            Act::SetChecked { checked } => {
                PageCommand::SetChecked { element_ref: need(element_ref), checked: *checked, doc: None }
            }
            Act::Scroll { direction, screens } => PageCommand::Scroll {
                direction: direction.map(|d| d.name().to_string()),
                screens: *screens,
                element_ref,
                doc: None,
            },
        }
    }
    /// The roles a label may name for this action (`None`: any interactive element), and how to
    /// call them in an error.
    fn kinds(&self) -> (Option<&'static [&'static str]>, &'static str, &'static str) {
        match self {
            Act::TypeText { .. } => (Some(FIELD_ROLES), "text field", "text fields"),
            Act::SelectOption { .. } => (Some(SELECT_ROLES), "drop-down list", "drop-down lists"),
            Act::SetChecked { .. } => (Some(CHECK_ROLES), "checkbox or radio button", "checkboxes and radio buttons"),
            _ => (None, "element", "elements"),
        }
    }
    fn by(self, target: Option<Target>) -> Next {
        match target {
            Some(t @ (Target::Ref(_) | Target::Number(_))) => {
                Next::Page(self.command(t.element_ref()), Plan::Finish { what: Finish::Act(self) })
            }
            Some(Target::Label(label)) => Plan::ActByLabel { label, act: self, tries: 1 }.listed(),
            // Only key presses and page scrolls act without an element; Target::All never gets
            // here (the protocol refuses it).
            Some(Target::All) | None => Next::Page(self.command(None), Plan::Finish { what: Finish::Act(self) }),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct ButtonStyle {
    pub size: Option<ButtonSize>,
    pub color: Option<CssColor>,
    /// The person wants exactly this color (see [`ToolCall::ChangeButtonStyle`]).
    pub keep_exact: bool,
}

/// The call's output, plus a short line for the overlay's transcript.
#[derive(Debug, Clone, PartialEq)]
pub struct Output {
    pub text: String,
    pub ok: bool,
    pub summary: String,
}

impl Output {
    pub fn error(message: impl Into<String>) -> Output {
        let message = message.into();
        Output { text: json!({"ok": false, "error": message}).to_string(), ok: false, summary: message }
    }
    /// `done` whose `note` (the contrast pass's words for the model) stays out of the overlay's
    /// line, which says only how many text elements were recolored.
    fn noted(message: String, note: &str, extra: serde_json::Value) -> Output {
        let recolored = extra.pointer("/readable/recolored").and_then(serde_json::Value::as_u64).unwrap_or(0);
        let mut out = Output::done(message.clone() + note, extra);
        if recolored > 0 {
            out.summary = format!("{message} Recolored {recolored} text elements so they stay readable.");
        }
        out
    }
    fn done(message: String, extra: serde_json::Value) -> Output {
        let mut v = json!({"ok": true, "message": message});
        if let (Some(o), serde_json::Value::Object(e)) = (v.as_object_mut(), extra) {
            o.extend(e);
        }
        Output { text: v.to_string(), ok: true, summary: message }
    }
}

pub enum Next {
    Page(PageCommand, Plan),
    Done(Output),
}

/// White or near-black, whichever reads better on `bg` (WCAG relative luminance).
pub fn readable_text_on(bg: &CssColor) -> &'static str {
    let lin = |c: u8| {
        let c = c as f64 / 255.0;
        if c <= 0.03928 {
            c / 12.92
        } else {
            ((c + 0.055) / 1.055).powf(2.4)
        }
    };
    let [r, g, b, _] = bg.rgba;
    let l = 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
    // Contrast against white is 1.05/(l+0.05); against black (l+0.05)/0.05.
    if 1.05 / (l + 0.05) >= (l + 0.05) / 0.05 {
        "rgb(255, 255, 255)"
    } else {
        "rgb(17, 17, 17)"
    }
}

fn style_command(refs: Option<Vec<String>>, style: &ButtonStyle) -> PageCommand {
    let (font_px, scale) = match style.size {
        Some(ButtonSize::Px(px)) => (Some(px), None),
        Some(ButtonSize::Scale(s)) => (None, Some(s)),
        None => (None, None),
    };
    PageCommand::StyleButtons {
        refs,
        font_px,
        scale,
        color: style.color.as_ref().map(CssColor::css),
        text_color: style.color.as_ref().map(|c| readable_text_on(c).to_string()),
        doc: None,
        keep_exact: style.keep_exact,
    }
}

/// One walk over the whole page (`buttons_only`: just what a person calls buttons).
fn collect_all(buttons_only: bool) -> PageCommand {
    PageCommand::Collect { buttons_only, max_nodes: MAX_COLLECT_NODES, from: None, doc: None, line_budget: None }
}

/// The walk behind an outline, only as far as an answer of `max_tokens` can show. A first
/// outline walks the whole page for what is in view, and the rest in page order until the
/// budget is spent; reading on (`from`) walks from that element on (every listed node costs a
/// token or more).
fn outline_collect(max_tokens: u32, from: Option<&str>) -> PageCommand {
    match from {
        None => PageCommand::Collect {
            buttons_only: false,
            max_nodes: MAX_COLLECT_NODES,
            from: None,
            doc: None,
            line_budget: Some(snapshot::LineBudget::for_answer(max_tokens)),
        },
        Some(from) => PageCommand::Collect {
            buttons_only: false,
            max_nodes: max_tokens.min(MAX_COLLECT_NODES),
            from: Some(from.to_string()),
            doc: None,
            line_budget: None,
        },
    }
}

/// The page command of the model's plain `getPageHTML {}`. The session host hands it to each page
/// it serves, which walks it ahead in idle time and keeps the answer while the page stays as it was
/// (extension/content/page.js, `keptOutline`): it must be the very command that call sends.
pub fn first_outline() -> PageCommand {
    outline_collect(hark_protocol::tools::DEFAULT_SNAPSHOT_TOKENS, None)
}

/// The first step of a validated call.
pub fn start(call: ToolCall) -> Next {
    match call {
        ToolCall::GetPageHtml { target: None, selector: None, max_tokens, from } => {
            Next::Page(outline_collect(max_tokens, from.as_deref()), Plan::Snapshot { max_tokens, from })
        }
        ToolCall::GetPageHtml { target: Some(t @ (Target::Ref(_) | Target::Number(_))), max_tokens, .. } => Next::Page(
            PageCommand::Html { element_ref: t.element_ref(), selector: None, max_chars: max_tokens * 4, doc: None },
            Plan::Html { max_tokens },
        ),
        ToolCall::GetPageHtml { target: Some(Target::Label(label)), max_tokens, .. } => {
            Plan::HtmlByLabel { label, max_tokens, tries: 1 }.listed()
        }
        ToolCall::GetPageHtml { selector: Some(selector), max_tokens, .. } => Next::Page(
            PageCommand::Html { element_ref: None, selector: Some(selector), max_chars: max_tokens * 4, doc: None },
            Plan::Html { max_tokens },
        ),
        ToolCall::GetPageHtml { target: Some(Target::All), max_tokens, from, .. } => {
            Next::Page(outline_collect(max_tokens, from.as_deref()), Plan::Snapshot { max_tokens, from })
        }
        ToolCall::ChangeBackgroundColor { color, keep_exact } => Next::Page(
            PageCommand::SetPageBackground {
                color: color.css(),
                text_color: readable_text_on(&color).into(),
                keep_exact,
            },
            Plan::Finish { what: Finish::Background(color) },
        ),
        ToolCall::ChangeTextColor { color, keep_exact } => Next::Page(
            PageCommand::SetTextColor { color: color.css(), keep_exact },
            Plan::Finish { what: Finish::Text(color) },
        ),
        ToolCall::ChangeButtonStyle { target, size, color, keep_exact } => {
            let style = ButtonStyle { size, color, keep_exact };
            match target {
                Target::All => Next::Page(style_command(None, &style), Plan::Finish { what: Finish::Buttons(style) }),
                t @ (Target::Ref(_) | Target::Number(_)) => Next::Page(
                    style_command(t.element_ref().map(|r| vec![r]), &style),
                    Plan::Finish { what: Finish::Buttons(style) },
                ),
                Target::Label(label) => Plan::StyleByLabel { label, style, tries: 1 }.listed(),
            }
        }
        ToolCall::Click { target } => Act::Click.by(Some(target)),
        ToolCall::TypeText { target, text, submit } => Act::TypeText { text, submit }.by(Some(target)),
        ToolCall::PressKey { key, target } => Act::PressKey { key }.by(target),
        ToolCall::SelectOption { target, option } => Act::SelectOption { option }.by(Some(target)),
        ToolCall::SetChecked { target, checked } => Act::SetChecked { checked }.by(Some(target)),
        ToolCall::Scroll { direction, screens, target } => Act::Scroll { direction, screens }.by(target),
        ToolCall::Navigate { to } => {
            let command = match &to {
                NavigateTo::Back => {
                    PageCommand::Navigate { history: Some(-1), url: None, site_only: false, confirmed: Vec::new() }
                }
                NavigateTo::Forward => {
                    PageCommand::Navigate { history: Some(1), url: None, site_only: false, confirmed: Vec::new() }
                }
                NavigateTo::Reload => {
                    PageCommand::Navigate { history: Some(0), url: None, site_only: false, confirmed: Vec::new() }
                }
                NavigateTo::Url(u) => PageCommand::Navigate {
                    history: None,
                    url: Some(u.clone()),
                    site_only: crate::confirm::names_only_a_site(u),
                    confirmed: Vec::new(),
                },
            };
            Next::Page(command, Plan::Finish { what: Finish::Navigate(to) })
        }
        ToolCall::ChangePageView { theme, text_spacing, reduced_motion } => Next::Page(
            PageCommand::SetView { theme: theme.map(|t| t.as_str().to_owned()), text_spacing, reduced_motion },
            Plan::Finish { what: Finish::View { theme, text_spacing, reduced_motion } },
        ),
        ToolCall::ZoomText { percent } => Next::Page(
            PageCommand::ZoomText { scale: percent as f32 / 100.0 },
            Plan::Finish { what: Finish::Zoom(percent) },
        ),
        ToolCall::ShowLabels { show } => {
            Next::Page(PageCommand::ShowLabels { show }, Plan::Finish { what: Finish::Labels { show } })
        }
        ToolCall::FindText { text, occurrence } => Next::Page(
            PageCommand::FindText { text: text.clone(), occurrence },
            Plan::Finish { what: Finish::Find { text } },
        ),
        ToolCall::ReadText { what, max_tokens } => {
            let read = |element_ref: Option<String>, page: bool| {
                Next::Page(
                    PageCommand::ReadText { element_ref, page, max_chars: max_tokens * 4, doc: None },
                    Plan::Finish { what: Finish::Read },
                )
            };
            match what {
                ReadWhat::Selection => read(None, false),
                ReadWhat::Page | ReadWhat::Element(Target::All) => read(None, true),
                ReadWhat::Element(t @ (Target::Ref(_) | Target::Number(_))) => read(t.element_ref(), false),
                ReadWhat::Element(Target::Label(label)) => Plan::ReadByLabel { label, max_tokens, tries: 1 }.listed(),
            }
        }
        ToolCall::Undo => Next::Page(PageCommand::Undo, Plan::Finish { what: Finish::Undo }),
        ToolCall::ResetPage => Next::Page(PageCommand::Reset, Plan::Finish { what: Finish::Reset }),
    }
}

fn describe_style(style: &ButtonStyle) -> String {
    let mut how = Vec::new();
    match &style.size {
        Some(ButtonSize::Px(px)) => how.push(format!("{px}px text")),
        Some(ButtonSize::Scale(s)) => how.push(format!("{}% size", (s * 100.0).round())),
        None => {}
    }
    if let Some(c) = &style.color {
        how.push(format!("color {}", c.original));
    }
    how.join(" and ")
}

/// The next step once the page answered `result` (the executor's JSON).
pub fn on_result(plan: Plan, result: &str) -> Next {
    on_answer(plan, PageResult::read(result))
}

/// The next step once the page's answer is read (see [`PageResult::read`]).
pub fn on_answer(plan: Plan, answer: PageAnswer) -> Next {
    if let Plan::OnMatch { listing, .. } = &plan {
        if matches!(&answer, Ok((r, _)) if !r.ok && r.stale) {
            if let Some(next) = (**listing).clone().listed_again() {
                return next;
            }
        }
    }
    let (res, value) = match PageResult::succeeded(answer) {
        Ok(r) => r,
        Err(e) => return Next::Done(Output::error(e)),
    };
    let (page_undid, left) = (res.page_undid, res.left);
    with_cut_note(with_fight_note(on_parsed(plan, res, value), page_undid), left)
}

/// A style change on a very large page stops at its deadline (elements in view are done first)
/// rather than leave the call unanswered: the answer says how much was left.
fn with_cut_note(next: Next, left: Option<u32>) -> Next {
    match (next, left) {
        (Next::Done(mut out), Some(n)) if n > 0 && out.ok => {
            out.text.push_str(&format!(
                "\nNote: this page is very large; {n} more element{s} out of view {were} left unchanged to answer in time (the ones in view were changed first).",
                s = if n == 1 { "" } else { "s" },
                were = if n == 1 { "was" } else { "were" }
            ));
            Next::Done(out)
        }
        (next, _) => next,
    }
}

/// The page kept undoing an earlier change on `n` elements, so Hark stopped keeping it there
/// (it never loops with a page): the model and the person hear it with the next answer.
fn with_fight_note(next: Next, page_undid: Option<u32>) -> Next {
    match (next, page_undid) {
        (Next::Done(mut out), Some(n)) if n > 0 && out.ok => {
            out.text.push_str(&format!(
                "\nNote: this page kept undoing Hark's earlier style change on {n} element{s}, so Hark stopped keeping it there (the page restores its own styles).",
                s = if n == 1 { "" } else { "s" }
            ));
            Next::Done(out)
        }
        (next, _) => next,
    }
}

fn on_parsed(plan: Plan, res: PageResult, value: serde_json::Value) -> Next {
    match plan {
        Plan::Snapshot { max_tokens, from } => {
            let page = RawPage::from_tree(&value);
            let text = match from.as_deref() {
                None => snapshot::format(&page, max_tokens),
                Some(from) => match snapshot::format_from(&page, from, max_tokens) {
                    Ok(text) => text,
                    Err(e) => return Next::Done(Output::error(e)),
                },
            };
            let summary =
                format!("read the page ({} nodes, ~{} tokens)", page.listed(), snapshot::estimate_tokens(&text));
            Next::Done(Output { text, ok: true, summary })
        }
        Plan::Html { max_tokens } => {
            let html = res.html.unwrap_or_default();
            let total = res.total_chars.unwrap_or(html.len() as u32);
            let note = if res.truncated {
                format!(" (first {} of {total} chars; within {max_tokens} tokens)", html.chars().count())
            } else {
                String::new()
            };
            Next::Done(Output {
                text: format!("HTML{note}:\n{html}"),
                ok: true,
                summary: "read an element's HTML".into(),
            })
        }
        Plan::HtmlByLabel { ref label, max_tokens, .. } => {
            let page = RawPage::from_tree(&value);
            let interactive: Vec<_> = page.nodes.into_iter().filter(|n| n.element_ref.is_some()).collect();
            match labels::best_match(&interactive, label) {
                Ok(n) => {
                    let command = PageCommand::Html {
                        element_ref: n.element_ref.clone(),
                        selector: None,
                        max_chars: max_tokens * 4,
                        doc: None,
                    };
                    plan.on_match(command, Plan::Html { max_tokens })
                }
                Err(e) => Next::Done(Output::error(e.replace("button", "element"))),
            }
        }
        Plan::StyleByLabel { ref label, ref style, .. } => {
            let page = RawPage::from_tree(&value);
            match labels::best_match(&page.nodes, label) {
                Ok(n) => {
                    let refs = vec![n.element_ref.clone().unwrap_or_default()];
                    let (command, then) =
                        (style_command(Some(refs), style), Plan::Finish { what: Finish::Buttons(style.clone()) });
                    plan.on_match(command, then)
                }
                Err(e) => Next::Done(Output::error(e)),
            }
        }
        Plan::ActByLabel { ref label, ref act, .. } => {
            let page = RawPage::from_tree(&value);
            let (roles, noun, plural) = act.kinds();
            let candidates: Vec<_> = page
                .nodes
                .into_iter()
                .filter(|n| n.element_ref.is_some())
                .filter(|n| !matches!(roles, Some(r) if !r.contains(&n.role.as_str())))
                .collect();
            match labels::best_match_of(&candidates, label, noun, plural) {
                Ok(n) => {
                    let (command, then) =
                        (act.command(n.element_ref.clone()), Plan::Finish { what: Finish::Act(act.clone()) });
                    plan.on_match(command, then)
                }
                Err(e) => Next::Done(Output::error(e)),
            }
        }
        Plan::ReadByLabel { ref label, max_tokens, .. } => {
            let page = RawPage::from_tree(&value);
            // Headings (by their section ref) first: "read the Installation section".
            let candidates: Vec<_> = page
                .nodes
                .into_iter()
                .filter_map(|mut n| {
                    if n.section_ref.is_some() {
                        n.element_ref = n.section_ref.take();
                    }
                    n.element_ref.is_some().then_some(n)
                })
                .collect();
            match labels::best_match_of(&candidates, label, "section or element", "sections and elements") {
                Ok(n) => {
                    let command = PageCommand::ReadText {
                        element_ref: n.element_ref.clone(),
                        page: false,
                        max_chars: max_tokens * 4,
                        doc: None,
                    };
                    plan.on_match(command, Plan::Finish { what: Finish::Read })
                }
                Err(e) => Next::Done(Output::error(e)),
            }
        }
        Plan::OnMatch { then, .. } => on_parsed(*then, res, value),
        Plan::Finish { what } => Next::Done(finish(what, &res)),
    }
}

/// What the contrast pass did, as words for the model (it tells the person, and may offer their
/// exact colors) and as data; empty without a pass or when it found nothing to say.
fn readable_note(res: &PageResult) -> (String, serde_json::Value) {
    let Some(r) = &res.readable else { return (String::new(), serde_json::Value::Null) };
    let plural = |n: u32| if n == 1 { "" } else { "s" };
    let mut words = String::new();
    if r.adjusted > 0 {
        let example = r
            .examples
            .first()
            .map(|e| {
                format!(
                    " (e.g. {} \"{}\": {} → {}; its contrast was {}:1)",
                    e.tag,
                    e.text,
                    e.was,
                    e.now,
                    (e.ratio * 10.0).round() / 10.0
                )
            })
            .unwrap_or_default();
        words.push_str(&format!(
            " To keep it readable, recolored {} text element{} that had too little contrast with what is behind them{example}; each now has at least 4.5:1 (3:1 for large text). Tell the person; if they want their exact colors anyway, call again with keepExactColors: true.",
            r.adjusted,
            plural(r.adjusted),
        ));
    }
    if r.unknown > 0 {
        words.push_str(&format!(
            " {} text element{} over images or gradients could not be checked for contrast.",
            r.unknown,
            plural(r.unknown)
        ));
    }
    if !r.complete {
        words.push_str(" The page is large: not every text element was checked for contrast in time.");
    }
    (words, json!({"recolored": r.adjusted, "checked": r.checked, "unchecked": r.unknown}))
}

fn finish(what: Finish, res: &PageResult) -> Output {
    let changed = res.changed.unwrap_or(0);
    let (note, readable) = readable_note(res);
    match what {
        Finish::Background(c) => {
            let from = res
                .from
                .as_deref()
                .map(|f| format!(" (was {f})"))
                .unwrap_or_default();
            Output::noted(
                format!("Changed the page background to {}{from}.", c.original),
                &note,
                json!({"changed": changed, "color": c.css(), "readable": readable}),
            )
        }
        Finish::Text(c) if changed == 0 => {
            Output::error(format!("found no visible text to color {}", c.original))
        }
        Finish::Text(c) => Output::noted(
            format!("Changed the text color to {} on {changed} elements.", c.original),
            &note,
            json!({"changed": changed, "color": c.css(), "readable": readable}),
        ),
        Finish::Buttons(_) if changed == 0 => {
            Output::error("found no buttons to change on this page")
        }
        Finish::Buttons(style) => {
            let which = match res.labels.as_slice() {
                [one] if changed == 1 => format!("the \"{one}\" button"),
                _ => format!("{changed} buttons"),
            };
            Output::noted(
                format!("Gave {which} {}.", describe_style(&style)),
                &note,
                json!({"changed": changed, "buttons": res.labels, "readable": readable}),
            )
        }
        Finish::Act(act) => acted(act, res),
        Finish::Navigate(to) => {
            let message = match to {
                NavigateTo::Back => "Went back to the previous page.".to_string(),
                NavigateTo::Forward => "Went forward to the next page.".to_string(),
                NavigateTo::Reload => "Reloaded the page.".to_string(),
                NavigateTo::Url(u) => format!("Opening {}.", res.url.as_deref().unwrap_or(&u)),
            };
            Output::done(message, json!({"url": res.url}))
        }
        Finish::View { theme, text_spacing, reduced_motion } => {
            let mut parts = Vec::new();
            if let Some(t) = theme {
                parts.push(format!("a {} theme ({changed} elements restyled; images and video left as they are)", t.as_str().replace('-', " ")));
            }
            if text_spacing {
                let opened = match res.unclipped.unwrap_or(0) {
                    0 => String::new(),
                    1 => "; a box that would have cut the text off now shows all of it".to_owned(),
                    n => format!("; {n} boxes that would have cut the text off now show all of it"),
                };
                parts.push(format!("WCAG text spacing (line height 1.5, paragraphs 2×, letters 0.12em, words 0.16em{opened})"));
            }
            if reduced_motion {
                let (a, p) = (res.animations.unwrap_or(0), res.paused.unwrap_or(0));
                parts.push(format!(
                    "reduced motion ({a} animation{} stopped, {p} playing video{} or sound{} paused, transitions off)",
                    if a == 1 { "" } else { "s" },
                    if p == 1 { "" } else { "s" },
                    if p == 1 { "" } else { "s" },
                ));
            }
            Output::noted(
                format!("Gave the page {}. Undo or resetPage bring its own look back.", parts.join(", ")),
                &note,
                json!({"changed": changed, "readable": readable}),
            )
        }
        Finish::Zoom(p) if changed == 0 => Output::error(format!("found no text to zoom to {p}%")),
        Finish::Zoom(p) => Output::done(
            format!("Set the page's text to {p}% of its own size ({changed} elements); undo restores it."),
            json!({"changed": changed, "percent": p}),
        ),
        Finish::Labels { show: false } => Output::done("Removed the numbers from the page.".into(), json!({})),
        Finish::Labels { .. } if res.numbered.is_empty() => Output::error("found no interactive elements in view to number; scroll or call getPageHTML"),
        Finish::Labels { .. } => {
            // Compact: `1 button "Save", 2 link "Home", …` (refs are not needed: the numbers work).
            let list: Vec<String> = res
                .numbered
                .iter()
                .map(|n| format!("{} {} \"{}\"", n.n, n.role, n.name.chars().take(40).collect::<String>()))
                .collect();
            Output::done(
                format!(
                    "Showing numbers 1–{} on the elements in view. Pass a number as target (e.g. \"{}\").",
                    res.numbered.len(),
                    res.numbered.first().map(|n| n.n).unwrap_or(1)
                ),
                json!({ "labels": list.join(", ") }),
            )
        }
        Finish::Find { text } if text.is_empty() => Output::done("Removed the highlights.".into(), json!({})),
        Finish::Find { text } => match res.count.unwrap_or(0) {
            0 => Output::error(format!("\"{text}\" is not in the visible text of this page")),
            count => Output::done(
                format!(
                    "Found {count} match{} of \"{text}\"; highlighted {} and scrolled to match {}.",
                    if count == 1 { "" } else { "es" },
                    if count == 1 { "it" } else { "them" },
                    res.index.unwrap_or(1)
                ),
                json!({ "count": count, "matches": res.snippets }),
            ),
        },
        Finish::Read => match res.text.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
            None => Output::error(match res.source.as_deref() {
                Some("selection") => "nothing is selected on the page; ask the person to select text, or name a section (a heading) or say \"page\"",
                _ => "that part of the page has no text to read",
            }),
            Some(text) => {
                let cut = if res.truncated { " (cut to the size budget; ask for a smaller section to hear the rest)" } else { "" };
                Output {
                    text: json!({ "ok": true, "source": res.source, "text": text, "note": format!("Read this text to the person{cut}.") }).to_string(),
                    ok: true,
                    summary: format!("read {} characters aloud", text.chars().count()),
                }
            }
        },
        Finish::Undo => match &res.undone {
            Some(op) => Output::done(
                format!("Undid the last change ({op})."),
                json!({"remaining": res.remaining.unwrap_or(0)}),
            ),
            None => Output::error("there is nothing to undo on this page"),
        },
        Finish::Reset => Output::done(
            format!(
                "Restored the page: {} elements back as they were.",
                res.restored.unwrap_or(0)
            ),
            json!({"restored": res.restored.unwrap_or(0)}),
        ),
    }
}

/// `the "Login" link`, or `the link` when it has no name.
fn element_words(res: &PageResult) -> String {
    let role = match res.role.as_deref() {
        Some("textbox") | Some("searchbox") | Some("spinbutton") => "field",
        Some("combobox") | Some("listbox") => "list",
        Some("clickable") | None | Some("") => "element",
        Some(r) => r,
    };
    match res.label.as_deref().map(str::trim).filter(|l| !l.is_empty()) {
        Some(l) => format!("the \"{l}\" {role}"),
        None => format!("the {role}"),
    }
}

fn acted(act: Act, res: &PageResult) -> Output {
    let what = element_words(res);
    let nav = if res.navigating { " The page is loading another page; call getPageHTML for its refs." } else { "" };
    let message = match &act {
        Act::Click => format!("Clicked {what}.{nav}"),
        Act::TypeText { text, submit } => {
            let chars = text.chars().count();
            let sub = if *submit { " and pressed Enter" } else { "" };
            format!("Typed {chars} characters into {what}{sub}.{nav}")
        }
        Act::PressKey { key } => {
            let on = if res.label.is_some() || res.role.is_some() { format!(" on {what}") } else { String::new() };
            let effect = res.effect.as_deref().map(|e| format!(" ({e})")).unwrap_or_default();
            format!("Pressed {}{on}{effect}.{nav}", key.code())
        }
        Act::SelectOption { option } => {
            format!("Chose \"{}\" in {what}.", res.option.as_deref().unwrap_or(option))
        }
        Act::SetChecked { checked } => {
            let now = res.checked.unwrap_or(*checked);
            format!("{} {what}.", if now { "Checked" } else { "Unchecked" })
        }
        Act::Scroll { direction, .. } => {
            let pos = match (res.scroll_y, res.scroll_height) {
                (Some(y), Some(h)) if h > 0.0 => format!(" (now at {} of {} px)", y.round(), h.round()),
                _ => String::new(),
            };
            match direction {
                Some(d) => format!("Scrolled {}{pos}.", d.name()),
                None => format!("Scrolled {what} into view{pos}."),
            }
        }
    };
    Output::done(
        message,
        json!({"label": res.label, "role": res.role, "navigating": res.navigating, "scrollY": res.scroll_y}),
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_page_that_keeps_undoing_a_change_is_named_in_the_next_answer() {
        let done = |text: &str| Next::Done(Output { text: text.into(), ok: true, summary: String::new() });
        let Next::Done(out) = with_cut_note(done("Buttons changed."), Some(1200)) else { panic!("not done") };
        assert!(out.text.contains("1200 more elements out of view were left unchanged"), "{}", out.text);
        let Next::Done(out) = with_cut_note(done("Buttons changed."), Some(0)) else { panic!("not done") };
        assert!(!out.text.contains("Note"), "{}", out.text);
        let Next::Done(out) = with_fight_note(done("Text color changed."), Some(3)) else { panic!("not done") };
        assert!(
            out.text.starts_with("Text color changed.")
                && out.text.contains("kept undoing")
                && out.text.contains("3 elements")
        );
        let Next::Done(out) = with_fight_note(done("ok"), Some(1)) else { panic!("not done") };
        assert!(out.text.contains("on 1 element,"));
        let Next::Done(out) = with_fight_note(done("ok"), None) else { panic!("not done") };
        assert_eq!(out.text, "ok");
        // An error stays the JSON it is.
        let Next::Done(out) = with_fight_note(Next::Done(Output::error("no")), Some(2)) else { panic!("not done") };
        assert!(serde_json::from_str::<serde_json::Value>(&out.text).is_ok());
    }

    use super::*;

    fn run(name: &str, args: &str) -> Next {
        start(ToolCall::parse(name, args).unwrap())
    }

    #[test]
    fn outlines_walk_only_as_far_as_the_answer_can_show() {
        let Next::Page(cmd, _) = start(ToolCall::parse("getPageHTML", r#"{"from":"e40","maxTokens":900}"#).unwrap())
        else {
            panic!()
        };
        assert_eq!(
            cmd,
            PageCommand::Collect {
                buttons_only: false,
                max_nodes: 900,
                from: Some("e40".into()),
                doc: None,
                line_budget: None
            }
        );
        let Next::Page(cmd, _) = start(ToolCall::parse("getPageHTML", "{}").unwrap()) else { panic!() };
        assert_eq!(
            cmd,
            PageCommand::Collect {
                buttons_only: false,
                max_nodes: MAX_COLLECT_NODES,
                from: None,
                doc: None,
                line_budget: Some(snapshot::LineBudget::for_answer(hark_protocol::tools::DEFAULT_SNAPSHOT_TOKENS))
            }
        );
        // What the page walks ahead is what this call asks for, to the byte (the page's key).
        assert_eq!(serde_json::to_string(&cmd).unwrap(), serde_json::to_string(&first_outline()).unwrap());
    }

    #[test]
    fn background_and_text_send_canonical_colors() {
        let Next::Page(cmd, plan) = run("changeBackgroundColor", r#"{"color":"dark blue"}"#) else { panic!() };
        assert_eq!(
            cmd,
            PageCommand::SetPageBackground {
                color: "rgb(0, 0, 139)".into(),
                text_color: "rgb(255, 255, 255)".into(),
                keep_exact: false
            }
        );
        let Next::Done(out) = on_result(plan, r#"{"ok":true,"changed":3,"from":"rgb(248, 249, 252)"}"#) else {
            panic!()
        };
        assert!(out.ok && out.text.contains("dark blue") && out.text.contains("248"), "{}", out.text);
        let Next::Page(cmd, _) = run("changeTextColor", r##"{"color":"#fff"}"##) else { panic!() };
        assert_eq!(cmd, PageCommand::SetTextColor { color: "rgb(255, 255, 255)".into(), keep_exact: false });
        let Next::Page(cmd, _) = run("changeTextColor", r##"{"color":"#fff","keepExactColors":true}"##) else {
            panic!()
        };
        assert_eq!(
            serde_json::to_string(&cmd).unwrap(),
            r#"{"op":"setTextColor","color":"rgb(255, 255, 255)","keepExact":true}"#
        );
    }

    #[test]
    fn recolored_text_is_told_to_the_model_with_the_way_to_keep_exact_colors() {
        let Next::Page(_, plan) = run("changeBackgroundColor", r#"{"color":"navy"}"#) else { panic!() };
        let res = r#"{"ok":true,"changed":4,"from":"rgb(248, 249, 252)","readable":{"checked":120,"adjusted":14,
            "unknown":2,"complete":true,"examples":[{"tag":"h1","text":"Dashboard","was":"rgb(90, 92, 105)",
            "now":"rgb(160, 162, 190)","ground":"rgb(0, 0, 128)","ratio":2.07,"need":3}]}}"#;
        let Next::Done(out) = on_result(plan, res) else { panic!() };
        let v: serde_json::Value = serde_json::from_str(&out.text).unwrap();
        let message = v["message"].as_str().unwrap();
        for part in [
            "recolored 14 text elements",
            "h1 \"Dashboard\"",
            "2.1:1",
            "keepExactColors: true",
            "2 text elements over images",
        ] {
            assert!(message.contains(part), "{part:?} is not in {message}");
        }
        assert_eq!(v["readable"], serde_json::json!({"recolored": 14, "checked": 120, "unchecked": 2}));
        // The overlay's line is short: what was done, and how many were recolored.
        assert_eq!(out.summary, "Changed the page background to navy (was rgb(248, 249, 252)). Recolored 14 text elements so they stay readable.");
        // Nothing to say: the message is the plain one.
        let Next::Page(_, plan) = run("changeBackgroundColor", r#"{"color":"navy"}"#) else { panic!() };
        let res = r#"{"ok":true,"changed":4,"readable":{"checked":120,"adjusted":0,"unknown":0,"complete":true,"examples":[]}}"#;
        let Next::Done(out) = on_result(plan, res) else { panic!() };
        assert_eq!(out.summary, "Changed the page background to navy.");
    }

    #[test]
    fn button_by_label_lists_then_styles_the_match() {
        let Next::Page(cmd, plan) =
            run("changeButtonStyle", r#"{"target":"the Success button","color":"yellow","size":"large"}"#)
        else {
            panic!()
        };
        assert_eq!(cmd, collect_all(true));
        let list = r#"{"ok":true,"nodes":[{"ref":"e4","role":"button","name":"Primary","inView":true,"button":true},
            {"ref":"e5","role":"link","name":"Success","inView":true,"button":true}]}"#;
        let Next::Page(cmd, plan) = on_result(plan, list) else { panic!() };
        assert_eq!(
            cmd,
            PageCommand::StyleButtons {
                refs: Some(vec!["e5".into()]),
                font_px: Some(22.0),
                scale: None,
                color: Some("rgb(255, 255, 0)".into()),
                text_color: Some("rgb(17, 17, 17)".into()),
                doc: None,
                keep_exact: false
            }
        );
        let Next::Done(out) = on_result(plan, r#"{"ok":true,"changed":1,"labels":["Success"]}"#) else { panic!() };
        assert!(out.text.contains("the \\\"Success\\\" button"), "{}", out.text);
    }

    #[test]
    fn unknown_label_and_stale_refs_are_error_outputs() {
        let Next::Page(_, plan) = run("changeButtonStyle", r#"{"target":"Frobnicate","size":"small"}"#) else {
            panic!()
        };
        let Next::Done(out) =
            on_result(plan, r#"{"ok":true,"nodes":[{"ref":"e1","role":"button","name":"Save","button":true}]}"#)
        else {
            panic!()
        };
        assert!(!out.ok && out.text.contains("\\\"Save\\\""), "{}", out.text);
        let Next::Page(_, plan) = run("changeButtonStyle", r#"{"target":"e99","size":"small"}"#) else { panic!() };
        let Next::Done(out) = on_result(plan, r#"{"ok":false,"error":"ref e99 is stale: call getPageHTML again"}"#)
        else {
            panic!()
        };
        assert!(out.text.contains("stale"));
    }

    #[test]
    fn actions_by_ref_go_straight_to_the_page() {
        let Next::Page(cmd, plan) = run("click", r#"{"target":"e7"}"#) else { panic!() };
        assert_eq!(cmd, PageCommand::Click { element_ref: "e7".into(), doc: None, confirmed: vec![] });
        assert_eq!(serde_json::to_string(&cmd).unwrap(), r#"{"op":"click","ref":"e7"}"#);
        let Next::Done(out) = on_result(plan, r#"{"ok":true,"label":"Login","role":"link","navigating":true}"#) else {
            panic!()
        };
        assert!(
            out.ok && out.text.contains("Clicked the \\\"Login\\\" link") && out.text.contains("loading"),
            "{}",
            out.text
        );
        let Next::Page(cmd, _) = run("pressKey", r#"{"key":"space"}"#) else { panic!() };
        assert_eq!(serde_json::to_string(&cmd).unwrap(), r#"{"op":"pressKey","key":" ","code":"Space"}"#);
        let Next::Page(cmd, plan) = run("scroll", r#"{"direction":"down","screens":2}"#) else { panic!() };
        assert_eq!(serde_json::to_string(&cmd).unwrap(), r#"{"op":"scroll","direction":"down","screens":2.0}"#);
        let Next::Done(out) = on_result(plan, r#"{"ok":true,"scrollY":1400,"scrollHeight":5000}"#) else { panic!() };
        assert!(out.text.contains("Scrolled down"), "{}", out.text);
        let Next::Page(cmd, _) = run("navigate", r#"{"to":"back"}"#) else { panic!() };
        assert_eq!(serde_json::to_string(&cmd).unwrap(), r#"{"op":"navigate","history":-1}"#);
        let Next::Page(cmd, _) = run("navigate", r#"{"to":"example.org/x?q=1"}"#) else { panic!() };
        assert_eq!(serde_json::to_string(&cmd).unwrap(), r#"{"op":"navigate","url":"https://example.org/x?q=1"}"#);
        let Next::Page(cmd, plan) = run("zoomText", r#"{"percent":150}"#) else { panic!() };
        assert_eq!(cmd, PageCommand::ZoomText { scale: 1.5 });
        let Next::Done(out) = on_result(plan, r#"{"ok":true,"changed":0}"#) else { panic!() };
        assert!(!out.ok);
    }

    #[test]
    fn page_views_are_one_command_and_their_words_say_what_changed() {
        let Next::Page(cmd, plan) =
            run("changePageView", r#"{"theme":"dark mode","textSpacing":true,"reducedMotion":true}"#)
        else {
            panic!()
        };
        assert_eq!(
            serde_json::to_string(&cmd).unwrap(),
            r#"{"op":"setView","theme":"dark","textSpacing":true,"reducedMotion":true}"#
        );
        let res = r#"{"ok":true,"changed":812,"animations":3,"paused":1,"unclipped":2,
            "readable":{"checked":90,"adjusted":5,"unknown":0,"complete":true,"examples":[]}}"#;
        let Next::Done(out) = on_result(plan, res) else { panic!() };
        for part in [
            "a dark theme (812 elements",
            "WCAG text spacing",
            "2 boxes",
            "3 animations stopped, 1 playing video or sound paused",
            "recolored 5 text elements",
            "Undo or resetPage",
        ] {
            assert!(out.text.contains(part), "{part:?} is not in {}", out.text);
        }
        let Next::Page(cmd, _) = run("changePageView", r#"{"reducedMotion":true}"#) else { panic!() };
        assert_eq!(serde_json::to_string(&cmd).unwrap(), r#"{"op":"setView","reducedMotion":true}"#);
    }

    #[test]
    fn navigate_lets_the_page_open_only_a_bare_site_without_the_persons_yes() {
        for (to, site_only) in [
            ("github.com", true),
            ("https://www.example.org/", true),
            ("https://evil.example/ada@example.test", false),
            ("https://ada-example-test.evil.example/", false),
            ("https://evil.example/?email=ada", false),
            ("/account", false),
        ] {
            let Next::Page(cmd, _) = run("navigate", &serde_json::json!({ "to": to }).to_string()) else { panic!() };
            let v = serde_json::to_value(&cmd).unwrap();
            assert_eq!(v["siteOnly"].as_bool().unwrap_or(false), site_only, "{to}: {v}");
            assert!(v.get("confirmed").is_none(), "the model never sets confirmed: {v}");
        }
    }

    /// A page that renders its elements anew can replace the one a label matched before the
    /// command reaches it: the executor answers `stale` (nothing done) and the call lists the page
    /// again, at most LABEL_TRIES times; other failures and refs the model gave are not retried.
    #[test]
    fn a_call_on_a_label_lists_again_when_the_page_replaced_its_element() {
        let listing = |r: &str| format!(r#"{{"ok":true,"nodes":[{{"ref":"{r}","role":"button","name":"Save"}}]}}"#);
        let stale = r#"{"ok":false,"stale":true,"error":"ref e1 is stale: that element is no longer on the page."}"#;
        let Next::Page(_, mut plan) = run("click", r#"{"target":"Save"}"#) else { panic!() };
        for (i, r) in ["e1", "e2", "e3"].into_iter().enumerate() {
            let Next::Page(cmd, acting) = on_result(plan, &listing(r)) else { panic!("listing {i}") };
            assert_eq!(cmd, PageCommand::Click { element_ref: r.into(), doc: None, confirmed: vec![] });
            if i == 1 {
                // The second try's element was still there: the click's own answer is the output.
                let Next::Done(out) = on_result(acting.clone(), r#"{"ok":true,"label":"Save","role":"button"}"#) else {
                    panic!()
                };
                assert!(out.ok && out.text.contains("Save"), "{}", out.text);
            }
            match on_result(acting, stale) {
                Next::Page(cmd, again) if i + 1 < LABEL_TRIES as usize => {
                    assert!(matches!(cmd, PageCommand::Collect { .. }), "{cmd:?}");
                    plan = again;
                }
                Next::Done(out) => {
                    assert_eq!(i + 1, LABEL_TRIES as usize, "gave up after {} tries", i + 1);
                    assert!(!out.ok && out.text.contains("stale"), "{}", out.text);
                    break;
                }
                Next::Page(cmd, _) => panic!("try {i}: {cmd:?} after the last try"),
            }
        }
        // Not retried: a failure that is not a replaced element, and a ref the model gave.
        let Next::Page(_, plan) = run("click", r#"{"target":"Save"}"#) else { panic!() };
        let Next::Page(_, acting) = on_result(plan, &listing("e1")) else { panic!() };
        let Next::Done(out) = on_result(acting, r#"{"ok":false,"error":"that button is disabled"}"#) else { panic!() };
        assert!(!out.ok && out.text.contains("disabled"), "{}", out.text);
        let Next::Page(_, plan) = run("click", r#"{"target":"e1"}"#) else { panic!() };
        assert!(matches!(on_result(plan, stale), Next::Done(out) if !out.ok));
        // Every call on a label does so, each listing as it did the first time (only buttons to
        // style one), and the command on the new element's answer is read as before.
        let read_out = [
            (
                "changeButtonStyle",
                r#"{"target":"Save","size":"small"}"#,
                r#"{"ok":true,"changed":1,"labels":["Save"]}"#,
            ),
            ("getPageHTML", r#"{"ref":"Save"}"#, r#"{"ok":true,"html":"<button>Save</button>"}"#),
            ("readText", r#"{"target":"Save"}"#, r#"{"ok":true,"text":"Save"}"#),
        ];
        for (name, args, done) in read_out {
            let Next::Page(first, plan) = run(name, args) else { panic!("{name}") };
            let Next::Page(_, on_match) = on_result(plan, &listing("e1")) else { panic!("{name}") };
            let Next::Page(again, plan) = on_result(on_match, stale) else { panic!("{name} was not listed again") };
            assert_eq!(again, first, "{name}");
            let Next::Page(_, on_match) = on_result(plan, &listing("e2")) else { panic!("{name}") };
            let Next::Done(out) = on_result(on_match, done) else { panic!("{name}") };
            assert!(out.ok && out.text.contains("Save"), "{name}: {}", out.text);
        }
    }

    #[test]
    fn actions_by_label_pick_the_right_kind_of_element() {
        let page = r#"{"ok":true,"docId":"d1","nodes":[
            {"ref":"e1","role":"link","name":"Email us","inView":true},
            {"ref":"e2","role":"textbox","name":"Enter Email Address...","inView":true},
            {"ref":"e3","role":"textbox","name":"Password","sensitive":true,"inView":true},
            {"ref":"e4","role":"checkbox","name":"Remember Me","inView":true},
            {"ref":"e5","role":"link","name":"Login","button":true,"inView":true},
            {"ref":"e6","role":"link","name":"Login with Google","button":true,"inView":true},
            {"ref":"e7","role":"combobox","name":"Country","inView":true}]}"#;
        let cases: [(&str, &str, PageCommand); 4] = [
            (
                "typeText",
                r#"{"target":"the email field","text":"ada@example.test"}"#,
                PageCommand::TypeText {
                    element_ref: "e2".into(),
                    text: "ada@example.test".into(),
                    submit: false,
                    doc: None,
                    confirmed: vec![],
                },
            ),
            (
                "click",
                r#"{"target":"Login"}"#,
                PageCommand::Click { element_ref: "e5".into(), doc: None, confirmed: vec![] },
            ),
            (
                "setChecked",
                r#"{"target":"remember me","checked":true}"#,
                PageCommand::SetChecked { element_ref: "e4".into(), checked: true, doc: None },
            ),
            (
                "selectOption",
                r#"{"target":"country","option":"Norway"}"#,
                PageCommand::SelectOption { element_ref: "e7".into(), option: "Norway".into(), doc: None },
            ),
        ];
        for (name, args, want) in cases {
            let Next::Page(cmd, plan) = run(name, args) else { panic!() };
            assert!(matches!(cmd, PageCommand::Collect { buttons_only: false, .. }), "{name}");
            assert!(plan.awaits_collect());
            let Next::Page(cmd, _) = on_result(plan, page) else { panic!("{name}{args}") };
            assert_eq!(cmd, want, "{name}{args}");
        }
        // A label naming no element of the right kind lists what there is.
        let Next::Page(_, plan) = run("selectOption", r#"{"target":"Remember me","option":"x"}"#) else { panic!() };
        let Next::Done(out) = on_result(plan, page) else { panic!() };
        assert!(!out.ok && out.text.contains("drop-down list") && out.text.contains("Country"), "{}", out.text);
    }

    #[test]
    fn refused_actions_are_error_outputs() {
        let Next::Page(_, plan) = run("typeText", r#"{"target":"e3","text":"hunter2"}"#) else { panic!() };
        let Next::Done(out) =
            on_result(plan, r#"{"ok":false,"error":"typing into \"Password\" needs the person's confirmation"}"#)
        else {
            panic!()
        };
        assert!(!out.ok && out.text.contains("confirmation") && !out.text.contains("hunter2"), "{}", out.text);
    }

    #[test]
    fn readable_text_color() {
        assert_eq!(readable_text_on(&CssColor::parse("navy").unwrap()), "rgb(255, 255, 255)");
        assert_eq!(readable_text_on(&CssColor::parse("yellow").unwrap()), "rgb(17, 17, 17)");
    }

    #[test]
    fn html_by_ref_is_bounded_by_the_budget() {
        let Next::Page(cmd, _) = run("getPageHTML", r#"{"ref":"e3","maxTokens":300}"#) else { panic!() };
        assert_eq!(
            cmd,
            PageCommand::Html { element_ref: Some("e3".into()), selector: None, max_chars: 1200, doc: None }
        );
    }
}
