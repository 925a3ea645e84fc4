"""The message catalogue (schemas/messages.yaml): what each rule means and what to do, in Kazakh, Russian and English.
Read by the feedback workbooks, the office's validation report and the staff page on refused builds."""

from __future__ import annotations

from functools import lru_cache
from importlib.resources import files
from pathlib import Path

from yearbook.config import load_yaml, schemas_dir

LANGUAGES = ("kk", "ru", "en")
MESSAGES_FILE = "messages.yaml"


class CatalogueError(ValueError):
    """The message catalogue lacks an entry's language, or is not a mapping of rule ids."""


def load_messages(path: Path | None = None) -> dict[str, dict[str, str]]:
    """The message catalogue: ``{rule id: {kk, ru, en: text}}``, every language present and not empty."""
    return _load_messages(str(path or _catalogue_path()))


def _catalogue_path() -> Path:
    path = schemas_dir() / MESSAGES_FILE
    if path.exists():
        return path
    return Path(str(files("yearbook.schemas") / MESSAGES_FILE))  # a changed copy of the specs without a catalogue


@lru_cache(maxsize=4)
def _load_messages(path: str) -> dict[str, dict[str, str]]:
    raw = load_yaml(path)
    if not isinstance(raw, dict):
        raise CatalogueError(f"{path}: not a mapping of rule ids")
    for rule, texts in raw.items():
        missing = [lang for lang in LANGUAGES if not (isinstance(texts, dict) and isinstance(texts.get(lang), str) and texts[lang].strip())]
        if missing:
            raise CatalogueError(f"{path}: the rule {rule!r} has no text in {', '.join(missing)}")
    return {str(rule): {lang: str(texts[lang]).strip() for lang in LANGUAGES} for rule, texts in raw.items()}
