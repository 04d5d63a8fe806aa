from __future__ import annotations

import datetime as dt
import json
import re
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from matchmaking.models import Feedback
from notifications.models import OutboxMessage, Suppression
from notifications.suppressions import address_preferences, address_unsubscribe
from scheduler.mail import response_token
from scheduler.models import Booking
from students.models import AvailabilityInterval, GuardianConsent, Student

from .. import factories as f
from .conftest import Site

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def mai(client: Client, site: Site) -> Client:
    client.force_login(site.world.student_user)
    return client


def book(booking_student: Student, session: object, status: str = Booking.Status.CONFIRMED) -> Booking:
    return Booking.objects.create(
        student=booking_student,
        session=session,
        status=status,
        seats=1,
        starts_at=session.starts_at,  # type: ignore[attr-defined]
        ends_at=session.ends_at,  # type: ignore[attr-defined]
        hold_until=session.starts_at if status == Booking.Status.PROPOSED else None,  # type: ignore[attr-defined]
    )


# --- recommendations and feedback ---------------------------------------------------------------


def test_recommendations_show_the_students_own_matches_with_reasons_best_first(mai: Client, site: Site) -> None:
    second = f.OpportunityFactory(company=site.world.company, title="Xưởng robot")
    site.match.__class__.objects.create(
        student=site.world.student, opportunity=second, score=0.5, rank=2, reasons=["Gần nhà"], model_version="v"
    )
    hidden = site.match.__class__.objects.create(
        student=site.world.student, opportunity=site.hidden, score=0.99, rank=3, reasons=[], model_version="v"
    )

    page = mai.get("/student/").content.decode()

    assert page.index("Thực tập AI") < page.index("Xưởng robot")
    assert "Cùng chủ đề: trí tuệ nhân tạo" in page
    assert f'id="match-{site.other_match.pk}"' not in page  # another student's
    assert f'id="match-{hidden.pk}"' not in page  # its company is not approved


@pytest.mark.parametrize(
    ("button", "kind"), [("interested", Feedback.Kind.CLICKED), ("not_interested", Feedback.Kind.NOT_INTERESTED)]
)
def test_feedback_is_recorded_for_the_learner_and_the_card_updates_in_place(
    mai: Client, site: Site, button: str, kind: str
) -> None:
    response = mai.post(f"/student/recommendations/{site.match.pk}/feedback/", {"kind": button}, **HTMX)

    assert response.status_code == 200
    assert (
        response.content.decode()
        .lstrip()
        .startswith(f'<article class="recommendation opportunity" id="match-{site.match.pk}"')
    )
    assert ("Đã ghi nhận" if button == "interested" else "Đã ẩn") in response.content.decode()
    feedback = Feedback.objects.get(student=site.world.student)
    assert (feedback.kind, feedback.opportunity_id, feedback.features) == (kind, site.opportunity.pk, {"text": 0.5})


def test_feedback_on_another_students_recommendation_is_a_404(mai: Client, site: Site) -> None:
    response = mai.post(f"/student/recommendations/{site.other_match.pk}/feedback/", {"kind": "interested"})

    assert response.status_code == 404
    assert not Feedback.objects.exists()


def test_an_unknown_feedback_kind_is_refused(mai: Client, site: Site) -> None:
    assert mai.post(f"/student/recommendations/{site.match.pk}/feedback/", {"kind": "love"}).status_code == 400


def test_not_interested_hides_the_recommendation_and_undo_brings_it_back_and_the_learner_forgets(
    mai: Client, site: Site
) -> None:
    # "Không quan tâm" could not be taken back, and the learner kept training on the decline.
    match, url = site.match, f"/student/recommendations/{site.match.pk}/feedback/"
    mai.post(url, {"kind": "interested"})
    response = mai.post(url, {"kind": "not_interested"}, follow=True)  # without JavaScript
    page = response.content.decode()
    hidden = page[page.index('id="hidden"') :]
    assert f'id="match-{match.pk}"' in hidden and 'href="#hidden"' in page
    undo = f"/student/recommendations/{match.pk}/feedback/undo/"
    assert f'action="{undo}"' in hidden and "Hoàn tác" in hidden

    response = mai.post(undo, **HTMX)  # with htmx: the card comes back in place, with its sessions
    card = response.content.decode()
    assert card.lstrip().startswith(f'<article class="recommendation opportunity" id="match-{match.pk}"')
    assert "Hoàn tác" not in card and "Đã ghi nhận: bạn quan tâm" in card
    # The learner keeps the "interested" it was told, and no longer the withdrawn decline.
    assert list(Feedback.objects.filter(student=site.world.student).values_list("kind", flat=True)) == ["clicked"]
    page = mai.get("/student/").content.decode()
    assert 'id="hidden"' not in page and f'id="match-{match.pk}"' in page

    mai.post(url, {"kind": "not_interested"})
    response = mai.post(undo, follow=True)  # without JavaScript: back to the list, at the card
    assert response.redirect_chain[-1][0] == f"/student/#match-{match.pk}"
    assert 'id="hidden"' not in response.content.decode()
    assert mai.post(f"/student/recommendations/{site.other_match.pk}/feedback/undo/").status_code == 404
    assert mai.get(undo).status_code == 405


