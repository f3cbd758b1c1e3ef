//! Hark's fuzzing: structured, seeded property tests over the code that reads what others send —
//! the SDP offer check, realtime server events, the model's tool calls, the companion's HTTP
//! handling, the core's session over whole event sequences, page results, snapshot formatting and
//! label matching.
//!
//! The generators (this crate's modules) build inputs from realistic seeds (real offers, events as
//! OpenAI sends them, tool arguments from the tool schemas, executor results) and mutate them, so
//! runs reach deep paths rather than stopping at the first parse error; plain random inputs are
//! mixed in. [`fuzz`] runs one target with a fixed seed, counts every execution and panic, and
//! prints (and, with `HARK_FUZZ_REPORT`, records) the counts:
//!
//! - `cargo test` runs each target briefly (its default case count; deterministic),
//! - `scripts/fuzz.sh` runs every target with `HARK_FUZZ_CASES` (default 1,000,000) optimized and
//!   prints the table.
//!
//! Environment: `HARK_FUZZ_CASES` (inputs per target), `HARK_FUZZ_SEED` (u64; default fixed),
//! `HARK_FUZZ_REPORT` (file to append `name<TAB>inputs<TAB>panics<TAB>failures<TAB>seconds` lines to).

pub mod events;
pub mod json;
pub mod mutate;
pub mod page;
pub mod sdp;
pub mod tools;

use std::io::Write;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

pub use proptest;
use proptest::strategy::Strategy;
pub use proptest::test_runner::TestCaseError;
use proptest::test_runner::{Config, RngAlgorithm, TestError, TestRng, TestRunner};

/// The seed every run uses unless `HARK_FUZZ_SEED` says otherwise ("HARK").
pub const DEFAULT_SEED: u64 = 0x4841_524b;

/// What one target's run did.
#[derive(Debug, Clone)]
pub struct Stats {
    pub target: String,
    /// Executions of the check (generated inputs, plus shrinking steps after a failure).
    pub inputs: u64,
    /// Executions that panicked.
    pub panics: u64,
    /// Executions whose invariants failed (panics included).
    pub failures: u64,
    pub seconds: f64,
}

/// Inputs per target: `HARK_FUZZ_CASES`, else the target's short default (the `cargo test` run).
pub fn cases(default: u32) -> u32 {
    std::env::var("HARK_FUZZ_CASES").ok().and_then(|v| v.trim().replace('_', "").parse().ok()).unwrap_or(default)
}

fn seed() -> u64 {
    std::env::var("HARK_FUZZ_SEED").ok().and_then(|v| v.trim().parse().ok()).unwrap_or(DEFAULT_SEED)
}

/// 32 seed bytes for one target: the run's seed mixed with the target's name (SplitMix64).
fn seed_bytes(seed: u64, target: &str) -> [u8; 32] {
    let mut x =
        seed ^ target.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ b as u64).wrapping_mul(0x100_0000_01b3));
    let mut out = [0u8; 32];
    for chunk in out.chunks_mut(8) {
        x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = x;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        chunk.copy_from_slice(&(z ^ (z >> 31)).to_le_bytes());
    }
    out
}

fn panic_text(p: &(dyn std::any::Any + Send)) -> String {
    p.downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| p.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "(no message)".into())
}

