//! Unit tests of the page-side JavaScript on small fixture pages (`tests/pages/units.js`), in real
//! Chromium and Firefox: the executor's files loaded into a plain page, each case checked against
//! what a person would notice (names, roles, what is seen, values that never leave the page,
//! changes that come back exactly), without a whole session around them.

use anyhow::{ensure, Result};
use hark_core::snapshot::LineBudget;
use hark_protocol::tools::DEFAULT_SNAPSHOT_TOKENS;
use serde_json::json;

use hark_e2e::browser::{Browser, Engine};
use hark_e2e::site::Site;

use crate::tests::TestFn;

pub const ALL: &[(&str, TestFn)] =
    &[("page_scripts_pass_their_unit_cases", |e| Box::pin(page_scripts_pass_their_unit_cases(e)))];

async fn page_scripts_pass_their_unit_cases(engine: Engine) -> Result<()> {
    let site = Site::start("127.0.0.1").await?;
    let mut browser = Browser::launch(engine, None).await?;
    let outcome = async {
        browser.goto(&site.url("/t/units.html")).await?;
        // The line costs a first walk counts, the command of a plain getPageHTML (what the
        // session host primes a page with), and the commands that only read, from the core's one
        // definition of them.
        let core = json!({
            "lineBudget": LineBudget::for_answer(DEFAULT_SNAPSHOT_TOKENS),
            "firstOutline": hark_core::calls::first_outline(),
            "readOps": hark_core::page::READ_OPS,
        });
        let results = browser.eval(&format!("return runUnits({core});")).await?;
        let results = results.as_array().cloned().unwrap_or_default();
        let failed: Vec<String> = results
            .iter()
            .filter(|r| r["ok"] != true)
            .map(|r| format!("  {}: {}", r["name"].as_str().unwrap_or("?"), r["error"].as_str().unwrap_or("?")))
            .collect();
        println!("{}: {} page-script unit cases, {} failed", engine.name(), results.len(), failed.len());
        // The cases ran at all: a page that failed to load its scripts gives no list.
        ensure!(results.len() >= 10, "runUnits() gave {} results: {results:?}", results.len());
        ensure!(failed.is_empty(), "page-script unit cases failed:\n{}", failed.join("\n"));
        Ok(())
    }
    .await;
    browser.quit().await;
    outcome
}
