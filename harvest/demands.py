"""Demands: does a statement's wording ask for something? If so, say why.

A demand is what a workshop wants done: "Wir brauchen mehr Radwege", "Kita-Plätze
ausbauen", "The council should fund bike lanes". :func:`detect_demand` returns a short
reason a moderator can read ('Modalverb „muss“'), or None. The facilitator's kind and
the moderator's marks are combined with it in :func:`demand_verdict`.

>>> detect_demand("Die Stadt muss mehr Radwege bauen.")
'Modalverb „muss“'
>>> detect_demand("Radwege ausbauen!")
'Infinitiv-Forderung „… ausbauen“'
>>> detect_demand("We need more bike lanes") is not None
True
>>> detect_demand("Der Park ist schön.") is None
True
"""

from __future__ import annotations

import re
from functools import lru_cache

from harvest.text import detect_language, normalise

# --- German -----------------------------------------------------------------------------

_DE_MODALS = (
    "muss", "müssen", "müsste", "müssten", "musste", "soll", "sollen", "sollte", "sollten",
    "darf nicht", "dürfen nicht", "dürfte nicht",
)
_DE_PHRASES: tuple[tuple[str, str], ...] = (
    ("wir brauchen", "wir brauchen"),
    ("es braucht", "es braucht"),
    ("braucht es", "braucht es"),
    ("brauchen wir", "brauchen wir"),
    ("es bräuchte", "es bräuchte"),
    ("wir fordern", "wir fordern"),
    ("ich fordere", "ich fordere"),
    ("wir wünschen uns", "wir wünschen uns"),
    ("ich wünsche mir", "ich wünsche mir"),
    ("wünschenswert", "wünschenswert"),
    ("es fehlt", "es fehlt"),
    ("es fehlen", "es fehlen"),
    ("fehlt es an", "fehlt es an"),
    ("ist notwendig", "ist notwendig"),
    ("sind notwendig", "sind notwendig"),
    ("ist nötig", "ist nötig"),
    ("sind nötig", "sind nötig"),
    ("ist erforderlich", "ist erforderlich"),
    ("ist dringend", "ist dringend"),
    ("bedarf an", "Bedarf an"),
    ("verpflichtend", "verpflichtend"),
    ("verpflichtung", "Verpflichtung"),
    ("pflicht", "Pflicht"),
    ("verbot", "Verbot"),
    ("verbieten", "verbieten"),
    ("abschaffen", "abschaffen"),
    ("forderung", "Forderung"),
    ("bitte", "bitte"),
    ("wäre gut", "wäre gut"),
    ("wäre schön", "wäre schön"),
    ("wäre sinnvoll", "wäre sinnvoll"),
    ("wäre wichtig", "wäre wichtig"),
    ("wären gut", "wären gut"),
    ("wären sinnvoll", "wären sinnvoll"),
    ("ist wichtig", "ist wichtig"),
    ("sind wichtig", "sind wichtig"),
    ("sollte man", "sollte man"),
    ("man sollte", "man sollte"),
    ("muss man", "muss man"),
    ("man muss", "man muss"),
    ("mehr ", "„mehr …“"),
    ("weniger ", "„weniger …“"),
)
_DE_INFINITIVE_VERBS = (
    "ausbauen", "stärken", "fördern", "verbessern", "schaffen", "einführen", "erhöhen",
    "senken", "reduzieren", "verringern", "unterstützen", "ermöglichen", "sichern",
    "erweitern", "verbieten", "abschaffen", "vereinfachen", "beschleunigen", "entlasten",
    "bereitstellen", "anbieten", "finanzieren", "investieren", "umsetzen", "bauen",
    "errichten", "sanieren", "begrenzen", "regulieren", "besteuern", "subventionieren",
    "verpflichten", "priorisieren", "verstärken", "ausweiten", "anpassen", "einrichten",
    "erleichtern", "garantieren", "schützen", "vermeiden", "verhindern", "streichen",
    "aufstocken", "verankern", "etablieren", "erhalten", "verdoppeln", "öffnen",
    "bevorzugen", "belohnen", "kontrollieren", "überprüfen", "digitalisieren",
    "modernisieren", "verlängern", "verkürzen", "ausweisen", "umbauen", "stoppen",
    "beenden", "einschränken", "nutzen", "zulassen", "auszubauen", "pflanzen", "anlegen",
)
_DE_MODAL_RE = re.compile(
    r"\b(" + "|".join(re.escape(m) for m in sorted(_DE_MODALS, key=len, reverse=True)) + r")\b",
    re.IGNORECASE,
)
_DE_WORDS = re.compile(r"[^\W\d_][\w-]*")
_DE_SENTENCE = re.compile(r"[^.!?;\n]+")

# --- English ----------------------------------------------------------------------------

