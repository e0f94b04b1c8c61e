/* skyshield study report: sortable tables (click a heading); no network, no libraries. */
(function () {
  "use strict";
  function key(td) {
    const v = td.getAttribute("data-v");
    if (v !== null && v !== "") return parseFloat(v);
    return td.textContent.trim().toLowerCase();
  }
  function sortBy(table, col, th) {
    const body = table.tBodies[0];
    const rows = Array.from(body.rows);
    const asc = !th.classList.contains("sorted-asc");
    table.querySelectorAll("th").forEach((h) => h.classList.remove("sorted-asc", "sorted-desc"));
    th.classList.add(asc ? "sorted-asc" : "sorted-desc");
    rows.sort((a, b) => {
      const x = key(a.cells[col]), y = key(b.cells[col]);
      const nx = typeof x === "number" && !isNaN(x), ny = typeof y === "number" && !isNaN(y);
      if (nx && ny) return asc ? x - y : y - x;
      if (nx !== ny) return nx ? -1 : 1; // unmeasured last
      return asc ? String(x).localeCompare(String(y)) : String(y).localeCompare(String(x));
    });
    rows.forEach((r) => body.appendChild(r));
  }
  document.querySelectorAll("table.sortable").forEach((table) => {
    Array.from(table.tHead.rows[0].cells).forEach((th, col) => {
      th.classList.add("sortable");
      th.addEventListener("click", () => sortBy(table, col, th));
    });
  });
  window.__studyReady = true;
})();
