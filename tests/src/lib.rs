//! Harness for Hark's end-to-end tests: real headless Chromium and Firefox driven over WebDriver
//! with the built extension loaded, the local realtime peer as upstream, the companion, and real
//! pages served on the test's own addresses, all inside a network namespace of the test's own.

pub mod browser;
pub mod contrast;
pub mod corpus;
pub mod netns;
pub mod pixels;
pub mod site;
pub mod stack;
pub mod stats;
pub mod xvfb;

use std::path::PathBuf;

/// The repository root (this crate lives in `tests/`).
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).parent().expect("tests/ has a parent").to_path_buf()
}

/// The corpus of real pages: `HARK_CORPUS`, else the one in the repository (`tests/corpus/`).
pub fn corpus_dir() -> PathBuf {
    std::env::var_os("HARK_CORPUS").map(PathBuf::from).unwrap_or_else(|| repo_root().join("tests/corpus"))
}

/// The Chromium package as built by `scripts/build.sh` (Firefox loads `dist/hark-firefox.zip`).
pub fn extension_dir() -> PathBuf {
    repo_root().join("dist/chromium")
}

/// Two TLS backends end up in this crate's graph (WebDriver client and HTTP client); pick one
/// for the process before any client is built. Nothing here speaks TLS to another host.
pub fn init_tls() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}
