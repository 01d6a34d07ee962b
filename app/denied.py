"""A link that opens nothing."""

from __future__ import annotations

import streamlit as st

from app.shared import (
    T,
)


def page_denied() -> None:
    st.title(T("denied.title"))
    st.error(T("denied.body"))
    st.page_link("app/start.py", label=T("denied.start"))


page_denied()
