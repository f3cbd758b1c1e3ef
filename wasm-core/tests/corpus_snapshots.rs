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
        let page: RawPage = serde_json::from_value(v).unwrap();
        out.push((
            path.file_stem().unwrap().to_string_lossy().into_owned(),
            page,
            outer,
        ));
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
        println!("{name:40} snapshot ~{tokens:5} tokens, outerHTML ~{outer_tokens:7} tokens, ratio {:.1}x", outer_tokens as f64 / tokens as f64);
        assert!(tokens <= 2000, "{name}: {tokens} tokens");
        total_snap += tokens;
        total_outer += outer_tokens;
        // Everything interactive in view is addressable.
        for n in page
            .nodes
            .iter()
            .filter(|n| n.in_view && n.element_ref.is_some())
        {
            assert!(
                snap.contains(&format!("[{}]", n.element_ref.as_ref().unwrap())),
                "{name}: {n:?} missing"
            );
        }
    }
    println!("all pages: {:.1}x", total_outer as f64 / total_snap as f64);
    assert!(total_outer >= 30 * total_snap, "corpus ratio below 30x");
}

#[test]
fn sb_admin_dashboard_reads_like_the_page() {
    let (_, page, _) = fixtures()
        .into_iter()
        .find(|(n, ..)| n == "sb-admin-2__index")
        .unwrap();
    let snap = format(&page, 2000);
    println!("{snap}");
    assert!(snap.contains("# Dashboard"));
    assert!(snap.contains("button-link \"Generate Report\""));
    assert!(snap.contains("textbox \"Search\""));
}

#[test]
fn login_page_never_shows_the_password_value() {
    let (_, page, _) = fixtures()
        .into_iter()
        .find(|(n, ..)| n == "sb-admin-2__login")
        .unwrap();
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
