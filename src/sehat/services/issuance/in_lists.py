"""Lists of values in a query (``column IN (…)``), as every step of issuing writes them.

One expanding bind parameter, bound at execution: one cached statement whatever the list's
length. Building a bind parameter per value cost more than the query itself on a 1,000-row
batch. Lists are cut into chunks that every driver accepts.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa

VALUES: sa.BindParameter[Any] = sa.bindparam("values", expanding=True)


def chunks(values: Sequence[Any], size: int = 900) -> list[Sequence[Any]]:
    """``values`` in consecutive slices of at most ``size``."""
    return [values[i : i + size] for i in range(0, len(values), size)]
