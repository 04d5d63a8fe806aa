"""The curated topic vocabulary (data/topics.json) and the phrase matching onto it."""

from __future__ import annotations

import json

import pytest

from matchmaking.engine.text import fold, normalise, tokenise, tokens
from matchmaking.engine.topics import DEFAULT_PATH, build_vocabulary, load_vocabulary

RAW = json.loads(DEFAULT_PATH.read_text(encoding="utf-8"))
REQUIRED_GROUPS = {
    "software",
    "ai_data",
    "hardware",
    "media",
    "arts",
    "manufacturing",
    "agri_food",
    "tourism",
    "finance",
    "business",
    "health",
    "science",
    "built_env",
    "society",
    "languages",
    "crafts",
    "skills",
}


def ids(text: str) -> set[str]:
    vocab = load_vocabulary()
    return {vocab.topics[i].id for i in vocab.match_text(text)}


def test_it_has_at_least_150_topics_with_unique_ids_and_both_names() -> None:
    topics = RAW["topics"]
    assert len(topics) >= 150
    assert len({t["id"] for t in topics}) == len(topics)
    assert all(t["vi"].strip() and t["en"].strip() for t in topics)
    assert REQUIRED_GROUPS <= {t["group"] for t in topics}


def test_every_field_is_named_in_both_languages_and_an_unnamed_field_is_refused() -> None:
    vocab = load_vocabulary()
    assert set(vocab.field_ids) == set(vocab.fields) == REQUIRED_GROUPS
    assert all(f.vi.strip() and f.en.strip() and f.vi != f.en for f in vocab.fields.values())
    raw = {
        "fields": {"crafts": {"vi": "làng nghề", "en": "crafts"}},
        "topics": [
            {"id": "a", "vi": "gốm", "en": "pottery", "group": "crafts", "synonyms": []},
            {"id": "b", "vi": "ngân hàng", "en": "banking", "group": "finance", "synonyms": []},
        ],
    }
    with pytest.raises(ValueError, match="'finance'"):
        build_vocabulary(raw)


def test_only_the_skills_every_work_asks_for_are_a_transversal_field_which_is_no_evidence_alone() -> None:
    vocab = load_vocabulary()
    assert [f.id for f in vocab.fields.values() if f.transversal] == ["skills"]
    columns = vocab.evidence_columns
    assert len(columns) == len(vocab.topics) + len(vocab.field_ids)
    not_evidence = {vocab.topics[i].id for i in range(len(vocab.topics)) if not columns[i]}
    assert not_evidence == {t.id for t in vocab.topics if t.group == "skills"} >= {"soft-skills", "public-speaking"}
    fields = dict(zip(vocab.field_ids, columns[len(vocab.topics) :], strict=True))
    assert not fields["skills"] and all(kept for field, kept in fields.items() if field != "skills")


def test_no_name_or_synonym_maps_to_two_topics_once_folded() -> None:
    owner: dict[str, str] = {}
    clashes = []
    for topic in RAW["topics"]:
        for label in {topic["vi"], topic["en"], *topic["synonyms"]}:
            key = " ".join(tokens(fold(normalise(label))))
            if owner.setdefault(key, topic["id"]) != topic["id"]:
                clashes.append((label, owner[key], topic["id"]))
    assert clashes == []


def test_it_refuses_a_vocabulary_where_a_synonym_names_two_topics() -> None:
    raw = {
        "topics": [
            {"id": "a", "vi": "gốm", "en": "pottery", "group": "crafts", "synonyms": ["làm gốm"]},
            {"id": "b", "vi": "làm gom", "en": "collecting", "group": "x", "synonyms": []},
        ]
    }
    with pytest.raises(ValueError, match="names both"):
        build_vocabulary(raw)


def test_vietnamese_english_and_unaccented_phrasings_meet_on_one_topic() -> None:
    assert (
        ids("Em thích lập trình game")
        == ids("game development internship")
        == ids("lap trinh game")
        == {"game-dev"}
    )
    assert ids("trí tuệ nhân tạo") == ids("tri tue nhan tao") == ids("artificial intelligence") == {"ai"}
    assert "pottery" in ids("Làm gốm Bát Tràng") and "pottery" in ids("ceramics workshop")
    assert "conical-hat" in ids("nón lá Huế") and "conical-hat" in ids("conical hat making")


