"""Canned replies in the customer's language come first in the picker (a Chinese
customer sees the Chinese reply on top), then those for any language, then the rest."""

from __future__ import annotations

from pathlib import Path

from inbox_tui import paths
from inbox_tui.service import CannedReply
from inbox_tui.ui.screens.canned_picker import CannedPicker, in_language_first
from tests.ui.conftest import SIZE, AppFactory, settle, until
from tests.ui.test_flow import open_conversation_of

CHEN = ("chen@example.cn", "订单还没有到 — 请帮忙查询")

CHINESE_REPLY = """+++
name = "物流延误 (中文)"
shortcut = "yanwu"
language = "zh"
+++
{{customer.first_name | 您}}好，您的包裹正在路上，预计两到三个工作日内送达。
"""
GERMAN_REPLY = """+++
name = "Lieferverzug (Deutsch)"
shortcut = "spaet"
language = "de"
+++
Hallo, Ihr Paket ist unterwegs.
"""


def reply(name: str, language: str = "") -> CannedReply:
    return CannedReply(slug=name, name=name, shortcut="", body="", language=language)


def test_order_is_customer_language_then_any_language_then_others_each_kept_in_order() -> None:
    replies = [reply("A de", "de"), reply("B"), reply("C zh", "zh"), reply("D"), reply("E zh", "zh")]
    assert [r.name for r in in_language_first(replies, "zh")] == ["C zh", "E zh", "B", "D", "A de"]
    assert [r.name for r in in_language_first(replies, "")] == ["A de", "B", "C zh", "D", "E zh"]


async def test_a_chinese_customer_sees_the_chinese_reply_first(make_app: AppFactory, home: Path) -> None:
    (paths.replies_dir() / "yanwu.md").write_text(CHINESE_REPLY, encoding="utf-8")
    (paths.replies_dir() / "spaet.md").write_text(GERMAN_REPLY, encoding="utf-8")
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = await open_conversation_of(pilot, app, CHEN)
        assert screen.detail is not None and screen.detail.language == "zh"
        await pilot.press("c")
        await until(pilot, lambda: isinstance(app.screen, CannedPicker), "the picker")
        picker = app.screen
        assert isinstance(picker, CannedPicker)
        names = [r.name for r in picker.matches]
        assert names[0] == "物流延误 (中文)" and names[-1] == "Lieferverzug (Deutsch)"
