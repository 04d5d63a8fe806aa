"""The catalogue's search: words typed with or without accents, in either language, ranked.

A student on a phone types "lap trinh game" without accents, or "programming" for a Vietnamese posting;
a coordinator types a company's name. Folded syllables are ambiguous ("gom": gốm, pottery, or gồm, to
include), so a word typed with its accents meets only itself.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from companies.models import Opportunity
from companies.search import search_text

from .. import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalogue() -> dict[str, Opportunity]:
    company = f.CompanyFactory(name="FPT Software Đà Nẵng")
    artisan = f.CompanyFactory(name="Xưởng gốm Mai Hương", profile="artisan")
    made = {
        "game": f.OpportunityFactory(
            company=company, title="Thực tập lập trình game", description="Làm game với Unity cùng đội ngũ."
        ),
        "pottery": f.OpportunityFactory(
            company=artisan, title="Làm gốm cùng nghệ nhân", description="Nặn và nung gốm truyền thống."
        ),
        "bank": f.OpportunityFactory(
            company=company,
            title="Tham quan ngân hàng số",
            description="Chương trình bao gồm giới thiệu nghề giao dịch viên.",  # gồm, not gốm
        ),
        "english": f.OpportunityFactory(
            company=company, title="Machine learning workshop", description="Train your first model in Python."
        ),
    }
    for opportunity in made.values():
        f.SessionFactory(opportunity=opportunity)
    return made


def _posted(*opportunities: dict[str, Any]) -> None:
    """Published opportunities of one company, each with a session (``opportunities``: their fields)."""
    company = f.CompanyFactory()
    for fields in opportunities:
        f.SessionFactory(opportunity=f.OpportunityFactory(company=company, **fields))


def _titles(client: Client, query: str) -> list[str]:
    page = client.get(reverse("web:home"), {"q": query}).content.decode()
    return re.findall(r'<h3><a href="/opportunities/[^"]+/">([^<]+)</a>', page)


@pytest.mark.parametrize(
    ("query", "first", "absent"),
    [
        ("lap trinh game", "Thực tập lập trình game", ["Làm gốm cùng nghệ nhân"]),  # typed without accents
        ("programming", "Thực tập lập trình game", ["Làm gốm cùng nghệ nhân"]),  # English for Vietnamese
        ("pottery", "Làm gốm cùng nghệ nhân", ["Tham quan ngân hàng số"]),  # never "bao gồm"
        ("gốm", "Làm gốm cùng nghệ nhân", ["Tham quan ngân hàng số"]),  # accents typed: gốm only
        ("học máy", "Machine learning workshop", ["Thực tập lập trình game"]),  # Vietnamese for English
        ("Em thích làm gốm", "Làm gốm cùng nghệ nhân", ["Thực tập lập trình game"]),  # a sentence
        # as a teenager types it: "e", "thik", "làm" are how one asks, not what about
        ("e thik lap trinh game", "Thực tập lập trình game", ["Làm gốm cùng nghệ nhân", "Tham quan ngân hàng số"]),
        ("sau này em muốn làm lập trình game", "Thực tập lập trình game", ["Làm gốm cùng nghệ nhân"]),
        ("ngan hang", "Tham quan ngân hàng số", ["Làm gốm cùng nghệ nhân"]),
        ("FPT", "Machine learning workshop", ["Làm gốm cùng nghệ nhân"]),  # the company's name (then by date)
    ],
)
def test_a_query_finds_what_a_person_meant(
    client: Client, catalogue: dict[str, Opportunity], query: str, first: str, absent: list[str]
) -> None:
    titles = _titles(client, query)
    assert titles, query
    assert first in titles[: 1 if query != "FPT" else 3]
    for title in absent:
        assert title not in titles


def test_a_short_query_is_a_whole_word_not_part_of_a_name(client: Client, catalogue: dict[str, Opportunity]) -> None:
    # "ai" is not in "Mai Hương", the artisan's workshop name, nor a prefix of anything it says.
    assert _titles(client, "ai") == []


def test_a_match_in_the_title_ranks_above_one_in_the_description(client: Client) -> None:
    _posted(
        {"title": "Tham quan nhà máy", "description": "Có robot hàn tự động."},
        {"title": "Cuộc thi robot", "description": "Dành cho học sinh."},
    )
    assert _titles(client, "robot")[:2] == ["Cuộc thi robot", "Tham quan nhà máy"]


def test_the_search_text_follows_every_edit(catalogue: dict[str, Opportunity]) -> None:
    game = catalogue["game"]
    game.title = "Thực tập thiết kế đồ họa"
    game.save(update_fields=["title"])
    game.refresh_from_db()
    assert game.search_title == search_text("Thực tập thiết kế đồ họa")
    assert " thiet ke do hoa " in game.search_title and " thiết kế đồ họa " in game.search_title


def test_the_api_searches_the_same_way(client: Client, catalogue: dict[str, Opportunity]) -> None:
    staff = f.UserFactory(role="company_staff", company=catalogue["game"].company)
    client.force_login(staff)
    response = client.get("/api/v1/opportunities/", {"q": "programming"})
    assert response.status_code == 200, response.content
    body = response.json()
    ids = [row["external_id"] for row in body.get("results", body)]
    assert ids[0] == catalogue["game"].external_id
    assert catalogue["pottery"].external_id not in ids
    assert client.get("/api/v1/opportunities/", {"q": "x" * 101}).status_code == 400


def test_a_posting_with_part_of_a_phrase_is_found_below_one_with_all_of_it(
    client: Client, catalogue: dict[str, Opportunity]
) -> None:
    web = f.OpportunityFactory(
        company=catalogue["game"].company, title="Nói chuyện: lập trình web", description="Nghề lập trình."
    )
    f.SessionFactory(opportunity=web)
    titles = _titles(client, "lap trinh game")
    assert titles[:2] == ["Thực tập lập trình game", "Nói chuyện: lập trình web"]
    assert "Làm gốm cùng nghệ nhân" not in titles


def test_parts_of_a_phrase_count_once_and_below_any_whole_phrase(client: Client) -> None:
    # "trò chơi điện tử" has the parts "điện tử" and "điện": summed, a bank's "ví điện tử" scored two, above
    # a posting that names the student's other interest whole in its description, and was listed first.
    _posted(
        {"title": "Tham quan ngân hàng", "description": "Từ ví điện tử đến thẻ."},
        {"title": "Tham quan phòng lab", "description": "Xem trí tuệ nhân tạo."},
    )
    assert _titles(client, "trò chơi điện tử, trí tuệ nhân tạo") == ["Tham quan phòng lab", "Tham quan ngân hàng"]


def test_a_student_searches_the_catalogue_for_their_interests_at_once(
    client: Client, catalogue: dict[str, Opportunity]
) -> None:
    """A profile edited today would wait for the next round; the student's page offers the search now."""
    school = f.SchoolFactory()
    student = f.StudentFactory(school=school, interests="Em thích làm gốm và nấu ăn, muốn thử lập trình game.")
    user = f.UserFactory(role="student", student=student)
    client.force_login(user)

    page = client.get(reverse("web:student-home"), HTTP_ACCEPT_LANGUAGE="vi").content.decode()

    link = re.search(r'<p class="search-now"><a href="(/\?q=[^"]+)"', page)
    assert link is not None, page
    titles = re.findall(r'<h3><a href="/opportunities/[^"]+/">([^<]+)</a>', client.get(link.group(1)).content.decode())
    assert {"Làm gốm cùng nghệ nhân", "Thực tập lập trình game"} <= set(titles[:2])
    assert "Tham quan ngân hàng số" not in titles


