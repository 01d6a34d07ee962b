"""Text: normalise, tokenise, lemmatise one statement; stopwords; German compounds.

Everything here is a pure function of a statement's text and a language, so the
result of :func:`analyse` can be cached: a recompute after one new statement only
analyses that statement.

>>> [term.form for term in analyse("Wir brauchen mehr Sprachkurse für Eltern!", "de").terms]
['Sprachkurs', 'Eltern']
"""

from __future__ import annotations

import html
import re
import threading
import unicodedata
from collections import OrderedDict
from collections.abc import Container, Iterable
from dataclasses import dataclass
from functools import cache, lru_cache
from html.entities import html5
from pathlib import Path
from typing import NamedTuple

import simplemma
from stop_words import get_stop_words

SUPPORTED_LANGUAGES: tuple[str, ...] = ("de", "en")
DATA_DIR = Path(__file__).parent.parent / "data"  # harvest/data, beside the engine

# A link in brackets goes with them; else it ends before the punctuation that follows it
# ("… (https://x.de/a). Mehr …" keeps its full stop for the demand finder).
_URL = re.compile(r"\((?:https?://|www\.)[^\s)]*\)|(?<!\w)(?:https?://|www\.)\S*[^\s.,;:!?)\]'\"]",
                  re.IGNORECASE)
_ENTITY = re.compile(r"&(?:[A-Za-z][A-Za-z0-9]{1,31}|#[0-9]{1,7}|#[xX][0-9A-Fa-f]{1,6});")
_EMAIL = re.compile(r"\S+@\S+\.\w+")
# Social-media markup (posts pasted from a feed): a retweet mark with its source, "via" or
# "cc" with a handle, a handle; then a hashtag's sign (its words stay: "#MehrRadwege" ->
# "Mehr Radwege").
_HANDLES = re.compile(r"(?<![\w@])(?:(?:RT|MT)\s+|(?i:via|cc)\s+)?@\w+:?")
_RETWEET = re.compile(r"^\s*RT(?=[:\s])\s*:?\s*")
_HASHTAG = re.compile(r"(?<![\w&#])#(\w+)")
_CAMEL = re.compile(r"(?<=[a-zäöüß])(?=[A-ZÄÖÜ])")
# A word starts with a letter; inner hyphens and apostrophes stay ("PV-Anlage", "don't").
_WORD = re.compile(r"[^\W\d_](?:[\w]|[-'’](?=\w))*")
_LINKING = ("s", "es", "n", "en", "e", "er", "ens")
"""German linking elements ("Fugenelemente") between compound parts: Arbeit-s-markt."""


class Term(NamedTuple):
    """A content word of a statement: its key (lower-case lemma) and display form."""

    key: str
    form: str
    initial: bool
    """the word opened a sentence, so its capitalisation says nothing"""
    noun: bool
    """a German noun (capitalised lemma), or any English content word"""


@dataclass(frozen=True)
class Analysis:
    """The content words of one statement, in order, and the language they were read in."""

    language: str
    terms: tuple[Term, ...]
    noun_terms: tuple[Term, ...]
    """the German nouns among ``terms`` (all of them for English)"""
    dedupe: str
    """the text reduced to its words: copies of one statement share it"""
    keys: tuple[str, ...] = ()
    """the keys of ``terms`` (kept apart: the engine reads them for every recompute)"""
    noun_keys: tuple[str, ...] = ()


def _read_list(name: str) -> frozenset[str]:
    """A word list under harvest/data: one entry a line, '#' starts a comment."""
    path = DATA_DIR / name
    words = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            words.add(line.casefold())
    return frozenset(words)


@cache
def stopwords(language: str) -> frozenset[str]:
    """Built-in stopwords of a language: the stop-words package's list plus workshop filler.

    German gets the English function words too (and vice versa for the short list of
    German ones) because workshops mix both; the filler list holds words like "sollte",
    "mehr", "brauchen", "wichtig" that say how much, not what.
    """
    if language == "en":
        base = set(get_stop_words("en"))
        base |= _read_list("engine_filler_en.txt")
    else:
        base = set(get_stop_words("de"))
        base |= _read_list("engine_filler_de.txt")
    return frozenset(word.casefold() for word in base)


