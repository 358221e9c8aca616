//! Cloudflare Workers, locally and offline: build every function with `worker-build` from tools
//! already on the machine, and run them together under `wrangler dev` (workerd).
//!
//! Building: `worker-build` would download `wasm-bindgen`, `esbuild` and `wasm-opt`; the
//! `WASM_BINDGEN_BIN`, `ESBUILD_BIN` and `WASM_OPT_BIN` variables point it at the ones `cargo
//! xtask setup` installed (cargo's bin folder, `node_modules`). It compiles with the cargo
//! profile [`PROFILE`] (size over speed) and writes `functions/<name>/build/index.js` and
//! `index_bg.wasm`, which the `wrangler.toml` files name as `main`. There is no `[build]`
//! section: wrangler runs it in the shell's folder, not the config's.
//!
//! Running: [`Dev::start`] applies the D1 migrations locally, starts one `wrangler dev` for all
//! configs (the first one is served; they share D1, R2 and queues through the same ids and
//! `--persist-to`), waits until it answers and stops the whole process group when dropped.
//!
//! Workers AI: `wrangler dev` cannot run a config's `[ai]` binding offline (it opens a remote
//! session, which needs a login: without one the whole session fails to start), so a config
//! with `[ai]` runs from a copy written beside it ([`LOCAL_CONFIG`], removed when the session
//! stops) in which `[ai]` is replaced: by the plugin binding of
//! `tools/provider-servers/miniflare/local-ai-plugin.mjs` to a local Workers AI stand-in when
//! one is given ([`Dev::start_with_ai`]), which runs workerd's real binding code against it, or
//! by nothing (the Worker has no `AI` binding). The configs in the repository keep `[ai]`, which
//! is what `wrangler deploy` reads.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};

use crate::deployment::Deployment;
use crate::{setup, shell};

/// The cargo profile the Workers are compiled with (workspace `Cargo.toml`).
pub const PROFILE: &str = "release-worker";

/// The gateway's crons (`wrangler.toml`), as `/__scheduled` takes them: the sweep of stalled jobs
/// and the daily analytics rollup.
const SWEEP_CRON: &str = "*/10+*+*+*+*";
const ROLLUP_CRON: &str = "15+0+*+*+*";

/// How long `wrangler dev` may take to answer its first request.
const READY_TIMEOUT: Duration = Duration::from_secs(90);

/// One built Worker: its module sizes in bytes.
#[derive(Debug, Clone)]
pub struct Built {
    pub name: String,
    pub wasm_raw: u64,
    pub wasm_gzip: u64,
    pub js_raw: u64,
    pub seconds: f64,
}

/// Builds `functions/<name>` for every name with `worker-build --profile release-worker`, prints
/// each module's raw and gzipped size and returns them.
pub fn build_all(root: &Path, crates: &[&str]) -> Result<Vec<Built>> {
    let tools = Tools::find(root)?;
    // The gateway's static assets (wrangler.toml `[assets]`).
    crate::studio::build(root)?;
    let mut built = Vec::with_capacity(crates.len());
    for name in crates {
        let dir = root.join("functions").join(name);
        if !dir.join("Cargo.toml").exists() {
            bail!("no crate at {}", dir.display());
        }
        println!("workers: building {name}");
        let start = Instant::now();
        shell::run(
            shell::cmd(&tools.worker_build, &dir)
                .args(["--profile", PROFILE])
                .env("WASM_BINDGEN_BIN", &tools.wasm_bindgen)
                .env("ESBUILD_BIN", &tools.esbuild)
                .env("WASM_OPT_BIN", &tools.wasm_opt),
            &format!("worker-build {name}"),
        )?;
        let seconds = start.elapsed().as_secs_f64();
        let out = dir.join("build");
        let wasm = std::fs::read(out.join("index_bg.wasm"))
            .with_context(|| format!("worker-build {name} wrote no build/index_bg.wasm"))?;
        let js_raw = std::fs::metadata(out.join("index.js"))
            .with_context(|| format!("worker-build {name} wrote no build/index.js"))?
            .len();
        built.push(Built {
            name: name.to_string(),
            wasm_raw: wasm.len() as u64,
            wasm_gzip: gzip_len(&wasm)?,
            js_raw,
            seconds,
        });
    }
    println!("workers: module sizes (profile {PROFILE})");
    for b in &built {
        println!(
            "  {:<10} wasm {:>7.1} KiB raw, {:>6.1} KiB gzip; js {:>5.1} KiB; built in {:.1} s",
            b.name,
            b.wasm_raw as f64 / 1024.0,
            b.wasm_gzip as f64 / 1024.0,
            b.js_raw as f64 / 1024.0,
            b.seconds
        );
    }
    Ok(built)
}

