/* Record pickers (templates/evidence/_picker.html): as the person types, the records that match replace the
   list of radio buttons under the search field, and a status line (read out by screen readers) says how many
   were found. Arrow down from the field moves to the first record. Without JavaScript (or once a request has
   failed) the Find button submits the search and the page comes back with the list. */
(function () {
  "use strict";
  var PAUSE = 250;  // milliseconds of no typing before the list is asked for

  document.querySelectorAll("[data-picker]").forEach(function (picker) {
    var url = picker.getAttribute("data-matches-url");
    var finder = picker.querySelector("[data-picker-find]");
    var input = finder.querySelector("input[name=q]");
    var list = picker.querySelector("[data-picker-matches]");
    var status = picker.querySelector("[data-picker-status]");
    var carried = picker.querySelector("[data-picker-query]");
    var shown = input.value.trim();
    var timer = null;
    var asked = 0;
    var failed = false;

    function show(query) {
      var mine = ++asked;
      fetch(url + "?q=" + encodeURIComponent(query), {credentials: "same-origin", headers: {"Accept": "text/html"}})
        .then(function (response) {
          if (!response.ok) { throw new Error(String(response.status)); }
          return response.text();
        })
        .then(function (html) {
          if (mine !== asked) { return; }  // a later keystroke's answer is on its way
          var parsed = new DOMParser().parseFromString(html, "text/html").body;
          list.replaceChildren.apply(list, Array.prototype.slice.call(parsed.childNodes));
          var answer = list.querySelector("[data-picker-status]");
          status.textContent = answer ? answer.getAttribute("data-picker-status") : "";
          shown = query;
          if (carried) { carried.value = query; }
        })
        .catch(function () {
          if (mine !== asked) { return; }
          failed = true;  // Find now reloads the page with the list, as without JavaScript
          status.textContent = picker.getAttribute("data-picker-failed") || "";
        });
    }

    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () {
        if (input.value.trim() !== shown) { show(input.value.trim()); }
      }, PAUSE);
    });
    finder.addEventListener("submit", function (event) {
      if (failed) { return; }
      event.preventDefault();
      clearTimeout(timer);
      show(input.value.trim());
    });
    input.addEventListener("keydown", function (event) {
      if (event.key !== "ArrowDown") { return; }
      var first = list.querySelector("input[type=radio]");
      if (first) {
        event.preventDefault();
        first.checked = true;
        first.focus();
      }
    });
  });
})();