def test_a_phrase_that_names_nothing_is_searched_as_itself_not_as_the_topic_inside_it(client: Client) -> None:
    _posted(
        {"title": "Một ngày làm chiến sĩ công an", "description": "Giao lưu với công an phường."},
        {"title": "Khởi nghiệp ở quê", "description": "Dự án tạo công ăn việc làm cho thanh niên nông thôn."},
    )
    # "công ăn việc làm" (jobs) folds to hold "cong an" (police): the police day is no answer to it.
    assert _titles(client, "tạo công ăn việc làm") == ["Khởi nghiệp ở quê"]
    from matchmaking.search import interest_query

    assert interest_query("Em muốn tạo công ăn việc làm cho người dân") == ""


def test_words_written_with_their_diacritics_are_searched_as_themselves_not_as_words_that_fold_alike(
    client: Client,
) -> None:
    from matchmaking.search import interest_query, query_groups, shared_concepts

    _posted(
        {"title": "Tham quan công ty dược", "description": "Giới thiệu ngành dược học và nghề dược sĩ."},
        {"title": "Thực tập kinh doanh", "description": "Các em sẽ được học cách bán hàng."},
    )
    # "được học" (to get to study) folds like "dược học" (pharmacy): it is not searched as pharmacy.
    assert not any("pharmacy" in group for group, _parts in query_groups("được học"))
    assert _titles(client, "được học")[:1] == ["Thực tập kinh doanh"]
    assert any("pharmacy" in group for group, _parts in query_groups("duoc hoc"))  # typed bare: either
    assert "được học" not in interest_query("Em muốn được học thêm về kinh doanh")
    # Nor do a mechanic ("thợ máy") and a tailor ("thợ may") have a phrase in common.
    assert shared_concepts("em muốn làm thợ máy", "Học may áo dài cùng thợ may lâu năm") == []


