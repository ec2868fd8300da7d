// The door-to-door list: once a row is recorded the next row's tube input takes the focus,
// so a team with a barcode scanner (it types the code and presses Enter) walks the list
// without touching the screen; after an error the same row's input is ready again.
(function () {
  function tubeInput(el) { return el.querySelector ? el.querySelector("input[name=tube]") : null; }
  document.addEventListener("htmx:afterSwap", function (e) {
    var slot = e.detail.target;
    if (!slot.classList || !slot.classList.contains("retest-slot")) { return; }
    var next = slot;
    while (next) {
      var input = tubeInput(next);
      if (input) { input.focus(); return; }
      next = next.nextElementSibling;
    }
  });
})();
