"""The bilingual lexicon: English and Vietnamese words of work and study glossed into shared concepts,
which bridge the two languages and nothing else."""

from __future__ import annotations

import numpy as np
import pytest
from tiny import GEOGRAPHY, NOW, opportunity, student

from matchmaking.engine import model, text
from matchmaking.engine.lexicon import DEFAULT_PATH, load_lexicon, parse, stem
from matchmaking.engine.recommend import recommend


def concepts(*docs: str) -> list[set[str]]:
    lexicon = load_lexicon()
    counts = lexicon.counts(text.tokenise(docs), len(docs))  # all on the left: English c, Vietnamese n + c
    n = len(lexicon.concepts)
    return [{f"{lexicon.concepts[c % n]}/{'vi' if c >= n else 'en'}" for c in row.indices} for row in counts]


def test_english_and_vietnamese_phrases_gloss_into_the_same_concepts() -> None:
    en, vi, bare = concepts("machine learning and sensors", "học máy và cảm biến", "hoc may va cam bien")
    assert en == {"machine learning/en", "sensor/en"}  # "sensors": a plural matches its singular
    assert vi == bare == {"machine learning/vi", "sensor/vi"}


def test_a_concept_phrase_never_spans_a_comma_a_stop_or_a_line() -> None:
    assert concepts("machine learning", "machine, learning", "học. Máy tính", "data\nanalysis") == [
        {"machine learning/en"},
        {"machine/en", "learn/en"},
        {"learn/vi", "computer/vi"},
        {"data/en", "analysis/en"},
    ]


def test_a_lone_syllable_typed_without_accents_glosses_nothing() -> None:
    # "gom" is gốm (pottery) or gồm (to include); "gốm" as written is pottery.
    assert concepts("gom", "gốm") == [set(), {"pottery/vi"}]


def test_an_ambiguous_folded_phrase_glosses_nothing_and_is_not_misread() -> None:
    # "khoa hoc" is khoa học (science) or khóa học (course): neither; and its "hoc" is not taken
    # for the "học máy" (machine learning) of "hoc may tinh".
    assert concepts("khoa hoc may tinh") == [{"computer/vi"}]
    assert concepts("khoa học máy tính", "khóa học máy tính") == [
        {"science/vi", "computer/vi"},
        {"training/vi", "computer/vi"},
    ]


def test_a_text_in_one_language_alone_is_compared_as_without_the_lexicon() -> None:
    left = ["machine learning engineer", "data analysis with Python"]
    right = ["Machine learning internship for engineers", "Data analysis and statistics", "Pottery workshop"]
    tok = text.tokenise([*left, *right])
    glosses = load_lexicon().counts(tok, len(left))
    assert glosses.nnz  # the concepts are there, on both sides, in English on both
    plain = text.tfidf_pair(tok, len(left), dtype=np.float64)
    glossed = text.tfidf_pair(tok, len(left), dtype=np.float64, glosses=glosses, gloss_weight=1.5)
    for a, b in zip(plain, glossed, strict=True):
        assert abs(a @ plain[1].T - b @ glossed[1].T).max() < 1e-12


def test_a_short_english_interest_finds_the_vietnamese_posting_on_its_subject(monkeypatch) -> None:
    me = student(text="warehouse work, customers", language="en")
    catalogue = [
        opportunity("warehouse", company="a", title="Tham quan kho hàng và chăm sóc khách hàng", language="vi"),
        opportunity("bakery", company="b", title="A bakery's story: bread for every customer", language="en"),
        opportunity("food", company="c", title="Công nghiệp chế biến thực phẩm", language="vi"),
    ]

    def first(**options: bool) -> str:
        recs = recommend([me], catalogue, now=NOW, geography=GEOGRAPHY, **options)
        return recs.for_participants["s1"][0].opportunity_id

    assert first() == "warehouse"  # kho hàng = warehouse, khách hàng = customers
    # The topics ("warehouse" is logistics in either language) are off: the lexicon alone bridges.
    assert first(use_topics=False) == "warehouse"
    monkeypatch.setattr(model, "GLOSS_WEIGHT", 0.0)  # without it as well, the English "customer" wins
    assert first(use_topics=False) == "bakery"


@pytest.mark.parametrize(
    ("tsv", "error"),
    [
        ("finance tài chính\n", "lexicon:1: expected English and Vietnamese phrases separated by one tab"),
        ("finance\t ; \n", "lexicon:1: a concept needs at least one English and one Vietnamese phrase"),
        (
            "# c\nbank\tngân hàng\nriver bank\tbờ sông ; ngân hàng\n",
            "lexicon:3: 'ngân hàng' (ngân hàng) also glosses the concept of line 2",
        ),
    ],
)  # fmt: skip
def test_a_malformed_lexicon_is_refused_naming_the_line(tsv: str, error: str) -> None:
    with pytest.raises(ValueError) as raised:
        parse(tsv)
    assert str(raised.value) == error


