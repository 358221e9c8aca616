//! `cargo xtask bench`: the math benchmark, side by side in one run. Not a test: a missed target
//! is reported, not failed.
//!
//! For every N it writes seeded synthetic data (dim 512) to `target/bench-data/N/`, then runs
//! - `bff-bench native` (release build): `bff-math` natively, and linfa-clustering's k-means over the
//!   same K range as a Rust reference;
//! - `node tools/bench/run_wasm.mjs`: the same kernels compiled to wasm32 (simd128) in Node's V8;
//! - `python tools/bench/peer.py`: scikit-learn (KMeans + silhouette_score) and a NumPy fast-greedy DPP;
//!
//! then prints a table per N and the targets, profiles the phases of the workloads when a wasm
//! target is missed, and writes everything to `target/bench-results.json`.
//! `node` can be replaced through the `NODE` environment variable.

use std::ffi::OsString;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{bail, Context, Result};
use serde_json::{json, Value};

const DIM: usize = 512;
const SEED: u64 = 42;
const REPEAT: usize = 3;
const DPP_PICKS: usize = 24;
const THETA: f64 = 0.7;
/// `AutoKParams::default()`, passed to the peer so that it runs the same search.
const K_MIN: usize = 3;
const K_MAX: usize = 8;
const N_INIT: usize = 3;
const MAX_ITER: usize = 100;
const TOL: f64 = 1e-4;
const SILHOUETTE_EXACT_LIMIT: usize = 2000;

/// Environment variables that pin OpenBLAS to a core type or cache size: removed for the peer so
/// that NumPy's BLAS picks its kernels as on an ordinary machine.
const PEER_ENV_REMOVED: [&str; 2] = ["OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"];

/// Builds, runs every engine for every size, prints the report and writes `target/bench-results.json`.
pub fn run(root: &Path, python: &Path, sizes: &[usize]) -> Result<()> {
    if sizes.is_empty() {
        bail!("no sizes to benchmark");
    }
    let native_bin = build(root, &["-p", "bff-bench"], |artifact| {
        artifact["executable"]
            .as_str()
            .filter(|p| Path::new(p).file_stem().is_some_and(|s| s == "bff-bench"))
            .map(PathBuf::from)
    })?;
    let wasm = build(
        root,
        &["-p", "bff-bench-wasm", "--target", "wasm32-unknown-unknown"],
        |artifact| {
            artifact["filenames"]
                .as_array()?
                .iter()
                .filter_map(Value::as_str)
                .find(|p| p.ends_with(".wasm"))
                .map(PathBuf::from)
        },
    )?;
    let node = std::env::var_os("NODE").unwrap_or_else(|| "node".into());
    let peer_script = root.join("tools/bench/peer.py");
    let runner = Runner {
        root,
        native_bin: &native_bin,
        wasm: &wasm,
        node: &node,
        python,
        peer_script: &peer_script,
    };

    let mut runs = Vec::with_capacity(sizes.len());
    for &n in sizes {
        runs.push(runner.measure(n)?);
    }
    let targets = evaluate_targets(&runs);

    let mut report = String::new();
    for run in &runs {
        report.push_str(&size_table(run));
        report.push('\n');
    }
    report.push_str(&targets_table(&targets));

    // Profile the sizes whose wasm targets were missed, to show where the time goes.
    let mut profiles = Vec::new();
    let mut missed: Vec<usize> = targets
        .iter()
        .filter(|t| t.status == Status::Miss)
        .map(|t| t.n)
        .collect();
    missed.sort_unstable();
    missed.dedup();
    for n in missed {
        eprintln!("bench: N = {n}: profiling the phases (native, wasm)");
        let native = runner.native_profile(n).map_err(|e| format!("{e:#}"));
        let wasm = runner.wasm_profile(n).map_err(|e| format!("{e:#}"));
        report.push('\n');
        report.push_str(&profile_table(n, &native, &wasm));
        profiles
            .push(json!({ "n": n, "native": outcome_json(&native), "wasm": outcome_json(&wasm) }));
    }
    let media = media(root, &node, &wasm);
    report.push('\n');
    report.push_str(&media_table(&media));
    print!("{report}");

    let results = json!({
        "media": outcome_json(&media),
        "settings": {
            "dim": DIM, "seed": SEED, "repeat": REPEAT, "sizes": sizes,
            "auto_k": { "k_min": K_MIN, "k_max": K_MAX, "n_init": N_INIT, "max_iter": MAX_ITER,
                        "tol": TOL, "silhouette_exact_limit": SILHOUETTE_EXACT_LIMIT },
            "dpp": { "picks": DPP_PICKS, "theta": THETA },
        },
        "machine": {
            "arch": std::env::consts::ARCH,
            "os": std::env::consts::OS,
            "cores": std::thread::available_parallelism().map_or(1, |p| p.get()),
        },
        "runs": runs.iter().map(|r| json!({
            "n": r.n,
            "native": outcome_json(&r.native),
            "wasm": outcome_json(&r.wasm),
            "peer": outcome_json(&r.peer),
        })).collect::<Vec<_>>(),
        "targets": targets.iter().map(|t| json!({
            "target": t.label, "n": t.n, "value": t.value, "status": t.status.as_str(), "note": t.note,
        })).collect::<Vec<_>>(),
        "profiles": profiles,
    });
    let path = root.join("target/bench-results.json");
    std::fs::write(&path, serde_json::to_string_pretty(&results)? + "\n")
        .with_context(|| format!("writing {}", path.display()))?;
    println!("\nfull results: {}", path.display());

    let failed: Vec<String> = runs
        .iter()
        .flat_map(|r| {
            [("native", &r.native), ("wasm", &r.wasm), ("peer", &r.peer)]
                .into_iter()
                .filter(|(_, o)| o.is_err())
                .map(move |(engine, _)| format!("{engine} at N = {}", r.n))
        })
        .collect();
    if !failed.is_empty() {
        bail!("some engine runs failed: {}", failed.join(", "));
    }
    Ok(())
}