@cache
def _function_words(language: str) -> frozenset[str]:
    """Short, frequent words that tell German from English (shared ones removed)."""
    de = set(get_stop_words("de"))
    en = {
        "the", "and", "of", "to", "is", "are", "be", "for", "that", "this", "with", "on",
        "it", "we", "they", "should", "not", "have", "has", "more", "our", "their", "or",
        "a", "an", "by", "from", "as", "at", "can", "will", "would", "need", "people",
        "there", "which", "who", "all", "if", "than", "but", "i", "you", "been", "do",
    }
    shared = de & en
    return frozenset((de if language == "de" else en) - shared)


def detect_language(text: str, default: str = "de") -> str:
    """The statement's language, "de" or "en", by its function words; else ``default``.

    >>> detect_language("We need more bike lanes in the city")
    'en'
    >>> detect_language("Mehr Radwege in der Stadt")
    'de'
    """
    return _language_of([w.casefold() for w in _WORD.findall(text)], default)


def _entity(match: re.Match[str]) -> str:
    """An HTML entity as its character; ``&notfall;`` (no entity) stays as it is."""
    found = match.group(0)
    return html.unescape(found) if found[1] == "#" or found[1:] in html5 else found


def strip_markup(text: str) -> str:
    """``text`` (NFC) without what is not its words: URLs, e-mail addresses, @handles
    with a retweet mark or "via" before them, hashtag signs (a hashtag's words stay),
    HTML entities read as their characters. The one rule for what the keywords, the
    demand finder and the sentence encoder read.

    >>> normalise("RT @stadt_md: Mehr Kitas! #MehrKitaPlätze https://t.co/x via @mdr")
    'Mehr Kitas! Mehr Kita Plätze'
    >>> normalise("Mail an info@example.org &amp; C# um 18 Uhr @ Rathaus")
    'Mail an & C# um 18 Uhr @ Rathaus'
    """
    text = unicodedata.normalize("NFC", text)
    if "&" in text and ";" in text:
        text = _ENTITY.sub(_entity, text)
    if "://" in text or "www." in text or "WWW." in text:
        text = _URL.sub(" ", text)
    if "@" in text:
        text = _HANDLES.sub(" ", _EMAIL.sub(" ", text))
    if "RT" in text[:8]:
        text = _RETWEET.sub("", text)
    if "#" in text:
        text = _HASHTAG.sub(lambda m: _CAMEL.sub(" ", m.group(1)), text)
    return text


def normalise(text: str) -> str:
    """:func:`strip_markup`, whitespace collapsed."""
    text = strip_markup(text)
    # str.split() splits at exactly what \s matches (both ask str.isspace()), so this is
    # re.sub(r"\s+", " ", text).strip() at a quarter of the cost.
    return " ".join(text.split())


@lru_cache(maxsize=200_000)
def lemmatise(word: str, language: str) -> str:
    """simplemma's lemma, cached (the same words recur across statements).

    A German adjective used as a noun keeps its "-e" form: simplemma gives "Geflüchtete"
    the lemma "Geflüchteter" but "Geflüchteten" the lemma "Geflüchtete", so one word
    would be two keywords. Only the inflections of that "-e" form are read so ("Alter",
    the age, stays "Alter"; so does the masculine singular "ein Geflüchteter").

    >>> lemmatise("Geflüchtete", "de"), lemmatise("Geflüchteten", "de"), lemmatise("Alters", "de")
    ('Geflüchtete', 'Geflüchtete', 'Alter')
    """
    try:
        lemma = simplemma.lemmatize(word, lang=language)
    except (ValueError, KeyError):  # an unknown language or odd input: keep the word
        return word
    if language == "de" and lemma.endswith("er") and lemma[:1].isupper():
        base = lemma[:-1]
        if word in (base, base + "n", base + "m", base + "s"):
            return base
    return lemma


