/* Tables on a phone (issue #13, 10): below 576 px each row of a table becomes a small card, every cell
   preceded by its column's name, so no column ("Versement", "Payé", "État", "Restant dû"…) is hidden off
   screen. The script copies each column's heading into its cells (data-label) and marks the table
   (table-stack, styled in app.css); without JavaScript the table scrolls sideways in its own box instead.
   A table with data-no-stack is left as it is. */
(function () {
  "use strict";
  function headings(table) {
    var row = table.tHead && table.tHead.rows[table.tHead.rows.length - 1];
    if (!row) { return null; }
    var names = [];
    Array.prototype.forEach.call(row.cells, function (cell) {
      var span = cell.colSpan || 1;
      for (var i = 0; i < span; i += 1) { names.push(cell.textContent.trim()); }
    });
    return names;
  }
  function stack(table) {
    var names = headings(table);
    if (!names) { return; }
    Array.prototype.forEach.call(table.tBodies, function (body) {
      Array.prototype.forEach.call(body.rows, function (row) {
        var column = 0;
        Array.prototype.forEach.call(row.cells, function (cell) {
          if (!cell.hasAttribute("data-label")) { cell.setAttribute("data-label", names[column] || ""); }
          column += cell.colSpan || 1;
        });
      });
    });
    table.classList.add("table-stack");
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("main table.table:not([data-no-stack])").forEach(stack);
  });
})();
