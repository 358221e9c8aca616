//! Long-running child processes of the automation (`wrangler dev`, `spin up`): each leads its own
//! process group, is polled until it answers, and is stopped with its whole group.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Result};

/// The last `lines` lines of a log file.
pub fn log_tail(log: &Path, lines: usize) -> String {
    let text = std::fs::read_to_string(log).unwrap_or_default();
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

/// Polls `answers` every 100 ms until it is true; fails when `child` exits first or `timeout`
/// passes, with the tail of its `log`.
pub fn wait_until_answers(
    child: &mut Child,
    what: &str,
    log: &Path,
    timeout: Duration,
    answers: impl Fn() -> bool,
) -> Result<()> {
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait()? {
            bail!(
                "{what} exited ({status}) before answering; its log ({}):\n{}",
                log.display(),
                log_tail(log, 40)
            );
        }
        if answers() {
            return Ok(());
        }
        if start.elapsed() > timeout {
            bail!(
                "{what} did not answer within {} s; its log ({}):\n{}",
                timeout.as_secs(),
                log.display(),
                log_tail(log, 40)
            );
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Stops a child that leads its own process group (`process_group(0)`): SIGTERM to the group,
/// up to 5 s to exit, then SIGKILL to whatever of the group is left.
pub fn stop_group(child: &mut Child) {
    if matches!(child.try_wait(), Ok(Some(_))) {
        return;
    }
    #[cfg(unix)]
    {
        let group = format!("-{}", child.id());
        let signal = |sig: &str| {
            let _ = Command::new("kill")
                .args([sig, "--", &group])
                .stderr(Stdio::null())
                .status();
        };
        signal("-TERM");
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if matches!(child.try_wait(), Ok(Some(_))) {
                // The leader is gone; make sure nothing it started stays behind.
                signal("-KILL");
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        signal("-KILL");
    }
    let _ = child.kill();
    let _ = child.wait();
}
