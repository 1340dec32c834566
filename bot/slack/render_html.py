"""Block Kit to HTML (pure), close to how Slack shows a message: for the playground, which shows
the exact reply Newsbot would post without a Slack workspace.

Handles the blocks and the mrkdwn Newsbot writes: sections (with a button accessory), context,
actions, header, divider; `*bold*`, `_italic_`, `~strike~`, `` `code` ``, `> ` quote lines,
`<url|label>` links (http, https and mailto only), `<#C…>` channels, `<@U…>` users,
`<!date^…|fallback>` dates, and the emoji shortcodes our replies use. Slack text arrives
entity-escaped (`&amp;`, `&lt;`, `&gt;`), which is also valid HTML, so nothing from an article
can become markup here; whatever else might (`"` in a URL, a stray `<`) is escaped.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from typing import Any

EMOJI = {  # the shortcodes Newsbot's own wording uses
    "repeat": "🔁", "pencil2": "✏️", "warning": "⚠️", "eyes": "👀", "white_check_mark": "✅",
    "newspaper": "📰", "lock": "🔒", "hourglass": "⏳", "x": "❌",
}
_ANGLE = re.compile(r"<([^<>\n]+)>")
_SAFE_SCHEMES = ("http://", "https://", "mailto:")
_STYLES = (
    (re.compile(r"(?<![\w*])\*(?=\S)([^*\n]+?)(?<=\S)\*(?![\w*])"), "b"),
    (re.compile(r"(?<![\w_])_(?=\S)([^_\n]+?)(?<=\S)_(?![\w_])"), "i"),
    (re.compile(r"(?<![\w~])~(?=\S)([^~\n]+?)(?<=\S)~(?![\w~])"), "s"),
)
_CODE = re.compile(r"`([^`\n]+)`")
_EMOJI = re.compile(r":([a-z0-9_+-]+):")


def _attr(value: str) -> str:
    return html.escape(html.unescape(value), quote=True)


def _angle(token: str) -> str:
    """One `<…>` token: a link, a mention or a date, as HTML."""
    target, _, label = token.partition("|")
    if target.startswith("#"):
        return f'<span class="mention">#{_text(label or "channel")}</span>'
    if target.startswith("@"):
        return f'<span class="mention">@{_text(label or target[1:])}</span>'
    if target.startswith("!date^"):
        return f'<span class="date">{_text(label or "a date")}</span>'
    if target.startswith("!"):
        return f'<span class="mention">@{_text(label or target[1:])}</span>'
    if target.startswith(_SAFE_SCHEMES):
        shown = label or target
        return f'<a href="{_attr(target)}" target="_blank" rel="noopener">{_text(shown)}</a>'
    return _text(label or target)


def _text(s: str) -> str:
    """Slack-escaped text as HTML text: entities kept, anything that would be markup escaped."""
    return html.escape(html.unescape(s), quote=False)


def mrkdwn(text: str) -> str:
    """One mrkdwn string as HTML (quote lines become one blockquote each run)."""
    out: list[str] = []
    quote: list[str] = []
    for line in text.split("\n"):
        if line.startswith("> ") or line == ">":  # a literal ">" only: an escaped one is text, as in Slack
            quote.append(_inline(line[2:]))
            continue
        if quote:
            out.append("<blockquote>" + "<br>".join(quote) + "</blockquote>")
            quote = []
        out.append(_inline(line) + "<br>")
    if quote:
        out.append("<blockquote>" + "<br>".join(quote) + "</blockquote>")
    return "".join(out).removesuffix("<br>")


def _inline(line: str) -> str:
    """Links and mentions first (as placeholders), so `*<url|title>*` is a bold link."""
    tokens: list[str] = []

    def hold(m: re.Match[str]) -> str:
        tokens.append(_angle(m.group(1)))
        return f"\x00{len(tokens) - 1}\x00"

    held = _ANGLE.sub(hold, line.replace("\x00", ""))
    styled = _styled(_text(held))
    return re.sub("\x00(\\d+)\x00", lambda m: tokens[int(m.group(1))], styled)


def _styled(text: str) -> str:
    text = _CODE.sub(r"<code>\1</code>", text)
    for pattern, tag in _STYLES:
        text = pattern.sub(rf"<{tag}>\1</{tag}>", text)
    return _EMOJI.sub(lambda m: EMOJI.get(m.group(1), m.group(0)), text)


def _text_object(obj: dict[str, Any] | None) -> str:
    if not obj:
        return ""
    return mrkdwn(obj.get("text", "")) if obj.get("type") == "mrkdwn" else _text(obj.get("text", ""))


def _button(element: dict[str, Any]) -> str:
    style = f" button-{element['style']}" if element.get("style") in ("primary", "danger") else ""
    return f'<span class="button{style}">{_text_object(element.get("text"))}</span>'


def block(b: dict[str, Any]) -> str:
    kind = b.get("type")
    if kind == "section":
        accessory = b.get("accessory")
        side = _button(accessory) if accessory and accessory.get("type") == "button" else ""
        return f'<div class="section"><div class="text">{_text_object(b.get("text"))}</div>{side}</div>'
    if kind == "context":
        items = "".join(f"<span>{_text_object(e)}</span>" for e in b.get("elements", []))
        return f'<div class="context">{items}</div>'
    if kind == "actions":
        return '<div class="actions">' + "".join(_button(e) for e in b.get("elements", [])) + "</div>"
    if kind == "header":
        return f'<div class="header">{_text_object(b.get("text"))}</div>'
    if kind == "divider":
        return '<hr class="divider">'
    return ""  # a block type Newsbot never writes


STYLE = """
body { font-family: Lato, "Helvetica Neue", Helvetica, Arial, sans-serif; font-size: 15px; color: #1d1c1d;
       margin: 0; background: #fff; }
main { max-width: 760px; margin: 0 auto; padding: 16px 20px; }
form { display: flex; gap: 8px; margin: 8px 0 20px; }
input[type=url] { flex: 1; font-size: 15px; padding: 8px 10px; border: 1px solid #bbb; border-radius: 6px; }
button { font-size: 15px; padding: 8px 14px; border: 0; border-radius: 6px; background: #007a5a; color: #fff; }
.thread { border: 1px solid #ddd; border-radius: 8px; padding: 12px 16px; }
.message { display: flex; gap: 10px; }
.avatar { width: 36px; height: 36px; border-radius: 6px; background: #1d3557; color: #fff; font-weight: 900;
          display: flex; align-items: center; justify-content: center; flex: none; }
.who { font-weight: 900; } .app { font-size: 10px; background: #e8e8e8; color: #616061; padding: 1px 3px;
       border-radius: 2px; margin-left: 4px; vertical-align: 2px; } .when { color: #616061; font-size: 12px; }
.section { display: flex; justify-content: space-between; gap: 12px; margin: 4px 0; line-height: 1.46; }
.context { color: #616061; font-size: 13px; margin: 4px 0; } .context span + span { margin-left: 8px; }
.header { font-weight: 900; font-size: 18px; margin: 6px 0; }
blockquote { margin: 4px 0; padding-left: 12px; border-left: 4px solid #ddd; }
a { color: #1264a3; text-decoration: none; } .mention { color: #1264a3; background: #e8f5fa; padding: 0 2px; }
.button { display: inline-block; border: 1px solid #bbb; border-radius: 4px; padding: 3px 10px; font-weight: 700;
          font-size: 13px; white-space: nowrap; align-self: flex-start; }
.button-primary { background: #007a5a; color: #fff; border-color: #007a5a; }
code { font-family: Monaco, Menlo, monospace; font-size: 12px; background: #f6f6f6; border: 1px solid #ddd;
       padding: 1px 3px; border-radius: 3px; }
hr.divider { border: 0; border-top: 1px solid #ddd; }
.note { color: #616061; font-size: 13px; }
"""


def message(blocks: Sequence[dict[str, Any]], *, who: str = "Newsbot", when: str = "") -> str:
    """One bot message as Slack lays it out: avatar, name with an APP badge, time, blocks."""
    body = "".join(block(b) for b in blocks)
    return (
        '<div class="message"><div class="avatar">N</div><div class="content">'
        f'<div><span class="who">{_text(who)}</span><span class="app">APP</span> '
        f'<span class="when">{_text(when)}</span></div>{body}</div></div>'
    )
