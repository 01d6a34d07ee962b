"""Benchmark of the keyword engine, every figure beside the baseline measured in the same run.

    python benchmarks/bench_engine.py            # everything (about 5 minutes here)
    python benchmarks/bench_engine.py --quick    # no 100,000 row, churn every 50th

Prints
1. quality: ARI / NMI / themes / time for Harvest's defaults and the baseline (TF-IDF of
   word 1-2-grams, LSA to 100 dimensions, k-means with the true k) on Klimarat, Scoop and,
   held out (never tuned on), the Tempelhofer Feld proposals;
2. churn: Klimarat in timestamp order, recompute after every 10th statement from the
   200th on; the share of earlier statements whose theme id changes, averaged;
3. speed: CPU time and peak memory of a full recompute at 500, 3,000, ~10,000 (the 11,082
   unlabelled Polis comments) and 100,000 (those, replicated with light variation), each in
   a fresh process: "cold" includes loading the lemma dictionaries and analysing every
   statement, "warm" is the next recompute in the same process (the analysis cache is
   full, as in the running app); plus adding one statement to a 3,000-statement workshop;
   plus the first recompute in a running server (libraries loaded, nothing analysed): a
   fresh process that has imported the engine, igraph and scikit-learn and loaded the
   German and English lemma dictionaries, then imports a ~10,000-statement file, beside
   the baseline measured in the same process after it.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import resource
import subprocess
import sys
import time
from pathlib import Path

# One core for everything measured here: no BLAS or OpenMP threads (set before numpy loads).
for _variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.timing import best_of  # noqa: E402

DATA = ROOT / ".." / "shared" / "data"
POLIS = DATA / "polis_opendata_unlabeled" / "polis_all_comments.csv"
LABELLED = [
    ("Klimarat (de)", DATA / "polis_klimarat_at_de" / "polis_klimarat_at_de.csv"),
    ("Scoop HiveMind (en)", DATA / "polis_scoop_hivemind_en" / "polis_scoop_hivemind_en.csv"),
    ("THF proposals (de, held out)", DATA / "thf_tempelhofer_feld_de" / "thf_proposals_de.csv"),
]


def read_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def polis_texts(n: int) -> list[str]:
    """n statements: the Polis comments, then copies with one word dropped (seeded)."""
    base = [row["text"] for row in read_rows(POLIS)]
    rng = random.Random(0)
    texts: list[str] = []
    index = 0
    while len(texts) < n:
        text = base[index % len(base)]
        if index >= len(base):
            words = text.split()
            if len(words) > 3:
                words.pop(rng.randrange(len(words)))
            if len(words) > 4 and rng.random() < 0.3:
                i = rng.randrange(len(words) - 1)
                words[i], words[i + 1] = words[i + 1], words[i]
            text = " ".join(words)
        texts.append(text)
        index += 1
    return texts


def peak_mb() -> float:
    """This process's peak resident memory. VmHWM starts afresh at exec; ru_maxrss would
    carry over the parent's peak."""
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# --- children: one measurement per fresh process -------------------------------------------


def child_harvest(n: int) -> dict[str, float]:
    import igraph  # noqa: F401 - library imports are not part of a recompute

    from harvest.engine.themes import detect_themes
    from harvest.model import Document

    texts = polis_texts(n)
    docs = [Document(i, t) for i, t in enumerate(texts)]
    start_cpu, start_wall = time.process_time(), time.perf_counter()
    first = detect_themes(docs, language="de")
    cold_cpu, cold_wall = time.process_time() - start_cpu, time.perf_counter() - start_wall
    start_cpu, start_wall = time.process_time(), time.perf_counter()
    second = detect_themes(docs, language="de", previous=first)
    warm_cpu, warm_wall = time.process_time() - start_cpu, time.perf_counter() - start_wall
    result = {
        "cold_cpu": cold_cpu, "cold_wall": cold_wall, "warm_cpu": warm_cpu,
        "warm_wall": warm_wall, "themes": len(second.themes),
    }
    if n == 3000:
        extra = docs + [Document(n, "Mehr Radwege und sichere Kreuzungen für Schulkinder.")]
        start_cpu, start_wall = time.process_time(), time.perf_counter()
        detect_themes(extra, language="de", previous=second)
        result["add_one_cpu"] = time.process_time() - start_cpu
        result["add_one_wall"] = time.perf_counter() - start_wall
    result["peak_mb"] = peak_mb()
    return result


