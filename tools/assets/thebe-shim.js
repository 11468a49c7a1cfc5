/*
 * Loaded (by tools/offline_assets.py) on every page with Thebe, before Thebe itself, which
 * loads only when "Live Code" is pressed. It adapts sphinx-thebe 0.3.1, written for thebe
 * 0.8.2, to the thebe 0.9.2 that the book serves (see package.json):
 *
 * - sphinx-thebe calls thebelab.bootstrap() without options, and thebe 0.9 then connects
 *   to the server but starts no kernel unless the call itself passes requestKernel: true;
 * - thebe's output typesetter would load MathJax 2 from a CDN: its mathjaxUrl is pointed
 *   at thebe-mathjax-shim.js next to this file, which answers MathJax 2's calls (the
 *   maths of the pages is typeset at build time);
 * - thebe 0.9 pairs the n-th code cell with the n-th output element of the page, and
 *   sphinx-thebe marks only the outputs that exist: after a cell without output, every
 *   output would go to the wrong cell. Each code cell without one gets an empty output
 *   element right after it (where sphinx-thebe puts the others) before thebe starts.
 *
 * Thebe's bundle sets window.thebelab when it runs; this setter wraps its bootstrap then.
 */
(function () {
  "use strict";
  var here = document.currentScript && document.currentScript.src;
  var offline = here ? here.slice(0, here.lastIndexOf("/") + 1) : "_static/offline/";
  var defaults = { requestKernel: true, mathjaxUrl: offline + "thebe-mathjax-shim.js" };
  function giveEveryCellAnOutput() {
    document.querySelectorAll("[data-executable]").forEach(function (input) {
      var next = input.nextElementSibling;
      if (!next || !next.hasAttribute("data-output")) {
        var output = document.createElement("div");
        output.className = "cell_output docutils container";
        output.setAttribute("data-output", "");
        input.insertAdjacentElement("afterend", output);
      }
    });
  }
  var current;
  Object.defineProperty(window, "thebelab", {
    configurable: true,
    enumerable: true,
    get: function () {
      return current;
    },
    set: function (value) {
      if (value && typeof value.bootstrap === "function" && !value.bootstrap.withDefaults) {
        var bootstrap = value.bootstrap;
        value.bootstrap = function (options) {
          giveEveryCellAnOutput();
          return bootstrap(Object.assign({}, defaults, options));
        };
        value.bootstrap.withDefaults = true;
      }
      current = value;
    },
  });
})();
