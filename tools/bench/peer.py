#!/usr/bin/env python3
"""Python peer of the bff-math benchmark: automatic K (k-means + silhouette) and DPP selection.

Reads raw little-endian float32 embeddings (n x dim, row-major) and qualities (n values in [0, 1]),
times the two stages with time.perf_counter (best of --repeat) and prints ONE JSON line:

    {"auto_k_seconds", "best_k", "silhouettes": {k: s}, "dpp_seconds", "dpp_picks",
     "peak_rss_mb", "baseline_rss_mb", "versions", "blas"}

Data stay float32 end to end, as on the Rust side (scikit-learn's KMeans then runs in float32).

    python3 tools/bench/peer.py --points x.f32 --quality q.f32 --n 1000 --dim 512
    python3 tools/bench/peer.py --self-check   # fast DPP greedy == naive greedy, then exit
"""

import argparse
import json
import platform
import resource
import sys
import time
from pathlib import Path

import joblib
import numpy as np
import scipy
import sklearn
import threadpoolctl
from sklearn.cluster import KMeans
from sklearn.metrics import silhouette_score

GOLDEN = Path(__file__).resolve().parents[2] / "tests" / "golden" / "reference.json"
DPP_EPSILON = 1e-9


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--points", type=Path, help="raw little-endian float32, n*dim values, row-major")
    p.add_argument("--n", type=int)
    p.add_argument("--dim", type=int)
    p.add_argument("--quality", type=Path, help="raw little-endian float32, n values in [0, 1]")
    p.add_argument("--k-min", type=int, default=3)
    p.add_argument("--k-max", type=int, default=8)
    p.add_argument("--n-init", type=int, default=3)
    p.add_argument("--max-iter", type=int, default=100)
    p.add_argument("--tol", type=float, default=1e-4)
    p.add_argument("--silhouette-exact-limit", type=int, default=2000,
                   help="above this many points the silhouette is computed on a sample of this size")
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--dpp-picks", type=int, default=24)
    p.add_argument("--theta", type=float, default=0.7)
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--threads", type=int, default=None,
                   help="cap BLAS and OpenMP threads (threadpoolctl); default: library defaults")
    p.add_argument("--self-check", action="store_true",
                   help="check the fast DPP greedy against the naive one and the golden file, then exit")
    args = p.parse_args(argv)
    if not args.self_check:
        missing = [f"--{a}" for a in ("points", "n", "dim", "quality") if getattr(args, a) is None]
        if missing:
            p.error("required: " + " ".join(missing))
        if not 2 <= args.k_min <= args.k_max:
            p.error("need 2 <= --k-min <= --k-max")
        if not 0.0 <= args.theta < 1.0:
            p.error("--theta must be in [0, 1)")
    return args


def load_f32(path, count, what):
    values = np.fromfile(path, dtype="<f4")
    if values.size != count:
        sys.exit(f"{path}: expected {count} float32 values for {what}, found {values.size}")
    if not np.isfinite(values).all():
        sys.exit(f"{path}: {what} contain non-finite values")
    return values.astype(np.float32, copy=False)  # native byte order


# ---------------------------------------------------------------------------------------------
# (a) automatic K
# ---------------------------------------------------------------------------------------------


def auto_k(x, args):
    """Fits k-means for every k in [k_min, k_max] and keeps the k with the best silhouette.

    Ties go to the smaller k (the first maximum in increasing k).
    """
    n = x.shape[0]
    sample = args.silhouette_exact_limit if n > args.silhouette_exact_limit else None
    silhouettes = {}
    for k in range(args.k_min, args.k_max + 1):
        km = KMeans(n_clusters=k, init="k-means++", n_init=args.n_init, max_iter=args.max_iter,
                    tol=args.tol, random_state=args.seed, algorithm="lloyd").fit(x)
        silhouettes[k] = float(silhouette_score(x, km.labels_, sample_size=sample, random_state=args.seed))
    best_k = max(silhouettes, key=silhouettes.get)
    return best_k, silhouettes


