"""The staff page on refused builds (docs/when-a-build-is-refused.md), generated from its template, the rule
catalogue (schemas/messages.yaml), the rules' severities (schemas/rules.yaml) and the reader's cell symbols, so that
it cannot drift from the code:

    python -m yearbook.validation.guide > docs/when-a-build-is-refused.md
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from yearbook.cells import CONFIDENTIAL_SYMBOLS, MISSING_SYMBOLS, ZERO_SYMBOLS
from yearbook.validation.messages import load_messages
from yearbook.validation.rules import load_rules

TEMPLATE = Path("docs/templates/when-a-build-is-refused.md")  # of the checkout: documentation, not package data
SYMBOLS = (
    (ZERO_SYMBOLS, "zero (a dash)"),
    (MISSING_SYMBOLS, "not available: the ministry has no figure (`obs_status` M)"),
    (CONFIDENTIAL_SYMBOLS, "confidential: the ministry withholds the figure (`obs_conf` C)"),
)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def guide(template: str) -> str:
    """The page: ``template`` with its ``{symbols}`` and ``{rules}`` tables filled in."""
    severities = {rule_id: rule.severity for rule_id, rule in load_rules().rules.items()}
    rules = [
        f"| `{rule_id}` | {severities.get(rule_id, '-')} | {_cell(texts['en'])} |" for rule_id, texts in sorted(load_messages().items())
    ]
    symbols = [f"| {', '.join(f'`{s}`' for s in sorted(group))} | {meaning} |" for group, meaning in SYMBOLS]
    return template.replace("{symbols}", "\n".join(symbols)).replace("{rules}", "\n".join(rules))


def main() -> None:
    checkout = Path(str(files("yearbook"))).parent  # an editable install's: where docs/ is
    print(guide((checkout / TEMPLATE).read_text(encoding="utf-8")), end="")


if __name__ == "__main__":
    main()