/// `cargo build --release ARGS`, returning the artifact that `pick` recognises in cargo's JSON messages.
fn build(root: &Path, args: &[&str], pick: impl Fn(&Value) -> Option<PathBuf>) -> Result<PathBuf> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    eprintln!("bench: cargo build --release {}", args.join(" "));
    let output = Command::new(&cargo)
        .current_dir(root)
        .args([
            "build",
            "--release",
            "--message-format=json-render-diagnostics",
        ])
        .args(args)
        .stdin(Stdio::null())
        .stderr(Stdio::inherit())
        .output()
        .context("starting cargo")?;
    if !output.status.success() {
        bail!("cargo build {} failed ({})", args.join(" "), output.status);
    }
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .filter(|message| message["reason"] == "compiler-artifact")
        .find_map(|artifact| pick(&artifact))
        .with_context(|| format!("cargo build {} reported no artifact", args.join(" ")))
}

/// The result of one engine: its JSON line, or why it failed.
type Outcome = std::result::Result<Value, String>;

fn outcome_json(outcome: &Outcome) -> Value {
    match outcome {
        Ok(value) => value.clone(),
        Err(error) => json!({ "error": error }),
    }
}

struct SizeRun {
    n: usize,
    native: Outcome,
    wasm: Outcome,
    peer: Outcome,
}

struct Runner<'a> {
    root: &'a Path,
    native_bin: &'a Path,
    wasm: &'a Path,
    node: &'a OsString,
    python: &'a Path,
    peer_script: &'a Path,
}

