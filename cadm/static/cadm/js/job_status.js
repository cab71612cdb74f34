// Progress of a background job (templates/cadm/rulesets/_job.html): polls the job's JSON
// status while it runs and reloads the page once it has finished, for the page's results.
// A static file, not an inline script: the Content-Security-Policy allows no inline script.
(function () {
  "use strict";

  function poll(box) {
    var bar = box.querySelector("progress");
    var text = box.querySelector(".rs-job-text");
    var stateText = box.querySelector(".rs-job-state");

    function show(s) {
      bar.max = s.total || 1;
      bar.value = s.progress;
      text.textContent = s.progress + "/" + (s.total || "?") + " patients";
      var state = s.cancel_requested && !s.finished ? "cancelling"
        : (s.stale ? "stalled: its worker stopped reporting; it is resumed automatically"
          : s.state);
      stateText.textContent = state.charAt(0).toUpperCase() + state.slice(1);
    }

    function tick() {
      fetch(box.dataset.statusUrl, {credentials: "same-origin", headers: {Accept: "application/json"}})
        .then(function (r) {
          // 401: the session has ended (idle or lifetime); a redirect: no longer logged in.
          // Polling on would only fail again: the reload shows the login page and says why.
          if (r.status === 401 || r.redirected) {
            window.location.reload();
            return null;
          }
          if (!r.ok) { throw new Error("status " + r.status); }
          return r.json();
        })
        .then(function (s) {
          if (s === null) { return; }
          show(s);
          if (s.finished) { window.location.reload(); } else { setTimeout(tick, 1000); }
        })
        .catch(function () { setTimeout(tick, 5000); });  // a network or server fault: later
    }

    setTimeout(tick, 1000);
  }

  document.querySelectorAll(".rs-job[data-status-url]").forEach(function (box) {
    if (box.dataset.finished !== "1") { poll(box); }
  });
})();