/// The size of `bytes` gzipped at the best level.
pub fn gzip_len(bytes: &[u8]) -> Result<u64> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(bytes)?;
    Ok(encoder.finish()?.len() as u64)
}

/// The binaries the build and the local runtime use, all installed by `cargo xtask setup`.
struct Tools {
    worker_build: PathBuf,
    wasm_bindgen: PathBuf,
    esbuild: PathBuf,
    wasm_opt: PathBuf,
}

impl Tools {
    fn find(root: &Path) -> Result<Tools> {
        let bin = setup::cargo_bin_dir();
        let tools = Tools {
            worker_build: bin.join("worker-build"),
            wasm_bindgen: bin.join("wasm-bindgen"),
            esbuild: root.join(format!(
                "node_modules/@esbuild/{}/bin/esbuild",
                esbuild_platform()?
            )),
            wasm_opt: root.join("node_modules/.bin/wasm-opt"),
        };
        for path in [
            &tools.worker_build,
            &tools.wasm_bindgen,
            &tools.esbuild,
            &tools.wasm_opt,
        ] {
            if !path.exists() {
                bail!("{} is missing: run `cargo xtask setup`", path.display());
            }
        }
        Ok(tools)
    }
}

/// The name of esbuild's platform package for this machine.
fn esbuild_platform() -> Result<&'static str> {
    Ok(match (std::env::consts::OS, std::env::consts::ARCH) {
        ("linux", "x86_64") => "linux-x64",
        ("linux", "aarch64") => "linux-arm64",
        ("macos", "x86_64") => "darwin-x64",
        ("macos", "aarch64") => "darwin-arm64",
        (os, arch) => bail!("no esbuild platform package known for {os}/{arch}"),
    })
}

fn wrangler(root: &Path) -> Result<PathBuf> {
    let path = root.join("node_modules/.bin/wrangler");
    if !path.exists() {
        bail!("{} is missing: run `cargo xtask setup`", path.display());
    }
    Ok(path)
}

/// A running `wrangler dev`; dropping it stops wrangler, workerd and every other process it
/// started (they share a process group).
pub struct Dev {
    child: Child,
    /// The `.dev.vars` files written beside the other configs, and the local copies of the
    /// configs with `[ai]`, removed on drop.
    written: Vec<PathBuf>,
    base_url: String,
    log: PathBuf,
    wrangler: PathBuf,
    /// The config that owns the migrated database, and the state folder.
    database: Option<(PathBuf, String)>,
    state_dir: PathBuf,
}

impl Dev {
    /// Applies the D1 migrations of the config that has `migrations_dir` to the local state in
    /// `state_dir`, then starts `wrangler dev` for all `configs` (the first is the one served) on
    /// 127.0.0.1:`port` (a free port when `None`) with `--persist-to state_dir --test-scheduled`,
    /// logging to `state_dir/wrangler-dev.log`, and returns once `GET /` answers. `vars` (lines
    /// of `NAME=value`, may be empty) are given to every Worker: the first config's with
    /// `--env-file` (on top of its `.dev.vars`), the others' in a `.dev.vars` beside their
    /// config, which is where wrangler reads the variables of the other Workers of a
    /// multi-config session (it passes `--env-file` to the first only); those files are
    /// removed when the session stops. A config with `[ai]` runs without its `AI` binding (see
    /// the module's documentation).
    pub fn start(
        root: &Path,
        configs: &[PathBuf],
        port: Option<u16>,
        state_dir: &Path,
        vars: &str,
    ) -> Result<Dev> {
        Dev::start_with_ai(root, configs, port, state_dir, vars, None)
    }

