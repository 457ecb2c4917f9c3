"""Media monitoring: reading news articles and feeds, and extracting candidate incidents
and attributed claims from them.

The modules here are pure (no database, no log): :mod:`articles` and :mod:`feeds` read,
:mod:`extract` turns an :class:`~truce.media.ingest.articles.Article` into the JSON of
:mod:`schema`, and :mod:`cluster` groups the candidate incidents of many articles that
describe the same event, keeping every source's figures side by side.
"""
