// The queue's "select all": without this script the box alone makes the
// server act on the whole page; with it, ticking it ticks every row, and
// unticking a row unticks "select all", so what is ticked is what is sent.
(function () {
  var all = document.getElementById("select-all");
  if (!all) return;
  var rows = document.querySelectorAll('table.queue input[name="case_id"]');
  all.addEventListener("change", function () {
    rows.forEach(function (box) { box.checked = all.checked; });
  });
  rows.forEach(function (box) {
    box.addEventListener("change", function () {
      if (!box.checked) all.checked = false;
      else if ([].every.call(rows, function (b) { return b.checked; })) all.checked = true;
    });
  });
})();
