"""The message catalogue (schemas/messages.yaml): what each rule means and what to do, in Kazakh, Russian and English,
read by the feedback workbooks, the office's validation report and the staff page on refused builds; and the feedback
workbook's own words (schemas/feedback_words.yaml), kept to the same rule: every text in the three languages."""

from __future__ import annotations

from functools import lru_cache
from importlib.resources import files
from pathlib import Path

from yearbook.config import load_yaml, schemas_dir

LANGUAGES = ("kk", "ru", "en")
MESSAGES_FILE = "messages.yaml"
WORDS_FILE = "feedback_words.yaml"  # the feedback workbook's own words


class CatalogueError(ValueError):
    """The message catalogue lacks an entry's language, or is not a mapping of rule ids."""


def load_messages(path: Path | None = None) -> dict[str, dict[str, str]]:
    """The message catalogue: ``{rule id: {kk, ru, en: text}}``, every language present and not empty."""
    return _load_messages(str(path or _catalogue_path()))


def load_words() -> dict[str, dict[str, str]]:
    """The feedback workbook's own words by language: ``{kk, ru, en: {word: text}}`` (``feedback_words.yaml``)."""
    return _words_by_language(str(_catalogue_path(WORDS_FILE)))


@lru_cache(maxsize=4)
def _words_by_language(path: str) -> dict[str, dict[str, str]]:
    by_word = _load_messages(path)
    return {lang: {word: texts[lang] for word, texts in by_word.items()} for lang in LANGUAGES}


def _catalogue_path(name: str = MESSAGES_FILE) -> Path:
    path = schemas_dir() / name
    if path.exists():
        return path
    return Path(str(files("yearbook.schemas") / name))  # a changed copy of the specs without a catalogue


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
