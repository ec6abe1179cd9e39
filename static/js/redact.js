// The shop photo's redaction panel: drag on the photo to draw a rectangle
// to cover, and it fills the next blank row (x, y, width, height in the
// photo's own pixels), adding a row when all are used. Every row that holds
// a rectangle is shown on the photo as it will be covered. Without this
// script the rows are typed by hand and the form works the same.
(function () {
  "use strict";
  var canvas = document.getElementById("redact-canvas");
  var img = document.getElementById("redact-photo");
  var body = document.getElementById("redact-rows");
  if (!canvas || !img || !body || !window.PointerEvent) return;
  var max = parseInt(canvas.getAttribute("data-max"), 10) || 20;
  var W = parseInt(img.getAttribute("width"), 10), H = parseInt(img.getAttribute("height"), 10);
  if (!(W > 0 && H > 0)) return;
  var hint = document.querySelector(".redact-js-hint");
  if (hint) hint.hidden = false;
  canvas.classList.add("drawable");

  function values(tr) {
    return [].map.call(tr.querySelectorAll("input"), function (i) { return i.value.trim(); });
  }
  function blank(tr) { return values(tr).every(function (v) { return v === ""; }); }

  // nextRow is the first blank row, or a new one cloned from the last.
  function nextRow() {
    var rows = body.rows;
    for (var i = 0; i < rows.length; i++) if (blank(rows[i])) return rows[i];
    if (rows.length >= max) return null;
    var last = rows[rows.length - 1], tr = last.cloneNode(true), n = rows.length + 1;
    tr.querySelector("th").textContent = String(n);
    [].forEach.call(tr.querySelectorAll("input"), function (input) {
      input.value = "";
      input.setAttribute("aria-label", input.getAttribute("aria-label").replace(/\d+(?!.*\d)/, String(n)));
    });
    body.appendChild(tr);
    return tr;
  }

  function place(box, x, y, w, h) {
    box.style.left = (100 * x / W) + "%";
    box.style.top = (100 * y / H) + "%";
    box.style.width = (100 * w / W) + "%";
    box.style.height = (100 * h / H) + "%";
  }

  // redraw shows every complete row on the photo.
  function redraw() {
    [].forEach.call(canvas.querySelectorAll(".redact-box.kept"), function (b) { b.remove(); });
    [].forEach.call(body.rows, function (tr) {
      var v = values(tr).map(Number);
      if (values(tr).some(function (s) { return s === "" || !/^\d+$/.test(s); })) return;
      var x = Math.min(v[0], W), y = Math.min(v[1], H);
      var box = document.createElement("div");
      box.className = "redact-box kept";
      place(box, x, y, Math.min(v[2], W - x), Math.min(v[3], H - y));
      canvas.appendChild(box);
    });
  }

  // at is the photo pixel under a pointer event, clamped to the photo.
  function at(e) {
    var r = img.getBoundingClientRect();
    var x = Math.round((e.clientX - r.left) * W / r.width), y = Math.round((e.clientY - r.top) * H / r.height);
    return [Math.max(0, Math.min(W, x)), Math.max(0, Math.min(H, y))];
  }

  var start = null, live = null;
  function rect(p) {
    return [Math.min(start[0], p[0]), Math.min(start[1], p[1]), Math.abs(p[0] - start[0]), Math.abs(p[1] - start[1])];
  }
  canvas.addEventListener("pointerdown", function (e) {
    if (e.button !== 0) return;
    e.preventDefault();
    start = at(e);
    live = document.createElement("div");
    live.className = "redact-box live";
    canvas.appendChild(live);
    canvas.setPointerCapture(e.pointerId);
  });
  canvas.addEventListener("pointermove", function (e) {
    if (!start) return;
    var r = rect(at(e));
    place(live, r[0], r[1], r[2], r[3]);
  });
  function end(e, keep) {
    if (!start) return;
    var r = rect(at(e));
    start = null;
    live.remove();
    if (!keep || r[2] < 2 || r[3] < 2) return;
    var tr = nextRow();
    if (!tr) return;
    var inputs = tr.querySelectorAll("input");
    for (var i = 0; i < 4; i++) inputs[i].value = String(Math.min(r[i], i === 0 ? W - 1 : i === 1 ? H - 1 : r[i]));
    redraw();
  }
  canvas.addEventListener("pointerup", function (e) { end(e, true); });
  canvas.addEventListener("pointercancel", function (e) { end(e, false); });
  body.addEventListener("input", redraw);
  redraw();
})();
