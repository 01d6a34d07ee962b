"""How well "Forderung" matches what a person calls a demand, on real comments.

Figures: precision and recall of ``demands.demand_verdict`` on the hand-labelled real
comments in ``tests/data/demand_real_sample.csv`` (Tempelhofer Feld, Klimarat, Scoop
HiveMind; "dev" = the rows the rules were tuned on, "test" = rows labelled afterwards and
never tuned on), and the share flagged on the first 300 Klimarat comments beside the
share a person finds there (the sample's Klimarat rows come from those 300). Baseline in
the same run: "any cue word" (a modal verb or a demand phrase anywhere in the text), the
rule a quick script would use.

    .venv/bin/python benchmarks/bench_demands.py
"""

from __future__ import annotations

import csv
import re
import sys
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from harvest.engine.demands import demand_verdict  # noqa: E402

SAMPLE = ROOT / "tests" / "data" / "demand_real_sample.csv"
KLIMARAT = ROOT / ".." / "shared" / "data" / "polis_klimarat_at_de" / "polis_klimarat_at_de.csv"
_CUES = re.compile(
    r"\b(muss|müssen|soll|sollen|sollte|sollten|brauchen|braucht|fordern|bitte|mehr|"
    r"should|must|need|needs|please|more|have to)\b",
    re.IGNORECASE,
)


def harvest_rule(text: str, language: str) -> bool:
    return demand_verdict(text, None, language, None)[0]


def any_cue(text: str, language: str) -> bool:
    del language
    return bool(_CUES.search(text))


def scores(rows: list[dict[str, str]], rule: Callable[[str, str], bool]) -> tuple[float, float]:
    predicted = [rule(r["text"], r["language"]) for r in rows]
    truth = [r["is_demand"] == "1" for r in rows]
    hits = sum(p and t for p, t in zip(predicted, truth, strict=True))
    return hits / max(sum(predicted), 1), hits / max(sum(truth), 1)


def main() -> int:
    with SAMPLE.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    print(f"{'set':<28}{'n':>5}{'rule':>14}{'precision':>11}{'recall':>8}")
    for split in ("dev", "test"):
        for language in ("de", "en", "all"):
            subset = [r for r in rows if r["split"] == split and language in ("all", r["language"])]
            for name, rule in (("harvest", harvest_rule), ("any cue word", any_cue)):
                precision, recall = scores(subset, rule)
                print(f"{split + ' / ' + language:<28}{len(subset):>5}{name:>14}"
                      f"{precision:>11.3f}{recall:>8.3f}")
    by_hand = [r for r in rows if r["source"] == "polis_klimarat_at_de" and r["split"] == "test"]
    truth = sum(r["is_demand"] == "1" for r in by_hand) / max(len(by_hand), 1)
    if KLIMARAT.exists():
        with KLIMARAT.open(encoding="utf-8") as handle:
            first = [r["text"] for r in list(csv.DictReader(handle))[:300]]
        flagged = sum(harvest_rule(t, "de") for t in first) / len(first)
        naive = sum(any_cue(t, "de") for t in first) / len(first)
        print(f"\nKlimarat, first 300 comments: flagged {flagged:.1%} (any cue word {naive:.1%}); "
              f"a person calls {truth:.0%} of the {len(by_hand)} labelled ones a demand")
    else:
        print(f"\n{KLIMARAT} is absent: Klimarat share skipped")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