_EN_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern, re.IGNORECASE), reason)
    for pattern, reason in (
        (r"\bshould(?:n'?t| not)?\b", "„should“"),
        (r"\bmust(?:n'?t| not)?\b", "„must“"),
        (r"\bought to\b", "„ought to“"),
        (r"\b(?:we|they|you|i|people|nz|new zealand|everyone) (?:really )?needs? "
         r"(?:to|more|a|an|better|stronger|less)\b", "„need“"),
        (r"\bthere (?:needs|need) to be\b", "„needs to be“"),
        (r"\bneeds? to be\b", "„needs to be“"),
        (r"\bhas to\b|\bhave to\b", "„have to“"),
        (r"\b(?:it is|it's|is) (?:essential|vital|crucial|necessary|imperative|important) "
         r"(?:to|that)\b", "„it is essential …“"),
        (r"\bwe (?:demand|call for|want|urge|ask)\b", "„we demand“"),
        (r"\bi (?:want|wish|demand|urge)\b", "„I want“"),
        (r"\bplease\b", "„please“"),
        (r"\bneeds? more\b", "„need more“"),
        (r"\b(?:more|better|cheaper|less) \w+ (?:is|are) needed\b", "„… is needed“"),
        (r"\bis needed\b|\bare needed\b", "„… is needed“"),
        (r"\blet'?s\b", "„let's“"),
        (r"\b(?:should be|must be) (?:made|required|banned|compulsory|mandatory)\b",
         "„should be …“"),
        (r"\b(?:compulsory|mandatory)\b", "„mandatory“"),
    )
)
_EN_IMPERATIVE = (
    "ban", "stop", "introduce", "increase", "reduce", "abolish", "require", "fund", "invest",
    "make", "provide", "build", "create", "give", "tax", "raise", "lower", "cap", "limit",
    "protect", "restore", "allow", "support", "encourage", "implement", "establish",
    "subsidise", "subsidize", "regulate", "prioritise", "prioritize", "remove", "end",
    "replace", "extend", "expand", "enforce", "legislate", "adopt", "plant", "change",
    "offer", "let", "get", "put", "bring", "keep", "use", "include", "set",
)
_EN_WORDS = re.compile(r"[A-Za-z']+")


@lru_cache(maxsize=100_000)
def detect_demand(text: str, language: str | None = None) -> str | None:
    """A short reason why the wording makes this statement a demand, or None.

    ``language`` is "de" or "en"; None reads it from the text.
    """
    text = normalise(text)
    if not text:
        return None
    language = language if language in ("de", "en") else detect_language(text, "de")
    if language == "en":
        return _detect_en(text)
    return _detect_de(text)


def _phrase_pattern() -> re.Pattern[str]:
    """One pattern for all demand phrases; each phrase is its own named group."""
    parts = []
    for number, (phrase, _shown) in enumerate(_DE_PHRASES):
        if phrase.endswith(" "):
            # "mehr X" asks for more of something only where it opens a sentence or clause.
            body = rf"(?:^|[.!?:;,\-–]\s*|\bund\s){re.escape(phrase.strip())}\s+\w"
        else:
            body = rf"(?<!\w){re.escape(phrase)}(?!\w)"
        parts.append(f"(?P<p{number}>{body})")
    return re.compile("|".join(parts))


_DE_PHRASE_RE = _phrase_pattern()


def _detect_de(text: str) -> str | None:
    lowered = text.casefold()
    match = _DE_MODAL_RE.search(lowered)
    if match:
        return f"Modalverb „{match.group(1)}“"
    found = _DE_PHRASE_RE.search(lowered)
    if found and found.lastgroup:
        shown = _DE_PHRASES[int(found.lastgroup[1:])][1]
        return f"Forderung: {shown}" if shown.startswith("„") else f"Forderung: „{shown}“"
    # "Radwege ausbauen!", "Kinderbetreuung stärken": a sentence that ends in an infinitive.
    for sentence in _DE_SENTENCE.findall(text):
        words = _DE_WORDS.findall(sentence)
        if len(words) < 2:
            continue
        last = words[-1].casefold()
        bare = last in _DE_INFINITIVE_VERBS or (
            last.endswith(("ieren", "isieren")) and len(words) <= 12
        )
        if bare and not _finite_subject(words):
            return f"Infinitiv-Forderung „… {words[-1]}“"
    return None


_DE_SUBJECTS = frozenset(
    {"ich", "du", "er", "sie", "es", "wir", "ihr", "man", "kann", "können", "will", "wollen",
     "wird", "werden", "würde", "würden", "könnte", "könnten", "möchte", "möchten"}
)


def _finite_subject(words: list[str]) -> bool:
    """A clause with its own subject or auxiliary ("wir werden … ausbauen") is no bare infinitive.

    Modal verbs were already caught; what remains is future or subjunctive talk that
    describes rather than demands.
    """
    return any(w.casefold() in _DE_SUBJECTS for w in words[:-1])


def _detect_en(text: str) -> str | None:
    for pattern, reason in _EN_PATTERNS:
        if pattern.search(text):
            return reason
    # "Ban plastic bags.", "Fund more bike lanes": a sentence that opens with a bare verb.
    for sentence in re.split(r"[.!?;\n]", text):
        words = _EN_WORDS.findall(sentence)
        if len(words) >= 2 and words[0].casefold() in _EN_IMPERATIVE:
            return f"Imperativ „{words[0]} …“"
    if re.search(r"(?:^|[.!?;:]\s*)more \w+", text, re.IGNORECASE):
        return "„more …“"
    return None


def demand_verdict(
    text: str,
    kind: str | None,
    language: str,
    mark: bool | None,
    workshop_language: str = "de",
) -> tuple[bool, str | None]:
    """Whether a statement counts as a demand, and why: the moderator's mark wins, then
    the facilitator's kind, then the wording.

    >>> demand_verdict("Schöner Park", "demand", "de", None)
    (True, 'von der Tischmoderation markiert')
    >>> demand_verdict("Wir brauchen Bänke", None, "de", False)
    (False, None)
    """
    english = workshop_language == "en"
    if mark is not None:
        if mark:
            return True, "marked by the moderator" if english else "vom Moderationsteam markiert"
        return False, None
    if kind == "demand":
        return True, "marked by the facilitator" if english else "von der Tischmoderation markiert"
    reason = detect_demand(text, language)
    return (reason is not None), reason
