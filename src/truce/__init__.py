"""truce: ceasefire monitoring and verification on a signed, witnessed Merkle log."""

__version__ = "0.1.0"
