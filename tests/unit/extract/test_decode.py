"""Charset detection: declared charsets are checked, BOMs win, garbage never raises."""

from __future__ import annotations

import codecs

from bot.extract.decode import decode_html, meta_charset, normalize_charset


def test_header_charset_that_lies_falls_back_to_meta() -> None:
    body = b'<html><head><meta charset="windows-1252"></head><body>caf\xe9</body></html>'
    assert "café" in decode_html(body, "utf-8")  # b"\xe9" is not valid UTF-8


def test_latin1_meta_decodes_as_windows_1252() -> None:
    body = b'<meta http-equiv="Content-Type" content="text/html; charset=ISO-8859-1"><p>\x93Hi\x94 caf\xe9</p>'
    assert meta_charset(body) == "ISO-8859-1"
    # 0x93/0x94 are curly quotes in windows-1252, control characters in strict Latin-1.
    assert "\u201cHi\u201d café" in decode_html(body)


def test_bom_wins_over_a_wrong_header() -> None:
    body = codecs.BOM_UTF8 + "<p>é</p>".encode()
    assert decode_html(body, "iso-8859-1") == "<p>é</p>"
    assert decode_html(codecs.BOM_UTF16_LE + "<p>ü</p>".encode("utf-16-le")) == "<p>ü</p>"


def test_unknown_charset_label_is_ignored() -> None:
    assert normalize_charset("x-no-such-charset") is None
    assert decode_html("<p>Zoë</p>".encode(), "x-no-such-charset") == "<p>Zoë</p>"


def test_garbage_bytes_never_raise() -> None:
    garbage = bytes(range(256)) * 8 + b"\xff\xfe\x00\xd8"  # includes a lone UTF-16 surrogate
    assert isinstance(decode_html(garbage, "utf-8"), str)
    assert isinstance(decode_html(b"\x81\x8d\x8f\x90\x9d" * 50), str)
    assert decode_html(b"") == ""


def test_utf8_bytes_beat_a_declared_single_byte_charset() -> None:
    page = '<meta charset="iso-8859-7"><p>“Quoted,” said Zoë — café</p>'.encode()
    assert "“Quoted,” said Zoë — café" in decode_html(page)
    assert "Zoë" in decode_html(page, header_charset="windows-1252")


def test_real_legacy_bytes_still_follow_their_declaration() -> None:
    page = '<meta charset="windows-1252"><p>“Quoted,” said Zoë</p>'.encode("cp1252")  # not valid UTF-8
    assert "“Quoted,” said Zoë" in decode_html(page)
    greek = '<meta charset="iso-8859-7"><p>Καλημέρα</p>'.encode("iso-8859-7")
    assert "Καλημέρα" in decode_html(greek)