def word_key(word: str, language: str) -> str:
    """The keyword key ``word`` gets inside a sentence of ``language``: its lemma, case-folded
    (stopwords not applied: a moderator's own word counts even if it is one).

    >>> word_key("Fahrräder", "de"), word_key("bikes", "en"), word_key("Abschluss", "de")
    ('fahrrad', 'bike', 'abschluss')
    """
    lemma = lemmatise(word, language)
    return (_modern(lemma, word) if language == "de" else lemma).casefold()


def _modern(lemma: str, word: str) -> str:
    """simplemma's lexicon keeps some pre-1996 spellings ("Abschluß"): the word's own wins."""
    return lemma.replace("ß", "ss") if "ß" in lemma and "ß" not in word else lemma


def word_keys(word: str) -> tuple[str, ...]:
    """Every key a word a moderator typed may stand for, in any inflection: as typed, and
    its lemma in German (as typed and as a noun) and in English.

    >>> word_keys("Sprachkurse")
    ('sprachkurse', 'sprachkurs')
    >>> word_keys("geflüchteten")
    ('geflüchteten', 'geflüchtet', 'geflüchtete')
    """
    word = word.strip()
    if not word:
        return ()
    keys = (word.casefold(), word_key(word, "de"), word_key(word[:1].upper() + word[1:], "de"),
            word_key(word.lower(), "en"))
    return tuple(dict.fromkeys(keys))


def warm_up() -> None:
    """Load the lemmatiser's dictionaries (about a second each: the first board after a
    server start would wait for them). A server calls this once as it starts."""
    for language in SUPPORTED_LANGUAGES:
        simplemma.lemmatize("Häuser", lang=language)
        simplemma.is_known("Häuser", lang=language)


def is_word(word: str, language: str) -> bool:
    """Whether the lemmatiser's dictionary knows ``word``, as written or capitalised.

    >>> is_word("behörde", "de"), is_word("hörde", "de")
    (True, False)
    """
    try:
        return bool(simplemma.is_known(word, lang=language)
                    or simplemma.is_known(word[:1].upper() + word[1:], lang=language))
    except (ValueError, KeyError):
        return False


@lru_cache(maxsize=50_000)
def _noun_at_start(word: str, language: str) -> bool:
    """Whether a capitalised word opening a sentence is a noun: known words by their
    lemma's capitalisation, unknown ones (new compounds) count as nouns."""
    lower = word.lower()
    try:
        if simplemma.is_known(lower, lang=language):
            return simplemma.lemmatize(lower, lang=language)[:1].isupper()
    except (ValueError, KeyError):
        return False
    return word[:1].isupper()


def _keep(key: str, word: str) -> bool:
    """A content word is at least three letters, or a two-letter acronym ("EU", "PV")."""
    if len(key) >= 3:
        return True
    return len(word) == 2 and word.isupper()


def _language_of(folded: list[str], default: str) -> str:
    de_words, en_words = _function_words("de"), _function_words("en")
    de_hits = sum(1 for w in folded if w in de_words)
    en_hits = sum(1 for w in folded if w in en_words)
    if de_hits > en_hits:
        return "de"
    if en_hits > de_hits:
        return "en"
    return default if default in SUPPORTED_LANGUAGES else "de"


def _term(word: str, folded: str, language: str, initial: bool) -> Term | None:
    """The content word behind one token, or None for stopwords, filler and fragments."""
    stop = stopwords(language)
    if folded in stop:
        return None
    lemma = lemmatise(word, language)
    key = lemma.casefold()
    if key in stop or not _keep(key, word):
        return None
    if language == "en":
        # English keeps acronyms ("UBI", "NZ") and lower-cases the rest.
        form = word if word.isupper() and len(word) > 1 else key
        return Term(key, form, initial, True)
    lemma = _modern(lemma, word)
    key = lemma.casefold()
    # German capitalises nouns; at a sentence start ask the lexicon instead.
    noun = _noun_at_start(word, language) if initial else lemma[:1].isupper()
    noun = noun or (word.isupper() and len(word) > 1)
    return Term(key, lemma, initial, noun)


