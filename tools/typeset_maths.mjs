// Typeset the built book's maths at build time:
//   node tools/typeset_maths.mjs HTML_DIR CSS FONT_URL
// e.g. node tools/typeset_maths.mjs _build/html _static/offline/mathjax/chtml.css woff-v2
//
// Run by tools/typeset_maths.py after Sphinx has written the pages (and runnable by hand).
// Every element with the class "math" (Sphinx writes one formula per element: inline
// "\(...\)" in a span, display "\[...\]" in a div, maybe after an equation-number span) is
// replaced in place, in every .html file below HTML_DIR, by MathJax 3's CommonHTML output
// (mjx-container, with assistive MathML for screen readers), so the browser runs no MathJax.
// Nothing else in a page changes. The CSS for every glyph used goes to one shared file,
// CSS (a path below HTML_DIR), which each page with maths links relatively; its @font-face
// rules load the MathJax woff fonts from FONT_URL, relative to that file
// (tools/offline_assets.py copies them there). The CSS ends with PAGE_CSS (below).
//
// A TeX error (an unknown macro, a missing brace, ...) or an element that holds anything
// but one delimited formula makes the script print page and formula and exit with 1,
// writing no page. A page typeset by an earlier run (Sphinx rewrites only changed pages
// unless built with --all) keeps its output, and the earlier CSS rules are kept too.

import {createHash} from 'node:crypto';
import {existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync} from 'node:fs';
import {basename, dirname, join, relative, sep} from 'node:path';

import {mathjax} from 'mathjax-full/js/mathjax.js';
import {TeX} from 'mathjax-full/js/input/tex.js';
import {CHTML} from 'mathjax-full/js/output/chtml.js';
import {liteAdaptor} from 'mathjax-full/js/adaptors/liteAdaptor.js';
import {RegisterHTMLHandler} from 'mathjax-full/js/handlers/html.js';
import {AssistiveMmlHandler} from 'mathjax-full/js/a11y/assistive-mml.js';
import 'mathjax-full/js/input/tex/base/BaseConfiguration.js';
import 'mathjax-full/js/input/tex/ams/AmsConfiguration.js';
import 'mathjax-full/js/input/tex/boldsymbol/BoldsymbolConfiguration.js';
import 'mathjax-full/js/input/tex/newcommand/NewcommandConfiguration.js';

if (process.argv.length !== 5) {
  console.error('usage: node tools/typeset_maths.mjs HTML_DIR CSS FONT_URL');
  process.exit(2);
}
const [ROOT, CSS, FONT_URL] = process.argv.slice(2);
// The TeX packages the book uses. Not 'noundefined': an unknown macro must be an error,
// not red text. A formula that needs another package fails the build, naming the macro.
const PACKAGES = ['base', 'ams', 'boldsymbol', 'newcommand'];

// Appended to the CSS. (1) MathJax in the browser scaled each formula so that its x-height
// matched the text's (matchFontHeight: font size = the text's ex / 0.442, the TeX fonts'
// x-height); CSS does the same, as an ex in font-size is the parent font's x-height.
// (2) Hundreds of typeset formulas (chapter 2 has 555) take the browser about a second to
// lay out on a 2-core machine, so it lays out only the blocks near the viewport, the rest
// as they scroll into view (their remembered size then replaces the guess).
const PAGE_CSS = `/* typeset_maths: the maths at the text's x-height; lay out only what is near the viewport */
mjx-container[jax="CHTML"] {
  font-size: calc(1ex / 0.442);
}

.bd-article section > :is(p, div, ul, ol, dl, table, blockquote, figure) {
  content-visibility: auto;
  contain-intrinsic-size: auto 150px;
}
`;

