"""Compliance with each clause of the agreement, per member it binds."""
