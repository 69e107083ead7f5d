"""Notifications: written with the change that causes them, e-mailed once to those who asked, read only by their owner."""

from __future__ import annotations

import datetime as dt
import smtplib

import pytest
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import User
from cases.models import Case, CaseCategory
from cases.models.choices import Channel
from notifications import services
from notifications.models import Notification
from notifications.tasks import send_emails

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
API = "/api/v1/notifications/"


@pytest.fixture
def eager_tasks():
    """Run Celery tasks in the process, at the moment they are enqueued, and let their errors through."""
    from config.celery_app import app

    saved = app.conf.task_always_eager, app.conf.task_eager_propagates
    app.conf.task_always_eager = app.conf.task_eager_propagates = True
    yield
    app.conf.task_always_eager, app.conf.task_eager_propagates = saved


@pytest.fixture
def mail_users(users):
    """community wants e-mail; grid_a1 wants it but has no address; official has an address but does not want it."""
    User.objects.filter(pk=users.community.pk).update(notify_by_email=True, email="community@example.org")
    User.objects.filter(pk=users.grid_a1.pk).update(notify_by_email=True, email="")
    User.objects.filter(pk=users.official.pk).update(notify_by_email=False, email="official@example.org")
    return users


@pytest.fixture
def api():
    return APIClient()


def inbox(user, count: int, *, prefix: str = "Notice") -> list[Notification]:
    """`count` notifications for `user`, oldest first, each a second apart."""
    now = timezone.now()
    rows = [
        Notification(
            recipient=user,
            title=f"{prefix} {n}",
            url=f"/territory/?n={n}",
            created_at=now - dt.timedelta(seconds=count - n),
        )
        for n in range(count)
    ]
    return Notification.objects.bulk_create(rows)


def html(response) -> str:
    return response.content.decode()


# ---------------------------------------------------------------- notify


def test_notify_writes_one_row_per_distinct_recipient_with_its_link(users, territory):
    category = CaseCategory.objects.create(code="T01", name="环境卫生", kind="grid_affair")
    case = Case.objects.create(
        number="640302-2026-000001",
        title="垃圾堆放",
        category=category,
        channel=Channel.PATROL,
        region=territory.grid_a1,
        region_code=territory.grid_a1.code,
    )
    created = services.notify(
        recipient_ids=[users.community.pk, users.grid_a1.pk, users.community.pk],
        title="新事件",
        body="请尽快受理",
        url="/cases/1/",
        case_id=case.pk,
    )
    assert len(created) == 2
    rows = Notification.objects.order_by("recipient_id")
    assert sorted(row.recipient_id for row in rows) == sorted([users.community.pk, users.grid_a1.pk])
    for row in rows:
        assert (row.title, row.body, row.url, row.case_id, row.read_at) == (
            "新事件",
            "请尽快受理",
            "/cases/1/",
            case.pk,
            None,
        )
    assert services.notify(recipient_ids=[], title="nobody") == []


@pytest.mark.parametrize(
    ("title", "url"),
    [
        ("", "/cases/1/"),
        ("x" * 201, ""),
        ("ok", "https://evil.example/"),
        ("ok", "//evil.example/"),
        ("ok", "cases/1/"),
    ],
)
def test_notify_refuses_bad_input_and_writes_nothing(users, title, url):
    with pytest.raises(ValidationError):
        services.notify(recipient_ids=[users.community.pk], title=title, url=url)
    assert not Notification.objects.exists()


def test_rolled_back_change_leaves_no_notification_and_sends_no_email(
    mail_users, eager_tasks, mailoutbox, django_capture_on_commit_callbacks
):
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        services.notify(recipient_ids=[mail_users.community.pk], title="will vanish")
        raise RuntimeError("the change failed")
    assert callbacks == []
    assert not Notification.objects.exists()
    assert mailoutbox == []


