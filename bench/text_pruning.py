"""How the text model's max_df (features in more than that share of documents are dropped) trades
ranking quality for speed at the scale of a province (run by hand, never from tests).

    .venv/bin/python bench/text_pruning.py                    # max_df 0.05, 0.04 and 0.03
    .venv/bin/python bench/text_pruning.py --max-df 0.05 0.04 --students 20000 --opportunities 4000

The labelled bilingual set (tests/data/bilingual_eval: 60 participants, 45 postings, their relevant
pairs) is put inside the benchmark world of bench/recommend.py, whose 100,000 students and 20,000
opportunities set the document frequencies and whose postings compete for the labelled participants'
lists. The labelled set alone is too small for max_df to drop anything (the floor of 1,000 documents),
so this is where the setting shows. For each max_df: nDCG@10, recall@10 and MRR of the labelled
participants with text alone and with the default weights (their lists computed as one shard), then
the whole engine's time on the benchmark world alone and its sparse products' seconds.
"""

from __future__ import annotations

import argparse
import functools
import os
import sys
import time
from pathlib import Path

_HERE = Path(__file__).resolve().parent
sys.path[:] = [str(_HERE.parent)] + [p for p in sys.path if Path(p or ".").resolve() != _HERE]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from bench.recommend import NOW, make_world  # noqa: E402
from matchmaking import inputs  # noqa: E402
from matchmaking.engine import text, vectors  # noqa: E402
from matchmaking.engine.evaluate import evaluate  # noqa: E402
from matchmaking.engine.model import Weights  # noqa: E402
from matchmaking.engine.recommend import recommend  # noqa: E402
from matchmaking.engine.stages import Stages  # noqa: E402
from matchmaking.engine.types import Geography  # noqa: E402
from matchmaking.management.commands.evaluate import read_truth  # noqa: E402

LABELLED = _HERE.parent / "tests" / "data" / "bilingual_eval"
TEXT_ONLY = Weights(text=1, topic=0, kind=0, distance=0, freshness=0)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--max-df", type=float, nargs="+", default=[0.05, 0.04, 0.03])
    parser.add_argument("--students", type=int, default=100_000)
    parser.add_argument("--opportunities", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)

    labelled_p, labelled_o = inputs.world_from_csv(LABELLED, today=NOW.date())
    by_external_id = read_truth(LABELLED / "truth.csv")  # the engine's ids are namespaced ("student:…")
    truth = {p.id: by_external_id.get(inputs.split_engine_id(p.id)[1], set()) for p in labelled_p}
    world_p, world_o, geography = make_world(args.students, args.opportunities, args.seed)
    neighbours = {**geography.neighbours, **inputs.geography().neighbours}
    both = (labelled_p + world_p, labelled_o + world_o, Geography(neighbours))
    labelled = {p.id for p in labelled_p}
    print(
        f"{len(labelled_p)} labelled participants and {len(labelled_o)} postings inside {len(world_p)} "
        f"participants and {len(world_o)} opportunities; load {os.getloadavg()[0]:.2f} (2 CPUs)\n"
    )
    print(f"{'max_df':>6}  {'weights':<8} {'nDCG@10':>7} {'recall@10':>9} {'MRR':>6}")
    fitted = text.tfidf_pair
    try:
        for max_df in args.max_df:
            vectors.tfidf_pair = functools.partial(fitted, max_df=max_df)  # type: ignore[assignment]
            for label, weights in (("text", TEXT_ONLY), ("default", None)):
                recs = recommend(
                    both[0], both[1], now=NOW, geography=both[2], k=10, weights=weights, only_participants=labelled
                )
                ranked = {p: [r.opportunity_id for r in recs.for_participants[p]] for p in labelled}
                postings = [o.id for o in labelled_o]
                m = evaluate(ranked, truth, k=10, participants=sorted(labelled), opportunities=postings)
                print(f"{max_df:6.2f}  {label:<8} {m.ndcg:7.3f} {m.recall:9.3f} {m.mrr:6.3f}")
            stages = Stages()
            start = time.perf_counter()
            recommend(world_p, world_o, now=NOW, geography=geography, k=10, stages=stages)
            products = stages.seconds.get("search_products", stages.seconds.get("products", 0.0))
            print(
                f"{max_df:6.2f}  engine on the benchmark world: {time.perf_counter() - start:.1f} s, sparse products "
                f"{products:.1f} s (summed over {stages.counts['search_processes']} processes)"
            )
    finally:
        vectors.tfidf_pair = fitted


if __name__ == "__main__":
    main()
