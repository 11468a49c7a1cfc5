/*
 * Loaded before require.js and @jupyter-widgets/html-manager (embed-amd.js) on every
 * page that shows widgets (see nb_ipywidgets_js in _config.yml). Two shims:
 *
 * 1. require.js paths: embed-amd.js derives the URL of its font files from the
 *    require.js URL of its "@jupyter-widgets/..." modules; without a path that URL is
 *    next to the page, where nothing is served. Point every such module at
 *    _static/offline/html-manager/, where tools/offline_assets.py puts the fonts.
 * 2. MathJax 2 API: html-manager 1.x typesets widget labels with
 *    MathJax.Hub.Queue(["Typeset", MathJax.Hub, el]), but the book loads MathJax 3,
 *    which has no Hub and replaces window.MathJax when it starts. Keep a Hub whose
 *    Queue calls MathJax 3's typesetPromise on whatever window.MathJax becomes.
 *    Thebe's output typesetter, also written for MathJax 2, loads this file as its
 *    "MathJax URL" (see thebe-shim.js) and then calls Hub.Config, Register.StartupHook,
 *    Configured, Queue and InputJax.TeX.resetEquationNumbers: those are here too.
 */
(function () {
  "use strict";
  var here = document.currentScript && document.currentScript.src;
  var offline = here ? here.slice(0, here.lastIndexOf("/") + 1) : "_static/offline/";

  // 1. require.js configuration (a global `require` object set before require.js
  //    loads is read by it as its configuration).
  var paths = {
    "@jupyter-widgets": offline + "html-manager",
    "@jupyter-widgets/html-manager/dist": offline + "html-manager",
  };
  if (typeof window.require === "function" && window.require.config) {
    window.require.config({ paths: paths });
  } else {
    window.require = { paths: paths };
  }

  // 2. MathJax.Hub.Queue on top of MathJax 3.
  function typeset(element) {
    var mj = window.MathJax;
    if (!mj || !mj.startup || !mj.startup.promise || !mj.typesetPromise) {
      return; // MathJax not started yet: its start-up pass typesets the page
    }
    mj.startup.promise
      .then(function () {
        return mj.typesetPromise(element ? [element] : undefined);
      })
      .catch(function (err) {
        console.error("MathJax could not typeset a widget:", err);
      });
  }
  var hub = {
    config: {},
    Config: function () {},
    Configured: function () {},
    Register: { StartupHook: function () {} },
    Queue: function () {
      for (var i = 0; i < arguments.length; i++) {
        var job = arguments[i];
        if (Array.isArray(job) && job[0] === "Typeset") {
          typeset(job[2]);
        } else if (typeof job === "function") {
          job();
        } // ["Require", ...]: MathJax 3 has loaded its TeX extensions already
      }
    },
  };
  var mathjax2 = {
    Hub: hub,
    Ajax: {},
    InputJax: {
      TeX: {
        resetEquationNumbers: function () {
          if (window.MathJax && window.MathJax.texReset) window.MathJax.texReset();
        },
      },
    },
  };
  function withHub(value) {
    if (value && typeof value === "object") {
      Object.keys(mathjax2).forEach(function (name) {
        if (name in value) return;
        try {
          Object.defineProperty(value, name, {
            value: mathjax2[name], enumerable: false, configurable: true,
          });
        } catch (e) {
          /* a frozen object: leave it */
        }
      });
    }
    return value;
  }
  var current = withHub(window.MathJax);
  Object.defineProperty(window, "MathJax", {
    configurable: true,
    enumerable: true,
    get: function () {
      return current;
    },
    set: function (value) {
      current = withHub(value);
    },
  });
})();
