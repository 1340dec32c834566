"""The error tree. Every failure a user can meet has a stable `code` (used in JSON output,
the database and Slack wording in `bot/messages.py`); callers catch the level they mean."""

from __future__ import annotations


class NewsbotError(Exception):
    code = "error"

    def __init__(self, message: str = "") -> None:
        super().__init__(message or self.__class__.__doc__ or self.code)
        self.message = message or (self.__class__.__doc__ or self.code).strip()


class ConfigError(NewsbotError):
    """A setting is missing or invalid."""

    code = "config_error"


class ModelError(NewsbotError):
    """The spaCy pipeline is missing or incompatible."""

    code = "model_error"


# --- links -----------------------------------------------------------------------------
class InvalidURL(NewsbotError):
    """Not an http(s) URL."""

    code = "invalid_url"


# --- fetching ----------------------------------------------------------------------------
class FetchError(NewsbotError):
    """The page could not be fetched."""

    code = "fetch_failed"


class BlockedAddress(FetchError):
    """The URL points at a private, loopback or otherwise non-public address."""

    code = "blocked_address"


class FetchTimeout(FetchError):
    """The site took too long to answer."""

    code = "fetch_timeout"


class TooManyRedirects(FetchError):
    """The page redirected too many times."""

    code = "too_many_redirects"


class TooLarge(FetchError):
    """The page is larger than the size limit."""

    code = "too_large"


class HTTPStatusError(FetchError):
    """The site answered with an HTTP error."""

    code = "http_error"

    def __init__(self, status: int, message: str = "") -> None:
        self.status = status
        self.code = f"http_{status}"
        super().__init__(message or f"the site answered HTTP {status}")


class NotModified(FetchError):
    """The page has not changed since we read it (HTTP 304 to a conditional request)."""

    code = "not_modified"


class NotHTML(FetchError):
    """The link is not a web page (PDF, image, video, ...)."""

    code = "not_html"


class FileReadError(FetchError):
    """A local file could not be read."""

    code = "file_error"


# --- extraction -----------------------------------------------------------------------
class ExtractError(NewsbotError):
    code = "extract_failed"


class NotArticle(ExtractError):
    """No article text was found on the page."""

    code = "not_article"


class Paywalled(ExtractError):
    """The article is behind a paywall or login."""

    code = "paywalled"


# --- analysis --------------------------------------------------------------------------
class AnalysisError(NewsbotError):
    """The analyzer failed on this article."""

    code = "analysis_failed"


class AnalysisTimeout(AnalysisError):
    """The article took too long to analyze."""

    code = "analysis_timeout"


# --- storage ---------------------------------------------------------------------------
class DatabaseUnavailable(NewsbotError):
    """The database could not be reached (DATABASE_URL, the server, its credentials)."""

    code = "database_unavailable"
