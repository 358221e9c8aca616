#!/usr/bin/env python3
"""Golden reference data for the bff-math tests (silhouette, k-means, automatic K, DPP selection).

    python3 tests/golden/make_golden.py > tests/golden/reference.json

Everything is drawn from numpy ``default_rng`` with fixed seeds, so the output is byte-for-byte
reproducible with the pinned versions in tools/bench/requirements.txt.

Conventions the consumer needs to know:

* ``points`` hold float32 values. Silhouette / k-means / auto-K points are rounded to 6 significant
  digits and then to float32; every number in the file is the shortest decimal of that float32,
  and the generator checks that parsing it as f64 and casting to f32 (serde's path) or parsing it
  straight to f32 gives the same float32. All references are computed in float64 *from those
  float32 values*, so a Rust test that reads the points as f32 sees exactly the same input.
  "Unit" rows therefore have norms of 1 within about 1e-6; re-normalising them is harmless.
* DPP points are dyadic: every coordinate is an integer over 256 and every row's squared norm is
  exactly 1, so the similarity S = (1 + X X^T) / 2 is exact in f32 and f64 alike (dot products of
  such rows are exact even with f32 accumulators). Quality values are integers over 256 too.
  This makes the theta = 0 first step an exact tie (every gain is 1), which the lowest-index rule
  settles: index 0 is picked first. The rank-limited case stops on epsilon because, past the rank
  of L, the residual gains are float64 rounding noise (~1e-16); computing kernel entries or the
  Cholesky updates in f32 would leave ~1e-7 residuals there, above epsilon.
* k-means follows scikit-learn's Lloyd loop: ``n_iter`` counts assignment steps, including the
  final one whose labels equal the previous step's (strict convergence with tol = 0); ``centres``
  are the means of the final clusters; ``inertia`` is the sum of squared distances to them.
  No case ever produces an empty cluster.
* Labels are compared up to a permutation where they come from a randomised fit (auto_k); in the
  kmeans cases the initial centres fix the numbering (label j = initial centre j).
* auto_k per-k silhouette and inertia for k other than the true K depend on the k-means++ draws
  (local optima), so they are only loose references there; best_k and the labels at best_k are
  unambiguous (checked: the silhouette gap to the runner-up exceeds 0.05 and the best partition
  is the generating one).

Every case is checked for robustness before it is written: k-means assignments have a clear
margin at every iteration, DPP argmax steps have a clear margin (except the exact theta = 0 tie),
so an implementation that computes in a different order, or with f32 inputs and f64
accumulation, should still agree exactly on labels, n_iter and picks.
"""

import json
import platform
import sys

import numpy as np
import scipy
import sklearn
from sklearn.cluster import KMeans
from sklearn.metrics import adjusted_rand_score, silhouette_samples, silhouette_score

COMMAND = "python3 tests/golden/make_golden.py > tests/golden/reference.json"

# Robustness thresholds. Squared-distance gaps are relative to the largest squared row norm
# (an f32 dot product in 512-D errs by roughly 1e-6 of that); DPP gains are relative to the winner.
KMEANS_MARGIN = 1e-4
DPP_MARGIN = 1e-6
AUTO_K_MARGIN = 0.05
DPP_EPSILON = 1e-9


def note(message):
    """Progress and robustness margins go to stderr; stdout carries only the JSON."""
    print(message, file=sys.stderr)


# ---------------------------------------------------------------------------------------------
# Data: quantisation and generators
# ---------------------------------------------------------------------------------------------


def to_f32_short(a):
    """Round to 6 significant digits, then to float32.

    Returns (json_values, values): json_values are Python floats whose repr is the short decimal;
    values is the float32 result widened to float64, the exact input of every reference.
    """
    a = np.asarray(a, dtype=np.float64)
    dec = np.array([float(f"{v:.6g}") for v in a.ravel()]).reshape(a.shape)
    f32 = dec.astype(np.float32)
    # The f64 neighbours of each decimal must round to the same float32, so that a parser that is
    # off by one f64 ulp, or one that rounds the decimal straight to f32, still gets this value.
    for neighbour in (np.nextafter(dec, np.inf), np.nextafter(dec, -np.inf)):
        assert np.array_equal(neighbour.astype(np.float32), f32), "decimal too close to an f32 midpoint"
    return dec, f32.astype(np.float64)


