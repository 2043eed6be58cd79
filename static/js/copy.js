/* Copy buttons: a button with data-copy-target="ID" copies that element's text and says so in the nearby
   [data-copy-status] (its data-copied text), or selects the text for Ctrl+C where the browser refuses
   (data-copy-failed). The buttons are hidden until this script shows them: without it the address is there to
   select by hand. */
(function () {
  "use strict";
  document.querySelectorAll("[data-copy-target]").forEach(function (button) {
    var source = document.getElementById(button.getAttribute("data-copy-target"));
    var status = button.parentElement.querySelector("[data-copy-status]");
    if (!source) { return; }
    button.hidden = false;
    function say(text) { if (status) { status.textContent = text; } }
    function selectSource() {
      var range = document.createRange();
      range.selectNodeContents(source);
      var selection = window.getSelection();
      selection.removeAllRanges();
      selection.addRange(range);
    }
    button.addEventListener("click", function () {
      var text = source.textContent.trim();
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(text).then(function () {
          say(button.getAttribute("data-copied"));
        }, function () {
          selectSource();
          say(button.getAttribute("data-copy-failed"));
        });
        return;
      }
      // Plain http on the office network has no clipboard API; the older command still copies a selection.
      selectSource();
      var copied = false;
      try { copied = document.execCommand("copy"); } catch (error) { copied = false; }
      say(button.getAttribute(copied ? "data-copied" : "data-copy-failed"));
    });
  });
}());
