"""Statutory deadlines are counted in working days: an authority has 20 working days
to answer a request, and a Christmas or an Easter in between moves the deadline."""

from datetime import date, datetime, timedelta

import holidays
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from registry.workdays import (
    add_working_days,
    bank_holidays,
    is_working_day,
    working_days_between,
)


@pytest.mark.parametrize(
    "day",
    [
        date(2025, 8, 25),  # late summer bank holiday
        date(2025, 12, 25),
        date(2025, 12, 26),
        date(2026, 1, 1),
        date(2026, 4, 3),  # Good Friday
        date(2026, 4, 6),  # Easter Monday
        date(2026, 12, 28),  # Boxing Day falls on a Saturday: the Monday is off
        date(2023, 5, 8),  # the coronation, a one-off
        date(2022, 9, 19),  # the Queen's funeral, a one-off
    ],
)
def test_bank_holidays_are_not_working_days(day):
    assert day.weekday() < 5
    assert not is_working_day(day)
    assert day in bank_holidays(day.year)


def test_weekends_are_not_working_days_and_ordinary_weekdays_are():
    assert not is_working_day(date(2025, 12, 20))  # Saturday
    assert not is_working_day(date(2025, 12, 21))  # Sunday
    assert is_working_day(date(2025, 12, 22))  # Monday
    assert is_working_day(date(2025, 12, 24))  # Christmas Eve is a working day


def test_the_2026_calendar_is_the_one_gov_uk_publishes():
    assert bank_holidays(2026) == {
        date(2026, 1, 1): "New Year's Day",
        date(2026, 4, 3): "Good Friday",
        date(2026, 4, 6): "Easter Monday",
        date(2026, 5, 4): "May Day",
        date(2026, 5, 25): "Spring Bank Holiday",
        date(2026, 8, 31): "Late Summer Bank Holiday",
        date(2026, 12, 25): "Christmas Day",
        date(2026, 12, 28): "Boxing Day (observed)",
    }


def test_changing_the_returned_calendar_does_not_change_the_next_answer():
    bank_holidays(2026).clear()
    assert len(bank_holidays(2026)) == 8


def test_england_and_wales_share_one_calendar():
    # If the holidays package ever gives Wales its own bank holiday, this fails and
    # the module must start asking which nation an authority is in.
    years = range(1980, 2041)
    england = holidays.UnitedKingdom(subdiv="ENG", years=years)
    wales = holidays.UnitedKingdom(subdiv="WLS", years=years)
    assert dict(england) == dict(wales)


def test_a_request_received_on_a_friday_with_one_day_to_answer_is_due_on_monday():
    assert add_working_days(date(2025, 11, 14), 1) == date(2025, 11, 17)


def test_unless_monday_is_a_bank_holiday():
    assert add_working_days(date(2025, 8, 22), 1) == date(2025, 8, 26)


def test_a_request_received_at_the_weekend_counts_from_monday():
    assert add_working_days(date(2025, 11, 15), 1) == date(2025, 11, 17)


def test_twenty_working_days_across_christmas_and_new_year():
    # Received Friday 12 December 2025. Christmas Day, Boxing Day and New Year's Day
    # are off, so 20 working days take until Wednesday 14 January 2026 instead of
    # Friday 9 January.
    received = date(2025, 12, 12)
    due = add_working_days(received, 20)
    assert due == date(2026, 1, 14)
    assert working_days_between(received, due) == 20


def test_ten_working_days_across_easter_2026():
    # Received Tuesday 31 March 2026: Good Friday and Easter Monday are off.
    assert add_working_days(date(2026, 3, 31), 10) == date(2026, 4, 16)


def test_no_days_to_add_means_the_same_day():
    assert add_working_days(date(2025, 12, 25), 0) == date(2025, 12, 25)


def test_a_negative_number_of_days_is_a_mistake():
    with pytest.raises(ValueError):
        add_working_days(date(2025, 12, 1), -1)


def test_counting_working_days_between_two_dates():
    assert working_days_between(date(2025, 12, 24), date(2025, 12, 29)) == 1
    assert working_days_between(date(2025, 12, 19), date(2025, 12, 19)) == 0
    assert working_days_between(date(2026, 1, 5), date(2025, 12, 1)) == 0


def test_a_timestamp_is_treated_as_its_date():
    assert not is_working_day(datetime(2025, 12, 25, 9, 30))
    assert add_working_days(datetime(2025, 12, 24, 16, 0), 1) == date(2025, 12, 29)


days = st.dates(min_value=date(2000, 1, 1), max_value=date(2035, 12, 31))


def count_one_by_one(start: date, end: date) -> int:
    return sum(is_working_day(start + timedelta(days=i)) for i in range(1, (end - start).days + 1))


@settings(max_examples=300)
@given(days, st.integers(min_value=0, max_value=400))
def test_a_deadline_is_always_a_working_day_exactly_n_working_days_later(start, n):
    due = add_working_days(start, n)
    assert working_days_between(start, due) == n
    if n:
        assert is_working_day(due)
        assert working_days_between(start, due - timedelta(days=1)) == n - 1


@settings(max_examples=300)
@given(days, st.integers(min_value=-10, max_value=800))
def test_counting_agrees_with_counting_day_by_day(start, length):
    end = start + timedelta(days=length)
    assert working_days_between(start, end) == count_one_by_one(start, end)