def normalise(a):
    return a / np.linalg.norm(a, axis=1, keepdims=True)


def unit_clusters(rng, sizes, dim, spread):
    """Unit vectors normalise(centre + noise) around random unit centres, shuffled.

    ``spread`` is the expected norm of the noise relative to the unit centre.
    Returns (points, true_labels).
    """
    centres = normalise(rng.normal(size=(len(sizes), dim)))
    labels = np.repeat(np.arange(len(sizes)), sizes)
    noise = rng.normal(size=(labels.size, dim)) * (spread / np.sqrt(dim))
    points = normalise(centres[labels] + noise)
    order = rng.permutation(labels.size)
    return points[order], labels[order]


def blobs_2d(rng, centres, sizes, scale):
    centres = np.asarray(centres, dtype=np.float64)
    labels = np.repeat(np.arange(len(sizes)), sizes)
    points = centres[labels] + rng.normal(scale=scale, size=(labels.size, 2))
    order = rng.permutation(labels.size)
    return points[order], labels[order]


DYADIC_BITS = 8  # DPP coordinates are integers over 2^8


def dyadic_unit(directions):
    """Approximates each direction by a row of integers over 256 whose squared norm is exactly 1.

    Each row starts from the rounding of a scaled direction (scales within 2% of 256, closest
    norms first); the remaining deficit is removed by changing at most three coordinates by at
    most 3 each, so a row moves by at most about 5/256 from its direction.
    """
    denom = 2**DYADIC_BITS
    target = denom * denom
    scales = denom * (1.0 + np.linspace(-0.02, 0.02, 401))
    rows = []
    for u in normalise(np.asarray(directions, dtype=np.float64)):
        ints = np.rint(scales[:, None] * u[None, :]).astype(np.int64)
        deficits = target - (ints * ints).sum(axis=1)
        candidates = [ints[i] for i in np.argsort(np.abs(deficits), kind="stable")[:20]]
        fix = None
        for max_coords in (2, 3):
            for k in candidates[: 20 if max_coords == 2 else 1]:
                fix = _norm_fix(k, target - int((k * k).sum()), max_coords)
                if fix is not None:
                    break
            if fix is not None:
                break
        assert fix is not None, "no exact-norm dyadic approximation found"
        k = k.copy()
        for i, step in fix:
            k[i] += step
        assert (k * k).sum() == target
        rows.append(k)
    return np.array(rows, dtype=np.float64) / denom


def _norm_fix(k, deficit, max_coords):
    """Changes (coordinate, step) on up to ``max_coords`` distinct coordinates whose effects on the
    sum of squares add up to ``deficit``; steps are +-1..3 and a step s on k changes it by 2sk + s^2."""
    if deficit == 0:
        return []
    moves = [(i, s) for i in range(k.size) for s in (1, -1, 2, -2, 3, -3)]
    effect = {m: 2 * m[1] * int(k[m[0]]) + m[1] * m[1] for m in moves}
    by_effect = {}
    for m in moves:
        by_effect.setdefault(effect[m], []).append(m)

    def completing(rest, used):
        return next((m for m in by_effect.get(rest, []) if m[0] not in used), None)

    if (m := completing(deficit, set())) is not None:
        return [m]
    for m1 in moves:
        if (m2 := completing(deficit - effect[m1], {m1[0]})) is not None:
            return [m1, m2]
    if max_coords < 3:
        return None
    for a, m1 in enumerate(moves):
        for m2 in moves[a + 1 :]:
            if m2[0] == m1[0]:
                continue
            if (m3 := completing(deficit - effect[m1] - effect[m2], {m1[0], m2[0]})) is not None:
                return [m1, m2, m3]
    return None


