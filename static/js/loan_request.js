/* The loan request form: the schedule preview follows the amount, the product and the term as they are
   typed, and each text shows how many characters it holds out of its maximum. Progressive enhancement:
   without this script the form's "Preview the schedule" button shows the same preview from the server.
   No inline code (the Content-Security-Policy forbids it): this file is loaded from the app's origin. */
(function () {
  "use strict";
  var form = document.querySelector("[data-request-form]");
  if (!form) {
    return;
  }
  var target = document.getElementById("request-preview");
  var url = form.getAttribute("data-preview-url");
  var timer = null;

  function field(name) {
    return form.querySelector("[data-preview='" + name + "']");
  }

  function refresh() {
    var params = new URLSearchParams();
    ["product", "amount", "term"].forEach(function (name) {
      var input = field(name);
      params.set(name, input ? input.value : "");
    });
    fetch(url + "?" + params.toString(), { credentials: "same-origin", headers: { "X-Requested-With": "fetch" } })
      .then(function (response) {
        return response.ok ? response.text() : null;
      })
      .then(function (html) {
        if (html !== null && target) {
          target.innerHTML = html;
        }
      })
      .catch(function () {
        /* The server-side preview button still works. */
      });
  }

  ["product", "amount", "term"].forEach(function (name) {
    var input = field(name);
    if (input) {
      ["input", "change"].forEach(function (kind) {
        input.addEventListener(kind, function () {
          window.clearTimeout(timer);
          timer = window.setTimeout(refresh, 300);
        });
      });
    }
  });

  var template = form.getAttribute("data-counter-template") || "{count} / {max}";
  var numbers = new Intl.NumberFormat(document.documentElement.lang || "fr");
  form.querySelectorAll("[data-counter]").forEach(function (input) {
    // The maximum as the server's formatting module writes it ("4 000" / "4,000"), the count likewise.
    var max = input.getAttribute("data-counter-max") || input.getAttribute("data-counter");
    var counter = document.createElement("div");
    counter.className = "form-text text-end";
    counter.setAttribute("aria-live", "polite");
    counter.setAttribute("data-testid", "counter-" + input.name);
    input.insertAdjacentElement("afterend", counter);
    function update() {
      counter.textContent = template.replace("{count}", numbers.format(input.value.length)).replace("{max}", max);
    }
    input.addEventListener("input", update);
    update();
  });
})();
