// The explorable evidence table: filters, a search box and sortable columns over the table that
// figures.explorer writes (already escaped). Vanilla JS, served by the site itself: works offline.
// The page holds only the first rows; every row comes from the rows script the page loads
// (figures.explorer.ROWS_FILE), and is put into the table as text, never as markup.
(function () {
  "use strict";

  // Replace the page's rows with every row of the rows script, when it loaded (without it, for
  // example a page saved on its own, the explorer works over the rows the page holds). A row is
  // [age class, cell, ...], each an index into the script's strings, or [text, data attribute,
  // its value] as three indices.
  function loadRows(explorer, body) {
    var data = window.hepmetExplorerRows && window.hepmetExplorerRows[explorer.id];
    if (!data) { return; }
    var strings = data.strings;
    var fragment = document.createDocumentFragment();
    data.rows.forEach(function (values) {
      var row = document.createElement("tr");
      row.dataset.age = strings[values[0]];
      for (var i = 1; i < values.length; i++) {
        var cell = row.insertCell();
        var value = values[i];
        if (typeof value === "number") {
          cell.textContent = strings[value];
        } else {
          cell.textContent = strings[value[0]];
          cell.dataset[strings[value[1]]] = strings[value[2]];
        }
      }
      fragment.appendChild(row);
    });
    body.textContent = "";
    body.appendChild(fragment);
    var more = explorer.querySelector(".hepmet-explorer-more");
    if (more) { more.hidden = true; }  // it tells readers without JavaScript where the rest is
  }

  function cellText(row, index) {
    return row.cells[index].textContent;
  }

  function cellValues(row, index) {
    var cell = row.cells[index];
    return cell.dataset.values !== undefined ? cell.dataset.values.split("|") : [cell.textContent];
  }

  function setUp(explorer) {
    var table = explorer.querySelector("table");
    var controls = explorer.querySelector(".hepmet-explorer-controls");
    var count = explorer.querySelector(".hepmet-explorer-count");
    var headers = Array.prototype.slice.call(table.tHead.rows[0].cells);
    loadRows(explorer, table.tBodies[0]);
    var rows = Array.prototype.slice.call(table.tBodies[0].rows);
    var filters = [];

    headers.forEach(function (header, index) {
      if (header.dataset.filter !== "1") { return; }
      var options = {};
      rows.forEach(function (row) {
        cellValues(row, index).forEach(function (v) { if (v) { options[v] = true; } });
      });
      var label = document.createElement("label");
      label.textContent = header.textContent + " ";
      var select = document.createElement("select");
      select.dataset.key = header.dataset.key;
      select.add(new Option("all", ""));
      Object.keys(options).sort().forEach(function (v) { select.add(new Option(v, v)); });
      select.addEventListener("change", apply);
      label.appendChild(select);
      controls.appendChild(label);
      filters.push({ index: index, select: select });
    });

    var searchLabel = document.createElement("label");
    searchLabel.textContent = "Search ";
    var search = document.createElement("input");
    search.type = "search";
    search.className = "hepmet-explorer-search";
    search.addEventListener("input", apply);
    searchLabel.appendChild(search);
    controls.appendChild(searchLabel);

    function apply() {
      var needle = search.value.trim().toLowerCase();
      var shown = 0;
      rows.forEach(function (row) {
        var visible = filters.every(function (f) {
          return !f.select.value || cellValues(row, f.index).indexOf(f.select.value) !== -1;
        }) && (!needle || row.textContent.toLowerCase().indexOf(needle) !== -1);
        row.hidden = !visible;
        if (visible) { shown += 1; }
      });
      count.textContent = shown + " of " + rows.length + " outcomes shown";
    }

    headers.forEach(function (header, index) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "hepmet-explorer-sort";
      while (header.firstChild) { button.appendChild(header.firstChild); }
      header.appendChild(button);
      header.setAttribute("aria-sort", "none");
      button.addEventListener("click", function () {
        var ascending = header.getAttribute("aria-sort") !== "ascending";
        headers.forEach(function (h) { h.setAttribute("aria-sort", "none"); });
        header.setAttribute("aria-sort", ascending ? "ascending" : "descending");
        var numeric = header.dataset.numeric === "1";
        var key = function (row) {
          var cell = row.cells[index];
          var raw = cell.dataset.sort !== undefined ? cell.dataset.sort : cell.textContent;
          return numeric ? (raw === "" ? NaN : parseFloat(raw)) : raw.toLowerCase();
        };
        rows.sort(function (a, b) {
          var x = key(a), y = key(b);
          if (numeric) {
            if (isNaN(x)) { return isNaN(y) ? 0 : 1; }  // empty cells last either way
            if (isNaN(y)) { return -1; }
            return ascending ? x - y : y - x;
          }
          return ascending ? x.localeCompare(y) : y.localeCompare(x);
        });
        rows.forEach(function (row) { table.tBodies[0].appendChild(row); });
      });
    });
    apply();
  }

  function setUpAll() {
    var explorers = document.querySelectorAll(".hepmet-explorer");
    for (var i = 0; i < explorers.length; i++) { setUp(explorers[i]); }
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setUpAll);
  } else {
    setUpAll();
  }
})();
