"""What the pages that write their rows in Python share (patient_page, classification_rows,
worklist_rows): a long list's links reversed once, and values escaped as the template did."""

from __future__ import annotations

import html
import uuid
from collections.abc import Callable

from django.urls import reverse

# Stands for a row's id in a URL reversed once for the whole page.
_ROW_ID = str(uuid.UUID(int=0))


def esc(value) -> str:
    """django.utils.html.escape without its check for lazy strings on every call: each value
    of a row goes through it before it joins the markup."""
    return html.escape(str(value))


def url_for_rows(name: str, *args) -> Callable[[object], str]:
    """reverse(name, args=[*args, row_id]) for many rows, reversing once. The row's id is
    the URL's last argument, so the last occurrence of the stand-in is the one to fill."""
    prefix, _, suffix = reverse(name, args=[*args, _ROW_ID]).rpartition(_ROW_ID)
    return lambda row_id: f"{prefix}{row_id}{suffix}"
