"""bot.links: expected values written by hand from the spec and Slack's message format."""

from __future__ import annotations

import pytest

from bot.errors import InvalidURL
from bot.links import find_links, is_article_candidate, links_in_blocks, normalize_url


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        # tracking parameters go, the rest stay in their order
        (
            "https://news.example.org/story?utm_source=tw&id=42&fbclid=abc&page=2&utm_medium=social",
            "https://news.example.org/story?id=42&page=2",
        ),
        ("https://example.com/a?gclid=1&mc_cid=2&mc_eid=3&igshid=4", "https://example.com/a"),
        ("https://example.com/a?UTM_Campaign=x&b=1", "https://example.com/a?b=1"),
        # host lower-cased, path case kept, fragment dropped
        ("HTTPS://News.Example.ORG/World/Story.html#comments", "https://news.example.org/World/Story.html"),
        # default ports dropped, others kept
        ("http://example.com:80/x", "http://example.com/x"),
        ("https://example.com:443/x", "https://example.com/x"),
        ("https://example.com:8443/x", "https://example.com:8443/x"),
        # empty path becomes "/", surrounding whitespace ignored
        ("  https://example.com  ", "https://example.com/"),
        # parameters that identify the article are not trackers; encoding kept as written
        ("https://example.com/a?cid=9&ref=home&q=caf%C3%A9+bar", "https://example.com/a?cid=9&ref=home&q=caf%C3%A9+bar"),
        # blank values and repeated keys kept
        ("https://example.com/a?x=&x=2&utm_id=7", "https://example.com/a?x=&x=2"),
        ("http://[2001:DB8::1]:8080/p", "http://[2001:db8::1]:8080/p"),
    ],
)
def test_normalize_url(raw: str, expected: str) -> None:
    assert normalize_url(raw) == expected


@pytest.mark.parametrize(
    "raw",
    ["ftp://example.com/file", "mailto:desk@example.com", "javascript:alert(1)", "example.com/a",
     "https:///nohost", "http://example.com:99999/", "file:///etc/passwd"],
)
def test_normalize_url_rejects_non_web(raw: str) -> None:
    with pytest.raises(InvalidURL) as info:
        normalize_url(raw)
    assert info.value.code == "invalid_url"


def test_find_links_in_slack_text() -> None:
    # Shaped like a real `message` event's text: links wrapped, &, <, > escaped, mentions around.
    text = (
        "<@U024BE7LH> have you seen <https://www.example.com/2024/05/story.html?utm_source=slack"
        "&amp;section=world|this story>? Also <https://WWW.EXAMPLE.com/2024/05/story.html?section=world"
        "#top> (same one) and <http://other.example.net/a?x=1&amp;y=&lt;2&gt;>. "
        "<!here> <#C024BE7LR|general> <mailto:desk@example.com|desk@example.com> "
        "<https://third.example/|https://third.example/>"
    )
    assert find_links(text) == [
        "https://www.example.com/2024/05/story.html?section=world",
        "http://other.example.net/a?x=1&y=<2>",
        "https://third.example/",
    ]


def test_find_links_does_not_decode_other_entities() -> None:
    # `&amp;para=1` is "&para=1", not the pilcrow html.unescape would make of a bare "&para".
    assert find_links("<https://example.com/?a=1&amp;para=2>") == ["https://example.com/?a=1&para=2"]


def test_find_links_empty() -> None:
    assert find_links("") == []
    assert find_links("no links here, just https://bare.example.com without brackets") == []


def test_links_in_blocks() -> None:
    blocks = [
        {
            "type": "rich_text",
            "block_id": "b1",
            "elements": [
                {
                    "type": "rich_text_section",
                    "elements": [
                        {"type": "text", "text": "read "},
                        {"type": "link", "url": "https://example.com/a?utm_source=x", "text": "this"},
                        {"type": "user", "user_id": "U1"},
                    ],
                },
                {
                    "type": "rich_text_list",
                    "style": "bullet",
                    "elements": [
                        {"type": "rich_text_section", "elements": [
                            {"type": "link", "url": "https://example.org/b"},
                            {"type": "link", "url": "https://EXAMPLE.com/a#frag"},
                        ]},
                    ],
                },
                {"type": "rich_text_quote", "elements": [{"type": "link", "url": "mailto:x@y.z"}]},
            ],
        }
    ]
    assert links_in_blocks(blocks) == ["https://example.com/a", "https://example.org/b"]


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://www.nytimes.com/2024/05/01/world/story.html", True),
        ("https://example.com/news/item?id=3", True),
        ("https://example.com/report.pdf", False),
        ("https://example.com/photo.JPG?w=300", False),
        ("https://cdn.example.com/clip.mp4", False),
        ("https://example.com/podcast/ep1.mp3", False),
        ("https://files.slack.com/files-pri/T1-F1/image.png", False),
        ("https://myteam.slack.com/archives/C1/p123", False),
        ("https://a.slack-edge.com/x", False),
        ("https://slack.com/help", False),
        ("https://notslack.com/story", True),
        ("https://www.youtube.com/watch?v=abc", False),
        ("https://youtu.be/abc", False),
        ("https://vimeo.com/123", False),
        ("https://media.giphy.com/media/x/giphy.gif", False),
        ("https://www.google.com/maps/place/Berlin", False),
        ("https://www.google.com/search?q=x", True),
        ("ftp://example.com/a.html", False),
    ],
)
def test_is_article_candidate(url: str, expected: bool) -> None:
    assert is_article_candidate(url) is expected
