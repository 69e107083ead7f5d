from django import forms
from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from .services import client_ip, login_is_locked, username_normalise


class ThrottledLoginMixin:
    """Tells a locked-out person so before asking for the password again.

    The authentication backend counts the failures and refuses a locked account at every door;
    this only turns the refusal into a message saying how long to wait.
    """

    error_messages = {
        **AuthenticationForm.error_messages,
        "locked": _("Too many failed attempts. Please wait %(minutes)d minutes and try again."),
    }

    def clean(self):
        username = username_normalise(self.cleaned_data.get("username"))
        ip_address = client_ip(self.request) if self.request else None
        if login_is_locked(username=username, ip_address=ip_address):
            raise forms.ValidationError(
                self.error_messages["locked"],
                code="locked",
                params={"minutes": max(1, settings.LOGIN_LOCKOUT_SECONDS // 60)},
            )
        return super().clean()


class ThrottledAuthenticationForm(ThrottledLoginMixin, AuthenticationForm):
    """The login page's form."""


class ThrottledAdminAuthenticationForm(ThrottledLoginMixin, AdminAuthenticationForm):
    """The admin site's login form."""

    error_messages = {**ThrottledLoginMixin.error_messages, **AdminAuthenticationForm.error_messages}