@pytest.mark.parametrize(
    ("phrasings", "topic"),
    [
        (["thợ xây", "tho ho", "bricklayer", "site engineer"], "construction"),
        (["luật kinh tế", "luat kinh te", "tòa án", "notary"], "law"),  # not economics
        (["vật lý trị liệu", "phuc hoi chuc nang", "physiotherapy"], "physiotherapy"),  # not physics
        (["kỹ thuật viên xét nghiệm", "chan doan hinh anh", "radiology"], "medical-technology"),
        (["sĩ quan hàng hải", "thuyen truong", "marine engineer"], "maritime"),  # not marine biology
        (["sửa xe", "oto", "auto repair"], "automotive"),
        (["thợ điện nước", "electrical wiring"], "electrical"),
        (["ủy ban nhân dân", "ubnd", "civil servant", "public policy"], "public-administration"),
        (["ngành công an", "cảnh sát", "police officer", "army"], "police-military"),
        (["làm nail", "tham my vien", "hair stylist", "beautician"], "beauty"),
        (["phụ bếp", "nha bep", "kitchen assistant"], "culinary"),
        (["quản trị văn phòng", "thu ky", "secretary"], "office-administration"),
    ],
)
def test_a_trade_or_field_beyond_computing_meets_its_topic_in_either_language_and_typed_bare(phrasings, topic) -> None:
    assert [ids(p) for p in phrasings] == [{topic}] * len(phrasings)


@pytest.mark.parametrize(
    "text",
    [
        "Tạo công ăn việc làm cho người dân",  # not "công an", police
        "Phòng học có máy và bàn ghế mới",  # not "may vá", sewing
        "Lấy mẫu nước và viết báo cáo",  # not "viết báo", journalism
        "Học công nghệ máy tính",  # not "công nghệ may", garment technology
        "Làm nóng lò trước khi nướng",  # not "làm nông", farming
        "Mỗi cá nhân học được kỹ năng mới",  # not "nhân học", anthropology
        "Môi trường làm việc năng động, xây dựng đội ngũ",  # "môi trường" and "xây dựng" alone are no field
        "Cuối tuần đi biển cùng gia đình",  # a trip to the seaside, not seafaring
        "Our company philosophy",
        "Luyện ngân hàng đề thi toán lớp 9",  # a question bank, not banking
        "Chiến sĩ thi đua cấp trường",  # an award, not the army
        "A pilot programme for schools",  # a trial, not aviation
        "a high-tech company",  # "tech" inside "high-tech" is no information technology
    ],
)
def test_a_common_phrase_folded_like_a_topic_phrase_names_no_topic(text) -> None:
    assert ids(text) == set()


@pytest.mark.parametrize(
    ("text", "not_topic"),
    [
        ("Em muốn được học thêm về kinh doanh", "pharmacy"),  # "được học" (to get to learn), not "dược học"
        ("Học bảo dưỡng động cơ cùng thợ máy có tay nghề", "tailoring"),  # a mechanic, not "thợ may"
        ("Em thích làm gốm và đồ thủ công truyền thống", "media-communications"),  # tradition, not media
        ("Nhà truyền thống ngành Than", "media-communications"),
        # A word with no marks beside one with them is as written too: "may" (to sew), not "máy".
        ("Em muốn học may, sau này mở tiệm may đo áo dài", "machine-learning"),
    ],
)
def test_a_word_written_with_its_diacritics_is_not_another_word_that_folds_like_it(text, not_topic) -> None:
    assert not_topic not in ids(text)
    assert not_topic in ids(fold(normalise(text)))  # typed bare, the words could be either: both are read