def test_undo_from_the_hidden_section_reloads_the_page_at_the_card_back_in_the_list(mai: Client, site: Site) -> None:
    # Swapped in place, the card came back to life under "Hidden recommendations" until a reload.
    match, undo = site.match, f"/student/recommendations/{site.match.pk}/feedback/undo/"
    mai.post(f"/student/recommendations/{match.pk}/feedback/", {"kind": "not_interested"})
    page = mai.get("/student/").content.decode()
    hidden = page[page.index('id="hidden"') :]
    assert 'name="from" value="hidden"' in hidden  # the foot's undo says where it was pressed
    assert 'name="from" value="hidden"' not in page[: page.index('id="hidden"')]

    response = mai.post(undo, {"from": "hidden"}, **HTMX)
    # A new address (the query), so the browser loads the page rather than only scrolling to the card.
    assert response.status_code == 204 and response["HX-Redirect"] == f"/student/?shown={match.pk}#match-{match.pk}"
    page = mai.get("/student/").content.decode()
    assert 'id="hidden"' not in page and f'id="match-{match.pk}"' in page
    assert "Đã hiện lại" in page  # the message, after the reload


# --- booking ------------------------------------------------------------------------------------


def test_a_student_books_a_session_in_place(mai: Client, site: Site) -> None:
    response = mai.post(f"/student/sessions/{site.session.pk}/book/", **HTMX)

    assert response.status_code == 200
    assert "Đã đặt" in response.content.decode()
    booking = Booking.objects.get(student=site.world.student)
    assert (booking.session, booking.status) == (site.session, Booking.Status.CONFIRMED)


def test_a_refused_booking_shows_its_reason_next_to_the_button(mai: Client, site: Site) -> None:
    site.session.capacity = 1
    site.session.save()
    book(site.world.adult, site.session)

    response = mai.post(f"/student/sessions/{site.session.pk}/book/", **HTMX)

    assert response.status_code == 200
    assert 'role="alert"' in response.content.decode()
    assert "full" in response.content.decode() or "hết chỗ" in response.content.decode().lower()
    assert not Booking.objects.filter(student=site.world.student).exists()


def test_a_minor_without_consent_is_told_the_next_step_and_asks_the_guardian_from_the_page(
    mai: Client, site: Site
) -> None:
    student = site.world.student
    GuardianConsent.objects.filter(student=student).update(withdrawn_at=timezone.now())
    student.guardian_email = "me.cua.mai@example.vn"
    student.save(update_fields=["guardian_email"])

    refused = mai.post(f"/student/sessions/{site.session.pk}/book/", HTTP_ACCEPT_LANGUAGE="vi", **HTMX)
    text = refused.content.decode()
    assert "Bạn chưa đủ 18 tuổi" in text and student.full_name not in text
    page = mai.get("/student/", HTTP_ACCEPT_LANGUAGE="vi").content.decode()
    assert 'id="consent"' in page and "me.cua.mai@example.vn" in page

    answer = mai.post("/student/consent-request/", HTTP_ACCEPT_LANGUAGE="vi", follow=True).content.decode()
    assert "me.cua.mai@example.vn" in answer
    [mail] = OutboxMessage.objects.filter(category=OutboxMessage.Category.CONSENT_REQUEST)
    assert mail.to_email == "me.cua.mai@example.vn"
    again = mai.post("/student/consent-request/", HTTP_ACCEPT_LANGUAGE="vi", follow=True).content.decode()
    assert "Hôm nay đã gửi" in again
    assert OutboxMessage.objects.filter(category=OutboxMessage.Category.CONSENT_REQUEST).count() == 1

    student.guardian_email = ""
    student.save(update_fields=["guardian_email"])
    assert 'action="/student/consent-request/"' not in mai.get("/student/").content.decode()
    answer = mai.post("/student/consent-request/", HTTP_ACCEPT_LANGUAGE="vi", follow=True).content.decode()
    assert "chưa có email của phụ huynh" in answer


