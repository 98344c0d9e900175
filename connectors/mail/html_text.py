"""HTML mail → readable plain text, with the stdlib ``html.parser`` only.

Block elements become line breaks, lists ``- item`` / ``1. item``, table rows one line
each with ``|`` between cells, ``<blockquote>`` lines ``> …``; script, style and head are
dropped; entities are decoded and whitespace collapsed outside ``<pre>``. Links keep their
target as numbered footnotes::

    see our tracking page [1]

    [1] https://shop.example/track/42

Only ``http``, ``https`` and ``mailto`` targets become footnotes; ``javascript:``,
``data:`` and anything else keep their text and lose the target.

The input is hostile: unclosed tags, ten thousand nested ``<div>``, megabyte attributes.
The converter keeps O(1) state per tag (counters, not a tag stack), so mismatched end tags
cost nothing, and it never raises: if the parser gives up, the tags are stripped by a
regular expression instead.
"""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

__all__ = ["html_to_text", "MAX_HTML_CHARS"]

MAX_HTML_CHARS = 512_000
"""HTML past this length is cut before conversion (a mail body is capped at ~1 MB of text)."""

_BLOCK = frozenset(
    "address article aside center dd details dialog dir div dl dt fieldset figcaption figure footer "
    "form h1 h2 h3 h4 h5 h6 header hgroup main menu nav ol p section summary table tbody thead tfoot ul".split()
)
_HEADINGS = frozenset("h1 h2 h3 h4 h5 h6".split())
_SKIP = frozenset("script style head title template noscript object iframe svg math select".split())
_LINK_SCHEMES = ("http://", "https://", "mailto:")
_SPACE = re.compile(r"\s+")
_BLANK_RUN = re.compile(r"\n{3,}")
_TAG = re.compile(r"<[^>]{0,10000}>")
_MARKED_SECTION = re.compile(r"<!\[[^<>\]]{0,200}\]>|<!\[(?:CDATA\[)?")
_LONE_LT = re.compile(r"<(?![^<>]*>)")