@pytest.mark.parametrize(
    ("spellings", "topic"),
    [
        (["hoá học", "hóa học", "Hoa hoc"], "chemistry"),  # the tone mark on either vowel, or none
        (["thuỷ sản", "thủy sản", "thuy san"], "aquaculture"),
        (["dược học", "ngành dược", "duoc hoc"], "pharmacy"),
        (["thợ may", "tho may", "thợ may áo dài"], "tailoring"),
        (["truyền thông", "truyen thong", "Truyền Thông"], "media-communications"),
    ],
)
def test_a_phrase_meets_its_topic_spelt_either_way_or_typed_bare(spellings, topic) -> None:
    for text in spellings:
        assert topic in ids(text), text


def test_a_one_word_phrase_spelt_with_diacritics_is_met_only_as_written() -> None:
    # Typed bare, a lone syllable could be any of several words: "theu" is thêu (embroidery) or thều.
    assert ids("Em thích thêu tranh") >= {"embroidery"}
    assert "embroidery" not in ids("Em thich theu tranh")
    assert "embroidery" in ids("hoc theu tay")  # a phrase of two words still meets it typed bare


def test_the_longest_phrase_wins_and_words_must_match_whole() -> None:
    assert ids("lập trình game") == {"game-dev"}  # not also "programming"
    assert ids("ứng dụng di động") == {"mobile-apps"}
    assert ids("gaming") == {"esports"} and ids("gamification") == set()


def test_the_acronym_ai_counts_only_in_capitals() -> None:
    assert ids("Em thích AI và robot") == {"ai", "robotics"}
    assert ids("ai cũng có thể học") == set()  # Vietnamese "ai" means "who"


def test_the_corpus_matcher_agrees_with_the_single_text_matcher() -> None:
    texts = [
        "Em thích lập trình game và thiết kế web",
        "I love pottery, ceramics and cooking",
        "tri tue nhan tao, hoc may",
        "",
        "🙂🙂",
        "năng lượng mặt trời và điện gió ở Ninh Thuận",
        "kỹ thuật phần mềm kiến trúc phần mềm",
        "x" * 50,
        "Khóa học lập trình web cho học sinh\nHọc HTML, CSS và JavaScript. Sinh học; hóa học",
        "data, science and node.js",
        "em được học nhiều về hoá học, thuỷ sản và học may",
        "thợ máy, thợ may, gốm truyền thống, Hoa hoc va thuy san",
        "thêu và theu, đi phượt, di phuot; tmđt",
    ]
    vocab = load_vocabulary()
    corpus = vocab.match_corpus(tokenise(texts), folding=True)
    written = [tokens(normalise(t)) for t in texts]
    assert corpus == [vocab.match_tokens([fold(w) for w in ws], written=ws) for ws in written]
    unfolded = vocab.match_corpus(tokenise(texts), folding=False)
    assert unfolded == [vocab.match_tokens(tokens(normalise(t)), folding=False) for t in texts]
    assert unfolded[2] == set()  # without folding "tri tue nhan tao" is not "trí tuệ nhân tạo"


def test_a_phrase_never_spans_a_line_or_a_stop_but_a_dot_inside_a_word_is_no_stop() -> None:
    # A title that ends "… cho học sinh" (for students) and a description that starts "Học …" (learn)
    # are not "sinh học" (biology); nor are two items of a list one phrase.
    assert "biology" not in ids("Khóa học lập trình web cho học sinh\nHọc HTML và CSS")
    assert "biology" not in ids("Dành cho học sinh. Học qua dự án")
    assert "biology" in ids("sinh học, hóa học")
    assert "machine-learning" not in ids("machine, learning")
    assert "machine-learning" in ids("Machine learning: the basics")
    assert "javascript" in ids("node.js")  # no space after the dot: one word


