"""The co-building board's write views: each answers with the board (htmx) or a redirect with a message,
whether the form is refused, the service refuses, or the write goes through."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.messages import constants, get_messages
from django.urls import reverse
from django.utils import timezone

from partyorg.models import CoBuildingUnit, ListItem, ListItemStatus, ListKind
from partyorg.services import service as services

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def w(party_world, client, in_english):
    client.force_login(party_world.u.community)
    party_world.client = client
    party_world.board = reverse("partyorg:cobuilding", args=[party_world.t.comm_a.code])
    return party_world


def level(response) -> int:
    """The level of the message the last request added (the earlier ones wait until a page shows them)."""
    return list(get_messages(response.wsgi_request))[-1].level


def test_adding_a_unit_redirects_with_a_message_or_answers_the_board(w):
    url = reverse("partyorg:cobuilding_unit_add", args=[w.t.comm_a.code])
    response = w.client.post(url, {"name": "利通区供电公司", "joined_on": timezone.localdate().isoformat()})
    assert response.status_code == 302 and response.url == w.board
    assert level(response) == constants.SUCCESS
    assert CoBuildingUnit.objects.filter(name="利通区供电公司").exists()

    response = w.client.post(url, {"name": "", "joined_on": timezone.localdate().isoformat()})  # the form refuses
    assert response.status_code == 302 and level(response) == constants.ERROR

    response = w.client.post(url, {"name": "", "joined_on": timezone.localdate().isoformat()}, **HTMX)
    body = response.content.decode()
    assert response.status_code == 200 and 'id="cobuilding-board"' in body and "<html" not in body
    assert "Name" in body and response.headers["Vary"].count("HX-Request") == 1


def test_agreement_and_list_item_errors_of_the_service_reach_the_board(w):
    unit = services.cobuilding_unit_add(actor=w.u.community, community=w.t.comm_a, name="朝阳物业")
    today = timezone.localdate()
    url = reverse("partyorg:agreement_add", args=[unit.pk])
    data = {"signed_on": today.isoformat(), "valid_until": (today - dt.timedelta(days=1)).isoformat(), "text": "条款"}
    response = w.client.post(url, data)  # the service refuses an agreement ending before it is signed
    assert response.status_code == 302 and level(response) == constants.ERROR
    assert not unit.agreements.exists()
    response = w.client.post(url, {**data, "valid_until": ""})
    assert response.status_code == 302 and level(response) == constants.SUCCESS
    assert unit.agreements.count() == 1

    url = reverse("partyorg:list_item_add", args=[w.t.comm_a.code])
    response = w.client.post(url, {"kind": ListKind.RESOURCE, "title": "车位"}, **HTMX)  # a resource names a unit
    assert response.status_code == 200 and "车位" not in response.content.decode()
    assert not ListItem.objects.filter(title="车位").exists()
    response = w.client.post(url, {"kind": ListKind.NEED, "title": "楼道照明"}, **HTMX)
    assert response.status_code == 200 and "楼道照明" in response.content.decode()


def test_changing_a_status(w):
    need = services.list_item_add(actor=w.u.community, community=w.t.comm_a, kind=ListKind.NEED, title="楼道照明")
    url = reverse("partyorg:list_item_status", args=[need.pk])
    response = w.client.post(url, {"status": "no-such-status"})
    assert response.status_code == 302 and level(response) == constants.ERROR
    response = w.client.post(url, {"status": ListItemStatus.DONE})
    assert response.status_code == 302 and level(response) == constants.SUCCESS
    need.refresh_from_db()
    assert need.status == ListItemStatus.DONE


def test_an_outsider_may_not_write(w, client):
    client.force_login(w.u.outsider)
    response = client.post(reverse("partyorg:list_item_add", args=[w.t.comm_a.code]), {"kind": ListKind.NEED})
    assert response.status_code in (403, 404)
