//! Page commands: what the core asks the tab's DOM executor (`extension/content/page.js`, `styles.js`, `actions.js`, `marks.js`) to
//! do, and the shape of its answers. Commands are small and explicit; the executor only performs
//! DOM primitives and all decisions (which color, which button, how to phrase it) stay here.
//!
//! Wire form: `{"op":"collect",...}`; every result is `{"ok":true,...}` or
//! `{"ok":false,"error":"..."}`.

use serde::Serialize;
use serde_json::Value;

use crate::confirm::Check;
use crate::tree::Fields;

/// The `op` of each command that only reads the page. The session host sends each command with
/// whether it is one (`rereadable`): a read runs again on a page that went away meanwhile, and the
/// page's executor keeps its outline across reads and drops it at any other command.
pub const READ_OPS: [&str; 3] = ["collect", "html", "readText"];

// Deserialize only in tests: the core never reads commands, and every derive costs wasm size.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(test, derive(serde::Deserialize))]
#[serde(tag = "op", rename_all = "camelCase")]
pub enum PageCommand {
    /// Walk the DOM once; answer a [`crate::snapshot::RawPage`]. `buttonsOnly` lists just what a
    /// person calls buttons (for label matching).
    #[serde(rename_all = "camelCase")]
    Collect {
        buttons_only: bool,
        max_nodes: u32,
        /// Reading on: list from the element with this ref on, in page order; what comes before
        /// it is not walked.
        #[serde(skip_serializing_if = "Option::is_none")]
        from: Option<String>,
        /// The document `from` came from (see [`PageCommand::StyleButtons::doc`]).
        #[serde(skip_serializing_if = "Option::is_none")]
        doc: Option<String>,
        /// A first outline: once the headings and controls the walk listed have lines that cost
        /// more than the answer can hold (see [`crate::snapshot::LineBudget`]), the rest of the
        /// page is searched only for what is in view, and the result names where reading on
        /// starts (`moreFrom`).
        #[serde(skip_serializing_if = "Option::is_none")]
        line_budget: Option<crate::snapshot::LineBudget>,
    },
    /// One element's outerHTML (sensitive values removed), at most `maxChars`.
    #[serde(rename_all = "camelCase")]
    Html {
        #[serde(rename = "ref", skip_serializing_if = "Option::is_none")]
        element_ref: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        selector: Option<String>,
        max_chars: u32,
        /// The document the ref came from (see [`PageCommand::StyleButtons::doc`]).
        #[serde(skip_serializing_if = "Option::is_none")]
        doc: Option<String>,
    },
    /// Paint the dominant visible page background (and html/body) with `color`; form fields that
    /// painted the same color get `textColor` so they stay readable.
    /// `keepExact`: leave text these colors make hard to read as it is (by default the page
    /// recolors it; see `content/readable.js` and [`Readable`]).
    #[serde(rename_all = "camelCase")]
    SetPageBackground {
        color: String,
        text_color: String,
        #[serde(skip_serializing_if = "is_false")]
        keep_exact: bool,
    },
    /// Color the page's visible text (body text, headings, links), not buttons or form fields.
    #[serde(rename_all = "camelCase")]
    SetTextColor {
        color: String,
        #[serde(skip_serializing_if = "is_false")]
        keep_exact: bool,
    },
    /// Restyle buttons: the ones in `refs`, or every button when `refs` is absent.
    #[serde(rename_all = "camelCase")]
    StyleButtons {
        #[serde(skip_serializing_if = "Option::is_none")]
        refs: Option<Vec<String>>,
        /// Absolute font size in px (padding scales with it).
        #[serde(skip_serializing_if = "Option::is_none")]
        font_px: Option<f32>,
        /// Font size relative to each button's current size.
        #[serde(skip_serializing_if = "Option::is_none")]
        scale: Option<f32>,
        #[serde(skip_serializing_if = "Option::is_none")]
        color: Option<String>,
        /// Readable text color for `color`, chosen here.
        #[serde(skip_serializing_if = "Option::is_none")]
        text_color: Option<String>,
        /// The `docId` of the `collect` that handed out `refs`: a page that navigated since
        /// answers "stale" instead of acting on whatever element now has that ref.
        #[serde(skip_serializing_if = "Option::is_none")]
        doc: Option<String>,
        #[serde(skip_serializing_if = "is_false")]
        keep_exact: bool,
    },
    /// Click one element (scrolled into view first), as a person would.
    Click {
        #[serde(rename = "ref")]
        element_ref: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        doc: Option<String>,
        /// The checks the person said yes to for this very command (only the core sets it, after
        /// their answer); the executor skips those and no other.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        confirmed: Vec<Check>,
    },
    /// Put `text` in a field (native value setter + input/change events); `submit` presses Enter.
    /// Password, card and one-time-code fields are typed into only when `confirmed` names
    /// [`Check::SensitiveField`], a form sent to another origin only when it names
    /// [`Check::CrossOriginForm`]; otherwise the executor answers `needsConfirmation` with the
    /// check's `kind` and the question for the person.
    TypeText {
        #[serde(rename = "ref")]
        element_ref: String,
        text: String,
        submit: bool,
        #[serde(skip_serializing_if = "Option::is_none")]
        doc: Option<String>,
        /// The checks the person said yes to for this very command (only the core sets it, after
        /// their answer); the executor skips those and no other.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        confirmed: Vec<Check>,
    },
    /// Press `key` (a `KeyboardEvent.key`) on an element or the focused one; the executor performs
    /// the key's usual effect (submit, focus move, scroll, activation) unless the page prevents it.
    PressKey {
        key: String,
        code: String,
        #[serde(rename = "ref", skip_serializing_if = "Option::is_none")]
        element_ref: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        doc: Option<String>,
        /// The checks the person said yes to for this very command (only the core sets it, after
        /// their answer); the executor skips those and no other.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        confirmed: Vec<Check>,
    },
    /// Choose the option of a `<select>` whose text (or value) is `option`.
    SelectOption {
        #[serde(rename = "ref")]
        element_ref: String,
        option: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        doc: Option<String>,
    },
    /// Check or uncheck a checkbox / switch, or pick a radio button.
    SetChecked {
        #[serde(rename = "ref")]
        element_ref: String,
        checked: bool,
        #[serde(skip_serializing_if = "Option::is_none")]
        doc: Option<String>,
    },
    /// Scroll the page (or the element `ref`) `up`/`down` by `screens`, or to `top`/`bottom`;
    /// with no direction, scroll the element into view.
    Scroll {
        #[serde(skip_serializing_if = "Option::is_none")]
        direction: Option<String>,
        screens: f32,
        #[serde(rename = "ref", skip_serializing_if = "Option::is_none")]
        element_ref: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        doc: Option<String>,
    },
    /// `history` -1 (back) / 1 (forward) / 0 (reload), or open `url` (resolved against the page's
    /// own URL). Another origin opens only when `siteOnly` (the core found that the address names
    /// nothing but a site: [`crate::confirm::names_only_a_site`]; the executor also checks that it
    /// resolved to just an origin) or when `confirmed` names [`Check::DataInUrl`].
    #[serde(rename_all = "camelCase")]
    Navigate {
        #[serde(skip_serializing_if = "Option::is_none")]
        history: Option<i32>,
        #[serde(skip_serializing_if = "Option::is_none")]
        url: Option<String>,
        #[serde(default, skip_serializing_if = "is_false")]
        site_only: bool,
        /// The checks the person said yes to for this very command (only the core sets it, after
        /// their answer); the executor skips those and no other.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        confirmed: Vec<Check>,
    },
    /// Scale the page's text to `scale` × its own size (journaled like every style change).
    ZoomText { scale: f32 },
    /// A theme (`dark`, `light`, `high-contrast`, `sepia`), WCAG text spacing and/or reduced
    /// motion, in one journal entry (one undo); text the theme leaves hard to read is recolored
    /// (`content/views.js`).
    #[serde(rename_all = "camelCase")]
    SetView {
        #[serde(skip_serializing_if = "Option::is_none")]
        theme: Option<String>,
        #[serde(skip_serializing_if = "is_false")]
        text_spacing: bool,
        #[serde(skip_serializing_if = "is_false")]
        reduced_motion: bool,
    },
    /// Draw (or remove) numbered labels on the interactive elements in view; `#12` then names
    /// the element labelled 12 wherever a ref is accepted.
    ShowLabels { show: bool },
    /// Highlight every visible match of `text` (empty: remove highlights) and scroll to the
    /// `occurrence`-th (1-based).
    FindText { text: String, occurrence: u32 },
    /// The visible text of the selection, of the page's main content, or of one element (a
    /// heading: its whole section); sensitive and private content left out; at most `maxChars`.
    #[serde(rename_all = "camelCase")]
    ReadText {
        #[serde(rename = "ref", skip_serializing_if = "Option::is_none")]
        element_ref: Option<String>,
        #[serde(default, skip_serializing_if = "is_false")]
        page: bool,
        max_chars: u32,
        #[serde(skip_serializing_if = "Option::is_none")]
        doc: Option<String>,
    },
    /// Revert the last change (restores the inline style attributes it touched).
    Undo,
    /// Revert every change: inline style attributes become exactly what they were.
    Reset,
}

