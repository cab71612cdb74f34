"""Every form class of the project, found by walking the form modules, and how to build one.

Found, not listed: a form added next month is fuzzed and checked without anyone remembering
to add it here.
"""

from __future__ import annotations

import datetime as dt
import importlib
import inspect
import pkgutil
from dataclasses import dataclass

from django import forms

import cadm.forms
from cadm.forms.messages import ErrorMessagesMixin

FORM_MODULES = (
    *(f"cadm.forms.{m.name}" for m in pkgutil.iter_modules(cadm.forms.__path__)),
    "monitoring.forms",
    "screening.forms",
)

# Forms that do not rewrite Django's generic refusals yet, each with the reason. Their owners
# add ErrorMessagesMixin and take them off this list; test_error_messages.py then checks
# their messages too (and fails if a form is listed here but has the mixin).
PENDING_MIXIN: dict[str, str] = {}


@dataclass(frozen=True)
class FormCase:
    name: str
    form_class: type[forms.BaseForm]

    @property
    def has_mixin(self) -> bool:
        return issubclass(self.form_class, ErrorMessagesMixin)

    def build(self, data: dict | None, *, patient, site) -> forms.BaseForm:
        """The form bound to `data`, with what its constructor needs (patient, today, sites,
        user)."""
        # `user`: whom a second-factor code is for; `officer`, `actor`: who searches the
        # audit trail or manages accounts (the forms offer what that person may choose).
        known = {"patient": lambda: patient, "today": dt.date.today, "sites": lambda: [site],
                 "user": lambda: patient.created_by,
                 "officer": lambda: _person("privacy_officer", site),
                 "actor": lambda: _person("site_admin", site)}
        kwargs = {}
        for name, param in _init_parameters(self.form_class):
            if name in known:
                kwargs[name] = known[name]()
            elif param.kind == param.KEYWORD_ONLY and param.default is param.empty:
                raise TypeError(f"{self.name}: tests/fuzz/catalog.py does not know how to "
                                f"pass {name!r}; teach FormCase.build")
        return self.form_class(data=data, **kwargs)


def _person(role: str, site):
    """The one user of that role at the site (made once)."""
    from cadm.models import User
    from tests.factories import UserFactory

    username = f"catalog-{role}-{site.pk}"
    return User.objects.filter(username=username).first() or UserFactory(
        username=username, role=role, sites=[site])


def _init_parameters(form_class: type) -> list[tuple[str, inspect.Parameter]]:
    """The parameters of the project's own __init__s along the MRO (a subclass's
    `__init__(*args, **kwargs)` passes its base's keyword arguments on)."""
    found = []
    for klass in form_class.__mro__:
        if klass.__module__.startswith("django."):
            break
        if "__init__" in vars(klass):
            found += inspect.signature(klass.__init__).parameters.items()
    return found


def _is_concrete_form(obj: object, module: str) -> bool:
    if not (inspect.isclass(obj) and issubclass(obj, forms.BaseForm)
            and obj.__module__ == module):
        return False
    meta = getattr(obj, "_meta", None)
    return not (issubclass(obj, forms.ModelForm) and getattr(meta, "model", None) is None)


def form_cases() -> list[FormCase]:
    """Each concrete form class of FORM_MODULES (a ModelForm without a model is a base)."""
    cases: dict[str, FormCase] = {}
    for module_name in FORM_MODULES:
        module = importlib.import_module(module_name)
        for name, obj in vars(module).items():
            if _is_concrete_form(obj, module_name):
                cases[f"{module_name}.{name}"] = FormCase(name, obj)
    return sorted(cases.values(), key=lambda case: case.form_class.__module__ + case.name)


def with_mixin() -> list[FormCase]:
    return [case for case in form_cases() if case.has_mixin]
