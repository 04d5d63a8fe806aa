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


def test_its_char_counts_equal_scikit_learns_char_wb_on_the_words_written_without_diacritics() -> None:
    docs = ["Lập trình game, thiết kế web!", "game development internship", "", "x bb ccc"]
    tok = text.tokenise(docs)
    blocks, _share = text._blocks(tok, folding=False)
    joined = [" ".join(t for t in tok.doc_tokens(d, folded=False) if t == text.fold(t)) for d in range(len(docs))]
    theirs = CountVectorizer(analyzer="char_wb", ngram_range=(3, 5), lowercase=False).fit_transform(joined)
    assert sorted(blocks[1].sum(axis=1).A1.tolist()) == sorted(theirs.sum(axis=1).A1.tolist())
    for d in range(len(docs)):
        assert sorted(blocks[1][d].data.tolist()) == sorted(theirs[d].data.tolist())


def test_words_of_a_request_and_of_every_posting_make_no_relevance() -> None:
    # Everything these two texts share is how a student asks and what every posting says.
    left, right = text.tfidf_pair(
        ["Em muốn tìm hiểu và trải nghiệm thực tế ở một doanh nghiệp về nấu ăn"],
        right=["Học sinh tìm hiểu và trải nghiệm thực tế tại doanh nghiệp về lập trình"],
    )
    assert (left @ right.T).toarray()[0, 0] == 0.0
    # Typed without accents, the request's phrases are still phrases of a request.
    bare, accented = text.tfidf_pair(["em thich tim hieu lap trinh"], right=["Tìm hiểu nghề nấu ăn"])
    assert (bare @ accented.T).toarray()[0, 0] == 0.0


def test_a_stop_word_breaks_bigrams_and_leaves_the_words_of_the_subject() -> None:
    tok = text.tokenise(["doanh nghiệp về lập trình game", "lập trình game về doanh nghiệp"])
    stopped = text.stopped(tok)
    assert [w for w, s in zip(tok.doc_tokens(0, folded=False), stopped[:6], strict=True) if not s] == [
        "lập", "trình", "game"
    ]  # fmt: skip
    # No phrase across two documents: "nghiệp" ending the first and "lập" starting the second are words.
    tok = text.tokenise(["doanh", "nghiệp lập trình"])
    assert not text.stopped(tok).any()
    words = text._blocks(text.tokenise(["doanh nghiệp về lập trình"]), folding=False)[0][0]
    assert words.nnz == 3  # lập, trình, "lập trình": nothing of "nghiệp về" or "nghiệp lập"


def test_an_accented_syllable_counts_whole_and_an_english_word_by_its_pieces_too() -> None:
    # "công" (công nghệ, technology) and "không" (không gian, space) share "ông" and nothing else.
    left, right = text.tfidf_pair(["công nghệ", "programmer"], right=["không gian", "programming"])
    sims = (left @ right.T).toarray()
    assert sims[0, 0] == 0.0
    assert sims[1, 1] > 0.2  # an English word still meets its other forms through its character n-grams


def test_a_bare_syllable_of_content_is_not_taken_for_a_stop_word() -> None:
    # "ve" typed bare is về (about) but also vẽ (to draw); "may" is English but also may (to sew).
    left, right = text.tfidf_pair(["thich ve tranh", "may vá"], right=["Lớp vẽ tranh", "xưởng may vá"])
    sims = (left @ right.T).toarray()
    assert sims[0, 0] > 0.1 and sims[1, 1] > 0.1


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
    rows, cols = text.tfidf_pair(left, right=right, folding=False)  # without reading it as the corpus spells it
    assert (rows @ cols.T).toarray()[0, 0] < 0.01  # AI typed bare, the potter: a letter pair or two at most
    rows, cols = text.tfidf_pair(left, right=right)
    similarity = (rows @ cols.T).toarray()
    assert similarity[1, 0] > 0.1 and similarity[0, 1] > 0.1  # the whole phrases meet
    # Read as the corpus spells its pairs ("trí tuệ nhân tạo", ``restored_ids``), the bare text meets the
    # potter exactly as the text written with accents does: "nhân" is "nhân", and no more.
    accented, potter = text.tfidf_pair(["trí tuệ nhân tạo", "nghe nhan gom"], right=right)
    assert abs(similarity[0, 0] - (accented @ potter.T).toarray()[0, 0]) < 1e-6


