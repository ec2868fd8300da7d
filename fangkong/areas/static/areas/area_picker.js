// The area picker (fangkong/areas/widgets.py): search by name or pinyin, or open the tree one
// level at a time; choosing an area puts its id in the hidden input and its path in the box.
// No inline scripts or styles (the CSP forbids them); messages come translated from data-msg-*.
(function () {
  "use strict";

  function text(tag, cls, content) {
    var el = document.createElement(tag);
    if (cls) el.className = cls;
    if (content) el.textContent = content;
    return el;
  }

  function init(root) {
    if (root.dataset.ready) return;
    root.dataset.ready = "1";
    var msgs = root.dataset;
    var value = root.querySelector("[data-area-value]");
    var path = root.querySelector("[data-area-path]");
    var search = root.querySelector("[data-area-search]");
    var browse = root.querySelector("[data-area-browse]");
    var clear = root.querySelector("[data-area-clear]");
    var panel = root.querySelector(".area-picker-panel");
    var status = root.querySelector("[data-area-status]");
    var results = root.querySelector("[data-area-results]");
    var tree = root.querySelector("[data-area-tree]");
    var chosen = root.querySelector("[data-area-chosen]"); // several areas (data-multiple)
    var seq = 0;
    var timer = null;

    function url(base, params) {
      var q = new URLSearchParams(params);
      if (msgs.maxDepth) q.set("max_depth", msgs.maxDepth);
      return base + "?" + q.toString();
    }

    function get(u) {
      return fetch(u, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (r) {
          if (!r.ok) throw new Error(String(r.status));
          return r.json();
        });
    }

    function say(message) {
      status.textContent = message || "";
    }

    function open() {
      panel.hidden = false;
    }

    function close() {
      panel.hidden = true;
      browse.setAttribute("aria-expanded", "false");
    }

    function changed(input) {
      input.dispatchEvent(new Event("change", { bubbles: true }));
      if (msgs.submitOnPick !== undefined && input.form) input.form.requestSubmit();
    }

    function addChosen(node) {
      var id = String(node.id);
      var have = Array.prototype.some.call(
        chosen.querySelectorAll("input"), function (i) { return i.value === id; }
      );
      if (have) return;
      var li = document.createElement("li");
      var input = document.createElement("input");
      input.type = "hidden";
      input.name = msgs.name;
      input.value = id;
      var remove = text("button", "secondary outline small", "×");
      remove.type = "button";
      remove.setAttribute("data-area-remove", "");
      remove.setAttribute("aria-label", msgs.msgRemove + ": " + node.path);
      li.appendChild(input);
      li.appendChild(text("span", "", node.path));
      li.appendChild(document.createTextNode(" "));
      li.appendChild(remove);
      chosen.appendChild(li);
      changed(input);
    }

    function choose(node) {
      search.value = "";
      results.hidden = true;
      close();
      if (chosen) {
        addChosen(node);
      } else {
        value.value = String(node.id);
        path.value = node.path;
        if (clear) clear.hidden = false;
        changed(value);
      }
      search.focus();
    }

    // One area as a list item: a button that chooses it and, in the tree, a toggle that
    // opens the level below (loaded when first opened).
    function item(node, withPath) {
      var li = text("li", "area-picker-node");
      li.dataset.id = node.id;
      if (!withPath && node.has_children) {
        var toggle = text("button", "area-picker-toggle", "▸");
        toggle.type = "button";
        toggle.setAttribute("aria-expanded", "false");
        toggle.setAttribute("aria-label", msgs.msgExpand + ": " + node.name);
        toggle.title = msgs.msgExpand;
        toggle.addEventListener("click", function () { expand(li, toggle, node); });
        li.appendChild(toggle);
      } else {
        li.appendChild(text("span", "area-picker-leaf", "·"));
      }
      var pick = text("button", "area-picker-pick");
      pick.type = "button";
      pick.setAttribute("data-testid", withPath ? "area-result" : "area-node");
      pick.appendChild(text("span", "area-picker-name", withPath ? node.path : node.name));
      pick.appendChild(text("small", "muted", " " + node.kind_label));
      pick.addEventListener("click", function () { choose(node); });
      li.appendChild(pick);
      return li;
    }

    function fill(list, nodes, withPath) {
      list.replaceChildren();
      nodes.forEach(function (n) { list.appendChild(item(n, withPath)); });
    }

    function expand(li, toggle, node) {
      var below = li.querySelector(":scope > ul");
      if (below) {
        var opening = below.hidden;
        below.hidden = !opening;
        toggle.setAttribute("aria-expanded", String(opening));
        toggle.textContent = opening ? "▾" : "▸";
        return;
      }
      below = text("ul", "area-picker-list");
      below.appendChild(text("li", "muted", msgs.msgLoading));
      li.appendChild(below);
      toggle.setAttribute("aria-expanded", "true");
      toggle.textContent = "▾";
      get(url(msgs.url, { parent: node.id })).then(function (nodes) {
        fill(below, nodes, false);
        if (!nodes.length) below.appendChild(text("li", "muted", msgs.msgEmpty));
      }).catch(function () {
        below.remove();
        toggle.setAttribute("aria-expanded", "false");
        toggle.textContent = "▸";
        say(msgs.msgFailed);
      });
    }

    function showTree() {
      open();
      browse.setAttribute("aria-expanded", "true");
      results.hidden = true;
      tree.hidden = false;
      say("");
      if (tree.dataset.loaded) return;
      say(msgs.msgLoading);
      get(url(msgs.url, {})).then(function (nodes) {
        tree.dataset.loaded = "1";
        fill(tree, nodes, false);
        say(nodes.length ? "" : msgs.msgNone);
      }).catch(function () { say(msgs.msgFailed); });
    }

    function runSearch() {
      var q = search.value.trim();
      var mine = ++seq;
      if (!q) {
        results.hidden = true;
        if (browse.getAttribute("aria-expanded") === "true") showTree(); else close();
        return;
      }
      open();
      tree.hidden = true;
      get(url(msgs.searchUrl, { q: q })).then(function (body) {
        if (mine !== seq) return; // an older answer arriving late
        fill(results, body.items, true);
        results.hidden = !body.items.length;
        if (!body.count) say(msgs.msgNone);
        else if (body.count > body.items.length) {
          say(msgs.msgMore.replace("{count}", body.count).replace("{shown}", body.items.length));
        } else say(msgs.msgFound.replace("{count}", body.count));
      }).catch(function () { if (mine === seq) say(msgs.msgFailed); });
    }

    function buttons() {
      return Array.prototype.filter.call(
        panel.querySelectorAll("button"),
        function (b) { return b.offsetParent !== null; }
      );
    }

    function move(from, step) {
      var all = buttons();
      var i = all.indexOf(from) + step;
      if (i < 0) { search.focus(); return; }
      if (all[i]) all[i].focus();
    }

    search.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(runSearch, 200);
    });
    search.addEventListener("keydown", function (e) {
      if (e.key === "Enter") {
        e.preventDefault(); // never submit the form from the search box
        clearTimeout(timer);
        var picks = results.hidden ? [] : results.querySelectorAll(".area-picker-pick");
        if (picks.length === 1) picks[0].click();
        else if (picks.length) picks[0].focus();
        else runSearch();
      } else if (e.key === "ArrowDown") {
        e.preventDefault();
        var all = buttons();
        if (all.length) all[0].focus(); else showTree();
      } else if (e.key === "Escape" && !panel.hidden) {
        e.preventDefault();
        close();
      }
    });
    panel.addEventListener("keydown", function (e) {
      var t = e.target;
      if (t.tagName !== "BUTTON") return;
      var li = t.closest("li");
      var toggle = li && li.querySelector(":scope > .area-picker-toggle");
      if (e.key === "ArrowDown" || e.key === "ArrowUp") {
        e.preventDefault();
        move(t, e.key === "ArrowDown" ? 1 : -1);
      } else if (e.key === "ArrowRight" && toggle && toggle.getAttribute("aria-expanded") !== "true") {
        e.preventDefault();
        toggle.click();
      } else if (e.key === "ArrowLeft" && toggle && toggle.getAttribute("aria-expanded") === "true") {
        e.preventDefault();
        toggle.click();
      } else if (e.key === "Escape") {
        e.preventDefault();
        close();
        search.focus();
      }
    });
    browse.addEventListener("click", function () {
      if (browse.getAttribute("aria-expanded") === "true") close(); else showTree();
    });
    if (clear) {
      clear.addEventListener("click", function () {
        value.value = "";
        path.value = "";
        clear.hidden = true;
        search.focus();
        changed(value);
      });
    }
    if (chosen) {
      chosen.addEventListener("click", function (e) {
        var remove = e.target.closest("[data-area-remove]");
        if (!remove) return;
        remove.closest("li").remove();
        search.focus();
      });
    }
    document.addEventListener("click", function (e) {
      if (!panel.hidden && !root.contains(e.target)) close();
    });
  }

  function initAll(scope) {
    (scope || document).querySelectorAll("[data-area-picker]").forEach(init);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { initAll(); });
  } else {
    initAll();
  }
  document.addEventListener("htmx:load", function (e) { initAll(e.target); });
})();
