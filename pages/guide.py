"""User guide (`/guide`): per user group the tasks they come for, each with numbered steps, a
link to the view that does it, links to the method notes that explain it, and a screenshot."""

from __future__ import annotations

import streamlit as st

from indicators import glossary, guide, webapp
from indicators.i18n import t
from indicators.methods import note_link

webapp.ensure_entrypoint()
lang = webapp.current_language()
st.title(t("nav.guide", lang))
terms = glossary.TermLinker(lang)  # glossary words link to their definitions at the end
st.markdown(terms.link(t("guide.intro", lang)))
if lang != "fi":  # the screenshots are taken of the Finnish view
    st.caption(t("guide.finnish_view_note", lang))

st.markdown(t("guide.contents", lang) + "\n\n" + "\n".join(
    f"- [{t(f'guide.group.{group}.title', lang)}](#{group})" for group in guide.GROUPS))


def show_task(task: guide.Task) -> None:
    prefix = task.message_prefix
    page_title = t(f"nav.{task.nav_key}", lang)
    with st.container(border=True):
        st.subheader(t(f"{prefix}.title", lang), anchor=task.key)
        text, picture = st.columns([2, 3], gap="medium")
        with text:
            st.markdown("\n".join(f"{number}. {terms.link(t(key, lang))}"
                                  for number, key in enumerate(guide.step_keys(task), start=1)))
            st.page_link(task.page, label=t("guide.open_view", lang, page=page_title),
                         icon=":material/arrow_forward:",
                         query_params=webapp.link_params(task.params))
            if task.methods_topics:
                st.markdown("\n".join(f"- {note_link(topic, lang)}"
                                       for topic in task.methods_topics))
        image = guide.screenshot_for_display(task)
        if image is not None:  # a missing picture is no reason to fail
            # the description is the visible caption; the image's own alt names it briefly,
            # so a screen reader does not read the same long text twice
            picture.image(image, caption=t(f"{prefix}.alt", lang), width="stretch",
                          alt=t("guide.screenshot", lang, page=page_title))


for group in guide.GROUPS:
    st.header(t(f"guide.group.{group}.title", lang), anchor=group)
    st.markdown(terms.link(t(f"guide.group.{group}.who", lang)))
    for task in guide.tasks(group):
        show_task(task)

webapp.glossary_footer(terms, lang)
