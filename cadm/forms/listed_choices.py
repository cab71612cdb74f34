"""A model choice field whose options are read with one plain query.

Django reads a ModelChoiceField's options with `queryset.iterator()`, which on PostgreSQL is a
server-side cursor: DECLARE, FETCH and CLOSE, three round trips, for a list of a user's sites.
The options here are the queryset itself, read once and kept in its cache.
"""

from django import forms
from django.forms.models import ModelChoiceIterator


class ListedChoiceIterator(ModelChoiceIterator):
    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for obj in self.queryset:
            yield self.choice(obj)


class ListedModelChoiceField(forms.ModelChoiceField):
    iterator = ListedChoiceIterator
