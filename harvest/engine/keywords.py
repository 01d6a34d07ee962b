"""Keywords: statements -> weighted keywords and the workshop's keyword vocabulary.

A keyword is a lemma, keyed in lower case and shown in its usual capitalisation
("Kinderbetreuung", "bike"). The moderator's extra stopwords and synonyms apply here;
German compounds are linked to the parts the workshop also uses on their own, so
"Sprachkurse" and "Kurs", "Kinderbetreuung" and "Betreuung" meet in the graph.

>>> table = extract_keywords(["Mehr Kinderbetreuung!", "Betreuung am Abend"], "de")
>>> [table.keys[i] for i in table.doc_keywords[0]]
['kinderbetreuung', 'betreuung']
>>> table.display["kinderbetreuung"]
'Kinderbetreuung'
"""

from __future__ import annotations

import gc
import re
import threading
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import chain

import numpy as np

from harvest.engine.text import analyse, split_compound, word_key, word_keys
from harvest.model import Overrides, resolve_chains


@dataclass(frozen=True)
class Lexicon:
    """The moderator's vocabulary decisions: extra stopwords and synonyms (lower case)."""

    stopwords: frozenset[str] = frozenset()
    synonyms: Mapping[str, str] = field(default_factory=dict)
    spelling: Mapping[str, str] = field(default_factory=dict)
    """canonical key -> the moderator's spelling of it ("öpnv" -> "ÖPNV")"""

    @classmethod
    def from_overrides(cls, overrides: Overrides, language: str = "de") -> Lexicon:
        """The lexicon part of a moderator's overrides, keyed as statements' words are: a
        word stands for all its inflections ("Sprachkurse" stops "Sprachkurs"), and a
        synonym's canonical word is the keyword that word is in ``language``."""
        pairs = [(word_keys(word), word_key(canonical.strip(), language), canonical.strip())
                 for word, canonical in sorted(overrides.synonyms.items()) if canonical.strip()]
        synonyms: dict[str, str] = {}
        spelling: dict[str, str] = {}
        # a word as it was typed first, then the other inflections of every word
        for forms, canonical_key, shown in [(f[:1], c, s) for f, c, s in pairs] + pairs:
            for form in forms:
                if form != canonical_key and form not in synonyms:
                    synonyms[form] = canonical_key
                    spelling.setdefault(canonical_key, shown)
        # Follow chains (a -> b -> c) so that every word lands on one canonical key.
        synonyms = resolve_chains(synonyms)
        return cls(
            stopwords=frozenset(chain.from_iterable(map(word_keys, overrides.stopwords))),
            synonyms=synonyms,
            spelling=spelling,
        )

    def keys_of(self, word: str) -> frozenset[str]:
        """The keywords a word the moderator typed may be (to pin it): none if stopped."""
        return frozenset(key for form in word_keys(word)
                         if (key := self.canonical(form)) is not None)

    def canonical(self, key: str) -> str | None:
        """The key a word counts as, or None if the moderator made it a stopword."""
        key = self.synonyms.get(key, key)
        if key in self.stopwords:
            return None
        return key


