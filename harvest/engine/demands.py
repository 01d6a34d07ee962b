"""Demands: does a statement's wording ask for something? If so, say why.

A demand is what a workshop wants done: "Wir brauchen mehr Radwege", "Kita-Plätze
ausbauen", "The council should fund bike lanes", or a card that just names it
("Kostenlose Sprachkurse für alle!"). :func:`detect_demand` returns a short reason a
moderator can read ('Modalverb „muss“'), or None. The facilitator's kind and the
moderator's marks are combined with it in :func:`demand_verdict`.

The rules read a statement sentence by sentence. A cue word alone is not enough: a
genuine question ("Sollte man sich vorher anmelden?"), a report ("Laut Jobcenter sollte
ich ..."), a guess ("Das muss wohl ...") or a personal circumstance ("I have to change
buses") is not a demand, while a rhetorical question ("Könnte die Stadt nicht einfach
...?") is.

>>> detect_demand("Die Stadt muss mehr Radwege bauen.")
'Modalverb „muss“'
>>> detect_demand("Radwege ausbauen!")
'Infinitiv-Forderung „… ausbauen“'
>>> detect_demand("We need more bike lanes", "en")
'„need“'
>>> detect_demand("Der Park ist schön.") is None
True
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache

from harvest.engine.text import detect_language, lemmatise, normalise
from harvest.i18n import translate
from harvest.model import Assignment, Clustering


@dataclass(frozen=True)
class Reason:
    """Why a statement counts as a demand, as a code and its parameters (like
    ``intake.InvalidInput``): the words live in ``harvest.i18n`` under ``reason.<code>``.

    >>> Reason("modal", (("word", "muss"),)).text("de")
    'Modalverb „muss“'
    >>> Reason("card").text("en")
    'keyword card'
    """

    code: str
    params: tuple[tuple[str, str], ...] = ()

    def text(self, lang: str) -> str:
        """The reason in ``lang``'s words."""
        return translate(f"reason.{self.code}", lang, **dict(self.params))

_SENTENCE = re.compile(r"[^.!?;\n]+[.!?;]*")
# "etc.", "z.B.", "e.g." do not end a sentence ("… (Fassaden etc.) zwingen.")
_ABBREVIATION = re.compile(
    r"\b(etc|usw|bzw|inkl|ca|vgl|evtl|ggf|z\.\s?b|u\.\s?a|e\.\s?g|i\.\s?e|incl|approx)\.",
    re.IGNORECASE,
)
_CLAUSE = re.compile(r"[,:–]| - ")
_WORD = re.compile(r"[^\W\d_][\w'’-]*")

# --- German -----------------------------------------------------------------------------

