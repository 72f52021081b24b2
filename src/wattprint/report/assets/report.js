// wattprint report: sortable, filterable tables. No network, no HTML built from data.
(function () {
  "use strict";
  function cellValue(row, idx) {
    var cell = row.cells[idx];
    if (!cell) { return ""; }
    var v = cell.getAttribute("data-v");
    if (v !== null && v !== "") { var n = parseFloat(v); if (!isNaN(n)) { return n; } }
    return cell.textContent.trim().toLowerCase();
  }
  var PAGE = 200;  // rows shown before "show more"
  function sortTable(table, th) {
    var idx = Array.prototype.indexOf.call(th.parentNode.children, th);
    var dir = th.getAttribute("data-dir") === "asc" ? "desc" : "asc";
    Array.prototype.forEach.call(th.parentNode.children, function (h) { h.removeAttribute("data-dir"); });
    th.setAttribute("data-dir", dir);
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    rows.forEach(function (r, i) { r._i = i; });
    rows.sort(function (a, b) {
      var x = cellValue(a, idx), y = cellValue(b, idx), c;
      if (typeof x === "number" && typeof y === "number") { c = x - y; }
      else { c = String(x) < String(y) ? -1 : (String(x) > String(y) ? 1 : 0); }
      if (c === 0) { c = a._i - b._i; return c; }
      return dir === "asc" ? c : -c;
    });
    rows.forEach(function (r) { body.appendChild(r); });
    var scope = table.closest("[data-filter-scope]");
    if (scope) { applyFilter(scope); }
  }
  function applyFilter(scope) {
    var task = scope.querySelector("select[data-filter=task]");
    var text = scope.querySelector("input[data-filter=text]");
    var t = task ? task.value : "";
    var q = text ? text.value.trim().toLowerCase() : "";
    var items = scope.querySelectorAll("[data-task]");
    var limit = scope._limit || PAGE;
    var shown = 0, matching = 0;
    Array.prototype.forEach.call(items, function (el) {
      var ok = (!t || el.getAttribute("data-task") === t) &&
               (!q || (el.getAttribute("data-search") || "").toLowerCase().indexOf(q) >= 0);
      if (ok) { matching += 1; }
      ok = ok && matching <= limit;  // a page at a time: thousands of rows stay usable
      el.style.display = ok ? "" : "none";
      if (ok) { shown += 1; }
    });
    var count = scope.querySelector(".count");
    if (count) {
      count.textContent = shown + " of " + items.length + " shown" +
        (matching > shown ? " (" + matching + " match)" : "");
    }
    var more = scope.querySelector("button.more");
    if (more) { more.style.display = matching > shown ? "" : "none"; }
  }
  document.addEventListener("DOMContentLoaded", function () {
    Array.prototype.forEach.call(document.querySelectorAll("table.sortable"), function (table) {
      Array.prototype.forEach.call(table.querySelectorAll("th[data-sort]"), function (th) {
        th.addEventListener("click", function () { sortTable(table, th); });
      });
    });
    Array.prototype.forEach.call(document.querySelectorAll("[data-filter-scope]"), function (scope) {
      Array.prototype.forEach.call(scope.querySelectorAll("[data-filter]"), function (c) {
        c.addEventListener("input", function () { applyFilter(scope); });
        c.addEventListener("change", function () { applyFilter(scope); });
      });
      var more = scope.querySelector("button.more");
      if (more) {
        more.addEventListener("click", function () { scope._limit = (scope._limit || PAGE) + PAGE; applyFilter(scope); });
      }
      applyFilter(scope);
    });
  });
})();
