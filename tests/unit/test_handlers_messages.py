"""The message listener's pure decisions: which message, whose, which links."""

from __future__ import annotations

from handlers.messages import article_links, is_from_bot, message_of


def test_message_changed_reads_the_new_message_and_other_subtypes_are_skipped() -> None:
    inner = {"ts": "1.2", "text": "<https://example.com/a>"}
    assert message_of({"subtype": "message_changed", "message": inner}) is inner
    assert message_of({"subtype": "channel_join", "text": "<https://example.com/a>"}) is None
    plain = {"text": "x"}
    assert message_of(plain) is plain


def test_own_messages_are_recognized_even_when_nested() -> None:
    assert is_from_bot({"bot_id": "B1"}, bot_id="B1", bot_user_id="U1")
    assert is_from_bot({"user": "U1"}, bot_id="B1", bot_user_id="U1")
    assert not is_from_bot({"user": "U2", "bot_id": "B2"}, bot_id="B1", bot_user_id="U1")


def test_links_from_text_and_blocks_deduplicated_filtered_and_capped() -> None:
    msg = {
        "text": "<https://news.example/a?utm_source=x|A> <https://app.slack.com/client/T1> "
                "<https://i.imgur.com/x.png> <https://news.example/b>",
        "blocks": [{"type": "rich_text", "elements": [{"type": "rich_text_section", "elements": [
            {"type": "link", "url": "https://news.example/a"},
            {"type": "link", "url": "https://news.example/c"}]}]}],
    }
    assert article_links(msg, 3) == ["https://news.example/a", "https://news.example/b", "https://news.example/c"]
    assert article_links(msg, 1) == ["https://news.example/a"]