// An element whose class list holds "math" (what MathJax processed in the browser:
// processHtmlClass "...|math|..."), and its content up to the matching closing tag.
const OPEN = /<(span|div)\b[^>]*\bclass="(?:[^"]*\s)?math(?:\s[^"]*)?"[^>]*>/g;
const EQNO = /^\s*(<span class="eqno">.*?<\/span>)/s;
const DELIMITED = /^\s*(?:\\\((.*)\\\)|\\\[(.*)\\\]|\$\$(.*)\$\$)\s*$/s;
const ENTITIES = {amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0'};

function unescapeHtml(text) {
  return text.replace(/&(#x[0-9a-f]+|#[0-9]+|[a-z]+);/gi, (all, name) => {
    if (name[0] !== '#') return ENTITIES[name.toLowerCase()] ?? all;
    return String.fromCodePoint(parseInt(name.slice(name[1] === 'x' || name[1] === 'X' ? 2 : 1),
                                         name[1] === 'x' || name[1] === 'X' ? 16 : 10));
  });
}

// The end of the element opened at `from` (the index after its opening tag): the matching
// closing tag, counting nested elements of the same name.
function closingTag(html, tag, from) {
  const re = new RegExp(`<(/?)${tag}\\b[^>]*>`, 'g');
  re.lastIndex = from;
  let depth = 1;
  for (let m; (m = re.exec(html));) {
    depth += m[1] ? -1 : 1;
    if (depth === 0) return m;
  }
  return null;
}

function htmlFiles(dir) {
  return readdirSync(dir, {recursive: true})
    .filter((name) => name.endsWith('.html'))
    .map((name) => join(dir, name))
    .sort();
}

const adaptor = liteAdaptor();
AssistiveMmlHandler(RegisterHTMLHandler(adaptor));
const tex = new TeX({
  packages: PACKAGES,
  // Throw instead of drawing the message as an merror element.
  formatError: (jax, error) => { throw error; },
});
const chtml = new CHTML({fontURL: FONT_URL, adaptiveCSS: true});
const doc = mathjax.document('', {InputJax: tex, OutputJax: chtml});

// (page text, errors) -> new page text, or null if the page has no untypeset maths.
function typesetPage(html, errors) {
  let out = '', last = 0, count = 0;
  tex.reset(); // equation labels do not carry over from the previous page
  OPEN.lastIndex = 0;
  for (let open; (open = OPEN.exec(html));) {
    const start = open.index + open[0].length;
    const close = closingTag(html, open[1], start);
    if (!close) {
      errors.push({formula: open[0], message: `no closing </${open[1]}>`});
      continue;
    }
    let content = html.slice(start, close.index);
    OPEN.lastIndex = close.index + close[0].length;
    if (content.includes('<mjx-container')) continue; // typeset by an earlier run
    const eqno = content.match(EQNO);
    if (eqno) content = content.slice(eqno[0].length);
    const parts = content.match(DELIMITED);
    if (!parts) {
      errors.push({formula: content.trim(), message: 'not one formula in \\(...\\), \\[...\\] or $$...$$'});
      continue;
    }
    const source = unescapeHtml(parts[1] ?? parts[2] ?? parts[3]);
    let container;
    try {
      container = adaptor.outerHTML(doc.convert(source, {
        display: parts[1] === undefined, em: 16, ex: 8, containerWidth: 80 * 16,
      }));
    } catch (error) {
      errors.push({formula: source.trim(), message: error.message});
      continue;
    }
    const bad = container.match(/data-mjx-error="([^"]*)"|<mjx-merror/);
    if (bad) {
      errors.push({formula: source.trim(), message: bad[1] || 'mjx-merror in the output'});
      continue;
    }
    out += html.slice(last, start) + (eqno ? eqno[1] : '') + container;
    last = close.index;
    count += 1;
  }
  return count ? out + html.slice(last) : null;
}

// The rules of a MathJax style sheet (the same selector can come twice, with other properties).
function cssRules(css) {
  return Array.from(css.matchAll(/[^{}]+\{[^{}]*\}/g), (m) => m[0].trim());
}

function main(root) {
  const pages = new Map(); // path -> text, for every page with maths
  const failures = [];
  let formulas = 0, earlier = 0;
  for (const path of htmlFiles(root)) {
    const html = readFileSync(path, 'utf8');
    const errors = [];
    const typeset = typesetPage(html, errors);
    const name = relative(root, path).split(sep).join('/');
    for (const {formula, message} of errors) failures.push(`${name}: ${message}\n    in: ${formula.slice(0, 300)}`);
    const before = (html.match(/<mjx-container/g) || []).length;
    if (before) earlier += 1;
    if (typeset !== null) formulas += (typeset.match(/<mjx-container/g) || []).length - before;
    if (typeset !== null || before) pages.set(path, typeset ?? html);
  }
  if (failures.length) {
    console.error(`typeset_maths: ${failures.length} formula(s) failed; no page was changed:\n  ${failures.join('\n  ')}`);
    return 1;
  }
  const cssPath = join(root, CSS);
  let rules = cssRules(adaptor.textContent(chtml.styleSheet(doc)));
  if (earlier && existsSync(cssPath)) { // keep the glyphs of the pages typeset earlier
    const old = cssRules(readFileSync(cssPath, 'utf8').split(PAGE_CSS)[0]);
    rules = formulas ? [...new Set([...old, ...rules])] : old;
  }
  const css = rules.join('\n\n') + '\n\n' + PAGE_CSS;
  mkdirSync(dirname(cssPath), {recursive: true});
  writeFileSync(cssPath, css);
  const version = createHash('sha256').update(css).digest('hex').slice(0, 8);
  // The link this script wrote in an earlier run (to be replaced: the version changes).
  const linked = new RegExp(`<link rel="stylesheet" type="text/css" href="[^"]*/${basename(CSS).replace(/\./g, '\\.')}\\?v=[^"]*" />`);
  for (const [path, html] of pages) {
    const href = relative(dirname(path), cssPath).split(sep).join('/');
    const link = `<link rel="stylesheet" type="text/css" href="${href}?v=${version}" />`;
    const updated = linked.test(html) ? html.replace(linked, link) : html.replace('</head>', `    ${link}\n  </head>`);
    if (updated === html && !html.includes(link)) {
      console.error(`typeset_maths: ${relative(root, path)} has no </head> to link the CSS from`);
      return 1;
    }
    writeFileSync(path, updated);
  }
  console.log(`typeset_maths: ${formulas} formulas typeset, ${pages.size} pages with maths` +
              (earlier ? ` (${earlier} typeset by an earlier run)` : '') +
              `; CSS ${(css.length / 1024).toFixed(0)} kB in ${CSS}`);
  return 0;
}

process.exit(main(ROOT));
