"""The clustering engine: statements -> calm, labelled themes, one module per stage.

The stages, in the order a recompute runs them:

1. :mod:`~harvest.engine.text`: language, tokens, lemmas, stopwords, compounds;
2. :mod:`~harvest.engine.keywords`: statement -> weighted keywords;
3. :mod:`~harvest.engine.demands`: is this statement a demand, and why;
4. :mod:`~harvest.engine.embedding`: text -> sentence vector (the bundled encoder);
5. :mod:`~harvest.engine.semantic`: vectors + keywords -> statement graph;
6. :mod:`~harvest.engine.communities`: Leiden on that graph, seeded and warm-started;
7. :mod:`~harvest.engine.themes`: communities -> stable themes (:func:`detect_themes`),
   tuned by :class:`EngineSettings` (:mod:`~harvest.engine.settings`);
8. :mod:`~harvest.engine.curation`: the moderator's decisions -> the engine's overrides.

:mod:`~harvest.engine.evaluate` scores the engine against labelled data. Importing this
package is cheap: the entry points below load their stage (numpy, igraph, faiss) on first use.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from harvest.engine.curation import overrides_from_actions
    from harvest.engine.settings import EngineError, EngineSettings
    from harvest.engine.themes import detect_themes

__all__ = ["EngineError", "EngineSettings", "detect_themes", "overrides_from_actions"]

_HOMES = {
    "EngineError": "harvest.engine.settings",
    "EngineSettings": "harvest.engine.settings",
    "detect_themes": "harvest.engine.themes",
    "overrides_from_actions": "harvest.engine.curation",
}


def __getattr__(name: str) -> Any:
    """The entry points of ``__all__``, imported from their stage when first asked for."""
    if name not in _HOMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(_HOMES[name]), name)
