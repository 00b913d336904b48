"""Accessibility statement (`/accessibility`): status, known gaps, feedback address, supervisor."""

from __future__ import annotations

import streamlit as st

from indicators import webapp
from indicators.accessibility import statement
from indicators.i18n import t

webapp.ensure_entrypoint()
lang = webapp.current_language()
config = webapp.get_config()

st.title(t("a11y.title", lang))
for section in statement(config, lang):
    st.header(section.heading)
    st.markdown(section.body)