_DE_MODAL = re.compile(
    r"\b(muss|müssen|müsste|müssten|soll|sollen|sollte|sollten|"
    r"darf (?:nicht|kein\w*|nur)|dürfen (?:nicht|kein\w*|nur)|dürfte (?:nicht|kein\w*))\b"
)
# a subordinate clause ends in its verb: "…, die es in die Liga schaffen sollten" reports
# what someone would have to do, it does not ask for it
_DE_SUBORDINATE = re.compile(
    r"^\s*(?:die|der|das|denen|deren|dessen|welche\w*|wenn|falls|ob|weil|da|obwohl|"
    r"sobald|bevor|nachdem|wo|wie)\b"
)
_DE_HEDGE = re.compile(
    r"\b(laut|angeblich|wohl|vermutlich|wahrscheinlich|anscheinend|offenbar|hieß es|"
    r"sagte|sagten|meinte|meinten|früher|damals)\b"
)
_DE_PERSONAL = re.compile(r"^(?:mein|meine|meinem|meinen|meiner)\b|\bich\b")
_DE_RHETORICAL = re.compile(
    r"\b(könnte|könnten|sollte|sollten|müsste|müssten|kann|können|warum|wieso)\b.*\bnicht\b"
)
_DE_PRAISE = re.compile(
    r"^(?:danke|vielen dank|toll|super|prima|klasse|cool|genial|wunderbar|wunderbares|"
    r"sehr (?:cool|gut|schön|schöne|gute)|siehe|das haben sie)\b|\bweiter so\b"
)
_DE_PHRASES: tuple[tuple[str, str], ...] = (
    (r"wir brauchen", "wir brauchen"),
    (r"(?<!man )braucht (?:mehr|dringend|endlich|bessere\w*|längere\w*|neue\w*|eine\w*|ein)",
     "… braucht …"),
    (r"wir (?:wollen|möchten)", "wir wollen"),
    (r"es braucht", "es braucht"),
    (r"braucht es", "braucht es"),
    (r"brauchen wir", "brauchen wir"),
    (r"es bräuchte", "es bräuchte"),
    (r"wir fordern", "wir fordern"),
    (r"ich fordere", "ich fordere"),
    (r"wir wünschen uns", "wir wünschen uns"),
    (r"ich wünsche mir", "ich wünsche mir"),
    (r"wünschenswert", "wünschenswert"),
    (r"es fehlt an", "es fehlt an"),
    (r"fehlt es an", "fehlt es an"),
    (r"(?:ist|sind|wäre|wären) (?:dringend )?(?:notwendig|nötig|erforderlich)", "notwendig"),
    (r"bedarf an", "Bedarf an"),
    (r"wäre(?:n)? (?:gut|schön|sinnvoll|wichtig|toll|hilfreich|super|besser)"
     r"(?! (?:mit|zu|erreichbar|für))", "wäre gut, wenn …"),
    (r"(?:ist|sind) (?:besonders |sehr )?wichtig", "ist wichtig"),
    (r"bitte", "bitte"),
    (r"(?:ich bin|wir sind) (?:sehr |unbedingt |eher |klar |generell |absolut )?"
     r"(?:für|dafür|dagegen|gegen)", "ich bin für …"),
    (r"(?:ich schlage|wir schlagen) vor|mein vorschlag|unser vorschlag", "Vorschlag"),
    (r"benötig(?:t|en) (?:dringend|mehr|eine\w*|ein)", "… benötigt …"),
    (r"fordert|fordern", "fordern"),
    (r"verpflichten|zwingen", "… verpflichten"),
)
_DE_PHRASE_RE = re.compile(
    "|".join(f"(?P<p{i}>(?<!\\w){pattern}(?!\\w))" for i, (pattern, _) in enumerate(_DE_PHRASES))
)
_DE_DURATION = re.compile(r"\b(?:minuten|stunden|tage|wochen|monate|jahre)\b")
_DE_MORE = re.compile(r"(?:^|[:,\-–]\s*|\bund\s)(mehr|weniger)\s+\w")
_DE_SUBJECTS = frozenset({
    "ich", "du", "er", "sie", "es", "wir", "ihr", "man", "kann", "können", "könnte",
    "könnten", "will", "wollen", "wird", "werden", "würde", "würden", "möchte", "möchten",
    "ist", "sind", "war", "waren", "hat", "haben", "hatte", "hatten", "mussten", "musste",
})
_DE_NOT_VERBS = frozenset({
    "allen", "anderen", "einen", "keinen", "meinen", "seinen", "ihren", "unseren", "deren",
    "denen", "unten", "oben", "hinten", "vorne", "gegen", "morgen", "wegen", "übrigen",
    "eigenen", "offen", "eigen", "trocken", "verschieden", "gelegen", "vollkommen",
    "mehreren", "vielen", "wenigen", "einigen", "jeden", "jedem", "großen", "kleinen",
    "neuen", "alten", "öffentlichen", "sozialen", "weiteren", "ganzen", "guten", "besseren",
})
_DE_AUX = frozenset({
    "ist", "sind", "war", "waren", "wird", "werden", "wurde", "wurden", "hat", "haben",
    "hatte", "hatten", "gibt", "gab", "kann", "können", "konnte", "bin", "bist", "seid",
})


def detect_demand(
    text: str, language: str | None = None, *, explicit_only: bool = False
) -> str | None:
    """A short reason why the wording makes this statement a demand, or None: the
    ``demand_reason`` in the words of the language whose rules found it (uncached: the
    engine asks ``demand_finding``, which keeps the answers).
    """
    found = demand_reason(text, language, explicit_only=explicit_only)
    if found is None:
        return None
    rules = language if language in ("de", "en") else detect_language(normalise(text), "de")
    return found.text(rules)