    /// [`Dev::start`], with the `AI` binding of the configs that declare `[ai]` bound to the
    /// Workers AI stand-in at `ai` (`127.0.0.1:port`, speaking the binding's inner protocol)
    /// when given.
    pub fn start_with_ai(
        root: &Path,
        configs: &[PathBuf],
        port: Option<u16>,
        state_dir: &Path,
        vars: &str,
        ai: Option<&str>,
    ) -> Result<Dev> {
        if configs.is_empty() {
            bail!("wrangler dev needs at least one config");
        }
        let wrangler = wrangler(root)?;
        std::fs::create_dir_all(state_dir)?;
        let state_dir = state_dir
            .canonicalize()
            .with_context(|| format!("cannot resolve {}", state_dir.display()))?;
        let configs: Vec<PathBuf> = configs
            .iter()
            .map(|c| {
                c.canonicalize()
                    .with_context(|| format!("no wrangler config at {}", c.display()))
            })
            .collect::<Result<_>>()?;
        let mut written = Vec::new();
        let plugin = root.join(LOCAL_AI_PLUGIN);
        let configs: Vec<PathBuf> = configs
            .into_iter()
            .map(|config| {
                let local = config.with_file_name(LOCAL_CONFIG);
                let text = std::fs::read_to_string(&config)
                    .with_context(|| format!("cannot read {}", config.display()))?;
                match without_ai(&text, &plugin, ai)
                    .with_context(|| format!("in {}", config.display()))?
                {
                    Some(copy) => {
                        std::fs::write(&local, copy)
                            .with_context(|| format!("cannot write {}", local.display()))?;
                        written.push(local.clone());
                        Ok(local)
                    }
                    None => {
                        remove_written(&local);
                        Ok(config)
                    }
                }
            })
            .collect::<Result<_>>()?;

        let mut database = None;
        for config in &configs {
            for binding in migrated_databases(config)? {
                apply_migrations(&wrangler, config, &binding, &state_dir)?;
                database.get_or_insert((config.clone(), binding));
            }
        }

        let port = match port {
            Some(p) => p,
            None => free_port()?,
        };
        let inspector_port = free_port()?;
        let log = state_dir.join("wrangler-dev.log");
        let log_file = std::fs::File::create(&log)
            .with_context(|| format!("cannot create {}", log.display()))?;
        let mut command = Command::new(&wrangler);
        command.current_dir(root).arg("dev");
        for config in &configs {
            command.arg("-c").arg(config);
        }
        for config in &configs[1..] {
            let path = config.with_file_name(".dev.vars");
            if vars.is_empty() {
                remove_written(&path);
            } else {
                std::fs::write(&path, format!("{WRITTEN_VARS}\n{vars}"))
                    .with_context(|| format!("cannot write {}", path.display()))?;
                written.push(path);
            }
        }
        if !vars.is_empty() {
            let env_file = state_dir.join("workers.env");
            std::fs::write(&env_file, vars)
                .with_context(|| format!("cannot write {}", env_file.display()))?;
            // `--env-file` replaces the default `.dev.vars`/`.env` lookup: name both.
            command.arg("--env-file").arg(root.join(".dev.vars"));
            command.arg("--env-file").arg(&env_file);
        }
        command
            .args(["--ip", "127.0.0.1", "--port", &port.to_string()])
            .args(["--inspector-port", &inspector_port.to_string()])
            .arg("--persist-to")
            .arg(&state_dir)
            .args(["--test-scheduled", "--show-interactive-dev-session=false"])
            .env("WRANGLER_SEND_METRICS", "false")
            .env("NO_COLOR", "1")
            .env("FORCE_COLOR", "0")
            .stdin(Stdio::null())
            .stdout(log_file.try_clone()?)
            .stderr(log_file);
        #[cfg(unix)]
        std::os::unix::process::CommandExt::process_group(&mut command, 0);
        let child = command.spawn().context("cannot start wrangler dev")?;
        let mut dev = Dev {
            child,
            written,
            base_url: format!("http://127.0.0.1:{port}"),
            log,
            wrangler,
            database,
            state_dir,
        };
        dev.wait_ready()?;
        Ok(dev)
    }

