"""The audit trail's filter form. It is POSTed, never sent in a query string: a patient's MRN
or id must not reach the URLs that proxies and servers log. The view keeps the resolved filter
in the session under a random token, which is all the URL carries."""

from __future__ import annotations

import re

from django import forms

from cadm.models import Site, User
from cadm.permissions import site_ids_of
from cadm.selectors.audit_trail import TrailFilter, trail_patients_matching

from .base import DateInput
from .messages import ErrorMessagesMixin

ACTION_RE = re.compile(r"^[a-z0-9_]+(\.[a-z0-9_]+)*\.?$")


class TrailFilterForm(ErrorMessagesMixin, forms.Form):
    user = forms.CharField(required=False, max_length=150, label="User",
                           help_text="A username, in any case.")
    patient = forms.CharField(required=False, max_length=64, label="Patient",
                              help_text="An MRN or a patient id.")
    site = forms.ModelChoiceField(queryset=Site.objects.none(), required=False,
                                  label="Patient's site", empty_label="Any of mine",
                                  help_text="Only needed when the MRN is used at two sites.")
    action = forms.CharField(required=False, max_length=60, label="Action",
                             help_text="Exact (patient.update), or a family ending with a dot "
                                       "(patient.).")
    since = forms.DateField(required=False, label="From", widget=DateInput())
    until = forms.DateField(required=False, label="Until", widget=DateInput())

    def __init__(self, *args, officer, **kwargs):
        super().__init__(*args, **kwargs)
        self.officer = officer
        self.fields["site"].queryset = Site.objects.filter(pk__in=site_ids_of(officer))
        self.trail_filter: TrailFilter | None = None

    def clean_user(self) -> User | None:
        text = self.cleaned_data["user"].strip()
        if not text:
            return None
        user = User.objects.filter(username__iexact=text).first()
        if user is None:
            raise forms.ValidationError(
                f"User: {text!r} matches no account; accepted: a username, in any case.",
                code="not_found")
        return user

    def clean_action(self) -> str:
        text = self.cleaned_data["action"].strip().lower()
        if text and not ACTION_RE.match(text):
            raise forms.ValidationError(
                f"Action: {text!r} is not an action name; accepted: lower-case words joined "
                f"by dots, e.g. patient.update, or patient. for the family.", code="invalid")
        return text

    def clean(self):
        cleaned = super().clean()
        since, until = cleaned.get("since"), cleaned.get("until")
        if since and until and until < since:
            self.add_error("until", forms.ValidationError(
                f"Until: {until.isoformat()} is before From ({since.isoformat()}); accepted: "
                f"{since.isoformat()} or a later day.", code="before_since"))
        patient = None
        text = (cleaned.get("patient") or "").strip()
        if text and "site" not in self.errors:
            patient = self._patient(text, cleaned.get("site"))
        if not self.errors:
            self.trail_filter = TrailFilter(actor=cleaned.get("user"), patient=patient,
                                            action=cleaned.get("action") or "",
                                            since=since, until=until)
        return cleaned

    def _patient(self, text: str, site):
        found = trail_patients_matching(officer=self.officer, text=text, site=site)
        where = site.name if site else ", ".join(self.fields["site"].queryset
                                                 .values_list("name", flat=True))
        if not found:
            self.add_error("patient", forms.ValidationError(
                f"Patient: {text[:64]!r} matches no patient of {where}; accepted: an MRN or "
                f"a patient id (UUID) of a patient at {where}.", code="not_found"))
            return None
        if len(found) > 1:
            self.add_error("site", forms.ValidationError(
                f"Patient's site: MRN {text!r} is used at {len(found)} of your sites ("
                f"{', '.join(p.site.name for p in found)}); accepted: one of them.",
                code="ambiguous"))
            return None
        return found[0]


class ReportForm(TrailFilterForm):
    """The "who accessed my record" report: one patient, optionally a period."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("user", "action"):
            del self.fields[name]
        self.fields["patient"].required = True