def test_a_minor_with_consent_sees_no_consent_notice(mai: Client, site: Site) -> None:
    assert 'id="consent"' not in mai.get("/student/").content.decode()


def test_booking_one_session_takes_the_book_button_off_the_opportunitys_other_sessions(mai: Client, site: Site) -> None:
    # The scheduler allows one session per opportunity: the other rows must not offer a button it refuses.
    later = site.session.starts_at + dt.timedelta(days=1)
    other = f.SessionFactory(opportunity=site.session.opportunity, starts_at=later)

    answer = mai.post(f"/student/sessions/{site.session.pk}/book/", **HTMX).content.decode()

    # The htmx answer swaps the other row too (out of band), without its button.
    row = answer[answer.index(f'id="session-{other.pk}"') :]
    assert 'hx-swap-oob="true"' in row and f"/student/sessions/{other.pk}/book/" not in answer
    assert "Bạn đã đặt một buổi khác của cơ hội này." in row
    # And so does every page listing it.
    for url in ("/student/", f"/opportunities/{other.opportunity.external_id}/"):
        page = mai.get(url).content.decode()
        assert f"/student/sessions/{other.pk}/book/" not in page, url
        assert "Bạn đã đặt một buổi khác của cơ hội này." in page, url


def test_a_booking_without_htmx_redirects_with_a_message(mai: Client, site: Site) -> None:
    response = mai.post(f"/student/sessions/{site.session.pk}/book/", {"next": "/"}, follow=True)

    assert response.redirect_chain[-1][0] == "/"
    assert "Đặt chỗ thành công" in response.content.decode()


def test_a_session_of_an_unpublished_opportunity_cannot_be_booked(mai: Client, site: Site) -> None:
    hidden_session = site.hidden.sessions.get()

    assert mai.post(f"/student/sessions/{hidden_session.pk}/book/", **HTMX).status_code == 404


def test_only_students_book_here(client: Client, site: Site) -> None:
    client.force_login(site.world.coordinator)

    assert client.post(f"/student/sessions/{site.session.pk}/book/").status_code == 404


# --- my bookings --------------------------------------------------------------------------------


def test_my_bookings_list_only_mine_with_calendar_links(mai: Client, site: Site) -> None:
    mine = book(site.world.student, site.session)
    theirs = book(site.world.adult, site.later)

    page = mai.get("/student/bookings/").content.decode()

    assert f"/bookings/{mine.pk}.ics" in page
    assert f"/bookings/{theirs.pk}.ics" not in page
    assert "/bookings/calendar/" in page


def test_a_place_given_up_and_booked_again_is_one_row(mai: Client, site: Site) -> None:
    first = book(site.world.student, site.session)
    Booking.objects.filter(pk=first.pk).update(status=Booking.Status.CANCELLED)
    again = book(site.world.student, site.session)

    page = mai.get("/student/bookings/").content.decode()

    assert f'id="booking-{again.pk}"' in page and f'id="booking-{first.pk}"' not in page


def test_a_booking_says_where_to_go_and_links_its_opportunity(mai: Client, site: Site) -> None:
    company = site.opportunity.company
    company.address = "Số 12, đường Duy Tân, Cầu Giấy"
    company.save(update_fields=["address"])
    book(site.world.student, site.session)

    page = mai.get("/student/bookings/", HTTP_ACCEPT_LANGUAGE="vi").content.decode()
    assert "Số 12, đường Duy Tân, Cầu Giấy, Hà Nội" in page
    assert f'href="/opportunities/{site.opportunity.external_id}/"' in page
    public = mai.get(f"/opportunities/{site.opportunity.external_id}/", HTTP_ACCEPT_LANGUAGE="vi").content.decode()
    assert "Số 12, đường Duy Tân, Cầu Giấy, Hà Nội" in public

    site.opportunity.province, site.opportunity.online = "", True
    site.opportunity.save(update_fields=["province", "online"])
    page = mai.get("/student/bookings/", HTTP_ACCEPT_LANGUAGE="vi").content.decode()
    assert "Duy Tân" not in page and "Trực tuyến" in page


