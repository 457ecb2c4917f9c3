"""A fresh mechanism and signed-in browsers, for the tests of this concept's pages."""

from tests.unit.web_app import app_settings, browsers, visitor

__all__ = ["app_settings", "browsers", "visitor"]