def test_email_goes_out_after_commit_only_to_users_who_asked(
    mail_users, eager_tasks, mailoutbox, django_capture_on_commit_callbacks, settings
):
    settings.GRIDGOV_SITE_URL = "https://grid.example.org/"
    u = mail_users
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        services.notify(
            recipient_ids=[u.community.pk, u.grid_a1.pk, u.official.pk, u.outsider.pk],
            title="事件即将超时",
            body="请在今天内处理。",
            url="/cases/7/",
        )
        assert mailoutbox == []  # nothing leaves before the commit
    assert len(callbacks) == 1
    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == ["community@example.org"]
    assert message.subject == "事件即将超时"
    assert message.body == "请在今天内处理。\n\nhttps://grid.example.org/cases/7/"
    emailed = Notification.objects.filter(emailed_at__isnull=False)
    assert [row.recipient_id for row in emailed] == [u.community.pk]
    assert Notification.objects.count() == 4


def test_redelivered_task_sends_nothing_twice(mail_users, eager_tasks, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        created = services.notify(recipient_ids=[mail_users.community.pk], title="一次")
    assert len(mailoutbox) == 1
    ids = [row.pk for row in created]
    assert send_emails(ids) == 0
    assert send_emails.delay(ids).get() == 0
    assert len(mailoutbox) == 1


def test_email_failure_leaves_the_row_for_the_retry(mail_users, mailoutbox, monkeypatch):
    created = services.notify(recipient_ids=[mail_users.community.pk], title="重试")
    ids = [row.pk for row in created]

    def refuse(self, fail_silently=False):
        raise smtplib.SMTPServerDisconnected("gone")

    with monkeypatch.context() as patch:
        patch.setattr(EmailMessage, "send", refuse)
        with pytest.raises(smtplib.SMTPException):
            send_emails(ids)
    assert Notification.objects.get().emailed_at is None
    assert send_emails(ids) == 1
    assert len(mailoutbox) == 1
    assert Notification.objects.get().emailed_at is not None


def test_user_who_opts_out_before_the_send_gets_no_email(mail_users, mailoutbox):
    created = services.notify(recipient_ids=[mail_users.community.pk], title="late")
    User.objects.filter(pk=mail_users.community.pk).update(notify_by_email=False)
    assert send_emails([row.pk for row in created]) == 0
    assert mailoutbox == []


def test_notify_many_recipients_costs_a_few_queries(
    db, eager_tasks, mailoutbox, django_assert_max_num_queries, django_capture_on_commit_callbacks
):
    people = User.objects.bulk_create(
        User(username=f"bulk{n}", email=f"bulk{n}@example.org", notify_by_email=n % 500 == 0) for n in range(2000)
    )
    # A handful of queries on PostgreSQL; SQLite inserts about 110 rows at a time.
    with django_capture_on_commit_callbacks() as callbacks, django_assert_max_num_queries(30):
        created = services.notify(recipient_ids=[p.pk for p in people], title="截止提醒")
    assert len(created) == 2000 and all(row.pk for row in created)
    assert Notification.objects.count() == 2000
    assert len(callbacks) == 1
    callbacks[0]()
    assert sorted(m.to[0] for m in mailoutbox) == sorted(f"bulk{n}@example.org" for n in (0, 500, 1000, 1500))


def test_mark_read_services(users):
    mine = inbox(users.community, 3)
    theirs = inbox(users.outsider, 1)[0]
    services.notification_mark_read(user=users.community, notification_id=mine[0].pk)
    first_read = Notification.objects.get(pk=mine[0].pk).read_at
    assert first_read is not None
    services.notification_mark_read(user=users.community, notification_id=mine[0].pk)  # again: keeps the time
    assert Notification.objects.get(pk=mine[0].pk).read_at == first_read
    with pytest.raises(Notification.DoesNotExist):
        services.notification_mark_read(user=users.community, notification_id=theirs.pk)
    assert Notification.objects.get(pk=theirs.pk).read_at is None
    assert services.notifications_mark_all_read(user=users.community) == 2
    assert services.notifications_mark_all_read(user=users.community) == 0
    assert Notification.objects.get(pk=theirs.pk).read_at is None


# ---------------------------------------------------------------- pages


def test_pages_need_login(client, users):
    mine = inbox(users.community, 1)[0]
    for url in (
        reverse("notifications:list"),
        reverse("notifications:bell"),
        reverse("notifications:open", args=[mine.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 302, url
        assert reverse("accounts:login") in response["Location"]
    for url in (reverse("notifications:mark_read", args=[mine.pk]), reverse("notifications:mark_all_read")):
        assert client.post(url).status_code == 302
    # A poll from an expired session stops polling instead of putting the login page into the navigation bar.
    assert client.get(reverse("notifications:bell"), **HTMX).status_code == 286
    assert Notification.objects.get().read_at is None


def test_bell_shows_unread_count_and_newest_unread(client, users):
    rows = inbox(users.community, 8)
    Notification.objects.filter(pk=rows[-1].pk).update(read_at=timezone.now())  # the newest is read
    inbox(users.outsider, 2, prefix="Elsewhere")
    client.force_login(users.community)
    response = client.get(reverse("notifications:bell"), **HTMX)
    assert response.status_code == 200
    page = html(response)
    assert 'id="notification-unread-count">7<' in page
    shown = [n for n in range(8) if f"Notice {n}<" in page]
    assert shown == [2, 3, 4, 5, 6]  # the five newest unread
    assert "Elsewhere" not in page
    assert reverse("notifications:open", args=[rows[6].pk]) in page
    assert "no-cache" in response["Cache-Control"]

    # Without htmx (no JavaScript) the bell is the list page.
    assert client.get(reverse("notifications:bell"))["Location"] == reverse("notifications:list")


def test_bell_without_unread_has_no_badge(client, users):
    client.force_login(users.community)
    page = html(client.get(reverse("notifications:bell"), **HTMX))
    assert "notification-unread-count" not in page


def test_bell_query_count_is_constant(client, users, django_assert_max_num_queries):
    inbox(users.community, 40)
    client.force_login(users.community)
    with django_assert_max_num_queries(4):  # session, user, count, newest five
        response = client.get(reverse("notifications:bell"), **HTMX)
    assert 'id="notification-unread-count">40<' in html(response)


def test_opening_marks_read_and_goes_to_the_page(client, users):
    notification = inbox(users.community, 1)[0]
    client.force_login(users.community)
    response = client.get(reverse("notifications:open", args=[notification.pk]))
    assert response.status_code == 302
    assert response["Location"] == notification.url
    assert Notification.objects.get().read_at is not None
    assert client.post(reverse("notifications:open", args=[notification.pk])).status_code == 405


@pytest.mark.parametrize(
    "url", ["https://evil.example/", "//evil.example/", "/\\evil.example", "javascript:alert(1)", ""]
)
def test_opening_never_leaves_the_site(client, users, url):
    notification = Notification.objects.create(recipient=users.community, title="Offsite", url=url)
    client.force_login(users.community)
    response = client.get(reverse("notifications:open", args=[notification.pk]))
    assert response["Location"] == reverse("notifications:list")
    assert Notification.objects.get().read_at is not None


def test_someone_elses_notification_is_not_found(client, users):
    theirs = inbox(users.community, 1)[0]
    client.force_login(users.outsider)
    assert client.get(reverse("notifications:open", args=[theirs.pk])).status_code == 404
    assert client.post(reverse("notifications:mark_read", args=[theirs.pk])).status_code == 404
    assert client.post(reverse("notifications:mark_read", args=[theirs.pk]), **HTMX).status_code == 404
    assert client.post(reverse("notifications:mark_read", args=[theirs.pk + 1000])).status_code == 404
    page = html(client.get(reverse("notifications:list")))
    assert theirs.title not in page
    client.post(reverse("notifications:mark_all_read"))
    assert Notification.objects.get().read_at is None


def test_mark_read_answers_the_item_to_htmx_and_redirects_otherwise(client, users):
    first, second = inbox(users.community, 2)
    client.force_login(users.community)
    response = client.post(reverse("notifications:mark_read", args=[first.pk]), **HTMX)
    assert response.status_code == 200
    page = html(response)
    assert f'id="notification-{first.pk}"' in page
    assert reverse("notifications:mark_read", args=[first.pk]) not in page  # no button once read
    assert response["HX-Trigger"] == "notifications-changed"
    assert Notification.objects.get(pk=first.pk).read_at is not None

    response = client.post(
        reverse("notifications:mark_read", args=[second.pk]), {"next": "/notifications/?show=unread"}
    )
    assert response["Location"] == "/notifications/?show=unread"
    assert Notification.objects.get(pk=second.pk).read_at is not None
    response = client.post(reverse("notifications:mark_read", args=[second.pk]), {"next": "https://evil.example/"})
    assert response["Location"] == reverse("notifications:list")
    assert client.get(reverse("notifications:mark_read", args=[second.pk])).status_code == 405


def test_mark_all_read(client, users):
    inbox(users.community, 3)
    theirs = inbox(users.outsider, 1)[0]
    client.force_login(users.community)
    response = client.post(reverse("notifications:mark_all_read"), follow=True)
    assert response.redirect_chain[-1][0] == reverse("notifications:list")
    assert not Notification.objects.visible_to(users.community).unread().exists()
    assert Notification.objects.get(pk=theirs.pk).read_at is None
    assert "3" in " ".join(str(m) for m in response.context["messages"])

    inbox(users.community, 2, prefix="More")
    response = client.post(reverse("notifications:mark_all_read"), **HTMX)  # from the bell: the bell comes back
    assert response.status_code == 200
    assert "notification-unread-count" not in html(response)
    assert not Notification.objects.visible_to(users.community).unread().exists()


def test_list_puts_unread_first_filters_and_pages(client, users):
    rows = inbox(users.community, 35)
    Notification.objects.filter(pk__in=[rows[-1].pk, rows[-2].pk]).update(read_at=timezone.now())
    inbox(users.outsider, 1, prefix="Elsewhere")
    client.force_login(users.community)

    response = client.get(reverse("notifications:list"))
    assert response.status_code == 200
    page_rows = list(response.context["page_obj"].object_list)
    assert len(page_rows) == 30
    assert page_rows[0].title == "Notice 32"  # the newest unread, before the two newer read ones
    assert all(row.read_at is None for row in page_rows)
    assert response.context["unread_count"] == 33
    assert "Elsewhere" not in html(response)

    second = client.get(reverse("notifications:list"), {"page": 2}).context["page_obj"].object_list
    assert [row.title for row in second] == ["Notice 2", "Notice 1", "Notice 0", "Notice 34", "Notice 33"]

    unread = client.get(reverse("notifications:list"), {"show": "unread", "page": 2}).context["page_obj"]
    assert unread.paginator.count == 33
    assert all(row.read_at is None for row in unread.object_list)


def test_list_of_a_user_without_notifications(client, users):
    client.force_login(users.nobody)
    response = client.get(reverse("notifications:list"))
    assert response.status_code == 200
    assert response.context["page_obj"].paginator.count == 0


def test_navbar_snippet_falls_back_to_a_link():
    from django.template.loader import render_to_string

    snippet = render_to_string("partials/notification_bell.html")
    assert f'hx-get="{reverse("notifications:bell")}"' in snippet
    assert f'href="{reverse("notifications:list")}"' in snippet


# ---------------------------------------------------------------- API


def test_api_needs_authentication(api, users):
    assert api.get(API).status_code == 401
    assert api.get(f"{API}unread-count/").status_code == 401


def test_api_lists_own_notifications_newest_first_and_filters_unread(api, users):
    rows = inbox(users.community, 4)
    Notification.objects.filter(pk=rows[3].pk).update(read_at=timezone.now())
    inbox(users.outsider, 2, prefix="Elsewhere")
    api.force_login(users.community)

    data = api.get(API).json()
    assert data["count"] == 4
    assert [row["title"] for row in data["results"]] == ["Notice 3", "Notice 2", "Notice 1", "Notice 0"]
    assert set(data["results"][0]) == {
        "id",
        "title",
        "message_id",
        "params",
        "body",
        "url",
        "case",
        "created_at",
        "read_at",
    }

    unread = api.get(API, {"unread": "true"}).json()["results"]
    assert [row["title"] for row in unread] == ["Notice 2", "Notice 1", "Notice 0"]
    read = api.get(API, {"unread": "false"}).json()["results"]
    assert [row["title"] for row in read] == ["Notice 3"]

    assert api.get(f"{API}{rows[0].pk}/").json()["title"] == "Notice 0"


def test_api_read_read_all_and_unread_count(api, users):
    rows = inbox(users.community, 3)
    theirs = inbox(users.outsider, 1)[0]
    api.force_login(users.community)
    assert api.get(f"{API}unread-count/").json() == {"unread": 3}

    response = api.post(f"{API}{rows[0].pk}/read/")
    assert response.status_code == 200
    assert response.json()["read_at"] is not None
    assert api.get(f"{API}unread-count/").json() == {"unread": 2}

    assert api.post(f"{API}read-all/").json() == {"marked": 2}
    assert api.get(f"{API}unread-count/").json() == {"unread": 0}
    assert Notification.objects.get(pk=theirs.pk).read_at is None


def test_api_someone_elses_notification_is_not_found(api, users):
    theirs = inbox(users.community, 1)[0]
    api.force_login(users.outsider)
    assert api.get(f"{API}{theirs.pk}/").status_code == 404
    assert api.post(f"{API}{theirs.pk}/read/").status_code == 404
    assert api.get(API).json()["count"] == 0
    assert api.post(f"{API}read-all/").json() == {"marked": 0}
    assert Notification.objects.get().read_at is None


def test_api_list_query_count_is_constant(api, users, territory, django_assert_max_num_queries):
    category = CaseCategory.objects.create(code="T01", name="环境卫生", kind="grid_affair")
    case = Case.objects.create(
        number="640302-2026-000002",
        title="占道经营",
        category=category,
        channel=Channel.PATROL,
        region=territory.grid_a1,
        region_code=territory.grid_a1.code,
    )
    Notification.objects.bulk_create(
        Notification(recipient=users.community, title=f"N{n}", case=case if n % 2 else None) for n in range(40)
    )
    api.force_login(users.community)
    with django_assert_max_num_queries(4):  # session, user, count, page
        response = api.get(API)
    results = response.json()["results"]
    assert len(results) == 40
    assert {row["case"] for row in results} == {case.pk, None}


def test_api_schema_lists_the_endpoints_without_warnings(tmp_path):
    target = tmp_path / "schema.yml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    schema = target.read_text()
    for path in (
        "/api/v1/notifications/:",
        "/api/v1/notifications/{id}/:",
        "/api/v1/notifications/{id}/read/:",
        "/api/v1/notifications/read-all/:",
        "/api/v1/notifications/unread-count/:",
    ):
        assert path in schema


# ---------------------------------------------------------------- admin


def test_admin_list_is_read_only(client, users):
    inbox(users.community, 2)
    client.force_login(users.admin)
    response = client.get(reverse("admin:notifications_notification_changelist"))
    assert response.status_code == 200
    assert "Notice 1" in html(response)
    assert client.get(reverse("admin:notifications_notification_add")).status_code == 403


@pytest.mark.django_db
def test_users_choose_email_copies_on_the_list_page(client, users, territory):
    community = users.community
    client.force_login(community)
    url = reverse("notifications:email_preference")
    # Without an address the switch is refused with a reason, and nothing changes.
    response = client.post(url, {"notify_by_email": "on"}, follow=True)
    community.refresh_from_db()
    assert not community.notify_by_email
    assert "e-mail" in response.content.decode() or "邮箱" in response.content.decode()
    community.email = "jinta@example.org"
    community.save()
    client.post(url, {"notify_by_email": "on"})
    community.refresh_from_db()
    assert community.notify_by_email
    page = client.get(reverse("notifications:list")).content.decode()
    assert 'id="notify_by_email" checked' in page
    client.post(url, {})
    community.refresh_from_db()
    assert not community.notify_by_email