/// What the model hears when the document went away while a command ran in it (`gone` results:
/// the content script on pagehide, the relay, a session host whose port to the page closed).
pub const PAGE_GONE: &str =
    "the page went away while Hark was acting on it (it navigated or closed); call getPageHTML to see the new page";

/// The parts of every result the core reads. Fields a command does not produce stay default.
#[derive(Debug, Clone, Default)]
pub struct PageResult {
    pub ok: bool,
    pub error: Option<String>,
    /// Elements changed by a style command.
    pub changed: Option<u32>,
    /// For `setPageBackground`: the color that was replaced, as the browser computed it.
    pub from: Option<String>,
    /// For color changes: the contrast pass that keeps text readable.
    pub readable: Option<Readable>,
    /// For `setView`: CSS animations stopped, media paused, clipped boxes opened for spaced text.
    pub animations: Option<u32>,
    pub paused: Option<u32>,
    pub unclipped: Option<u32>,
    /// For `styleButtons`: labels of the buttons changed (first few).
    pub labels: Vec<String>,
    /// For `undo`: the op undone (absent when nothing was left to undo).
    pub undone: Option<String>,
    /// For `undo`/`reset`: changes still recorded afterwards / elements restored.
    pub remaining: Option<u32>,
    pub restored: Option<u32>,
    /// For `html`.
    pub html: Option<String>,
    pub truncated: bool,
    pub total_chars: Option<u32>,
    /// For actions: the element's accessible name and role.
    pub label: Option<String>,
    pub role: Option<String>,
    /// For `selectOption`: the option chosen; for `setChecked`: the state now.
    pub option: Option<String>,
    pub checked: Option<bool>,
    /// For `click`/`pressKey`/`typeText`: the page started loading another document.
    pub navigating: bool,
    /// The document went away before the command finished: it may or may not have run.
    pub gone: bool,
    /// The ref named an element the page has since removed or replaced; nothing was done.
    pub stale: bool,
    /// For `scroll`: where the page (or element) is now.
    pub scroll_y: Option<f64>,
    pub scroll_height: Option<f64>,
    /// For `navigate`: the URL opened.
    pub url: Option<String>,
    /// For `pressKey`: what the key did besides the key events (e.g. "submitted the form").
    pub effect: Option<String>,
    /// For `showLabels`: the numbers shown, in order.
    pub numbered: Vec<Numbered>,
    /// For `findText`: how many matches, which one is in view, and a few snippets.
    pub count: Option<u32>,
    pub index: Option<u32>,
    pub snippets: Vec<String>,
    /// For `readText`: the text, and what it is (`selection`, `section`, `element`, `page`).
    pub text: Option<String>,
    pub source: Option<String>,
    /// The command was not run: it needs the person's yes to `question`, for the check `kind`
    /// (see [`crate::confirm`]).
    pub needs_confirmation: bool,
    pub question: Option<String>,
    pub kind: Option<Check>,
    /// Any command: since the last answer, the page undid Hark's kept styles on this many
    /// elements again and again, and Hark stopped keeping them (see `content/styles.js`).
    pub page_undid: Option<u32>,
    /// For style commands cut short by their deadline on a huge page: elements left unchanged.
    pub left: Option<u32>,
    /// The document the result describes (every executor result names it).
    pub doc_id: Option<String>,
}