def demand_reason(
    text: str, language: str | None = None, *, explicit_only: bool = False
) -> Reason | None:
    """The reason (a code and parameters) why the wording makes this a demand, or None.

    ``language`` is "de" or "en"; None reads it from the text. ``explicit_only``: count
    only words that ask for something (modal verbs, "wir brauchen", "should", "more …"),
    not the weaker form cues (a bare infinitive, an imperative opening, a keyword card):
    for statements the facilitator already gave another kind.
    """
    text = normalise(text)
    if not text:
        return None
    language = language if language in ("de", "en") else detect_language(text, "de")
    # an abbreviation's dot is no sentence end (normalise took the links out)
    text = _ABBREVIATION.sub(lambda m: m.group(0)[:-1].replace(".", ""), text).strip()
    if not _WORD.search(text):
        return None
    sentences = [s.strip() for s in _SENTENCE.findall(text) if s.strip()]
    rule = _sentence_en if language == "en" else _sentence_de
    for sentence in sentences:
        reason = rule(sentence, explicit_only)
        if reason:
            return reason
    if explicit_only:
        return None
    nominal = _nominal_en if language == "en" else _nominal_de
    return nominal(text)


# Cheap word-set checks first: most sentences hold no cue, and then no pattern must run.
_DE_HEDGE_CUES = frozenset({
    "laut", "angeblich", "wohl", "vermutlich", "wahrscheinlich", "anscheinend", "offenbar",
    "hieß", "sagte", "sagten", "meinte", "meinten", "früher", "damals",
})
_DE_PRAISE_CUES = frozenset({
    "danke", "vielen", "toll", "super", "prima", "klasse", "cool", "genial", "wunderbar",
    "wunderbares", "sehr", "siehe", "das",
})
_DE_MODAL_CUES = frozenset({
    "muss", "müssen", "müsste", "müssten", "soll", "sollen", "sollte", "sollten", "darf",
    "dürfen", "dürfte",
})
_DE_PHRASE_CUES = frozenset({
    "brauchen", "braucht", "bräuchte", "fordern", "fordere", "wünschen", "wünsche",
    "wünschenswert", "fehlt", "fehlen", "wollen", "möchten", "notwendig", "nötig",
    "erforderlich", "bedarf",
    "wäre", "wären", "wichtig", "bitte", "bin", "sind", "schlage", "schlagen", "vorschlag",
    "benötigt", "benötigen", "fordert", "verpflichten", "zwingen",
})


def _sentence_de(sentence: str, explicit_only: bool = False) -> Reason | None:
    lowered = sentence.casefold()
    words = [w.casefold() for w in _WORD.findall(sentence)]
    present = set(words)
    if present & _DE_HEDGE_CUES and _DE_HEDGE.search(lowered):
        return None
    if ((words and words[0] in _DE_PRAISE_CUES) or "weiter" in present) and _DE_PRAISE.search(
        lowered
    ):
        return None
    if lowered.endswith("?"):
        if _DE_RHETORICAL.search(lowered):
            return Reason("rhetorical")
        return None
    if present & _DE_MODAL_CUES:
        for clause in _CLAUSE.split(lowered):
            match = _DE_MODAL.search(clause)
            if not match or _DE_PERSONAL.search(clause):
                continue
            if _DE_SUBORDINATE.search(clause) and not clause[match.end():].strip(" .!;"):
                continue
            return Reason("modal", (("word", match.group(1)),))
    if present & _DE_PHRASE_CUES:
        found = _DE_PHRASE_RE.search(lowered)
        if found and found.lastgroup:
            shown = _DE_PHRASES[int(found.lastgroup[1:])][1]
            if not ("brauch" in shown and _DE_DURATION.search(lowered)):
                return Reason("phrase", (("words", shown),))
    if "mehr" in present or "weniger" in present:
        more = _DE_MORE.search(lowered)
        if more and "als" not in present:
            return Reason("phrase", (("words", f"{more.group(1)} …"),))
    # "Radwege ausbauen!", "Beratung anbieten, auch am Telefon": a clause ending in an
    # infinitive, with no subject of its own, is a call to do it.
    if explicit_only or present & _DE_SUBJECTS:
        return None
    for clause in _CLAUSE.split(sentence):
        clause_words = _WORD.findall(clause)
        # "… zu übernachten" depends on a word before it ("Möglichkeit, … zu übernachten")
        if (len(clause_words) >= 2 and _is_infinitive(clause_words[-1])
                and clause_words[-2].casefold() != "zu"):
            return Reason("infinitive", (("verb", clause_words[-1]),))
    return _measure_card_de(sentence)