def dyadic_quality(rng, n):
    """Distinct qualities in [0, 1] that are exact in f32 and f64 (integers over 256).

    Distinct, so that with theta > 0 the first pick (largest quality) is never a tie.
    """
    return rng.choice(257, size=n, replace=False) / 256.0


# ---------------------------------------------------------------------------------------------
# Silhouette
# ---------------------------------------------------------------------------------------------


def silhouette_case(name, points, labels, expect_negative=False):
    dec, x = to_f32_short(points)
    labels = np.asarray(labels)
    score = silhouette_score(x, labels, metric="euclidean")
    note(f"silhouette {name}: n={len(x)} dim={x.shape[1]} score={score:.4f}")
    if expect_negative:
        assert (silhouette_samples(x, labels) < 0).any(), f"{name}: expected some negative silhouettes"
    return {"name": name, "points": dec.tolist(), "labels": labels.tolist(), "score": float(score)}


def silhouette_cases():
    cases = []

    rng = np.random.default_rng(101)
    p, l = blobs_2d(rng, [[0, 0], [6, 1], [2, 7]], [25, 20, 15], 1.0)
    cases.append(silhouette_case("blobs_2d_3_clusters", p, l))

    rng = np.random.default_rng(102)
    p, l = unit_clusters(rng, [24, 24, 24, 24, 24], 512, 0.8)
    cases.append(silhouette_case("unit_512d_5_clusters", p, l))

    # A lone point in its own cluster: sklearn (and Rousseeuw) give it silhouette 0.
    rng = np.random.default_rng(103)
    p, l = unit_clusters(rng, [20, 18, 1], 16, 0.5)
    cases.append(silhouette_case("unit_16d_singleton_cluster", p, l))

    rng = np.random.default_rng(104)
    p, l = unit_clusters(rng, [60, 15, 5, 2], 16, 0.6)
    cases.append(silhouette_case("unit_16d_uneven_clusters", p, l))

    # Heavily overlapping clusters labelled by their true generator: some points sit closer to
    # another cluster than to their own, so their silhouettes are negative.
    rng = np.random.default_rng(105)
    p, l = unit_clusters(rng, [25, 25, 25], 8, 2.0)
    cases.append(silhouette_case("unit_8d_overlapping_clusters", p, l, expect_negative=True))

    rng = np.random.default_rng(106)
    p, l = blobs_2d(rng, [[0, 0], [1.5, 0]], [20, 20], 1.0)
    cases.append(silhouette_case("blobs_2d_overlapping_pair", p, l, expect_negative=True))

    return cases


# ---------------------------------------------------------------------------------------------
# k-means (fixed initial centres)
# ---------------------------------------------------------------------------------------------


def plain_lloyd(x, init, max_iter):
    """Independent float64 Lloyd loop with sklearn's stopping rule; checks assignment margins.

    Returns (labels, centres, n_iter, smallest relative margin seen).
    """
    scale = (x * x).sum(axis=1).max()
    centres = init.copy()
    labels_old = None
    worst = np.inf
    for it in range(1, max_iter + 1):
        d = ((x[:, None, :] - centres[None, :, :]) ** 2).sum(axis=2)
        part = np.partition(d, 1, axis=1)
        worst = min(worst, ((part[:, 1] - part[:, 0]) / scale).min())
        labels = d.argmin(axis=1)
        counts = np.bincount(labels, minlength=len(centres))
        assert counts.min() > 0, "empty cluster"
        centres = np.array([x[labels == j].mean(axis=0) for j in range(len(centres))])
        if labels_old is not None and np.array_equal(labels, labels_old):
            return labels, centres, it, worst
        labels_old = labels
    raise AssertionError("did not converge within max_iter")