# One pass of one pattern per statement: the run of non-letters before a word (does it
# hold a sentence mark?), the word as _WORD reads it, and a hyphen right after it. The
# quantifiers are possessive (nothing to give back, so no backtracking), and the last
# alternative takes non-letters that end the text in one step (else every one of them
# would start a failing search: quadratic in a long run of punctuation); its match has
# an empty word.
_TOKEN = re.compile(r"([\W\d_]*+)([^\W\d_]\w*+(?:[-'’]\w+)*+)(-?)|[\W\d_]++\Z")
# A word opens a sentence when it is the first one or the non-letters before it hold one
# of these. Not a newline: statements are read as normalise() leaves them, newlines spaces.
_SENTENCE_MARKS = frozenset(".!?:;")

_MISSING = Term("", "", False, False)


class _Word:
    """What a recurring token says, computed once per process: its case-folded form,
    whether it is a German or English function word, and its verdict (a Term or None)
    per language and sentence position, filled in as they are first needed."""

    __slots__ = ("word", "fold", "de_hit", "en_hit", "verdicts")

    def __init__(self, word: str) -> None:
        self.word = word
        self.fold = word.casefold()
        self.de_hit = self.fold in _function_words("de")
        self.en_hit = self.fold in _function_words("en")
        # de inside a sentence, de opening one, en inside, en opening
        self.verdicts: list[Term | None] = [_MISSING, _MISSING, _MISSING, _MISSING]


# Tokens repeat across statements: one record per distinct token (a per-token tuple key
# and four lookups cost more, over 10,000 statements, than the lemma lookups themselves).
_WORDS: dict[str, _Word] = {}
_WORDS_LIMIT = 400_000
_TRUNCATED = -1


def _analyse(text: str, language: str, detect: bool) -> Analysis:
    # normalise() less the whitespace collapse: runs of spaces only ever sit between
    # words, and normalise() turns a newline into a space, so it marks no sentence here.
    text = strip_markup(text)
    words = _WORDS
    if len(words) > _WORDS_LIMIT:
        words.clear()
    records: list[_Word] = []
    # per token: 1 if it opens a sentence, 0 if not, _TRUNCATED for "Wohn-" (no word)
    positions: list[int] = []
    de_hits = en_hits = 0
    marks = _SENTENCE_MARKS
    for gap, word, hyphen in _TOKEN.findall(text):
        if not word:
            break  # the text ends in non-letters
        record = words.get(word)
        if record is None:
            record = words[word] = _Word(word)
        records.append(record)
        de_hits += record.de_hit
        en_hits += record.en_hit
        if hyphen:
            positions.append(_TRUNCATED)
        elif gap == " " or marks.isdisjoint(gap):
            positions.append(0)
        else:
            positions.append(1)
    if positions and positions[0] == 0:
        positions[0] = 1  # the first word opens the first sentence
    if detect:
        if de_hits > en_hits:
            language = "de"
        elif en_hits > de_hits:
            language = "en"
        elif language not in SUPPORTED_LANGUAGES:
            language = "de"
    elif language not in SUPPORTED_LANGUAGES:
        language = "de"
    slot = 2 if language == "en" else 0
    terms: list[Term] = []
    for record, initial in zip(records, positions, strict=True):
        if initial == _TRUNCATED:
            continue
        verdicts = record.verdicts
        term = verdicts[slot + initial]
        if term is _MISSING:
            term = verdicts[slot + initial] = _term(
                record.word, record.fold, language, initial == 1
            )
        if term is not None:
            terms.append(term)
    nouns = tuple(t for t in terms if t.noun)
    return Analysis(
        language,
        tuple(terms),
        nouns,
        " ".join([r.fold for r in records]),
        tuple(t.key for t in terms),
        tuple(t.key for t in nouns),
    )


