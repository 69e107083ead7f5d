"""One lockout for every door: the login page, the admin login and the API token endpoint.

Each door normalises the name the same way (surrounding whitespace, NFKC) and counts a failure
against the account it would have opened, so neither a padded name nor a change of door buys
more guesses than LOGIN_MAX_FAILURES.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.test import Client, override_settings

from accounts.models import LoginFailure
from tests.factories import PASSWORD, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("doors_users")]

LIMIT = 5
WRONG = "not-the-Password-1"


@dataclass(frozen=True)
class Door:
    name: str
    attempt: Callable[[str, str], tuple[bool, bool]]  # (let in, said "locked")

    def __str__(self) -> str:
        return self.name


def _login_page(username: str, password: str) -> tuple[bool, bool]:
    response = Client().post("/login/", {"username": username, "password": password})
    return response.status_code == 302, "次数过多" in response.content.decode()


def _admin_login(username: str, password: str) -> tuple[bool, bool]:
    response = Client().post("/admin/login/", {"username": username, "password": password, "next": "/admin/"})
    return response.status_code == 302, "次数过多" in response.content.decode()


def _api_token(username: str, password: str) -> tuple[bool, bool]:
    response = Client().post(
        "/api/v1/auth/token/", {"username": username, "password": password}, content_type="application/json"
    )
    return response.status_code == 200 and bool(response.json().get("token")), response.status_code == 429


DOORS = [Door("login page", _login_page), Door("admin login", _admin_login), Door("API token", _api_token)]
# What a client may send for the account "volunteer"; NFKC turns the full-width forms into ASCII.
VARIANTS = [
    " volunteer",
    "volunteer ",
    "\tvolunteer",
    "volunteer\n",
    "\u3000volunteer",
    "ｖｏｌｕｎｔｅｅｒ",
]


@pytest.fixture
def doors_users():
    # Staff, so that the admin login is a door that opens for them too.
    UserFactory(username="volunteer", is_staff=True)
    UserFactory(username="gridaux", is_staff=True)


@pytest.mark.parametrize("variant", VARIANTS, ids=repr)
@pytest.mark.parametrize("door", DOORS, ids=str)
def test_each_variant_opens_the_door_with_the_right_password(door, variant):
    """The control for the lockout test below: without a lock, every spelling is let in."""
    let_in, _locked = door.attempt(variant, PASSWORD)
    assert let_in


@override_settings(LOGIN_MAX_FAILURES=LIMIT)
@pytest.mark.parametrize("variant", VARIANTS, ids=repr)
@pytest.mark.parametrize("door", DOORS, ids=str)
def test_a_locked_account_stays_locked_under_every_spelling(door, variant):
    for _ in range(LIMIT):
        let_in, _locked = door.attempt("volunteer", WRONG)
        assert not let_in
    let_in, locked = door.attempt(variant, PASSWORD)
    assert not let_in and locked
    let_in, locked = door.attempt("volunteer", PASSWORD)
    assert not let_in and locked


@override_settings(LOGIN_MAX_FAILURES=LIMIT)
@pytest.mark.parametrize("door", DOORS, ids=str)
def test_padded_names_count_against_the_account(door):
    """Twelve wrong passwords with rotating leading spaces reach the limit after five."""
    outcomes = [door.attempt(" " * (i % 4) + "gridaux", WRONG) for i in range(12)]
    assert not any(let_in for let_in, _locked in outcomes)
    assert [locked for _let_in, locked in outcomes] == [False] * LIMIT + [True] * (12 - LIMIT)
    assert LoginFailure.objects.filter(username="gridaux").count() == LIMIT
    let_in, locked = door.attempt("gridaux", PASSWORD)
    assert not let_in and locked


@override_settings(LOGIN_MAX_FAILURES=LIMIT)
@pytest.mark.parametrize("door", DOORS, ids=str)
def test_failures_at_other_doors_lock_this_one(door):
    others = [other for other in DOORS if other is not door]
    for i in range(LIMIT):
        let_in, _locked = others[i % 2].attempt(VARIANTS[i % len(VARIANTS)], WRONG)
        assert not let_in
    let_in, locked = door.attempt("volunteer", PASSWORD)
    assert not let_in and locked
    # Another account is not locked by these failures.
    let_in, _locked = door.attempt("gridaux", PASSWORD)
    assert let_in


@override_settings(LOGIN_MAX_FAILURES=LIMIT)
@pytest.mark.parametrize("door", DOORS, ids=str)
def test_success_under_a_padded_name_clears_the_failures(door):
    for _ in range(LIMIT - 1):
        door.attempt("volunteer", WRONG)
    let_in, _locked = door.attempt(" volunteer\t", PASSWORD)
    assert let_in
    assert not LoginFailure.objects.filter(username="volunteer").exists()


def test_changing_the_case_of_a_name_buys_no_more_guesses():
    """Names are matched case-sensitively, but their failures are counted together."""
    with override_settings(LOGIN_MAX_FAILURES=LIMIT):
        for name in ("Volunteer", "VOLUNTEER", "volunteeR", "vOlunteer", "volunTeer"):
            _api_token(name, WRONG)
        let_in, locked = _login_page("volunteer", PASSWORD)
    assert not let_in and locked
