"""Old import path of ``harvest.conceptmap.html``, kept for ``harvest_app.py`` until its
pages move to ``app/``; new code imports ``harvest.conceptmap.html``."""

from harvest.conceptmap.html import VIS_NETWORK_JS, render_html, render_standalone_html

__all__ = ["VIS_NETWORK_JS", "render_html", "render_standalone_html"]
