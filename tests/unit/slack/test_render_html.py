"""Block Kit to HTML for the playground (pure): Slack's mrkdwn, and nothing from an article or a
link can become markup or a script."""

from __future__ import annotations

from bot.slack.render_html import block, mrkdwn


def test_mrkdwn_styles_links_quotes_and_mentions() -> None:
    html = mrkdwn("*Key quotes*\n> “We build &amp; ship” — _Ann_\n<https://ex.test/a?b=1&amp;c=2|the story> in <#C1>")
    assert html.startswith("<b>Key quotes</b><br><blockquote>“We build &amp; ship” — <i>Ann</i></blockquote>")
    assert '<a href="https://ex.test/a?b=1&amp;c=2" target="_blank" rel="noopener">the story</a>' in html
    assert '<span class="mention">#channel</span>' in html
    assert mrkdwn("<!date^1700000000^{date_short_pretty}|Nov 14, 2023>") == '<span class="date">Nov 14, 2023</span>'
    assert mrkdwn(":repeat: again") == "🔁 again"
    bold_link = '<b><a href="https://ex.test/" target="_blank" rel="noopener">Headline</a></b>'
    assert mrkdwn("*<https://ex.test/|Headline>*") == bold_link


def test_nothing_becomes_markup() -> None:
    assert mrkdwn("&lt;script&gt;alert(1)&lt;/script&gt;") == "&lt;script&gt;alert(1)&lt;/script&gt;"
    assert "<a" not in mrkdwn("<javascript:alert(1)|click>")  # only http(s) and mailto links
    assert 'href="https://x.test/&quot;onmouseover=&quot;' in mrkdwn('<https://x.test/"onmouseover="|x>')
    assert mrkdwn("&gt; not a quote") == "&gt; not a quote"  # an escaped ">" is text, as in Slack


def test_blocks_as_slack_lays_them_out() -> None:
    section = {"type": "section", "text": {"type": "mrkdwn", "text": "*Hi*"},
               "accessory": {"type": "button", "text": {"type": "plain_text", "text": "Go <b>"}, "style": "primary"}}
    assert block(section) == ('<div class="section"><div class="text"><b>Hi</b></div>'
                              '<span class="button button-primary">Go &lt;b&gt;</span></div>')
    assert block({"type": "divider"}) == '<hr class="divider">'
    assert block({"type": "context", "elements": [{"type": "mrkdwn", "text": "a"}, {"type": "mrkdwn", "text": "b"}]}) \
        == '<div class="context"><span>a</span><span>b</span></div>'
    assert block({"type": "video"}) == ""
