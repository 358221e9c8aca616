//! A throw-away PostgreSQL server: `initdb` in a temporary folder, `pg_ctl start` on a free
//! loopback port, a database `bff` with an owner role and a non-superuser application role.

use std::ffi::OsStr;
use std::fs;
use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use anyhow::{bail, Context, Result};
use tempfile::TempDir;

use crate::{free_port, tail};

/// The database the servers create for the product.
const DATABASE: &str = "bff";

const ADMIN: (&str, &str) = ("postgres", "bff-test-admin");
const OWNER: (&str, &str) = ("bff_owner", "bff-test-owner");
const APP: (&str, &str) = ("bff_app", "bff-test-app");

/// How many ports to try when another process takes the free port first.
const BIND_ATTEMPTS: usize = 5;

const INSTALL_HINT: &str = "install them with `apt-get install postgresql` (Debian, Ubuntu), \
                            or set BFF_PG_BINDIR to a folder holding initdb, pg_ctl and postgres";

/// A PostgreSQL server for one test, listening on 127.0.0.1 only. Roles (passwords are checked:
/// SCRAM on TCP; the unix socket in the temporary folder trusts local users):
///
/// - `postgres`: the superuser ([`admin_url`](Self::admin_url));
/// - `bff_owner`: owns the database `bff` and runs the migrations ([`owner_url`](Self::owner_url));
/// - `bff_app`: a login role without superuser, `BYPASSRLS` or `CREATEROLE`, what the product
///   connects as, so row-level security applies to it ([`app_url`](Self::app_url)). It has no
///   table privileges until the migrations grant them.
///
/// Dropping it stops the server (`pg_ctl stop -m immediate`) and removes the folder.
pub struct PostgresServer {
    bindir: PathBuf,
    run_as: Option<(u32, u32)>,
    port: u16,
    // Dropped after `Drop::drop` has stopped the server.
    dir: TempDir,
}

impl PostgresServer {
    /// The database created for the product.
    pub const DATABASE: &'static str = DATABASE;

    /// Finds the server binaries, creates a cluster in a temporary folder, starts it on a free
    /// loopback port, waits until it accepts connections, and creates the database and roles.
    pub fn start() -> Result<PostgresServer> {
        let bindir = find_bindir()?;
        let run_as = unprivileged_user()?;
        let dir = tempfile::Builder::new()
            .prefix("bff-postgres-")
            .tempdir()
            .context("creating a temporary folder for PostgreSQL")?;
        if let Some((uid, gid)) = run_as {
            std::os::unix::fs::chown(dir.path(), Some(uid), Some(gid))
                .context("handing the temporary folder to the postgres user")?;
        }
        let mut server = PostgresServer {
            bindir,
            run_as,
            port: 0,
            dir,
        };
        server.init()?;
        server.start_on_free_port()?;
        server.create_roles_and_database()?;
        Ok(server)
    }

    /// The loopback port the server listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The superuser `postgres`, connected to the database `bff`.
    pub fn admin_url(&self) -> String {
        self.url(ADMIN)
    }

    /// `bff_owner`, the owner of the database `bff`: runs the migrations.
    pub fn owner_url(&self) -> String {
        self.url(OWNER)
    }

    /// `bff_app`, the product's non-superuser role.
    pub fn app_url(&self) -> String {
        self.url(APP)
    }

    /// The server's log so far (for a failing test's message).
    pub fn log(&self) -> String {
        fs::read_to_string(self.log_path()).unwrap_or_default()
    }

    fn url(&self, (user, password): (&str, &str)) -> String {
        format!(
            "postgres://{user}:{password}@127.0.0.1:{}/{DATABASE}",
            self.port
        )
    }

    fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    fn log_path(&self) -> PathBuf {
        self.dir.path().join("postgres.log")
    }