    /// `GET /__scheduled?cron=<cron>`, which runs the gateway's scheduled handler for that cron;
    /// an error unless it answers 200.
    fn scheduled(&self, cron: &str) -> Result<()> {
        let path = format!("/__scheduled?cron={cron}");
        let response = self.request("GET", &path, None)?;
        if response.status != 200 {
            bail!("GET {path}: {} {}", response.status, response.body);
        }
        Ok(())
    }

    /// `method` `path` against the running Worker.
    pub fn request(&self, method: &str, path: &str, body: Option<&str>) -> Result<HttpResponse> {
        http_request(&self.base_url, method, path, body)
    }

    fn wait_ready(&mut self) -> Result<()> {
        let (base, log) = (self.base_url.clone(), self.log.clone());
        crate::process::wait_until_answers(
            &mut self.child,
            "wrangler dev",
            &log,
            READY_TIMEOUT,
            || http_request(&base, "GET", "/", None).is_ok(),
        )
    }
}

/// The Workers under `wrangler dev` as a [`Deployment`]: the schedules through
/// `/__scheduled` (`--test-scheduled`), the database read with `wrangler d1 execute --local`,
/// the log wrangler writes.
impl Deployment for Dev {
    fn name(&self) -> &str {
        "workers"
    }

    /// `http://127.0.0.1:<port>`.
    fn base_url(&self) -> &str {
        &self.base_url
    }

    /// `GET /__scheduled?cron=*/10+*+*+*+*`.
    fn sweep(&self) -> Result<()> {
        self.scheduled(SWEEP_CRON)
    }

    /// `GET /__scheduled?cron=15+0+*+*+*`: the gateway asks the analytics Worker for the
    /// rollup.
    fn rollup(&self) -> Result<()> {
        self.scheduled(ROLLUP_CRON)
    }

    /// Read by `wrangler d1 execute --local` on the migrated database (not through any Worker:
    /// the tests check the Workers' answers against it).
    fn query(&self, sql: &str) -> Result<Vec<serde_json::Value>> {
        let (config, binding) = self
            .database
            .as_ref()
            .context("no config of this wrangler dev has a migrated database")?;
        let folder = config.parent().unwrap_or(Path::new("."));
        // The running Workers write the same SQLite file: a read may find it locked for a
        // moment (SQLITE_BUSY), which a retry resolves.
        let mut attempt = 0;
        let out = loop {
            let out = Command::new(&self.wrangler)
                .current_dir(folder)
                .args(["d1", "execute", binding, "--local", "--json", "-c"])
                .arg(config)
                .arg("--persist-to")
                .arg(&self.state_dir)
                .arg("--command")
                .arg(sql)
                .env("WRANGLER_SEND_METRICS", "false")
                .env("NO_COLOR", "1")
                .env("CI", "true")
                .stdin(Stdio::null())
                .output()
                .context("cannot start wrangler d1 execute")?;
            if out.status.success() {
                break out;
            }
            let text = format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
            attempt += 1;
            if attempt < 20 && (text.contains("SQLITE_BUSY") || text.contains("database is locked"))
            {
                std::thread::sleep(Duration::from_millis(250));
                continue;
            }
            bail!("wrangler d1 execute failed ({}): {text}", out.status);
        };
        let parsed: serde_json::Value = serde_json::from_slice(&out.stdout).with_context(|| {
            format!(
                "wrangler d1 execute printed no JSON: {}",
                String::from_utf8_lossy(&out.stdout)
            )
        })?;
        Ok(parsed[0]["results"].as_array().cloned().unwrap_or_default())
    }

    /// `state_dir/wrangler-dev.log`: wrangler's and every Worker's output.
    fn log_path(&self) -> &Path {
        &self.log
    }
}

impl Drop for Dev {
    fn drop(&mut self) {
        crate::process::stop_group(&mut self.child);
        for path in &self.written {
            remove_written(path);
        }
    }
}

/// The first line of the `.dev.vars` files and config copies [`Dev::start`] writes: only such
/// files are removed.
const WRITTEN_VARS: &str =
    "# Written by `cargo xtask` for one wrangler dev session; removed when it stops.";

/// Removes `path` if [`Dev::start`] wrote it (a session that crashed leaves its file behind).
fn remove_written(path: &Path) {
    let ours = std::fs::read_to_string(path).is_ok_and(|t| t.starts_with(WRITTEN_VARS));
    if ours {
        let _ = std::fs::remove_file(path);
    }
}

