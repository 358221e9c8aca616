//! The pipeline on Spin, started for the main job, the end-to-end checks and the benchmark: every
//! component built once (`spin build`), a Redis (the queue's doorbell) and, for the Postgres
//! backend, a PostgreSQL server started on free loopback ports, the schema migrated with the
//! product's migration runner, `spin up` with the backend's variables, and a scheduler thread that
//! calls the internal pump route every half second (as a system timer or the cron plugin does in
//! a deployment) so that retried messages come back after their back-off.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{bail, Context, Result};
use bff_store::native::{PostgresConnection, SqliteConnection};
use bff_store::{migrations, Connection, Scope};
use bff_test_servers::{PostgresServer, RedisServer};
use serde_json::Value;

use crate::deployment::Deployment;
use crate::spin::SpinUp;
use crate::workers::{http_request_with, HttpResponse};

/// Where the Spin deployment keeps its state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// Spin's SQLite (the default; no server needed).
    Sqlite,
    /// PostgreSQL.
    Postgres,
}

impl Backend {
    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

/// How often the scheduler thread calls `POST /internal/pump`.
const PUMP_EVERY: Duration = Duration::from_millis(500);

enum Database {
    Sqlite(PathBuf),
    Postgres(PostgresServer),
}

/// A running Spin deployment; everything stops when it is dropped.
pub struct SpinDeployment {
    // Field order is drop order: the host first, then the servers it talks to.
    pump: Option<(Arc<AtomicBool>, std::thread::JoinHandle<()>)>,
    up: SpinUp,
    secret: String,
    database: Database,
    _redis: RedisServer,
    name: String,
}

impl SpinDeployment {
    /// Starts Redis (and PostgreSQL), migrates, and runs `spin up` on the components already
    /// built by `spin build`, with the development routes on when `dev_routes` and the
    /// `settings` (application variables by name, e.g. the image providers') on top.
    pub fn start(
        root: &Path,
        spin: &Path,
        backend: Backend,
        state: &Path,
        dev_routes: bool,
        settings: &[(&'static str, String)],
    ) -> Result<SpinDeployment> {
        if state.exists() {
            std::fs::remove_dir_all(state)
                .with_context(|| format!("cannot clear {}", state.display()))?;
        }
        std::fs::create_dir_all(state)?;
        let state = state.canonicalize()?;
        let redis = RedisServer::start()?;
        let sqlite_path = state.join("bff.sqlite");
        let (database, postgres_url) = match backend {
            Backend::Sqlite => {
                let conn = SqliteConnection::open(&sqlite_path)?;
                pollster::block_on(migrations::migrate(&conn, &now_text()))?;
                (Database::Sqlite(sqlite_path.clone()), String::new())
            }
            Backend::Postgres => {
                let server = PostgresServer::start()?;
                let owner = PostgresConnection::connect(&server.owner_url())?;
                pollster::block_on(migrations::migrate(&owner, &now_text()))?;
                let url = server.app_url();
                (Database::Postgres(server), url)
            }
        };
        std::fs::write(
            state.join("runtime-config.toml"),
            format!(
                "[sqlite_database.default]\ntype = \"spin\"\npath = \"{}\"\n\n\
                 [key_value_store.default]\ntype = \"spin\"\npath = \"{}\"\n",
                sqlite_path.display(),
                state.join("blobs.kv").display()
            ),
        )?;
        let secret = format!("bff-internal-{}", std::process::id());
        let mut variables = vec![
            ("database", backend.name().to_string()),
            ("postgres_url", postgres_url),
            ("redis_url", redis.url()),
            ("internal_secret", secret.clone()),
            (
                "dev_routes",
                if dev_routes { "enabled" } else { "disabled" }.to_string(),
            ),
        ];
        variables.extend(settings.iter().cloned());
        let up = SpinUp::start(root, spin, &state, &variables)?;
        let mut deployment = SpinDeployment {
            pump: None,
            up,
            secret,
            database,
            _redis: redis,
            name: format!("spin-{}", backend.name()),
        };
        deployment.start_pump();
        Ok(deployment)
    }

    fn start_pump(&mut self) {
        let stop = Arc::new(AtomicBool::new(false));
        let (base, auth, flag) = (
            self.up.base_url().to_string(),
            format!("Bearer {}", self.secret),
            Arc::clone(&stop),
        );
        let handle = std::thread::spawn(move || {
            while !flag.load(Ordering::Relaxed) {
                let _ = http_request_with(
                    &base,
                    "POST",
                    "/internal/pump",
                    &[("Authorization", auth.as_str())],
                    None,
                );
                std::thread::sleep(PUMP_EVERY);
            }
        });
        self.pump = Some((stop, handle));
    }

    /// `POST /internal/<task>` with the internal secret.
    pub fn internal(&self, task: &str) -> Result<HttpResponse> {
        let auth = format!("Bearer {}", self.secret);
        http_request_with(
            self.up.base_url(),
            "POST",
            &format!("/internal/{task}"),
            &[("Authorization", auth.as_str())],
            None,
        )
    }

    fn internal_ok(&self, task: &str) -> Result<()> {
        let r = self.internal(task)?;
        if r.status != 200 {
            bail!("POST /internal/{task}: {} {}", r.status, r.body);
        }
        Ok(())
    }
}

impl Drop for SpinDeployment {
    fn drop(&mut self) {
        if let Some((stop, handle)) = self.pump.take() {
            stop.store(true, Ordering::Relaxed);
            let _ = handle.join();
        }
    }
}

fn now_text() -> String {
    let ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64);
    bff_pipeline::Timestamp::from_unix_ms(ms)
        .as_str()
        .to_string()
}

impl Deployment for SpinDeployment {
    fn name(&self) -> &str {
        &self.name
    }

    fn base_url(&self) -> &str {
        self.up.base_url()
    }

    fn sweep(&self) -> Result<()> {
        self.internal_ok("sweep")
    }

    fn rollup(&self) -> Result<()> {
        self.internal_ok("rollup")
    }

    fn query(&self, sql: &str) -> Result<Vec<Value>> {
        let rows = match &self.database {
            Database::Sqlite(path) => {
                let conn = SqliteConnection::open(path)?;
                pollster::block_on(conn.query(sql, &[]))?
            }
            Database::Postgres(server) => {
                // The owner role, in the system scope: the checks count every user's rows.
                let conn = PostgresConnection::connect(&server.owner_url())?;
                pollster::block_on(conn.scope(Scope::System))?;
                pollster::block_on(conn.query(sql, &[]))?
            }
        };
        Ok(rows.into_iter().map(Value::Object).collect())
    }

    fn log_path(&self) -> &Path {
        self.up.log_path()
    }
}
