"""Offline verification of the log: audit bundles, the key registry, the witnesses.

Like :mod:`truce.ledger`, this package imports nothing else of truce, so an auditor
can read it, and ``truce verify`` run it, on its own.
"""