impl Runner<'_> {
    fn data_dir(&self, n: usize) -> PathBuf {
        self.root.join("target/bench-data").join(n.to_string())
    }

    fn points(&self, n: usize) -> String {
        self.data_dir(n).join("points.f32").display().to_string()
    }

    fn quality(&self, n: usize) -> String {
        self.data_dir(n).join("quality.f32").display().to_string()
    }

    /// The arguments every engine shares.
    fn data_args(&self, n: usize) -> Vec<String> {
        [
            "--points",
            &self.points(n),
            "--quality",
            &self.quality(n),
            "--n",
            &n.to_string(),
            "--dim",
            &DIM.to_string(),
            "--seed",
            &SEED.to_string(),
        ]
        .map(String::from)
        .to_vec()
    }

    fn measure(&self, n: usize) -> Result<SizeRun> {
        eprintln!("bench: N = {n}: generating data");
        let dir = self.data_dir(n);
        let status = Command::new(self.native_bin)
            .args(["gen", "--n", &n.to_string(), "--dim", &DIM.to_string()])
            .args(["--seed", &SEED.to_string(), "--out"])
            .arg(&dir)
            .stdin(Stdio::null())
            .status()
            .context("starting bff-bench gen")?;
        if !status.success() {
            bail!("bff-bench gen --n {n} failed ({status})");
        }

        eprintln!("bench: N = {n}: native (bff-math, linfa-clustering)");
        let native = json_line(
            "bff-bench native",
            Command::new(self.native_bin)
                .arg("native")
                .args(self.data_args(n))
                .args(["--repeat", &REPEAT.to_string()])
                .args(["--picks", &DPP_PICKS.to_string()])
                .args(["--theta", &THETA.to_string()]),
        );

        eprintln!("bench: N = {n}: wasm in node");
        let wasm = json_line(
            "run_wasm.mjs",
            self.wasm_command(n).args(["--repeat", &REPEAT.to_string()]),
        );

        eprintln!("bench: N = {n}: peer (scikit-learn, NumPy)");
        let peer = if self.peer_script.is_file() {
            let mut command = Command::new(self.python);
            command
                .current_dir(self.root)
                .arg(self.peer_script)
                .args(["--points", &self.points(n), "--n", &n.to_string()])
                .args(["--dim", &DIM.to_string(), "--quality", &self.quality(n)])
                .args(["--k-min", &K_MIN.to_string(), "--k-max", &K_MAX.to_string()])
                .args([
                    "--n-init",
                    &N_INIT.to_string(),
                    "--max-iter",
                    &MAX_ITER.to_string(),
                ])
                .args(["--tol", &format!("{TOL:e}")])
                .args([
                    "--silhouette-exact-limit",
                    &SILHOUETTE_EXACT_LIMIT.to_string(),
                ])
                .args([
                    "--seed",
                    &SEED.to_string(),
                    "--dpp-picks",
                    &DPP_PICKS.to_string(),
                ])
                .args([
                    "--theta",
                    &THETA.to_string(),
                    "--repeat",
                    &REPEAT.to_string(),
                ]);
            for variable in PEER_ENV_REMOVED {
                command.env_remove(variable);
            }
            json_line("peer.py", &mut command)
        } else {
            Err(format!("{} does not exist", self.peer_script.display()))
        };
        Ok(SizeRun {
            n,
            native,
            wasm,
            peer,
        })
    }

    fn wasm_command(&self, n: usize) -> Command {
        let mut command = Command::new(self.node);
        command
            .arg(self.root.join("tools/bench/run_wasm.mjs"))
            .arg("--wasm")
            .arg(self.wasm)
            .args(self.data_args(n))
            .args(["--picks", &DPP_PICKS.to_string()])
            .args(["--theta", &THETA.to_string()]);
        command
    }

    fn native_profile(&self, n: usize) -> Result<Value> {
        json_line(
            "bff-bench profile",
            Command::new(self.native_bin)
                .arg("profile")
                .args(self.data_args(n))
                .args(["--picks", &DPP_PICKS.to_string()])
                .args(["--theta", &THETA.to_string()]),
        )
        .map_err(anyhow::Error::msg)
    }

    fn wasm_profile(&self, n: usize) -> Result<Value> {
        json_line(
            "run_wasm.mjs --profile",
            self.wasm_command(n).arg("--profile"),
        )
        .map_err(anyhow::Error::msg)
    }
}

/// Runs a command that prints one JSON line last on stdout; an error keeps the end of its stderr.
fn json_line(what: &str, command: &mut Command) -> Outcome {
    let output = command
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("{what}: could not start: {e}"))?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let lines: Vec<&str> = stderr.lines().collect();
        let tail = lines[lines.len().saturating_sub(12)..].join("\n");
        return Err(format!("{what} failed ({}):\n{tail}", output.status));
    }
    let stdout = String::from_utf8_lossy(&output.stdout);
    let line = stdout
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .ok_or_else(|| format!("{what} printed nothing"))?;
    serde_json::from_str(line).map_err(|e| format!("{what} printed no JSON ({e}): {line}"))
}

/// A number at `path` (keys) in a successful outcome.
fn num(outcome: &Outcome, path: &[&str]) -> Option<f64> {
    let mut value = outcome.as_ref().ok()?;
    for key in path {
        value = value.get(key)?;
    }
    value.as_f64()
}

