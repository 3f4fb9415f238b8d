//! A local shop for the crash test (`tests/tests/all/crash_under_load.rs`): its data in
//! the SQLite file named by the first argument, listening on 127.0.0.1 at a free port,
//! which it prints on its first line of output; it runs until it is killed. The saga
//! retries without waiting and no route is rate limited, as in the other tests.

use std::process::ExitCode;

use mambogo_local::{start, DataLocation, LocalConfig};

#[tokio::main]
async fn main() -> ExitCode {
    let Some(data) = std::env::args().nth(1) else {
        eprintln!("usage: crash-shop <data file>");
        return ExitCode::FAILURE;
    };
    let config = LocalConfig {
        data: DataLocation::File(data.into()),
        ..LocalConfig::ephemeral()
    };
    match start(config).await {
        Ok(shop) => {
            println!("{}", shop.address);
            std::future::pending::<()>().await;
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("the shop did not start: {error}");
            ExitCode::FAILURE
        }
    }
}
