//! `bff-bench`: the native side of the math benchmark.
//!
//! - `gen` writes seeded synthetic clustered data: unit vectors `normalise(centre + noise)` around
//!   a few random unit centres, and a quality in [0, 1) per point, as raw little-endian `f32`.
//! - `native` times the workloads of `bff-bench-wasm` (the very code that is compiled to wasm) and,
//!   as a Rust reference, linfa-clustering's k-means over the same K range; prints one JSON line.
//! - `profile` times the phases of the automatic-K search one by one; prints one JSON line.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{anyhow, bail, Context, Result};
use bff_bench_wasm::Phases;
use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use serde_json::{json, Value};

/// Number of true clusters in the generated data, and their shares of the points.
const CLUSTER_WEIGHTS: [f64; 6] = [0.25, 0.2, 0.17, 0.15, 0.12, 0.11];
/// Euclidean norm of the noise added to a unit centre before normalising: within a cluster two
/// points then have a cosine of about 1 / (1 + 0.8²) ≈ 0.61, across clusters about 0.
const NOISE_NORM: f64 = 0.8;
/// The K range and settings of `AutoKParams::default()`, used for the linfa reference too.
const K_RANGE: std::ops::RangeInclusive<usize> = 3..=8;
const N_RUNS: usize = 3;
const MAX_ITERATIONS: usize = 100;
const TOLERANCE: f64 = 1e-4;
const SILHOUETTE_EXACT_LIMIT: usize = 2000;

const USAGE: &str = "usage:
  bff-bench gen --n N --dim D --seed S --out DIR
  bff-bench native --points FILE --quality FILE --n N --dim D --seed S [--repeat 3] [--picks 24] [--theta 0.7] [--no-linfa]
  bff-bench profile --points FILE --quality FILE --n N --dim D --seed S [--picks 24] [--theta 0.7]";

fn main() -> Result<()> {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    if args.is_empty() || args.iter().any(|a| a == "--help" || a == "-h") {
        println!("{USAGE}");
        return Ok(());
    }
    let command = args.remove(0);
    let mut args = Args::parse(args)?;
    match command.as_str() {
        "gen" => {
            let n = args.number("n")?;
            let dim = args.number("dim")?;
            let seed = args.number("seed")?;
            let out = PathBuf::from(args.text("out")?);
            args.finish()?;
            generate_files(n, dim, seed as u64, &out)
        }
        "native" => {
            let options = NativeOptions {
                points: PathBuf::from(args.text("points")?),
                quality: PathBuf::from(args.text("quality")?),
                n: args.number("n")?,
                dim: args.number("dim")?,
                seed: args.number("seed")? as u64,
                repeat: args.number_or("repeat", 3)?.max(1),
                picks: args.number_or("picks", 24)?,
                theta: args.float_or("theta", 0.7)?,
                linfa: !args.flag("no-linfa"),
            };
            args.finish()?;
            println!("{}", run_native(&options)?);
            Ok(())
        }
        "profile" => {
            let points = PathBuf::from(args.text("points")?);
            let quality = PathBuf::from(args.text("quality")?);
            let n = args.number("n")?;
            let dim = args.number("dim")?;
            let seed = args.number("seed")? as u64;
            let picks = args.number_or("picks", 24)?;
            let theta = args.float_or("theta", 0.7)?;
            args.finish()?;
            let data = read_f32(&points, n * dim)?;
            let quality = read_f32(&quality, n)?;
            println!("{}", run_profile(&data, &quality, dim, seed, picks, theta)?);
            Ok(())
        }
        other => bail!("unknown command {other:?}\n{USAGE}"),
    }
}

/// `--name value` pairs and `--flag` switches.
struct Args(Vec<(String, Option<String>)>);

impl Args {
    fn parse(raw: Vec<String>) -> Result<Self> {
        let mut pairs = Vec::new();
        let mut iter = raw.into_iter().peekable();
        while let Some(arg) = iter.next() {
            let name = arg
                .strip_prefix("--")
                .ok_or_else(|| anyhow!("unexpected argument {arg:?}\n{USAGE}"))?
                .to_owned();
            let value = match iter.peek() {
                Some(next) if !next.starts_with("--") => iter.next(),
                _ => None,
            };
            pairs.push((name, value));
        }
        Ok(Self(pairs))
    }

    fn take(&mut self, name: &str) -> Option<Option<String>> {
        let pos = self.0.iter().position(|(n, _)| n == name)?;
        Some(self.0.remove(pos).1)
    }

