"""Harvest's Streamlit entry: the access gate and ``st.navigation`` over the pages in app/.

Run with ``make run`` (or ``streamlit run harvest_app.py``). The link's token decides the
role, the role decides the pages; each page (one file in app/) reads input, calls the core
in harvest/ and shows what comes back; domain errors become messages, never tracebacks.
"""

from __future__ import annotations

if __name__ == "__main__":  # `streamlit run` executes this file for every page view
    from app.main import main

    main()
else:  # imported once by `streamlit run`'s web server, which then serves this App:
    # Streamlit's pages plus the light live board's plain HTTP routes (harvest/web.py).
    # Nothing of the pages is imported here: Streamlit's runtime does not exist yet, and
    # their caches and page settings would each log a warning at start-up.
    import threading

    from streamlit.starlette import App

    from harvest import config
    from harvest.web import live_routes

    def _warm_up() -> None:  # while the server waits for its first visitor
        from harvest.board import warm_up

        warm_up()

    threading.Thread(target=_warm_up, name="harvest-warm-up", daemon=True).start()

    def _database_url() -> str:
        from app.shared import db_url  # at the first light-board request

        return db_url()

    app = App(__file__, routes=live_routes(_database_url, refresh=config.refresh_seconds()))
