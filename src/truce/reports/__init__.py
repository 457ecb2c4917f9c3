"""Periodic reports to the principals: their figures, their pages and PDFs, and their
publication as signed acts (``docs/reports.md``)."""
