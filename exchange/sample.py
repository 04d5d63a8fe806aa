"""A realistic, reproducible sample world in the CSV contract of DESIGN.md, for demos and benchmarks.

``write_world`` writes the six contract files into a folder. The same (students, seed, year) always gives
byte-identical files: every choice comes from a ``random.Random`` seeded with a string (hashed with SHA-512,
so untouched by hash randomisation), nothing iterates a set, and the clock is read only when ``year`` is
left out. Students are streamed school by school, so memory does not grow with their number; schools,
organisations and opportunities grow sub-linearly and are held in memory (a few thousand rows at most).

Coherence: interests and opportunity topics come from one pool of fields (``sample_data/fields.json``),
each written in Vietnamese or English, so matchmaking has real signal to find. Most class requests (85 %)
ask for a kind and field the world offers within the class's reach (its province or online, its level,
room for it, on one of its free days), as a coordinator who has read the catalogue does; the rest ask for
something nobody offers yet. Sessions fall in 1–7 October of ``year``: mornings 08:00–11:00, afternoons
13:30–16:30, online evenings 19:00–21:00; students and classes are free in windows that contain those
slots. External ids start with ``DEMO-`` so that seeding never
overwrites a real school's or company's rows.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
import random
from collections.abc import Iterator, Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from .contract import SPEC_BY_NAME
from .fields import KINDS, LEVELS, LOCAL_TZ
from .sample_data import Field, Locale, slug, vocabulary, without_diacritics

T = TypeVar("T")
Row = dict[str, Any]
FILES = tuple(SPEC_BY_NAME)  # the six contract files, parents first

# Session times, and the wider windows in which a student or a class is free to attend them.
# The kinds a whole class books (class_requests.csv); internships and contests are for students one by one.
CLASS_KINDS = ("visit", "career_talk", "workshop")
CLASS_KIND_TASTE = {"visit": 70, "career_talk": 25, "workshop": 5}  # what classes ask for, in ``class_request``
SLOTS = {"morning": ("08:00", "11:00"), "afternoon": ("13:30", "16:30"), "evening": ("19:00", "21:00")}
FREE = {"morning": ("07:30", "11:30"), "afternoon": ("13:00", "17:00"), "evening": ("18:30", "21:30")}


def default_year(today: dt.date | None = None) -> int:
    """The year whose 1–7 October is still ahead: this year before 1 October, else the next."""
    today = today or dt.datetime.now(tz=LOCAL_TZ).date()
    return today.year if today < dt.date(today.year, 10, 1) else today.year + 1


def scaled(n: int, at_300: int, at_100k: int, minimum: int) -> int:
    """A count that grows as a power of ``n`` through the two anchor points (300 and 100,000 students)."""
    if n <= 0:
        return minimum
    exponent = math.log(at_100k / at_300) / math.log(100_000 / 300)
    return max(minimum, round(at_300 * (n / 300) ** exponent))


def free_windows(year: int, days: Sequence[tuple[int, Sequence[str]]], offset: str = "") -> str:
    """``START/END;…`` for the given (day of October, slots) pairs; a free morning and afternoon merge."""
    parts: list[str] = []
    for day, slots in days:
        date = f"{year}-10-{day:02d}T"
        spans = [FREE[s] for s in ("morning", "afternoon", "evening") if s in slots]
        if "morning" in slots and "afternoon" in slots:
            spans = [(FREE["morning"][0], FREE["afternoon"][1])] + spans[2:]
        parts.extend(f"{date}{start}{offset}/{date}{end}{offset}" for start, end in spans)
    return ";".join(parts)


def _pick(rng: random.Random, items: Sequence[T], weights: Sequence[float], k: int) -> list[T]:
    """``k`` distinct items drawn by weight (fewer if fewer have a weight)."""
    chosen: list[int] = []
    for _ in range(k):
        left = [0 if i in chosen else w for i, w in enumerate(weights)]
        if not any(left):
            break
        chosen.append(rng.choices(range(len(items)), left)[0])
    return [items[i] for i in chosen]


@dataclass
class Org:
    external_id: str
    name: str
    profile: str
    field: Field
    locale: Locale
    lang: str  # the language the organisation writes in
    row: Row  # its companies.csv row


@dataclass(frozen=True)
class Offer:
    """What a class could book of one opportunity: its field, kind, audience, place and daytime sessions."""

    field: Field
    kind: str
    lang: str
    locale: str  # the organisation's locale key; "" when online
    levels: tuple[str, ...]
    min_age: int | None
    seats: int  # the most one class can bring (capacity, and group_max for a visit)
    slots: tuple[tuple[int, str], ...]  # (day of October, "morning" | "afternoon")


@dataclass
class School:
    external_id: str
    level: str
    locale: Locale
    size: int  # students of this school in students.csv
    shift: str  # secondary schools teach in a "morning" or "afternoon" shift; "flex" for the others
    booleans: tuple[str, str]  # how this school's secretary writes true/false
    domain: str
    row: Row


class World:
    """The sample world for one (students, seed, year); ``rows`` yields (file name, row) in file order."""

    def __init__(self, *, students: int, seed: int, year: int) -> None:
        self.students, self.seed, self.year = students, seed, year
        self.voc = vocabulary()
        self.shape = self.voc.shape
        self.by_key = {f.key: f for f in self.voc.fields}
        self.days = [dt.date(year, 10, d) for d in range(1, 8)]
        self.weekdays = [d.day for d in self.days if d.weekday() < 5]
        self.weekend = [d.day for d in self.days if d.weekday() >= 5]
        # What classes could book (``Offer``), noted as the opportunities are written, before the schools:
        # most class requests ask for something the world offers, as a coordinator who has read the
        # catalogue does (``class_request``).
        self.offers: list[Offer] = []

    def rng(self, *stream: object) -> random.Random:
        # One stream per purpose, so that growing one part of the world does not reshuffle the others.
        return random.Random("/".join(map(str, (self.seed, *stream))))

    def rows(self) -> Iterator[tuple[str, Row]]:
        orgs = self.orgs()
        for org in orgs:
            yield "companies.csv", org.row
        yield from self.opportunities(orgs)
        schools = self.schools()
        for school in schools:
            yield "schools.csv", school.row
        yield from self.people(schools)

    # --- organisations, opportunities and sessions --------------------------------------------------------

    def orgs(self) -> list[Org]:
        rng, voc, people = self.rng("orgs"), self.voc, self.voc.people
        domains: dict[str, int] = {}
        out = []
        count, profiles = scaled(self.students, 25, 2000, minimum=5), self.shape["profiles"]
        # The first is a company (it offers one of each kind); then, unless the world is tiny, one of each
        # individual profile, so that every kind of organisation shows in the demo.
        firsts = ("company", "expert", "entrepreneur", "artisan") if count >= 8 else ("company",)
        for n in range(1, count + 1):
            external_id = f"DEMO-CO-{n:05d}"
            drawn = rng.choices(list(profiles), list(profiles.values()))[0]
            profile = firsts[n - 1] if n <= len(firsts) else drawn
            field = rng.choices(voc.fields, [f.weight for f in voc.fields])[0]
            field = self.by_key["crafts"] if profile == "artisan" else field
            hub_weights = [loc.company_weight * (4 if loc.key in field.hubs else 1) for loc in voc.locales]
            locale = rng.choices(voc.locales, hub_weights)[0]
            lang = "en" if rng.random() < field.en_share else "vi"
            row: Row = {"external_id": external_id, "profile": profile, "province": locale.written(rng)}
            if profile == "company":
                brand = rng.choice(people["brands"])
                english = [w for w in field.brand_words if w.isascii()]
                if lang == "en" and english:
                    word = rng.choice(english)
                    name = f"{brand} {word} {rng.choice(people['legal']['en'])}"
                else:
                    word = rng.choice([w for w in field.brand_words if not w.isascii()] or field.brand_words)
                    name = f"{rng.choice(people['legal']['vi'])} {word} {brand}"
                domain = slug(f"{brand}{word}".replace(" ", ""))
                domains[domain] = domains.get(domain, 0) + 1
                domain += str(domains[domain]) if domains[domain] > 1 else ""
                inbox = rng.choice(("tuyendung", "hr", "lienhe", "info"))
                row["contact_email"] = f"{inbox}@{domain}.example.vn"
                row["tax_code"] = f"0{rng.randrange(100_000_000, 1_000_000_000)}"
                row["website"] = f"https://www.{domain}.example.vn" if rng.random() < 0.75 else ""
            else:
                surname, middle, given = self.voc.person(rng)
                title = {"expert": rng.choice(voc.texts["expert_titles"]) + " ", "artisan": "Nghệ nhân "}
                name = f"{title.get(profile, '')}{surname} {middle} {given}"
                row["contact_email"] = f"{slug(given + middle[0] + surname).replace('-', '')}.{n}@example.com"
            row["name"] = name
            row["sector"] = field.sector[lang if profile == "company" else "vi"]
            row["address"] = self.voc.address(rng, locale, park=field.factory and profile == "company")
            out.append(Org(external_id, name, profile, field, locale, lang, row))
        return out

    def opportunities(self, orgs: list[Org]) -> Iterator[tuple[str, Row]]:
        rng = self.rng("opportunities")
        total = scaled(self.students, 60, 5000, minimum=10)
        # Every organisation offers something, and the first (always a company) one of each kind, so that
        # every kind appears even in a tiny world; the rest go to the more active organisations.
        share = [5] + [1] * (len(orgs) - 1)
        activity = [self.shape["profile_activity"][o.profile] for o in orgs]
        for index in rng.choices(range(len(orgs)), activity, k=max(0, total - sum(share))):
            share[index] += 1
        number = 0
        for index, org in enumerate(orgs):
            kinds = list(KINDS) if index == 0 else []
            kinds += rng.choices(KINDS, self.shape["profile_kinds"][org.profile], k=share[index] - len(kinds))
            for kind in kinds:
                number += 1
                yield from self.opportunity(f"DEMO-OP-{number:05d}", org, kind)

    def opportunity(self, external_id: str, org: Org, kind: str) -> Iterator[tuple[str, Row]]:
        rng, field, texts = self.rng(external_id), org.field, self.voc.texts
        lang = org.lang if rng.random() < 0.85 else {"vi": "en", "en": "vi"}[org.lang]
        topics = rng.sample(field.topics[lang], rng.choice((1, 2, 2, 3)))
        if rng.random() < 0.2:  # neighbouring fields overlap: an AI company also posts about software
            related = self.by_key[rng.choice(field.related)]
            topics += [t for t in rng.sample(related.topics[lang], 1) if t not in topics]
        online = rng.random() < self.shape["online_share"][kind] * (0.3 if org.profile == "artisan" else 1)
        factory_visit = kind == "visit" and field.factory
        levels = rng.choice(self.shape["audiences"][kind])
        levels = ("upper_secondary", "vocational") if factory_visit else levels
        row: Row = {"external_id": external_id, "company": org.external_id, "kind": kind, "language": lang}
        row["topics"], row["levels"] = ";".join(topics), ";".join(levels)
        row["online"] = "true" if online else "false"
        row["province"] = "" if online or rng.random() < 0.4 else org.locale.written(rng)
        if factory_visit or (kind == "internship" and "upper_secondary" in levels):
            row["min_age"] = 16
        elif kind == "internship" and rng.random() < 0.6:
            row["min_age"] = 18
        if kind == "visit":
            row["group_min"], row["group_max"] = rng.choice((15, 20, 25)), rng.choice((40, 45, 45, 50))
            row["capacity"] = rng.randint(row["group_max"] // 5, 20) * 5
        else:
            low, high = self.shape["capacity"][kind]
            row["capacity"] = rng.randint(low, high) * (3 if online and kind != "internship" else 1)
        if rng.random() < (0.7 if kind in ("internship", "contest") else 0.2):
            row["apply_by"] = f"{self.year}-09-{rng.randint(25, 30)}"
        role, second = rng.choice(field.roles[lang]), [t for t in field.topics[lang] if t != topics[0]]
        words = {"org": org.name, "topic": topics[0], "role": role, "year": self.year, **row}
        words["topic2"] = topics[1] if len(topics) > 1 else rng.choice(second)
        words["Role"], words["Topic"] = role[0].upper() + role[1:], topics[0][0].upper() + topics[0][1:]
        words["site"], words["contest"] = field.site[lang], field.contest[lang]
        words["sector"] = field.sector[lang].lower()
        words["skill"] = rng.choice([s for s in field.skills if lang == "vi" or s.isascii()] or ["English"])
        words["place"] = f"{org.row['address']}, {org.locale.label}"
        row["title"] = rng.choice(texts["titles"][kind][lang]).format(**words)
        row["description"] = " ".join(
            (
                texts["openings"][kind][lang].format(**words),
                rng.choice(field.blurb[lang]),
                texts["practical"][kind][lang].format(**words),
                texts["online"][lang] if online else texts["onsite"][lang].format(**words),
            )
        )
        yield "opportunities.csv", row
        sessions = list(self.sessions(rng, row, online))
        yield from sessions
        daytime = tuple(
            (int(r["starts_at"][8:10]), slot)
            for _, r in sessions
            for slot, (start, _end) in SLOTS.items()
            if slot != "evening" and r["starts_at"][11:16] == start
        )
        reachable = online or bool(row["province"])  # on site with no province: no class can place it
        if kind in CLASS_KINDS and reachable and daytime:
            seats = min(row["capacity"], row.get("group_max", row["capacity"]))
            self.offers.append(
                Offer(field, kind, lang, "" if online else org.locale.key, tuple(levels), row.get("min_age"), seats,
                      daytime)
            )  # fmt: skip

    def sessions(self, rng: random.Random, opportunity: Row, online: bool) -> Iterator[tuple[str, Row]]:
        kind = opportunity["kind"]
        count = rng.choices((1, 2, 3, 4), (2, 1, 0, 0) if kind == "internship" else (35, 30, 20, 15))[0]
        if kind == "contest":
            pool = self.weekend
        elif kind == "career_talk" or (kind == "workshop" and online):
            pool = [d.day for d in self.days]
        else:  # visits, internships and on-site workshops happen in working hours
            pool = self.weekdays
        for number, day in enumerate(sorted(rng.sample(pool, min(count, len(pool)))), start=1):
            if online and rng.random() < 0.4:
                slot = "evening"
            else:
                slot = "morning" if rng.random() < (0.7 if kind == "visit" else 0.5) else "afternoon"
            start, end = SLOTS[slot]
            date = f"{self.year}-10-{day:02d}T"
            row: Row = {"external_id": f"{opportunity['external_id']}-S{number}"}
            row["opportunity"] = opportunity["external_id"]
            row["starts_at"], row["ends_at"] = f"{date}{start}:00+07:00", f"{date}{end}:00+07:00"
            if kind != "visit" and rng.random() < 0.15:  # a smaller room that day
                row["capacity"] = max(1, opportunity["capacity"] // 2)
            yield "sessions.csv", row

    # --- schools, students, class requests -------------------------------------------------------------

    def schools(self) -> list[School]:
        rng, voc = self.rng("schools"), self.voc
        seen: dict[tuple[str, str], int] = {}  # (name, locale) -> campuses so far
        count = scaled(self.students, 8, 400, minimum=4)
        plans = []
        for n in range(1, count + 1):
            level = LEVELS[n - 1] if n <= len(LEVELS) else rng.choices(LEVELS, self.shape["school_levels"])[0]
            locale = rng.choices(voc.locales, [loc.school_weight for loc in voc.locales])[0]
            name = rng.choice(voc.people["school_kinds"][level]).format(
                name=rng.choice(voc.people["school_names"]), place=locale.label
            )
            campus = seen[(name, locale.key)] = seen.get((name, locale.key), 0) + 1
            name += f" - Cơ sở {campus}" if campus > 1 else ""  # same name, same province: another campus
            weight = rng.uniform(0.5, 1.5) * self.shape["school_size"][level]
            plans.append((n, level, locale, name, weight))
        sizes = _apportion(self.students, [p[4] for p in plans])
        out = []
        for (n, level, locale, name, _), size in zip(plans, sizes, strict=True):
            domain = f"{slug(name.removeprefix('Trường '))}-{n}.example.vn"
            row: Row = {"external_id": f"DEMO-SC-{n:04d}", "name": name, "level": level}
            row["province"], row["contact_email"] = locale.written(rng), f"vanphong@{domain}"
            row["address"] = self.voc.address(rng, locale)
            shift = rng.choices(("morning", "afternoon"), (7, 3))[0] if "secondary" in level else "flex"
            styles = self.shape["boolean_styles"]
            booleans = tuple(rng.choices([b for b, _ in styles], [w for _, w in styles])[0])
            out.append(School(row["external_id"], level, locale, size, shift, booleans, domain, row))
        return out

    def people(self, schools: list[School]) -> Iterator[tuple[str, Row]]:
        """Students school by school (streamed), and about one class request per 25 students."""
        student = request = 0
        for school in schools:
            rng = self.rng("school", school.external_id)
            affinity = [f.affinity[LEVELS.index(school.level)] for f in self.voc.fields]
            for _ in range(school.size):
                student += 1
                yield "students.csv", self.student(rng, school, affinity, student)
            expected = school.size / 25
            for _ in range(int(expected) + (rng.random() < expected % 1)):
                request += 1
                yield "class_requests.csv", self.class_request(rng, school, affinity, request)

    def student(self, rng: random.Random, school: School, affinity: list[float], n: int) -> Row:
        level, texts, (yes, no) = school.level, self.voc.texts, school.booleans
        surname, middle, given = self.voc.person(rng)
        grade = rng.randint(*self.shape["grades"][level])
        if level == "vocational":  # trung cấp straight after grade 9, or cao đẳng after grade 12
            age = grade + (14 if rng.random() < 0.7 else 17)
        elif level == "university":
            grade += rng.random() < 0.05  # a fifth year (engineering, architecture)
            age = grade + 17 + (rng.random() < 0.1)
        else:
            age = grade + 5 + (rng.random() < 0.05)  # a few repeat a year
        # Born between 8 October and 1 October a year later: exactly ``age`` throughout 1–7 October.
        born = dt.date(self.year - age, 10, 1) - dt.timedelta(days=rng.randrange(359))
        lang = "en" if rng.random() < self.shape["writes_english"][level] else "vi"
        fields = _pick(rng, self.voc.fields, affinity, rng.choice((1, 2, 2, 3)))
        templates = rng.sample(texts["interests"][lang], len(fields))  # no sentence said twice
        interests = " ".join(
            self.sentence(rng, t, f, lang)[0] for t, f in zip(templates, fields, strict=True)
        )
        if lang == "vi" and rng.random() < 0.15:
            interests = without_diacritics(interests)
        # English writers keep the field's tool names (Python, Figma), not its Vietnamese words.
        skills = [rng.choice([s for s in fields[0].skills if lang == "vi" or s.isascii()] or [""])]
        skills += [rng.choice(texts["generic_skills"][lang])] if rng.random() < 0.5 else []
        row: Row = {"external_id": f"DEMO-ST-{n:06d}", "school": school.external_id, "level": level}
        row["full_name"] = f"{surname} {middle} {given}"
        row["birth_date"], row["grade"] = born.isoformat(), grade
        local = f"{slug(given).replace('-', '')}.{slug(surname)}{slug(middle)[0]}{n}"
        domain = school.domain if rng.random() < 0.4 else rng.choice(("example.com", "example.vn"))
        row["email"] = f"{local}@{domain}"
        row["interests"], row["skills"] = interests, ", ".join(s for s in skills if s)
        kinds = _pick(rng, KINDS, self.shape["kind_taste"][level], rng.choice((0, 1, 1, 2, 2, 3)))
        row["preferred_kinds"] = ";".join(kinds)
        row["province"] = school.locale.written(rng) if rng.random() < 0.08 else ""
        row["languages"] = "en;vi" if lang == "en" or rng.random() < 0.05 else "vi"
        row["available"] = free_windows(self.year, self.student_days(rng, school.shift))
        if age <= 18 and rng.random() < 0.88:  # most minors' schools have a guardian's address and word
            row["guardian_email"] = f"phuhuynh.{slug(surname)}.{n}@example.com"
            draw = rng.random()
            row["guardian_consent"] = yes if draw < 0.85 else no if draw < 0.92 else ""
        row["email_opt_in"] = yes if rng.random() < 0.85 else no
        return row

    def sentence(self, rng: random.Random, template: str, field: Field, lang: str) -> tuple[str, list[str]]:
        """The template filled with two of the field's topics, and those topics."""
        (a, b), role = rng.sample(field.topics[lang], 2), rng.choice(field.roles[lang])
        return template.format(a=a, b=b, role=role, site=field.site[lang]), [a, b]

    def student_days(self, rng: random.Random, shift: str) -> list[tuple[int, tuple[str, ...]]]:
        """Free time: weekends, the half-day out of the school shift on some weekdays, a few evenings."""
        if rng.random() < 0.1:  # on a break or between semesters: free every day
            return [(d.day, ("morning", "afternoon")) for d in self.days]
        weekday_odds = {"morning": (0.0, 0.55), "afternoon": (0.55, 0.0), "flex": (0.35, 0.45)}[shift]
        out = []
        for day in self.days:
            odds = (0.6, 0.6, 0.3) if day.day in self.weekend else (*weekday_odds, 0.25)
            slots = tuple(
                s for s, p in zip(("morning", "afternoon", "evening"), odds, strict=True) if rng.random() < p
            )
            if slots:
                out.append((day.day, slots))
        return out or [(rng.choice(self.weekend), ("morning",))]

    def class_request(self, rng: random.Random, school: School, affinity: list[float], n: int) -> Row:
        level, texts = school.level, self.voc.texts
        grade = rng.randint(*self.shape["grades"][level])
        if "secondary" in level:  # "11A", "9A3"
            class_name = f"{grade}{rng.choice('ABCDEG') if rng.random() < 0.5 else f'A{rng.randint(1, 8)}'}"
        else:  # major and intake year: "CNTT25A"
            major, intake = rng.choice(texts["class_prefixes"]), (self.year - grade + 1) % 100
            class_name = f"{major}{intake:02d}{rng.choice('ABC')}"
        lang = "en" if rng.random() < 0.2 else "vi"
        field = _pick(rng, self.voc.fields, affinity, 1)[0]
        kinds = rng.choices(("visit", "visit;career_talk", "career_talk", "workshop"), (70, 15, 10, 5))[0]
        days = sorted(rng.sample(self.weekdays, rng.randint(2, 5)))
        slots: tuple[str, ...] = ("morning", "afternoon") if rng.random() < 0.3 else ("morning",)
        size = rng.randint(28, 45) if "secondary" in level else rng.randint(20, 40)
        # Most coordinators ask for something the catalogue has, in reach of the class (its province or
        # online, its level and age, room for it, on a school day); a few ask for what nobody offers yet.
        fitting = self.offers_for(school, grade, min_size=20)
        if fitting and rng.random() < 0.85:
            # Visits first, as coordinators ask (the kinds' shares above).
            offer = rng.choices(fitting, [CLASS_KIND_TASTE[o.kind] for o in fitting])[0]
            field, kinds, size = offer.field, offer.kind, min(size, offer.seats)
            day, slot = rng.choice(offer.slots)
            days = sorted({day, *days[1:]} if day not in days else days)
            slots = tuple(s for s in ("morning", "afternoon") if s in slots or s == slot)
        row: Row = {"external_id": f"DEMO-CR-{n:05d}", "school": school.external_id, "class_name": class_name}
        row["level"], row["grade"], row["kinds"] = level, grade, kinds
        row["group_size"] = size
        template = rng.choice(texts["class_interests"][kinds.split(";")[0]][lang])
        row["interests"], topics = self.sentence(rng, template, field, lang)
        row["topics"] = ";".join(topics)
        row["available"] = free_windows(self.year, [(d, slots) for d in days], offset="+07:00")
        row["max_bookings"] = 1 if rng.random() < 0.8 else 2
        return row

    def offers_for(self, school: School, grade: int, *, min_size: int) -> list[Offer]:
        """The offers a class of this school and grade could book: in its province or online, at its level,
        old enough (secondary pupils are about grade + 5), with room for ``min_size``."""
        age = grade + 5 if "secondary" in school.level else None
        return [
            o for o in self.offers
            if o.locale in ("", school.locale.key) and (not o.levels or school.level in o.levels)
            and (o.min_age is None or age is None or age >= o.min_age) and o.seats >= min_size
        ]  # fmt: skip