    /// A command for one of the server binaries, as the unprivileged user when we are root.
    fn command(&self, program: &str) -> Command {
        let mut command = Command::new(self.bindir.join(program));
        // The caller's working folder may be closed to the postgres user (root's home).
        command.current_dir(self.dir.path());
        command.stdin(Stdio::null());
        if let Some((uid, gid)) = self.run_as {
            // Sets the group and user in the child before it runs the program; std also drops
            // root's supplementary groups.
            command.uid(uid).gid(gid);
        }
        command
    }

    fn init(&self) -> Result<()> {
        let pwfile = self.dir.path().join("admin-password");
        fs::write(&pwfile, ADMIN.1).context("writing the superuser's password file")?;
        self.give_to_server_user(&pwfile)?;
        let output = self
            .command("initdb")
            .arg("-D")
            .arg(self.data_dir())
            .args(["-U", ADMIN.0])
            .arg(concat_os("--pwfile=", &pwfile))
            .args([
                "--auth-local=trust",
                "--auth-host=scram-sha-256",
                "--encoding=UTF8",
                "--locale=C",
                "--no-sync",
            ])
            .output()
            .context("running initdb")?;
        check(&output, "initdb")?;
        fs::remove_file(&pwfile).ok();
        Ok(())
    }

    fn start_on_free_port(&mut self) -> Result<()> {
        let socket_dir = self
            .dir
            .path()
            .to_str()
            .context("temporary folder is not UTF-8")?;
        let mut last_error = None;
        for _ in 0..BIND_ATTEMPTS {
            self.port = free_port().context("finding a free loopback port")?;
            // Later lines of postgresql.conf win, so each attempt appends its port.
            let mut conf = fs::OpenOptions::new()
                .append(true)
                .open(self.data_dir().join("postgresql.conf"))
                .context("opening postgresql.conf")?;
            writeln!(
                conf,
                "\n# bff-test-servers\nlisten_addresses = '127.0.0.1'\nport = {}\n\
                 unix_socket_directories = '{socket_dir}'\nfsync = off\n\
                 synchronous_commit = off\nfull_page_writes = off\nmax_connections = 40",
                self.port
            )
            .context("writing postgresql.conf")?;
            drop(conf);
            let output = self
                .command("pg_ctl")
                .arg("-D")
                .arg(self.data_dir())
                .arg("-l")
                .arg(self.log_path())
                .args(["-w", "-t", "60", "start"])
                .output()
                .context("running pg_ctl start")?;
            if output.status.success() {
                return Ok(());
            }
            let log = self.log();
            let error = anyhow::anyhow!(
                "pg_ctl start failed ({}): {}{}\nserver log:\n{}",
                output.status,
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr),
                tail(&log, 4000)
            );
            if !log.contains("could not bind") && !log.contains("already in use") {
                return Err(error);
            }
            last_error = Some(error);
        }
        Err(last_error.expect("at least one attempt"))
    }

    fn create_roles_and_database(&self) -> Result<()> {
        let admin = format!(
            "host=127.0.0.1 port={} user={} password={} dbname=postgres",
            self.port, ADMIN.0, ADMIN.1
        );
        let mut client = postgres::Client::connect(&admin, postgres::NoTls)
            .context("connecting to the new server as its superuser")?;
        client
            .batch_execute(&format!(
                "CREATE ROLE {owner} LOGIN PASSWORD '{owner_pw}';
                 CREATE ROLE {app} LOGIN PASSWORD '{app_pw}'
                     NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS;",
                owner = OWNER.0,
                owner_pw = OWNER.1,
                app = APP.0,
                app_pw = APP.1
            ))
            .context("creating the roles")?;
        // CREATE DATABASE cannot run inside the implicit transaction of a multi-statement batch.
        client
            .batch_execute(&format!("CREATE DATABASE {DATABASE} OWNER {}", OWNER.0))
            .context("creating the database")?;
        client
            .batch_execute(&format!(
                "GRANT CONNECT ON DATABASE {DATABASE} TO {}",
                APP.0
            ))
            .context("granting the application role access to the database")?;
        Ok(())
    }

    fn give_to_server_user(&self, path: &Path) -> Result<()> {
        if let Some((uid, gid)) = self.run_as {
            std::os::unix::fs::chown(path, Some(uid), Some(gid))
                .with_context(|| format!("handing {} to the postgres user", path.display()))?;
        }
        fs::set_permissions(path, fs::Permissions::from_mode(0o600))?;
        Ok(())
    }
}