# A card opening with a measure ("Verpflichtende Ernährungsseminare", "Keine Gebäude in
# Hochwasserzonen", "Einführung von …") names what is wanted, even inside a longer text.
_DE_MEASURE = re.compile(
    r"^(?:(?:eine?n?|vor allem) )?(?:verpflichtend\w*|kostenlos\w*|keine|kein|strenger\w*|"
    r"einführung|ausbau|abschaffung|verbot|förderung|investitionen?|stopp|stoppen|schluss mit|"
    r"flächendeckend\w*|gleichstellung)\b"
)


def _measure_card_de(sentence: str) -> Reason | None:
    words = _WORD.findall(sentence)
    if not 2 <= len(words) <= 20 or sentence.rstrip().endswith("?"):
        return None
    if not _DE_MEASURE.search(sentence.casefold()):
        return None
    if {w.casefold() for w in words} & (_DE_SUBJECTS - {"kann", "können"}):
        return None
    return Reason("card")


def _is_infinitive(word: str) -> bool:
    """A lower-case verb in its dictionary form ("ausbauen", "aufstellen")."""
    if not word.islower() or word in _DE_NOT_VERBS or word in _DE_AUX:
        return False
    if not word.endswith(("en", "ern", "eln")) or len(word) < 5:
        return False
    return lemmatise(word, "de") == word


def _has_verb_de(words: list[str]) -> bool:
    """Whether a German card has a verb: an auxiliary or a word whose lemma is a verb."""
    for index, word in enumerate(words):
        lower = word.casefold()
        if lower in _DE_AUX or lower in _DE_SUBJECTS:
            return True
        if index == 0 or not word.islower() or lower in _DE_NOT_VERBS:
            continue
        following = words[index + 1] if index + 1 < len(words) else ""
        if following[:1].isupper():  # "orangen Hochwasserzonen": an adjective before a noun
            continue
        lemma = lemmatise(word, "de")
        if lemma.islower() and lemma.endswith(("en", "ern", "eln")) and lemma != word:
            return True
        if lemma == word and _is_infinitive(word):
            return True
    return False


def _nominal_de(text: str) -> Reason | None:
    """A short card without a verb names what is wanted ("Solarpflicht für Neubauten")."""
    if "?" in text or _DE_PRAISE.search(text.casefold()):
        return None
    words = _WORD.findall(text)
    if not 1 <= len(words) <= 12 or _has_verb_de(words):
        return None
    if len(words) == 1 and not text.rstrip().endswith("!"):
        return None
    return Reason("card")


# --- English ----------------------------------------------------------------------------

_EN_HEDGE = re.compile(
    r"\b(said|says|told|tells|asked|apparently|supposedly|reportedly|used to|last year|"
    r"already)\b"
)
_EN_PRAISE = re.compile(r"^(?:thanks|thank you|great|well done)\b")
_EN_RHETORICAL = re.compile(
    r"\b(couldn'?t|can'?t|shouldn'?t|wouldn'?t|why not|why don'?t|isn'?t it time)\b"
)
_EN_EPISTEMIC = re.compile(
    r"\b(?:must|should|might|could) have (?:been|\w+ed|\w+en)\b|\bmust be joking\b"
)
_EN_PERSONAL = re.compile(r"^(?:i|my)\b.*\b(?:must|should|have to|has to|need|needs)\b|"
                          r"\bi (?:must|should|have to|need)\b")
