"""Sphinx extension: {glue} roles and directives inside translated text (the Korean edition).

Sphinx translates a page by parsing each translated message (msgstr) into a small new document and
putting its nodes in place of the English ones (sphinx.transforms.i18n.Locale). myst-nb's glue
roles look their value up in ``document["nb_renderer"]``, which only the page's own document
carries, so in a translated paragraph every {glue:text} fails the -W build with "No key ... found
in glue data for this document".

Here the glue lookup remembers, per page, the renderer it finds on the page's document while
myst-nb parses the page (myst-nb removes it at the end of the parse), and a lookup in a document
without one, a translated message of the same page (same env.docname), uses the page's. Each
page is parsed and then translated in the same process, also when Sphinx reads in parallel, and
the translation runs after the page's own glue lookups, so the renderer is there when it is needed
(a page whose only glue is in translated text gets nothing to fall back on, and fails as before). No page's text changes: only a failed lookup that
would have been an error now finds the page's value.
"""

from __future__ import annotations

_RENDERERS: dict = {}  # docname -> the page's nb_renderer (its glue data)


def _patch() -> None:
    import myst_nb.ext.glue.directives as directives
    import myst_nb.ext.glue.roles as roles
    import myst_nb.ext.glue.utils as utils

    if getattr(utils, "_bpkit_i18n_glue", False):
        return
    original_retrieve = utils.retrieve_glue_data

    def retrieve_glue_data(document, key):
        env = getattr(document.settings, "env", None)
        docname = getattr(env, "docname", None)
        if "nb_renderer" in document:  # the page itself, while myst-nb parses it
            _RENDERERS[docname] = document["nb_renderer"]
            return original_retrieve(document, key)
        page = _RENDERERS.get(docname)
        if page is None:
            return original_retrieve(document, key)  # raises: no glue data for this page
        document["nb_renderer"] = page  # a translated message of this page: the page's glue data
        try:
            return original_retrieve(document, key)
        finally:
            del document["nb_renderer"]

    for module in (utils, roles, directives):
        module.retrieve_glue_data = retrieve_glue_data
    utils._bpkit_i18n_glue = True


def setup(app):
    _patch()
    return {"parallel_read_safe": True, "parallel_write_safe": True}
