"""Pure ledger code: canonical JSON, Ed25519 keys, act envelopes and RFC 6962 Merkle trees.

Nothing here touches a database or the network, so `truce verify` and any auditor can
read and run this package on its own.
"""
