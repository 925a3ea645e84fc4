"""The staff page on refused builds is generated from the rule catalogue and cannot drift from it."""

from __future__ import annotations

from tests.conftest import ROOT
from yearbook.validation.guide import TEMPLATE, guide
from yearbook.validation.messages import load_messages
from yearbook.validation.rules import load_rules

PAGE = ROOT / "docs" / "when-a-build-is-refused.md"


def test_the_page_is_what_the_catalogue_generates() -> None:
    generated = guide((ROOT / TEMPLATE).read_text(encoding="utf-8"))
    assert PAGE.read_text(encoding="utf-8") == generated, "run: python -m yearbook.validation.guide > docs/when-a-build-is-refused.md"


def test_every_rule_is_explained_with_its_severity() -> None:
    page = PAGE.read_text(encoding="utf-8")
    assert all(f"| `{rule}` |" in page for rule in load_messages())
    assert all(f"| `{rule.id}` | {rule.severity} |" in page for rule in load_rules().rules.values())
