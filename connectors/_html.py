"""Helpdesk bodies in HTML (Help Scout threads, Freshdesk conversations, RT's ``text/html``
correspondence) ↔ the inbox's plain text. Both directions, stdlib only.

``html_to_text`` is forgiving on purpose (``html.parser``): block elements become line
breaks, ``<script>``/``<style>`` vanish, a link keeps its target as ``text (url)``. Its
output still goes through ``clean_text``. ``text_to_html`` is what we post: escaped text,
paragraphs on blank lines, ``<br>`` on single newlines, so that ``html_to_text`` gives the
agent's text back (whitespace folded) and ``find_sent`` can recognise it by digest.
"""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

_BLOCKS = {
    "address", "article", "blockquote", "div", "dl", "dt", "dd", "fieldset", "figure", "footer", "form",
    "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li", "main", "nav", "ol", "p", "pre", "section",
    "table", "tr", "ul",
}  # fmt: skip
_HIDDEN = {"script", "style", "head", "title", "template"}


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.hidden = 0
        self.pre = 0
        self.links: list[str | None] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _HIDDEN:
            self.hidden += 1
        elif tag == "br":
            self.out.append("\n")
        elif tag in _BLOCKS:
            self.out.append("\n")
            if tag == "li":
                self.out.append("- ")
            elif tag == "pre":
                self.pre += 1
        elif tag in ("td", "th"):
            self.out.append(" ")
        elif tag == "a":
            self.links.append(dict(attrs).get("href"))

    def handle_endtag(self, tag: str) -> None:
        if tag in _HIDDEN:
            self.hidden = max(0, self.hidden - 1)
        elif tag in _BLOCKS:
            self.out.append("\n")
            if tag == "pre":
                self.pre = max(0, self.pre - 1)
        elif tag == "a" and self.links:
            href = self.links.pop()
            shown = "".join(self.out[-3:]).rstrip()
            if href and href.startswith(("http://", "https://", "mailto:")) and not shown.endswith(href):
                self.out.append(f" ({href})")

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.out.append(data if self.pre else re.sub(r"\s+", " ", data))


_SIMPLE_TAG = re.compile(r"<(/?)(p|div|br|b|i|u|em|strong|span)\s*/?>", re.IGNORECASE)
_SIMPLE_BLOCKS = {"p", "div", "br"}


def _simple(markup: str) -> str | None:
    """What the parser would collect, for the common case (only attribute-less
    ``p``/``div``/``br`` and inline emphasis) at a fraction of its cost; ``None`` otherwise."""
    tags = list(_SIMPLE_TAG.finditer(markup))
    if markup.count("<") != len(tags):
        return None
    pieces, last = [], 0
    for tag in tags:
        pieces.append(re.sub(r"\s+", " ", html.unescape(markup[last : tag.start()])))
        pieces.append("\n" if tag.group(2).lower() in _SIMPLE_BLOCKS else "")
        last = tag.end()
    pieces.append(re.sub(r"\s+", " ", html.unescape(markup[last:])))
    return "".join(pieces)


def html_to_text(markup: str) -> str:
    if "<" not in markup and "&" not in markup:
        return markup.strip()
    collected = _simple(markup)
    if collected is None:
        parser = _TextExtractor()
        try:
            parser.feed(markup)
            parser.close()
        except Exception:  # noqa: BLE001 - hostile markup must not stop a sync: strip tags crudely
            return html.unescape(re.sub(r"<[^>]*>", " ", markup)).strip()
        collected = "".join(parser.out)
    lines = [line.strip() for line in collected.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def text_to_html(text: str) -> str:
    paragraphs = re.split(r"\n\s*\n", text.strip())
    return "".join(f"<p>{html.escape(p).replace(chr(10), '<br>')}</p>" for p in paragraphs if p.strip())