def test_the_calendar_page_and_an_emailed_answer_link_open_in_the_sites_frame(mai: Client, site: Site) -> None:
    page = mai.get("/bookings/calendar/", HTTP_ACCEPT_LANGUAGE="vi").content.decode()
    # The site's styles and navigation, a way back to the bookings, a labelled address that fits a phone.
    assert "web/site.css" in page and 'aria-label="Chính"' in page
    assert '<a href="/student/bookings/">← Lịch đã đặt</a>' in page
    assert '<label for="feed-url">' in page and 'size="80"' not in page

    proposal = book(site.world.student, site.session, Booking.Status.PROPOSED)
    link = reverse("scheduler:respond", args=[response_token(proposal, "confirm")])
    answer = Client().get(link, HTTP_ACCEPT_LANGUAGE="vi").content.decode()
    assert "web/site.css" in answer and 'name="robots" content="noindex"' in answer


@pytest.mark.parametrize("action", ["confirm", "decline", "cancel"])
def test_another_students_booking_is_a_404(mai: Client, site: Site, action: str) -> None:
    theirs = book(site.world.adult, site.session, Booking.Status.PROPOSED)

    assert mai.post(f"/student/bookings/{theirs.pk}/{action}/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == Booking.Status.PROPOSED


@pytest.mark.parametrize(
    ("status", "action", "after"),
    [
        (Booking.Status.PROPOSED, "confirm", Booking.Status.CONFIRMED),
        (Booking.Status.PROPOSED, "decline", Booking.Status.DECLINED),
        (Booking.Status.CONFIRMED, "cancel", Booking.Status.CANCELLED),
    ],
)
def test_a_student_answers_a_proposal_or_cancels(mai: Client, site: Site, status: str, action: str, after: str) -> None:
    booking = book(site.world.student, site.session, status)

    response = mai.post(f"/student/bookings/{booking.pk}/{action}/", follow=True)

    assert response.status_code == 200
    booking.refresh_from_db()
    assert booking.status == after


def test_cancelling_asks_first_and_then_says_what_was_cancelled(mai: Client, site: Site) -> None:
    booking = book(site.world.student, site.session)

    page = mai.get("/student/bookings/").content.decode()

    # One tap opens the question; only its button posts (a stray tap on a phone gave the seat away).
    question = page[page.index('<details class="confirm-cancel">') : page.index("</details>")]
    assert "Hủy đặt chỗ" in question and "Người khác có thể lấy chỗ này ngay." in question
    assert f"/student/bookings/{booking.pk}/cancel/" in question
    assert page.count(f"/student/bookings/{booking.pk}/cancel/") == 1
    assert "Thêm vào lịch" in page and "Tệp lịch" not in page
    answer = mai.post(f"/student/bookings/{booking.pk}/cancel/", follow=True).content.decode()
    assert "Đã hủy: Thực tập AI." in answer


def test_a_refused_action_is_a_message_not_an_error(mai: Client, site: Site) -> None:
    booking = book(site.world.student, site.session, Booking.Status.PROPOSED)

    response = mai.post(f"/student/bookings/{booking.pk}/cancel/", follow=True)

    assert response.status_code == 200
    assert 'class="message error"' in response.content.decode()
    booking.refresh_from_db()
    assert booking.status == Booking.Status.PROPOSED


# --- profile, free times, mail, data ------------------------------------------------------------


def test_the_profile_saves_what_the_student_keeps_but_not_what_the_school_keeps(mai: Client, site: Site) -> None:
    response = mai.post(
        "/student/profile/",
        {
            "interests": "robot, thiết kế",
            "skills": "Python",
            "preferred_kinds": ["internship", "workshop"],
            "languages": ["en", "vi"],
            "full_name": "Someone Else",
        },
    )

    assert response.status_code == 302
    student = Student.objects.get(pk=site.world.student.pk)
    assert (student.interests, student.skills) == ("robot, thiết kế", "Python")
    assert student.preferred_kinds == ["internship", "workshop"]
    assert student.languages == ["vi", "en"]  # the mail language stays first
    assert student.full_name == "Trần Thị Mai"


def test_a_profile_with_no_subject_in_it_is_saved_and_says_so(mai: Client, site: Site) -> None:
    # An emoji-only profile was saved with "Profile saved" alone, and the search link quietly disappeared.
    page = mai.post("/student/profile/", {"interests": "🎮🎨🍜🐶", "languages": ["vi"]}, follow=True)
    text = page.content.decode()
    assert "Chưa thấy chủ đề nào" in text and "vòng ghép nối tiếp theo" in text
    assert Student.objects.get(pk=site.world.student.pk).interests == "🎮🎨🍜🐶"
    page = mai.post("/student/profile/", {"interests": "em thích nấu ăn", "languages": ["vi"]}, follow=True)
    assert "Chưa thấy chủ đề nào" not in page.content.decode()


def test_an_unknown_kind_is_an_error_next_to_the_field(mai: Client, site: Site) -> None:
    page = mai.post("/student/profile/", {"preferred_kinds": ["party"]}).content.decode()

    assert 'id="id_preferred_kinds_error"' in page


def test_mornings_of_1_to_7_october_become_seven_free_times(mai: Client, site: Site) -> None:
    response = mai.post(
        "/student/availability/",
        {"date_from": "2030-10-01", "date_to": "2030-10-07", "parts": ["morning"], "weekends": "on"},
    )

    assert response.status_code == 302
    got = [
        (i.starts_at.astimezone(TZ), i.ends_at.astimezone(TZ))
        for i in AvailabilityInterval.objects.filter(student=site.world.student).order_by("starts_at")
    ]
    assert len(got) == 7
    assert got[0] == (dt.datetime(2030, 10, 1, 7, 30, tzinfo=TZ), dt.datetime(2030, 10, 1, 11, 30, tzinfo=TZ))
    assert got[-1][0].date() == dt.date(2030, 10, 7)


def test_free_times_without_weekends_skip_saturday_and_sunday(mai: Client, site: Site) -> None:
    mai.post(
        "/student/availability/",
        {"date_from": "2030-10-01", "date_to": "2030-10-07", "parts": ["morning", "evening"]},
    )

    days = {i.starts_at.astimezone(TZ).date() for i in AvailabilityInterval.objects.filter(student=site.world.student)}
    assert AvailabilityInterval.objects.filter(student=site.world.student).count() == 10
    assert dt.date(2030, 10, 5) not in days and dt.date(2030, 10, 6) not in days  # Saturday, Sunday


def test_adding_free_times_keeps_the_ones_already_there(mai: Client, site: Site) -> None:
    f.AvailabilityFactory(student=site.world.student)  # 1–8 October
    mai.post("/student/availability/", {"date_from": "2030-10-10", "date_to": "2030-10-10", "parts": ["morning"]})

    assert AvailabilityInterval.objects.filter(student=site.world.student).count() == 2


def test_times_inside_a_free_time_already_there_are_not_added_again(mai: Client, site: Site) -> None:
    # A whole free week, then "mornings of 1–3 October": the list used to show each morning again beside it.
    week = f.AvailabilityFactory(student=site.world.student)
    data = {"date_from": "2030-10-01", "date_to": "2030-10-03", "parts": ["morning"], "weekends": "on"}

    page = mai.post("/student/availability/", data, follow=True).content.decode()

    assert list(AvailabilityInterval.objects.filter(student=site.world.student)) == [week]
    assert "Những giờ này đã có trong giờ rảnh của bạn" in page
    # The mornings reaching past it are still added (the week ends at 08:00 on 8 October): 8 and 9 October.
    mai.post("/student/availability/", {**data, "date_to": "2030-10-09"})
    rows = AvailabilityInterval.objects.filter(student=site.world.student).order_by("starts_at")
    got = [(i.starts_at.astimezone(TZ), i.ends_at.astimezone(TZ)) for i in rows]
    assert got[0] == (week.starts_at, week.ends_at)
    assert [(s.day, s.hour, s.minute, e.hour, e.minute) for s, e in got[1:]] == [(8, 7, 30, 11, 30), (9, 7, 30, 11, 30)]


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"date_from": "2030-10-07", "date_to": "2030-10-01", "parts": ["morning"]}, "date_to"),
        ({"date_from": "2030-10-01", "date_to": "2031-03-01", "parts": ["morning"]}, "date_to"),
        ({"date_from": "2030-10-01", "date_to": "2030-10-07"}, "parts"),
        ({"date_from": "2030-10-05", "date_to": "2030-10-06", "parts": ["morning"]}, "weekends"),
        ({"date_from": "1/10", "date_to": "2030-10-06", "parts": ["morning"]}, "date_from"),
        # Days gone by: "2 added" while the list (from today on) stayed the same.
        ({"date_from": "0001-01-01", "date_to": "0001-01-02", "parts": ["morning"]}, "date_to"),
        ({"date_from": "2020-10-01", "date_to": "2020-10-07", "parts": ["morning"]}, "date_to"),
    ],
)
def test_bad_free_times_are_errors_next_to_the_field(
    mai: Client, site: Site, data: dict[str, object], field: str
) -> None:
    response = mai.post("/student/availability/", data)

    assert response.status_code == 200
    assert f'id="id_{field}_error"' in response.content.decode()
    assert not AvailabilityInterval.objects.filter(student=site.world.student).exists()


