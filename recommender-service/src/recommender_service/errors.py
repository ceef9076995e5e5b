"""The recommender's own domain errors (mood errors are the mood mapping's, in moodtune_contracts.errors);
the app maps them to HTTP through the shared handler."""

from moodtune_contracts.errors import InvalidInput, MoodtuneError


class UnknownGenre(InvalidInput):
    code = "unknown_genre"


class UnsupportedFilter(InvalidInput):
    code = "unsupported_filter"


class InvalidFilter(InvalidInput):
    code = "invalid_filter"


class CatalogError(MoodtuneError):
    """The catalog artifact cannot be used (missing, wrong schema); raised at start, not per request."""

    status_code = 503
    code = "catalog_unavailable"
