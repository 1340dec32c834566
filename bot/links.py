"""Find and normalize the links in Slack messages (pure: no I/O).

Tracking parameters are stripped with an explicit list rather than courlan's `clean_query`:
courlan sorts the query (the spec keeps its order) and its pattern also drops parameters such
as `cid`, `ref`, `source` or `session` that some news sites use to identify the article itself.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any
from urllib.parse import unquote_plus, urlsplit, urlunsplit

from bot.errors import InvalidURL

# Query parameters that only track the click (ClearURLs rules, Firefox query stripping list,
# AdGuard's TrackParamFilter), compared case-insensitively.
TRACKING_PARAMS = frozenset(
    {
        "fbclid", "gclid", "gclsrc", "dclid", "gbraid", "wbraid", "msclkid", "twclid", "ttclid",
        "yclid", "ysclid", "igshid", "igsh", "li_fat_id", "srsltid", "mc_cid", "mc_eid",
        "_hsenc", "_hsmi", "__hssc", "__hstc", "__hsfp", "hsctatrack", "mkt_tok",
        "oly_anon_id", "oly_enc_id", "vero_id", "vero_conv", "rb_clid", "s_cid", "_openstat",
        "wickedid", "_ga", "_gl", "ncid", "xtor", "cmp", "smid", "smtyp", "ito", "sr_share",
        "spm", "share_source",
    }
)
TRACKING_PREFIXES = ("utm_", "mtm_", "pk_", "hsa_", "at_")  # Google, Matomo, Piwik, HubSpot, BBC/AT
DEFAULT_PORTS = {"http": 80, "https": 443}

# Slack wraps links as <url> or <url|label>; user, channel and special mentions look alike
# (<@U1>, <#C1|name>, <!here>) but never start with a scheme.
SLACK_LINK = re.compile(r"<([^<>|\s]+)(?:\|[^<>]*)?>")

SLACK_HOSTS = ("slack.com", "slack-edge.com", "slack-files.com", "slack-redir.net", "slack.link")
MEDIA_HOSTS = (
    "youtube.com", "youtu.be", "youtube-nocookie.com", "vimeo.com", "giphy.com", "tenor.com",
    "imgur.com", "flickr.com", "twitch.tv", "soundcloud.com", "open.spotify.com",
    "maps.google.com", "maps.app.goo.gl", "maps.apple.com", "openstreetmap.org",
    "docs.google.com", "drive.google.com",
)
MEDIA_PATH_PREFIXES = ("google.com/maps", "goo.gl/maps", "bing.com/maps")  # host+path, www. dropped
MEDIA_EXTENSIONS = frozenset(
    {
        # images
        "jpg", "jpeg", "png", "gif", "webp", "svg", "bmp", "tif", "tiff", "ico", "heic", "avif",
        # video
        "mp4", "m4v", "mov", "webm", "mkv", "avi", "wmv", "m3u8",
        # audio
        "mp3", "m4a", "wav", "ogg", "oga", "flac", "aac", "opus",
        # documents and archives
        "pdf", "doc", "docx", "xls", "xlsx", "ppt", "pptx", "odt", "ods", "csv", "zip", "gz",
        "tar", "rar", "7z", "dmg", "exe", "apk",
    }
)


def _is_tracker(key: str) -> bool:
    k = key.lower()
    return k in TRACKING_PARAMS or k.startswith(TRACKING_PREFIXES)


def normalize_url(url: str) -> str:
    """Canonical form for deduplication and fetching: http(s) only, lower-case host, no default
    port, no fragment, no tracking parameters; other query parameters kept in order and spelling.
    """
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError as exc:
        raise InvalidURL(f"not a valid web address: {url!r}") from exc
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS:
        raise InvalidURL(f"only http(s) links can be read, not {scheme or 'a bare path'}: {url!r}")
    host = (parts.hostname or "").rstrip(".")
    if not host:
        raise InvalidURL(f"no host in {url!r}")
    if ":" in host:  # IPv6 literal: brackets were stripped by urlsplit
        host = f"[{host}]"
    netloc = host
    if port is not None and port != DEFAULT_PORTS[scheme]:
        netloc = f"{host}:{port}"
    userinfo = parts.netloc.rpartition("@")[0] if "@" in parts.netloc else ""
    if userinfo:
        netloc = f"{userinfo}@{netloc}"
    kept = [
        pair
        for pair in parts.query.split("&")
        if pair and not _is_tracker(unquote_plus(pair.partition("=")[0]))
    ]
    return urlunsplit((scheme, netloc, parts.path or "/", "&".join(kept), ""))


def _unique_normalized(urls: Iterable[str]) -> list[str]:
    seen: dict[str, None] = {}
    for raw in urls:
        try:
            seen.setdefault(normalize_url(raw))
        except InvalidURL:
            continue  # mailto:, tel:, slack:// ... are not articles
    return list(seen)


def slack_unescape(s: str) -> str:
    """Undo Slack's three escapes only; `html.unescape` would also turn `&para=1` into `¶=1`."""
    return s.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def find_links(text: str) -> list[str]:
    """The http(s) links in a Slack message's `text`, normalized, first occurrence first."""
    return _unique_normalized(slack_unescape(m.group(1)) for m in SLACK_LINK.finditer(text or ""))


def _walk_links(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        if node.get("type") == "link" and isinstance(node.get("url"), str):
            yield node["url"]
        for value in node.values():
            if isinstance(value, list | dict):
                yield from _walk_links(value)
    elif isinstance(node, list):
        for item in node:
            yield from _walk_links(item)


def links_in_blocks(blocks: list[dict[str, Any]]) -> list[str]:
    """The links in a message's `rich_text` blocks (sections, lists, quotes, nested), normalized."""
    return _unique_normalized(_walk_links(blocks))


def _host_matches(host: str, domains: Iterable[str]) -> bool:
    return any(host == d or host.endswith("." + d) for d in domains)


def is_article_candidate(url: str) -> bool:
    """False for links that cannot be news articles: Slack's own pages and files, and media
    (images, video, audio, documents, maps). Everything else is worth a fetch."""
    try:
        parts = urlsplit(normalize_url(url))
    except InvalidURL:
        return False
    host = (parts.hostname or "").removeprefix("www.")
    if _host_matches(host, SLACK_HOSTS) or _host_matches(host, MEDIA_HOSTS):
        return False
    if (host + parts.path).startswith(MEDIA_PATH_PREFIXES):
        return False
    last = parts.path.rsplit("/", 1)[-1]
    ext = last.rpartition(".")[2].lower() if "." in last else ""
    return ext not in MEDIA_EXTENSIONS
