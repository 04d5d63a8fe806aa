"""The labelled bilingual set inside the benchmark world: how well its participants find their relevant
postings, and those in the other language, among thousands of distractors (run by hand, never from
tests).

    .venv/bin/python bench/crosslang_world.py                          # the current tree
    .venv/bin/python bench/crosslang_world.py --commit main --label before
    .venv/bin/python bench/crosslang_world.py --students 20000 --opportunities 4000 --seed 7

tests/data/bilingual_eval (60 participants, 45 postings, their relevant pairs) is put inside the world
of bench/recommend.py (``make_world``: 20,000 students and 4,000 opportunities by default, seed 7),
whose documents set the document frequencies and whose postings compete for the labelled
participants' lists, all ranked by the engine with its defaults (k = 10, the relevance floor). Printed:
nDCG@10, recall@10, MRR of the labelled participants, and cross-language hit@3 (of those with a
relevant posting in the other language, how many find one in their first three; as ``evaluate``),
then the lexicon's phrase matching (``Lexicon.counts``) on all the documents, CPU seconds (best of two)
and concepts a document.

With ``--commit REV`` the engine, the world and the labelled set are those of ``git archive REV``
(extracted to a temporary directory), so that a change is measured against the engine before it on
the same machine: run it once with ``--commit`` and once without.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--students", type=int, default=20_000)
    parser.add_argument("--opportunities", type=int, default=4_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--commit", help="measure the tree of this commit (git archive) instead of this one")
    parser.add_argument("--label", default=None, help="the name printed on the result line")
    parser.add_argument("--misses", action="store_true", help="list the cross-language misses and their first 3")
    parser.add_argument("--root", type=Path, default=ROOT, help=argparse.SUPPRESS)  # the tree to import
    args = parser.parse_args(argv)
    if args.commit:
        _in_archive(args)
        return
    _measure(args.root, args.students, args.opportunities, args.seed, args.label or "this tree", args.misses)


def _in_archive(args: argparse.Namespace) -> None:
    """This script again, importing the engine from ``git archive`` of the commit."""
    with tempfile.TemporaryDirectory(prefix="crosslang-") as tree:
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", args.commit], check=True, capture_output=True)
        subprocess.run(["tar", "-x", "-C", tree], input=archive.stdout, check=True)
        command = [sys.executable, __file__, "--root", tree, "--students", str(args.students),
                   "--opportunities", str(args.opportunities), "--seed", str(args.seed),
                   "--label", args.label or args.commit, *(["--misses"] if args.misses else [])]  # fmt: skip
        subprocess.run(command, check=True, cwd=tree)


def _measure(root: Path, n_students: int, n_opportunities: int, seed: int, label: str, show_misses: bool) -> None:
    here = str(Path(__file__).resolve().parent)
    sys.path[:] = [str(root)] + [p for p in sys.path if p and Path(p).resolve() != Path(here)]
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()

    from bench.recommend import NOW, make_world
    from matchmaking import inputs
    from matchmaking.engine import text, vectors
    from matchmaking.engine.evaluate import evaluate
    from matchmaking.engine.lexicon import load_lexicon
    from matchmaking.engine.recommend import recommend
    from matchmaking.engine.types import Geography
    from matchmaking.management.commands.evaluate import cross_language_hits, read_truth

    labelled_dir = root / "tests" / "data" / "bilingual_eval"
    labelled_p, labelled_o = inputs.world_from_csv(labelled_dir, today=NOW.date())
    by_external_id = read_truth(labelled_dir / "truth.csv")  # the engine's ids are namespaced ("student:…")
    truth = {p.id: by_external_id.get(inputs.split_engine_id(p.id)[1], set()) for p in labelled_p}
    world_p, world_o, geography = make_world(n_students, n_opportunities, seed)
    neighbours = {**geography.neighbours, **inputs.geography().neighbours}
    labelled = {p.id for p in labelled_p}
    recs = recommend(labelled_p + world_p, labelled_o + world_o, now=NOW, geography=Geography(neighbours), k=10,
                     only_participants=labelled)  # fmt: skip
    ranked = {p: [r.opportunity_id for r in recs.for_participants[p]] for p in labelled}
    m = evaluate(ranked, truth, k=10, participants=sorted(labelled), opportunities=[o.id for o in labelled_o])
    hits, n = cross_language_hits(ranked, truth, labelled_p, {o.id: o for o in labelled_o})
    print(
        f"{label}: {len(labelled_p)} labelled participants and {len(labelled_o)} postings inside {len(world_p)} "
        f"students and {len(world_o)} opportunities (seed {seed}); load {os.getloadavg()[0]:.2f}\n"
        f"  nDCG@10 {m.ndcg:.3f}  recall@10 {m.recall:.3f}  MRR {m.mrr:.3f}  "
        f"cross-language hit@3 {hits / n if n else 0:.3f} ({hits} of {n})"
    )
    participants, opportunities = labelled_p + world_p, labelled_o + world_o
    tok = text.tokenise(vectors.documents(participants, opportunities))
    seconds = []
    for _ in range(2):
        start = time.process_time()
        glosses = load_lexicon().counts(tok, len(participants))
        seconds.append(time.process_time() - start)
    concepts = len(load_lexicon().concepts)
    print(f"  Lexicon.counts on {glosses.shape[0]} documents: {min(seconds):.2f} s CPU, "
          f"{glosses.nnz / glosses.shape[0]:.2f} concepts a document, {concepts} concepts")  # fmt: skip
    if show_misses:
        for p in labelled_p:
            first = ranked.get(p.id, [])[:3]
            if cross_language_hits({p.id: first}, truth, [p], {o.id: o for o in labelled_o}) == (0, 1):
                print(f"  miss {inputs.split_engine_id(p.id)[1]}: {' '.join(first)}")


if __name__ == "__main__":
    main()
