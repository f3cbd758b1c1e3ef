//! End-to-end tests: real headless Chromium and Firefox with the built extension, the companion
//! and the local realtime peer, real pages, inside the test's own network namespace.
//! Each test runs once per browser. Run with `cargo test -p hark-e2e` (as root; the binary moves
//! itself into a new network namespace) after `scripts/build.sh`.

/// `pub const ALL`: each listed async test function, by name (needs `TestFn` in scope).
macro_rules! tests {
    ($($name:ident),* $(,)?) => {
        pub const ALL: &[(&str, TestFn)] = &[$((stringify!($name), |e| Box::pin($name(e)))),*];
    };
}

mod controls;
mod faults;
mod first_run;
mod hostile;
mod keyboard;
mod page_units;
mod readable;
mod tests;

use libtest_mimic::{Arguments, Failed, Trial};

use hark_e2e::browser::Engine;

fn main() {
    if let Some(code) = hark_e2e::netns::reexec_inside() {
        std::process::exit(code);
    }
    hark_e2e::init_tls();
    let mut args = Arguments::from_args();
    // Browsers are heavy and the machine has 2 cores: one test at a time.
    args.test_threads = Some(1);
    let mut trials = Vec::new();
    for engine in [Engine::Chromium, Engine::Firefox] {
        for (name, test) in tests::ALL
            .iter()
            .chain(hostile::ALL)
            .chain(faults::ALL)
            .chain(first_run::ALL)
            .chain(keyboard::ALL)
            .chain(page_units::ALL)
            .chain(controls::ALL)
            .chain(readable::ALL)
        {
            let test = *test;
            trials.push(Trial::test(format!("{}::{name}", engine.name()), move || run(engine, test)));
        }
    }
    libtest_mimic::run(&args, trials).exit();
}

fn run(engine: Engine, test: tests::TestFn) -> Result<(), Failed> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    rt.block_on(async move {
        match tokio::time::timeout(std::time::Duration::from_secs(180), test(engine)).await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(e)) => Err(Failed::from(format!("{e:#}"))),
            Err(_) => Err(Failed::from("timed out after 180 s")),
        }
    })
}