def test_features_in_most_documents_are_dropped_like_scikit_learns_max_df() -> None:
    docs = ["và em thích game"] * 30 + ["và em thích gốm"] * 30
    left, right = text.tfidf_pair(docs[:40], right=docs[40:], max_df=0.5, min_df_cap=0)
    # "và em thích" is in every document: what is left to compare is game vs gốm
    assert (left[0] @ right[-1].T).toarray()[0, 0] == 0.0


def test_the_second_form_stems_english_words_and_leaves_every_vietnamese_syllable_alone() -> None:
    import json

    from matchmaking.engine import lexicon, topics

    assert {text.english_stem(w) for w in ["managing", "management", "manager", "manage"]} == {"manag"}
    assert text.english_stem("programs") == text.english_stem("programming")
    syllables = set()
    for line in lexicon.DEFAULT_PATH.read_text(encoding="utf-8").splitlines():
        syllables |= {text.fold(t) for t in text.tokens(text.normalise(line)) if t != text.fold(t)}
    for topic in json.loads(topics.DEFAULT_PATH.read_text(encoding="utf-8"))["topics"]:
        words = " ".join([topic["vi"], *topic.get("synonyms", [])])
        syllables |= {text.fold(t) for t in text.tokens(text.normalise(words)) if t != text.fold(t)}
    assert len(syllables) > 300
    assert {s for s in syllables if text.english_stem(s) != s} == set()


def test_words_of_one_family_meet_in_the_second_form_and_exact_words_count_more() -> None:
    left, right = text.tfidf_pair(["managing projects"], right=["project management", "managing projects"])
    sims = (left @ right.T).toarray()[0]
    plain, plain_right = text.tfidf_pair(["managing projects"], right=["project management"], folding=False)
    assert sims[0] > (plain @ plain_right.T).toarray()[0, 0] + 0.1  # the family: manag, project
    assert sims[1] > sims[0]  # the same words, in both forms


def test_the_character_n_grams_weigh_as_the_share_of_the_words_they_read() -> None:
    _blocks, share = text._blocks(text.tokenise(["làm game, lập trình Unity", "game design", "gốm sứ", ""]),
                                  folding=True)  # fmt: skip
    assert share.tolist() == [2 / 5, 1.0, 0.0, 0.0]  # "làm game lập trình unity": game, unity of five
    # Two texts sharing only "game": the mixed one meets the English one less than a whole English text does.
    left, right = text.tfidf_pair(["làm game, lập trình Unity", "game, Unity"], right=["Game design studio"])
    sims = (left @ right.T).toarray()[:, 0]
    assert 0 < sims[0] < sims[1]
    rows, same = text.tfidf_pair(["làm game, lập trình Unity"], right=["làm game, lập trình Unity"])
    assert abs(float((rows @ same.T).toarray()[0, 0]) - 1.0) < 1e-3  # still unit rows: a text meets itself at 1


def _restored(texts: list[str]) -> list[list[str]]:
    tok = text.tokenise(texts)
    ids = text.restored_ids(tok)
    return [[tok.vocab[i] for i in ids[tok.offsets[d] : tok.offsets[d + 1]]] for d in range(len(texts))]


def test_a_text_typed_bare_is_read_as_the_corpus_spells_its_word_pairs() -> None:
    corpus = ["lập trình game cho học sinh", "học máy và trí tuệ nhân tạo", "học may quần áo", "vẽ tranh"]
    bare, mixed, lone, english, twice = _restored(
        [*corpus, "e thik lap trinh game", "em thích lap trinh", "ve", "game design", "hoc may"]
    )[len(corpus):]
    assert bare == ["e", "thik", "lập", "trình", "game"]  # one spelling in the corpus: restored
    assert mixed == ["em", "thích", "lap", "trinh"]  # a writer who types diacritics meant these as typed
    assert lone == ["ve"]  # a lone syllable is never guessed
    assert english == ["game", "design"]
    assert twice == ["hoc", "may"]  # học máy and học may: two spellings, left as typed


def test_a_bare_text_meets_an_accented_one_about_as_the_accented_text_does() -> None:
    postings = ["Hành trình trở thành lập trình viên", "Nói chuyện hướng nghiệp: ẩm thực, nấu ăn"]
    left, right = text.tfidf_pair(["lap trinh game", "lập trình game"], right=postings)
    bare, accented = (left @ right.T).toarray()[:, 0]
    assert accented > 0.1 and abs(bare - accented) < 1e-6  # it was about a quarter: below the relevance floor
