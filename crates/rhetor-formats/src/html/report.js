// rhetor report behaviour. Event delegation on the document, so it also
// works for articles the web page inserts later.
(function () {
  "use strict";
  // Hovering or focusing one fragment of a span shades all its fragments
  // (a span cut by overlaps or paragraphs reads as one).
  function link(ev, on) {
    var m = ev.target.closest && ev.target.closest("mark.rh-span");
    if (!m) return;
    var id = m.getAttribute("data-span");
    document.querySelectorAll('mark.rh-span[data-span="' + id + '"]').forEach(function (x) {
      x.classList.toggle("rh-linked", on);
    });
  }
  document.addEventListener("mouseover", function (e) { link(e, true); });
  document.addEventListener("mouseout", function (e) { link(e, false); });
  document.addEventListener("focusin", function (e) { link(e, true); });
  document.addEventListener("focusout", function (e) { link(e, false); });
  // Legend buttons: show only one technique's highlights (press again for all).
  document.addEventListener("click", function (e) {
    var b = e.target.closest && e.target.closest("button.rh-filter");
    if (!b) return;
    var art = b.closest("article");
    var t = b.getAttribute("data-technique");
    var on = b.getAttribute("aria-pressed") !== "true";
    art.querySelectorAll("button.rh-filter").forEach(function (x) {
      x.setAttribute("aria-pressed", x === b && on ? "true" : "false");
    });
    art.querySelectorAll("mark.rh-span").forEach(function (m) {
      m.classList.toggle("rh-off", on && m.getAttribute("data-technique") !== t);
    });
  });
  // The confidence control: hide techniques, frames and highlights whose
  // score (data-score, a whole percentage) is under the reader's threshold.
  // Pages that insert articles later send the control an "input" event.
  function applyConfidence(input) {
    var min = Number(input.value) || 0;
    var shown = document.getElementById("rh-confidence-value");
    if (shown) shown.textContent = String(min);
    document.querySelectorAll("[data-score]").forEach(function (x) {
      x.classList.toggle("rh-low", Number(x.getAttribute("data-score")) < min);
    });
  }
  document.addEventListener("input", function (e) {
    if (e.target && e.target.id === "rh-confidence") applyConfidence(e.target);
  });
  // Escape closes a focus tooltip.
  document.addEventListener("keydown", function (e) {
    if (e.key === "Escape" && document.activeElement && document.activeElement.hasAttribute("data-tip")) {
      document.activeElement.blur();
    }
  });
})();
