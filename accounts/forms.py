from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from .services import client_ip, login_failure_record, login_is_locked, login_success_record


class ThrottledAuthenticationForm(AuthenticationForm):
    """The login form, refusing an account or address after repeated failures."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "locked": _("Too many failed attempts. Please wait %(minutes)d minutes and try again."),
    }

    def clean(self):
        from django.conf import settings

        username = self.cleaned_data.get("username") or ""
        ip_address = client_ip(self.request) if self.request else None
        if login_is_locked(username=username, ip_address=ip_address):
            raise forms.ValidationError(
                self.error_messages["locked"],
                code="locked",
                params={"minutes": max(1, settings.LOGIN_LOCKOUT_SECONDS // 60)},
            )
        try:
            cleaned = super().clean()
        except forms.ValidationError:
            login_failure_record(username=username, ip_address=ip_address)
            raise
        login_success_record(username=username)
        return cleaned