/// The local copy of a config with `[ai]`, beside it (gitignored).
pub const LOCAL_CONFIG: &str = ".wrangler.local-dev.toml";

/// The miniflare plugin that binds `AI` to a local address.
const LOCAL_AI_PLUGIN: &str = "tools/provider-servers/miniflare/local-ai-plugin.mjs";

/// The config `text` with its `[ai]` table replaced by the binding of [`LOCAL_AI_PLUGIN`]
/// (`plugin`) to the Workers AI stand-in at `ai`, or left out without one; `None` when it has no
/// `[ai]`. The copy starts with [`WRITTEN_VARS`], so that only such copies are removed.
fn without_ai(text: &str, plugin: &Path, ai: Option<&str>) -> Result<Option<String>> {
    let parsed: toml::Table = toml::from_str(text).context("not TOML")?;
    let Some(table) = parsed.get("ai") else {
        return Ok(None);
    };
    let binding = table
        .get("binding")
        .and_then(toml::Value::as_str)
        .context("[ai] without a binding name")?;
    let mut copy = format!(
        "{WRITTEN_VARS}\n# A copy of the config beside it whose [ai] binding, which wrangler dev \
         cannot run offline, is replaced (see xtask/src/workers.rs).\n"
    );
    let mut in_ai = false;
    for line in text.lines() {
        let trimmed = line.trim();
        if trimmed.starts_with('[') {
            in_ai = trimmed.split('#').next().map(str::trim) == Some("[ai]");
        }
        if !in_ai {
            copy.push_str(line);
            copy.push('\n');
        }
    }
    if let Some(address) = ai {
        let quoted = |s: &str| toml::Value::String(s.to_string()).to_string();
        copy.push_str(&format!(
            "\n# Workers AI: workerd's AI binding, its model calls sent to the stand-in at {address}.\n\
             [[unsafe.bindings]]\nname = {}\ntype = \"ai\"\n\
             dev = {{ plugin = {{ package = {}, name = \"local-ai\" }}, options = {{ address = {} }} }}\n",
            quoted(binding),
            quoted(&plugin.to_string_lossy()),
            quoted(address),
        ));
    }
    let check: toml::Table = toml::from_str(&copy).context("the local copy is not TOML")?;
    anyhow::ensure!(check.get("ai").is_none(), "[ai] was not removed");
    Ok(Some(copy))
}

/// Bindings of the `[[d1_databases]]` in `config` that have a `migrations_dir`.
fn migrated_databases(config: &Path) -> Result<Vec<String>> {
    let text = std::fs::read_to_string(config)?;
    let value: toml::Table =
        toml::from_str(&text).with_context(|| format!("cannot parse {}", config.display()))?;
    Ok(value
        .get("d1_databases")
        .and_then(toml::Value::as_array)
        .into_iter()
        .flatten()
        .filter(|db| db.get("migrations_dir").is_some())
        .filter_map(|db| db.get("binding")?.as_str().map(str::to_string))
        .collect())
}

