"""Helpers shared by tests: fake servers that speak real wire formats."""

from tests.support.fake_openai import FakeOpenAI, Planned, Recorded

__all__ = ["FakeOpenAI", "Planned", "Recorded"]
