from __future__ import annotations

import re
import unicodedata

import pytest

import places

UNCHANGED = {
    "ha-noi", "hue", "lai-chau", "dien-bien", "son-la", "lang-son", "quang-ninh", "thanh-hoa", "nghe-an",
    "ha-tinh", "cao-bang",
}  # fmt: skip
CITIES = {"ha-noi", "hue", "hai-phong", "da-nang", "ho-chi-minh", "can-tho"}
REGIONS = {
    "northern_midlands_and_mountains", "red_river_delta", "north_central", "south_central_coast",
    "central_highlands", "south_east", "mekong_delta",
}  # fmt: skip


def test_there_are_exactly_34_units_6_of_them_centrally_run_cities() -> None:
    assert len(places.codes()) == 34
    assert {code for code in places.codes() if places.province(code).kind == "city"} == CITIES
    assert {places.province(code).kind for code in places.codes()} == {"city", "province"}


def test_exactly_the_11_unchanged_units_have_no_former_provinces() -> None:
    assert {code for code in places.codes() if not places.province(code).former} == UNCHANGED


def test_codes_are_sorted_ascii_slugs() -> None:
    assert places.codes() == sorted(places.codes())
    assert all(re.fullmatch(r"[a-z]+(-[a-z]+)*", code) for code in places.codes())


def test_names_are_nfc_and_english_names_are_ascii() -> None:
    for code in places.codes():
        unit = places.province(code)
        for label in (unit.name, *unit.aliases, *unit.former):
            assert unicodedata.is_normalized("NFC", label), label
        assert unit.name_en.isascii(), unit.name_en


def test_every_unit_belongs_to_one_of_the_seven_regions() -> None:
    assert {places.region(code) for code in places.codes()} == REGIONS
    assert places.region("ha-noi") == "red_river_delta"
    assert places.region("can-tho") == "mekong_delta"
    assert places.region("lam-dong") == "central_highlands"


def test_neighbours_are_symmetric_and_refer_to_existing_units_other_than_self() -> None:
    graph = places.neighbour_map()
    assert sorted(graph) == places.codes()
    for code, adjacent in graph.items():
        assert code not in adjacent
        for other in adjacent:
            assert other in graph, (code, other)
            assert code in graph[other], (code, other)


def test_every_unit_has_a_land_neighbour() -> None:
    assert all(places.neighbours(code) for code in places.codes())


def test_the_neighbour_graph_is_connected() -> None:
    graph = places.neighbour_map()
    seen, frontier = {"ha-noi"}, ["ha-noi"]
    while frontier:
        for other in graph[frontier.pop()] - seen:
            seen.add(other)
            frontier.append(other)
    assert seen == set(graph)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("ha-noi", "bac-ninh"),
        ("ho-chi-minh", "dong-nai"),
        ("da-nang", "hue"),
        ("can-tho", "vinh-long"),
        ("ho-chi-minh", "lam-dong"),  # via the former Bình Thuận and Bà Rịa – Vũng Tàu
        ("quang-ngai", "gia-lai"),
        ("hai-phong", "quang-ninh"),
        ("thanh-hoa", "son-la"),
    ],
)
def test_known_neighbours_share_a_border(a: str, b: str) -> None:
    assert b in places.neighbours(a)
    assert a in places.neighbours(b)


@pytest.mark.parametrize(
    ("a", "b"),
    [("ha-noi", "can-tho"), ("ha-noi", "hai-phong"), ("hue", "quang-ngai"), ("ho-chi-minh", "vinh-long")],
)
def test_distant_units_are_not_neighbours(a: str, b: str) -> None:
    assert b not in places.neighbours(a)


def test_exact_neighbours_of_a_few_units() -> None:
    assert places.neighbours("ha-noi") == {"bac-ninh", "hung-yen", "ninh-binh", "phu-tho", "thai-nguyen"}
    assert places.neighbours("dien-bien") == {"lai-chau", "son-la"}
    assert places.neighbours("ca-mau") == {"an-giang", "can-tho"}


def test_name_gives_vietnamese_or_english() -> None:
    assert places.name("ho-chi-minh") == "Thành phố Hồ Chí Minh"
    assert places.name("ho-chi-minh", lang="en") == "Ho Chi Minh City"
    assert places.name("ha-noi", "en") == "Hanoi"


def test_name_refuses_an_unknown_code_or_language() -> None:
    with pytest.raises(KeyError):
        places.name("saigon")
    with pytest.raises(ValueError):
        places.name("ha-noi", lang="fr")
    with pytest.raises(KeyError):
        places.neighbours("ha-tay")


def test_choices_pair_every_code_with_its_vietnamese_name() -> None:
    choices = places.choices()
    assert sorted(code for code, _ in choices) == places.codes()
    assert ("ha-noi", "Hà Nội") in choices
    assert choices[0] == ("an-giang", "An Giang")


def test_callers_cannot_corrupt_the_cached_table() -> None:
    places.choices().clear()
    places.codes().clear()
    places.neighbour_map().clear()
    assert len(places.choices()) == 34
    assert len(places.neighbour_map()) == 34
