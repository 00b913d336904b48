"""Method notes and glossary (`/methods`): how intervals, signals, hidden cells, key-result
status and biennial surveys work and how to read them, each with a worked example computed from
the store (indicators/methods.py), and the glossary of the domain words."""

from __future__ import annotations

from datetime import date

import streamlit as st

from indicators import glossary, methods, webapp
from indicators.i18n import t

webapp.ensure_entrypoint()
lang = webapp.current_language()
config = webapp.get_config()
version = webapp.version()
examples = webapp.method_examples(version, date.today())
rules = methods.body_params(config, lang)
terms = glossary.TermLinker(lang)  # words in the notes link to the glossary at the end

st.title(t("methods.title", lang))
st.markdown(t("methods.intro", lang))
st.markdown(f"**{t('methods.contents', lang)}**")
st.markdown("\n".join(f"{n}. [{t(f'methods.{topic}.title', lang)}](#{topic})"
                      for n, topic in enumerate(methods.TOPICS, start=1)))

for topic in methods.TOPICS:
    st.header(t(f"methods.{topic}.title", lang), anchor=topic)
    if topic == "glossary":
        st.markdown(t("methods.glossary.intro", lang))
        webapp.glossary_list([term.key for term in glossary.terms(lang)], lang)
        continue
    st.markdown(terms.link(t(f"methods.{topic}.body", lang, **rules)))
    with st.container(border=True):  # the worked example, or the plain word that there is none
        demo = methods.example_is_demo(topic, examples)  # labelled by the figures it uses
        title = t("methods.example_title_demo" if demo else "methods.example_title", lang)
        st.markdown(f"**{title}**")
        lines = methods.example_lines(topic, examples, config, lang)
        st.markdown("\n\n".join(lines) if lines else t("methods.no_example", lang))
    pages = methods.TOPIC_PAGES[topic]
    st.caption(t("methods.where", lang))
    for column, name in zip(st.columns(len(pages)), pages, strict=True):
        column.page_link(f"pages/{name}.py", label=t(f"nav.{name}", lang),
                         query_params=webapp.link_params({}))

topic = st.query_params.get("topic")
if topic in methods.TOPICS:  # a link from a "what does this mean?" box: open at its note
    webapp.scroll_to(topic)
    del st.query_params["topic"]  # once: switching the language later keeps the place
