// fangkong: small progressive enhancements (no inline scripts: the CSP forbids them).
document.addEventListener("htmx:responseError", function (evt) {
  var box = document.createElement("p");
  box.className = "msg msg-error";
  box.setAttribute("role", "alert");
  box.textContent = evt.detail.xhr.status === 403 ? document.documentElement.lang.startsWith("zh")
    ? "您的角色不允许此操作。" : "Your role does not allow this action."
    : (document.documentElement.lang.startsWith("zh") ? "请求失败（" : "Request failed (") + evt.detail.xhr.status + ")";
  (document.querySelector("main") || document.body).prepend(box);
});
