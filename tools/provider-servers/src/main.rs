//! `bff-provider-servers [--config FILE | --config JSON]`: starts the provider servers a config
//! names (every provider with the default script when none is given), prints one JSON line with
//! their base URLs, e.g. `{"openai":"http://127.0.0.1:41234","replicate":"http://127.0.0.1:41235"}`,
//! and serves until the process is killed (SIGTERM, SIGINT). An end-to-end harness in another
//! process reads the line, points the product at the URLs, and reads `GET /__bff/log` and
//! `GET /__bff/violations` from each server.

use std::io::Write;

use anyhow::{bail, Context, Result};
use bff_provider_servers::{Config, ProviderServers};

const USAGE: &str =
    "usage: bff-provider-servers [--config FILE | --config '{\"openai\": {\"key\": \"sk-test\"}}']";

fn main() -> Result<()> {
    let config = config(std::env::args().skip(1).collect())?;
    let servers = ProviderServers::start(&config)?;
    let line = serde_json::to_string(&servers.urls())?;
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "{line}")?;
    stdout.flush()?;
    drop(stdout);
    // The servers answer on their own threads; the default action of SIGTERM and SIGINT ends the
    // process, which closes the listeners.
    loop {
        std::thread::park();
    }
}

/// The config from `--config`: a file, or inline JSON when the value starts with `{`.
fn config(args: Vec<String>) -> Result<Config> {
    match args.as_slice() {
        [] => Ok(Config::all()),
        [flag, value] if flag == "--config" => {
            let text = if value.trim_start().starts_with('{') {
                value.clone()
            } else {
                std::fs::read_to_string(value).with_context(|| format!("reading {value}"))?
            };
            serde_json::from_str(&text).context("reading the config (see ProviderConfig's fields)")
        }
        [flag] if flag == "--help" || flag == "-h" => {
            println!("{USAGE}");
            std::process::exit(0);
        }
        _ => bail!("{USAGE}"),
    }
}
