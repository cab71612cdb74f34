"""The code of a second factor: from the authenticator app, or a recovery code.

django-otp's form mixin verifies it (throttling, the failure signal, its messages); this form
only chooses the device, by the code's shape. django-otp asks for an explicit device rather
than trying the code on each in turn, which would count one mistyped code as a failure on
every device: an app's code is 6 digits, a recovery code 8 letters and digits, so the shape
names the device and the person types a code, not a device name.
"""

from django import forms
from django_otp.forms import OTPAuthenticationFormMixin
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from cadm.forms.messages import ErrorMessagesMixin

WRONG = "That code is not right, or was already used. Check your app's code for this site."


class CodeForm(ErrorMessagesMixin, OTPAuthenticationFormMixin, forms.Form):
    otp_token = forms.CharField(label="Code", max_length=32, widget=forms.TextInput(attrs={
        "autocomplete": "one-time-code", "autocapitalize": "off", "spellcheck": "false"}))

    otp_error_messages = {
        **OTPAuthenticationFormMixin.otp_error_messages,
        "token_required": "Enter the code.",
        "invalid_token": WRONG,
        "device_required": WRONG,  # no device of that kind: a recovery code with none left
    }

    def __init__(self, user, *args, enrolling: TOTPDevice | None = None, autofocus=True,
                 **kwargs):
        """`enrolling`: the unconfirmed device whose first code is expected (enrolment);
        otherwise the user's confirmed devices. `autofocus`: the page's one field to fill."""
        super().__init__(*args, **kwargs)
        self.fields["otp_token"].widget.attrs["autofocus"] = autofocus
        self.user = user
        self.enrolling = enrolling
        self.device = None

    def clean(self):
        super().clean()
        if "otp_token" not in self.cleaned_data:
            return self.cleaned_data  # the field's own error says it
        # Apps show the code as "123 456"; recovery codes are shown in lower case.
        token = "".join(self.cleaned_data["otp_token"].split()).lower()
        self.cleaned_data["otp_token"] = token
        device = self.enrolling or self._device_for(token)
        self.cleaned_data["otp_device"] = device.persistent_id if device else None
        self.clean_otp(self.user)
        self.device = self.user.otp_device
        return self.cleaned_data

    def _device_for(self, token: str):
        app_code = token.isascii() and token.isdigit() and len(token) == 6
        model = TOTPDevice if app_code else StaticDevice
        return model.objects.devices_for_user(self.user, confirmed=True).first()