def test_interests_the_vocabularies_do_not_know_offer_no_search() -> None:
    from matchmaking.search import interest_query

    assert interest_query("xyz qwerty") == ""
    # Words of the request, not of its subject, are left out.
    assert interest_query("Em muốn tìm hiểu thêm, đam mê khám phá gốm sứ") == "gốm sứ"
    # "học" is "learn" (already left out): "muốn học làm game" searched every "Khóa học" and "học sinh".
    assert interest_query("Em muốn học làm trò chơi điện tử, học tập về trí tuệ nhân tạo") == (
        "trò chơi điện tử, trí tuệ nhân tạo"
    )
    assert interest_query("hóa học") == "hóa học"
    assert len(interest_query("lập trình, robot, gốm sứ, du lịch, tài chính, " * 10)) <= 100


def test_a_student_sees_first_what_is_open_to_their_level_and_every_level_in_one_tap(client: Client) -> None:
    from accounts.models import User

    _posted(
        {"title": "Tham quan xưởng gốm", "levels": ["lower_secondary"]},
        {"title": "Nói chuyện về nghề gốm", "levels": []},
        {"title": "Thực tập gốm sứ", "levels": ["university"]},
    )
    student = f.StudentFactory(level="lower_secondary")
    client.force_login(User.objects.create_user("em", password="x", role=User.Role.STUDENT, student=student))

    page = client.get(reverse("web:home"), {"q": "gốm"}).content.decode()
    titles = re.findall(r'<h3><a href="/opportunities/[^"]+/">([^<]+)</a>', page)
    assert sorted(titles) == ["Nói chuyện về nghề gốm", "Tham quan xưởng gốm"]
    assert "Đang hiện những cơ hội dành cho cấp học của bạn (Trung học cơ sở)." in page
    every = re.search(r'<a href="\?([^"]+)">Xem mọi cấp học</a>', page)
    assert every is not None

    page = client.get(reverse("web:home") + "?" + every.group(1).replace("&amp;", "&")).content.decode()
    assert "Thực tập gốm sứ" in page and "Dành cho đại học" in page  # the card says who it is for
    assert "Đang hiện những cơ hội dành cho cấp học của bạn" not in page

    client.logout()
    assert "Thực tập gốm sứ" in client.get(reverse("web:home")).content.decode()  # anyone else sees all
