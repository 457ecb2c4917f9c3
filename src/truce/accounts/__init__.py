"""Delegate accounts: roles, passwords, API tokens and web sessions."""