def meet(left: str, right: str) -> set[str]:
    """The concepts a participant's text and an opportunity's share across languages."""
    lexicon = load_lexicon()
    counts = lexicon.counts(text.tokenise([left, right]), 1)
    n = len(lexicon.concepts)
    return {lexicon.concepts[c % n] for c in set(counts[0].indices) & set(counts[1].indices)}


@pytest.mark.parametrize(
    ("words", "base"),
    [
        (["financial", "finances", "financing"], "finance"),
        (["programmer", "programmers", "programming", "programmed"], "program"),
        (["analyst", "analysts", "analytics", "analytical", "analyse", "analyze", "analyses"], "analysis"),
        (["designer", "designers", "designing", "designed"], "design"),
        (["economic", "economics", "economist"], "economy"),
        (["photographer", "photographic"], "photography"),
        (["optimise", "optimize", "optimisation", "optimization"], "optimising"),
        (["translator", "translators", "translations"], "translation"),
        (["investor", "investors", "invested"], "investment"),
    ],
)
def test_a_light_stem_relates_the_forms_of_an_english_word(words: list[str], base: str) -> None:
    assert {stem(w) for w in words} == {stem(base)}


@pytest.mark.parametrize(
    ("word", "other"),
    [
        ("engineer", "engine"),
        ("internal", "internship"),
        ("international", "intern"),
        ("custom", "customer"),
        ("officer", "office"),
        ("classical", "class"),
        ("factory", "factor"),
        ("general", "generative"),
        ("important", "import"),
        ("finance", "fine"),
        ("direct", "director"),
    ],
)
def test_a_light_stem_keeps_words_of_different_meanings_apart(word: str, other: str) -> None:
    assert stem(word) != stem(other)


def test_vietnamese_words_are_their_own_stems_as_written_and_typed_bare() -> None:
    lines = [line.split("\t") for line in DEFAULT_PATH.read_text(encoding="utf-8").splitlines() if "\t" in line]
    english = {t for en, _ in lines for t in text.tokens(text.normalise(en))}
    # the Vietnamese column's words, not those spelt alike in English ("marketing", "robot", "website")
    syllables = {t for _, vi in lines for t in text.tokens(text.normalise(vi))} - english
    syllables |= set(text.tokens(text.normalise("Thuật toán, nghiệp vụ, truyền thống, khuyến nông, thường xuyên")))
    assert len(syllables) > 500
    assert [t for t in syllables | {text.fold(t) for t in syllables} if stem(t) != t] == []


def test_english_word_forms_meet_the_vietnamese_concept() -> None:
    assert "finance" in meet("financial literacy for teenagers", "Hội thảo tài chính cho học sinh")
    assert "program" in meet("programmers wanted", "Trại lập trình Python")
    assert "program" in meet("software engineering internship", "Học lập trình Python")
    assert "economics" in meet("economists at work", "Ngày hội kinh tế học")
    assert "analysis" in meet("analysts", "phân tích")
    # and the other way round: a Vietnamese participant, an English posting
    assert "finance" in meet("tai chinh va ngan hang", "Financial planning talk")


def test_a_stem_two_concepts_share_glosses_neither_while_the_words_as_written_keep_theirs() -> None:
    lexicon = parse("market\tthị trường\nmarketing\ttiếp thị\n")
    tok = text.tokenise(["marketers", "market", "marketing"])
    counts = lexicon.counts(tok, 3)
    assert [list(row.indices) for row in counts] == [[], [0], [1]]


@pytest.mark.parametrize(
    ("english", "vietnamese", "concept"),
    [
        ("veterinary clinic", "bác sĩ thú y", "veterinary"),
        ("hairdresser", "học nghề cắt tóc", "hairdresser"),
        ("electricians", "thợ điện", "electrician"),
        ("fertilizer use", "phân bón hữu cơ", "fertilizer"),
        ("customs clearance", "thủ tục hải quan", "customs clearance"),
        ("mental health", "sức khỏe tâm thần", "mental health"),
        ("waste management", "xử lý rác thải", "waste management"),
        ("ecotourism", "du lịch sinh thái", "ecotourism"),
        ("football club", "câu lạc bộ bóng đá", "football"),
        ("a part-time job", "tìm việc làm thêm", "part-time job"),
    ],
)
def test_everyday_fields_of_work_meet_across_languages(english: str, vietnamese: str, concept: str) -> None:
    assert concept in meet(english, vietnamese) | meet(vietnamese, english)
