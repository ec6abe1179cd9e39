// Drives an import a chunk at a time and moves the progress bar. Without
// this script the import still runs (every instance's worker picks it up)
// and the page refreshes itself.
(function () {
  var box = document.getElementById("import-progress");
  if (!box) return;
  var bar = box.querySelector("progress");
  var text = box.querySelector("[data-progress-text]");
  var url = box.getAttribute("data-step-url");
  var csrf = box.getAttribute("data-csrf");
  var format = box.getAttribute("data-format");
  function step() {
    var body = new URLSearchParams();
    body.set("_csrf", csrf);
    fetch(url, { method: "POST", body: body, credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
      .then(function (p) {
        bar.value = p.percent;
        text.textContent = format.replace("{done}", p.done).replace("{total}", p.total).replace("{percent}", p.percent);
        if (p.status === "done") { window.location.reload(); return; }
        setTimeout(step, 200);
      })
      .catch(function () { setTimeout(step, 3000); });
  }
  var meta = document.querySelector("meta[http-equiv=refresh]");
  if (meta) meta.parentNode.removeChild(meta);
  step();
})();
