"""Reasons in words, in Vietnamese or English: the factors that contributed most to a pair's score.

Factors are listed by their contribution (weight × feature value), largest first, at most four, and
a fitting session is always added last when there is one, because it is the most concrete fact.
Times are shown in Asia/Ho_Chi_Minh. Phrases are cached and numbered; a million pairs share a few
thousand phrases, so reasons are chosen and ordered on arrays of phrase numbers (``Phrases.reasons``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import TypeVar
from zoneinfo import ZoneInfo

import numpy as np

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
T = TypeVar("T")
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
        "workshop": "hội thảo/workshop",
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
        self.table: list[str] = []  # phrase of each code
        self._codes: dict[str, int] = {}

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

    def code(self, text: str) -> int:
        """A small integer for a phrase: reasons are assembled as rows of codes, then turned into text."""
        found = self._codes.get(text)
        if found is None:
            found = self._codes[text] = len(self.table)
            self.table.append(text)
        return found

    def reasons(
        self, *, order: np.ndarray, codes: np.ndarray, positive: np.ndarray, heads: np.ndarray, tails: np.ndarray
    ) -> list[tuple[str, ...]]:
        """Reasons for many pairs at once, as tuples of phrases; every argument has one row per pair.

        ``codes`` (pairs × FEATURES) holds each feature's phrase code, -1 when it has no phrase;
        ``order`` lists the features by decreasing contribution and ``positive`` says which contribute
        at all. The first MAX_FACTORS contributing features with a phrase are named, after ``heads``
        (a class's "A class of 38", else -1) and before ``tails`` (the fitting session, else -1).
        Pairs share a few thousand distinct rows of codes, so text is built once per distinct row.
        """
        ranked = np.take_along_axis(codes, order, axis=1)
        named = np.take_along_axis(positive, order, axis=1) & (ranked >= 0)
        named &= np.cumsum(named, axis=1) <= MAX_FACTORS
        rows = np.concatenate([heads[:, None], np.where(named, ranked, -1), tails[:, None]], axis=1)
        if not len(rows):
            return []
        first, inverse = distinct_rows(rows)
        return take(self._texts(rows[first]), inverse)

    def _texts(self, rows: np.ndarray) -> list[tuple[str, ...]]:
        """The phrases of each row of codes (-1: none), as tuples. Rows that name the same features
        are done together, a column at a time, with the tuples built by ``zip``."""
        table = np.array(self.table + [""], dtype=object)  # code -1 picks the "" at the end, dropped
        texts: list[tuple[str, ...]] = [()] * len(rows)
        named = rows >= 0
        pattern = named @ (1 << np.arange(rows.shape[1], dtype=np.int64))
        for mask in np.unique(pattern).tolist():
            members = np.flatnonzero(pattern == mask)
            columns = [table[rows[members, c]].tolist() for c in range(rows.shape[1]) if (mask >> c) & 1]
            tuples = zip(*columns, strict=True) if columns else [()] * len(members)
            for i, text in zip(members.tolist(), tuples, strict=True):
                texts[i] = text
        return texts


def take(items: Sequence[T], index: np.ndarray) -> list[T]:
    """``[items[i] for i in index]``, the very objects, gathered by numpy in C (a million picks)."""
    table = np.fromiter(items, dtype=object, count=len(items))
    picked: list[T] = table[index].tolist()
    return picked


def distinct_rows(rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(first row of each distinct value, index of each row's value) for a 2-d array of ints ≥ -1.

    ``np.unique(axis=0)`` sorts the rows as opaque bytes, ten times slower than sorting integers:
    the columns are folded into one integer key instead, renumbered before the key could overflow.
    """
    key = np.zeros(len(rows), dtype=np.int64)
    base = int(rows.max(initial=0)) + 2
    for column in rows.T:
        if int(key.max(initial=0)) >= (1 << 62) // base:
            key = np.unique(key, return_inverse=True)[1].reshape(-1).astype(np.int64)
        key = key * base + column + 1
    _, first, inverse = np.unique(key, return_index=True, return_inverse=True)
    return first, inverse.reshape(-1)