fn indices(outcome: &Outcome, key: &str) -> Option<Vec<u64>> {
    outcome
        .as_ref()
        .ok()?
        .get(key)?
        .as_array()?
        .iter()
        .map(Value::as_u64)
        .collect()
}

/// Three significant digits, or "—" when missing.
fn sig(value: Option<f64>) -> String {
    match value {
        Some(0.0) => "0".to_owned(),
        Some(v) if v.is_finite() => {
            let decimals = (2 - v.abs().log10().floor() as i32).clamp(0, 9) as usize;
            format!("{v:.decimals$}")
        }
        _ => "—".to_owned(),
    }
}

fn ratio(a: Option<f64>, b: Option<f64>) -> Option<f64> {
    Some(a? / b?).filter(|r| r.is_finite())
}

/// Aligned text table: first column left-aligned, the others right-aligned.
fn render(headers: &[&str], rows: &[Vec<String>]) -> String {
    let width = |c: usize| {
        rows.iter()
            .map(|r| r[c].chars().count())
            .chain([headers[c].chars().count()])
            .max()
            .unwrap_or(0)
    };
    let widths: Vec<usize> = (0..headers.len()).map(width).collect();
    let line = |cells: Vec<&str>| {
        let mut out = String::from("  ");
        for (c, cell) in cells.iter().enumerate() {
            let pad = widths[c] - cell.chars().count();
            if c == 0 {
                out.push_str(cell);
                out.push_str(&" ".repeat(pad));
            } else {
                out.push_str("  ");
                out.push_str(&" ".repeat(pad));
                out.push_str(cell);
            }
        }
        out.trim_end().to_owned() + "\n"
    };
    let mut out = line(headers.to_vec());
    for row in rows {
        out.push_str(&line(row.iter().map(String::as_str).collect()));
    }
    out
}

fn size_table(run: &SizeRun) -> String {
    let (native, wasm, peer) = (&run.native, &run.wasm, &run.peer);
    let best_k = |o: &Outcome| num(o, &["best_k"]).map_or("—".to_owned(), |k| format!("{k}"));
    let auto_k = vec![
        "auto-K".to_owned(),
        sig(num(native, &["auto_k_seconds"])),
        sig(num(wasm, &["auto_k_seconds"])),
        sig(num(peer, &["auto_k_seconds"])),
        sig(ratio(
            num(wasm, &["auto_k_seconds"]),
            num(peer, &["auto_k_seconds"]),
        )),
        sig(ratio(
            num(wasm, &["auto_k_seconds"]),
            num(native, &["auto_k_seconds"]),
        )),
        sig(num(native, &["linfa", "seconds"])),
        sig(num(native, &["auto_k_peak_rss_mb"])),
        sig(num(wasm, &["auto_k_memory_mb"])),
        sig(num(wasm, &["peak_rss_mb"])),
        sig(num(peer, &["peak_rss_mb"])),
        format!("K {} / {} / {}", best_k(native), best_k(wasm), best_k(peer)),
    ];
    let picks_note = match (
        indices(native, "dpp_picks"),
        indices(wasm, "dpp_picks"),
        indices(peer, "dpp_picks"),
    ) {
        (n, Some(w), p) => {
            let same = if n.as_ref() == Some(&w) {
                "= native"
            } else {
                "≠ native"
            };
            let shared = p.map_or("—".to_owned(), |p| {
                format!("{}/{}", w.iter().filter(|i| p.contains(i)).count(), p.len())
            });
            format!("{} picks {same}, {shared} in peer's", w.len())
        }
        _ => "—".to_owned(),
    };
    let dpp = vec![
        "DPP".to_owned(),
        sig(num(native, &["dpp_seconds"])),
        sig(num(wasm, &["dpp_seconds"])),
        sig(num(peer, &["dpp_seconds"])),
        sig(ratio(
            num(wasm, &["dpp_seconds"]),
            num(peer, &["dpp_seconds"]),
        )),
        sig(ratio(
            num(wasm, &["dpp_seconds"]),
            num(native, &["dpp_seconds"]),
        )),
        "".to_owned(),
        sig(num(native, &["dpp_peak_rss_mb"])),
        sig(num(wasm, &["dpp_memory_mb"])),
        sig(num(wasm, &["peak_rss_mb"])),
        sig(num(peer, &["peak_rss_mb"])),
        picks_note,
    ];
    let headers = [
        "workload",
        "native s",
        "wasm s",
        "peer s",
        "wasm/peer",
        "wasm/native",
        "linfa s",
        "native MB",
        "wasm MB",
        "node MB",
        "peer MB",
        "native / wasm / peer",
    ];
    let mut out = format!(
        "N = {}, dim {DIM}: best of {REPEAT} after a warm-up; peer = scikit-learn (auto-K), NumPy (DPP)\n",
        run.n
    );
    out.push_str(&render(&headers, &[auto_k, dpp]));
    out.push_str(
        "  MB: native and peer = peak RSS (native per workload), wasm = linear memory per workload, \
         node = process peak RSS\n",
    );
    for (engine, outcome) in [("native", native), ("wasm", wasm), ("peer", peer)] {
        if let Err(error) = outcome {
            let _ = writeln!(out, "  {engine} failed: {}", error.replace('\n', "\n    "));
        }
    }
    if let Ok(p) = peer {
        let blas = p["blas"].as_array().map(|libs| {
            libs.iter()
                .map(|l| {
                    format!(
                        "{} {} ×{}",
                        l["internal_api"].as_str().unwrap_or("?"),
                        l["version"].as_str().unwrap_or(""),
                        l["num_threads"]
                    )
                })
                .collect::<Vec<_>>()
                .join(", ")
        });
        let _ = writeln!(
            out,
            "  peer: {} {}",
            p["versions"],
            blas.unwrap_or_else(|| p["blas"].to_string())
        );
    }
    if let Some(t) = num(native, &["linfa", "threads"]) {
        let _ = writeln!(
            out,
            "  threads: native and wasm 1, linfa {t} (rayon), peer as its BLAS/OpenMP pools"
        );
    }
    out
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Status {
    Pass,
    Miss,
    NotMeasured,
}

impl Status {
    fn as_str(self) -> &'static str {
        match self {
            Status::Pass => "PASS",
            Status::Miss => "MISS",
            Status::NotMeasured => "n/a",
        }
    }
}