/// What the contrast pass after a color change did (`content/readable.js`): text elements
/// checked, recolored (their contrast was under 4.5:1, 3:1 for large text), and left unchecked
/// because an image or gradient is behind them.
#[derive(Debug, Clone, Default)]
pub struct Readable {
    pub checked: u32,
    pub adjusted: u32,
    pub unknown: u32,
    /// False when the pass ran out of time before it had read every text element.
    pub complete: bool,
    pub examples: Vec<ReadableFix>,
}

/// One recolored text element: what it says, its color before and after, the ground and the
/// contrast it had and needed.
#[derive(Debug, Clone, Default)]
pub struct ReadableFix {
    pub tag: String,
    pub text: String,
    pub was: String,
    pub now: String,
    pub ratio: f64,
    pub need: f64,
}

/// One label `showLabels` drew.
#[derive(Debug, Clone, Default)]
pub struct Numbered {
    pub n: u32,
    pub element_ref: String,
    pub role: String,
    pub name: String,
}

fn is_false(b: &bool) -> bool {
    !*b
}

impl PageCommand {
    /// The checks the person said yes to for this command.
    pub fn confirmations(&self) -> &[Check] {
        match self {
            PageCommand::Click { confirmed, .. }
            | PageCommand::TypeText { confirmed, .. }
            | PageCommand::PressKey { confirmed, .. }
            | PageCommand::Navigate { confirmed, .. } => confirmed,
            _ => &[],
        }
    }

