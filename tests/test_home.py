"""The home page: one per role, each with the shortcuts that role needs."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.roles import Role
from tests.factories import UserFactory, assign

pytestmark = pytest.mark.django_db

HOME = reverse("accounts:home")


def test_anonymous_is_sent_to_login(client):
    response = client.get(HOME)
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]


@pytest.mark.parametrize(
    "name, template_role",
    [
        ("admin", "admin"),
        ("official", "dashboard"),
        ("community", "community"),
        ("grid_a1", "grid"),
        ("steward", "grid"),
        ("outsider", "community"),
        ("department", "other"),
        ("nobody", "other"),
    ],
)
def test_every_named_user_has_a_home(client, users, name, template_role):
    client.force_login(getattr(users, name))
    response = client.get(HOME)
    assert response.status_code == 200
    if template_role == "dashboard":  # an official's home is the dashboard of their place
        assert response.context["place"].code == users.official.assignments.get().region.code
    else:
        assert response.context["template_role"] == template_role


@pytest.mark.parametrize("role", list(Role))
def test_every_role_renders(client, territory, role):
    place = None if role == Role.ADMIN else territory.comm_a
    user = UserFactory(username=f"r-{role}")
    assign(user, role, place)
    client.force_login(user)
    response = client.get(HOME)
    assert response.status_code == 200
    if role == Role.DISTRICT_OFFICIAL:
        assert response.context["place"].code == place.code
        return
    assert response.context["role"] == role
    if place is not None:
        assert reverse("grids:region_detail", args=[place.code]) in response.content.decode()


def test_grid_member_sees_my_grid_and_add_resident(client, users, territory):
    client.force_login(users.grid_a1)
    html = client.get(HOME).content.decode()
    assert territory.grid_a1.name in html
    assert reverse("grids:region_detail", args=[territory.grid_a1.code]) in html
    assert f"{reverse('grids:resident_list')}?region={territory.grid_a1.code}" in html
    assert reverse("grids:resident_create") in html


def test_read_only_grid_role_has_no_add_resident(client, users, territory):
    client.force_login(users.steward)
    html = client.get(HOME).content.decode()
    assert reverse("grids:region_detail", args=[territory.micro_a1.code]) in html
    assert reverse("grids:resident_create") not in html


def test_community_worker_shortcuts(client, users, territory):
    client.force_login(users.community)
    html = client.get(HOME).content.decode()
    assert reverse("grids:region_detail", args=[territory.comm_a.code]) in html
    assert f"?region={territory.comm_a.code}" in html
    assert reverse("grids:resident_create") in html
    # The outsider's community is nowhere on the page.
    assert territory.comm_b.name not in html


def test_official_sees_county_with_counts(client, users, territory):
    client.force_login(users.official)
    response = client.get(HOME)
    html = response.content.decode()
    assert reverse("grids:region_browser") in html
    assert reverse("grids:region_detail", args=[territory.county.code]) in html
    assert reverse("grids:resident_create") not in html
    territory_panel = {panel.key: data for panel, data, _html in response.context["extra_panels"]}["territory"]
    assert territory_panel["households"]["total"] == 4  # households in the county


def test_admin_links(client, users):
    client.force_login(users.admin)
    html = client.get(HOME).content.decode()
    assert reverse("admin:index") in html
    assert reverse("admin:grids_piiaccesslog_changelist") in html
    assert reverse("grids:region_browser") in html


def test_department_sees_place_and_no_ledger_shortcuts(client, users, territory):
    client.force_login(users.department)
    html = client.get(HOME).content.decode()
    assert reverse("grids:region_detail", args=[territory.street.code]) in html
    assert reverse("grids:resident_create") not in html


def test_user_without_role(client, users):
    client.force_login(users.nobody)
    response = client.get(HOME)
    assert response.status_code == 200
    assert response.context["places"] == []
