// fangkong: small progressive enhancements (no inline scripts: the CSP forbids them).
// Messages come translated from the page (data-msg-* on <body>), not from this file.
document.addEventListener("htmx:responseError", function (evt) {
  var status = evt.detail.xhr.status;
  var msgs = document.body.dataset;
  var box = document.createElement("p");
  box.className = "msg msg-error";
  box.setAttribute("role", "alert");
  // 429 (a rate limit) carries its own message: when to try again.
  var own = status === 429
    ? new DOMParser().parseFromString(evt.detail.xhr.responseText, "text/html").body.textContent.trim()
    : "";
  box.textContent = own || (status === 403
    ? msgs.msgForbidden
    : msgs.msgFailed.replace("{status}", status));
  (document.querySelector("main") || document.body).prepend(box);
});

// A button that loads the level below (data-expands) says it is open once it has.
document.addEventListener("htmx:afterRequest", function (evt) {
  var el = evt.detail.elt;
  if (el && el.hasAttribute && el.hasAttribute("data-expands") && evt.detail.successful) {
    el.setAttribute("aria-expanded", "true");
  }
});