def test_missing_free_time_fields_say_what_to_choose(mai: Client, site: Site) -> None:
    # "Trường này là bắt buộc." under the parts of the day told a student nothing to do.
    page = mai.post("/student/availability/", {"date_from": "2030-10-01"}, HTTP_ACCEPT_LANGUAGE="vi").content.decode()
    assert "Hãy chọn ngày cuối." in page
    assert "Hãy đánh dấu ít nhất một buổi: sáng, chiều hoặc tối." in page
    assert "Trường này là bắt buộc." not in page


def test_a_free_time_is_removed_and_another_students_is_a_404(mai: Client, site: Site) -> None:
    mine = f.AvailabilityFactory(student=site.world.student)
    theirs = f.AvailabilityFactory(student=site.world.adult)

    assert mai.post(f"/student/availability/{theirs.pk}/remove/").status_code == 404
    assert mai.post(f"/student/availability/{mine.pk}/remove/").status_code == 302
    assert not AvailabilityInterval.objects.filter(student=site.world.student).exists()
    assert AvailabilityInterval.objects.filter(pk=theirs.pk).exists()


def test_mail_preferences_set_the_opt_in_and_the_mail_language(mai: Client, site: Site) -> None:
    before = Student.objects.get(pk=site.world.student.pk).languages
    mai.post("/student/settings/", {"language": "en"})

    student = Student.objects.get(pk=site.world.student.pk)
    assert student.email_opt_in is False
    assert student.language == "en"
    # English mail is not English events: the languages she takes part in stay as she ticked them.
    assert student.languages == before and "en" not in before
    mai.post("/student/settings/", {"language": "vi"})
    student.refresh_from_db()
    assert student.language == "vi" and student.languages == before


