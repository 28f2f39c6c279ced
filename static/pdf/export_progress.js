// Polls the export job's progress and reloads the page when the ZIP is ready.
// Without JavaScript the page keeps its "最新の状態に更新" link.
(function () {
  "use strict";
  var root = document.getElementById("pdf-export");
  if (!root || root.dataset.finished === "true") {
    return;
  }
  var url = root.dataset.progressUrl;
  var bar = document.getElementById("pdf-export-bar");
  var delay = 1000;

  function show(data) {
    root.querySelectorAll("[data-field]").forEach(function (node) {
      var value = data[node.dataset.field];
      if (value !== undefined && value !== null) {
        node.textContent = String(value);
      }
    });
    if (bar) {
      bar.max = Math.max(data.total, 1);
      bar.value = data.done;
      bar.textContent = data.percent + "%";
    }
  }

  function poll() {
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("HTTP " + response.status);
        }
        return response.json();
      })
      .then(function (data) {
        show(data);
        if (data.finished) {
          window.location.reload();
          return;
        }
        window.setTimeout(poll, delay);
      })
      .catch(function () {
        // Keep the refresh link; try again a little later.
        delay = Math.min(delay * 2, 10000);
        window.setTimeout(poll, delay);
      });
  }

  window.setTimeout(poll, delay);
})();
