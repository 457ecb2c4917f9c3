"""The demo mechanism of the pages' tests, loaded once per module."""

from tests.unit.demo_pages import browsers, demo

__all__ = ["browsers", "demo"]
