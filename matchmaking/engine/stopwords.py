"""Words that carry a sentence, not its subject: they do not count in the TF-IDF blocks.

"Em muốn trải nghiệm thực tế ở một doanh nghiệp về lập trình game" is about game programming; "em",
"muốn", "trải nghiệm", "thực tế", "ở", "một", "doanh nghiệp", "về" are words of how a student asks, or of
every posting. IDF alone does not silence them: a word in every document still weighs 1 against about 8
for a rare one, and in a province's few hundred texts (below the 25,000 documents where ``text.MAX_DF``
starts dropping features) their overlaps added up to the whole relevance of pairs that share nothing
else. On the demo, 683 of 1,253 student recommendations had nothing in common with the student's text
but such words (docs/relevance.md, "Words that carry a sentence").

Two lists, both applied to token occurrences (``text._blocks``): an occurrence of a stop word or of a
stop phrase is taken out of the text before its words, bigrams and character n-grams are counted, as
scikit-learn's ``stop_words`` does ("doanh nghiệp về lập trình" is counted as "lập trình"). The topic
vocabulary and the lexicon still read the whole text: "công nghệ thông tin và truyền thông" is found
with its "và".

- ``WORDS``: single words, **as written** (normalised, lower-case). Vietnamese function words with their
  accents, because typed bare a syllable is ambiguous: "ve" is về (about) but also vẽ (to draw), "cua"
  của (of) but also cua (crab) and cửa (door), "va" và (and) but also vá ("may vá", sewing); only the
  bare forms no content word shares are listed ("em", "thich"), and how teenagers type them on a phone
  ("e", "thik", "mik", "mk", "mún", "vs": em, thích, mình, muốn, với). Words that are also words of content
  are left out: "không" (not, but "hàng không", aviation), "bằng" (by, but "bằng cấp", a degree),
  "chỉ" (only, but "địa chỉ", "kim chỉ"), "sao" (how, but "ngôi sao", a star). In English, only the
  words of a person asking ("I", "my", "want", "like", "really"): articles and prepositions ("the",
  "of", "and") stay, because taking them out cost the long English descriptions of the ESCO sets
  (esco_skills nDCG@10 0.374 → 0.362; docs/relevance.md), and IDF weighs them little already.
- ``PHRASES``: phrases of two syllables, **folded** (accents removed, so typed bare or not): phrases of
  a request ("tìm hiểu", "đam mê") and words of every posting ("học sinh", "doanh nghiệp"). Folded,
  each of these is one Vietnamese word only; a phrase that could also be a word of content folded
  ("khoa hoc": khoa học, science, or khóa học, course) is not listed.

Both lists were written by the team from general knowledge of the two languages, not from any labelled
set.
"""

from __future__ import annotations

WORDS = frozenset(
    """
    và với của cho là các những một mọi mỗi em tôi mình chúng bạn họ ta muốn thích rất về ở tại trong
    để được có này đó kia ấy hay hoặc như thì mà vào lên ra cũng còn sẽ đang đã vẫn nhiều thêm khi nếu
    từ đến theo qua nên vì nhưng rồi lại đều hơn nhất thật luôn gì nào ạ nhé à ơi hãy cùng nữa lắm quá cả
    thich
    e thik mik mk mún vs
    i me my we us our you your want wants like likes love loves really especially etc
    """.split()
)

PHRASES = frozenset(
    tuple(p.split())
    for p in [
        # a request: how a student or a class asks, not what about
        "tim hieu", "trai nghiem", "dam me", "mo uoc", "tro thanh", "quan tam", "yeu thich", "kham pha",
        "hoc hoi", "dac biet", "mong muon", "hy vong", "hi vong", "mong doi",
        # words of every posting
        "hoc sinh", "sinh vien", "cong ty", "doanh nghiep", "thuc te", "tham gia", "co hoi", "gioi thieu",
        # the kind of an opportunity, which the kind filter and preference already weigh: in a short
        # request ("Tham quan một doanh nghiệp về lập trình game") it made every visit relevant
        "tham quan", "hoi thao", "cuoc thi", "noi chuyen", "huong nghiep", "thuc hanh", "dinh huong", "nghe nghiep",
        # English
        "interested in", "learn about", "find out", "want to", "would like",
    ]
)  # fmt: skip