def _apportion(total: int, weights: Sequence[float]) -> list[int]:
    """Split ``total`` by ``weights`` (largest remainders); each gets at least one if there are enough."""
    base = 1 if total >= len(weights) else 0
    rest, weight_sum = total - base * len(weights), sum(weights)
    quotas = [rest * w / weight_sum for w in weights]
    sizes = [base + math.floor(q) for q in quotas]
    by_remainder = sorted(range(len(weights)), key=lambda i: (-(quotas[i] % 1), i))
    for i in by_remainder[: total - sum(sizes)]:
        sizes[i] += 1
    return sizes


def write_world(
    directory: Path, *, students: int, seed: int = 2026, year: int | None = None
) -> dict[str, int]:
    """Write the six contract files of a sample world with ``students`` students into ``directory``.

    ``year`` is the year of the 1–7 October event week (default: the next such week, see ``default_year``).
    Returns the rows written per file. Same arguments, same bytes.
    """
    if students < 0:
        raise ValueError(f"students must be at least 0, not {students}")
    world = World(students=students, seed=seed, year=default_year() if year is None else year)
    directory.mkdir(parents=True, exist_ok=True)
    counts = dict.fromkeys(FILES, 0)
    with ExitStack() as stack:
        writers = {}
        for name in FILES:
            handle = stack.enter_context((directory / name).open("w", encoding="utf-8", newline=""))
            writers[name] = csv.DictWriter(handle, fieldnames=SPEC_BY_NAME[name].column_names)
            writers[name].writeheader()
        for name, row in world.rows():
            writers[name].writerow(row)
            counts[name] += 1
    return counts
