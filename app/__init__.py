"""Harvest's Streamlit pages (Streamlit only): ``shared`` and ``widgets`` hold what several
pages use; every other module is one page, run as a script by ``st.navigation``."""