struct Target {
    label: &'static str,
    n: usize,
    value: Option<f64>,
    shown: String,
    status: Status,
    note: String,
}

fn evaluate_targets(runs: &[SizeRun]) -> Vec<Target> {
    let find = |n: usize| runs.iter().find(|r| r.n == n);
    let target = |label, n, value: Option<f64>, shown: String, pass: bool| {
        let (status, note) = match (find(n), value) {
            (None, _) => (Status::NotMeasured, format!("N = {n} was not run")),
            (Some(_), None) => (Status::NotMeasured, "an engine failed".to_owned()),
            (Some(_), Some(_)) if pass => (Status::Pass, String::new()),
            (Some(_), Some(_)) => (Status::Miss, String::new()),
        };
        Target {
            label,
            n,
            value,
            shown: if value.is_some() {
                shown
            } else {
                "—".to_owned()
            },
            status,
            note,
        }
    };
    let wasm = |n: usize, key: &str| find(n).and_then(|r| num(&r.wasm, &[key]));
    let peer = |n: usize, key: &str| find(n).and_then(|r| num(&r.peer, &[key]));

    let ratio_1000 = ratio(wasm(1000, "auto_k_seconds"), peer(1000, "auto_k_seconds"));
    let time_5000 = wasm(5000, "auto_k_seconds");
    let memory_5000 = wasm(5000, "auto_k_memory_mb");
    let dpp_1000 = wasm(1000, "dpp_seconds");
    vec![
        target(
            "auto-K N=1000: wasm / scikit-learn <= 1.0",
            1000,
            ratio_1000,
            sig(ratio_1000),
            ratio_1000.is_some_and(|r| r <= 1.0),
        ),
        target(
            "auto-K N=5000: wasm < 2 s",
            5000,
            time_5000,
            format!("{} s", sig(time_5000)),
            time_5000.is_some_and(|t| t < 2.0),
        ),
        target(
            "auto-K N=5000: wasm memory < 128 MB",
            5000,
            memory_5000,
            format!("{} MB", sig(memory_5000)),
            memory_5000.is_some_and(|m| m < 128.0),
        ),
        target(
            "DPP 24 of 1000: wasm < 5 ms",
            1000,
            dpp_1000,
            format!("{} ms", sig(dpp_1000.map(|s| s * 1000.0))),
            dpp_1000.is_some_and(|s| s < 0.005),
        ),
    ]
}