def kmeans_case(name, points, k, init_seed, max_iter=300):
    dec, x = to_f32_short(points)
    rows = np.sort(np.random.default_rng(init_seed).choice(len(x), size=k, replace=False))
    # Initial centres are data rows, so they are float32 values too.
    init_dec, init = dec[rows], x[rows]
    km = KMeans(n_clusters=k, init=init, n_init=1, max_iter=max_iter, tol=0.0, algorithm="lloyd").fit(x)

    labels, centres, n_iter, margin = plain_lloyd(x, init, max_iter)
    assert margin > KMEANS_MARGIN, f"{name}: assignment margin {margin:.3g} too small"
    assert np.array_equal(labels, km.labels_), f"{name}: sklearn and plain Lloyd disagree"
    assert n_iter == km.n_iter_, f"{name}: n_iter {n_iter} vs sklearn {km.n_iter_}"
    assert np.allclose(centres, km.cluster_centers_, rtol=0, atol=1e-12)
    inertia = ((x - centres[labels]) ** 2).sum()
    assert abs(inertia - km.inertia_) <= 1e-9 * inertia
    note(f"kmeans {name}: n={len(x)} dim={x.shape[1]} k={k} n_iter={km.n_iter_} margin={margin:.3g}")

    return {
        "name": name,
        "points": dec.tolist(),
        "initial_centres": init_dec.tolist(),
        "max_iter": max_iter,
        "tol": 0.0,
        "labels": km.labels_.tolist(),
        "inertia": float(km.inertia_),
        "centres": km.cluster_centers_.tolist(),
        "n_iter": int(km.n_iter_),
    }


def kmeans_cases():
    cases = []

    rng = np.random.default_rng(201)
    p, _ = blobs_2d(rng, [[0, 0], [5, 0], [2, 5]], [30, 30, 30], 1.2)
    cases.append(kmeans_case("blobs_2d_k3", p, 3, init_seed=2011))

    rng = np.random.default_rng(202)
    p, _ = blobs_2d(rng, [[0, 0], [3, 0], [0, 3], [3, 3]], [30, 30, 30, 30], 1.3)
    cases.append(kmeans_case("blobs_2d_overlapping_k4", p, 4, init_seed=2022))

    rng = np.random.default_rng(203)
    p, _ = unit_clusters(rng, [32] * 5, 64, 1.0)
    cases.append(kmeans_case("unit_64d_k5", p, 5, init_seed=2033))

    # More centres than true clusters: some true clusters get split, which takes more iterations.
    rng = np.random.default_rng(204)
    p, _ = unit_clusters(rng, [35, 30, 30, 25, 20, 20], 64, 1.6)
    cases.append(kmeans_case("unit_64d_k8_over_6_clusters", p, 8, init_seed=2043))

    rng = np.random.default_rng(205)
    p, _ = unit_clusters(rng, [20, 20, 20, 18, 16, 16], 512, 1.2)
    cases.append(kmeans_case("unit_512d_k6", p, 6, init_seed=2051))

    rng = np.random.default_rng(206)
    p, _ = unit_clusters(rng, [30, 25, 25, 20], 128, 1.6)
    cases.append(kmeans_case("unit_128d_k7_over_4_clusters", p, 7, init_seed=2063))

    return cases


# ---------------------------------------------------------------------------------------------
# Automatic K
# ---------------------------------------------------------------------------------------------


def auto_k_case(name, points, true_labels, k_min=3, k_max=8):
    dec, x = to_f32_short(points)
    per_k, fits = [], {}
    for k in range(k_min, k_max + 1):
        km = KMeans(n_clusters=k, n_init=10, random_state=0).fit(x)
        s = silhouette_score(x, km.labels_)
        per_k.append({"k": k, "silhouette": float(s), "inertia": float(km.inertia_)})
        fits[k] = km.labels_
    ranked = sorted(per_k, key=lambda e: -e["silhouette"])
    best_k = ranked[0]["k"]
    assert ranked[0]["silhouette"] - ranked[1]["silhouette"] > AUTO_K_MARGIN, f"{name}: best K is not clear"
    assert best_k == len(np.unique(true_labels)), f"{name}: best K is not the true K"
    assert adjusted_rand_score(true_labels, fits[best_k]) == 1.0, f"{name}: best partition is not the true one"
    gap = ranked[0]["silhouette"] - ranked[1]["silhouette"]
    note(f"auto_k {name}: n={len(x)} dim={x.shape[1]} best_k={best_k} silhouette gap={gap:.3f}")
    return {
        "name": name,
        "points": dec.tolist(),
        "k_min": k_min,
        "k_max": k_max,
        "best_k": best_k,
        "labels": fits[best_k].tolist(),
        "per_k": per_k,
    }


