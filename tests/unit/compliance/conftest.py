"""The demo mechanism, loaded once per module, for the tests of this concept's pages."""

from tests.unit.demo_pages import browsers, demo

__all__ = ["browsers", "demo"]
