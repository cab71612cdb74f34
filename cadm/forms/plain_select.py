"""A <select> written in Python: the markup of Django's own select templates, without them.

Django renders a select through its template engine, with an include per option and another
for each option's attributes: on the worklist (its code filter lists every code of the sites)
that was a tenth of the page's time. The context is Django's own (`get_context`), so names,
ids, `selected`, `required` and the aria attributes a bound field adds are as before.
"""

from __future__ import annotations

from django import forms
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe


def _attrs(attrs: dict) -> SafeString:
    """As django/forms/widgets/attrs.html: False leaves out, True writes the bare name."""
    return mark_safe("".join(  # each part escaped by format_html
        format_html(" {}", name) if value is True else format_html(' {}="{}"', name, value)
        for name, value in attrs.items() if value is not False))


class PlainSelect(forms.Select):
    def render(self, name, value, attrs=None, renderer=None) -> SafeString:
        widget = self.get_context(name, value, attrs)["widget"]
        parts = [format_html('<select name="{}"{}>', widget["name"], _attrs(widget["attrs"]))]
        for group_name, options, _ in widget["optgroups"]:
            if group_name:
                parts.append(format_html('\n  <optgroup label="{}">', group_name))
            parts.extend(format_html('\n  <option value="{}"{}>{}</option>', option["value"],
                                     _attrs(option["attrs"]), option["label"])
                         for option in options)
            if group_name:
                parts.append("\n  </optgroup>")
        parts.append("\n</select>")
        return mark_safe("".join(parts))  # every value escaped by format_html