def auto_k_cases():
    cases = []

    rng = np.random.default_rng(301)
    p, l = unit_clusters(rng, [30, 28, 25, 22, 20], 512, 0.6)
    cases.append(auto_k_case("unit_512d_5_clusters", p, l))

    rng = np.random.default_rng(302)
    p, l = unit_clusters(rng, [80, 70, 50], 64, 0.6)
    cases.append(auto_k_case("unit_64d_3_clusters", p, l))

    rng = np.random.default_rng(303)
    p, l = unit_clusters(rng, [30, 30, 25, 25, 20, 20, 15], 32, 0.3)
    cases.append(auto_k_case("unit_32d_7_clusters", p, l))

    return cases


# ---------------------------------------------------------------------------------------------
# DPP: naive greedy MAP by recomputing determinants
# ---------------------------------------------------------------------------------------------


def dpp_kernel(x, quality, theta):
    """L = diag(r) S diag(r), S = (1 + X X^T) / 2, r = exp(alpha q), alpha = theta / (2 (1 - theta))."""
    alpha = theta / (2.0 * (1.0 - theta))
    r = np.exp(alpha * quality)
    s = (1.0 + x @ x.T) / 2.0
    return r[:, None] * s * r[None, :]


def naive_greedy(kernel, max_picks, epsilon):
    """Greedy MAP: repeatedly add the item with the largest det(L_{Y+i}) / det(L_Y).

    Returns (picks, gains, log_det, smallest relative margin between winner and runner-up on steps
    after the first, whether the first step was an exact tie).
    """
    n = kernel.shape[0]
    picks, gains = [], []
    log_det = 0.0  # log det of the empty matrix
    worst = np.inf
    first_tie = False
    while len(picks) < max_picks:
        cand = np.array([i for i in range(n) if i not in picks])
        g = np.empty(cand.size)
        for c, i in enumerate(cand):
            idx = picks + [int(i)]
            sign, ld = np.linalg.slogdet(kernel[np.ix_(idx, idx)])
            # A non-positive determinant only arises from rounding once L_Y is singular: no gain.
            g[c] = np.exp(ld - log_det) if sign > 0 else 0.0
        best = int(np.argmax(g))  # lowest index among exact ties
        if g[best] < epsilon:
            assert g[best] < 1e-3 * epsilon, "stopping gain too close to epsilon"
            break
        assert g[best] > 1e3 * epsilon, "accepted gain too close to epsilon"
        if cand.size > 1:
            runner_up = np.max(np.delete(g, best))
            if not picks and runner_up == g[best]:
                first_tie = True
            else:
                worst = min(worst, (g[best] - runner_up) / g[best])
        picks.append(int(cand[best]))
        gains.append(float(g[best]))
        sign, log_det = np.linalg.slogdet(kernel[np.ix_(picks, picks)])
        assert sign > 0
    return picks, gains, float(log_det), worst, first_tie


def dpp_case(name, points, quality, theta, max_picks, expect_epsilon_stop=False, expect_first_tie=False):
    x = dyadic_unit(points)
    assert np.all((x * x).sum(axis=1) == 1.0)
    kernel = dpp_kernel(x, quality, theta)
    picks, gains, log_det, margin, first_tie = naive_greedy(kernel, max_picks, DPP_EPSILON)
    assert margin > DPP_MARGIN, f"{name}: greedy margin {margin:.3g} too small"
    assert first_tie == expect_first_tie, f"{name}: unexpected first-step tie state"
    assert (len(picks) < max_picks) == expect_epsilon_stop, f"{name}: epsilon stop expectation"
    assert abs(log_det - np.log(gains).sum()) < 1e-9 * max(1.0, abs(log_det))
    note(
        f"dpp {name}: n={len(x)} dim={x.shape[1]} distinct={len(np.unique(x, axis=0))} picks={len(picks)} "
        f"margin={margin:.3g} min_gain={min(gains):.3g}"
    )
    return {
        "name": name,
        "points": x.tolist(),
        "quality": quality.tolist(),
        "theta": theta,
        "max_picks": max_picks,
        "epsilon": DPP_EPSILON,
        "picks": picks,
        "gains": gains,
        "log_det": log_det,
    }