def test_an_ambiguous_word_names_its_topic_only_where_the_text_is_about_its_field() -> None:
    # "python" is also a snake and "java" a coffee: alone, or beside a topic of their field (or a field of
    # their context), they name the language; beside other subjects only, they do not.
    assert ids("Python") == {"python"}
    assert ids("em học Python và phân tích dữ liệu") == {"python", "data-analysis"}  # AI and data: context
    assert "python" in ids("Python, lập trình web")
    assert ids("Reptile rescue: our vet cares for a Burmese python") == {"veterinary"}
    assert "java" not in ids("Barista basics: a Java latte, espresso and coffee tasting")
    assert "java" in ids("Học lập trình Java backend")
    assert "cloud" not in ids("Trồng rau thủy canh dưới bầu trời đầy mây và đám mây")
    assert ids("Tinh thần đoàn kết, unity trong đội bóng đá") == {"football"}
    assert "game-dev" in ids("Làm game 2D với Unity")


def test_the_corpus_topics_drop_an_ambiguous_word_the_rest_does_not_confirm() -> None:
    from matchmaking.engine.vectors import topic_sets

    vocab = load_vocabulary()
    texts = [
        "Meet the pythons: reptile rescue and wildlife conservation with our vets",
        "em dang hoc Python, thich tri tue nhan tao (AI)",
        "Barista basics: from Robusta beans to a Java latte, coffee tasting",
        "Python",
    ]
    sets = topic_sets(vocab, tokenise(texts), texts, [()] * len(texts), folding=True)
    named = [{vocab.topics[t].id for t in s} for s in sets]
    assert named[0] == {"environment"}  # wildlife conservation, not programming
    assert {"python", "ai"} <= named[1]
    assert "java" not in named[2] and "coffee" in named[2]
    assert named[3] == {"python"}
    for text, found in zip(texts, named, strict=True):  # the single-text matcher agrees
        assert found == ids(text), text


def test_it_refuses_an_ambiguous_phrase_that_is_also_a_plain_phrase_or_an_unknown_context_field() -> None:
    rows = [
        {"id": "a", "group": "g", "vi": "lập trình python", "en": "python programming", "ambiguous": ["python"]},
        {"id": "b", "group": "h", "vi": "trăn", "en": "python"},
    ]
    with pytest.raises(ValueError, match="python"):
        build_vocabulary({"topics": rows})
    rows = [{"id": "a", "group": "g", "vi": "x", "en": "y", "ambiguous": ["python"], "context": ["nowhere"]}]
    with pytest.raises(ValueError, match="nowhere"):
        build_vocabulary({"topics": rows})


def test_how_students_name_a_trade_or_a_dream_job_meets_its_topic() -> None:
    assert ids("lam cong an hoac linh cuu hoa") == {"police-military", "firefighting-rescue"}
    assert ids("I want to be a firefighter") == {"firefighting-rescue"}
    assert ids("em thích PCCC") == {"firefighting-rescue"}  # the fire police, more than workplace safety
    assert ids("em muốn làm thợ điện") == {"electrical"}  # not "làm thơ", poetry
    # Speaking in public, debate: an interest of its own; presenting on a CV stays a skill of every job.
    assert ids("Em thích nói trước đám đông") == ids("English debate club") == {"debate-oratory"}
    assert ids("kỹ năng thuyết trình") == {"public-speaking"}
    assert ids("sau này em muốn làm y tá") == {"nursing"}
    assert ids("dream of becoming a pilot") == {"aviation"}
    assert ids("high-tech farming") == {"agritech"}


def test_a_one_word_interest_meets_its_topic_written_with_its_diacritics() -> None:
    # One syllable is safe to read only as written: "hát" (to sing) and not "hạt" (a seed) or "hat".
    assert ids("em thích hát") == {"music"}
    assert ids("em thich hat karaoke") == {"music"} and ids("hoc vo co truyen") == {"martial-arts"}  # two words, bare
    assert "music" not in ids("The craft of the conical hat")
    assert ids("mê lụa") == {"silk"} and "silk" not in ids("trồng lúa nước")
    assert ids("thích thêu thùa may vá") == {"embroidery", "tailoring"}
    assert "tailoring" not in ids("Phòng học có máy và bàn ghế mới")
    assert ids("em muốn học ngành Dược") == {"pharmacy"} and ids("em muốn được học thêm") == set()
    assert ids("môi giới bđs") == ids("moi gioi bds") == {"real-estate"}  # an abbreviation, typed either way
    # Still ambiguous as written: drawing a chart is no fine art, rules of a contest no law, tea served
    # at a homestay no tea growing; alone, or beside their own field, they name the topic.
    assert ids("em thích vẽ") == {"fine-arts"} and ids("vẽ tranh và vẽ") == {"fine-arts"}
    assert "fine-arts" not in ids("Phân tích dữ liệu với Excel: làm sạch dữ liệu, vẽ biểu đồ")
    assert "law" not in ids("Cuộc thi robot: gắp vật theo luật thi")
    assert "tea" not in ids("Khởi nghiệp homestay ở Đà Lạt. Có trà và bánh.")