    fn text(&mut self, name: &str) -> Result<String> {
        self.take(name)
            .flatten()
            .ok_or_else(|| anyhow!("--{name} VALUE is required\n{USAGE}"))
    }

    fn number(&mut self, name: &str) -> Result<usize> {
        let text = self.text(name)?;
        text.parse()
            .with_context(|| format!("--{name} {text:?} is not a whole number"))
    }

    fn number_or(&mut self, name: &str, default: usize) -> Result<usize> {
        match self.take(name) {
            None => Ok(default),
            Some(value) => {
                let text = value.ok_or_else(|| anyhow!("--{name} needs a value"))?;
                text.parse()
                    .with_context(|| format!("--{name} {text:?} is not a whole number"))
            }
        }
    }

    fn float_or(&mut self, name: &str, default: f64) -> Result<f64> {
        match self.take(name) {
            None => Ok(default),
            Some(value) => {
                let text = value.ok_or_else(|| anyhow!("--{name} needs a value"))?;
                text.parse()
                    .with_context(|| format!("--{name} {text:?} is not a number"))
            }
        }
    }

    fn flag(&mut self, name: &str) -> bool {
        self.take(name).is_some()
    }

    fn finish(self) -> Result<()> {
        match self.0.first() {
            None => Ok(()),
            Some((name, _)) => bail!("unknown option --{name}\n{USAGE}"),
        }
    }
}