@dataclass(frozen=True)
class KeywordTable:
    """Every statement's keywords as indices into one sorted vocabulary."""

    keys: tuple[str, ...]
    """all keywords of the workshop, sorted"""
    display: dict[str, str]
    """keyword key -> how to show it ("kinderbetreuung" -> "Kinderbetreuung")"""
    indptr: np.ndarray
    """statement ``i``'s keywords are ``indices[indptr[i]:indptr[i + 1]]`` (CSR rows)"""
    indices: np.ndarray
    """indices into ``keys``, per statement in reading order, compound parts after the word"""
    doc_languages: tuple[str, ...]
    compound_parts: dict[str, tuple[str, ...]]
    """compound key -> the part keys it was linked to"""
    doc_dedupe: tuple[str, ...] = ()
    """per statement: its text reduced to words (copies of one statement share it)"""
    standalone: tuple[float, ...] = ()
    """per keyword: the share of its uses as a word of its own rather than as a part of
    a compound ("Mittel" is mostly "Lebensmittel"), to show whole words first"""

    def row(self, doc: int) -> list[int]:
        """Statement ``doc``'s keywords as indices into ``keys``."""
        return self.indices[self.indptr[doc]:self.indptr[doc + 1]].tolist()

    @property
    def doc_keywords(self) -> tuple[tuple[int, ...], ...]:
        """Every statement's keywords, one tuple each (for reading, not for hot loops)."""
        return tuple(tuple(self.row(doc)) for doc in range(len(self.indptr) - 1))

    def document_frequency(self) -> list[int]:
        """How many statements use each keyword (index-aligned with ``keys``)."""
        return np.bincount(self.indices, minlength=len(self.keys)).tolist()


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause Python's cycle collector while analyses pile up: they hold no cycles, and
    at 100,000 statements its repeated full scans cost a fifth of a cold recompute."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def extract_keywords(
    texts: Sequence[str],
    language: str = "de",
    lexicon: Lexicon | None = None,
    *,
    compounds: bool = True,
    detect_language: bool = True,
    german_nouns_only: bool = True,
) -> KeywordTable:
    """The keywords of each statement, with the moderator's lexicon applied.

    Each statement's analysis is cached (see :func:`harvest.engine.text.analyse`), and so is
    the last few workshops' vocabulary: when ``texts`` continue a list seen before (a
    statement arrived), only the new statements and the compounds their words touch are
    read. The table is the same as one built afresh.
    """
    lexicon = lexicon or Lexicon()
    options = _Options(language, lexicon, compounds, detect_language, german_nouns_only)
    return _VOCABULARIES.table(list(texts), options)


@dataclass(frozen=True)
class _Options:
    language: str
    lexicon: Lexicon
    compounds: bool
    detect_language: bool
    german_nouns_only: bool

    def key(self) -> tuple[object, ...]:
        lex = self.lexicon
        return (self.language, lex.stopwords, tuple(sorted(lex.synonyms.items())),
                tuple(sorted(lex.spelling.items())), self.compounds, self.detect_language,
                self.german_nouns_only)


