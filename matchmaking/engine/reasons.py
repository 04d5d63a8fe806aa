"""Reasons in words, in Vietnamese or English: the factors that contributed most to a pair's score.

Factors are listed by their contribution (weight × feature value), largest first, at most four, and
a fitting session is always added last when there is one, because it is the most concrete fact.
Times are shown in Asia/Ho_Chi_Minh. The phrases are built column by column and cached: a million
pairs share a few thousand distinct phrases, so the per-pair work is choosing and ordering them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
MAX_FACTORS = 4
TEXT_REASON_MIN = 0.1  # text similarity below this is not worth a sentence
FRESH_REASON_MIN = 0.8  # about ten days old

KIND_NAMES = {
    "en": {
        "internship": "internship",
        "visit": "company visit",
        "career_talk": "career talk",
        "workshop": "workshop",
        "contest": "contest",
    },
    "vi": {
        "internship": "thực tập",
        "visit": "tham quan doanh nghiệp",
        "career_talk": "nói chuyện hướng nghiệp",
        "workshop": "khóa học kỹ năng số",
        "contest": "cuộc thi",
    },
}
LEVEL_NAMES = {
    "en": {
        "lower_secondary": "lower secondary",
        "upper_secondary": "upper secondary",
        "vocational": "vocational",
        "university": "university",
    },
    "vi": {
        "lower_secondary": "THCS",
        "upper_secondary": "THPT",
        "vocational": "trung cấp nghề",
        "university": "đại học",
    },
}
WEEKDAYS = {
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
    "vi": ("thứ Hai", "thứ Ba", "thứ Tư", "thứ Năm", "thứ Sáu", "thứ Bảy", "Chủ nhật"),
}
PARTS_OF_DAY = {"en": ("morning", "afternoon", "evening"), "vi": ("buổi sáng", "buổi chiều", "buổi tối")}
MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

# "you" is the student or the class in a participant's list; an opportunity's list speaks to the company.
PHRASES = {
    "en": {
        "topics": "Shared topics: {}",
        "text": "Close to your interests",
        "kind": "A kind you prefer: {}",
        "online": "Online — join from anywhere",
        "same": "In your province ({})",
        "near": "In a neighbouring province ({})",
        "fresh": "Newly posted",
        "session": "Fits your free {weekday} {part} ({day}, {start}–{end})",
        "o_text": "Interests close to this opportunity",
        "o_kind": "Prefers this kind: {}",
        "o_online": "Online — can join from anywhere",
        "o_same": "From the same province ({})",
        "o_near": "From a neighbouring province ({})",
        "o_class": "A class of {} ({})",
        "o_session": "Free for the session on {weekday} {day}, {start}–{end}",
    },
    "vi": {
        "topics": "Cùng chủ đề: {}",
        "text": "Gần với sở thích của bạn",
        "kind": "Loại hình bạn thích: {}",
        "online": "Trực tuyến — tham gia ở bất cứ đâu",
        "same": "Cùng tỉnh/thành ({})",
        "near": "Ở tỉnh/thành lân cận ({})",
        "fresh": "Mới đăng",
        "session": "Phù hợp {part} {weekday} bạn rảnh ({day}, {start}–{end})",
        "o_text": "Sở thích gần với cơ hội này",
        "o_kind": "Thích loại hình này: {}",
        "o_online": "Trực tuyến — tham gia từ bất cứ đâu",
        "o_same": "Cùng tỉnh/thành ({})",
        "o_near": "Từ tỉnh/thành lân cận ({})",
        "o_class": "Một lớp {} học sinh ({})",
        "o_session": "Rảnh cho buổi {weekday} {day}, {start}–{end}",
    },
}
DISTANCE_KEYS = {False: ("near", "same", "online"), True: ("o_near", "o_same", "o_online")}  # classes 1, 2, 3


def language(lang: str, default: str) -> str:
    return lang if lang in PHRASES else (default if default in PHRASES else "vi")


def kind_name(kind: str, lang: str) -> str:
    return KIND_NAMES[lang].get(kind, kind.replace("_", " "))


def session_phrase(starts_at: datetime, ends_at: datetime, lang: str, for_opportunity: bool) -> str:
    """ "Fits your free Thursday morning (2 Oct, 08:00–11:00)" and its variants."""
    start, end = starts_at.astimezone(TZ), ends_at.astimezone(TZ)
    part = PARTS_OF_DAY[lang][0 if start.hour < 12 else 1 if start.hour < 18 else 2]
    day = f"{start.day} {MONTHS_EN[start.month - 1]}" if lang == "en" else f"{start.day}/{start.month}"
    template = PHRASES[lang]["o_session" if for_opportunity else "session"]
    return template.format(
        weekday=WEEKDAYS[lang][start.weekday()],
        part=part,
        day=day,
        start=f"{start:%H:%M}",
        end=f"{end:%H:%M}",
    )


class Phrases:
    """Display names and a cache of every phrase built so far (one instance per recommend() call)."""

    def __init__(self, topic_names: Mapping[str, Sequence[str]], province_names: Mapping[str, str]) -> None:
        self.topic_names = topic_names  # lang → name of topic i
        self.province_names = province_names
        self._cache: dict[tuple[object, ...], str] = {}

    def topics(self, shared: frozenset[int], lang: str) -> str:
        key = (shared, lang)
        found = self._cache.get(key)
        if found is None:
            names = sorted(self.topic_names[lang][i] for i in shared)
            found = self._cache[key] = PHRASES[lang]["topics"].format(", ".join(names[:3]))
        return found

    def phrase(self, name: str, lang: str, *values: object) -> str:
        key = (name, lang, *values)
        found = self._cache.get(key)
        if found is None:
            found = self._cache[key] = PHRASES[lang][name].format(*values)
        return found

    def lists(
        self,
        *,
        for_opportunity: bool,
        langs: Sequence[str],
        order: Sequence[Sequence[int]],
        positive: Sequence[Sequence[bool]],
        shared: Sequence[frozenset[int]],
        text: Sequence[float],
        kinds: Sequence[str],
        kind_match: Sequence[float],
        klass: Sequence[int],
        provinces: Sequence[str],
        fresh: Sequence[float],
        sessions: Sequence[str | None],
        classes: Sequence[str | None],
    ) -> list[tuple[str, ...]]:
        """Reasons for many pairs at once; every argument has one entry per pair.

        ``order`` lists the features (model.FEATURES order) by decreasing contribution, ``positive``
        says which contribute at all; ``klass`` is 3 online, 2 same province, 1 neighbouring, 0 none;
        ``provinces`` is the opportunity's (participant lists) or the participant's (opportunity
        lists); ``classes`` holds a ready "A class of 38" phrase for class requests, else None.
        """
        prefix = "o_" if for_opportunity else ""
        names = self.province_names
        distance_keys = DISTANCE_KEYS[for_opportunity]  # by distance class; class 0 has no phrase
        columns: list[list[str | None]] = [
            [
                self.phrase(prefix + "text", lang) if t >= TEXT_REASON_MIN and not s else None
                for lang, t, s in zip(langs, text, shared, strict=True)
            ],
            [self.topics(s, lang) if s else None for lang, s in zip(langs, shared, strict=True)],
            [
                self.phrase(prefix + "kind", lang, kind_name(k, lang)) if m else None
                for lang, k, m in zip(langs, kinds, kind_match, strict=True)
            ],
            [
                self.phrase(distance_keys[c - 1], lang, names.get(pr, pr)) if c else None
                for lang, c, pr in zip(langs, klass, provinces, strict=True)
            ],
            [None] * len(langs)
            if for_opportunity
            else [
                self.phrase("fresh", lang) if f >= FRESH_REASON_MIN else None
                for lang, f in zip(langs, fresh, strict=True)
            ],
        ]
        out: list[tuple[str, ...]] = []
        for n, (ranked, ok) in enumerate(zip(order, positive, strict=True)):
            chosen = [c for c in (columns[f][n] for f in ranked if ok[f]) if c is not None][:MAX_FACTORS]
            head, tail = classes[n], sessions[n]
            if head is not None:
                chosen.insert(0, head)
            if tail is not None:
                chosen.append(tail)
            out.append(tuple(chosen))
        return out