_EN_PATTERNS: tuple[tuple[re.Pattern[str], Reason], ...] = tuple(
    (re.compile(pattern), Reason("phrase", (("words", words),)))
    for pattern, words in (
        (r"\bshould(?:n'?t| not)?\b", "should"),
        (r"\bmust(?:n'?t| not)?\b", "must"),
        (r"\bought to\b", "ought to"),
        (r"\b(?!i\b)\w+ (?:really |urgently )?needs? (?:to|more|a|an|better|stronger|less|"
         r"proper|safe|affordable|free|real|\w+er)\b", "need"),
        (r"\bthere (?:needs|need) to be\b", "needs to be"),
        (r"\b(?:we|you) (?:have|'ve got|have got) to\b|\bhas to\b", "have to"),
        (r"\b(?:it is|it's|is) (?:essential|vital|crucial|necessary|imperative|important|"
         r"time) (?:to|that|for)\b", "it is essential …"),
        (r"\b(?:would|'d) be (?:great|good|nice|helpful|better|wonderful|fantastic|ideal) "
         r"(?:if|to)\b", "it would be great if …"),
        (r"\bwe (?:demand|call for|want|urge|ask for|propose|suggest)\b", "we demand"),
        (r"(?<!way )(?<!what )(?<!how )\bi (?:want|wish|demand|urge|propose|suggest)\b",
         "I want"),
        (r"\bplease\b(?! (?:note|see|find|read))", "please"),
        (r"\b(?:is|are) (?:urgently |badly )?needed\b", "… is needed"),
        (r"\blet'?s\b", "let's"),
        (r"\b(?:compulsory|mandatory)\b", "mandatory"),
    )
)
_EN_IMPERATIVE = frozenset({
    "ban", "stop", "introduce", "increase", "reduce", "abolish", "require", "fund", "invest",
    "make", "provide", "build", "create", "give", "tax", "raise", "lower", "cap", "limit",
    "protect", "restore", "allow", "support", "encourage", "implement", "establish",
    "subsidise", "subsidize", "regulate", "prioritise", "prioritize", "remove", "end",
    "replace", "extend", "expand", "enforce", "legislate", "adopt", "plant", "offer", "put",
    "bring", "keep", "include", "open", "install", "add", "hire", "train", "translate",
    "publish", "cut", "close", "simplify", "speed", "guarantee", "ensure", "improve",
    "reform", "scrap", "double", "halve", "fix", "upgrade", "convert", "designate",
    "leave", "eliminate", "place", "prevent", "prohibit", "penalise", "penalize", "phase",
    "charge", "return", "recognise", "recognize", "treat", "shift", "set",
})
_EN_AUX = frozenset({
    "is", "are", "was", "were", "be", "been", "being", "am", "has", "have", "had", "do",
    "does", "did", "will", "would", "can", "could", "may", "might", "shall", "i", "we",
    "you", "he", "she", "it", "they", "us", "them", "our", "my", "their", "me", "there",
    "isn't", "aren't", "wasn't", "weren't", "don't", "doesn't", "didn't", "won't",
})


_EN_LETTERS = re.compile(r"[a-z']+")
_EN_HEDGE_CUES = frozenset({
    "said", "says", "told", "tells", "asked", "apparently", "supposedly", "reportedly", "used",
    "last", "already",
})
_EN_CUES = frozenset({
    "should", "shouldn't", "shouldnt", "must", "mustn't", "mustnt", "ought", "need", "needs",
    "needed", "have", "has", "essential", "vital", "crucial", "necessary", "imperative",
    "important", "time",
    "would", "demand", "call", "want", "urge", "ask", "propose", "suggest", "wish", "please",
    "let's", "lets", "compulsory", "mandatory",
})


def _sentence_en(sentence: str, explicit_only: bool = False) -> Reason | None:
    lowered = sentence.casefold().replace("’", "'")
    words = _WORD.findall(lowered)
    present = set(_EN_LETTERS.findall(lowered))
    if present & _EN_HEDGE_CUES and _EN_HEDGE.search(lowered):
        return None
    if words and words[0] in ("thanks", "thank", "great", "well") and _EN_PRAISE.search(lowered):
        return None
    if lowered.endswith("?"):
        if _EN_RHETORICAL.search(lowered):
            return Reason("rhetorical")
        return None
    if present & _EN_CUES or "'" in lowered:
        if _EN_EPISTEMIC.search(lowered) or _EN_PERSONAL.search(lowered):
            return None
        for pattern, reason in _EN_PATTERNS:
            if pattern.search(lowered):
                return reason
    elif ("i" in present or (words and words[0] == "my")) and _EN_PERSONAL.search(lowered):
        return None
    if len(words) >= 2 and words[0] in _EN_IMPERATIVE and not explicit_only:
        return Reason("imperative", (("word", words[0]),))
    if words and words[0] in ("more", "better", "cheaper", "safer", "less", "fewer") and (
        re.match(r"(?:more|better|cheaper|safer|less|fewer) \w+", lowered)
        and "than" not in present
    ):
        return Reason("phrase", (("words", f"{words[0]} …"),))
    return None


