"""Quality, speed and memory of the planner's keyword clustering, per engine.

Calls the clustering engine directly (no database, no Django set-up, no network). Prints:

- the machine (cores, load average: other work on the machine slows every figure), versions,
  and which engine is the default;
- **model load** per engine, apart from the clustering times;
- **quality** on the labelled evaluation set (apps/planner/data/eval_set.json): adjusted Rand
  index (ARI), purity and group count at the default threshold and at its neighbours, plus a
  held-out check (threshold picked on half of the groups, scored on the other half);
- **scale**: wall and CPU seconds and peak memory (resident set, and the part the clustering
  added) to cluster 1,000 / 10,000 / 50,000 synthetic keywords (library phrases from
  apps/catalog/data/library.json with modifiers), each in a fresh process;
- the goals: the default engine beats TF-IDF on ARI, and 10,000 keywords cluster in ≤ 15 s
  (best of three runs, each printed). The exit code is 1 when one is missed.

Run it from the repository root:

    .venv/bin/python bench/clustering.py            # 1k, 10k and 50k (~3-5 min on 2 cores)
    .venv/bin/python bench/clustering.py --quick    # 1k and 10k only
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

from apps.planner.clustering import (  # noqa: E402
    DEFAULT_THRESHOLDS,
    Item,
    available_engines,
    cluster,
    default_engine,
    load_engine,
)
from apps.planner.clustering.eval import (  # noqa: E402
    adjusted_rand_index,
    labels_from_groups,
    load_eval_set,
    purity,
    synthetic_keywords,
)

GOAL_SECONDS_10K = 15.0
#: Thresholds scored on the evaluation set, per engine (each includes the engine's default).
GRIDS = {
    "minilm": [0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6],
    "tfidf": [0.04, 0.06, 0.08, 0.1, 0.12, 0.15, 0.2, 0.25],
}


def _status_mb(field: str) -> float | None:
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def rss_mb() -> float:
    return _status_mb("VmRSS") or 0.0


def peak_rss_mb() -> float:
    # VmHWM starts afresh with the process image; ru_maxrss would carry over the peak of the
    # forking parent (this script, models loaded) into every measuring child.
    return _status_mb("VmHWM") or resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure(engine: str, n: int) -> dict[str, float]:
    """One scale measurement; runs in a process of its own so peaks don't mix."""
    keywords = synthetic_keywords(n)
    items = [Item(id=i, text=text, volume=volume) for i, (text, volume) in enumerate(keywords)]
    started = time.perf_counter()
    load_engine(engine)
    load = time.perf_counter() - started
    before = rss_mb()
    wall, cpu = time.perf_counter(), time.process_time()
    groups = cluster(items, engine=engine)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    sizes = [len(g) for g in groups]
    return {
        "n": n,
        "load": load,
        "wall": wall,
        "cpu": cpu,
        "rss_before": before,
        "peak": peak_rss_mb(),
        "groups": len(groups),
        "singletons": sum(1 for s in sizes if s == 1),
        "largest": max(sizes),
    }


def measure_in_child(engine: str, n: int) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, __file__, "--measure", engine, str(n)],
        capture_output=True,
        text=True,
        check=True,
        cwd=BASE_DIR,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def scores(engine: str, threshold: float, group_numbers: set[int] | None = None) -> dict:
    texts, truth, _ = load_eval_set()
    picked = [i for i, t in enumerate(truth) if group_numbers is None or t in group_numbers]
    items = [Item(id=i, text=texts[i]) for i in picked]
    groups = cluster(items, engine=engine, threshold=threshold)
    predicted = labels_from_groups(groups, picked)
    wanted = [truth[i] for i in picked]
    return {
        "ari": adjusted_rand_index(wanted, predicted),
        "purity": purity(wanted, predicted),
        "groups": len(groups),
    }


