"""The one chain rule for merges and synonyms: exact outputs for chains, cycles, self-loops."""

from __future__ import annotations

import pytest

from harvest.engine.curation import overrides_from_actions
from harvest.engine.keywords import Lexicon
from harvest.model import Overrides, resolve_chains, resolve_merges


@pytest.mark.parametrize(
    ("links", "expected"),
    [
        ({}, {}),
        ({"a": "b"}, {"a": "b"}),
        ({"a": "b", "b": "c", "c": "d", "d": "e"}, {"a": "e", "b": "e", "c": "e", "d": "e"}),
        ({"a": "a"}, {"a": "a"}),
        ({"a": "b", "b": "a"}, {"a": "a", "b": "a"}),
        ({"b": "a", "a": "b"}, {"b": "a", "a": "a"}),
        ({"c": "a", "a": "b", "b": "c"}, {"c": "a", "a": "a", "b": "a"}),
        ({"x": "y", "y": "b", "b": "a", "a": "b"}, {"x": "a", "y": "a", "b": "a", "a": "a"}),
        ({"a": "b", "b": "b", "c": "b"}, {"a": "b", "b": "b", "c": "b"}),
        ({"a": "b", "c": "d"}, {"a": "b", "c": "d"}),
    ],
)
def test_resolve_chains_exact(links: dict[str, str], expected: dict[str, str]) -> None:
    resolved = resolve_chains(links)
    assert resolved == expected
    assert list(resolved) == list(links)  # the sources keep their order
    assert resolve_chains(resolved) == resolved  # idempotent


def test_resolve_chains_does_not_depend_on_order() -> None:
    links = {"q": "p", "p": "r", "r": "q", "s": "r", "t": "u"}
    for shift in range(len(links)):
        items = list(links.items())
        rotated = dict(items[shift:] + items[:shift])
        assert resolve_chains(rotated) == {"p": "p", "q": "p", "r": "p", "s": "p", "t": "u"}


@pytest.mark.parametrize(
    ("merges", "expected"),
    [
        ({"a": "b", "b": "c"}, {"a": "c", "b": "c"}),
        ({"a": "b", "b": "a"}, {"b": "a"}),
        ({"a": "a"}, {}),
        ({"c": "a", "a": "b", "b": "c", "x": "c"}, {"c": "a", "b": "a", "x": "a"}),
    ],
)
def test_merges_drop_what_ends_on_itself(merges: dict[str, str], expected: dict[str, str]) -> None:
    assert resolve_merges(merges) == expected


def test_the_three_callers_agree_on_a_cycle() -> None:
    """Curation, the engine's merges and the lexicon's synonyms follow the same rule."""
    actions = []
    for number, (source, target) in enumerate([("a", "b"), ("b", "a")], start=1):
        action = type("A", (), {})()
        action.id, action.kind, action.undone = number, "merge", False
        action.payload = {"source": source, "target": target}
        actions.append(action)
    assert overrides_from_actions(actions).merges == {"b": "a"}
    lexicon = Lexicon.from_overrides(Overrides(synonyms={"a": "b", "b": "a"}))
    assert lexicon.synonyms == {"a": "a", "b": "a"}
