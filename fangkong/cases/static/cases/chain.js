/* The chain of transmission of one cluster, drawn with cytoscape.js (vendored). Large
   chains (thousands of nodes) get a layout that costs no simulation and no labels until
   zoomed in, so the page stays usable at 25,000 nodes. */
(function () {
  "use strict";
  var box = document.getElementById("chain-graph");
  var status = document.getElementById("chain-status");
  if (!box || typeof cytoscape === "undefined") { return; }
  fetch(box.dataset.url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
    .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
    .then(function (data) {
      var n = data.nodes.length;
      var big = n > 1500;
      status.textContent = n + " / " + data.edges.length;
      var cy = cytoscape({
        container: box,
        elements: { nodes: data.nodes, edges: data.edges },
        textureOnViewport: big,
        hideEdgesOnViewport: big,
        pixelRatio: big ? 1 : "auto",
        wheelSensitivity: 0.3,
        style: [
          { selector: "node", style: { "width": 10, "height": 10, "background-color": "#2e7d32",
            "label": big ? "" : "data(label)", "font-size": 8, "min-zoomed-font-size": 6 } },
          { selector: "node[type = 'contact'][!controlled]", style: { "background-color": "#ef6c00" } },
          { selector: "node[type = 'case']", style: { "width": 18, "height": 18, "background-color": "#6a1b9a", "shape": "diamond" } },
          { selector: "node[type = 'case'][found = 'community']", style: { "background-color": "#c62828" } },
          { selector: "edge", style: { "width": 1, "line-color": "#9e9e9e", "curve-style": "haystack" } },
          { selector: "edge[kind = 'secondary']", style: { "line-style": "dashed" } }
        ],
        layout: big ? { name: "concentric", animate: false, minNodeSpacing: 2,
                        concentric: function (node) { return node.data("type") === "case" ? 2 : 1; },
                        levelWidth: function () { return 1; } }
                    : { name: "cose", animate: false, numIter: 500 }
      });
      cy.on("tap", "node", function (evt) {
        var d = evt.target.data();
        status.textContent = d.label + (d.day ? " · " + d.day : "");
        if (d.type === "case") { window.location.href = "/cases/" + d.id.slice(1) + "/"; }
      });
    })
    .catch(function (err) { status.textContent = "⚠ " + err; });
})();