def clustered_directions(rng, n, dim, n_clusters, spread):
    sizes = np.full(n_clusters, n // n_clusters) + (np.arange(n_clusters) < n % n_clusters)
    p, _ = unit_clusters(rng, sizes, dim, spread)
    return p


def dpp_cases():
    cases = []

    # theta = 0: quality is ignored, every first-step gain is exactly 1, index 0 wins the tie.
    rng = np.random.default_rng(401)
    p = clustered_directions(rng, 20, 8, 4, 0.7)
    cases.append(dpp_case("dim8_n20_theta0", p, dyadic_quality(rng, 20), 0.0, 6, expect_first_tie=True))

    # rank(S) <= dim + 1 = 9 < max_picks, so the greedy stops on epsilon after 9 picks.
    rng = np.random.default_rng(402)
    p = rng.normal(size=(30, 8))
    cases.append(dpp_case("dim8_n30_rank_limited", p, dyadic_quality(rng, 30), 0.5, 15, expect_epsilon_stop=True))

    rng = np.random.default_rng(403)
    p = clustered_directions(rng, 100, 32, 6, 0.8)
    cases.append(dpp_case("dim32_n100_theta0.7", p, dyadic_quality(rng, 100), 0.7, 12))

    rng = np.random.default_rng(404)
    p = clustered_directions(rng, 200, 32, 8, 0.8)
    cases.append(dpp_case("dim32_n200_theta0.5", p, dyadic_quality(rng, 200), 0.5, 20))

    # Near-duplicates: copies of a few high-quality rows with tiny perturbations. Strong quality
    # weighting tempts the greedy, but once a row is picked its near-copies gain almost nothing.
    rng = np.random.default_rng(405)
    base = clustered_directions(rng, 40, 32, 5, 0.8)
    quality = dyadic_quality(rng, 40)
    sources = np.array([3, 11, 17, 29])
    quality[sources] = np.array([256, 254, 252, 250]) / 256
    dups = base[np.repeat(sources, 2)] + rng.normal(scale=0.02 / np.sqrt(32), size=(8, 32))
    dup_quality = np.repeat(quality[sources], 2) - np.tile([1, 2], 4) / 256
    order = rng.permutation(48)
    pts = np.vstack([base, dups])[order]
    q = np.concatenate([quality, dup_quality])[order]
    cases.append(dpp_case("dim32_n48_near_duplicates_theta0.9", pts, q, 0.9, 10))

    rng = np.random.default_rng(406)
    p = clustered_directions(rng, 40, 512, 5, 0.8)
    cases.append(dpp_case("dim512_n40_theta0.7", p, dyadic_quality(rng, 40), 0.7, 10))

    return cases


# ---------------------------------------------------------------------------------------------


def main():
    doc = {
        "generated_by": {
            "command": COMMAND,
            "python": platform.python_version(),
            "numpy": np.__version__,
            "scikit-learn": sklearn.__version__,
            "scipy": scipy.__version__,
        },
        "silhouette": silhouette_cases(),
        "kmeans": kmeans_cases(),
        "auto_k": auto_k_cases(),
        "dpp": dpp_cases(),
    }
    # Compact JSON, one case per line: small, yet diffs stay readable per case.
    compact = dict(separators=(",", ":"), allow_nan=False)
    out = sys.stdout
    out.write('{"generated_by":' + json.dumps(doc["generated_by"], **compact))
    for section in ("silhouette", "kmeans", "auto_k", "dpp"):
        out.write(f',\n"{section}":[\n')
        out.write(",\n".join(json.dumps(case, **compact) for case in doc[section]))
        out.write("\n]")
    out.write("}\n")


if __name__ == "__main__":
    main()