/// One standard normal variate (Box–Muller).
fn gaussian(rng: &mut impl Rng) -> f64 {
    let u1: f64 = 1.0 - rng.random::<f64>(); // in (0, 1]: ln is finite
    let u2: f64 = rng.random();
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

fn normalise(v: &mut [f64]) {
    let norm = v.iter().map(|x| x * x).sum::<f64>().sqrt();
    v.iter_mut().for_each(|x| *x /= norm);
}

/// Seeded clustered unit vectors (row-major `n × dim`) and qualities in [0, 1).
fn generate(n: usize, dim: usize, seed: u64) -> (Vec<f32>, Vec<f32>) {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let centres: Vec<Vec<f64>> = CLUSTER_WEIGHTS
        .iter()
        .map(|_| {
            let mut c: Vec<f64> = (0..dim).map(|_| gaussian(&mut rng)).collect();
            normalise(&mut c);
            c
        })
        .collect();
    let sigma = NOISE_NORM / (dim as f64).sqrt();
    let mut points = Vec::with_capacity(n * dim);
    let mut row = vec![0.0f64; dim];
    for _ in 0..n {
        let mut u: f64 = rng.random();
        let cluster = CLUSTER_WEIGHTS
            .iter()
            .position(|&w| {
                u -= w;
                u < 0.0
            })
            .unwrap_or(CLUSTER_WEIGHTS.len() - 1);
        for (x, c) in row.iter_mut().zip(&centres[cluster]) {
            *x = c + sigma * gaussian(&mut rng);
        }
        normalise(&mut row);
        points.extend(row.iter().map(|&x| x as f32));
    }
    let quality = (0..n).map(|_| rng.random::<f32>()).collect();
    (points, quality)
}

fn write_f32(path: &Path, values: &[f32]) -> Result<()> {
    let bytes: Vec<u8> = values.iter().flat_map(|v| v.to_le_bytes()).collect();
    fs::write(path, bytes).with_context(|| format!("writing {}", path.display()))
}

fn read_f32(path: &Path, expected: usize) -> Result<Vec<f32>> {
    let bytes = fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    if bytes.len() != expected * 4 {
        bail!(
            "{} holds {} bytes, expected {expected} f32 ({} bytes)",
            path.display(),
            bytes.len(),
            expected * 4
        );
    }
    Ok(bytes
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect())
}

fn generate_files(n: usize, dim: usize, seed: u64, out: &Path) -> Result<()> {
    if n == 0 || dim == 0 {
        bail!("--n and --dim must be positive");
    }
    let (points, quality) = generate(n, dim, seed);
    fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
    write_f32(&out.join("points.f32"), &points)?;
    write_f32(&out.join("quality.f32"), &quality)?;
    eprintln!(
        "wrote {n} × {dim} points and {n} qualities (seed {seed}) to {}",
        out.display()
    );
    Ok(())
}

/// Resident memory figures of this process from /proc/self/status, in MB.
fn proc_status_mb(field: &str) -> Option<f64> {
    let status = fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

/// Peak resident memory (VmHWM) in MB.
fn peak_rss_mb() -> Option<f64> {
    proc_status_mb("VmHWM:")
}

/// Returns freed heap memory to the system, then resets the peak to the current resident memory
/// (Linux `clear_refs` 5), so that the next [`peak_rss_mb`] measures one workload; true when the
/// kernel accepted the reset.
fn reset_peak_rss() -> bool {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only releases free memory of the allocator; it has no preconditions.
    unsafe {
        libc::malloc_trim(0);
    }
    fs::write("/proc/self/clear_refs", "5").is_ok()
}

struct NativeOptions {
    points: PathBuf,
    quality: PathBuf,
    n: usize,
    dim: usize,
    seed: u64,
    repeat: usize,
    picks: usize,
    theta: f64,
    linfa: bool,
}

/// Runs `f` once to warm up, then `repeat` times; returns every timed duration (s) and the last result.
fn timed<T>(repeat: usize, mut f: impl FnMut() -> Result<T>) -> Result<(Vec<f64>, T)> {
    let mut result = f()?;
    let mut times = Vec::with_capacity(repeat);
    for _ in 0..repeat {
        let start = Instant::now();
        result = f()?;
        times.push(start.elapsed().as_secs_f64());
    }
    Ok((times, result))
}

fn best(times: &[f64]) -> f64 {
    times.iter().copied().fold(f64::INFINITY, f64::min)
}

fn run_native(o: &NativeOptions) -> Result<Value> {
    let points = read_f32(&o.points, o.n * o.dim)?;
    let quality = read_f32(&o.quality, o.n)?;
    let baseline = proc_status_mb("VmRSS:");
    let peaks_resettable = reset_peak_rss();

    let (auto_k_times, auto_k) = timed(o.repeat, || {
        bff_bench_wasm::auto_k(&points, o.dim, o.seed).map_err(|e| anyhow!("auto-K: {e}"))
    })?;
    let auto_k_peak = peak_rss_mb();

    reset_peak_rss();
    let (dpp_times, picks) = timed(o.repeat, || {
        bff_bench_wasm::dpp(&points, &quality, o.dim, o.picks, o.theta)
            .map_err(|e| anyhow!("DPP: {e}"))
    })?;
    let dpp_peak = peak_rss_mb();

    let linfa = if o.linfa {
        reset_peak_rss();
        let array = ndarray::Array2::from_shape_vec((o.n, o.dim), points.clone())?;
        let dataset = linfa::DatasetBase::from(array);
        let (times, inertias) = timed(o.repeat, || linfa_kmeans(&dataset, o.seed))?;
        json!({
            "seconds": best(&times),
            "times": times,
            "inertias": inertias,
            "peak_rss_mb": peak_rss_mb(),
            "threads": std::thread::available_parallelism().map_or(1, |p| p.get()),
        })
    } else {
        Value::Null
    };

    let peak = [auto_k_peak, dpp_peak]
        .into_iter()
        .flatten()
        .reduce(f64::max);
    let silhouettes: Vec<Value> = auto_k
        .silhouettes
        .iter()
        .map(|(k, s)| json!({"k": k, "silhouette": s}))
        .collect();
    Ok(json!({
        "engine": "native",
        "n": o.n,
        "dim": o.dim,
        "seed": o.seed,
        "repeat": o.repeat,
        "auto_k_seconds": best(&auto_k_times),
        "auto_k_times": auto_k_times,
        "best_k": auto_k.best_k,
        "silhouette": auto_k.silhouette,
        "silhouettes": silhouettes,
        "auto_k_peak_rss_mb": auto_k_peak,
        "dpp_seconds": best(&dpp_times),
        "dpp_times": dpp_times,
        "dpp_picks": picks,
        "dpp_peak_rss_mb": dpp_peak,
        "peak_rss_mb": peak,
        "peaks_per_workload": peaks_resettable,
        "baseline_rss_mb": baseline,
        "linfa": linfa,
        "threads": 1,
    }))
}

/// linfa-clustering's k-means (k-means++, 3 runs, 100 iterations, tolerance 1e-4) for every K of
/// the range; returns the inertias.
fn linfa_kmeans<T>(
    dataset: &linfa::DatasetBase<ndarray::Array2<f32>, T>,
    seed: u64,
) -> Result<Vec<f32>> {
    use linfa::traits::Fit;
    use rand_xoshiro_06::rand_core::SeedableRng as _;
    K_RANGE
        .map(|k| {
            let model = linfa_clustering::KMeans::params_with_rng(
                k,
                rand_xoshiro_06::Xoshiro256Plus::seed_from_u64(seed),
            )
            .n_runs(N_RUNS)
            .max_n_iterations(MAX_ITERATIONS as u64)
            .tolerance(TOLERANCE as f32)
            .fit(dataset)
            .map_err(|e| anyhow!("linfa k-means, K = {k}: {e}"))?;
            Ok(model.inertia())
        })
        .collect()
}

/// Best of 3 timed runs of `f` after a warm-up run (same procedure as `run_wasm.mjs --profile`).
fn warm_timed<T>(f: impl FnMut() -> Result<T>) -> Result<(f64, T)> {
    let (times, result) = timed(3, f)?;
    Ok((best(&times), result))
}

/// Times the phases of both workloads (same procedure as `run_wasm.mjs --profile`).
fn run_profile(
    points: &[f32],
    quality: &[f32],
    dim: usize,
    seed: u64,
    picks: usize,
    theta: f64,
) -> Result<Value> {
    let start = Instant::now();
    let mut phases = Phases::new(points, quality, dim).map_err(|e| anyhow!(e))?;
    let load = start.elapsed().as_secs_f64();
    let (distinct, _) = warm_timed(|| Ok(phases.distinct_rows()))?;
    let (distance, rows) = warm_timed(|| Ok(phases.distance_matrix(SILHOUETTE_EXACT_LIMIT)))?;
    let mut silhouette = Vec::new();
    let mut seeding = Vec::new();
    let mut full = Vec::new();
    let mut iterations = Vec::new();
    for k in K_RANGE {
        let (s, _) = warm_timed(|| phases.silhouette(k).map_err(|e| anyhow!(e)))?;
        silhouette.push(s);
        let (s, _) = warm_timed(|| {
            phases
                .kmeans(k, N_RUNS, 1, seed + k as u64)
                .map_err(|e| anyhow!(e))
        })?;
        seeding.push(s);
        let (s, (_, iters)) = warm_timed(|| {
            phases
                .kmeans(k, N_RUNS, MAX_ITERATIONS, seed + k as u64)
                .map_err(|e| anyhow!(e))
        })?;
        full.push(s);
        iterations.push(iters);
    }
    let (dot_rows, _) = warm_timed(|| Ok(phases.dot_rows(picks)))?;
    let (dpp_one, _) = warm_timed(|| phases.dpp(1, theta).map_err(|e| anyhow!(e)))?;
    let (dpp_all, _) = warm_timed(|| phases.dpp(picks, theta).map_err(|e| anyhow!(e)))?;
    Ok(json!({
        "engine": "native",
        "n": phases.len(),
        "dim": dim,
        "k": K_RANGE.collect::<Vec<_>>(),
        "load_seconds": load,
        "distinct_rows_seconds": distinct,
        "distance_matrix_seconds": distance,
        "distance_rows": rows,
        "silhouette_seconds": silhouette,
        "kmeans_one_iteration_seconds": seeding,
        "kmeans_full_seconds": full,
        "iterations": iterations,
        "dot_rows": picks,
        "dot_rows_seconds": dot_rows,
        "dpp_one_pick_seconds": dpp_one,
        "dpp_seconds": dpp_all,
        "dpp_picks": picks,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_data_is_seeded_unit_and_in_range() {
        let (points, quality) = generate(50, 16, 7);
        assert_eq!(points.len(), 50 * 16);
        assert_eq!(quality.len(), 50);
        for row in points.chunks_exact(16) {
            let norm: f32 = row.iter().map(|x| x * x).sum::<f32>().sqrt();
            assert!((norm - 1.0).abs() < 1e-5);
        }
        assert!(quality.iter().all(|q| (0.0..1.0).contains(q)));
        assert_eq!(generate(50, 16, 7), (points, quality));
        assert_ne!(generate(50, 16, 8).0, generate(50, 16, 7).0);
    }

    #[test]
    fn arguments_parse_and_unknown_ones_are_refused() {
        let raw = ["--n", "10", "--no-linfa", "--theta", "0.5"].map(String::from);
        let mut args = Args::parse(raw.to_vec()).unwrap();
        assert_eq!(args.number("n").unwrap(), 10);
        assert!(args.flag("no-linfa"));
        assert_eq!(args.float_or("theta", 0.7).unwrap(), 0.5);
        assert_eq!(args.number_or("repeat", 3).unwrap(), 3);
        assert!(args.finish().is_ok());
        let mut args = Args::parse(vec!["--bogus".into()]).unwrap();
        assert!(args.number("n").is_err());
        assert!(args.finish().is_err());
        assert!(Args::parse(vec!["stray".into()]).is_err());
    }
}
