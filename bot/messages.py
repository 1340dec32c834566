"""Every sentence Newsbot says to users about a failure, keyed by the stable error `code`.

One catalog so wording is reviewed (and grepped) in one place; callers never build their own.
A reply names what went wrong and what the reader can do; it never shows internals.
"""

from __future__ import annotations

import re

# Codes from `bot/errors.py` (plus `http_<status>` from HTTPStatusError) -> what users read.
FAILURES: dict[str, str] = {
    "paywalled": "This article is behind a paywall or login, so I couldn't read it.",
    "blocked": "The site refused to let me read this page (it may block bots).",
    "blocked_address": "That link points at a private or internal address, so I didn't open it.",
    "not_article": "That page doesn't look like an article: I couldn't find a story on it.",
    "not_html": "That link isn't a web page (it's a PDF, image, video or other file), so I skipped it.",
    "fetch_timeout": "The site took too long to answer, so I gave up. Try sharing it again later.",
    "not_found": "The page wasn't found (the site answered {status}). Is the link right?",
    "server_error": "The site had an error (HTTP {status}). Try sharing it again later.",
    "http_error": "The site answered with an error (HTTP {status}), so I couldn't read the page.",
    "too_large": "That page is too large for me to read.",
    "too_many_redirects": "That link redirects too many times, so I gave up following it.",
    "invalid_url": "That doesn't look like a web link I can open.",
    "fetch_failed": "I couldn't reach the site. It may be down, or the address may be wrong.",
    "file_error": "I couldn't read that file.",
    "extract_failed": "I opened the page but couldn't make sense of its content.",
    "analysis_failed": "Something went wrong while I was reading this article. Sorry about that.",
    "analysis_timeout": "This article took too long to analyze, so I gave up. Try sharing it again later.",
    "gave_up": "I tried several times but couldn't read this article, so I gave up. Sorry about that.",
}
DEFAULT_FAILURE = "I couldn't read this article."

_HTTP = re.compile(r"^http_(\d{3})$")
_BLOCKING_STATUSES = frozenset({401, 403, 429, 451})  # the site says no (to us, or to bots)
_GONE_STATUSES = frozenset({404, 410})


def failure_text(code: str) -> str:
    """The user-facing sentence for an error code; unknown codes get a generic sentence."""
    m = _HTTP.match(code)
    if m:
        status = int(m.group(1))
        if status in _BLOCKING_STATUSES:
            return FAILURES["blocked"]
        if status in _GONE_STATUSES:
            return FAILURES["not_found"].format(status=status)
        if status >= 500:
            return FAILURES["server_error"].format(status=status)
        return FAILURES["http_error"].format(status=status)
    return FAILURES.get(code, DEFAULT_FAILURE)


# --- Slack wording that is not about one article -------------------------------------------
FIRST_SHARED = "First shared {where} on {when}."
PARTLY_READ = "A very long page: these notes cover its first {percent}% ({chars:,} characters)."
FIRST_SHARED_HERE = "earlier"
STORY_UPDATED = "*Updated since it was first shared*"
HEADLINE_CHANGED = "Headline was “{before}”, now “{after}”."
QUOTES_ADDED = "{n} quote{s} added"
QUOTES_REMOVED = "{n} quote{s} removed"
ORGS_ADDED = "New organizations: {names}"
UPDATED_NOTE = ":pencil2: This story has changed since it was shared here: {what}"
NEW_ANALYSIS = "See the new analysis."
ANALYZE_ON_WORKERS = (
    "This process only takes requests and reads no pages: share the link in a channel I'm in and "
    "I'll reply in its thread. (Stored analyses of links shared before still answer here.)"
)
NOBODY_QUOTED = "Nobody called “{name}” is quoted in articles shared here."