def test_a_common_english_word_of_many_fields_names_its_topic_only_in_that_field() -> None:
    # "management" of pests, of a warehouse or of a database is no business administration.
    assert ids("integrated pest management in our greenhouses") == {"hydroponics"}
    assert ids("I want to study management") == {"business-administration"}  # alone, it is the subject
    assert "climate-change" not in ids("automated irrigation and climate control")
    assert ids("climate action and carbon emissions") == {"climate-change"}
    assert ids("Drinks and snacks are provided") == set()


@pytest.mark.parametrize(
    ("text", "not_topic"),
    [
        # What a posting says about the day, not what it is about (written blind by a helper, then read).
        ("Tham quan làng gốm. Có ô tô đưa đón từ trường, có nước uống và bánh", "automotive"),
        ("Trải nghiệm làm hương. Học sinh mặc áo dài tay và mang theo mũ", "tailoring"),
        ("Web development bootcamp. Tuition can be paid by bank transfer", "banking"),
        ("Nông trại hữu cơ không dùng thuốc trừ sâu hóa học", "chemistry"),
        ("Một ngày làm lính cứu hỏa. Yêu cầu sức khỏe tốt", "healthcare"),
        ("Thủ thư tra cứu sách trên phần mềm quản lý thư viện", "software-engineering"),
        ("Our fintech startup is recruiting front-end developer interns", "human-resources"),
    ],
)
def test_what_a_posting_says_about_the_day_names_no_topic(text, not_topic) -> None:
    assert not_topic not in ids(text)


def test_a_student_who_names_only_a_field_word_still_has_its_topic() -> None:
    assert ids("em muốn làm giáo viên") == {"education"}
    assert ids("em thích nghiên cứu") == {"scientific-research"}
    assert "competitive-programming" in ids("luyện quy hoạch động trên Codeforces")
    assert "footwear-leather" in ids("sau này em muốn thiết kế giày thể thao")
    assert "railways" in ids("Tham quan xưởng bảo dưỡng đầu máy toa xe")
    assert "agritech" in ids("Agricultural drone demonstration in Dong Thap")
    assert "fruit-growing" in ids("Tham quan vườn xoài xuất khẩu") and "literature" in ids("giao lưu với nhà thơ")


def test_a_phrase_that_names_nothing_takes_its_words_and_cannot_also_name_a_topic() -> None:
    rows = [{"id": "police", "group": "g", "vi": "công an", "en": "police"}]
    vocab = build_vocabulary({"topics": rows, "not_topics": ["công ăn việc làm"]})
    assert vocab.match_text("tạo công ăn việc làm") == set()
    assert vocab.match_text("làm công an") == {0}
    with pytest.raises(ValueError, match="not_topics"):
        build_vocabulary({"topics": rows, "not_topics": ["cong an"]})


def test_an_ambiguous_word_inside_a_longer_phrase_is_that_phrases() -> None:
    # One longest-first match for every phrase: "burmese python" takes "python", which names nothing there.
    rows = [
        {"id": "prog", "group": "g", "vi": "lập trình", "en": "programming", "ambiguous": ["python"]},
        {"id": "snakes", "group": "g", "vi": "rắn", "en": "snakes", "synonyms": ["burmese python"]},
    ]
    vocab = build_vocabulary({"topics": rows})
    assert vocab.match_text("a Burmese python") == {1}
    assert vocab.match_text("lập trình python") == {0}
    assert vocab.match_text("python") == {0}
