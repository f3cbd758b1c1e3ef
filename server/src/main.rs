//! `hark-companion`: see `hark_server` and `hark-companion --help`.

use clap::Parser;

#[cfg(feature = "mimalloc")]
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = hark_server::config::Cli::parse();
    hark_server::init_logging();
    match hark_server::run(cli).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("hark-companion: {e:#}");
            std::process::ExitCode::from(2)
        }
    }
}