# ---------------------------------------------------------------------------------------------
# (b) DPP greedy MAP
# ---------------------------------------------------------------------------------------------
#
# Kernel: r = exp(alpha q) with alpha = theta / (2 (1 - theta)), S = (1 + X X^T) / 2 and
# L = diag(r) S diag(r), so row j of L is r_j * r * (1 + X x_j) / 2: each step needs one
# matrix-vector product, never the n x n kernel.


def quality_weights(quality, theta):
    alpha = theta / (2.0 * (1.0 - theta))
    return np.exp(alpha * np.asarray(quality, dtype=np.float64))


def dpp_fast_greedy(x, quality, theta, max_picks, epsilon=DPP_EPSILON):
    """Fast greedy MAP inference (Chen, Zhang & Zhou, NeurIPS 2018, Algorithm 1).

    Keeps, for every item i, the row c_i of the incremental Cholesky factor of L restricted to the
    picks and d_i^2 = det(L_{Y+i}) / det(L_Y). Adding item j appends e_i = (L_ji - <c_j, c_i>) / d_j
    to every c_i and subtracts e_i^2 from d_i^2: O(n k) work per step plus one kernel row.
    Returns (picks, gains) with gains[t] = d_j^2 of the t-th pick; argmax takes the lowest index
    on exact ties, and the loop stops early when the best gain falls below epsilon.
    """
    n = x.shape[0]
    max_picks = min(max_picks, n)
    r = quality_weights(quality, theta)
    sq_norms = np.einsum("ij,ij->i", x, x).astype(np.float64)
    d2 = r * r * (1.0 + sq_norms) / 2.0  # diagonal of L
    c = np.zeros((max_picks, n))
    picks, gains = [], []
    while len(picks) < max_picks:
        j = int(np.argmax(d2))
        if d2[j] < epsilon:
            break
        picks.append(j)
        gains.append(float(d2[j]))
        if len(picks) == max_picks:
            break
        t = len(picks) - 1
        kernel_row = r[j] * r * (1.0 + (x @ x[j]).astype(np.float64)) / 2.0
        e = (kernel_row - c[:t, j] @ c[:t]) / np.sqrt(d2[j])
        c[t] = e
        d2 = d2 - e * e
        d2[picks] = -np.inf  # never pick twice
    return picks, gains


def dpp_naive_greedy(x, quality, theta, max_picks, epsilon=DPP_EPSILON):
    """Reference greedy: recomputes det(L_{Y+i}) / det(L_Y) with slogdet for every candidate."""
    x = np.asarray(x, dtype=np.float64)
    r = quality_weights(quality, theta)
    kernel = r[:, None] * ((1.0 + x @ x.T) / 2.0) * r[None, :]
    picks, gains, log_det = [], [], 0.0
    while len(picks) < min(max_picks, len(x)):
        cand = [i for i in range(len(x)) if i not in picks]
        g = []
        for i in cand:
            sign, ld = np.linalg.slogdet(kernel[np.ix_(picks + [i], picks + [i])])
            g.append(np.exp(ld - log_det) if sign > 0 else 0.0)
        best = int(np.argmax(g))
        if g[best] < epsilon:
            break
        picks.append(cand[best])
        gains.append(float(g[best]))
        log_det = np.linalg.slogdet(kernel[np.ix_(picks, picks)])[1]
    return picks, gains