fn apply_migrations(wrangler: &Path, config: &Path, binding: &str, state: &Path) -> Result<()> {
    let folder = config.parent().unwrap_or(Path::new("."));
    let start = Instant::now();
    let out = Command::new(wrangler)
        .current_dir(folder)
        .args(["d1", "migrations", "apply", binding, "--local", "-c"])
        .arg(config)
        .arg("--persist-to")
        .arg(state)
        .env("WRANGLER_SEND_METRICS", "false")
        .env("NO_COLOR", "1")
        .env("FORCE_COLOR", "0")
        .env("CI", "true")
        .stdin(Stdio::null())
        .output()
        .context("cannot start wrangler d1 migrations apply")?;
    if !out.status.success() {
        bail!(
            "wrangler d1 migrations apply {binding} failed ({}):\n{}{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    println!(
        "workers: D1 migrations applied to {binding} ({}) in {:.1} s",
        config.display(),
        start.elapsed().as_secs_f64()
    );
    Ok(())
}

/// A port nothing listens on right now.
pub fn free_port() -> Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// Status and body of an HTTP response.
#[derive(Debug, Clone)]
pub struct HttpResponse {
    pub status: u16,
    /// Header names lower-cased, values as sent.
    pub headers: Vec<(String, String)>,
    pub body: String,
    /// The body as received (images).
    pub bytes: Vec<u8>,
}

impl HttpResponse {
    /// The first value of a header (`name` in lower case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The body as JSON.
    pub fn json(&self) -> Result<serde_json::Value> {
        serde_json::from_str(&self.body)
            .with_context(|| format!("response {} is not JSON: {}", self.status, self.body))
    }
}

/// A plain HTTP/1.1 request (`Connection: close`) to `base` (`http://host:port`).
pub fn http_request(
    base: &str,
    method: &str,
    path: &str,
    body: Option<&str>,
) -> Result<HttpResponse> {
    http_request_with(base, method, path, &[], body)
}

/// [`http_request`] with extra header lines (`("Authorization", "Bearer ...")`).
pub fn http_request_with(
    base: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<&str>,
) -> Result<HttpResponse> {
    let host = base
        .strip_prefix("http://")
        .context("only http:// is supported")?;
    let mut stream = TcpStream::connect(host)?;
    stream.set_read_timeout(Some(Duration::from_secs(30)))?;
    let body = body.unwrap_or("");
    let mut request =
        format!("{method} {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\nAccept: */*\r\n");
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    if !body.is_empty() || method != "GET" {
        request.push_str(&format!(
            "Content-Type: text/plain\r\nContent-Length: {}\r\n",
            body.len()
        ));
    }
    request.push_str("\r\n");
    request.push_str(body);
    stream.write_all(request.as_bytes())?;
    let response = read_response(&mut stream)?;
    crate::openapi_check::check(
        method,
        path,
        response.status,
        response.header("content-type").unwrap_or_default(),
        &response.body,
    )?;
    Ok(response)
}

/// Reads one response: the head, then the body by `Content-Length`, by chunks, or to the end of
/// the stream. Does not wait for the server to close a connection it keeps alive.
fn read_response(stream: &mut impl Read) -> Result<HttpResponse> {
    let mut raw = Vec::new();
    let mut buf = [0u8; 8192];
    loop {
        let n = stream.read(&mut buf)?;
        if n > 0 {
            raw.extend_from_slice(&buf[..n]);
        }
        if let Some(response) = parse_response(&raw, n == 0)? {
            return Ok(response);
        }
        if n == 0 {
            bail!("connection closed before a complete HTTP response");
        }
    }
}

/// The response in `raw` once it is complete (`None` while more bytes are needed); `eof` says the
/// stream has ended, which completes a body that has neither a length nor chunks.
fn parse_response(raw: &[u8], eof: bool) -> Result<Option<HttpResponse>> {
    let Some(split) = raw.windows(4).position(|w| w == b"\r\n\r\n") else {
        return Ok(None);
    };
    let head_text = String::from_utf8_lossy(&raw[..split]).to_string();
    let headers: Vec<(String, String)> = head_text
        .lines()
        .skip(1)
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let head = head_text.to_ascii_lowercase();
    let payload = &raw[split + 4..];
    let mut lines = head.lines();
    let status: u16 = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|s| s.parse().ok())
        .context("no HTTP status line")?;
    let mut length = None;
    let mut chunked = false;
    for line in lines {
        if let Some(v) = line.strip_prefix("content-length:") {
            length = Some(v.trim().parse::<usize>().context("bad Content-Length")?);
        } else if line.starts_with("transfer-encoding:") && line.contains("chunked") {
            chunked = true;
        }
    }
    let body = if chunked {
        match dechunk(payload)? {
            Some(body) => body,
            None => return Ok(None),
        }
    } else if let Some(length) = length {
        if payload.len() < length {
            return Ok(None);
        }
        payload[..length].to_vec()
    } else if status == 204 || status == 304 || (100..200).contains(&status) {
        Vec::new()
    } else if eof {
        payload.to_vec()
    } else {
        return Ok(None);
    };
    Ok(Some(HttpResponse {
        status,
        headers,
        body: String::from_utf8_lossy(&body).into_owned(),
        bytes: body,
    }))
}

