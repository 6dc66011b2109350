"""The floor tests' simulator on the application's clock, for presence built by real calls."""

from tests.floor.conftest import ava, clocked_simulator, support_line  # noqa: F401