def child_baseline(n: int) -> dict[str, float]:
    import sklearn.cluster  # noqa: F401 - library imports are not part of the clustering
    import sklearn.decomposition  # noqa: F401
    import sklearn.feature_extraction.text  # noqa: F401

    from harvest.engine.evaluate import baseline_labels

    texts = polis_texts(n)
    start_cpu, start_wall = time.process_time(), time.perf_counter()
    baseline_labels(texts, 20)
    return {"cpu": time.process_time() - start_cpu, "wall": time.perf_counter() - start_wall,
            "peak_mb": peak_mb()}


def child_server(n: int) -> dict[str, float]:
    """A running server's first recompute of a freshly imported file: every library
    imported and the lemma dictionaries loaded (as after any earlier recompute), but none
    of these statements analysed yet; then the baseline under the same conditions."""
    import simplemma
    import sklearn.cluster  # noqa: F401 - library imports are not part of a recompute
    import sklearn.decomposition  # noqa: F401
    import sklearn.feature_extraction.text  # noqa: F401

    from harvest.engine.evaluate import baseline_labels
    from harvest.engine.themes import detect_themes
    from harvest.model import Document

    simplemma.lemmatize("Häuser", lang="de")  # loads the dictionary, analyses no statement
    simplemma.lemmatize("houses", lang="en")
    texts = polis_texts(n)
    docs = [Document(i, t) for i, t in enumerate(texts)]
    start_cpu, start_wall = time.process_time(), time.perf_counter()
    detect_themes(docs, language="de")
    cpu, wall = time.process_time() - start_cpu, time.perf_counter() - start_wall
    start_cpu, start_wall = time.process_time(), time.perf_counter()
    baseline_labels(texts, 20)
    return {"cpu": cpu, "wall": wall, "base_cpu": time.process_time() - start_cpu,
            "base_wall": time.perf_counter() - start_wall}


def measure_best(kind: str, n: int, repeat: int) -> dict[str, float]:
    """The fastest of ``repeat`` fresh runs, figure by figure (this machine is shared:
    the minimum is the least disturbed)."""
    return best_of([measure(kind, n) for _ in range(repeat)])