class _TextMaker(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.links: list[str] = []
        self._link_numbers: dict[str, int] = {}
        self._skip = 0
        self._pre = 0
        self._quote = 0
        self._lists: list[list[int]] = []  # [counter] per open list; counter -1 for <ul>
        self._pending_breaks = 0
        self._break_quote = 0
        self._at_line_start = True
        self._space_pending = False
        self._href: str | None = None
        self._link_text: list[str] = []
        self._cell_in_row = 0
        self._item_prefix = ""

    # ------------------------------------------------------------------ output helpers
    def _break(self, count: int = 1) -> None:
        if self.out:
            self._break_quote = self._quote if not self._pending_breaks else min(self._break_quote, self._quote)
            self._pending_breaks = max(self._pending_breaks, count)
        self._space_pending = False

    def _emit(self, text: str) -> None:
        if self._pending_breaks:
            depth = min(self._quote, self._break_quote)
            self.out.append("\n" + (("> " * depth).rstrip() + "\n") * (self._pending_breaks - 1))
            self._pending_breaks = 0
            self._at_line_start = True
        if self._at_line_start:
            prefix = "> " * self._quote
            if self._lists:
                prefix += "  " * (len(self._lists) - 1)
            prefix += self._item_prefix
            self._item_prefix = ""
            if prefix:
                self.out.append(prefix)
            self._at_line_start = False
            self._space_pending = False
        elif self._space_pending:
            self.out.append(" ")
            self._space_pending = False
        self.out.append(text)
        if self._href is not None:
            self._link_text.append(text)

    # ------------------------------------------------------------------ parser events
    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP:
            self._skip += 1
            return
        if self._skip:
            return
        if tag == "br":
            if self._pending_breaks:
                self.out.append("\n" * self._pending_breaks)
                self._pending_breaks = 0
            self.out.append("\n")
            self._at_line_start = True
            self._space_pending = False
            return
        if tag == "p" or tag in _HEADINGS or tag == "blockquote" or tag == "table" or tag == "pre":
            self._break(2)
        elif tag in _BLOCK or tag == "tr":
            self._break(1)
        if tag == "hr":
            self._break(1)
            self._emit("-" * 20)
            self._break(1)
        elif tag == "pre":
            self._pre += 1
        elif tag == "blockquote":
            self._quote += 1
        elif tag in ("ul", "ol", "menu", "dir"):
            self._lists.append([1 if tag == "ol" else -1])
        elif tag == "li":
            self._break(1)
            if self._lists and self._lists[-1][0] > 0:
                self._item_prefix = f"{self._lists[-1][0]}. "
                self._lists[-1][0] += 1
            else:
                self._item_prefix = "- "
        elif tag == "tr":
            self._cell_in_row = 0
        elif tag in ("td", "th"):
            if self._cell_in_row:
                self._space_pending = True
                self._emit("|")
                self._space_pending = True
            self._cell_in_row += 1
        elif tag == "a":
            href = dict(attrs).get("href") or ""
            href = href.strip()
            self._href = href if href.lower().startswith(_LINK_SCHEMES) else ""
            self._link_text = []
        elif tag == "img":
            alt = (dict(attrs).get("alt") or "").strip()
            if alt:
                self._text(f"[{alt[:200]}]")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP:
            return
        self.handle_starttag(tag, attrs)
        if tag not in ("br", "hr", "img"):
            self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP:
            if self._skip:
                self._skip -= 1
            return
        if self._skip:
            return
        if tag == "a":
            self._close_link()
        elif tag == "pre":
            self._pre = max(0, self._pre - 1)
        elif tag == "blockquote":
            self._break(2)
            self._quote = max(0, self._quote - 1)
        elif tag in ("ul", "ol", "menu", "dir"):
            if self._lists:
                self._lists.pop()
        if tag == "p" or tag in _HEADINGS or tag == "table" or tag == "pre":
            self._break(2)
        elif tag in _BLOCK or tag in ("tr", "li"):
            self._break(1)

    def handle_data(self, data: str) -> None:
        if self._skip or not data:
            return
        self._text(data)

    def _text(self, data: str) -> None:
        if self._pre:
            lines = data.split("\n")
            for index, line in enumerate(lines):
                if index:
                    self.out.append("\n")
                    self._at_line_start = True
                if line:
                    self._emit(line)
            return
        if data[:1].isspace():
            self._space_pending = True
        words = _SPACE.sub(" ", data).strip()
        if words:
            self._emit(words)
        if data[-1:].isspace():
            self._space_pending = True

    def _close_link(self) -> None:
        href, self._href = self._href, None
        if not href:
            return
        text = "".join(self._link_text).strip()
        shown = href[7:] if href.lower().startswith("mailto:") else href
        if not text or text == shown or text == href:
            return
        number = self._link_numbers.get(href)
        if number is None:
            self.links.append(href)
            number = self._link_numbers[href] = len(self.links)
        self._space_pending = True
        self._emit(f"[{number}]")

    def result(self) -> str:
        if self._href is not None:
            self._close_link()
        text = "".join(self.out)
        lines = [line.rstrip() for line in text.split("\n")]
        body = _BLANK_RUN.sub("\n\n", "\n".join(lines)).strip("\n")
        if self.links:
            notes = "\n".join(f"[{n}] {url}" for n, url in enumerate(self.links, 1))
            body = f"{body}\n\n{notes}" if body else notes
        return body


def html_to_text(markup: str) -> str:
    """Readable text for an HTML mail body; never raises."""
    if not markup:
        return ""
    if len(markup) > MAX_HTML_CHARS:
        markup = markup[:MAX_HTML_CHARS]
    maker = _TextMaker()
    try:
        maker.feed(_defuse(markup))
        maker.close()
        return maker.result()
    except Exception:  # the stdlib parser asserts on some garbage; degrade to tag stripping
        return _strip_tags(markup)


def _defuse(markup: str) -> str:
    """Make the markup safe for ``HTMLParser``'s quadratic corners, in linear time.

    The parser searches the rest of the document for the end of every construct it
    starts; unterminated ``</``, ``<!``, ``<![`` and ``<!--`` repeated thousands of times
    make that quadratic (seconds to minutes). So: comments are removed here (an
    unterminated one runs to the end, as in browsers), Outlook's ``<![if …]>`` markers
    are dropped, and any ``<`` without a ``>`` before the next ``<`` is escaped.
    """
    if "<!--" in markup:
        kept: list[str] = []
        position = 0
        while True:
            start = markup.find("<!--", position)
            if start < 0:
                kept.append(markup[position:])
                break
            kept.append(markup[position:start])
            end = markup.find("-->", start + 4)
            if end < 0:
                break
            position = end + 3
        markup = "".join(kept)
    markup = _MARKED_SECTION.sub("", markup)
    return _LONE_LT.sub("&lt;", markup)


def _strip_tags(markup: str) -> str:
    text = html.unescape(_TAG.sub(" ", markup))
    lines = (" ".join(line.split()) for line in text.splitlines())
    return _BLANK_RUN.sub("\n\n", "\n".join(lines)).strip()
