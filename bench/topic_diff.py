"""Which documents of the labelled sets change topics when topics.json changes (run by hand, never from
tests): the review a vocabulary edit needs before its figures.

    .venv/bin/python bench/topic_diff.py                      # against HEAD's topics.json, every set
    .venv/bin/python bench/topic_diff.py --rev main eval delta_probe

For every document (participant or opportunity) of each set under tests/data whose topic set differs
between the vocabulary of ``--rev`` (``git show REV:matchmaking/engine/data/topics.json``) and the
working tree's, one line: the set, the document, the topics lost and gained, and the start of its text.
A gained topic that a person would not call the document's subject ("ocean science" read as scientific
research) is a phrase to take out or to mark ambiguous (docs/relevance.md, thirteenth pass).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# The project first, and not bench/ itself: bench/email.py would shadow the standard library's email.
sys.path[:] = [str(ROOT)] + [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")


def main() -> None:
    import django

    django.setup()
    from matchmaking.engine.text import tokenise
    from matchmaking.engine.topics import build_vocabulary, load_vocabulary
    from matchmaking.engine.vectors import documents, listed_topics, topic_sets
    from matchmaking.offline import load_world

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("sets", nargs="*", help="folders under tests/data (default: every one with a truth.csv)")
    parser.add_argument("--rev", default="HEAD", help="the git revision whose vocabulary is 'before'")
    args = parser.parse_args()
    raw = subprocess.check_output(["git", "show", f"{args.rev}:matchmaking/engine/data/topics.json"], cwd=ROOT)
    before, after = build_vocabulary(json.loads(raw)), load_vocabulary()
    data = ROOT / "tests" / "data"
    names = args.sets or sorted(p.parent.name for p in data.glob("*/truth.csv"))
    now = dt.datetime.fromisoformat("2026-09-20T08:00:00+07:00")
    changed = 0
    for name in names:
        participants, opportunities = load_world(data / name, now=now, stderr=sys.stderr)
        texts = documents(participants, opportunities)
        tok, entries = tokenise(texts), listed_topics(participants, opportunities)
        old = topic_sets(before, tok, texts, entries, folding=True)
        new = topic_sets(after, tok, texts, entries, folding=True)
        ids = [p.id for p in participants] + [o.id for o in opportunities]
        for doc_id, text, a, b in zip(ids, texts, old, new, strict=True):
            lost = sorted({before.topics[t].id for t in a} - {after.topics[t].id for t in b})
            gained = sorted({after.topics[t].id for t in b} - {before.topics[t].id for t in a})
            if lost or gained:
                changed += 1
                print(f"{name} {doc_id}: -{lost} +{gained} | {text[:90]!r}")
    print(f"{changed} documents changed topics ({', '.join(names)})")


if __name__ == "__main__":
    main()
