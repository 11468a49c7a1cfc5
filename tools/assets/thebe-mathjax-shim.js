/*
 * Thebe's output typesetter is written for MathJax 2: when "Live Code" starts, it loads
 * its "MathJax URL" (this file, see thebe-shim.js; never MathJax 2 from a CDN) and calls
 * Hub.Config, Register.StartupHook, Configured, Queue and
 * InputJax.TeX.resetEquationNumbers. The book's maths is typeset at build time and the
 * pages load no MathJax, so these calls do nothing unless a MathJax 3 is on the page, in
 * which case Queue(["Typeset", ...]) is passed to its typesetPromise.
 */
(function () {
  "use strict";
  // MathJax.Hub.Queue on top of MathJax 3, if there is one.
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
        console.error("MathJax could not typeset a live-code output:", err);
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
  // No MathJax on the page (the usual case): an object with only the MathJax 2 API.
  var current = withHub(window.MathJax || {});
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