class _Vocabulary:
    """One workshop's keywords, grown statement by statement.

    Keywords are numbered in order of first use, which adding statements never changes;
    the table renumbers them in sorted order. Everything here is a sum over statements or
    a function of the set of keywords, so growing by ``b`` after ``a`` gives what ``a + b``
    gives at once.
    """

    def __init__(self, options: _Options) -> None:
        self.options = options
        self.key = options.key()
        self.lock = threading.Lock()
        self.table: KeywordTable | None = None
        """the table of ``texts``, built once for all the recomputes that ask for it"""
        self.texts: list[str] = []
        self.languages: list[str] = []
        self.dedupe: list[str] = []
        self.raw_docs: list[Sequence[str]] = []
        """per statement: its keyword keys with the lexicon applied"""
        self.canonical: dict[str, str | None] = {}
        self.forms: dict[str, dict[tuple[bool, str], int]] = {}
        """key -> (inside a sentence, spelling) -> uses; keys in order of first use"""
        self.number: dict[str, int] = {}
        """key -> its number (order of first use)"""
        self.german: set[str] = set()
        self.parts_of: dict[str, tuple[str, ...]] = {}
        self.rows: list[tuple[int, ...]] = []
        """per statement: keyword numbers, the words' own and their parts"""
        self.shown: dict[str, str] = {}
        self.indptr = np.zeros(1, dtype=np.int64)
        self.flat = np.zeros(0, dtype=np.int32)
        self.sorted_keys: tuple[str, ...] = ()
        self.rank = np.zeros(0, dtype=np.int32)

    def continues(self, texts: list[str]) -> bool:
        m = len(self.texts)
        return m <= len(texts) and texts[:m] == self.texts

    def grow(self, texts: list[str]) -> KeywordTable:
        """The table of ``texts``, which begin with the texts read so far."""
        new = texts[len(self.texts):]
        if new or self.table is None:
            self._read(new)
            self.table = self._table()
        return self.table

    def _read(self, texts: list[str]) -> None:
        opts = self.options
        lexicon = opts.lexicon
        analyses = [analyse(t, opts.language, detect=opts.detect_language) for t in texts]
        touched: set[str] = set()
        fresh: list[str] = []
        german_new: set[str] = set()
        first = len(self.raw_docs)
        for a in analyses:
            nouns = opts.german_nouns_only and a.language == "de"
            for term in a.noun_terms if nouns else a.terms:
                key = self._canonical(term.key)
                if key is None:
                    continue
                form = term.form if key == term.key else lexicon.spelling.get(key, key)
                spellings = self.forms.get(key)
                if spellings is None:
                    spellings = self.forms[key] = {}
                    self.number[key] = len(self.number)
                    fresh.append(key)
                spelling = (not term.initial, form)
                spellings[spelling] = spellings.get(spelling, 0) + 1
                touched.add(key)
            keys: Sequence[str] = a.noun_keys if nouns else a.keys
            if lexicon.stopwords or lexicon.synonyms:
                keys = [key for k in keys if (key := self._canonical(k)) is not None]
            self.raw_docs.append(keys)
            if a.language == "de":
                german_new.update(k for k in keys if k not in self.german)
                self.german.update(keys)
            self.languages.append(a.language)
            self.dedupe.append(a.dedupe)
        self.texts.extend(texts)
        for key in touched:
            self.shown[key] = _display_form(key, self.forms[key])
        changed = self._link_compounds(fresh, german_new) if opts.compounds else set()
        if changed:  # a word's parts changed: the statements using it are read again
            self.rows = [self._row(keys) if not changed.isdisjoint(keys) else row
                         for keys, row in zip(self.raw_docs, self.rows, strict=False)]
        self.rows.extend(self._row(keys) for keys in self.raw_docs[first:])
        self._flatten(0 if changed else first)
        if fresh:
            self.sorted_keys = tuple(sorted(self.forms))
            self.rank = np.zeros(len(self.number), dtype=np.int32)
            for position, key in enumerate(self.sorted_keys):
                self.rank[self.number[key]] = position

    def _canonical(self, key: str) -> str | None:
        try:
            return self.canonical[key]
        except KeyError:
            found = self.canonical[key] = self.options.lexicon.canonical(key)
            return found

    def _link_compounds(self, fresh: list[str], german_new: set[str]) -> set[str]:
        """Split the compounds a new word may be part of, and new German words; the keys
        whose parts changed."""
        candidates = set(german_new)
        older = self.german - german_new
        if fresh and older:
            candidates.update(_containing(older, fresh))
        if not candidates:
            return set()
        vocabulary = frozenset(self.forms)
        changed: set[str] = set()
        for key in sorted(candidates):
            if len(key) < 7 and "-" not in key:
                continue
            parts = []
            for part in _SPLITS.split(key, vocabulary):
                part_key = self._canonical(part)
                if part_key is not None and part_key != key:
                    parts.append(part_key)
            linked = tuple(dict.fromkeys(parts))
            if linked != self.parts_of.get(key, ()):
                changed.add(key)
                if linked:
                    self.parts_of[key] = linked
                else:
                    del self.parts_of[key]
        return changed

    def _row(self, keys: Sequence[str]) -> tuple[int, ...]:
        number, parts_of = self.number, self.parts_of
        ids: dict[int, None] = {}
        for key in keys:
            ids[number[key]] = None
            for part in parts_of.get(key, ()):
                ids[number[part]] = None
        return tuple(ids)

    def _flatten(self, start: int) -> None:
        """The CSR arrays of ``rows``, rebuilt from row ``start`` on."""
        rows = self.rows[start:]
        lengths = np.fromiter(map(len, rows), dtype=np.int64, count=len(rows))
        offset = self.indptr[start]
        indptr = np.concatenate([self.indptr[:start + 1], offset + np.cumsum(lengths)])
        flat = np.fromiter(chain.from_iterable(rows), dtype=np.int32,
                           count=int(indptr[-1] - offset))
        self.flat = np.concatenate([self.flat[:offset], flat])
        self.indptr = indptr

    def _table(self) -> KeywordTable:
        keys = self.sorted_keys
        uses = {key: sum(spellings.values()) for key, spellings in self.forms.items()}
        as_part: Counter[str] = Counter()
        for key, linked in self.parts_of.items():
            for part in linked:
                as_part[part] += uses[key]
        return KeywordTable(
            keys=keys,
            display={key: self.shown[key] for key in keys},
            indptr=self.indptr,
            indices=self.rank[self.flat],
            doc_languages=tuple(self.languages),
            compound_parts=dict(self.parts_of),
            doc_dedupe=tuple(self.dedupe),
            standalone=tuple(uses[key] / (uses[key] + as_part[key]) for key in keys),
        )


