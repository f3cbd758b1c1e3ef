//! One tool call from the model, from validated arguments to the text of its output. A call runs
//! as a short plan: at most two page commands (e.g. list the buttons, then style the one whose
//! label matches), each answered by the executor; every path ends in an output, never a hang.

use hark_protocol::color::CssColor;
use hark_protocol::tools::{ButtonSize, Target, ToolCall};
use serde_json::json;

use crate::labels;
use crate::page::{PageCommand, PageResult};
use crate::snapshot::{self, RawPage};

/// How many nodes the executor may return for one snapshot (bounds its work on huge pages).
pub const MAX_COLLECT_NODES: u32 = 6000;

/// What the call waits for from the page.
#[derive(Debug, Clone, PartialEq)]
pub enum Plan {
    Snapshot { max_tokens: u32 },
    Html { max_tokens: u32 },
    HtmlByLabel { label: String, max_tokens: u32 },
    StyleByLabel { label: String, style: ButtonStyle },
    Finish { what: Finish },
}

impl Plan {
    /// Plans that wait for a `collect`, whose result hands out refs.
    pub fn awaits_collect(&self) -> bool {
        matches!(self, Plan::Snapshot { .. } | Plan::HtmlByLabel { .. } | Plan::StyleByLabel { .. })
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Finish {
    Background(CssColor),
    Text(CssColor),
    Buttons(ButtonStyle),
    Undo,
    Reset,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ButtonStyle {
    pub size: Option<ButtonSize>,
    pub color: Option<CssColor>,
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
        Output {
            text: json!({"ok": false, "error": message}).to_string(),
            ok: false,
            summary: message,
        }
    }
    fn done(message: String, extra: serde_json::Value) -> Output {
        let mut v = json!({"ok": true, "message": message});
        if let (Some(o), serde_json::Value::Object(e)) = (v.as_object_mut(), extra) {
            o.extend(e);
        }
        Output {
            text: v.to_string(),
            ok: true,
            summary: message,
        }
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
        text_color: style
            .color
            .as_ref()
            .map(|c| readable_text_on(c).to_string()),
        doc: None,
    }
}

/// The first step of a validated call.
pub fn start(call: ToolCall) -> Next {
    match call {
        ToolCall::GetPageHtml {
            target: None,
            selector: None,
            max_tokens,
        } => Next::Page(
            PageCommand::Collect {
                buttons_only: false,
                max_nodes: MAX_COLLECT_NODES,
            },
            Plan::Snapshot { max_tokens },
        ),
        ToolCall::GetPageHtml {
            target: Some(Target::Ref(r)),
            max_tokens,
            ..
        } => Next::Page(
            PageCommand::Html {
                element_ref: Some(r),
                selector: None,
                max_chars: max_tokens * 4,
                doc: None,
            },
            Plan::Html { max_tokens },
        ),
        ToolCall::GetPageHtml {
            target: Some(Target::Label(label)),
            max_tokens,
            ..
        } => Next::Page(
            PageCommand::Collect {
                buttons_only: false,
                max_nodes: MAX_COLLECT_NODES,
            },
            Plan::HtmlByLabel { label, max_tokens },
        ),
        ToolCall::GetPageHtml {
            selector: Some(selector),
            max_tokens,
            ..
        } => Next::Page(
            PageCommand::Html {
                element_ref: None,
                selector: Some(selector),
                max_chars: max_tokens * 4,
                doc: None,
            },
            Plan::Html { max_tokens },
        ),
        ToolCall::GetPageHtml {
            target: Some(Target::All),
            max_tokens,
            ..
        } => Next::Page(
            PageCommand::Collect {
                buttons_only: false,
                max_nodes: MAX_COLLECT_NODES,
            },
            Plan::Snapshot { max_tokens },
        ),
        ToolCall::ChangeBackgroundColor { color } => Next::Page(
            PageCommand::SetPageBackground {
                color: color.css(),
                text_color: readable_text_on(&color).into(),
            },
            Plan::Finish {
                what: Finish::Background(color),
            },
        ),
        ToolCall::ChangeTextColor { color } => Next::Page(
            PageCommand::SetTextColor { color: color.css() },
            Plan::Finish {
                what: Finish::Text(color),
            },
        ),
        ToolCall::ChangeButtonStyle {
            target,
            size,
            color,
        } => {
            let style = ButtonStyle { size, color };
            match target {
                Target::All => Next::Page(
                    style_command(None, &style),
                    Plan::Finish {
                        what: Finish::Buttons(style),
                    },
                ),
                Target::Ref(r) => Next::Page(
                    style_command(Some(vec![r]), &style),
                    Plan::Finish {
                        what: Finish::Buttons(style),
                    },
                ),
                Target::Label(label) => Next::Page(
                    PageCommand::Collect {
                        buttons_only: true,
                        max_nodes: MAX_COLLECT_NODES,
                    },
                    Plan::StyleByLabel { label, style },
                ),
            }
        }
        ToolCall::Undo => Next::Page(PageCommand::Undo, Plan::Finish { what: Finish::Undo }),
        ToolCall::ResetPage => Next::Page(
            PageCommand::Reset,
            Plan::Finish {
                what: Finish::Reset,
            },
        ),
    }
}

fn raw_page(value: serde_json::Value) -> Result<RawPage, String> {
    serde_json::from_value(value)
        .map_err(|e| format!("the page's element list is unreadable ({e})"))
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
    let (res, value) = match PageResult::parse(result) {
        Ok(r) => r,
        Err(e) => return Next::Done(Output::error(e)),
    };
    match plan {
        Plan::Snapshot { max_tokens } => match raw_page(value) {
            Ok(page) => {
                let text = snapshot::format(&page, max_tokens);
                let summary = format!(
                    "read the page ({} nodes, ~{} tokens)",
                    page.nodes.len(),
                    snapshot::estimate_tokens(&text)
                );
                Next::Done(Output {
                    text,
                    ok: true,
                    summary,
                })
            }
            Err(e) => Next::Done(Output::error(e)),
        },
        Plan::Html { max_tokens } => {
            let html = res.html.unwrap_or_default();
            let total = res.total_chars.unwrap_or(html.len() as u32);
            let note = if res.truncated {
                format!(
                    " (first {} of {total} chars; within {max_tokens} tokens)",
                    html.chars().count()
                )
            } else {
                String::new()
            };
            Next::Done(Output {
                text: format!("HTML{note}:\n{html}"),
                ok: true,
                summary: "read an element's HTML".into(),
            })
        }
        Plan::HtmlByLabel { label, max_tokens } => match raw_page(value) {
            Ok(page) => {
                let interactive: Vec<_> = page
                    .nodes
                    .into_iter()
                    .filter(|n| n.element_ref.is_some())
                    .collect();
                match labels::best_match(&interactive, &label) {
                    Ok(n) => Next::Page(
                        PageCommand::Html {
                            element_ref: n.element_ref.clone(),
                            selector: None,
                            max_chars: max_tokens * 4,
                            doc: None,
                        },
                        Plan::Html { max_tokens },
                    ),
                    Err(e) => Next::Done(Output::error(e.replace("button", "element"))),
                }
            }
            Err(e) => Next::Done(Output::error(e)),
        },
        Plan::StyleByLabel { label, style } => match raw_page(value) {
            Ok(page) => match labels::best_match(&page.nodes, &label) {
                Ok(n) => {
                    let refs = vec![n.element_ref.clone().unwrap_or_default()];
                    Next::Page(
                        style_command(Some(refs), &style),
                        Plan::Finish {
                            what: Finish::Buttons(style),
                        },
                    )
                }
                Err(e) => Next::Done(Output::error(e)),
            },
            Err(e) => Next::Done(Output::error(e)),
        },
        Plan::Finish { what } => Next::Done(finish(what, &res)),
    }
}

fn finish(what: Finish, res: &PageResult) -> Output {
    let changed = res.changed.unwrap_or(0);
    match what {
        Finish::Background(c) => {
            let from = res
                .from
                .as_deref()
                .map(|f| format!(" (was {f})"))
                .unwrap_or_default();
            Output::done(
                format!("Changed the page background to {}{from}.", c.original),
                json!({"changed": changed, "color": c.css()}),
            )
        }
        Finish::Text(c) if changed == 0 => {
            Output::error(format!("found no visible text to color {}", c.original))
        }
        Finish::Text(c) => Output::done(
            format!(
                "Changed the text color to {} on {changed} elements.",
                c.original
            ),
            json!({"changed": changed, "color": c.css()}),
        ),
        Finish::Buttons(_) if changed == 0 => {
            Output::error("found no buttons to change on this page")
        }
        Finish::Buttons(style) => {
            let which = match res.labels.as_slice() {
                [one] if changed == 1 => format!("the \"{one}\" button"),
                _ => format!("{changed} buttons"),
            };
            Output::done(
                format!("Gave {which} {}.", describe_style(&style)),
                json!({"changed": changed, "buttons": res.labels}),
            )
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn run(name: &str, args: &str) -> Next {
        start(ToolCall::parse(name, args).unwrap())
    }

    #[test]
    fn background_and_text_send_canonical_colors() {
        let Next::Page(cmd, plan) = run("changeBackgroundColor", r#"{"color":"dark blue"}"#) else {
            panic!()
        };
        assert_eq!(
            cmd,
            PageCommand::SetPageBackground {
                color: "rgb(0, 0, 139)".into(),
                text_color: "rgb(255, 255, 255)".into()
            }
        );
        let Next::Done(out) = on_result(
            plan,
            r#"{"ok":true,"changed":3,"from":"rgb(248, 249, 252)"}"#,
        ) else {
            panic!()
        };
        assert!(
            out.ok && out.text.contains("dark blue") && out.text.contains("248"),
            "{}",
            out.text
        );
        let Next::Page(cmd, _) = run("changeTextColor", r##"{"color":"#fff"}"##) else {
            panic!()
        };
        assert_eq!(
            cmd,
            PageCommand::SetTextColor {
                color: "rgb(255, 255, 255)".into()
            }
        );
    }

    #[test]
    fn button_by_label_lists_then_styles_the_match() {
        let Next::Page(cmd, plan) = run(
            "changeButtonStyle",
            r#"{"target":"the Success button","color":"yellow","size":"large"}"#,
        ) else {
            panic!()
        };
        assert_eq!(
            cmd,
            PageCommand::Collect {
                buttons_only: true,
                max_nodes: MAX_COLLECT_NODES
            }
        );
        let list = r#"{"ok":true,"nodes":[{"ref":"e4","role":"button","name":"Primary","inView":true,"button":true},
            {"ref":"e5","role":"link","name":"Success","inView":true,"button":true}]}"#;
        let Next::Page(cmd, plan) = on_result(plan, list) else {
            panic!()
        };
        assert_eq!(
            cmd,
            PageCommand::StyleButtons {
                refs: Some(vec!["e5".into()]),
                font_px: Some(22.0),
                scale: None,
                color: Some("rgb(255, 255, 0)".into()),
                text_color: Some("rgb(17, 17, 17)".into()),
                doc: None
            }
        );
        let Next::Done(out) = on_result(plan, r#"{"ok":true,"changed":1,"labels":["Success"]}"#)
        else {
            panic!()
        };
        assert!(
            out.text.contains("the \\\"Success\\\" button"),
            "{}",
            out.text
        );
    }

    #[test]
    fn unknown_label_and_stale_refs_are_error_outputs() {
        let Next::Page(_, plan) = run(
            "changeButtonStyle",
            r#"{"target":"Frobnicate","size":"small"}"#,
        ) else {
            panic!()
        };
        let Next::Done(out) = on_result(
            plan,
            r#"{"ok":true,"nodes":[{"ref":"e1","role":"button","name":"Save","button":true}]}"#,
        ) else {
            panic!()
        };
        assert!(!out.ok && out.text.contains("\\\"Save\\\""), "{}", out.text);
        let Next::Page(_, plan) = run("changeButtonStyle", r#"{"target":"e99","size":"small"}"#)
        else {
            panic!()
        };
        let Next::Done(out) = on_result(
            plan,
            r#"{"ok":false,"error":"ref e99 is stale: call getPageHTML again"}"#,
        ) else {
            panic!()
        };
        assert!(out.text.contains("stale"));
    }

    #[test]
    fn readable_text_color() {
        assert_eq!(
            readable_text_on(&CssColor::parse("navy").unwrap()),
            "rgb(255, 255, 255)"
        );
        assert_eq!(
            readable_text_on(&CssColor::parse("yellow").unwrap()),
            "rgb(17, 17, 17)"
        );
    }

    #[test]
    fn html_by_ref_is_bounded_by_the_budget() {
        let Next::Page(cmd, _) = run("getPageHTML", r#"{"ref":"e3","maxTokens":300}"#) else {
            panic!()
        };
        assert_eq!(
            cmd,
            PageCommand::Html {
                element_ref: Some("e3".into()),
                selector: None,
                max_chars: 1200,
                doc: None
            }
        );
    }
}