    /// The same command with the person's yes to `check` too.
    pub fn confirmed(mut self, check: Check) -> PageCommand {
        match &mut self {
            PageCommand::Click { confirmed, .. }
            | PageCommand::TypeText { confirmed, .. }
            | PageCommand::PressKey { confirmed, .. }
            | PageCommand::Navigate { confirmed, .. }
                if !confirmed.contains(&check) =>
            {
                confirmed.push(check);
                confirmed.sort();
            }
            _ => {}
        }
        self
    }

    /// The same command with no yes at all: what the model asked for.
    pub fn unconfirmed(mut self) -> PageCommand {
        match &mut self {
            PageCommand::Click { confirmed, .. }
            | PageCommand::TypeText { confirmed, .. }
            | PageCommand::PressKey { confirmed, .. }
            | PageCommand::Navigate { confirmed, .. } => confirmed.clear(),
            _ => {}
        }
        self
    }

    /// Commands that only read the page (they change nothing in it, not even what it shows): their
    /// `op` is one of [`READ_OPS`].
    pub fn only_reads(&self) -> bool {
        // An internally tagged enum writes its tag first: `{"op":"collect",…`.
        let json = serde_json::to_string(self).unwrap_or_default();
        let op = json.strip_prefix(r#"{"op":""#).and_then(|rest| rest.split('"').next());
        op.is_some_and(|op| READ_OPS.contains(&op))
    }

    /// Commands that act on refs carry the document the refs came from.
    pub fn set_ref_doc(&mut self, doc_id: Option<&str>) {
        match self {
            PageCommand::StyleButtons { refs: Some(_), doc, .. }
            | PageCommand::Collect { from: Some(_), doc, .. }
            | PageCommand::Html { element_ref: Some(_), doc, .. }
            | PageCommand::Click { doc, .. }
            | PageCommand::TypeText { doc, .. }
            | PageCommand::PressKey { element_ref: Some(_), doc, .. }
            | PageCommand::SelectOption { doc, .. }
            | PageCommand::SetChecked { doc, .. }
            | PageCommand::Scroll { element_ref: Some(_), doc, .. }
            | PageCommand::ReadText { element_ref: Some(_), doc, .. } => {
                *doc = doc_id.map(str::to_string);
            }
            _ => {}
        }
    }
}

/// What a held command waits for: the person's yes to `question`, for `kind`.
#[derive(Debug, Clone, PartialEq)]
pub struct Held {
    pub reason: String,
    pub question: String,
    pub kind: Check,
}

/// For a result that says the command waits for the person's yes: why, the question, the check.
/// A result without a known check (or a question) is not held: it is a failure like any other.
pub fn confirmation_request(answer: &PageAnswer) -> Option<Held> {
    let r = answer.as_ref().ok()?.0.clone();
    if !r.needs_confirmation {
        return None;
    }
    let question = r.question.filter(|q| !q.trim().is_empty())?;
    Some(Held { reason: r.error.unwrap_or_default(), question, kind: r.kind? })
}

/// Commands the executor may hold for the person's yes.
pub fn may_need_confirmation(command: &PageCommand) -> bool {
    matches!(
        command,
        PageCommand::Click { .. }
            | PageCommand::TypeText { .. }
            | PageCommand::PressKey { .. }
            | PageCommand::Navigate { .. }
    )
}

/// The executor's answer, read once: its fields and the whole JSON document (plans that read a
/// `collect`'s elements take them from the document). The core reads JSON one way, text to tree
/// to type: a second, text-to-type path for the same types doubled serde's code in the WASM.
pub type PageAnswer = Result<(PageResult, Value), String>;

impl PageResult {
    /// JSON that is unreadable, or not an object of the expected shape, becomes an error message;
    /// a failed result stays a result (it may ask for the person's yes).
    pub fn read(text: &str) -> PageAnswer {
        let value: Value =
            serde_json::from_str(text).map_err(|e| format!("the page answered something unreadable ({e})"))?;
        let fields = Fields::of(&value);
        if !fields.is_object() {
            return Err("the page answered something that is not an object".into());
        }
        Ok((PageResult::from_fields(fields), value))
    }

