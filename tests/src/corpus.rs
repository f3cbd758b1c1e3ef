//! The corpus of real pages the benchmarks read (`tests/corpus/`, or `HARK_CORPUS`).

use anyhow::{bail, Context, Result};

/// The corpus folder whose pages are measured but never looked at one by one: benchmarks print
/// their figures pooled only, so nobody tunes Hark to them.
pub const HELD_OUT: &str = "heldout";

/// Every `DIR/*.html` of the corpus, as the page server's paths, folders and names sorted.
pub fn pages() -> Result<Vec<String>> {
    let root = crate::corpus_dir();
    let mut dirs: Vec<String> = std::fs::read_dir(&root)
        .with_context(|| format!("{} (set HARK_CORPUS)", root.display()))?
        .filter_map(|e| e.ok())
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    dirs.sort();
    let mut pages = Vec::new();
    for dir in dirs {
        let mut names: Vec<String> = std::fs::read_dir(root.join(&dir))?
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".html"))
            .collect();
        names.sort();
        pages.extend(names.into_iter().map(|n| format!("/corpus/{dir}/{n}")));
    }
    if pages.is_empty() {
        bail!("{} holds no DIR/*.html pages (set HARK_CORPUS)", root.display());
    }
    Ok(pages)
}

/// Whether `page` (a path from [`pages`]) is held out.
pub fn held_out(page: &str) -> bool {
    page.trim_start_matches("/corpus/").starts_with(&format!("{HELD_OUT}/"))
}