def _containing(words: set[str], parts: list[str]) -> list[str]:
    """The ``words`` that contain one of ``parts`` (a few parts: one regular expression;
    many, as on an import: every word's substrings looked up)."""
    if len(parts) <= 64:
        inside = re.compile("|".join(map(re.escape, sorted(parts)))).search
        return [word for word in words if inside(word)]
    wanted = frozenset(parts)
    shortest = min(map(len, parts))
    return [word for word in words
            if any(word[i:j] in wanted for i in range(len(word))
                   for j in range(i + shortest, len(word) + 1))]


class _Vocabularies:
    """The last few workshops' vocabularies (a server holds several boards). Thread-safe:
    one recompute at a time grows a vocabulary; the others start their own."""

    def __init__(self, limit: int = 4) -> None:
        self._lock = threading.Lock()
        self._kept: list[_Vocabulary] = []
        self._limit = limit

    def table(self, texts: list[str], options: _Options) -> KeywordTable:
        key = options.key()
        with self._lock:
            fitting = [v for v in self._kept
                       if v.key == key and v.continues(texts) and not v.lock.locked()]
            vocabulary = max(fitting, key=lambda v: len(v.texts), default=None)
            if vocabulary is None:
                vocabulary = _Vocabulary(options)
            else:
                self._kept.remove(vocabulary)
            self._kept.insert(0, vocabulary)
            del self._kept[self._limit:]
            vocabulary.lock.acquire()
        try:
            return vocabulary.grow(texts)
        except BaseException:  # half grown: never served again
            with self._lock:
                if vocabulary in self._kept:
                    self._kept.remove(vocabulary)
            raise
        finally:
            vocabulary.lock.release()


_VOCABULARIES = _Vocabularies()


class _SplitMemo:
    """``split_compound`` of each word, kept across recomputes while the vocabulary stays
    nearly the same: a result can only change when a word that appeared or vanished is
    part of the compound, so only those are split again. Thread-safe."""

    def __init__(self, limit: int = 200) -> None:
        self._lock = threading.Lock()
        self._vocabulary: frozenset[str] = frozenset()
        self._parts: dict[str, tuple[str, ...]] = {}
        self._limit = limit

    def split(self, key: str, vocabulary: frozenset[str]) -> tuple[str, ...]:
        with self._lock:
            if vocabulary is not self._vocabulary:
                self._follow(vocabulary)
            found = self._parts.get(key)
            if found is None:
                found = self._parts[key] = split_compound(key, vocabulary)
            return found

    def _follow(self, vocabulary: frozenset[str]) -> None:
        changed = self._vocabulary ^ vocabulary
        if len(changed) > self._limit or len(self._parts) > 100_000:
            self._parts = {}
        elif changed:
            stale = set(_containing(set(self._parts), sorted(changed)))
            self._parts = {key: parts for key, parts in self._parts.items() if key not in stale}
        self._vocabulary = vocabulary


_SPLITS = _SplitMemo()


def _display_form(key: str, counts: Mapping[tuple[bool, str], int]) -> str:
    """The most frequent spelling, trusting words inside a sentence over sentence starts."""
    best = max(counts.items(), key=lambda item: (item[0][0], item[1], item[0][1]))
    form = best[0][1]
    if form.casefold() != key:
        return key
    # Capitalised German nouns stay capitalised; a word only ever seen opening a
    # sentence keeps the lemma's own capitalisation, which simplemma gives nouns.
    return form
