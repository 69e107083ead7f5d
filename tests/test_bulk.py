"""config.bulk: rows written with COPY (bulk_create elsewhere) read back exactly, and the `any` lookup."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import User
from config.bulk import insert_rows
from notifications.models import Notification
from notifications.services import BULK_FIELDS
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

# Texts that COPY's text format must escape: tabs, newlines, backslashes, the \N of NULL, quotes.
AWKWARD = ["制表\t符", "换行\n第二行\r\n", "反斜杠 \\ 与 \\N", "引号 \" ' ,", "", "表情 😀"]


def test_rows_read_back_as_written():
    user = UserFactory()
    now = timezone.now()
    rows = [
        (user.pk, f"id.{i}", {"n": i, "text": text, "nested": [None, True, 1.5]}, text or "空", text, "/x/", None, now)
        for i, text in enumerate(AWKWARD)
    ]
    assert insert_rows(Notification, BULK_FIELDS, rows) == len(AWKWARD)
    stored = list(Notification.objects.filter(recipient=user).order_by("message_id"))
    assert [(n.message_id, n.params, n.title, n.body, n.url, n.case_id, n.created_at) for n in stored] == [
        row[1:] for row in rows
    ]
    assert all(n.read_at is None and n.emailed_at is None for n in stored)


def test_nothing_to_insert():
    assert insert_rows(Notification, BULK_FIELDS, []) == 0


def test_a_bad_row_writes_nothing():
    user = UserFactory()
    now = timezone.now()
    # The second row lacks its title (NOT NULL): the whole statement fails, the first row with it.
    rows = [(user.pk, "ok", {}, "t", "", "", None, now), (user.pk, "no title", {}, None, "", "", None, now)]
    with pytest.raises(IntegrityError), transaction.atomic():
        insert_rows(Notification, BULK_FIELDS, rows)
    assert not Notification.objects.filter(recipient=user).exists()


def test_any_lookup_matches_in():
    users = UserFactory.create_batch(3)
    ids = [u.pk for u in users[:2]]
    assert sorted(User.objects.filter(pk__any=ids).values_list("pk", flat=True)) == sorted(ids)
    assert not User.objects.filter(pk__any=[]).exists()
    assert User.objects.exclude(pk__any=ids).filter(pk=users[2].pk).exists()


def test_any_lookup_on_a_foreign_key():
    users = UserFactory.create_batch(2)
    now = timezone.now()
    insert_rows(Notification, BULK_FIELDS, [(u.pk, "x", {}, "t", "", "", None, now) for u in users])
    assert Notification.objects.filter(recipient_id__any=[users[0].pk]).count() == 1
    assert Notification.objects.filter(recipient__any=[u.pk for u in users]).count() == 2