/// The decoded chunked body, or `None` while it is incomplete.
fn dechunk(mut data: &[u8]) -> Result<Option<Vec<u8>>> {
    let mut out = Vec::new();
    loop {
        let Some(end) = data.windows(2).position(|w| w == b"\r\n") else {
            return Ok(None);
        };
        let size_text = String::from_utf8_lossy(&data[..end]);
        let size = usize::from_str_radix(size_text.split(';').next().unwrap_or("").trim(), 16)
            .context("bad chunk size")?;
        data = &data[end + 2..];
        if size == 0 {
            return Ok(Some(out));
        }
        if data.len() < size + 2 {
            return Ok(None);
        }
        out.extend_from_slice(&data[..size]);
        data = &data[size + 2..];
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_plain_and_chunked_responses() {
        let plain = b"HTTP/1.1 202 Accepted\r\nContent-Length: 2\r\n\r\n{}";
        let r = parse_response(plain, false).unwrap().unwrap();
        assert_eq!((r.status, r.body.as_str()), (202, "{}"));
        assert!(parse_response(&plain[..plain.len() - 1], false)
            .unwrap()
            .is_none());
        let chunked = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\n{\"a\"\r\n3;x=1\r\n:1}\r\n0\r\n\r\n";
        let r = parse_response(chunked, false).unwrap().unwrap();
        assert_eq!((r.status, r.body.as_str()), (200, "{\"a\":1}"));
        assert!(parse_response(&chunked[..30], false).unwrap().is_none());
        let unframed = b"HTTP/1.1 200 OK\r\n\r\nhello";
        assert!(parse_response(unframed, false).unwrap().is_none());
        let r = parse_response(unframed, true).unwrap().unwrap();
        assert_eq!(r.body, "hello");
        // Read from a stream that stays open after the response (keep-alive).
        let mut stream = &plain[..];
        assert_eq!(read_response(&mut stream).unwrap().status, 202);
    }

    #[test]
    fn a_config_with_ai_runs_from_a_copy_without_it() {
        let config = "name = \"g\"\nmain = \"build/index.js\"\n\n# Workers AI.\n[ai]\n\
                      binding = \"AI\"\n\n[[queues.producers]]\nbinding = \"Q\"\nqueue = \"q\"\n";
        let plugin = Path::new("/repo/tools/provider-servers/miniflare/local-ai-plugin.mjs");
        assert_eq!(without_ai("name = \"x\"\n", plugin, None).unwrap(), None);
        let plain: toml::Table =
            toml::from_str(&without_ai(config, plugin, None).unwrap().unwrap()).unwrap();
        assert!(plain.get("ai").is_none() && plain.get("unsafe").is_none());
        assert_eq!(plain["queues"]["producers"][0]["queue"].as_str(), Some("q"));
        assert_eq!(plain["main"].as_str(), Some("build/index.js"));
        let copy = without_ai(config, plugin, Some("127.0.0.1:4321"))
            .unwrap()
            .unwrap();
        assert!(copy.starts_with(WRITTEN_VARS));
        let bound: toml::Table = toml::from_str(&copy).unwrap();
        let unsafe_ai = &bound["unsafe"]["bindings"][0];
        assert_eq!(
            (unsafe_ai["name"].as_str(), unsafe_ai["type"].as_str()),
            (Some("AI"), Some("ai"))
        );
        assert_eq!(
            unsafe_ai["dev"]["plugin"]["package"].as_str(),
            Some(plugin.to_str().unwrap())
        );
        assert_eq!(
            unsafe_ai["dev"]["options"]["address"].as_str(),
            Some("127.0.0.1:4321")
        );
        assert_eq!(
            bound["queues"]["producers"][0]["binding"].as_str(),
            Some("Q")
        );
    }

    #[test]
    fn finds_databases_with_migrations() {
        let dir = std::env::temp_dir().join(format!("xtask-wrangler-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let config = dir.join("wrangler.toml");
        std::fs::write(
            &config,
            "name = \"x\"\n[[d1_databases]]\nbinding = \"DB\"\ndatabase_name = \"a\"\n\
             migrations_dir = \"migrations\"\n[[d1_databases]]\nbinding = \"OTHER\"\n\
             database_name = \"b\"\n",
        )
        .unwrap();
        assert_eq!(migrated_databases(&config).unwrap(), vec!["DB".to_string()]);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