def self_check():
    """Fast greedy against the naive greedy on golden-style cases and against the golden file."""
    failures = []

    def compare(label, got, want, rtol):
        (p1, g1), (p2, g2) = got, want
        ok = p1 == p2 and np.allclose(g1, g2, rtol=rtol, atol=0)
        print(f"{'ok  ' if ok else 'FAIL'} {label}: {len(p1)} picks", file=sys.stderr)
        if not ok:
            failures.append(label)

    rng = np.random.default_rng(7)
    # Golden-style cases: small dims, the rank-limited epsilon stop, near-duplicates, all thetas.
    for n, dim, picks, theta in [(30, 8, 15, 0.5), (20, 8, 6, 0.0), (100, 32, 12, 0.7), (60, 32, 20, 0.9),
                                 (50, 512, 10, 0.7)]:
        x = rng.normal(size=(n, dim))
        x[n // 2:n // 2 + 3] = x[0] + 1e-3 * rng.normal(size=(3, dim))  # near-duplicates of row 0
        x /= np.linalg.norm(x, axis=1, keepdims=True)
        q = rng.uniform(size=n)
        want = dpp_naive_greedy(x, q, theta, picks)
        compare(f"random n={n} dim={dim} theta={theta} (float64)", dpp_fast_greedy(x, q, theta, picks), want, 1e-7)
        # The benchmark runs on float32 data: same picks, gains close. Skipped where float32
        # rounding legitimately changes the answer: with theta = 0 every first gain is 1 up to
        # rounding (a tie settled by noise), and past the rank of L the residual gains are
        # float32 noise (~1e-7) rather than float64 noise, so the epsilon stop does not fire.
        if theta == 0.0 or picks > dim + 1:
            continue
        x32 = x.astype(np.float32)
        compare(f"random n={n} dim={dim} theta={theta} (float32)", dpp_fast_greedy(x32, q, theta, picks),
                dpp_naive_greedy(x32, q, theta, picks), 1e-4)

    if GOLDEN.exists():
        for case in json.loads(GOLDEN.read_text())["dpp"]:
            x = np.array(case["points"])
            args = (np.array(case["quality"]), case["theta"], case["max_picks"], case["epsilon"])
            want = (case["picks"], case["gains"])
            compare(f"golden {case['name']} (float64)", dpp_fast_greedy(x, *args), want, 1e-9)
            compare(f"golden {case['name']} (float32)", dpp_fast_greedy(x.astype(np.float32), *args), want, 1e-9)
    else:
        print(f"note: {GOLDEN} not found, golden cases skipped", file=sys.stderr)

    if failures:
        print(f"self-check failed: {len(failures)} case(s)", file=sys.stderr)
        return 1
    print("self-check passed", file=sys.stderr)
    return 0


# ---------------------------------------------------------------------------------------------


def rss_mb():
    # ru_maxrss is the peak resident set size, in KiB on Linux.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def best_time(fn, repeat):
    best, result = float("inf"), None
    for _ in range(max(1, repeat)):
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return best, result


def blas_summary():
    keep = ("user_api", "internal_api", "prefix", "version", "num_threads", "threading_layer", "architecture")
    libs = [{k: info[k] for k in keep if k in info} for info in threadpoolctl.threadpool_info()]
    # threadpool_info() lists libraries in load order, which varies: sort for stable output.
    return sorted(libs, key=lambda d: (d.get("user_api") or "", d.get("prefix") or "", str(d.get("version"))))


def main(argv=None):
    args = parse_args(argv)
    if args.self_check:
        return self_check()

    x = load_f32(args.points, args.n * args.dim, "points").reshape(args.n, args.dim)
    quality = load_f32(args.quality, args.n, "quality")
    if quality.min() < 0.0 or quality.max() > 1.0:
        sys.exit(f"{args.quality}: quality values must lie in [0, 1]")
    baseline = rss_mb()

    with threadpoolctl.threadpool_limits(limits=args.threads):
        auto_k_seconds, (best_k, silhouettes) = best_time(lambda: auto_k(x, args), args.repeat)
        dpp_seconds, (picks, _gains) = best_time(
            lambda: dpp_fast_greedy(x, quality, args.theta, args.dpp_picks), args.repeat)
        blas = blas_summary()  # inside the limits, so num_threads shows what was used

    result = {
        "auto_k_seconds": auto_k_seconds,
        "best_k": best_k,
        "silhouettes": {str(k): s for k, s in silhouettes.items()},
        "dpp_seconds": dpp_seconds,
        "dpp_picks": picks,
        "peak_rss_mb": rss_mb(),
        "baseline_rss_mb": baseline,
        "versions": {
            "python": platform.python_version(),
            "numpy": np.__version__,
            "scikit-learn": sklearn.__version__,
            "scipy": scipy.__version__,
            "threadpoolctl": threadpoolctl.__version__,
            "joblib": joblib.__version__,
        },
        "blas": blas,
    }
    print(json.dumps(result, separators=(",", ":")))
    return 0


if __name__ == "__main__":
    sys.exit(main())
