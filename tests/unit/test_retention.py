"""How long access rows are kept (core/retention.py, DESIGN §5) and its setting."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from sehat.config import load_settings
from sehat.core.retention import day_of, expire_before, fold_before
from sehat.errors import InfrastructureError

NOW = datetime(2026, 12, 5, 3, 30, tzinfo=UTC)


def test_whole_utc_days_are_kept_row_by_row_before_folding() -> None:
    assert fold_before(NOW, 90) == datetime(2026, 9, 6, tzinfo=UTC)
    assert fold_before(NOW, 1) == datetime(2026, 12, 4, tzinfo=UTC)
    # Days are UTC days, in whatever zone the moment is given (Tehran's is a day ahead here).
    tehran = datetime(2026, 12, 5, 2, 0, tzinfo=timezone(timedelta(hours=3, minutes=30)))
    assert day_of(tehran) == date(2026, 12, 4)
    assert fold_before(tehran, 90) == datetime(2026, 9, 5, tzinfo=UTC)
    with pytest.raises(ValueError):
        fold_before(NOW, 0)


def test_evidence_is_kept_ten_calendar_years() -> None:
    assert expire_before(NOW) == datetime(2016, 12, 5, tzinfo=UTC)
    leap = datetime(2028, 2, 29, 12, tzinfo=UTC)
    assert expire_before(leap) == datetime(2018, 2, 28, tzinfo=UTC)


@pytest.mark.parametrize(
    ("raw", "days"), [(None, 90), ("", 90), ("0", 0), ("30", 30), ("3650", 3650)]
)
def test_the_setting_takes_whole_days(raw: str | None, days: int) -> None:
    env = {} if raw is None else {"SEHAT_ACCESS_LOG_DAYS": raw}
    assert load_settings(env).access_log_days == days


@pytest.mark.parametrize("raw", ["-1", "1.5", "3651", "ninety", "۹۰"])
def test_a_setting_that_is_not_whole_days_is_refused_clearly(raw: str) -> None:
    with pytest.raises(InfrastructureError) as refused:
        load_settings({"SEHAT_ACCESS_LOG_DAYS": raw})
    assert "SEHAT_ACCESS_LOG_DAYS" in str(refused.value) and "0 to 3650" in str(refused.value)