fn targets_table(targets: &[Target]) -> String {
    let rows: Vec<Vec<String>> = targets
        .iter()
        .map(|t| {
            vec![
                t.label.to_owned(),
                t.shown.clone(),
                t.status.as_str().to_owned(),
                t.note.clone(),
            ]
        })
        .collect();
    format!(
        "targets\n{}",
        render(&["target", "measured", "status", ""], &rows)
    )
}

/// Phase breakdown of both workloads from `bff-bench profile` and `run_wasm.mjs --profile`.
fn profile_table(n: usize, native: &Outcome, wasm: &Outcome) -> String {
    let sum = |o: &Outcome, key: &str| -> Option<f64> {
        o.as_ref()
            .ok()?
            .get(key)?
            .as_array()?
            .iter()
            .map(Value::as_f64)
            .sum()
    };
    let one = |o: &Outcome, key: &str| num(o, &[key]);
    let k_count = (K_MAX - K_MIN + 1) as f64;
    // Each k-means++ fit scans for duplicate rows once, as choose_k does once more.
    let seeding = |o: &Outcome| {
        Some(sum(o, "kmeans_one_iteration_seconds")? - k_count * one(o, "distinct_rows_seconds")?)
    };
    let lloyd = |o: &Outcome| {
        Some(sum(o, "kmeans_full_seconds")? - sum(o, "kmeans_one_iteration_seconds")?)
    };
    let scans = |o: &Outcome| Some((k_count + 1.0) * one(o, "distinct_rows_seconds")?);
    let total = |o: &Outcome| {
        Some(
            one(o, "load_seconds")?
                + one(o, "distinct_rows_seconds")?
                + one(o, "distance_matrix_seconds")?
                + sum(o, "silhouette_seconds")?
                + sum(o, "kmeans_full_seconds")?,
        )
    };
    let dpp_rest = |o: &Outcome| Some(one(o, "dpp_seconds")? - one(o, "dpp_one_pick_seconds")?);
    let gmacs = |o: &Outcome| {
        Some(DPP_PICKS as f64 * n as f64 * DIM as f64 / one(o, "dot_rows_seconds")? / 1e9)
    };
    let rows_of = |o: &Outcome| one(o, "distance_rows").unwrap_or(0.0);
    let iterations = sum(wasm, "iterations").or(sum(native, "iterations"));
    type Phase<'a> = (String, Box<dyn Fn(&Outcome) -> Option<f64> + 'a>);
    let phases: Vec<Phase> = vec![
        (
            "auto-K: copy + validation".into(),
            Box::new(|o| one(o, "load_seconds")),
        ),
        (
            format!("auto-K: duplicate-row scans ({})", K_MAX - K_MIN + 2),
            Box::new(scans),
        ),
        (
            format!(
                "auto-K: distance matrix ({} rows)",
                rows_of(wasm).max(rows_of(native))
            ),
            Box::new(|o| one(o, "distance_matrix_seconds")),
        ),
        (
            format!("auto-K: silhouettes ({} K)", K_MAX - K_MIN + 1),
            Box::new(|o| sum(o, "silhouette_seconds")),
        ),
        (
            format!(
                "auto-K: k-means++ seeding (+1 iteration), {N_INIT} runs × {} K",
                K_MAX - K_MIN + 1
            ),
            Box::new(seeding),
        ),
        (
            format!(
                "auto-K: remaining Lloyd iterations (best runs: {} in all)",
                iterations.map_or("—".to_owned(), |i| format!("{i}"))
            ),
            Box::new(lloyd),
        ),
        ("auto-K: sum of the phases".into(), Box::new(total)),
        (
            "DPP: normalisation + first pick".into(),
            Box::new(|o| one(o, "dpp_one_pick_seconds")),
        ),
        (
            format!("DPP: the other {} picks", DPP_PICKS - 1),
            Box::new(dpp_rest),
        ),
        (
            format!("DPP: {DPP_PICKS} kernel rows alone ({DPP_PICKS} × N dot products)"),
            Box::new(|o| one(o, "dot_rows_seconds")),
        ),
        ("dot-product kernel, GMAC/s".into(), Box::new(gmacs)),
    ];
    let rows: Vec<Vec<String>> = phases
        .iter()
        .map(|(label, f)| {
            vec![
                label.clone(),
                sig(f(native)),
                sig(f(wasm)),
                sig(ratio(f(wasm), f(native))),
            ]
        })
        .collect();
    let mut out = format!(
        "profile, N = {n}: seconds, each phase timed alone, best of 3 after a warm-up (k-means seeded per K)\n"
    );
    out.push_str(&render(&["phase", "native", "wasm", "wasm/native"], &rows));
    for (engine, outcome) in [("native", native), ("wasm", wasm)] {
        if let Err(error) = outcome {
            let _ = writeln!(
                out,
                "  {engine} profile failed: {}",
                error.replace('\n', "\n    ")
            );
        }
    }
    out
}

