//! Snapshots of real corpus pages: raw node lists captured from the executor in headless
//! Chromium (tests/fixtures/*.json, with the page's outerHTML length) formatted by the core.

use hark_core::snapshot::{estimate_tokens, format, RawPage};

fn fixtures() -> Vec<(String, RawPage, usize)> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures");
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().and_then(|e| e.to_str()) != Some("json") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        let outer = v["outerHtmlChars"].as_u64().unwrap() as usize;
        let page = RawPage::from_tree(&v);
        out.push((path.file_stem().unwrap().to_string_lossy().into_owned(), page, outer));
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    assert!(out.len() >= 5, "fixtures missing");
    out
}

#[test]
fn snapshots_fit_the_budget_and_are_far_smaller_than_outer_html() {
    let mut total_snap = 0;
    let mut total_outer = 0;
    for (name, page, outer_chars) in fixtures() {
        let snap = format(&page, 2000);
        let tokens = estimate_tokens(&snap);
        // HTML runs about 3.5 chars per token; be conservative with 4.
        let outer_tokens = outer_chars / 4;
        println!(
            "{name:40} snapshot ~{tokens:5} tokens, outerHTML ~{outer_tokens:7} tokens, ratio {:.1}x",
            outer_tokens as f64 / tokens as f64
        );
        assert!(tokens <= 2000, "{name}: {tokens} tokens");
        total_snap += tokens;
        total_outer += outer_tokens;
        // Everything interactive in view is addressable.
        for n in page.nodes.iter().filter(|n| n.in_view && n.element_ref.is_some()) {
            assert!(snap.contains(&format!("[{}]", n.element_ref.as_ref().unwrap())), "{name}: {n:?} missing");
        }
    }
    println!("all pages: {:.1}x", total_outer as f64 / total_snap as f64);
    assert!(total_outer >= 30 * total_snap, "corpus ratio below 30x");
}

#[test]
fn sb_admin_dashboard_reads_like_the_page() {
    let (_, page, _) = fixtures().into_iter().find(|(n, ..)| n == "sb-admin-2__index").unwrap();
    let snap = format(&page, 2000);
    println!("{snap}");
    assert!(snap.contains("# Dashboard"));
    assert!(snap.contains("button-link \"Generate Report\""));
    assert!(snap.contains("textbox \"Search\""));
}

#[test]
fn login_page_never_shows_the_password_value() {
    let (_, page, _) = fixtures().into_iter().find(|(n, ..)| n == "sb-admin-2__login").unwrap();
    let snap = format(&page, 2000);
    println!("{snap}");
    assert!(snap.contains("(value hidden)"), "{snap}");
}

#[test]
fn small_budgets_hold_on_big_pages() {
    for (name, page, _) in fixtures() {
        for budget in [200, 500, 8000] {
            let tokens = estimate_tokens(&format(&page, budget));
            assert!(tokens <= budget as usize, "{name} @ {budget}: {tokens}");
        }
    }
}

/// A page too big for one answer is read on with `from=`: every element with a ref is reached
/// by following the outline's own hints, each answer within its budget.
#[test]
fn paging_with_from_reaches_every_element_of_big_pages() {
    use hark_core::snapshot::format_from;
    for (name, page, _) in fixtures() {
        let all: std::collections::HashSet<String> = page.nodes.iter().filter_map(|n| n.element_ref.clone()).collect();
        let mut seen = String::new();
        let mut text = format(&page, 2000);
        let mut answers = 1;
        loop {
            assert!(estimate_tokens(&text) <= 2000, "{name}: answer {answers} has {} tokens", estimate_tokens(&text));
            seen.push_str(&text);
            let Some(i) = text.find("from=\"") else { break };
            let from: String = text[i + 6..].chars().take_while(|c| *c != '"').collect();
            text = format_from(&page, &from, 2000).unwrap();
            answers += 1;
            assert!(answers < 200, "{name}: paging does not end");
        }
        let missed: Vec<&String> = all.iter().filter(|r| !seen.contains(&format!("[{r}]"))).collect();
        assert!(
            missed.is_empty(),
            "{name}: {} of {} refs never shown in {answers} answers, e.g. {:?}",
            missed.len(),
            all.len(),
            &missed[..missed.len().min(5)]
        );
        println!("{name:40} {} refs in {answers} answers", all.len());
    }
    let page = &fixtures()[0].1;
    assert!(format_from(page, "e999999", 2000).unwrap_err().contains("getPageHTML again"));
}
