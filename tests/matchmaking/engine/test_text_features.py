"""Normalisation, accent folding and the TF-IDF space (which must equal scikit-learn's)."""

from __future__ import annotations

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import CountVectorizer, TfidfTransformer

from matchmaking.engine import text


def test_it_folds_vietnamese_diacritics_and_d_bar() -> None:
    assert text.fold(text.normalise("Trí Tuệ NHÂN TẠO ở Đà Nẵng")) == "tri tue nhan tao o da nang"
    # NFC and NFD spellings of the same word normalise to the same string
    assert text.normalise("Hòa") == text.normalise("Ho\u0300a")


def test_tokens_keep_c_plus_plus_and_c_sharp() -> None:
    assert text.tokens(text.normalise("C++, C# và e-commerce 5G")) == [
        "c++",
        "c#",
        "và",
        "e",
        "commerce",
        "5g",
    ]


def test_its_tfidf_weighting_equals_scikit_learns() -> None:
    rng = np.random.default_rng(3)
    counts = sparse.csr_matrix(rng.integers(0, 3, size=(30, 12)).astype(float))
    counts.eliminate_zeros()
    ours = text.tfidf_weight(counts.copy()).toarray()
    theirs = TfidfTransformer(sublinear_tf=True).fit_transform(counts).toarray()
    np.testing.assert_allclose(ours, theirs, atol=1e-12)


def test_its_char_counts_equal_scikit_learns_char_wb_on_the_tokens() -> None:
    docs = ["Lập trình game, thiết kế web!", "game development internship", "", "a bb ccc"]
    tok = text.tokenise(docs)
    blocks = text._blocks(tok, folding=False)
    joined = [" ".join(tok.doc_tokens(d, folded=False)) for d in range(len(docs))]
    theirs = CountVectorizer(analyzer="char_wb", ngram_range=(3, 5), lowercase=False).fit_transform(joined)
    assert sorted(blocks[1].sum(axis=1).A1.tolist()) == sorted(theirs.sum(axis=1).A1.tolist())
    for d in range(len(docs)):
        assert sorted(blocks[1][d].data.tolist()) == sorted(theirs[d].data.tolist())


def test_rows_are_unit_vectors_so_a_dot_product_is_a_cosine() -> None:
    left, right = text.tfidf_pair(["lập trình game", "nấu ăn"], right=["Lập trình game", "du lịch"])
    sims = (left @ right.T).toarray()
    assert sims[0, 0] > 0.9  # the same words, only the case differs
    assert sims[1, 1] == 0.0
    assert np.all(sims <= 1.0 + 1e-6)


def test_accent_folding_lets_unaccented_text_meet_accented_text() -> None:
    left = ["tri tue nhan tao"]
    right = ["Trí tuệ nhân tạo cho học sinh"]
    folded = text.tfidf_pair(left, right=right, folding=True)
    plain = text.tfidf_pair(left, right=right, folding=False)
    assert (folded[0] @ folded[1].T).toarray()[0, 0] > 0.1  # through its folded bigrams
    assert (plain[0] @ plain[1].T).toarray()[0, 0] < 0.1


def test_a_lone_syllable_typed_without_accents_does_not_meet_a_different_accented_word() -> None:
    # "nhan" typed bare is nhân, nhãn, nhắn…: in "tri tue nhan tao" it is the nhân of nhân tạo
    # (artificial), not the nhân of nghệ nhân (artisan). Folded, it counts within its bigrams only.
    left = ["tri tue nhan tao", "nghe nhan gom"]
    right = ["Nghệ nhân gốm nói chuyện", "Trí tuệ nhân tạo"]
    rows, cols = text.tfidf_pair(left, right=right)
    similarity = (rows @ cols.T).toarray()
    assert similarity[0, 0] < 0.01  # AI typed bare, the potter: a letter pair or two ("nh") at most
    assert similarity[1, 0] > 0.1 and similarity[0, 1] > 0.1  # the whole phrases still meet, by bigrams
    # Written with accents, the words are what they are: "nhân" meets "nhân" as before.
    accented, _ = text.tfidf_pair(["trí tuệ nhân tạo"], right=["Nghệ nhân gốm nói chuyện"])
    assert (accented @ _.T).toarray()[0, 0] > 0


def test_features_in_most_documents_are_dropped_like_scikit_learns_max_df() -> None:
    docs = ["và em thích game"] * 30 + ["và em thích gốm"] * 30
    left, right = text.tfidf_pair(docs[:40], right=docs[40:], max_df=0.5, min_df_cap=0)
    # "và em thích" is in every document: what is left to compare is game vs gốm
    assert (left[0] @ right[-1].T).toarray()[0, 0] == 0.0
