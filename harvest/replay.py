"""Old import path of ``harvest.conceptmap.replay``, kept for ``harvest_app.py`` until its
pages move to ``app/``; new code imports ``harvest.conceptmap.replay``."""

from harvest.conceptmap.replay import replay_html

__all__ = ["replay_html"]
