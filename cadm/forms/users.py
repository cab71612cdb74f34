"""The site admin's account forms. Each offers only the roles and sites the actor may grant,
then hands its values to the typed input (cadm.inputs.users); the service checks again."""

from __future__ import annotations

from django import forms

from cadm.inputs import InputInvalid
from cadm.inputs.users import (
    NAME_MAX,
    ROLE_LABELS,
    USERNAME_MAX,
    RoleChangeInput,
    SitesChangeInput,
    UserCreateInput,
)
from cadm.models import Site
from cadm.permissions import site_ids_of
from cadm.services.users import grantable_roles

from .base import add_input_errors
from .messages import ErrorMessagesMixin


def _role_field(actor) -> forms.ChoiceField:
    roles = sorted(grantable_roles(actor), key=list(ROLE_LABELS).index)
    return forms.ChoiceField(label="Role", choices=[("", "—")] + [
        (role.value, ROLE_LABELS[role]) for role in roles])


def _sites_field(actor, *, required: bool) -> forms.ModelMultipleChoiceField:
    return forms.ModelMultipleChoiceField(
        label="Sites", required=required, widget=forms.CheckboxSelectMultiple,
        queryset=Site.objects.filter(pk__in=site_ids_of(actor)).order_by("name"))


class _InputForm(ErrorMessagesMixin, forms.Form):
    """`input` holds the typed input once the form is valid."""

    input_class: type = UserCreateInput

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.actor, self.input = actor, None

    def clean(self):
        cleaned = super().clean()
        if not self.errors:
            try:
                self.input = self.input_class.parse(cleaned)
            except InputInvalid as exc:
                add_input_errors(self, exc)
        return cleaned


class UserCreateForm(_InputForm):
    input_class = UserCreateInput

    username = forms.CharField(max_length=USERNAME_MAX, label="Username",
                               help_text="Letters, digits and @ . + - _; it signs every row of "
                                         "the audit trail.")
    first_name = forms.CharField(max_length=NAME_MAX, label="First name")
    last_name = forms.CharField(max_length=NAME_MAX, label="Last name")

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, actor=actor, **kwargs)
        self.fields["role"] = _role_field(actor)
        self.fields["sites"] = _sites_field(actor, required=True)


class RoleForm(_InputForm):
    input_class = RoleChangeInput

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, actor=actor, **kwargs)
        self.fields["role"] = _role_field(actor)


class SitesForm(_InputForm):
    input_class = SitesChangeInput

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, actor=actor, **kwargs)
        self.fields["sites"] = _sites_field(actor, required=False)
        self.fields["sites"].help_text = ("Among your sites; the account's other sites are "
                                          "kept.")