    fn from_fields(f: Fields) -> PageResult {
        let readable = f.object("readable");
        PageResult {
            ok: f.flag("ok"),
            error: f.text("error"),
            changed: f.count("changed"),
            from: f.text("from"),
            readable: readable.is_object().then(|| Readable {
                checked: readable.count("checked").unwrap_or(0),
                adjusted: readable.count("adjusted").unwrap_or(0),
                unknown: readable.count("unknown").unwrap_or(0),
                complete: readable.flag("complete"),
                examples: readable
                    .list("examples")
                    .map(Fields::of)
                    .map(|e| ReadableFix {
                        tag: e.text_or_empty("tag"),
                        text: e.text_or_empty("text"),
                        was: e.text_or_empty("was"),
                        now: e.text_or_empty("now"),
                        ratio: e.number("ratio").unwrap_or(0.0),
                        need: e.number("need").unwrap_or(0.0),
                    })
                    .collect(),
            }),
            animations: f.count("animations"),
            paused: f.count("paused"),
            unclipped: f.count("unclipped"),
            labels: f.texts("labels"),
            undone: f.text("undone"),
            remaining: f.count("remaining"),
            restored: f.count("restored"),
            html: f.text("html"),
            truncated: f.flag("truncated"),
            total_chars: f.count("totalChars"),
            label: f.text("label"),
            role: f.text("role"),
            option: f.text("option"),
            checked: f.boolean("checked"),
            navigating: f.flag("navigating"),
            gone: f.flag("gone"),
            stale: f.flag("stale"),
            scroll_y: f.number("scrollY"),
            scroll_height: f.number("scrollHeight"),
            url: f.text("url"),
            effect: f.text("effect"),
            numbered: f
                .list("numbered")
                .map(Fields::of)
                .map(|n| Numbered {
                    n: n.count("n").unwrap_or(0),
                    element_ref: n.text_or_empty("ref"),
                    role: n.text_or_empty("role"),
                    name: n.text_or_empty("name"),
                })
                .collect(),
            count: f.count("count"),
            index: f.count("index"),
            snippets: f.texts("snippets"),
            text: f.text("text"),
            source: f.text("source"),
            needs_confirmation: f.flag("needsConfirmation"),
            question: f.text("question"),
            kind: f.text("kind").and_then(|k| Check::named(&k)),
            page_undid: f.count("pageUndid"),
            left: f.count("left"),
            doc_id: f.text("docId"),
        }
    }

    /// A result that is not valid JSON, or says it failed, becomes an error message.
    pub fn parse(text: &str) -> PageAnswer {
        PageResult::succeeded(PageResult::read(text))
    }

