"""The demo mechanism, loaded once per module, for the tests of reports."""

from tests.unit.demo_pages import browsers, demo

__all__ = ["browsers", "demo"]
