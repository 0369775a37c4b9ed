// Draws every chart of the page with the Vega runtime the site serves itself (static/vega/, no
// CDN). Chart outputs only queue their id; the chart's Vega spec (compiled from Vega-Lite at build
// time, so no Vega-Lite compiler is shipped) sits beside the container as JSON. A reader without
// JavaScript sees the static drawing inside the container's <noscript>; if drawing fails, that
// drawing (named in data-static) is shown under an error message.
(function () {
  "use strict";
  function showStatic(container, err) {
    var message = document.createElement("p");
    message.textContent = "The interactive chart could not be drawn (" + err.message + "); a static image is shown.";
    var image = document.createElement("img");
    image.className = "hepmet-chart-static";
    image.alt = "";  // the container carries the text alternative
    image.src = container.dataset.static;
    container.insertBefore(image, container.firstChild);
    container.insertBefore(message, image);
    container.classList.add("hepmet-chart-error");
  }
  function draw(id) {
    var container = document.getElementById(id);
    var specNode = document.getElementById(id + "-spec");
    if (!container || !specNode || container.dataset.drawn) { return; }
    container.dataset.drawn = "1";
    // Draw into a child, not into the container: the container keeps role="img" and the chart's
    // text alternative, and Vega's own SVG roles and labels stay hidden from assistive technology.
    var view = document.createElement("div");
    view.setAttribute("aria-hidden", "true");
    container.appendChild(view);
    // In a promise, so that a spec Vega cannot parse takes the same path as a failed drawing.
    Promise.resolve().then(function () {
      var spec = JSON.parse(specNode.textContent);
      // The tooltip handler is the one vega-embed installed by default (same look, text escaped).
      return new window.vega.View(window.vega.parse(spec), {
        renderer: "svg", container: view, tooltip: new window.vegaTooltip.Handler().call
      }).runAsync();
    }).catch(function (err) {
      container.removeChild(view);
      showStatic(container, err);
    });
  }
  function drawAll() {
    var queue = window.hepmetCharts || [];
    for (var i = 0; i < queue.length; i++) { draw(queue[i]); }
    window.hepmetCharts = { push: draw };
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", drawAll);
  } else {
    drawAll();
  }
})();