class _AnalysisCache:
    """A bounded, thread-safe LRU of statement analyses (key: text, language, detect)."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._data: OrderedDict[tuple[str, str, bool], Analysis] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[str, str, bool]) -> Analysis | None:
        with self._lock:
            found = self._data.get(key)
            if found is not None:
                self._data.move_to_end(key)
            return found

    def put(self, key: tuple[str, str, bool], value: Analysis) -> None:
        with self._lock:
            self._data[key] = value
            if len(self._data) > self._size:
                self._data.popitem(last=False)


_CACHE = _AnalysisCache(250_000)


def analyse(text: str, language: str = "de", *, detect: bool = True) -> Analysis:
    """The content words of a statement: lemmatised, stopwords and filler dropped.

    ``language`` is the workshop's language; with ``detect`` a statement that reads as
    the other supported language is lemmatised as that one. Numbers, URLs, e-mail
    addresses, punctuation and emoji are dropped. Cached: a pure function of its inputs.
    """
    key = (text, language, detect)
    found = _CACHE.get(key)
    if found is None:
        found = _analyse(text, language, detect)
        _CACHE.put(key, found)
    return found


def split_compound(key: str, vocabulary: Container[str], min_part: int = 4) -> tuple[str, ...]:
    """The parts of a German compound that the workshop also uses on their own.

    The head is the longest proper suffix in ``vocabulary``; the rest, less a linking
    element ("Arbeit-s-markt"), is a part if the workshop uses it, or is split the same
    way in turn. Hyphenated words split at the hyphen. Parts come head first.

    >>> split_compound("arbeitsmarktintegration", {"integration", "arbeit", "markt"})
    ('integration', 'markt', 'arbeit')
    >>> split_compound("kinderbetreuung", {"betreuung", "kind", "kinder"})
    ('betreuung', 'kinder')
    """
    if "-" in key:
        pieces = [p for p in key.split("-") if len(p) >= 3]
        parts = [p for p in pieces[-1:] + pieces[:-1] if p in vocabulary]
        return tuple(dict.fromkeys(p for p in parts if p != key))
    return tuple(dict.fromkeys(p for p in _decompose(key, vocabulary, min_part, 0) if p != key))


def _decompose(word: str, vocabulary: Container[str], min_part: int, depth: int) -> list[str]:
    """Head first, then the modifier or the modifier's own parts (two levels deep)."""
    head = ""
    for cut in range(3, len(word) - min_part + 1):
        if word[cut:] in vocabulary:
            head = word[cut:]
            break
    if not head:
        # No known head: a known modifier still links ("Kitaplatz" -> "Kita").
        prefix = _modifier_prefix(word[: len(word) - 3], vocabulary, min_part)
        return [prefix] if prefix and depth == 0 else []
    rest = word[: len(word) - len(head)]
    parts = [head]
    for candidate in _strip_linking(rest):
        if len(candidate) >= 3 and candidate in vocabulary:
            parts.append(candidate)
            return parts
    if depth < 2 and len(rest) >= 2 * min_part - 1:
        inner = _decompose(rest, vocabulary, min_part, depth + 1)
        if inner:
            return parts + inner
    prefix = _modifier_prefix(rest, vocabulary, min_part)
    if prefix:
        parts.append(prefix)
    return parts


def _modifier_prefix(word: str, vocabulary: Container[str], min_part: int) -> str:
    """The longest proper prefix of ``word`` (less a linking element) in ``vocabulary``."""
    for end in range(len(word) - 1, min_part - 1, -1):
        for candidate in _strip_linking(word[:end]):
            if len(candidate) >= min_part and candidate in vocabulary:
                return candidate
    return ""


def _strip_linking(part: str) -> Iterable[str]:
    yield part
    for link in _LINKING:
        if part.endswith(link) and len(part) > len(link) + 2:
            yield part[: -len(link)]