impl Drop for PostgresServer {
    fn drop(&mut self) {
        if self.port == 0 {
            return;
        }
        let stopped = self
            .command("pg_ctl")
            .arg("-D")
            .arg(self.data_dir())
            .args(["-m", "immediate", "-w", "stop"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        if !matches!(stopped, Ok(status) if status.success()) {
            eprintln!(
                "bff-test-servers: pg_ctl stop failed for the server on port {}",
                self.port
            );
        }
    }
}

/// The folder of `initdb`, `pg_ctl` and `postgres`: `$BFF_PG_BINDIR`, else `pg_config --bindir`,
/// else the highest version under /usr/lib/postgresql (Debian keeps the server binaries there,
/// off the PATH).
fn find_bindir() -> Result<PathBuf> {
    let has_server = |dir: &Path| {
        ["initdb", "pg_ctl", "postgres"]
            .iter()
            .all(|program| dir.join(program).is_file())
    };
    if let Some(dir) = std::env::var_os("BFF_PG_BINDIR") {
        let dir = PathBuf::from(dir);
        if has_server(&dir) {
            return Ok(dir);
        }
        bail!(
            "BFF_PG_BINDIR={} holds no initdb, pg_ctl and postgres; {INSTALL_HINT}",
            dir.display()
        );
    }
    if let Ok(output) = Command::new("pg_config").arg("--bindir").output() {
        if output.status.success() {
            let dir = PathBuf::from(String::from_utf8_lossy(&output.stdout).trim());
            if has_server(&dir) {
                return Ok(dir);
            }
        }
    }
    let mut versions: Vec<(u32, PathBuf)> = fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let version = entry.file_name().to_str()?.parse::<u32>().ok()?;
            let bin = entry.path().join("bin");
            has_server(&bin).then_some((version, bin))
        })
        .collect();
    versions.sort();
    match versions.pop() {
        Some((_, bin)) => Ok(bin),
        None => bail!(
            "PostgreSQL server binaries (initdb, pg_ctl, postgres) not found: neither \
             `pg_config --bindir` nor /usr/lib/postgresql/*/bin has them; {INSTALL_HINT}"
        ),
    }
}

/// `Some((uid, gid))` of the `postgres` user when this process is root (PostgreSQL will not run
/// as root), `None` otherwise.
fn unprivileged_user() -> Result<Option<(u32, u32)>> {
    // SAFETY: geteuid has no preconditions and cannot fail.
    if unsafe { libc::geteuid() } != 0 {
        return Ok(None);
    }
    let id = |flag: &str| -> Result<u32> {
        let output = Command::new("id")
            .args([flag, "postgres"])
            .output()
            .context("running `id postgres`")?;
        if !output.status.success() {
            bail!(
                "running as root, and PostgreSQL refuses to run as root, but there is no \
                 `postgres` user to run it as ({}); `apt-get install postgresql` creates one, \
                 or run the tests as a normal user",
                String::from_utf8_lossy(&output.stderr).trim()
            );
        }
        String::from_utf8_lossy(&output.stdout)
            .trim()
            .parse()
            .context("reading the postgres user's id")
    };
    Ok(Some((id("-u")?, id("-g")?)))
}

fn concat_os(prefix: &str, path: &Path) -> std::ffi::OsString {
    let mut arg = std::ffi::OsString::from(prefix);
    arg.push(OsStr::new(path));
    arg
}

fn check(output: &Output, what: &str) -> Result<()> {
    if output.status.success() {
        return Ok(());
    }
    bail!(
        "{what} failed ({}):\n{}{}",
        output.status,
        tail(&String::from_utf8_lossy(&output.stdout), 4000),
        tail(&String::from_utf8_lossy(&output.stderr), 4000)
    )
}
