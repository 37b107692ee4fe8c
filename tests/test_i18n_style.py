"""The Chinese catalogue addresses people as 您 and writes Chinese punctuation in Chinese text.

Every message the app shows in Chinese is checked: 你 (the familiar "you") is refused, and so is
an ASCII , . : ; ( ) ? ! written directly next to a Chinese character. ASCII punctuation stays
allowed where it belongs: inside placeholders (``%(name)s``, ``{name}``), in web addresses and
e-mail addresses, in numbers (1.5, 10:30) and in codes (ZL201710601862.3, CA-2026-00001).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

CATALOG = Path(__file__).resolve().parents[1] / "app/translations/zh_Hans_CN/LC_MESSAGES/messages.po"

CJK = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
ASCII_PUNCTUATION = ",.:;()?!"
# What may carry ASCII punctuation inside Chinese text; removed before the check.
ALLOWED = re.compile(
    r"%\([A-Za-z_][A-Za-z0-9_]*\)[-#0 +]*\d*(?:\.\d+)?[sdifrx]"  # %(name)s, %(n).1f
    r"|%[sdif]"  # %s
    r"|\{[A-Za-z_][A-Za-z0-9_]*\}"  # {name}
    r"|https?://\S+"  # web addresses
    r"|[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}"  # e-mail addresses
    r"|\d+(?:[.:]\d+)+"  # 1.5, 10:30, 2026.01.02
    r"|[A-Za-z0-9]+(?:[-._][A-Za-z0-9]+)+"  # codes: ZL201710601862.3, CA-2026-00001, file.pdf
)
NEXT_TO_CHINESE = re.compile(
    rf"[{CJK}][{re.escape(ASCII_PUNCTUATION)}]|[{re.escape(ASCII_PUNCTUATION)}][{CJK}]"
    # an ASCII bracket pair around Chinese text: （…） in Chinese
    rf"|\([^()]*[{CJK}][^()]*\)"
)


def _strings(message) -> list[str]:
    values = message.string if isinstance(message.string, (tuple, list)) else (message.string,)
    return [v for v in values if v]


def style_problems(text: str) -> list[str]:
    """What is wrong with one Chinese text (empty when nothing)."""
    problems = []
    if "你" in text:
        problems.append("你 instead of 您")
    stripped = ALLOWED.sub("X", text)
    for match in NEXT_TO_CHINESE.finditer(stripped):
        problems.append(f"ASCII punctuation in Chinese text: {match.group(0)!r}")
    return problems


def catalogue_problems(path: Path = CATALOG) -> dict[str, list[str]]:
    with path.open("rb") as fh:
        catalog = read_po(fh)
    found = {}
    for message in catalog:
        if not message.id:
            continue
        for text in _strings(message):
            problems = style_problems(text)
            if problems:
                key = message.id if isinstance(message.id, str) else message.id[0]
                found[key] = [text, *problems]
    return found


def test_the_catalogue_says_nin_and_uses_chinese_punctuation():
    found = catalogue_problems()
    report = "\n".join(f"{msgid!r}: {details}" for msgid, details in sorted(found.items()))
    assert not found, f"{len(found)} Chinese messages break the style rules:\n{report}"


@pytest.mark.parametrize(
    "text",
    [
        "你的案件已受理。",
        "案件已受理.请查收。",
        "请补充材料,谢谢。",
        "注意:请在期限内提交。",
        "是否确认?",
        "补充材料(发票)。",
        "已受理!",
    ],
)
def test_the_check_catches_bad_style(text):
    assert style_problems(text)


@pytest.mark.parametrize(
    "text",
    [
        "您的案件%(number)s已受理。",
        "请访问 https://ipaid.example.cn/verify?code=AB12 核验。",
        "专利号ZL201710601862.3，案件CA-2026-00001。",
        "最大1.5 MB，时间10:30。",
        "请发送至service@ipaid.cn。",
        "文件 report.pdf 已上传。",
        "金额：%(amount).2f 元（人民币）。",
        "Hello, world.",
    ],
)
def test_the_check_allows_placeholders_addresses_numbers_and_codes(text):
    assert style_problems(text) == []
