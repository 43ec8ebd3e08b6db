"""SQL both apps' selectors share (PostgreSQL)."""

from django.db import connection
from django.db.models import BooleanField
from django.db.models.expressions import RawSQL


def id_array(ids) -> str:
    """Ids as one '{1,2,3}' literal: PostgreSQL reads it as one value, where a list parameter
    becomes ARRAY[1,2,3], a constant per id to parse and plan."""
    return "{" + ",".join(str(int(i)) for i in ids) + "}"


def among(model, column: str, ids) -> RawSQL:
    """`model.column` among `ids`, as one array parameter (an IN list of hundreds of parameters
    is slow to plan)."""
    q = connection.ops.quote_name
    sql = f"{q(model._meta.db_table)}.{q(column)} = ANY(%s::bigint[])"
    # Identifiers from the models only; the ids are a parameter.
    return RawSQL(sql, (id_array(ids),), output_field=BooleanField())  # noqa: S611