def test_digests_turned_back_on_in_settings_lift_an_unsubscribe_from_a_mail(mai: Client, site: Site) -> None:
    # A one-click unsubscribe in a digest suppresses the address; ticking "send me recommendations" again
    # in the settings said "saved" and showed the box ticked, while the suppression kept every digest away.
    email = site.world.student.email
    address_unsubscribe(email=email, source=Suppression.Source.ONE_CLICK)
    assert Student.objects.get(pk=site.world.student.pk).email_opt_in is False

    mai.post("/student/settings/", {"email_opt_in": "on", "language": "vi"})

    assert not Suppression.objects.filter(email=email.lower()).exists()
    assert Student.objects.get(pk=site.world.student.pk).email_opt_in is True
    assert address_preferences(email=email).digests is True
    # Turning them off here is the same unsubscribe as the mail's preferences page.
    mai.post("/student/settings/", {"language": "vi"})
    assert address_preferences(email=email).digests is False
    # An unsubscribe kept by the mail provider cannot be lifted here, and the page says so.
    group = Suppression.Reason.GROUP_UNSUBSCRIBE
    Suppression.objects.create(email=email.lower(), reason=group, source=Suppression.Source.WEBHOOK)
    page = mai.post("/student/settings/", {"email_opt_in": "on", "language": "vi"}, follow=True).content.decode()
    assert "bị chặn ở nhà cung cấp email" in page


def test_my_data_downloads_as_json(mai: Client, site: Site) -> None:
    response = mai.get("/student/data.json")

    assert response["Content-Type"].startswith("application/json")
    assert response["Content-Disposition"].startswith("attachment;")
    data = json.loads(response.content)
    assert data["profile"]["full_name"] == "Trần Thị Mai"
    assert data["recommendations"][0]["reasons"][0] == "Cùng chủ đề: trí tuệ nhân tạo"