/// Runs `check` on `cases(default_cases)` inputs drawn from `strategy` with the run's seed.
/// `check` returns `Err` when an invariant fails (use `prop_assert!`); a panic counts as a
/// failure too. Prints the counts; on a failure, shrinks the input and panics with the smallest
/// failing one.
pub fn fuzz<S, F>(target: &str, default_cases: u32, strategy: S, check: F) -> Stats
where
    S: Strategy,
    F: Fn(S::Value) -> Result<(), TestCaseError>,
{
    let cases = cases(default_cases);
    let seed = seed();
    let config = Config {
        cases,
        failure_persistence: None,
        max_shrink_iters: 4096,
        max_shrink_time: 60_000,
        max_global_rejects: u32::MAX,
        max_local_rejects: u32::MAX,
        rng_algorithm: RngAlgorithm::ChaCha,
        ..Config::default()
    };
    let rng = TestRng::from_seed(RngAlgorithm::ChaCha, &seed_bytes(seed, target));
    let mut runner = TestRunner::new_with_rng(config, rng);
    let inputs = AtomicU64::new(0);
    let panics = AtomicU64::new(0);
    let failures = AtomicU64::new(0);
    let started = Instant::now();
    // A panic while generating (a generator's bug, or code under test a generator calls) ends
    // the run: it is counted and reported like any other.
    let result = catch_unwind(AssertUnwindSafe(|| {
        runner.run(&strategy, |value| {
            inputs.fetch_add(1, Ordering::Relaxed);
            let outcome = match catch_unwind(AssertUnwindSafe(|| check(value))) {
                Ok(r) => r,
                Err(p) => {
                    panics.fetch_add(1, Ordering::Relaxed);
                    Err(TestCaseError::fail(format!("panicked: {}", panic_text(&*p))))
                }
            };
            if outcome.is_err() {
                failures.fetch_add(1, Ordering::Relaxed);
            }
            outcome
        })
    }));
    if result.is_err() {
        panics.fetch_add(1, Ordering::Relaxed);
        failures.fetch_add(1, Ordering::Relaxed);
    }
    let stats = Stats {
        target: target.to_string(),
        inputs: inputs.into_inner(),
        panics: panics.into_inner(),
        failures: failures.into_inner(),
        seconds: started.elapsed().as_secs_f64(),
    };
    report(&stats);
    match result {
        Err(p) => panic!("fuzz target {target}: panicked outside the check (generating an input): {}\n(seed {seed})", panic_text(&*p)),
        Ok(Ok(())) => stats,
        Ok(Err(TestError::Fail(why, value))) => panic!(
            "fuzz target {target}: {why}\nsmallest failing input: {value:#?}\n(seed {seed}; rerun with HARK_FUZZ_SEED={seed} HARK_FUZZ_CASES={cases})"
        ),
        Ok(Err(TestError::Abort(why))) => panic!("fuzz target {target} aborted: {why}"),
    }
}

fn report(s: &Stats) {
    println!(
        "fuzz {}: {} inputs, {} panics, {} failures, {:.2} s ({:.0} inputs/s)",
        s.target,
        s.inputs,
        s.panics,
        s.failures,
        s.seconds,
        s.inputs as f64 / s.seconds.max(1e-9)
    );
    if let Some(path) = std::env::var_os("HARK_FUZZ_REPORT") {
        let line = format!("{}\t{}\t{}\t{}\t{:.3}\n", s.target, s.inputs, s.panics, s.failures, s.seconds);
        let file = std::fs::OpenOptions::new().create(true).append(true).open(&path);
        if let Err(e) = file.and_then(|mut f| f.write_all(line.as_bytes())) {
            eprintln!("cannot append to HARK_FUZZ_REPORT {}: {e}", path.to_string_lossy());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn counts_every_execution_and_the_seed_fixes_the_inputs() {
        let seen = std::sync::Mutex::new(Vec::new());
        let s = fuzz("self-test", 50, any::<u32>(), |v| {
            seen.lock().unwrap().push(v);
            Ok(())
        });
        let first = std::mem::take(&mut *seen.lock().unwrap());
        assert_eq!(s.inputs, first.len() as u64);
        fuzz("self-test", 50, any::<u32>(), |v| {
            seen.lock().unwrap().push(v);
            Ok(())
        });
        assert_eq!(first, *seen.lock().unwrap(), "same seed, same inputs");
        assert_ne!(seed_bytes(1, "a"), seed_bytes(1, "b"));
    }

    #[test]
    fn a_panic_is_counted_and_reported_with_the_smallest_input() {
        let r = std::panic::catch_unwind(|| {
            fuzz("self-test-panics", 200, 0u32..1000, |v| {
                assert!(v < 500, "too big");
                Ok(())
            })
        });
        let msg = panic_text(&*r.unwrap_err());
        assert!(msg.contains("panicked: too big") && msg.contains("smallest failing input: 500"), "{msg}");
    }
}
