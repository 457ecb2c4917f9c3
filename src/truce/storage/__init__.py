"""Database storage: the log tables, the projections and their migrations."""
