"""The home page and the navigation lead each role to its case work."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from cases.models import Case
from tests.case_factories import file_case

pytestmark = pytest.mark.django_db


def test_home_counts_my_waiting_and_overdue_cases(client, case_world):
    w = case_world
    first = file_case(w)
    file_case(w)
    Case.objects.filter(pk=first.pk).update(due_at=timezone.now() - dt.timedelta(hours=1))
    client.force_login(w.u.grid_a1)
    page = client.get(reverse("accounts:home")).content.decode()
    assert reverse("cases:inbox") in page and reverse("cases:file") in page
    assert "2" in page.split('id="case-work"')[1].split("</section>")[0]
    assert "badge text-bg-danger" in page.split('id="case-work"')[1].split("</section>")[0]


def test_navigation_offers_what_the_role_may_do(client, case_world):
    w = case_world
    client.force_login(w.u.official)
    page = client.get(reverse("accounts:home")).content.decode()
    assert reverse("cases:list") in page
    assert reverse("cases:file") not in page and reverse("cases:board") not in page
    client.force_login(w.u.community)
    page = client.get(reverse("accounts:home")).content.decode()
    assert reverse("cases:board") in page and reverse("cases:file") in page
    client.force_login(w.dept_user)
    assert reverse("cases:department_inbox") in client.get(reverse("accounts:home")).content.decode()
    client.force_login(w.u.outsider)
    page = client.get(reverse("accounts:home")).content.decode()
    assert "0" in page.split('id="case-work"')[1].split("</section>")[0]
