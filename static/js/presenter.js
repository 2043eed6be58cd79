// The presenter window: follows the presentation window (BroadcastChannel, or storage events) and shows the
// current slide's notes, its planned time and the time spent on it and in all; it can move the slides too.
(function () {
  "use strict";
  var main = document.getElementById("main");
  if (!main) { return; }
  var name = "qms-briefing-" + main.getAttribute("data-deck-id");
  var template = main.getAttribute("data-status-template") || "{n} / {total}";
  var channel = "BroadcastChannel" in window ? new BroadcastChannel(name) : null;
  var lastSlide = null;

  function clock(ms) {
    var seconds = Math.floor(ms / 1000);
    return Math.floor(seconds / 60) + ":" + String(seconds % 60).padStart(2, "0");
  }

  function update(data) {
    if (!data || data.type !== "state") { return; }
    if (data.slideId !== lastSlide) {
      lastSlide = data.slideId;
      document.getElementById("presenter-slide").textContent =
        template.replace("{n}", String(data.index + 1)).replace("{total}", String(data.total));
      Array.prototype.forEach.call(document.querySelectorAll(".presenter-notes"), function (section) {
        var mine = section.getAttribute("data-slide-id") === String(data.slideId);
        section.hidden = !mine;
        if (mine) { document.getElementById("planned").textContent = section.getAttribute("data-planned"); }
      });
    }
    var elapsed = document.getElementById("slide-elapsed");
    elapsed.textContent = clock(data.slideElapsed);
    elapsed.classList.toggle("over", data.slideElapsed / 1000 > data.planned);
    document.getElementById("total-elapsed").textContent = clock(data.totalElapsed);
  }

  function move(step) {
    if (channel) { channel.postMessage({type: "move", step: step}); }
  }

  if (channel) {
    channel.onmessage = function (event) { update(event.data); };
    channel.postMessage({type: "hello"});
  }
  window.addEventListener("storage", function (event) {
    if (event.key === name && event.newValue) {
      try { update(JSON.parse(event.newValue)); } catch (error) { /* a partial write */ }
    }
  });
  document.getElementById("presenter-prev").addEventListener("click", function () { move(-1); });
  document.getElementById("presenter-next").addEventListener("click", function () { move(1); });
  document.addEventListener("keydown", function (event) {
    if (event.key === "ArrowRight" || event.key === "PageDown") { move(1); event.preventDefault(); }
    if (event.key === "ArrowLeft" || event.key === "PageUp") { move(-1); event.preventDefault(); }
  });
})();
