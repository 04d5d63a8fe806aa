"""What the English second stage (matchmaking/engine/encoder.py, on by default) costs on
bench/recommend.py's world (run by hand, never from tests).

    .venv/bin/python bench/encoder_cost.py [--encoder use|wordllama] [--order ERREERRE] [--limit N] \\
        [--students 100000 --opportunities 20000]
    (wordllama is optional: .venv/bin/pip install --target /tmp/wl wordllama==0.4.0.post1 tokenizers safetensors
    toml pydantic, then --encoder wordllama --path /tmp/wl)

In one process, on one world (seed 7, k = 10), runs of the engine alone (E) and with the stage (R: the
encoder given, the default weight and depth) in the order given, so that the machine's drift falls on
both alike (ERRE…). The first R is a cold round (its embedding cache empty). A round encodes at most
``--limit`` characters of new text (the engine's ``ROUND_CHARS``, 1,000,000, by default), by its
processes side by side, opportunities' first, and leaves the rest in the engine's order for the
embedding pass (matchmaking.embeddings.texts_embed): the benchmark world's 25,976 English texts (3.5
million characters) take four rounds to be all encoded (ERRRRE), each within the budget.
With ``--limit 0`` the first R encodes every text and the later ones find every text cached, as a round
after the embedding pass. Prints each run's wall time, search rounds, the products' and lists' seconds,
the texts encoded and left, the medians and their ratio, and the peak resident memory of this process
and of its largest child.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import time
from pathlib import Path

_HERE = Path(__file__).resolve().parent
sys.path[:] = [str(_HERE.parent)] + [p for p in sys.path if Path(p or ".").resolve() != _HERE]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--path", type=Path, default=None, help="folder holding wordllama (if not installed)")
    parser.add_argument("--encoder", choices=["use", "wordllama"], default="use")
    parser.add_argument("--order", default="ERREERRE", help="E: the engine alone, R: with the stage")
    parser.add_argument(
        "--limit",
        type=int,
        default=None,
        help="characters of new text a round encodes at most (default: the engine's ROUND_CHARS; 0: no limit)",
    )
    parser.add_argument("--students", type=int, default=100_000)
    parser.add_argument("--opportunities", type=int, default=20_000)
    args = parser.parse_args()
    if set(args.order) - {"E", "R"}:
        raise SystemExit(f"--order: only E and R, not {args.order!r}")
    if args.path:
        sys.path.insert(1, str(args.path))
    import django

    django.setup()
    from bench.recommend import NOW, make_world
    from matchmaking.engine.encoder import EmbeddingCache, Reranker, use_encoder, wordllama_encoder
    from matchmaking.engine.recommend import recommend
    from matchmaking.engine.stages import Stages

    participants, opportunities, geography = make_world(args.students, args.opportunities, 7)
    print(f"{len(participants)} participants, {len(opportunities)} opportunities; load {os.getloadavg()[0]:.2f}")
    stage = Reranker(EmbeddingCache(use_encoder() if args.encoder == "use" else wordllama_encoder()))
    if args.limit is not None:
        stage.limit = args.limit or None
    walls: dict[str, list[float]] = {"E": [], "R": []}
    for label in args.order:
        stages, before = Stages(), stage.cache.encoded
        start = time.perf_counter()
        recommend(participants, opportunities, now=NOW, geography=geography, k=10, stages=stages,
                  rerank=stage if label == "R" else None)  # fmt: skip
        wall = time.perf_counter() - start
        walls[label].append(wall)
        seconds = stages.seconds
        encoded = f"; texts encoded {stage.cache.encoded - before}, left {stage.waiting}" if label == "R" else ""
        print(f"{label}: {wall:.1f} s (load {os.getloadavg()[0]:.2f}); search rounds "
              f"{stages.counts.get('rounds_participants')}, {stages.counts.get('rounds_opportunities')}; products "
              f"{seconds.get('search_products', seconds.get('products', 0.0)):.1f} s; lists "
              f"{seconds.get('here_lists', seconds.get('lists_participants', 0.0)):.1f} s + "
              f"{seconds.get('lists_after', 0.0):.1f} s{encoded}", flush=True)  # fmt: skip
    if walls["E"] and walls["R"]:
        e, r = statistics.median(walls["E"]), statistics.median(walls["R"])
        print(f"median E {e:.1f} s, R {r:.1f} s: R / E {r / e:.2f}")
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    child = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"peak resident memory: this process {own:.0f} MB, its largest child {child:.0f} MB")


if __name__ == "__main__":
    main()