def test_erasing_needs_the_confirmation_box(mai: Client, site: Site) -> None:
    response = mai.post("/student/erase/", {})

    assert 'id="id_confirm_error"' in response.content.decode()
    assert Student.objects.get(pk=site.world.student.pk).erased_at is None


def test_erasing_my_account_anonymises_me_and_signs_me_out(mai: Client, site: Site) -> None:
    response = mai.post("/student/erase/", {"confirm": "on"})

    assert response.status_code == 200
    student = Student.objects.get(pk=site.world.student.pk)
    assert student.erased_at is not None and student.full_name != "Trần Thị Mai"
    assert User.objects.get(pk=site.world.student_user.pk).is_active is False
    assert mai.get("/student/").status_code == 302  # signed out


@pytest.mark.parametrize(
    "path",
    [
        "/student/",
        "/student/bookings/",
        "/student/profile/",
        "/student/availability/",
        "/student/settings/",
        "/student/data.json",
        "/student/erase/",
    ],
)
def test_student_pages_are_a_404_for_other_roles(client: Client, site: Site, path: str) -> None:
    client.force_login(site.world.staff)

    assert client.get(path).status_code == 404


def test_student_forms_need_the_csrf_token(site: Site) -> None:
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(site.world.student_user)

    assert strict.post(f"/student/sessions/{site.session.pk}/book/").status_code == 403
    assert strict.post("/student/erase/", {"confirm": "on"}).status_code == 403
    assert not Booking.objects.exists()


def test_a_recommendation_whose_reasons_name_no_topic_says_what_the_texts_share(mai: Client, site: Site) -> None:
    """The engine lists a pair for its texts even when they are not close enough for "close to your
    interests": the card then says what the two have in common, in the student's words."""
    student = site.world.student
    # The words naming a kind ("tham quan", "nói chuyện hướng nghiệp") are not what the two share: the
    # kind has its own reason.
    student.interests = "Em muốn đi tham quan, nghe nói chuyện hướng nghiệp, học lập trình web và Python"
    student.save(update_fields=["interests"])
    site.opportunity.title = "Nói chuyện hướng nghiệp"
    site.opportunity.description = "Kỹ sư kể về nghề lập trình web với Python và Django, rồi tham quan văn phòng."
    site.opportunity.save(update_fields=["title", "description"])
    site.match.reasons = [{"factor": "place", "reach": "same", "province": "ha-noi", "province_name": "Hà Nội"}]
    site.match.save(update_fields=["reasons"])

    page = mai.get("/student/").content.decode()

    line = re.search(r"Có chung với điều bạn viết: ([^<]+)<", page)
    assert line is not None and set(line.group(1).split(", ")) == {"lập trình web", "python"}
    # With a shared topic named, the topic says it: nothing added.
    site.match.reasons = [{"factor": "topics", "topics": ["programming"]}]
    site.match.save(update_fields=["reasons"])
    assert "Có chung với điều bạn viết" not in mai.get("/student/").content.decode()


def test_an_empty_list_says_why_nothing_is_listed_and_what_to_do(mai: Client, site: Site) -> None:
    from matchmaking.models import Match, MatchRound

    Match.objects.filter(student=site.world.student).delete()
    student = Student.objects.get(pk=site.world.student.pk)

    # Interests written, no round since: the list is still to come.
    MatchRound.objects.all().delete()
    page = mai.get("/student/").content.decode()
    assert "Danh sách của bạn sẽ có sau đợt ghép nối tới" in page

    # A round published since the profile changed, and nothing close enough: said as it is.
    MatchRound.objects.create(status=MatchRound.Status.DONE, model_version="v", now=dt.datetime.now(TZ))
    page = mai.get("/student/").content.decode()
    assert "Chưa có cơ hội nào đủ gần với điều bạn viết" in page
    assert 'href="/"' in page  # every opportunity, one tap away

    # The profile changed after that round: the next one will read it.
    student.interests = "gốm sứ, làm gốm"
    student.save()
    page = mai.get("/student/").content.decode()
    assert "Danh sách của bạn sẽ có sau đợt ghép nối tới" in page

    # Nothing written: ask for it.
    student.interests = ""
    student.save()
    page = mai.get("/student/").content.decode()
    assert "Hãy thêm sở thích và giờ rảnh" in page