    /// A failed result becomes its message.
    pub fn succeeded(answer: PageAnswer) -> PageAnswer {
        let (result, value) = answer?;
        if !result.ok && result.gone {
            return Err(PAGE_GONE.into());
        }
        if !result.ok {
            // A failure without words (absent, empty or blank) still tells the model something.
            return Err(result
                .error
                .clone()
                .filter(|e| !e.trim().is_empty())
                .unwrap_or_else(|| "the page could not do it".into()));
        }
        Ok((result, value))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_that_went_away_is_said_in_one_set_of_words() {
        let err = PageResult::parse(r#"{"ok":false,"gone":true}"#).unwrap_err();
        assert_eq!(err, PAGE_GONE);
        assert!(err.contains("getPageHTML"));
    }

    #[test]
    fn commands_have_the_documented_wire_form() {
        let c = PageCommand::StyleButtons {
            refs: Some(vec!["e3".into()]),
            font_px: Some(22.0),
            scale: None,
            color: None,
            text_color: None,
            doc: None,
            keep_exact: false,
        };
        assert_eq!(serde_json::to_string(&c).unwrap(), r#"{"op":"styleButtons","refs":["e3"],"fontPx":22.0}"#);
        let c = PageCommand::Html { element_ref: Some("e1".into()), selector: None, max_chars: 800, doc: None };
        assert_eq!(serde_json::to_string(&c).unwrap(), r#"{"op":"html","ref":"e1","maxChars":800}"#);
        assert_eq!(serde_json::to_string(&PageCommand::Undo).unwrap(), r#"{"op":"undo"}"#);
        let c: PageCommand = serde_json::from_str(r#"{"op":"collect","buttonsOnly":false,"maxNodes":5}"#).unwrap();
        assert_eq!(
            c,
            PageCommand::Collect { buttons_only: false, max_nodes: 5, from: None, doc: None, line_budget: None }
        );
    }

    #[test]
    fn the_commands_that_only_read_are_the_read_ops() {
        for json in [
            r#"{"op":"collect","buttonsOnly":false,"maxNodes":5}"#,
            r#"{"op":"html","maxChars":800}"#,
            r#"{"op":"readText","maxChars":900}"#,
        ] {
            let c: PageCommand = serde_json::from_str(json).unwrap();
            assert!(c.only_reads(), "{json}");
        }
        for c in [PageCommand::Undo, PageCommand::Click { element_ref: "e1".into(), doc: None, confirmed: vec![] }] {
            assert!(!c.only_reads(), "{c:?}");
        }
    }

    #[test]
    fn a_yes_names_the_checks_it_covers_and_a_held_result_names_its_check() {
        let c = PageCommand::TypeText {
            element_ref: "e3".into(),
            text: "x".into(),
            submit: true,
            doc: None,
            confirmed: vec![],
        }
        .confirmed(Check::CrossOriginForm)
        .confirmed(Check::SensitiveField)
        .confirmed(Check::CrossOriginForm);
        assert_eq!(
            serde_json::to_string(&c).unwrap(),
            r#"{"op":"typeText","ref":"e3","text":"x","submit":true,"confirmed":["sensitiveField","crossOriginForm"]}"#
        );
        assert_eq!(c.confirmations(), [Check::SensitiveField, Check::CrossOriginForm]);
        assert!(c.clone().unconfirmed().confirmations().is_empty());
        let held = confirmation_request(&PageResult::read(
            r#"{"ok":false,"needsConfirmation":true,"kind":"dataInUrl","question":"Allow: open?","error":"why"}"#,
        ));
        assert_eq!(held, Some(Held { reason: "why".into(), question: "Allow: open?".into(), kind: Check::DataInUrl }));
        // No check named, or one the core does not know: not something a yes can cover.
        assert_eq!(
            confirmation_request(&PageResult::read(
                r#"{"ok":false,"needsConfirmation":true,"question":"Allow: open?"}"#
            )),
            None
        );
        assert_eq!(
            confirmation_request(&PageResult::read(
                r#"{"ok":false,"needsConfirmation":true,"kind":"all","question":"Allow: open?"}"#
            )),
            None
        );
    }

    /// The hand-written reader knows every field by the name the executor writes it with.
    #[test]
    fn every_result_field_is_read_by_its_executor_name() {
        let text = r##"{"ok":true,"error":"e","changed":1,"from":"rgb(1, 2, 3)",
            "readable":{"checked":2,"adjusted":3,"unknown":4,"complete":true,
                "examples":[{"tag":"h1","text":"Title","was":"#555","now":"#eee","ratio":2.1,"need":4.5}]},
            "animations":5,"paused":6,"unclipped":7,"labels":["Save"],"undone":"changeTextColor",
            "remaining":8,"restored":9,"html":"<b>","truncated":true,"totalChars":10,"label":"Login",
            "role":"link","option":"Red","checked":false,"navigating":true,"gone":true,"stale":true,"scrollY":11.5,
            "scrollHeight":12,"url":"https://example.org/","effect":"submitted the form",
            "numbered":[{"n":1,"ref":"e3","role":"button","name":"Go"}],"count":13,"index":14,
            "snippets":["a"],"text":"t","source":"page","needsConfirmation":true,"question":"Allow?",
            "kind":"dataInUrl","pageUndid":15,"left":16,"docId":"d1"}"##;
        let (r, _) = PageResult::read(text).unwrap();
        let readable = r.readable.as_ref().unwrap();
        let fix = &readable.examples[0];
        let n = &r.numbered[0];
        assert_eq!(
            (r.ok, r.error.as_deref(), r.changed, r.from.as_deref()),
            (true, Some("e"), Some(1), Some("rgb(1, 2, 3)"))
        );
        assert_eq!((readable.checked, readable.adjusted, readable.unknown, readable.complete), (2, 3, 4, true));
        assert_eq!(
            (fix.tag.as_str(), fix.text.as_str(), fix.was.as_str(), fix.now.as_str(), fix.ratio, fix.need),
            ("h1", "Title", "#555", "#eee", 2.1, 4.5)
        );
        assert_eq!(
            (r.animations, r.paused, r.unclipped, r.labels.as_slice()),
            (Some(5), Some(6), Some(7), &["Save".to_string()][..])
        );
        assert_eq!((r.undone.as_deref(), r.remaining, r.restored), (Some("changeTextColor"), Some(8), Some(9)));
        assert_eq!((r.html.as_deref(), r.truncated, r.total_chars), (Some("<b>"), true, Some(10)));
        assert_eq!(
            (r.label.as_deref(), r.role.as_deref(), r.option.as_deref(), r.checked),
            (Some("Login"), Some("link"), Some("Red"), Some(false))
        );
        assert_eq!((r.navigating, r.gone, r.scroll_y, r.scroll_height), (true, true, Some(11.5), Some(12.0)));
        assert!(r.stale);
        assert_eq!((r.url.as_deref(), r.effect.as_deref()), (Some("https://example.org/"), Some("submitted the form")));
        assert_eq!((n.n, n.element_ref.as_str(), n.role.as_str(), n.name.as_str()), (1, "e3", "button", "Go"));
        assert_eq!((r.count, r.index, r.snippets.as_slice()), (Some(13), Some(14), &["a".to_string()][..]));
        assert_eq!((r.text.as_deref(), r.source.as_deref()), (Some("t"), Some("page")));
        assert_eq!(
            (r.needs_confirmation, r.question.as_deref(), r.kind),
            (true, Some("Allow?"), Some(Check::DataInUrl))
        );
        assert_eq!((r.page_undid, r.left, r.doc_id.as_deref()), (Some(15), Some(16), Some("d1")));
    }

    #[test]
    fn failed_and_garbled_results_become_messages() {
        assert_eq!(PageResult::parse(r#"{"ok":false,"error":"ref e9 is stale"}"#).unwrap_err(), "ref e9 is stale");
        assert!(PageResult::parse("nope").unwrap_err().contains("unreadable"));
        // Found by fuzzing (fuzz/tests/core.rs): an empty error became an empty output.
        assert_eq!(PageResult::parse(r#"{"ok":false,"error":" "}"#).unwrap_err(), "the page could not do it");
        let (r, _) = PageResult::parse(r#"{"ok":true,"changed":4,"labels":["Save"]}"#).unwrap();
        assert_eq!(r.changed, Some(4));
    }
}
