"""HTTP API (FastAPI): the log under /log/v1 and RFC 9457 problem responses."""
