"""Compliance, crossings and joint action, read and written together."""
