"""The resident admin no longer imports rosters: its change list sends importers to the import centre."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.urls import NoReverseMatch, reverse
from django.utils import translation

from accounts.roles import Role
from tests.factories import UserFactory, assign

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:grids_resident_changelist"
CENTRE_TEXT = "导入花名册请到导入中心"


def staff_viewer(role: str, place):
    user = UserFactory(username="clerk", is_staff=True)
    user.user_permissions.add(Permission.objects.get(content_type__app_label="grids", codename="view_resident"))
    assign(user, role, place)
    return user


def change_list(client) -> str:
    response = client.get(reverse(CHANGELIST), HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 200
    return response.content.decode()


def test_the_link_text_is_translated():
    with translation.override("zh-hans"):
        assert translation.gettext("Rosters are imported in the import centre") == CENTRE_TEXT


@pytest.mark.parametrize("name", ["import", "process_import", "import_template"])
def test_the_admin_has_no_roster_import_urls(name):
    with pytest.raises(NoReverseMatch):
        reverse(f"admin:grids_resident_{name}", args=["csv"] if name == "import_template" else [])


def test_the_old_import_address_shows_no_import_form(client, territory, users):
    client.force_login(users.admin)
    response = client.get(reverse(CHANGELIST) + "import/", follow=True)
    page = response.content.decode()
    assert 'name="import_file"' not in page
    assert response.redirect_chain  # the admin's catch-all sends an unknown address away


def test_the_change_list_links_to_the_import_centre_and_keeps_the_export(client, territory, users):
    client.force_login(users.admin)
    page = change_list(client)
    centre = reverse("imports:index")
    assert f'href="{centre}"' in page and CENTRE_TEXT in page
    assert reverse("admin:grids_resident_export") in page
    assert 'class="import_link"' not in page  # import-export's import button is gone
    assert client.get(centre).status_code == 200


def test_an_importer_on_staff_gets_the_link(client, territory, users):
    client.force_login(staff_viewer(Role.COMMUNITY_WORKER, territory.comm_a))
    page = change_list(client)
    assert f'href="{reverse("imports:index")}"' in page and CENTRE_TEXT in page


def test_staff_who_may_not_import_get_no_link(client, territory, users):
    client.force_login(staff_viewer(Role.GRID_MEMBER_FULL, territory.grid_a1))
    page = change_list(client)
    assert CENTRE_TEXT not in page and reverse("imports:index") not in page
    assert reverse("admin:grids_resident_export") in page
