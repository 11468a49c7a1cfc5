"""Sphinx extension: the book's two editions, English (the site's root) and Korean (``ko/``).

Registered in ``_config.yml`` (``sphinx.local_extensions``), so both builds load it; what it does
depends on the build's ``language``. ``tools/build_book.py --edition ko`` makes the Korean build:
the same sources and configuration with ``language: ko`` (the text from
``locales/ko/LC_MESSAGES/``, Sphinx's gettext route), output in ``_build/html/ko/``.

1. On every page of the HTML build, a link to the same page in the other edition (the theme has no
   language switcher): ``한국어`` in the article header of an English page, ``English`` in that of
   a Korean one (tools/assets/templates/edition-link.html, before the theme's buttons), and a
   ``<link rel="alternate" hreflang>`` in the head of both.
2. The Korean build executes nothing: the English build has just executed every notebook (with the
   widgets in their static form, tools/static_widgets.py) and myst-nb wrote the executed copies to
   ``_build/jupyter_execute/``. Each notebook's source is replaced by its executed copy as Sphinx
   reads it (``source-read``; the copy is a dependency of the page, so a re-executed chapter is read
   again), the widget frames are copied next to the Korean pages, and myst-nb's own output folder
   moves to ``_build/ko/`` (by default it would be ``_build/html/jupyter_execute``, inside the
   English site). The code and its outputs are the English build's, byte for byte.
3. The Korean strings that live outside the catalogues: the site title, the search box's text, the
   folded code's prompt and the numbered-reference formats (``%s절``, ``그림 %s``, ...); and the
   table of contents' part captions, which the root page's catalogue translates but Sphinx does
   not apply (sphinx-external-toc adds the toctrees after the translation). The themes and sphinx-exercise
   bring their own Korean for their buttons and labels.
4. Exercise titles (sphinx-exercise) are messages of the catalogues like any heading, and the
   solutions' titles take the translated exercise title.
5. Korean search: Sphinx has no Korean search language (English is its fallback, which indexes
   ``역전파는`` and ``역전파를`` as two words, neither found by ``역전파``). ``SearchKorean``
   strips a trailing particle (조사) or a common verb ending from each Hangul word, in the index
   (Python) and in the query (the page's JavaScript) alike, so ``역전파`` finds ``역전파는``.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from sphinx.application import Sphinx
from sphinx.search import SearchLanguage, languages
from sphinx.transforms import SphinxTransform
from sphinx.util import logging

from static_widgets import copy_frames

logger = logging.getLogger(__name__)

TEMPLATES = Path(__file__).resolve().parent / "assets" / "templates"

# language -> (folder below the English site's root, the link's text in that language)
EDITIONS = {"en": ("", "English"), "ko": ("ko/", "한국어")}
OTHER = {"en": "ko", "ko": "en"}

KOREAN_CONFIG = {
    "html_title": "오차역전파, 유도하고 검증하기",
    "numfig_format": {"section": "%s절", "figure": "그림 %s", "table": "표 %s",
                      "code-block": "목록 %s"},
    "html_theme_options": {"search_bar_text": "이 책에서 검색..."},
    # The book folds only code inputs (hide-input), so the prompt needs no {type}.
    "nb_code_prompt_show": "코드 보기",
    "nb_code_prompt_hide": "코드 숨기기",
}


def language(app: Sphinx) -> str:
    return app.config.language or "en"


def edition_link(app: Sphinx, pagename: str) -> tuple[str, str, str]:
    """(href, language, text) of the same page in the other edition, relative to this page."""
    here, there = language(app), OTHER.get(language(app), "en")
    uri = app.builder.get_target_uri(pagename)
    up = "../" * (uri.count("/") + (1 if EDITIONS[here][0] else 0))
    return f"{up}{EDITIONS[there][0]}{uri}", there, EDITIONS[there][1]


def add_edition_link(app: Sphinx, pagename, templatename, context, doctree) -> None:
    """The other edition's page for tools/assets/templates/edition-link.html (in the article
    header of every page, genindex and search too) and for a <link rel="alternate"> in the head."""
    if app.builder.name != "html" or language(app) not in EDITIONS:
        return
    href, lang, text = edition_link(app, pagename)
    title = "이 페이지의 한국어판" if lang == "ko" else "This page in English"
    context["bpkit_edition"] = {"href": href, "lang": lang, "text": text, "title": title}
    context["metatags"] = context.get("metatags", "") + (
        f'\n<link rel="alternate" hreflang="{lang}" href="{href}">')


def header_template(app: Sphinx, config) -> None:
    """The edition link before the theme's own buttons at the right of the article header."""
    config.templates_path = [*config.templates_path, str(TEMPLATES)]
    options = dict(config.html_theme_options or {})
    options.setdefault("article_header_end", ["edition-link.html", "article-header-buttons.html"])
    config.html_theme_options = options