def measure(kind: str, n: int) -> dict[str, float]:
    # One core for both: no BLAS or OpenMP threads.
    env = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1",
           "MKL_NUM_THREADS": "1"}
    out = subprocess.run(
        [sys.executable, __file__, "--child", kind, str(n)],
        capture_output=True, text=True, check=True, cwd=ROOT, env=env,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


# --- sections -----------------------------------------------------------------------------


def quality() -> None:
    from harvest.engine.evaluate import format_scores, score_texts
    from harvest.engine.text import analyse

    # Load the lemma dictionaries first: the times below compare clustering, not loading
    # (the speed table shows the cold figures).
    analyse("Die Häuser", "de", detect=False)
    analyse("The houses", "en", detect=False)
    print("== Quality (defaults, no k given; baseline is told the true k)")
    for name, path in LABELLED:
        if not path.exists():
            print(f"{name}: {path} absent, skipped")
            continue
        rows = [r for r in read_rows(path) if r["label"]]
        scores = score_texts([r["text"] for r in rows], [r["label"] for r in rows])
        print(format_scores(f"{name}: {len(rows)} statements, "
                            f"{len({r['label'] for r in rows})} labels", scores))
        print()


def churn(step: int, start: int) -> None:
    from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

    from harvest.engine.themes import detect_themes
    from harvest.model import Document

    path = LABELLED[0][1]
    rows = sorted(read_rows(path), key=lambda r: (int(r["timestamp"]), int(r["comment_id"])))
    docs = [Document(i, r["text"]) for i, r in enumerate(rows)]
    previous = None
    shares: list[float] = []
    cpu = time.process_time()
    for n in [*range(start, len(docs), step), len(docs)]:
        clustering = detect_themes(docs[:n], previous=previous)
        if previous is not None:
            moved = sum(clustering.assignments[sid].theme_id != a.theme_id
                        for sid, a in previous.assignments.items())
            shares.append(moved / len(previous.assignments))
        previous = clustering
    cpu = time.process_time() - cpu
    assert previous is not None
    predicted = [previous.assignments[i].theme_id for i in range(len(docs))]
    labels = [r["label"] for r in rows]
    print(f"== Churn (Klimarat in timestamp order, recompute every {step}th from the {start}th)")
    print(f"recomputes {len(shares)}, mean churn {100 * sum(shares) / len(shares):.2f} %, "
          f"max {100 * max(shares):.1f} %, final ARI {adjusted_rand_score(labels, predicted):.3f}"
          f" NMI {normalized_mutual_info_score(labels, predicted):.3f}, "
          f"{len(previous.themes)} themes, {cpu:.1f} s CPU in all")
    print()


def speed(sizes: list[int], repeat: int) -> None:
    print("== Speed (CPU seconds of one core; wall in brackets; fresh processes, best of "
          f"{repeat})")
    header = (f"{'statements':>10}  {'Harvest cold':>16}  {'Harvest warm':>16}  "
              f"{'peak MB':>8}  {'themes':>6}  {'baseline':>16}  {'peak MB':>8}")
    print(header)
    add_one = None
    for n in sizes:
        ours = measure_best("harvest", n, repeat)
        base = measure_best("baseline", n, repeat)
        print(f"{n:>10,}  {ours['cold_cpu']:7.2f} ({ours['cold_wall']:6.2f})  "
              f"{ours['warm_cpu']:7.2f} ({ours['warm_wall']:6.2f})  {ours['peak_mb']:8.0f}  "
              f"{int(ours['themes']):>6}  {base['cpu']:7.2f} ({base['wall']:6.2f})  "
              f"{base['peak_mb']:8.0f}", flush=True)
        if "add_one_cpu" in ours:
            add_one = ours
    if add_one:
        print(f"add one statement to 3,000 and recompute: {add_one['add_one_cpu']:.3f} s CPU "
              f"({add_one['add_one_wall']:.3f} s wall)")
    for n in (10000, 11082):
        server = measure_best("server", n, max(repeat, 3))
        print(f"first recompute in a running server (libraries loaded, nothing analysed), "
              f"{n:,}: {server['cpu']:.2f} s CPU ({server['wall']:.2f} wall); baseline in the "
              f"same process {server['base_cpu']:.2f} ({server['base_wall']:.2f})", flush=True)
    print()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="no 100,000 row, coarser churn")
    parser.add_argument("--child", nargs=2, metavar=("KIND", "N"), help=argparse.SUPPRESS)
    parser.add_argument("--only", choices=["quality", "churn", "speed"])
    parser.add_argument("--repeat", type=int, default=2, help="fresh runs per speed figure")
    args = parser.parse_args()
    if args.child:
        kind, n = args.child[0], int(args.child[1])
        children = {"harvest": child_harvest, "baseline": child_baseline,
                    "server": child_server}
        result = children[kind](n)
        print(json.dumps(result))
        return
    if not POLIS.exists():
        sys.exit(f"data absent: {DATA}")
    if args.only in (None, "quality"):
        quality()
    if args.only in (None, "churn"):
        churn(50 if args.quick else 10, 200)
    if args.only in (None, "speed"):
        speed([500, 3000, 11082] if args.quick else [500, 3000, 11082, 100000], args.repeat)


if __name__ == "__main__":
    main()
