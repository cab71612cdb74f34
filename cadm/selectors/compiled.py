"""Querysets compiled to SQL once per process, run with a new argument each time.

The patient page asks the same dozen questions of every patient, and Django compiles each
queryset again on every request: about half of a small query's Python time. A `Compiled`
query is built once with a stand-in for its argument (a patient's id), its SQL and the way
its rows become instances kept; a call swaps the argument in and builds the instances as
`QuerySet.__iter__` does (converters, `from_db`, `select_related` populators).

Only what that path covers is accepted: a model queryset (no `values()`, no prefetch, no
related objects known in advance) whose parameters are constants but for the argument.
`statement()` gives the SQL and parameters, so that a caller can send several in one round
trip (cadm.selectors.records) and build the instances from the rows with `instances()`.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Model, QuerySet, signals
from django.db.models.base import ModelState
from django.db.models.query import ModelIterable, get_related_populators

# Never an id: the stand-in is found among the compiled query's parameters by its value.
STAND_IN = -7_391_846_205
# For a UUID argument (a public id); a backend without a UUID type takes its hex form.
UUID_STAND_IN = uuid.UUID("7f3a0c1e-5b2d-4e8f-9a61-0d4c2b7e9f35")


@dataclass(frozen=True)
class _Plan:
    sql: str
    params: tuple
    slots: tuple[int, ...]  # positions of the argument among `params`
    as_hex: bool  # the argument, a UUID, goes in as its hex form
    model: type[Model]
    attnames: list[str]  # of the model's selected columns, in order
    fields: slice  # the model's columns in a row
    converters: dict  # column position: (converter functions, expression), as the ORM's
    populators: list  # select_related's, as the ORM's
    annotations: dict  # name: column position
    every_field: bool  # the model's every field selected, in order, and nothing related


class Compiled:
    """`build(argument)` -> QuerySet; `build` takes no argument when `takes_argument` is
    False (a query with constants only). `stand_in`: UUID_STAND_IN when the argument is a
    UUID (it must then be given as a uuid.UUID)."""

    def __init__(self, build: Callable[..., QuerySet], *, takes_argument: bool = True,
                 stand_in=STAND_IN):
        self._build = build
        self._takes_argument = takes_argument
        self._stand_in = stand_in
        self._plans: dict[str, _Plan] = {}

    def _plan(self, alias: str) -> _Plan:
        plan = self._plans.get(alias)
        if plan is None:
            plan = self._plans[alias] = self._compile(alias)
        return plan

    def _compile(self, alias: str) -> _Plan:
        stand_in = self._stand_in
        queryset = self._build(stand_in) if self._takes_argument else self._build()
        if (queryset._iterable_class is not ModelIterable or queryset._prefetch_related_lookups
                or queryset._known_related_objects):
            raise ValueError(f"{queryset.model.__name__}: only plain model querysets compile")
        compiler = queryset.query.get_compiler(alias)
        sql, params = compiler.as_sql()
        as_hex = isinstance(stand_in, uuid.UUID) and stand_in.hex in params
        slots = tuple(i for i, p in enumerate(params)
                      if p == (stand_in.hex if as_hex else stand_in))
        if self._takes_argument and not slots:
            raise ValueError(f"{queryset.model.__name__}: the argument is not a parameter")
        columns = [column for column, _, _ in compiler.select[:compiler.col_count]]
        if compiler.has_composite_fields(columns):
            raise ValueError(f"{queryset.model.__name__}: composite fields do not compile")
        info = compiler.klass_info
        fields = slice(info["select_fields"][0], info["select_fields"][-1] + 1)
        attnames = [column.target.attname for column in columns[fields]]
        populators = get_related_populators(info, compiler.select, alias)
        model = info["model"]
        every_field = (not populators and attnames == [
            field.attname for field in model._meta.concrete_fields])
        return _Plan(sql, tuple(params), slots, as_hex, model, attnames, fields,
                     compiler.get_converters(columns), populators,
                     dict(compiler.annotation_col_map or {}), every_field)

    def statement(self, argument=None, *, using: str = DEFAULT_DB_ALIAS) -> tuple[str, list]:
        plan = self._plan(using)
        params = list(plan.params)
        for slot in plan.slots:
            params[slot] = argument.hex if plan.as_hex else argument
        return plan.sql, params

    def instances(self, rows, *, using: str = DEFAULT_DB_ALIAS) -> list:
        """Instances from the rows `statement()` returned, as the ORM builds them. A model's
        __init__ checks every field's argument; it is skipped when the result is the same
        (every field selected, no init signal listening, `from_db` not overridden)."""
        plan = self._plan(using)
        connection = connections[using]
        model = plan.model
        plain = (plan.every_field and model.from_db.__func__ is Model.from_db.__func__
                 and not (signals.pre_init.has_listeners(model)
                          or signals.post_init.has_listeners(model)))
        found = []
        for row in rows:
            if plan.converters:
                row = list(row)
                for position, (functions, expression) in plan.converters.items():
                    value = row[position]
                    for function in functions:
                        value = function(value, expression, connection)
                    row[position] = value
            values = row[plan.fields]
            if plain:
                instance = model.__new__(model)
                instance.__dict__.update(zip(plan.attnames, values, strict=True))
                instance._state = ModelState()
                instance._state.adding = False
                instance._state.db = using
            else:
                instance = model.from_db(using, plan.attnames, values)
            for populator in plan.populators:
                populator.populate(row, instance)
            for name, position in plan.annotations.items():
                setattr(instance, name, row[position])
            found.append(instance)
        return found

    def __call__(self, argument=None, *, using: str = DEFAULT_DB_ALIAS) -> list:
        sql, params = self.statement(argument, using=using)
        with connections[using].cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        return self.instances(rows, using=using)
