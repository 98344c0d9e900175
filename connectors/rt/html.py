"""HTML correspondence → plain text, for RT transactions that carry only ``text/html``.

Small and forgiving on purpose (stdlib ``html.parser``): block elements become line
breaks, ``<script>``/``<style>`` vanish, links keep their target as ``text (url)``. The
result still goes through ``clean_text`` like every other body.
"""

from __future__ import annotations

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
        self.href: list[str | None] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _HIDDEN:
            self.hidden += 1
        elif tag == "br":
            self.out.append("\n")
        elif tag in _BLOCKS:
            self.out.append("\n")
            if tag == "li":
                self.out.append("- ")
            if tag == "pre":
                self.pre += 1
        elif tag in ("td", "th"):
            self.out.append(" ")
        elif tag == "a":
            self.href.append(dict(attrs).get("href"))

    def handle_endtag(self, tag: str) -> None:
        if tag in _HIDDEN:
            self.hidden = max(0, self.hidden - 1)
        elif tag in _BLOCKS:
            self.out.append("\n")
            if tag == "pre":
                self.pre = max(0, self.pre - 1)
        elif tag == "a" and self.href:
            href = self.href.pop()
            if href and href.startswith(("http://", "https://", "mailto:")) and not self._ends_with(href):
                self.out.append(f" ({href})")

    def handle_data(self, data: str) -> None:
        if self.hidden:
            return
        self.out.append(data if self.pre else re.sub(r"\s+", " ", data))

    def _ends_with(self, text: str) -> bool:
        return "".join(self.out[-3:]).rstrip().endswith(text)


def html_to_text(html: str) -> str:
    parser = _TextExtractor()
    try:
        parser.feed(html)
        parser.close()
    except Exception:  # noqa: BLE001 - hostile markup must not stop a sync; strip tags crudely
        return re.sub(r"<[^>]*>", " ", html)
    lines = [line.strip() for line in "".join(parser.out).split("\n")]
    text = "\n".join(lines)
    return re.sub(r"\n{3,}", "\n\n", text).strip()
