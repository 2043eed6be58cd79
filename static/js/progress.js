/* Live progress for work that runs in the background (index rebuilds): an element with
   data-poll-url is refreshed from that JSON address ({running, done, total}) every second, and the page
   reloads when the work ends. Without JavaScript the page's own meta refresh does the same, more slowly.
   data-poll-text is the sentence while it counts ({done} and {total} filled in); data-poll-text-done, if
   given, the one once every item is counted but the work still runs (an import writing what it read). */
(function () {
  "use strict";
  document.querySelectorAll("[data-poll-url]").forEach(function (box) {
    var url = box.getAttribute("data-poll-url");
    var template = box.getAttribute("data-poll-text") || "";
    var doneTemplate = box.getAttribute("data-poll-text-done") || template;
    function poll() {
      fetch(url, {credentials: "same-origin", headers: {"Accept": "application/json"}})
        .then(function (response) { return response.json(); })
        .then(function (data) {
          var job = data.rebuild || data;
          if (!job.running) { window.location.reload(); return; }
          var bar = box.querySelector("progress");
          if (bar) { bar.max = job.total || 1; bar.value = job.done; }
          var text = box.querySelector("[data-poll-message]");
          var sentence = job.total && job.done >= job.total ? doneTemplate : template;
          if (text && sentence) {
            text.textContent = sentence.replace("{done}", job.done).replace("{total}", job.total);
          }
          setTimeout(poll, 1000);
        })
        .catch(function () { setTimeout(poll, 3000); });
    }
    setTimeout(poll, 1000);
  });
})();
