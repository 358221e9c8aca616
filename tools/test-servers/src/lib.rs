//! Real servers for tests: PostgreSQL ([`PostgresServer`]) and Redis ([`RedisServer`]), each
//! started on a free loopback port with its files in a temporary folder, and stopped (and the
//! folder removed) when dropped.
//!
//! A missing server binary is an error that names the Debian package to install, never a skip:
//! a test that needs a database proves nothing when it quietly does not run.
//!
//! PostgreSQL refuses to run as root. When the tests run as root, the server programs run as the
//! unprivileged `postgres` user that Debian's `postgresql` package creates (the child process
//! drops to that user before it starts), and the temporary folder is handed to that user.

mod postgres_server;
mod redis_server;

pub use postgres_server::PostgresServer;
pub use redis_server::RedisServer;

use std::io;
use std::net::TcpListener;

/// A loopback port that was free a moment ago (the listener that found it is closed again, so
/// another process may take it first: the servers retry with a new port when the bind fails).
fn free_port() -> io::Result<u16> {
    let listener = TcpListener::bind(("127.0.0.1", 0))?;
    Ok(listener.local_addr()?.port())
}

/// The last `max` bytes of a text, for error messages that quote a server's log.
fn tail(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut start = text.len() - max;
    while !text.is_char_boundary(start) {
        start += 1;
    }
    &text[start..]
}
