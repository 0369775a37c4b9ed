// Draws every chart of the page with the Vega bundle that the site serves itself (no CDN).
// Chart outputs only queue their id; the spec sits beside the container as JSON. Each container
// starts with a static SVG image of the chart (what a reader without JavaScript sees); it is
// removed once the interactive view is drawn, and kept if drawing fails.
(function () {
  "use strict";
  function draw(id) {
    var container = document.getElementById(id);
    var specNode = document.getElementById(id + "-spec");
    if (!container || !specNode || container.dataset.drawn) { return; }
    container.dataset.drawn = "1";
    var spec = JSON.parse(specNode.textContent);
    // vega-embed rewrites the role and label of the element it draws into: draw into a child so
    // that the container keeps role="img" and the chart's text alternative; the drawing itself is
    // then decoration for assistive technology.
    var view = document.createElement("div");
    view.setAttribute("aria-hidden", "true");
    container.appendChild(view);
    window.vegaEmbed(view, spec, { actions: false, renderer: "svg" }).then(function () {
      var still = container.querySelector(".hepmet-chart-static");
      if (still) { still.remove(); }
    }).catch(function (err) {
      container.removeChild(view);
      var message = document.createElement("p");
      message.textContent = "The interactive chart could not be drawn (" + err.message + "); a static image is shown.";
      container.insertBefore(message, container.firstChild);
      container.classList.add("hepmet-chart-error");
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