def _nominal_en(text: str) -> Reason | None:
    """A short card without a verb names what is wanted ("Free childcare during courses")."""
    lowered = text.casefold().replace("’", "'")
    if "?" in lowered or _EN_PRAISE.search(lowered):
        return None
    words = _WORD.findall(lowered)
    if not 2 <= len(words) <= 12:
        return None
    # A card names a thing; a sentence opens with a determiner or reports on a day.
    if words[0] in ("the", "this", "that", "these", "those", "only", "nobody", "everyone"):
        return None
    if re.search(r"\b(?:today|yesterday|tonight|last \w+|ago)\b", lowered):
        return None
    for word in words:
        if word in _EN_AUX or (word.endswith("ed") and len(word) > 4 and word != "need"):
            return None
    return Reason("card")


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
    >>> demand_verdict("Termine kaum zu bekommen", "challenge", "de", None)
    (False, None)
    """
    is_demand, reason, rules = demand_finding(text, kind, language, mark, workshop_language)
    return is_demand, None if reason is None else reason.text(rules)


@lru_cache(maxsize=262_144)  # a pure function of its inputs; every recompute asks again
def demand_finding(
    text: str,
    kind: str | None,
    language: str,
    mark: bool | None,
    workshop_language: str = "de",
) -> tuple[bool, Reason | None, str]:
    """:func:`demand_verdict` with the reason as a code (a page translates it) and the
    language whose words the engine writes it in.

    >>> demand_finding("Wir brauchen Bänke", None, "de", None)[:2]
    (True, Reason(code='phrase', params=(('words', 'wir brauchen'),)))
    """
    if mark is not None:
        return (True, Reason("marked_moderator"), workshop_language) if mark else (
            False, None, workshop_language)
    if kind == "demand":
        return True, Reason("marked_facilitator"), workshop_language
    # The facilitator called it an idea, a challenge or a question: only explicit words
    # make it a demand too ("Lange Wartezeiten, Termine kaum zu bekommen" stays a challenge).
    reason = demand_reason(text, language, explicit_only=kind in ("idea", "challenge", "question"))
    if reason is None:
        return False, None, workshop_language
    rules = language if language in ("de", "en") else detect_language(normalise(text), "de")
    return True, reason, rules


def top_demands(
    clustering: Clustering, texts: Mapping[int, str], limit: int = 4, max_chars: int = 180
) -> list[tuple[int, str]]:
    """The demands a board lists in full: (statement id, theme id), at most ``limit``.

    One per theme in turn, largest theme first (the "other" bucket last), so the list
    covers what the hall talked about most; within a theme the demand that shares the
    most of the theme's keywords, shorter ones (up to ``max_chars``, readable on a wall)
    before longer ones, then the earliest. Deterministic, so the list does not flicker
    between refreshes.
    """
    if limit <= 0:
        return []
    by_theme: dict[str, list[Assignment]] = {}
    for assignment in clustering.assignments.values():
        if assignment.is_demand and texts.get(assignment.statement_id, "").strip():
            by_theme.setdefault(assignment.theme_id, []).append(assignment)
    themes = sorted(
        clustering.themes,
        key=lambda t: (t.is_other_theme, -len(t.statement_ids), t.id),
    )
    queues: list[list[Assignment]] = []
    for theme in themes:
        candidates = by_theme.get(theme.id, [])
        words = {k for k, _ in theme.keywords[:8]}
        candidates.sort(
            key=lambda a: (
                -len(words.intersection(a.keywords)),
                len(texts[a.statement_id]) > max_chars,
                a.statement_id,
            )
        )
        if candidates:
            queues.append(candidates)
    chosen: list[tuple[int, str]] = []
    depth = 0
    while len(chosen) < limit and any(depth < len(q) for q in queues):
        for queue in queues:
            if depth < len(queue) and len(chosen) < limit:
                chosen.append((queue[depth].statement_id, queue[depth].theme_id))
        depth += 1
    return chosen
