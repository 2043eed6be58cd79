// Presentation mode of a briefing deck: one slide at a time, scaled to the window, moved by keyboard or buttons;
// a timer; the time spent on each slide (saved at the end of a rehearsal); the state sent to the presenter window.
(function () {
  "use strict";
  var main = document.getElementById("main");
  var stage = document.getElementById("stage");
  if (!main || !stage) { return; }
  var slides = Array.prototype.slice.call(stage.querySelectorAll(".slide"));
  var status = document.getElementById("slide-status");
  var timer = document.getElementById("timer");
  var template = main.getAttribute("data-status-template") || "{n} / {total}";
  var channelName = "qms-briefing-" + main.getAttribute("data-deck-id");
  var channel = "BroadcastChannel" in window ? new BroadcastChannel(channelName) : null;
  var current = 0;
  var started = Date.now();
  var slideStarted = started;
  var spent = {};  // slide id -> milliseconds

  function clock(ms) {
    var seconds = Math.floor(ms / 1000);
    return Math.floor(seconds / 60) + ":" + String(seconds % 60).padStart(2, "0");
  }

  function fit() {
    var scale = Math.min(stage.clientWidth / 1280, stage.clientHeight / 720);
    var left = (stage.clientWidth - 1280 * scale) / 2;
    var top = (stage.clientHeight - 720 * scale) / 2;
    slides.forEach(function (slide) {
      slide.style.transform = "translate(" + left + "px, " + top + "px) scale(" + scale + ")";
    });
  }

  function account() {
    var now = Date.now();
    var id = slides[current].getAttribute("data-slide-id");
    spent[id] = (spent[id] || 0) + (now - slideStarted);
    slideStarted = now;
  }

  function state() {
    var slide = slides[current];
    return {type: "state", index: current, total: slides.length, slideId: slide.getAttribute("data-slide-id"),
            planned: Number(slide.getAttribute("data-planned")), slideElapsed: Date.now() - slideStarted,
            totalElapsed: Date.now() - started};
  }

  function broadcast() {
    var message = state();
    if (channel) { channel.postMessage(message); }
    try { localStorage.setItem(channelName, JSON.stringify(message)); } catch (error) { /* storage off */ }
  }

  function show(index) {
    index = Math.max(0, Math.min(slides.length - 1, index));
    if (index !== current) { account(); }
    current = index;
    slides.forEach(function (slide, i) { slide.hidden = i !== current; });
    status.textContent = template.replace("{n}", String(current + 1)).replace("{total}", String(slides.length));
    broadcast();
  }

  function onKey(event) {
    if (event.target.closest && event.target.closest("form, a")) { return; }
    var keys = {ArrowRight: 1, ArrowDown: 1, PageDown: 1, " ": 1, Spacebar: 1, ArrowLeft: -1, ArrowUp: -1, PageUp: -1};
    if (event.key in keys) { show(current + keys[event.key]); event.preventDefault(); }
    else if (event.key === "Home") { show(0); event.preventDefault(); }
    else if (event.key === "End") { show(slides.length - 1); event.preventDefault(); }
  }

  document.addEventListener("keydown", function (event) {
    if (event.target.tagName === "BUTTON" && (event.key === " " || event.key === "Enter")) { return; }
    onKey(event);
  });
  document.getElementById("prev-slide").addEventListener("click", function () { show(current - 1); });
  document.getElementById("next-slide").addEventListener("click", function () { show(current + 1); });
  document.getElementById("full-screen").addEventListener("click", function () {
    if (document.fullscreenElement) { document.exitFullscreen(); }
    else if (main.requestFullscreen) { main.requestFullscreen(); }
  });
  document.getElementById("open-presenter").addEventListener("click", function () {
    window.open(main.getAttribute("data-presenter-url"), "qms-presenter", "width=900,height=700");
    setTimeout(broadcast, 800);
  });
  if (channel) {
    channel.onmessage = function (event) {
      var data = event.data || {};
      if (data.type === "move") { show(current + data.step); }
      else if (data.type === "hello") { broadcast(); }
    };
  }

  var form = document.getElementById("rehearsal-form");
  if (form) {
    form.addEventListener("submit", function (event) {
      account();
      Object.keys(spent).forEach(function (id) {
        var input = form.querySelector('input[name="slide-' + id + '"]');
        if (input) { input.value = String(Math.round(spent[id] / 1000)); }
      });
      if (!window.fetch) { return; }  // the plain form posts the same fields
      event.preventDefault();
      fetch(form.action, {method: "POST", body: new FormData(form), credentials: "same-origin",
                          headers: {"Accept": "application/json"}})
        .then(function (response) { return response.json(); })
        .then(function (data) {
          status.textContent = data.message || "";
          if (data.ok && data.redirect) { window.location.assign(data.redirect); }
        })
        .catch(function () { form.submit(); });
    });
  }

  setInterval(function () {
    timer.textContent = clock(Date.now() - started);
    broadcast();
  }, 1000);
  window.addEventListener("resize", fit);
  fit();
  show(0);
  stage.focus();
})();
