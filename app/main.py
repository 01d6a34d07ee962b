"""The gate in front of every page: the link's access, the language, the role's pages and
``st.navigation`` over them (``harvest_app.py`` runs :func:`main` on every page view)."""

from __future__ import annotations

import streamlit as st

from app.shared import (
    T,
    current_access,
    embed_soon,
    participation_active,
    workshop_of,
)
from harvest import access
from harvest.access import Access, AccessDenied, TooManyAttempts
from harvest.i18n import LANGUAGES
from harvest.store import DatabaseUnavailable, StoreError


def page(name: str, title: str, icon: str, *, default: bool = False,
         hidden: bool = False) -> st.Page:
    """The page in ``app/<name>.py``, at the URL path ``/<name>`` (a default page: ``/``);
    a hidden one is not in the sidebar but answers its typed URL."""
    return st.Page(f"app/{name}.py", title=T(title), icon=f":material/{icon}:", url_path=name,
                   default=default, visibility="hidden" if hidden else "visible")


def open_access() -> tuple[Access | None, bool]:
    """The gate: this session's access (None: no link) and whether its link was refused;
    too many wrong links or no database stop the run with a message."""
    try:
        return current_access(), False
    except TooManyAttempts as exc:
        st.error(T("error.too_many", seconds=int(exc.retry_after) + 1))
        st.stop()
    except AccessDenied:
        return None, True
    except DatabaseUnavailable:
        st.error(T("error.db_unavailable"))
        st.stop()
    raise AssertionError("unreachable")  # st.stop() raises


def requested_language() -> None:
    """The link's ``lang=`` (first, so that even the gate's messages speak it)."""
    if "lang" not in st.session_state:
        requested = st.query_params.get("lang")
        st.session_state["lang"] = requested if requested in LANGUAGES else None


def settle_language(acc: Access | None) -> None:
    """Without ``lang=``: the workshop's language, else German."""
    if acc is not None and st.session_state.get("lang") is None:
        try:
            st.session_state["lang"] = workshop_of(acc).language
        except StoreError:
            st.session_state["lang"] = "de"
    if st.session_state.get("lang") is None:
        st.session_state["lang"] = "de"


def role_pages(acc: Access) -> list[st.Page]:
    """The pages the role allows, in the sidebar's order; a process adds compare and trace
    after the board. The others are there but hidden: a typed URL of one opens the page,
    which says this link does not open it (each page checks the role itself), instead of
    quietly showing another page."""
    # a phone that scans the QR code while input or a vote is on lands on the form
    participant_first = acc.role == "participant" and participation_active(acc.workshop_id)
    icons = {  # name -> (icon, whether it is the page a link opens first)
        "board": ("hub", acc.role != "facilitator" and not participant_first),
        "participate": ("front_hand", participant_first),
        "entry": ("edit_note", acc.role == "facilitator"),
        "curate": ("tune", False),
        "moderate": ("how_to_vote", False),
        "summary": ("summarize", False),
        "export": ("download", False),
        "start": ("home", False),
    }
    process_icons = {"compare": "grid_on", "trace": "account_tree"}
    allowed = [page(name, f"nav.{name}", icon, default=default)
               for name, (icon, default) in icons.items() if acc.allows(name)]
    refused = [name for name in icons if not acc.allows(name)]
    if acc.process:
        allowed[1:1] = [page(name, f"nav.{name}", icon) for name, icon in process_icons.items()]
    else:
        refused += list(process_icons)
    refused_pages = [page(name, f"nav.{name}", "block", hidden=True) for name in refused]
    return allowed + refused_pages


def main() -> None:
    st.set_page_config(page_title="Harvest", page_icon="🌾", layout="wide")
    requested_language()
    acc, denied = open_access()
    settle_language(acc)
    if acc is not None:
        st.query_params[access.TOKEN_PARAM] = st.session_state["token"]
        if st.session_state.get("embed_checked") != acc.workshop_id:
            # once per visit: statements a stopped server left without vector get one
            st.session_state["embed_checked"] = acc.workshop_id
            embed_soon(acc.workshop_id)
    if denied:
        pages = [page("denied", "denied.title", "block", default=True),
                 page("start", "nav.start", "home")]
    elif acc is None:
        pages = [page("start", "nav.start", "home", default=True)]
    else:
        pages = role_pages(acc)
    current = st.navigation(
        pages, position="sidebar" if not st.session_state.get("presentation") else "hidden"
    )
    with st.sidebar:
        st.segmented_control(
            T("language"),
            list(LANGUAGES),
            key="lang",
            format_func=lambda code: T(f"language.{code}"),
        )
        if acc is not None:
            st.caption(T(f"role.{acc.role}"))
    try:
        current.run()
    except DatabaseUnavailable:
        st.error(T("error.db_unavailable"))