/// The sketch renderer and the descriptor embedder at 512 x 768 in V8 (`run_wasm_media.mjs`).
fn media(root: &Path, node: &OsString, wasm: &Path) -> Outcome {
    eprintln!("bench: media: sketch renderer and descriptor embedder in node");
    json_line(
        "run_wasm_media.mjs",
        Command::new(node)
            .arg(root.join("tools/bench/run_wasm_media.mjs"))
            .arg("--wasm")
            .arg(wasm),
    )
}

/// Per-image times of the media workloads against their targets.
fn media_table(media: &Outcome) -> String {
    let value = match media {
        Ok(v) => v,
        Err(e) => return format!("media: {e}\n"),
    };
    let ms = |key: &str| value[key].as_f64().map(|s| s * 1000.0);
    let row = |name: &str, key: &str, target_ms: f64| match ms(key) {
        Some(t) => format!(
            "  {name:<44} {t:>7.1} ms  target < {target_ms} ms  {}\n",
            if t < target_ms { "PASS" } else { "MISS" }
        ),
        None => format!("  {name:<44} not measured\n"),
    };
    let mut out =
        String::from("media, one 512 x 768 image, wasm in node (slowest of the sample designs)\n");
    out.push_str(&row("sketch render (PNG)", "render_worst_seconds", 50.0));
    out.push_str(&row(
        "descriptor embed (PNG decode + 512-d vector)",
        "embed_worst_seconds",
        30.0,
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(n: usize, wasm: Value, peer: Value) -> SizeRun {
        SizeRun {
            n,
            native: Err("not run".to_owned()),
            wasm: Ok(wasm),
            peer: Ok(peer),
        }
    }

    #[test]
    fn numbers_keep_three_significant_digits() {
        assert_eq!(sig(Some(2.2474)), "2.25");
        assert_eq!(sig(Some(0.0026823)), "0.00268");
        assert_eq!(sig(Some(145.7)), "146");
        assert_eq!(sig(Some(0.0)), "0");
        assert_eq!(sig(None), "—");
        assert_eq!(sig(Some(f64::NAN)), "—");
    }

    #[test]
    fn tables_align_columns() {
        let table = render(&["a", "bb"], &[vec!["long".into(), "1".into()]]);
        assert_eq!(table, "  a     bb\n  long   1\n");
    }

    #[test]
    fn targets_pass_miss_or_are_not_measured() {
        let runs = [
            run(
                1000,
                json!({"auto_k_seconds": 0.2, "dpp_seconds": 0.006}),
                json!({"auto_k_seconds": 0.4}),
            ),
            run(
                5000,
                json!({"auto_k_seconds": 2.5, "auto_k_memory_mb": 46.0}),
                json!({}),
            ),
        ];
        let status: Vec<Status> = evaluate_targets(&runs).iter().map(|t| t.status).collect();
        assert_eq!(
            status,
            [Status::Pass, Status::Miss, Status::Pass, Status::Miss]
        );
        let status: Vec<Status> = evaluate_targets(&runs[..1])
            .iter()
            .map(|t| t.status)
            .collect();
        assert_eq!(
            status,
            [
                Status::Pass,
                Status::NotMeasured,
                Status::NotMeasured,
                Status::Miss
            ]
        );
    }
}