def translate_captions(app: Sphinx, doctree) -> None:
    """The table of contents' part captions ("Chapters", "Reference") in the page's catalogue.

    sphinx-external-toc inserts the toctrees after Sphinx has translated the page, so their
    captions would stay English; the messages are in the root page's catalogue."""
    if language(app) == "en":
        return
    import gettext

    from sphinx import addnodes

    toctrees = [n for n in doctree.findall(addnodes.toctree) if n.get("caption")]
    if not toctrees:
        return
    dirs = [Path(app.srcdir, d) for d in app.config.locale_dirs]
    domain = app.env.docname
    catalogue = None
    for mo in (d / language(app) / "LC_MESSAGES" / f"{domain}.mo" for d in dirs):
        if mo.is_file():
            with open(mo, "rb") as f:
                catalogue = gettext.GNUTranslations(f)
            break
    for node in toctrees:
        translated = catalogue.gettext(node["caption"]) if catalogue else node["caption"]
        if translated == node["caption"]:
            logger.warning("editions: the caption %r has no translation in %s.po",
                           node["caption"], domain, location=node)
        node["caption"] = translated


# --- Exercise titles are translatable ----------------------------------------------------------

def _translatable_exercise_titles() -> None:
    """sphinx-exercise parses an exercise's title (the directive's argument) into a subtitle node
    without a source or raw text, so Sphinx neither extracts it for the catalogues nor translates
    it. Given both, it is one more message of the page, in both editions."""
    from sphinx_exercise import directive, nodes

    if getattr(directive, "_bpkit_editions", False):
        return
    run = directive.ExerciseDirective.run

    def run_with_translatable_title(self):
        result = run(self)
        if self.arguments:
            source, line = self.state_machine.get_source_and_line(self.lineno)
            for node in result:
                for subtitle in node.findall(nodes.exercise_subtitle):
                    subtitle.rawsource, subtitle.source, subtitle.line = self.arguments[0], source, line
        return result

    directive.ExerciseDirective.run = run_with_translatable_title  # ExerciseStartDirective too
    directive._bpkit_editions = True


def extract_exercise_titles(app: Sphinx) -> None:
    """For the gettext builder (``make locales``): sphinx-exercise's post-transforms rebuild each
    exercise's title without its subtitle node before the builder extracts the page's messages,
    so the titles are taken from the page's doctree as read (translatable, as above)."""
    if app.builder.name != "gettext":
        return
    from sphinx.util.i18n import docname_to_domain
    from sphinx_exercise.nodes import exercise_subtitle

    builder, write_doc = app.builder, app.builder.write_doc

    def write_doc_with_exercise_titles(docname, doctree):
        write_doc(docname, doctree)
        catalog = builder.catalogs[docname_to_domain(docname, app.config.gettext_compact)]
        for node in app.env.get_doctree(docname).findall(exercise_subtitle):
            if node.rawsource:
                catalog.add(node.rawsource, node)

    builder.write_doc = write_doc_with_exercise_titles


class TranslatedExerciseTitles(SphinxTransform):
    """After the translation (Locale, priority 20): the registry's copy of each exercise, from
    which sphinx-exercise writes its solution's title and its references, gets the translated
    title as well."""

    default_priority = 25

    def apply(self, **kwargs) -> None:
        from sphinx_exercise.nodes import exercise_enumerable_node, exercise_node

        registry = getattr(self.env, "sphinx_exercise_registry", {})
        for node in self.document.findall(lambda n: isinstance(n, (exercise_node, exercise_enumerable_node))):
            entry = registry.get(node.get("label"))
            if entry is not None and entry.get("docname") == self.env.docname:
                entry["node"] = node.deepcopy()


# --- 2. The Korean build reads the English build's executed notebooks -------------------------

def korean_config(app: Sphinx, config) -> None:
    if (config.language or "en") == "en":
        return
    for name, value in KOREAN_CONFIG.items():
        if isinstance(value, dict):  # keep the keys others add (sphinx-exercise's "exercise")
            value = {**getattr(config, name), **value}
        setattr(config, name, value)


