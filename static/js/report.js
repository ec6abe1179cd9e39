// The report form on a weak connection. Without this script the form works
// as plain HTML; with it, photos are checked before anything is sent, made
// smaller on the phone (a 12-megapixel photo becomes a few hundred
// kilobytes, which is all the officer needs), and the upload shows its
// progress. The server checks everything again: nothing here is trusted.
(function () {
  'use strict';
  var form = document.querySelector('form[data-report-form]');
  var input = form && form.querySelector('input[type=file][name=photos]');
  if (!form || !input || !window.FormData || !window.XMLHttpRequest || !document.createElement('canvas').getContext) {
    return;
  }
  var maxEdge = 1600, quality = 0.85;
  var maxBytes = +input.dataset.maxBytes, maxFiles = +input.dataset.maxFiles;
  var accepted = (input.getAttribute('accept') || '').split(',');
  var status = document.getElementById('photos-status');
  var progress = document.getElementById('upload-progress');

  function say(text) { status.textContent = text; }
  // fill puts args into a catalogue text's %d places, in order.
  function fill(template) {
    var args = Array.prototype.slice.call(arguments, 1);
    return template.replace(/%d/g, function () { return args.length ? args.shift() : ''; });
  }

  // Checked on choosing, so a wrong file is named before a byte is sent.
  function problems() {
    var files = input.files, out = [];
    if (files.length > maxFiles) { out.push(fill(input.dataset.msgCount, maxFiles)); }
    for (var i = 0; i < files.length; i++) {
      if (accepted.indexOf(files[i].type) < 0) {
        out.push(fill(input.dataset.msgType, i + 1));
      } else if (files[i].size > maxBytes) {
        out.push(fill(input.dataset.msgSize, i + 1, Math.floor(maxBytes / 1048576)));
      }
    }
    return out;
  }
  input.addEventListener('change', function () {
    var p = problems();
    input.setCustomValidity(p.join(' '));
    say(p.join(' '));
  });

  // shrink resolves to a smaller JPEG of file, or to file itself when it is
  // small already or cannot be decoded here (the server then decides).
  function shrink(file) {
    return new Promise(function (resolve) {
      if (!window.createImageBitmap || file.size < 300 * 1024) { resolve(file); return; }
      createImageBitmap(file).then(function (img) {
        var scale = Math.min(1, maxEdge / Math.max(img.width, img.height));
        var canvas = document.createElement('canvas');
        canvas.width = Math.round(img.width * scale);
        canvas.height = Math.round(img.height * scale);
        canvas.getContext('2d').drawImage(img, 0, 0, canvas.width, canvas.height);
        canvas.toBlob(function (blob) {
          resolve(blob && blob.size < file.size ? new File([blob], file.name.replace(/\.\w+$/, '') + '.jpg', { type: 'image/jpeg' }) : file);
        }, 'image/jpeg', quality);
      }, function () { resolve(file); });
    });
  }

  form.addEventListener('submit', function (event) {
    if (problems().length) { event.preventDefault(); say(problems().join(' ')); input.focus(); return; }
    if (!input.files.length) { return; } // text only: the plain post is as fast
    event.preventDefault();
    var button = form.querySelector('button[type=submit]');
    button.disabled = true;
    say(input.dataset.msgPreparing);
    var files = Array.prototype.slice.call(input.files);
    Promise.all(files.map(shrink)).then(function (small) {
      var data = new FormData(form);
      data.delete('photos');
      small.forEach(function (f) { data.append('photos', f, f.name); });
      var xhr = new XMLHttpRequest();
      xhr.open('POST', form.action);
      progress.hidden = false;
      xhr.upload.onprogress = function (e) {
        if (e.lengthComputable) {
          progress.value = e.loaded / e.total;
          say(fill(input.dataset.msgProgress, Math.round(100 * e.loaded / e.total)));
        }
      };
      xhr.onload = function () {
        // The answer is a whole page (the receipt, or the form with its
        // problems): show it as the browser would have.
        document.open();
        document.write(xhr.responseText);
        document.close();
      };
      xhr.onerror = xhr.ontimeout = function () {
        progress.hidden = true;
        button.disabled = false;
        say(input.dataset.msgNetwork);
      };
      xhr.send(data);
    });
  });
})();
