// The static form of bpkit.widgets.interact: no kernel, every output precomputed.
// Each <div class="bpw-widget"> holds its controls, its first output and a JSON table
// (written by bpkit/widgets.py) from grid point to output; this script shows the
// output of the controls' current values. Served from _static/ by tools/offline_assets.py.
(function () {
  "use strict";

  function escapeText(text) {
    const pre = document.createElement("pre");
    pre.className = "bpw-text";
    pre.textContent = text;
    return pre;
  }

  function image(part, root) {
    const img = document.createElement("img");
    img.className = "bpw-img";
    img.alt = "output figure";
    img.width = part.w;
    img.height = part.h;
    img.src = root + "/" + part.img;
    return img;
  }

  function setUp(widget) {
    const data = JSON.parse(widget.querySelector("script.bpw-data").textContent);
    const output = widget.querySelector(".bpw-output");
    const index = data.start.slice();
    const inputs = Array.from(widget.querySelectorAll("[data-control]"));

    function show() {
      let flat = 0;
      data.controls.forEach((control, k) => {
        flat = flat * control.values.length + index[k];
      });
      const parts = data.outputs[data.frames[flat]];
      output.replaceChildren(
        ...parts.map((part) => ("text" in part ? escapeText(part.text) : image(part, data.root)))
      );
      widget.dataset.shown = index.join(",");
    }

    inputs.forEach((input) => {
      const k = Number(input.dataset.control);
      const labels = data.controls[k].labels;
      if (input.classList.contains("bpw-buttons")) {
        input.querySelectorAll("button").forEach((button) => {
          button.addEventListener("click", () => {
            index[k] = Number(button.dataset.index);
            input.querySelectorAll("button").forEach((b) =>
              b.setAttribute("aria-pressed", String(b === button)));
            show();
          });
        });
        return;
      }
      const readout = input.parentElement.querySelector(".bpw-readout");
      const update = () => {
        index[k] = Number(input.value);
        if (readout) readout.textContent = labels[index[k]];
        show(); // precomputed: the output can follow the drag
      };
      input.addEventListener("input", update);
      input.addEventListener("change", update);
    });
    widget.dataset.ready = "true";
  }

  function start() {
    document.querySelectorAll(".bpw-widget").forEach(setUp);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
