"""Login, logout, throttling and password change, in Chinese."""

import pytest
from django.test import override_settings

from accounts.models import LoginFailure
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def test_login_page_is_chinese(client):
    response = client.get("/login/")
    assert response.status_code == 200
    assert "登录" in response.content.decode()


def test_anonymous_home_redirects_to_login(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_login_and_logout(client, users):
    response = client.post("/login/", {"username": "community", "password": PASSWORD})
    assert response.status_code == 302
    assert client.get("/").status_code == 200
    client.post("/logout/")
    assert client.get("/").status_code == 302


def test_wrong_password_message_in_chinese(client, users):
    response = client.post("/login/", {"username": "community", "password": "wrong"})
    assert response.status_code == 200
    assert "请输入一个正确的" in response.content.decode()


@override_settings(LOGIN_MAX_FAILURES=3)
def test_repeated_failures_lock_the_account_even_with_the_right_password(client, users):
    for _ in range(3):
        client.post("/login/", {"username": "community", "password": "wrong"})
    response = client.post("/login/", {"username": "community", "password": PASSWORD})
    assert response.status_code == 200
    assert "次数过多" in response.content.decode()
    assert client.get("/").status_code == 302
    # another account is not locked by these failures
    response = client.post("/login/", {"username": "grid_a1", "password": PASSWORD})
    assert response.status_code == 302


@override_settings(LOGIN_MAX_FAILURES=3)
def test_success_clears_failures(client, users):
    client.post("/login/", {"username": "community", "password": "wrong"})
    client.post("/login/", {"username": "community", "password": PASSWORD})
    assert not LoginFailure.objects.filter(username="community").exists()


def test_password_change(client, users):
    client.force_login(users.community)
    response = client.post(
        "/password/",
        {"old_password": PASSWORD, "new_password1": "Another-Pass-9876", "new_password2": "Another-Pass-9876"},
    )
    assert response.status_code == 302
    users.community.refresh_from_db()
    assert users.community.check_password("Another-Pass-9876")


@override_settings(LOGIN_MAX_FAILURES=2, TRUST_X_FORWARDED_FOR=True)
def test_throttle_behind_proxy_counts_the_forwarded_address(client, users):
    from accounts.services import client_ip

    class Request:
        META = {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": "10.1.1.1, 203.0.113.9"}

    assert client_ip(Request()) == "203.0.113.9"
    for name in ("a", "b", "c", "d", "e", "f", "g", "h"):
        client.post("/login/", {"username": name, "password": "x"}, HTTP_X_FORWARDED_FOR="203.0.113.9")
    # that address is now refused, but another client behind the same proxy is not
    locked = client.post("/login/", {"username": "community", "password": PASSWORD}, HTTP_X_FORWARDED_FOR="203.0.113.9")
    assert locked.status_code == 200
    ok = client.post("/login/", {"username": "community", "password": PASSWORD}, HTTP_X_FORWARDED_FOR="198.51.100.7")
    assert ok.status_code == 302
