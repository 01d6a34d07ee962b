"""Input rules: what a statement's text and kind may be before Harvest stores them.

Every text that reaches the store passes ``accept_text``: stripped, Unicode NFC, control
characters dropped, whitespace tidied, and refused when empty (or only invisible
characters), too long or binary garbage. Letters of every script (umlauts, ß, Arabic,
Cyrillic, Ukrainian) and emoji pass unchanged. A statement's text passes ``clean_statement``
too, which also refuses what says nothing: "ok", ".", "👍", a lone filler word.

>>> accept_text("  Mehr  Sprachkurse\\tfür Eltern \\r\\n  am Abend ")
'Mehr Sprachkurse für Eltern\\nam Abend'
>>> clean_statement("Mehr Bänke!")
'Mehr Bänke!'
>>> try:
...     clean_statement("ok")
... except Contentless as exc:
...     print(exc.code)
contentless
>>> clean_kind("Forderungen")
'demand'
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from typing import Any

from harvest.model import DEFAULT_MAX_CHARS, KINDS

__all__ = [
    "BinaryText",
    "Contentless",
    "EmptyStatement",
    "InvalidInput",
    "StatementTooLong",
    "UnknownKind",
    "clean_kind",
    "clean_statement",
    "accept_text",
    "submission_key",
]


class InvalidInput(ValueError):
    """Input that Harvest refuses; ``code`` and ``params`` let a UI translate the message."""

    code: str = "invalid"

    def __init__(self, message: str, **params: Any) -> None:
        super().__init__(message)
        self.params: dict[str, Any] = params


class EmptyStatement(InvalidInput):
    """A statement is empty or holds only whitespace."""

    code = "empty"


class Contentless(InvalidInput):
    """A statement that says nothing: no word at all, or one filler word such as "ok"."""

    code = "contentless"


class StatementTooLong(InvalidInput):
    """A statement is longer than the workshop allows."""

    code = "too_long"


class BinaryText(InvalidInput):
    """The text looks like the bytes of a file, not like something a person wrote."""

    code = "binary"


class UnknownKind(InvalidInput):
    """A kind that is none of idea, challenge, demand, question (German or English)."""

    code = "unknown_kind"


# --- text ---------------------------------------------------------------------------

_LINE_BREAKS = re.compile(r"\r\n|[\r\n\v\f\x85\u2028\u2029]")
# Horizontal whitespace of any script (tab, no-break space, thin space, ideographic space).
_SPACES = re.compile(r"[^\S\n]+")
_BLANK_LINES = re.compile(r"\n{2,}")

# Emoji and symbol blocks: code points there that Python's Unicode tables do not know yet
# are most likely emoji newer than the interpreter, so they count as text, not as garbage.
_SYMBOL_PLANE = range(0x1F000, 0x1FC00)
_BINARY_SHARE = 0.1
"""Share of suspicious characters from which a text counts as binary garbage."""
_BINARY_MIN_COUNT = 3
"""...but never for fewer than this many (one stray U+FFFD is a typo, not a file)."""

_ASCII_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_NON_ASCII = re.compile(r"[^\x00-\x7f]")
# Dropped: control characters (C0 and C1, all but the newline; tabs are spaces by then),
# lone surrogates (they cannot even be stored as UTF-8), and format characters that only
# get in the way (byte order mark, soft hyphen, word joiner, Mongolian vowel separator).
# Zero-width (non-)joiners and direction marks stay: Persian, Arabic and emoji need them.
_DROPPED = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufeff\u00ad\u2060\u180e]")


def _is_suspicious(char: str) -> bool:
    """True for characters that people do not type but decoded binary files are full of."""
    if char == "\ufffd":
        return True
    category = unicodedata.category(char)
    if category in ("Cc", "Co", "Cs"):
        return True
    return category == "Cn" and ord(char) not in _SYMBOL_PLANE


def _count_suspicious(text: str) -> int:
    """How many characters of ``text`` are suspicious (fast for mostly-ASCII text)."""
    return len(_ASCII_CONTROLS.findall(text)) + sum(
        1 for char in _NON_ASCII.findall(text) if _is_suspicious(char)
    )


def accept_text(text: str, max_chars: int = DEFAULT_MAX_CHARS) -> str:
    """Return ``text`` as Harvest stores it, or raise an ``InvalidInput`` saying why not.

    Stripped, NFC-normalised, control characters dropped, tabs and runs of spaces
    collapsed to one space, every kind of line break turned into one ``\\n`` (blank lines
    collapse too). ``max_chars`` counts characters (code points) after cleaning.

    Raises ``EmptyStatement``, ``StatementTooLong`` or ``BinaryText``.
    """
    if not isinstance(text, str):
        raise TypeError(f"accept_text() needs a str, not {type(text).__name__}")
    if max_chars < 1:
        raise ValueError(f"max_chars must be at least 1, not {max_chars}")
    if "\x00" in text:
        raise BinaryText(
            "This looks like the content of a binary file, not text (it contains NUL bytes). "
            "Type or paste the statement as plain text.",
        )
    suspicious = _count_suspicious(text)
    if suspicious >= _BINARY_MIN_COUNT:
        visible = sum(1 for char in text if not char.isspace())
        if suspicious >= _BINARY_SHARE * visible:
            raise BinaryText(
                f"This looks like the content of a binary file, not text ({suspicious:,} of "
                f"{visible:,} characters are unreadable). Type or paste the statement as plain "
                "text, or check the file's encoding.",
                suspicious=suspicious,
                length=visible,
            )

    text = _LINE_BREAKS.sub("\n", text)
    text = _SPACES.sub(" ", text)  # before dropping controls: a tab separates words
    text = _DROPPED.sub("", text)
    text = unicodedata.normalize("NFC", text)
    lines = (_SPACES.sub(" ", line).strip() for line in text.split("\n"))
    text = _BLANK_LINES.sub("\n", "\n".join(lines)).strip()

    if not text or not any(_is_visible(char) for char in text):
        raise EmptyStatement("The statement is empty. Write at least one word.")
    if len(text) > max_chars:
        raise StatementTooLong(
            f"Statement is {len(text):,} characters long; this workshop allows at most "
            f"{max_chars:,}. Shorten it or split it into two.",
            length=len(text),
            limit=max_chars,
        )
    return text


# Characters that take up no ink although Unicode files them elsewhere than among spaces
# and format characters: Braille blank, Hangul fillers, the Khmer vowel inherents.
_BLANK_LOOKALIKES = frozenset("\u2800\u3164\u115f\u1160\uffa0\u17b4\u17b5")


def _is_visible(char: str) -> bool:
    """True for a character that shows as something (letters, digits, punctuation, emoji);
    False for spaces, zero-width and format characters, lone combining marks, blanks."""
    if char in _BLANK_LOOKALIKES:
        return False
    return unicodedata.category(char)[0] not in "ZCM"


# --- statements ---------------------------------------------------------------------

FILLER_WORDS = frozenset(
    {
        # German
        "ok", "okay", "oki", "ja", "nein", "jo", "joa", "jein", "gut", "super", "toll", "top",
        "prima", "klar", "danke", "bitte", "hallo", "hi", "hey", "moin", "tschüss", "äh", "ähm",
        "öhm", "hm", "hmm", "naja", "genau", "stimmt", "egal", "test", "testen", "nix", "nichts",
        "keine", "keins", "dito", "idem", "same", "xxx", "xx", "x", "asdf", "usw", "etc",
        # English
        "yes", "no", "yeah", "yep", "nope", "fine", "good", "great", "cool", "nice", "thanks",
        "hello", "um", "uh", "none", "nothing", "lol", "idk", "n/a", "na",
    }
)
"""Single words that are no statement on their own (case-folded)."""

_ALNUM_MIN = 2


def clean_statement(text: str, max_chars: int = DEFAULT_MAX_CHARS) -> str:
    """``accept_text``, and refuse a text that says nothing (``Contentless``): fewer than
    two letters or digits ("." "?!" "👍" "a"), or one filler word alone ("ok", "Danke!").

    The one owner of what a statement must hold; names and labels use ``accept_text``.
    """
    text = accept_text(text, max_chars)
    alnum = sum(1 for char in text if char.isalnum())
    word = text.strip(" .,;:!?…-–—\"'„“”‚‘’«»()[]").casefold()
    if alnum < _ALNUM_MIN or word in FILLER_WORDS:
        raise Contentless(
            f'"{text[:40]}" says nothing a workshop can use. Write what you mean in a few words.',
            text=text[:40],
        )
    return text


# --- kind ---------------------------------------------------------------------------

_KIND_NAMES: dict[str, str] = {
    # English, singular and plural
    "idea": "idea",
    "ideas": "idea",
    "suggestion": "idea",
    "suggestions": "idea",
    "challenge": "challenge",
    "challenges": "challenge",
    "problem": "challenge",
    "problems": "challenge",
    "demand": "demand",
    "demands": "demand",
    "question": "question",
    "questions": "question",
    # German, singular and plural
    "idee": "idea",
    "ideen": "idea",
    "vorschlag": "idea",
    "vorschläge": "idea",
    "herausforderung": "challenge",
    "herausforderungen": "challenge",
    "probleme": "challenge",
    "forderung": "demand",
    "forderungen": "demand",
    "frage": "question",
    "fragen": "question",
}
_NO_KIND = frozenset({"", "-", "–", "—"})

assert set(_KIND_NAMES.values()) == set(KINDS)


def clean_kind(value: str | None) -> str | None:
    """Map a kind written in English or German to one of ``model.KINDS`` (or None).

    Case, surrounding spaces, a trailing colon/period and plurals do not matter:
    ``"Forderungen"`` -> ``"demand"``, ``"Problem"`` -> ``"challenge"``; ``""``, ``"-"``
    and None mean "no kind". Anything else raises ``UnknownKind``.
    """
    if value is None:
        return None
    key = unicodedata.normalize("NFC", str(value)).strip().strip(".:").strip().casefold()
    if key in _NO_KIND:
        return None
    try:
        return _KIND_NAMES[key]
    except KeyError:
        raise UnknownKind(
            f"Unknown kind {str(value).strip()[:40]!r}. Use one of: idea (Idee), challenge "
            "(Herausforderung), demand (Forderung), question (Frage), or leave it empty.",
            value=str(value),
            allowed=list(KINDS),
        ) from None


def submission_key(session: str, table: str | None, text: str) -> str:
    """The double-submit key of a typed statement: the same text from the same browser
    session at the same table is a resend, not news, so it gets the same key and the store
    keeps it once however often it is sent (surrounding whitespace does not count).

    >>> key = submission_key("s1", "Sprache", "Mehr Kurse")
    >>> key == submission_key("s1", "Sprache", " Mehr Kurse "), len(key)
    (True, 32)
    >>> key == submission_key("s2", "Sprache", "Mehr Kurse")
    False
    """
    return hashlib.sha256(f"{session}|{table}|{text.strip()}".encode()).hexdigest()[:32]
