// Polls the rendering job of a dossier version, updates the status text and bar, reloads when it ends.
(function () {
  "use strict";
  var box = document.getElementById("dossier-job");
  if (!box) { return; }
  var text = document.getElementById("dossier-job-text");
  var bar = document.getElementById("dossier-job-bar");
  var fill = bar.querySelector(".progress-bar");
  function show(progress) {
    fill.style.width = progress + "%";
    bar.setAttribute("aria-valuenow", String(progress));
  }
  show(parseInt(fill.getAttribute("data-progress"), 10) || 0);
  function poll() {
    fetch(box.getAttribute("data-status-url"), { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) { return response.json(); })
      .then(function (job) {
        show(job.progress);
        text.textContent = job.message;
        if (job.working) { window.setTimeout(poll, 1500); } else { window.location.reload(); }
      })
      .catch(function () { window.setTimeout(poll, 4000); });
  }
  window.setTimeout(poll, 1000);
}());
