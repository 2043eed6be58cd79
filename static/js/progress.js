/* Live progress for work that runs in the background (index rebuilds): an element with
   data-poll-url is refreshed from that JSON address ({running, done, total}) every second, and the page
   reloads when the work ends. Without JavaScript the page's own meta refresh does the same, more slowly. */
(function () {
  "use strict";
  document.querySelectorAll("[data-poll-url]").forEach(function (box) {
    var url = box.getAttribute("data-poll-url");
    var template = box.getAttribute("data-poll-text") || "";
    function poll() {
      fetch(url, {credentials: "same-origin", headers: {"Accept": "application/json"}})
        .then(function (response) { return response.json(); })
        .then(function (data) {
          var job = data.rebuild || data;
          if (!job.running) { window.location.reload(); return; }
          var bar = box.querySelector("progress");
          if (bar) { bar.max = job.total || 1; bar.value = job.done; }
          var text = box.querySelector("[data-poll-message]");
          if (text && template) {
            text.textContent = template.replace("{done}", job.done).replace("{total}", job.total);
          }
          setTimeout(poll, 1000);
        })
        .catch(function () { setTimeout(poll, 3000); });
    }
    setTimeout(poll, 1000);
  });
})();
