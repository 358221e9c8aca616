//! A throw-away Redis server: `redis-server` on a free loopback port, without persistence.

use std::fs;
use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::thread::sleep;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use tempfile::TempDir;

use crate::{free_port, tail};

const BIND_ATTEMPTS: usize = 5;
const READY_WITHIN: Duration = Duration::from_secs(20);

/// A Redis server for one test on 127.0.0.1, with nothing saved (`--save '' --appendonly no`)
/// and its working folder and log in a temporary folder. Dropping it kills the server and
/// removes the folder.
pub struct RedisServer {
    child: Child,
    port: u16,
    // Dropped after `Drop::drop` has stopped the server.
    dir: TempDir,
}

impl RedisServer {
    /// Starts `redis-server` on a free loopback port and waits until it answers `PING`.
    pub fn start() -> Result<RedisServer> {
        let mut last_error = None;
        for _ in 0..BIND_ATTEMPTS {
            let dir = tempfile::Builder::new()
                .prefix("bff-redis-")
                .tempdir()
                .context("creating a temporary folder for Redis")?;
            let log_path = dir.path().join("redis.log");
            let port = free_port().context("finding a free loopback port")?;
            let child = Command::new("redis-server")
                .arg("--port")
                .arg(port.to_string())
                .args(["--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
                .args(["--daemonize", "no"])
                .arg("--dir")
                .arg(dir.path())
                .arg("--logfile")
                .arg(&log_path)
                .current_dir(dir.path())
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn();
            let child = match child {
                Ok(child) => child,
                Err(e) if e.kind() == ErrorKind::NotFound => bail!(
                    "redis-server not found on the PATH; install it with \
                     `apt-get install redis-server` (Debian, Ubuntu)"
                ),
                Err(e) => return Err(e).context("starting redis-server"),
            };
            // From here on, dropping `server` stops the child and removes the folder.
            let mut server = RedisServer { child, port, dir };
            match server.wait_until_ready() {
                Ok(()) => return Ok(server),
                Err(e) => {
                    let log = server.log();
                    let error = e.context(format!("redis server log:\n{}", tail(&log, 4000)));
                    if !log.contains("Address already in use") {
                        return Err(error);
                    }
                    // Another process took the port: try again with a new one.
                    last_error = Some(error);
                }
            }
        }
        Err(last_error.expect("at least one attempt"))
    }

    /// The loopback port the server listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// `redis://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// The server's log so far.
    pub fn log(&self) -> String {
        fs::read_to_string(self.dir.path().join("redis.log")).unwrap_or_default()
    }

    fn wait_until_ready(&mut self) -> Result<()> {
        let deadline = Instant::now() + READY_WITHIN;
        loop {
            if let Some(status) = self.child.try_wait()? {
                bail!("redis-server exited ({status}) before it answered PING");
            }
            if ping(self.port).unwrap_or(false) {
                return Ok(());
            }
            if Instant::now() > deadline {
                bail!(
                    "redis-server did not answer PING on port {} within {:?}",
                    self.port,
                    READY_WITHIN
                );
            }
            sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            self.child.kill().ok();
        }
        self.child.wait().ok();
    }
}

/// Sends an inline `PING` and expects `+PONG`.
fn ping(port: u16) -> std::io::Result<bool> {
    let mut stream = TcpStream::connect(("127.0.0.1", port))?;
    stream.set_read_timeout(Some(Duration::from_secs(2)))?;
    stream.write_all(b"PING\r\n")?;
    let mut reply = [0u8; 7];
    stream.read_exact(&mut reply)?;
    Ok(&reply == b"+PONG\r\n")
}
