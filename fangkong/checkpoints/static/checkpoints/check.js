// The checkpoint phone page: each vehicle with every person in it goes into a queue kept in
// the phone's storage, then uploads as a batch to the API (idempotent by each entry's own
// id, so a batch sent twice after a lost answer records once). With no connection the
// entries wait and upload when it returns; the outcome of each person (from the decision
// table on the server) shows once its batch is recorded.
(function () {
  var root = document.getElementById("cp-check");
  if (!root) { return; }
  var key = "fk-checkpoint-queue-" + root.getAttribute("data-checkpoint");
  var url = root.getAttribute("data-upload-url");
  var labels = JSON.parse(document.getElementById("outcome-labels").textContent);
  var form = document.getElementById("vehicle-form");
  var persons = document.getElementById("persons");
  var tpl = document.getElementById("person-template");
  var statusEl = document.getElementById("queue-status");
  var results = document.getElementById("results");
  var busy = false;

  function msg(name) { return root.getAttribute("data-msg-" + name) || ""; }
  function csrf() {
    try { return JSON.parse(document.body.getAttribute("hx-headers"))["X-CSRFToken"]; } catch (e) { return ""; }
  }
  function load() {
    try { return JSON.parse(localStorage.getItem(key) || "[]"); } catch (e) { return []; }
  }
  function save(q) { localStorage.setItem(key, JSON.stringify(q)); showStatus(); }
  function uuid() {
    if (window.crypto && crypto.randomUUID) { return crypto.randomUUID(); }
    var b = new Uint8Array(16); crypto.getRandomValues(b);
    b[6] = (b[6] & 15) | 64; b[8] = (b[8] & 63) | 128;
    var h = Array.prototype.map.call(b, function (x) { return (x + 256).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }
  function showStatus(offline) {
    var n = load().length;
    statusEl.textContent = n ? msg("queued").replace("{n}", n) + (offline ? " " + msg("offline") : "") : "";
  }
  function addPerson() {
    var node = tpl.content.firstElementChild.cloneNode(true);
    node.querySelector(".n").textContent = persons.children.length + 1;
    persons.appendChild(node);
    var first = node.querySelector("input[name=name]");
    if (first) { first.focus(); }
  }
  function value(scope, name) {
    var el = scope.querySelector("[name=" + name + "]");
    if (!el) { return ""; }
    return el.type === "checkbox" ? el.checked : el.value.trim();
  }
  function collect() {
    var v = {
      client_uuid: uuid(), checked_at: new Date().toISOString(),
      plate: value(form, "plate"), tractor_plate: value(form, "tractor_plate"),
      kind: value(form, "kind"), freight: value(form, "freight"), persons: []
    };
    Array.prototype.forEach.call(persons.querySelectorAll(".person"), function (p) {
      var dest = value(p, "destination_area_id");
      v.persons.push({
        client_uuid: uuid(), name: value(p, "name"), doc_type: value(p, "doc_type"),
        id_number: value(p, "id_number"), phone: value(p, "phone"), driver: value(p, "driver"),
        origin_province: value(p, "origin_province"), origin_city: value(p, "origin_city"),
        origin_county: value(p, "origin_county"), code_colour: value(p, "code_colour"),
        test_48h: value(p, "test_48h"), itinerary_star: value(p, "itinerary_star"),
        temperature: value(p, "temperature"), destination_area_id: dest ? parseInt(dest, 10) : null,
        address: value(p, "address")
      });
    });
    return v;
  }
  function line(text, cls, testid) {
    var el = document.createElement("span");
    el.className = cls; el.textContent = text;
    if (testid) { el.setAttribute("data-testid", testid); }
    results.insertBefore(el, results.firstChild);
  }
  function report(sent, body) {
    var names = {};
    sent.forEach(function (v, i) {
      v.persons.forEach(function (p, j) { names[p.client_uuid] = [v.plate, p.name, i, j]; });
    });
    (body.errors || []).forEach(function (e) {
      var v = sent[e.vehicle] || {};
      var who = e.person === null ? v.plate : ((v.persons || [])[e.person] || {}).name;
      line(msg("refused") + " " + (who || "") + " · " + e.field + ": " + e.message, "outcome row-error", "row-error");
    });
    Object.keys(body.outcomes || {}).forEach(function (id) {
      var n = names[id] || ["", ""];
      var outcome = body.outcomes[id];
      line(n[0] + " · " + n[1] + " · " + (labels[outcome] || outcome), "outcome outcome-" + outcome, "outcome");
    });
  }
  function flush() {
    var q = load();
    if (busy || !q.length) { showStatus(); return; }
    busy = true;
    fetch(url, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf() },
      body: JSON.stringify({ vehicles: q })
    }).then(function (r) {
      return r.json().then(function (body) { return { ok: r.ok, status: r.status, body: body }; });
    }).then(function (res) {
      var sentIds = q.map(function (v) { return v.client_uuid; });
      if (res.ok) {
        report(q, res.body);
        save(load().filter(function (v) { return sentIds.indexOf(v.client_uuid) < 0; }));
        if (!load().length) { statusEl.textContent = msg("sent"); }
      } else if (res.status < 500 && res.status !== 401 && res.status !== 403) {
        var e = res.body && res.body.error ? res.body.error.message : res.status;
        line(msg("refused") + " " + e, "outcome row-error", "row-error");
        save(load().filter(function (v) { return sentIds.indexOf(v.client_uuid) < 0; }));
      } else {
        showStatus(true);
      }
    }).catch(function () { showStatus(true); }).then(function () { busy = false; });
  }
  // Enter in another app's section (a hardware scanner after a pass number) commits that
  // field (leaving it fires its change event once), never records the vehicle.
  form.addEventListener("keydown", function (ev) {
    if (ev.key === "Enter" && ev.target.closest && ev.target.closest(".extra-sections")) {
      ev.preventDefault();
      ev.target.blur();
    }
  });
  document.getElementById("add-person").addEventListener("click", addPerson);
  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    var q = load();
    q.push(collect());
    save(q);
    form.reset();
    form.querySelectorAll("[data-clear-on-record]").forEach(function (el) { el.innerHTML = ""; });
    persons.innerHTML = "";
    addPerson();
    form.querySelector("[name=plate]").focus();
    flush();
  });
  window.addEventListener("online", flush);
  setInterval(flush, 30000);
  addPerson();
  flush();
})();
