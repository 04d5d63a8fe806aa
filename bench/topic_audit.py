"""The topic matcher against topics a careful reader gives each text (run by hand, never from tests):
tests/data/topic_audit, written blind (its PROVENANCE.md says how, and what it is no longer blind to).

    .venv/bin/python bench/topic_audit.py          # figures for each file
    .venv/bin/python bench/topic_audit.py -v       # and every text whose topics differ: -missing +extra

For each file: rows whose topics are exactly those expected, and precision and recall over all the
(text, topic) pairs. ``Vocabulary.match_text`` reads one text as the engine reads a participant's
(acronyms, ambiguous words, phrases that name nothing); a posting's organisation name is not marked
here, so the name rule does not apply.
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:] = [str(ROOT)] + [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]


def main() -> None:
    from matchmaking.engine.topics import load_vocabulary

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-v", "--verbose", action="store_true", help="list every text whose topics differ")
    args = parser.parse_args()
    vocab = load_vocabulary()
    for path in sorted((ROOT / "tests" / "data" / "topic_audit").glob("*.csv")):
        rows = exact = tp = fp = fn = 0
        with path.open(encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                expected = {t.strip() for t in row["expected"].split(";") if t.strip()}
                found = {vocab.topics[i].id for i in vocab.match_text(row["text"])}
                rows += 1
                exact += expected == found
                tp, fp, fn = tp + len(expected & found), fp + len(found - expected), fn + len(expected - found)
                if args.verbose and expected != found:
                    missing, extra = sorted(expected - found), sorted(found - expected)
                    print(f"  {row['id']}: -{missing} +{extra} | {row['text'][:100]!r}")
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        print(f"{path.name}: {rows} texts, exactly right {exact} ({exact / rows:.3f}); "
              f"precision {precision:.3f}, recall {recall:.3f} ({tp} right, {fp} extra, {fn} missing)")  # fmt: skip


if __name__ == "__main__":
    main()
