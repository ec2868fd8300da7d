// Camera scanning for any field marked data-scan-target (core/_scan_input.html): barcodes
// and QR codes read by the browser's BarcodeDetector where it exists, otherwise by the
// vendored ZXing library (loaded only then, from the address on <body data-zxing-src>).
// A hardware scanner types into the same field and presses Enter: nothing changes for it.
// The camera view lives outside the parts htmx swaps, so a scan page can scan one person
// after another; what is read goes into the page's current scan field, like typing.
(function () {
  var FORMATS = ["qr_code", "code_128", "code_39", "code_93", "ean_13", "ean_8", "itf",
                 "codabar", "upc_a", "data_matrix", "pdf417"];
  var state = null;

  function showButtons(root) {
    if (!(navigator.mediaDevices && navigator.mediaDevices.getUserMedia)) { return; }
    var scope = root && root.querySelectorAll ? root : document;
    scope.querySelectorAll("[data-scan-camera]").forEach(function (b) { b.hidden = false; });
  }

  function target() {
    if (state && state.input && document.body.contains(state.input)) { return state.input; }
    return document.querySelector("[data-scan-target]");
  }

  function deliver(text) {
    var input = target();
    if (!input || !text) { return; }
    var now = Date.now();
    if (text === state.last && now - state.lastAt < 2500) { return; } // the same code still in view
    state.last = text; state.lastAt = now;
    input.value = text;
    input.dispatchEvent(new Event("input", { bubbles: true }));
    input.dispatchEvent(new Event("change", { bubbles: true }));
    if (navigator.vibrate) { navigator.vibrate(60); }
    var continuous = input.hasAttribute("data-scan-continuous");
    if (input.hasAttribute("data-scan-submit") && input.form) {
      if (input.form.requestSubmit) { input.form.requestSubmit(); } else { input.form.submit(); }
    }
    if (!continuous) { stop(); }
  }

  function status(text) { if (state && state.status) { state.status.textContent = text; } }

  function loadScript(src, done) {
    if (window.ZXing) { done(); return; }
    var s = document.createElement("script");
    s.src = src; s.onload = done;
    s.onerror = function () { status(document.body.dataset.msgScanFailed || ""); };
    document.head.appendChild(s);
  }

  function decodeNative(video) {
    window.BarcodeDetector.getSupportedFormats().then(function (supported) {
      var formats = FORMATS.filter(function (f) { return supported.indexOf(f) >= 0; });
      var detector = new window.BarcodeDetector(formats.length ? { formats: formats } : undefined);
      state.timer = setInterval(function () {
        if (video.readyState < 2) { return; }
        detector.detect(video).then(function (codes) {
          if (codes.length) { deliver(codes[0].rawValue); }
        }).catch(function () { /* a frame that could not be read */ });
      }, 200);
    });
  }

  function decodeZxing(video) {
    loadScript(document.body.dataset.zxingSrc, function () {
      var reader = new window.ZXing.BrowserMultiFormatReader();
      state.reader = reader;
      reader.decodeFromStream(state.stream, video, function (result) {
        if (result) { deliver(result.getText()); }
      });
    });
  }

  function overlay() {
    var box = document.createElement("div");
    box.className = "scan-overlay";
    box.setAttribute("data-testid", "scan-overlay");
    var video = document.createElement("video");
    video.setAttribute("playsinline", ""); video.muted = true;
    var line = document.createElement("p");
    var stopBtn = document.createElement("button");
    stopBtn.type = "button"; stopBtn.className = "secondary";
    stopBtn.textContent = document.body.dataset.msgScanStop || "×";
    stopBtn.addEventListener("click", stop);
    box.appendChild(video); box.appendChild(line); box.appendChild(stopBtn);
    document.body.appendChild(box);
    return { box: box, video: video, status: line };
  }

  function start(input) {
    stop();
    var ui = overlay();
    state = { input: input, box: ui.box, video: ui.video, status: ui.status, last: "", lastAt: 0 };
    status(document.body.dataset.msgScanAim || "");
    navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false })
      .then(function (stream) {
        if (!state) { stream.getTracks().forEach(function (t) { t.stop(); }); return; }
        state.stream = stream;
        ui.video.srcObject = stream;
        ui.video.play();
        if ("BarcodeDetector" in window) { decodeNative(ui.video); } else { decodeZxing(ui.video); }
      })
      .catch(function () { status(document.body.dataset.msgScanNoCamera || ""); });
  }

  function stop() {
    if (!state) { return; }
    if (state.timer) { clearInterval(state.timer); }
    if (state.reader) { try { state.reader.reset(); } catch (e) { /* already stopped */ } }
    if (state.stream) { state.stream.getTracks().forEach(function (t) { t.stop(); }); }
    if (state.box) { state.box.remove(); }
    var input = target();
    state = null;
    if (input) { input.focus(); }
  }

  document.addEventListener("click", function (e) {
    var btn = e.target.closest && e.target.closest("[data-scan-camera]");
    if (!btn) { return; }
    var wrap = btn.closest("[data-scan]");
    start(wrap ? wrap.querySelector("[data-scan-target]") : null);
  });
  document.addEventListener("keydown", function (e) { if (e.key === "Escape") { stop(); } });
  document.addEventListener("DOMContentLoaded", function () { showButtons(document); });
  document.addEventListener("htmx:load", function (e) { showButtons(e.detail.elt); });
})();
