"""Bytes -> text -> lxml document: charset detection the way browsers do it, then parsing.

bs4's encoding detector reads the declared charset; lxml parses.
"""

from __future__ import annotations

import codecs
import re

import lxml.html
from bs4.dammit import EncodingDetector
from lxml.html import HtmlElement

_BOMS = ((b"\xef\xbb\xbf", "utf-8"), (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be"))
# Browsers read these labels as windows-1252 (WHATWG Encoding); pages labelled latin-1 use its quotes.
_ENCODING_ALIASES = {
    "iso-8859-1": "windows-1252",
    "latin-1": "windows-1252",
    "latin1": "windows-1252",
    "us-ascii": "windows-1252",
    "ascii": "windows-1252",
    "iso8859-1": "windows-1252",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "shift_jis": "cp932",
    "sjis": "cp932",
    "x-sjis": "cp932",
    "euc-kr": "cp949",
    "iso-8859-9": "cp1254",
    "tis-620": "cp874",
    "iso-8859-11": "cp874",
    "big5": "big5hkscs",
}
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")
_CONTROL_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_CHARSET_PARAM = re.compile(r"charset\s*=\s*[\"']?([\w.:-]+)", re.IGNORECASE)


def decode_html(content: bytes, content_type: str | None = None) -> str:
    """Bytes -> text: BOM, then valid UTF-8, then the HTTP charset, then <meta charset>, then windows-1252."""
    for bom, encoding in _BOMS:
        if content.startswith(bom):
            return content[len(bom) :].decode(encoding, errors="replace")
    if not content.isascii():
        # Valid multi-byte UTF-8 is next to impossible by accident in a legacy encoding, while a
        # re-saved page often keeps its old <meta charset>: the bytes win over the label.
        try:
            return content.decode("utf-8")
        except UnicodeDecodeError:
            pass
    declared = [
        _CHARSET_PARAM.search(content_type or ""),
        EncodingDetector.find_declared_encoding(content, is_html=True),
    ]
    for found in declared:
        label = found.group(1) if isinstance(found, re.Match) else found
        encoding = _codec(label)
        # A page that says UTF-16 in a meta tag but has no BOM is lying: it could not say so in UTF-16.
        if encoding == "utf-8":
            return _broken_utf8(content)
        if encoding and not encoding.startswith("utf-16"):
            return content.decode(encoding, errors="replace")
    return content.decode("windows-1252", errors="replace")


def _broken_utf8(content: bytes) -> str:
    """A page labelled UTF-8 that is not valid UTF-8 (the check above already failed).

    Without one valid multi-byte sequence in it, the label is the lie (a legacy page re-labelled by
    a template or a server), and the bytes win again, as windows-1252. A UTF-8 page with one stray
    byte keeps its UTF-8: reading it as windows-1252 would garble every other accent on it.
    """
    text = content.decode("utf-8", errors="replace")
    if any(ch > "\x7f" and ch != "\ufffd" for ch in text):
        return text
    try:
        return content.decode("windows-1252")
    except UnicodeDecodeError:  # the five bytes windows-1252 leaves undefined: not that either
        return text


def _codec(label: str | None) -> str | None:
    if not label:
        return None
    label = label.strip().lower()
    label = _ENCODING_ALIASES.get(label, label)
    try:
        return codecs.lookup(label).name
    except LookupError:
        return None


def looks_binary(text: str) -> bool:
    sample = text[:4096]
    junk = len(_CONTROL_CHARS.findall(sample)) + sample.count("\ufffd")
    return junk > len(sample) * 0.02


# "&#1;" or "&#x0;": the parser would decode these into a tree that lxml then refuses to edit.
_FORBIDDEN_REFERENCE = re.compile(
    r"&#(?:0*(?:[0-8]|1[124-9]|2\d|3[01])(?!\d)|[xX]0*(?:[0-8bBcCeEfF]|1[0-9a-fA-F])(?![0-9a-fA-F]));?"
)


# Soft hyphens mark where a word may break at the end of a line; they are not part of it. A page that
# hyphenates its paragraphs (common in German and French) would otherwise keep "Mit&shy;tel&shy;al&shy;ter"
# as four words for every comparison of its text with trafilatura's, which drops them.
_SOFT_HYPHEN = re.compile(r"\u00ad|&(?:shy|#0*173|#[xX]0*[aA][dD]);")


def without_soft_hyphens(text: str) -> str:
    return _SOFT_HYPHEN.sub("", text)


def parse_html(text: str) -> HtmlElement:
    """Decoded text -> lxml document. lxml refuses a str with an XML declaration or control characters,
    and a tree that holds them, however they were written."""
    text = _CONTROL_CHARS.sub("", _XML_DECLARATION.sub("", text, count=1))
    text = _FORBIDDEN_REFERENCE.sub("", text)
    parser = lxml.html.HTMLParser(remove_comments=True, remove_pis=True, default_doctype=False)
    return lxml.html.document_fromstring(text, parser=parser)