def prepare_translation(app: Sphinx) -> None:
    executed = app.config.bpkit_executed_notebooks
    if not executed:
        return
    if not Path(executed).is_dir():
        logger.warning("editions: %s (the English build's executed notebooks) is missing: "
                       "build the English edition first", executed)
        return
    # myst-nb writes the images of outputs here before they are copied into _images/.
    config = app.env.mystnb_config
    build = Path(executed).parent
    app.env.mystnb_config = config.copy(output_folder=str(build / language(app) / "jupyter_execute"))
    frames = Path(app.config.bpkit_widget_frames)
    if app.builder.format == "html":  # the HTML and the single-page (PDF) builds
        copy_frames(frames, Path(app.outdir, frames.name))


def executed_source(app: Sphinx, docname: str, source: list) -> None:
    """The page's notebook as the English build executed it, with its glue data put back."""
    executed = app.config.bpkit_executed_notebooks
    if not executed or not app.env.doc2path(docname).endswith(".ipynb"):
        return
    path = Path(executed, docname + ".ipynb")
    if not path.is_file():
        logger.warning("editions: no executed copy of %s (%s): build the English edition first",
                       docname, path, location=docname)
        return
    notebook = json.loads(path.read_text(encoding="utf-8"))
    app.env.note_dependency(str(path))
    # myst-nb moved the glued values that are not shown in place out of the notebook, into
    # <page>.glue.json, their MIME types without glue's prefix. Back into a code cell's outputs,
    # prefixed again: myst-nb takes them out again as it reads the page, and shows none.
    glue = path.with_name(path.stem + ".glue.json")
    if glue.is_file():
        app.env.note_dependency(str(glue))
        hidden = []
        for output in json.loads(glue.read_text(encoding="utf-8")).values():
            prefix = output["metadata"]["scrapbook"].get("mime_prefix", "")
            if prefix:  # shown in place (no prefix): still in its cell
                hidden.append({**output, "data": {prefix + k: v for k, v in output["data"].items()}})
        cells = [c for c in notebook["cells"] if c["cell_type"] == "code"]
        if hidden and cells:
            cells[0]["outputs"] = cells[0].get("outputs", []) + hidden
    source[0] = json.dumps(notebook, ensure_ascii=False)


# --- 5. Korean search -------------------------------------------------------------------------

# Particles and endings, the longest first; one is stripped when at least two syllables remain.
KOREAN_ENDINGS = sorted(
    "에서는 으로는 에서도 에서의 으로의 에게는 이라는 입니다 합니다 됩니다 이라고 에서 에게 "
    "으로 부터 까지 처럼 보다 마다 이며 이고 이다 이나 라는 하는 하고 하면 한다 된다 되는 "
    "와 과 은 는 이 가 을 를 의 에 로 도 만".split(), key=len, reverse=True)
HANGUL = re.compile(r"[\uac00-\ud7a3]")


class SearchKorean(SearchLanguage):
    lang = "ko"
    language_name = "Korean"
    js_stemmer_rawcode = None
    js_stemmer_code = """
/**
 * Korean: strips one trailing particle or verb ending (tools/editions.py, SearchKorean).
 */
var Stemmer = function() {
  var endings = %s;
  this.stemWord = function(w) {
    w = w.toLowerCase();
    if (!/[\\uac00-\\ud7a3]/.test(w)) return w;
    for (var i = 0; i < endings.length; i++) {
      var e = endings[i];
      if (w.length - e.length >= 2 && w.slice(-e.length) === e) return w.slice(0, -e.length);
    }
    return w;
  };
};
""" % ("[" + ", ".join(f'"{e}"' for e in KOREAN_ENDINGS) + "]")

    def stem(self, word: str) -> str:
        word = word.lower()
        if not HANGUL.search(word):
            return word
        for ending in KOREAN_ENDINGS:
            if len(word) - len(ending) >= 2 and word.endswith(ending):
                return word[: -len(ending)]
        return word


def setup(app: Sphinx) -> dict:
    languages["ko"] = SearchKorean
    _translatable_exercise_titles()
    app.add_transform(TranslatedExerciseTitles)
    app.connect("builder-inited", extract_exercise_titles)
    app.add_config_value("bpkit_executed_notebooks", "", "env")
    app.add_config_value("bpkit_widget_frames", "", "env")
    app.connect("config-inited", korean_config)
    app.connect("config-inited", header_template)
    app.connect("builder-inited", prepare_translation, priority=900)  # after myst-nb's
    app.connect("source-read", executed_source)
    app.connect("doctree-read", translate_captions)
    app.connect("html-page-context", add_edition_link)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
