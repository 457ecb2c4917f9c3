"""The log in the database: admission, group commit, projections, checkpoints, witnesses,
mirrors and export.
"""
