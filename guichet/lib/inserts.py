"""One new row, inserted as ``Model.save(force_insert=True)`` does, without compiling its statement every time.

Django builds an INSERT anew for each ``save()`` of a new object: its columns, placeholders and ``RETURNING``
clause, through the query compiler. That was a third of the inserts' CPU on the web submission's path (a ticket,
its citizen, its event, its acknowledgement and its task row, docs/BENCHMARKS.md). For a given model, database
and set of columns the statement is always the same text: ``insert`` asks Django's compiler for it once, keeps it,
and then only prepares each object's values the way the compiler does (``pre_save``, then ``get_db_prep_save``).

The steps around the statement are ``save()``'s, in its order: unsaved related objects refused, ``pre_save`` sent,
the primary key's default, the transaction marked for rollback on an error, the returned columns set, the
instance's state, ``post_save`` sent. Django's compiler still writes the statement when a value is an expression
(``Now()``, a database default), a field has a placeholder of its own, or the database cannot return the new
row's columns; a model with its own ``save()``, parents (multi-table inheritance), a proxy or
``order_with_respect_to`` goes through ``save()`` itself. ``tests/lib/test_inserts.py`` checks that both write
the same row.
"""

from typing import Any, TypeVar, cast

from django.db import connections, router, transaction
from django.db.models import Field, Model
from django.db.models.signals import post_save, pre_save
from django.db.models.sql import InsertQuery

M = TypeVar("M", bound=Model)

# (model, database alias, primary key given) -> (columns in order, statement), or None: the compiler writes it.
_STATEMENTS: dict[tuple[type[Model], str, bool], tuple[list[Field], str] | None] = {}


def insert(obj: M, *, using: str | None = None) -> M:
    """Insert ``obj``, a new object, as ``obj.save(force_insert=True, using=using)`` would; return it."""
    cls = type(obj)
    using = using or router.db_for_write(cls, instance=obj)
    if not _plain(cls):
        obj.save(force_insert=True, using=using)
        return obj
    meta = cls._meta
    model: Any = obj  # Model's own steps, which django-stubs does not declare
    model._prepare_related_fields_for_save(operation_name="save")
    pre_save.send(sender=cls, instance=obj, raw=False, using=using, update_fields=None)
    with transaction.mark_for_rollback_on_error(using):
        if not model._is_pk_set(meta):
            setattr(obj, meta.pk.attname, meta.pk.get_pk_value_on_save(obj))
        key = (cls, using, model._is_pk_set(meta))
        if key not in _STATEMENTS:
            _STATEMENTS[key] = _statement(cls, using, pk_set=key[2])
        statement = _STATEMENTS[key]
        returning = meta.db_returning_fields
        if statement is None or _has_expression(obj, statement[0]):
            fields = _columns(cls, pk_set=key[2])
            manager: Any = cls._base_manager  # save()'s own way to the compiler, which django-stubs does not declare
            rows = manager._insert([obj], fields=fields, returning_fields=returning, using=using)
            row = rows[0] if rows else ()
        else:
            row = _execute(obj, using, *statement, returning=bool(returning))
    for value, field in zip(row, returning, strict=False):  # empty when the database returned nothing
        setattr(obj, field.attname, value)
    obj._state.db = using
    obj._state.adding = False
    post_save.send(sender=cls, instance=obj, created=True, update_fields=None, raw=False, using=using)
    return obj


def _execute(obj: Model, using: str, fields: list[Field], sql: str, *, returning: bool) -> tuple[Any, ...]:
    connection = connections[using]
    ops: Any = connection.ops  # the backends' RETURNING support, which django-stubs does not declare
    params = [field.get_db_prep_save(field.pre_save(obj, add=True), connection=connection) for field in fields]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return ops.fetch_returned_insert_columns(cursor, ()) if returning else ()


def _plain(cls: type[Model]) -> bool:
    """Nothing of the model's own runs in its save, and one table holds its row."""
    meta = cls._meta
    return (
        cls.save is Model.save
        and cls.save_base is Model.save_base
        and not meta.proxy
        and not meta.auto_created
        and not meta.parents
        and not meta.order_with_respect_to
    )


def _columns(cls: type[Model], *, pk_set: bool) -> list[Field]:
    meta = cls._meta
    return [f for f in meta.local_concrete_fields if not f.generated and (pk_set or f is not meta.auto_field)]


def _statement(cls: type[Model], using: str, *, pk_set: bool) -> tuple[list[Field], str] | None:
    """The INSERT Django's compiler writes for this model, one plain placeholder per column, or None."""
    meta = cls._meta
    connection = connections[using]
    ops: Any = connection.ops
    fields = _columns(cls, pk_set=pk_set)
    returning = meta.db_returning_fields
    if (
        not connection.features.can_return_columns_from_insert
        or any(getattr(field, "get_placeholder", None) is not None for field in fields)
        or ops.return_insert_columns(returning)[1]
    ):
        return None
    query = InsertQuery(cls)
    query.insert_values(fields, [cast(Model, _Placeholders(fields))], raw=True)
    compiler = query.get_compiler(using=using)
    compiler.returning_fields = returning
    if compiler.get_converters([field.get_col(meta.db_table) for field in returning]):
        return None  # the returned values need converting: the compiler's way does it
    [(sql, params)] = compiler.as_sql()
    if len(params) != len(fields):
        return None
    return fields, sql


class _Placeholders:
    """A stand-in object whose every column's value is None: the compiler needs values to write the statement."""

    def __init__(self, fields: list[Field]) -> None:
        for field in fields:
            setattr(self, field.attname, None)


def _has_expression(obj: Model, fields: list[Field]) -> bool:
    return any(hasattr(getattr(obj, field.attname), "resolve_expression") for field in fields)
