// The sampler's pages (the scan page, the door-to-door list): keep the scan input focused (a
// barcode scanner types into it and presses Enter), and give a clear cue on errors: a low
// beep, a vibration, a red flash.
(function () {
  function focusInput() {
    var input = document.getElementById("scan-code");
    if (input) { input.value = ""; input.focus(); }
  }
  function beep(freq, ms) {
    try {
      var Ctx = window.AudioContext || window.webkitAudioContext;
      if (!Ctx) { return; }
      var ctx = beep.ctx || (beep.ctx = new Ctx());
      var osc = ctx.createOscillator();
      var gain = ctx.createGain();
      osc.frequency.value = freq;
      osc.connect(gain); gain.connect(ctx.destination);
      gain.gain.value = 0.2;
      osc.start(); osc.stop(ctx.currentTime + ms / 1000);
    } catch (e) { /* no sound on this device */ }
  }
  function cue(root) {
    // the message in what was just swapped in (a row of the door-to-door list), else the page's
    var msg = (root && root.querySelector && root.querySelector("[data-cue]")) ||
      document.querySelector("[data-cue]");
    if (!msg) { return; }
    var level = msg.getAttribute("data-cue");
    if (level === "error") {
      beep(220, 400);
      if (navigator.vibrate) { navigator.vibrate([200, 100, 200]); }
      document.body.classList.add("scan-error");
      setTimeout(function () { document.body.classList.remove("scan-error"); }, 600);
    } else if (level === "warn") {
      beep(440, 200);
    } else {
      beep(880, 80);
    }
  }
  document.addEventListener("htmx:afterSwap", function (e) { cue(e.detail.target); focusInput(); });
  document.addEventListener("DOMContentLoaded", function () { cue(); focusInput(); });
  document.addEventListener("click", function (e) {
    if (!e.target.closest("button, a, input, select, textarea")) { focusInput(); }
  });
})();
