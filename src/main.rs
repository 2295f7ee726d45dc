//! The `muster` binary: parse the command line, set up logging, run the command.

use clap::Parser;

fn main() -> std::process::ExitCode {
    give_large_buffers_back();
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build();
    match runtime {
        Ok(runtime) => runtime.block_on(run()),
        Err(err) => {
            eprintln!("error: starting the runtime: {err}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// Buffers of 256 KiB and more (a sheet's rows, its lookups, the links sheet) get pages of
/// their own from the system and give them back when freed. glibc's default threshold rises
/// to the size of each such buffer freed, up to 32 MiB, after which a sheet's large buffers
/// came from the arenas of whichever threads touched them and stayed there after the
/// request: measured with `muster bench invitations --rows 100000` (2 cores), muster's own
/// peak was 205–225 MB on SQLite and 182–188 MB on PostgreSQL, and is 175–180 MB and
/// 163–165 MB with the threshold fixed, at the same speed. Pages (small allocations) are not
/// affected: `muster bench members` serves the same requests per second either way.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn give_large_buffers_back() {
    // SAFETY: mallopt only sets a parameter of glibc's allocator; it is called before any
    // other thread exists. It answers 0 if it refused, and the default then stays.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 256 * 1024);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn give_large_buffers_back() {}

async fn run() -> std::process::ExitCode {
    let cli = muster::cli::Cli::parse();
    muster::telemetry::init(&cli.config);
    match muster::cli::run(cli).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
