// Staff workspace: upload progress and polling of background processing (no inline scripts).
(function () {
  "use strict";

  function pollJob(box) {
    var bar = box.querySelector("progress");
    var done = box.querySelector(".done");
    function tick() {
      fetch(box.dataset.status, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (r) { return r.json(); })
        .then(function (s) {
          if (s.finished || s.state === "checked" || s.state === "published" || s.state === "failed") {
            window.location.assign(s.url);
            return;
          }
          if (bar && s.total) { bar.max = s.total; bar.value = Math.min(s.done, s.total); }
          if (done) { done.textContent = s.done; }
          window.setTimeout(tick, 700);
        })
        .catch(function () { window.setTimeout(tick, 2000); });
    }
    tick();
  }

  function uploadWithProgress(form) {
    var bar = document.getElementById("upload-progress");
    form.addEventListener("submit", function (event) {
      if (!window.FormData || !bar) { return; }
      event.preventDefault();
      var xhr = new XMLHttpRequest();
      bar.hidden = false;
      xhr.upload.addEventListener("progress", function (e) {
        if (e.lengthComputable) { bar.max = e.total; bar.value = e.loaded; }
      });
      xhr.addEventListener("load", function () {
        if (xhr.status < 400 && xhr.responseURL) { window.location.assign(xhr.responseURL); return; }
        document.open(); document.write(xhr.responseText); document.close();
      });
      xhr.open("POST", form.action || window.location.href);
      xhr.send(new FormData(form));
    });
  }

  // A batch of files (app/staff/bulk.py): reload the combined report once every file settled.
  function pollBatch(box) {
    function tick() {
      fetch(box.dataset.status, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (r) { return r.json(); })
        .then(function (s) {
          if (s.finished) { window.location.assign(s.url); return; }
          window.setTimeout(tick, 700);
        })
        .catch(function () { window.setTimeout(tick, 2000); });
    }
    tick();
  }

  var batch = document.getElementById("bulk-progress");
  if (batch) { pollBatch(batch); }
  var box = document.getElementById("job-progress");
  if (box) { pollJob(box); }
  var form = document.getElementById("upload-form");
  if (form) { uploadWithProgress(form); }
})();
