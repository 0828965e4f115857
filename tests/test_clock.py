from datetime import UTC, datetime, timedelta

import pytest

from smwar.clock import DrillClock, ManualClock, RealClock, from_iso, to_iso

T0 = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)


def test_manual_clock_moves_only_when_told() -> None:
    clock = ManualClock(T0)
    assert clock.now() == T0
    clock.advance(timedelta(minutes=3))
    assert clock.now() == T0 + timedelta(minutes=3)
    with pytest.raises(ValueError):
        clock.advance(timedelta(seconds=-1))


def test_drill_clock_runs_at_its_speed_and_pauses() -> None:
    real = ManualClock(T0)
    drill = DrillClock(T0, speed=10, ticks=real)
    real.advance(timedelta(seconds=6))
    assert drill.now() == T0 + timedelta(minutes=1)
    drill.pause()
    real.advance(timedelta(seconds=30))
    assert drill.now() == T0 + timedelta(minutes=1), "a paused drill clock stands still"
    drill.resume()
    drill.set_speed(60)
    real.advance(timedelta(seconds=1))
    assert drill.now() == T0 + timedelta(minutes=2)
    drill.jump(timedelta(minutes=5))
    assert drill.now() == T0 + timedelta(minutes=7)


def test_drill_clock_toggle_reports_state() -> None:
    drill = DrillClock(T0, ticks=ManualClock(T0))
    assert drill.toggle_pause() is True
    assert drill.paused
    assert drill.toggle_pause() is False


@pytest.mark.parametrize("speed", [0.5, 61, 0])
def test_drill_speed_is_limited_to_1_to_60(speed: float) -> None:
    with pytest.raises(ValueError, match="between 1x and 60x"):
        DrillClock(T0, speed=speed)


def test_clocks_refuse_naive_times() -> None:
    with pytest.raises(ValueError):
        ManualClock(datetime(2026, 1, 1))


def test_journal_timestamps_sort_as_text() -> None:
    stamps = [to_iso(T0 + timedelta(microseconds=n)) for n in (0, 1, 999_999, 1_000_000)]
    assert stamps == sorted(stamps)
    assert from_iso(stamps[1]) == T0 + timedelta(microseconds=1)


def test_real_clock_is_aware_utc_now() -> None:
    before = datetime.now(UTC)
    now = RealClock().now()
    assert now.tzinfo is not None and before <= now <= datetime.now(UTC)
