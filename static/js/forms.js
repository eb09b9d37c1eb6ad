/* Small enhancements of the forms; every page works without them (issue #13, 6 and 8).
   - A box with data-maxlength shows a live count ("120 / 2 000"), red past the limit. The server refuses a
     text that is too long, with a message at the field, and sends it back whole: nothing is cut here.
   - A button with data-mark-all="attendance" marks every member present on the spot (without JavaScript the
     same button asks the server for the page with everyone present).
   - An input with data-filter-select="<id of a select>" filters that select's options as one types. */
(function () {
  "use strict";
  var lang = document.documentElement.lang || "fr";
  var numbers = new Intl.NumberFormat(lang);

  function counter(box) {
    var limit = parseInt(box.getAttribute("data-maxlength"), 10);
    if (!limit) { return; }
    var out = document.createElement("div");
    out.className = "form-text text-end char-counter";
    out.setAttribute("aria-live", "polite");
    box.insertAdjacentElement("afterend", out);
    function update() {
      var length = box.value.length;
      out.textContent = numbers.format(length) + " / " + numbers.format(limit);
      out.classList.toggle("text-danger", length > limit);
      out.classList.toggle("fw-bold", length > limit);
    }
    box.addEventListener("input", update);
    update();
  }

  function markAll(button) {
    button.addEventListener("click", function (event) {
      var form = button.form;
      if (!form) { return; }
      event.preventDefault();
      form.querySelectorAll("select[name$='-attendance']").forEach(function (select) {
        select.value = "present";
        select.dispatchEvent(new Event("change", { bubbles: true }));
      });
    });
  }

  function filterSelect(input) {
    var select = document.getElementById(input.getAttribute("data-filter-select"));
    if (!select) { return; }
    var options = Array.prototype.slice.call(select.options);
    input.hidden = false;
    input.addEventListener("input", function () {
      var words = input.value.toLocaleLowerCase(lang).normalize("NFD").replace(/[\u0300-\u036f]/g, "").split(/\s+/);
      var firstShown = null;
      options.forEach(function (option) {
        var text = option.text.toLocaleLowerCase(lang).normalize("NFD").replace(/[\u0300-\u036f]/g, "");
        var shown = !option.value || words.every(function (word) { return text.indexOf(word) !== -1; });
        option.hidden = !shown;
        option.disabled = !shown;
        if (shown && option.value && firstShown === null) { firstShown = option; }
      });
      if (select.selectedOptions.length && select.selectedOptions[0].hidden && firstShown) {
        firstShown.selected = true;
      }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-maxlength]").forEach(counter);
    document.querySelectorAll("[data-mark-all='attendance']").forEach(markAll);
    document.querySelectorAll("[data-filter-select]").forEach(filterSelect);
  });
})();
