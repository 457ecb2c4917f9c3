"""A fresh mechanism and signed-in browsers; the demo for the pages every concept shares."""

from tests.unit.demo_pages import demo
from tests.unit.web_app import app_settings, browsers, visitor

__all__ = ["app_settings", "browsers", "demo", "visitor"]