def quality(engine: str) -> dict:
    default = DEFAULT_THRESHOLDS[engine]
    grid = sorted({*GRIDS.get(engine, []), default})
    _, truth, names = load_eval_set()
    print(
        f"\n  {engine}  (default threshold {default}; {len(truth)} keywords, {len(names)} groups)"
    )
    print(f"    {'threshold':>9}  {'ARI':>6}  {'purity':>6}  {'groups':>6}")
    at_default = {}
    for threshold in grid:
        result = scores(engine, threshold)
        mark = "  <- default" if threshold == default else ""
        print(
            f"    {threshold:>9.2f}  {result['ari']:>6.3f}  {result['purity']:>6.3f}"
            f"  {result['groups']:>6}{mark}"
        )
        if mark:
            at_default = result
    # Held out: pick the threshold on one half of the groups, score it on the other half.
    halves = [set(range(0, len(names), 2)), set(range(1, len(names), 2))]
    held = []
    for tune, test in (halves, halves[::-1]):
        best = max(grid, key=lambda t: scores(engine, t, tune)["ari"])
        held.append((best, scores(engine, best, test)["ari"]))
    print(
        "    held out: picked on even groups "
        f"{held[0][0]:.2f} -> ARI {held[0][1]:.3f} on odd; picked on odd {held[1][0]:.2f}"
        f" -> ARI {held[1][1]:.3f} on even"
    )
    return at_default


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="skip the 50,000-keyword runs")
    parser.add_argument("--measure", nargs=2, metavar=("ENGINE", "N"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.measure[0], int(args.measure[1]))))
        return 0

    import numpy
    import sklearn

    try:
        import onnxruntime

        ort_version = onnxruntime.__version__
    except ImportError:
        ort_version = "not installed"
    engines = available_engines()
    print("Keyword clustering (apps/planner/clustering)")
    print(
        f"  machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f} at start;"
        f" Python {platform.python_version()}, numpy {numpy.__version__},"
        f" scikit-learn {sklearn.__version__}, onnxruntime {ort_version}"
    )
    print(f"  engines: {', '.join(engines)}; default engine: {default_engine()}")

    print("\nModel load (first use in a process; not part of the clustering times below)")
    for engine in engines:
        started = time.perf_counter()
        loaded = load_engine(engine)
        variant = getattr(loaded, "variant", "")
        detail = (
            f"  ({variant} matrix products)" if variant else "  (fitted per run, nothing to load)"
        )
        print(f"  {engine:<7} {time.perf_counter() - started:6.2f} s{detail}")

    print("\nQuality on the evaluation set")
    results = {engine: quality(engine) for engine in engines}

    sizes = [1_000, 10_000] if args.quick else [1_000, 10_000, 50_000]
    print("\nScale (synthetic keywords, each run in a fresh process)")
    print(
        f"  {'engine':<7} {'keywords':>8}  {'wall s':>7}  {'CPU s':>7}  {'peak RSS MB':>11}"
        f"  {'added MB':>8}  {'groups':>6}  {'largest':>7}  {'load':>6}"
    )
    timings: dict[tuple[str, int], float] = {}
    for engine in engines:
        for n in sizes:
            m = measure_in_child(engine, n)
            timings[(engine, n)] = m["wall"]
            print(
                f"  {engine:<7} {n:>8,}  {m['wall']:>7.2f}  {m['cpu']:>7.2f}  {m['peak']:>11.0f}"
                f"  {m['peak'] - m['rss_before']:>8.0f}  {m['groups']:>6,}  {m['largest']:>7}"
                f"  {m['load']:>5.2f}s"
            )
    print(f"  load average now {os.getloadavg()[0]:.2f}")

    default = default_engine()
    ok = True
    print("\nGoals")
    if default != "tfidf":
        beats = results[default]["ari"] > results["tfidf"]["ari"]
        ok &= beats
        print(
            f"  default engine {default} ARI {results[default]['ari']:.3f} vs tfidf"
            f" {results['tfidf']['ari']:.3f}: {'met' if beats else 'MISSED'}"
        )
    else:
        ok = False
        print("  default engine is tfidf (MiniLM not installed): MISSED")
    # The goal run is repeated: wall time on a shared machine moves with its other work, so the
    # best of three runs is the figure (every run is printed).
    runs = [timings[(default, 10_000)]]
    runs += [measure_in_child(default, 10_000)["wall"] for _ in range(2)]
    best = min(runs)
    fast = best <= GOAL_SECONDS_10K
    ok &= fast
    print(
        f"  10,000 keywords with {default}: {', '.join(f'{r:.2f}' for r in runs)} s,"
        f" best {best:.2f} s (goal ≤ {GOAL_SECONDS_10K:.0f} s): {'met' if fast else 'MISSED'}"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
