"""Pure extraction: a fetched `Page` in, an `Article` out (trafilatura plus the page's own metadata)."""

from bot.extract.article import extract_article

__all__ = ["extract_article"]
