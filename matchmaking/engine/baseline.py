"""The baseline every ranking is held against: plain TF-IDF of the same texts.

scikit-learn's ``TfidfVectorizer`` with its defaults (word unigrams, lower-cased, L2-normalised) and
sublinear term frequency, fitted on the participants' and opportunities' documents of the run, and
each participant's opportunities ranked by cosine (ties by id), no filter, no topic, no context: what
a search box over the descriptions would give. ``evaluate`` prints it beside the model's figures.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer

from .types import Opportunity, Participant
from .vectors import opportunity_document, participant_document


def plain_tfidf(
    participants: Sequence[Participant], opportunities: Sequence[Opportunity], k: int
) -> dict[str, list[str]]:
    """Each participant's top k opportunities by plain TF-IDF cosine (pairs with cosine 0 left out)."""
    if not participants or not opportunities:
        return {p.id: [] for p in participants}
    docs = [participant_document(p) for p in participants] + [opportunity_document(o) for o in opportunities]
    matrix = TfidfVectorizer(sublinear_tf=True).fit_transform(docs)
    n_p = len(participants)
    cosine = (matrix[:n_p] @ matrix[n_p:].T).toarray()
    ids = np.array([o.id for o in opportunities], dtype=object)
    tie = np.argsort(np.argsort(ids, kind="stable"), kind="stable")
    out = {}
    for i, p in enumerate(participants):
        order = np.lexsort((tie, -cosine[i]))[:k]
        out[p.id] = [str(ids[j]) for j in order if cosine[i, j] > 0]
    return out
