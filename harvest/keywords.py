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

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from harvest.model import Overrides
from harvest.text import Analysis, analyse, split_compound


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
        for word in list(synonyms):
            seen = {word}
            target = synonyms[word]
            while target in synonyms and target not in seen:
                seen.add(target)
                target = synonyms[target]
            synonyms[word] = target
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

    def document_frequency(self) -> list[int]:
        """How many statements use each keyword (index-aligned with ``keys``)."""
        counts = [0] * len(self.keys)
        for ids in self.doc_keywords:
            for i in ids:
                counts[i] += 1
        return counts


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

    Each statement's analysis is cached (see :func:`harvest.text.analyse`); the rest is
    a pass over the workshop's distinct keywords, so adding one statement stays cheap.
    """
    lexicon = lexicon or Lexicon()
    analyses: list[Analysis] = [analyse(t, language, detect=detect_language) for t in texts]

    forms: dict[str, Counter[tuple[bool, str]]] = {}
    german: set[str] = set()
    raw_docs: list[list[str]] = []
    canonical_cache: dict[str, str | None] = {}
    for analysis in analyses:
        keys: list[str] = []
        nouns_only = german_nouns_only and analysis.language == "de"
        for term in analysis.terms:
            if nouns_only and not term.noun:
                continue
            key = canonical_cache.get(term.key, "")
            if key == "":
                key = lexicon.canonical(term.key)
                canonical_cache[term.key] = key
            if key is None:
                continue
            keys.append(key)
            counter = forms.get(key)
            if counter is None:
                counter = forms[key] = Counter()
            # A synonym shows as its canonical word, not as the word that was typed.
            form = term.form if key == term.key else lexicon.spelling.get(key, key)
            counter[(not term.initial, form)] += 1
            if analysis.language == "de":
                german.add(key)
        raw_docs.append(keys)

    standalone = frozenset(forms)
    parts_of: dict[str, tuple[str, ...]] = {}
    if compounds:
        for key in sorted(german):
            if len(key) < 7 and "-" not in key:
                continue
            parts = []
            for part in split_compound(key, standalone):
                part_key = lexicon.canonical(part)
                if part_key is not None and part_key != key:
                    parts.append(part_key)
            if parts:
                parts_of[key] = tuple(dict.fromkeys(parts))
                for part in parts:
                    if part not in forms:
                        forms[part] = Counter({(True, part): 1})

    keys_sorted = tuple(sorted(forms))
    index = {key: i for i, key in enumerate(keys_sorted)}
    doc_keywords: list[tuple[int, ...]] = []
    for keys in raw_docs:
        seen: dict[int, None] = {}
        for key in keys:
            seen.setdefault(index[key], None)
            for part in parts_of.get(key, ()):
                seen.setdefault(index[part], None)
        doc_keywords.append(tuple(seen))
    display = {key: _display_form(key, forms[key]) for key in keys_sorted}
    return KeywordTable(
        keys=keys_sorted,
        display=display,
        doc_keywords=tuple(doc_keywords),
        doc_languages=tuple(a.language for a in analyses),
        compound_parts=parts_of,
    )


def _display_form(key: str, counts: Counter[tuple[bool, str]]) -> str:
    """The most frequent spelling, trusting words inside a sentence over sentence starts."""
    best = max(counts.items(), key=lambda item: (item[0][0], item[1], item[0][1]))
    form = best[0][1]
    if form.casefold() != key:
        return key
    # Capitalised German nouns stay capitalised; a word only ever seen opening a
    # sentence keeps the lemma's own capitalisation, which simplemma gives nouns.
    return form
