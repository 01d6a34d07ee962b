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

from harvest.engine.text import Analysis, Term, analyse, split_compound
from harvest.model import Overrides, resolve_chains


@dataclass(frozen=True)
class Lexicon:
    """The moderator's vocabulary decisions: extra stopwords and synonyms (lower case)."""

    stopwords: frozenset[str] = frozenset()
    synonyms: Mapping[str, str] = field(default_factory=dict)
    spelling: Mapping[str, str] = field(default_factory=dict)
    """canonical key -> the moderator's spelling of it ("öpnv" -> "ÖPNV")"""

    @classmethod
    def from_overrides(cls, overrides: Overrides) -> Lexicon:
        """The lexicon part of a moderator's overrides, case-folded."""
        synonyms: dict[str, str] = {}
        spelling: dict[str, str] = {}
        for word, canonical in sorted(overrides.synonyms.items()):
            word_key, canonical_key = word.strip().casefold(), canonical.strip().casefold()
            if word_key and canonical_key and word_key != canonical_key:
                synonyms[word_key] = canonical_key
                spelling.setdefault(canonical_key, canonical.strip())
        # Follow chains (a -> b -> c) so that every word lands on one canonical key.
        synonyms = resolve_chains(synonyms)
        return cls(
            stopwords=frozenset(w.strip().casefold() for w in overrides.stopwords if w.strip()),
            synonyms=synonyms,
            spelling=spelling,
        )

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
    doc_keywords: tuple[tuple[int, ...], ...]
    """per statement: indices into ``keys``, in reading order, compound parts after the word"""
    doc_languages: tuple[str, ...]
    compound_parts: dict[str, tuple[str, ...]]
    """compound key -> the part keys it was linked to"""
    doc_dedupe: tuple[str, ...] = ()
    """per statement: its text reduced to words (copies of one statement share it)"""
    standalone: tuple[float, ...] = ()
    """per keyword: the share of its uses as a word of its own rather than as a part of
    a compound ("Mittel" is mostly "Lebensmittel"), to show whole words first"""

    def document_frequency(self) -> list[int]:
        """How many statements use each keyword (index-aligned with ``keys``)."""
        counts = [0] * len(self.keys)
        for ids in self.doc_keywords:
            for i in ids:
                counts[i] += 1
        return counts


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

    Each statement's analysis is cached (see :func:`harvest.engine.text.analyse`); the rest is
    a pass over the workshop's distinct keywords, so adding one statement stays cheap.
    """
    lexicon = lexicon or Lexicon()
    analyses: list[Analysis] = [analyse(t, language, detect=detect_language) for t in texts]
    doc_terms = [
        a.noun_terms if german_nouns_only and a.language == "de" else a.terms for a in analyses
    ]
    # Count each (word, spelling, position) once per workshop, not once per occurrence.
    occurrences: Counter[Term] = Counter(chain.from_iterable(doc_terms))
    canonical = {key: lexicon.canonical(key) for key in sorted({t.key for t in occurrences})}
    # Plain dicts, not a Counter per keyword: over 10,000 statements the Counters' set-up
    # alone cost a fifth of this function.
    forms: dict[str, dict[tuple[bool, str], int]] = {}
    for term, count in occurrences.items():
        key = canonical[term.key]
        if key is None:
            continue
        # A synonym shows as its canonical word, not as the word that was typed.
        form = term.form if key == term.key else lexicon.spelling.get(key, key)
        spellings = forms.get(key)
        if spellings is None:
            spellings = forms[key] = {}
        spelling = (not term.initial, form)
        spellings[spelling] = spellings.get(spelling, 0) + count
    doc_keys = [
        a.noun_keys if german_nouns_only and a.language == "de" else a.keys for a in analyses
    ]
    raw_docs: list[Sequence[str]]
    if lexicon.stopwords or lexicon.synonyms:
        raw_docs = [
            [key for k in keys if (key := canonical[k]) is not None] for keys in doc_keys
        ]
    else:  # the common case: nothing to map, the cached keys serve as they are
        raw_docs = list(doc_keys)
    german = {
        key for a, keys in zip(analyses, raw_docs, strict=True) if a.language == "de"
        for key in keys
    }

    standalone = frozenset(forms)
    parts_of: dict[str, tuple[str, ...]] = {}
    if compounds:
        for key in sorted(german):
            if len(key) < 7 and "-" not in key:
                continue
            parts = []
            for part in _SPLITS.split(key, standalone):
                part_key = lexicon.canonical(part)
                if part_key is not None and part_key != key:
                    parts.append(part_key)
            if parts:
                parts_of[key] = tuple(dict.fromkeys(parts))

    keys_sorted = tuple(sorted(forms))
    index = {key: i for i, key in enumerate(keys_sorted)}
    # Each word stands for itself and the parts it links to.
    expansion = {
        key: (index[key], *(index[part] for part in parts_of.get(key, ())))
        for key in keys_sorted
    }
    doc_keywords = [
        tuple(dict.fromkeys(chain.from_iterable(expansion[key] for key in keys)))
        for keys in raw_docs
    ]
    display = {key: _display_form(key, forms[key]) for key in keys_sorted}
    uses = {key: sum(counter.values()) for key, counter in forms.items()}
    as_part: Counter[str] = Counter()
    for key, linked in parts_of.items():
        for part in linked:
            as_part[part] += uses.get(key, 0)
    standalone_share = tuple(uses[key] / (uses[key] + as_part[key]) for key in keys_sorted)
    return KeywordTable(
        keys=keys_sorted,
        display=display,
        doc_keywords=tuple(doc_keywords),
        doc_languages=tuple(a.language for a in analyses),
        compound_parts=parts_of,
        doc_dedupe=tuple(a.dedupe for a in analyses),
        standalone=standalone_share,
    )


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
            inside = re.compile("|".join(map(re.escape, sorted(changed)))).search
            self._parts = {key: parts for key, parts in self._parts.items() if not inside(key)}
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
