// Swap in a fresh report every few seconds without a full reload (keeps the scroll position).
// A file, not an inline script, so the page's Content-Security-Policy forbids inline scripts.
(function () {
  "use strict";
  var state = document.getElementById("refresh-state");
  var seconds = Number(document.body.dataset.refreshSeconds) || 5;
  function refresh() {
    fetch(window.location.href, {cache: "no-store"}).then(function (response) {
      if (!response.ok) throw new Error("HTTP " + response.status);
      return response.text();
    }).then(function (html) {
      var fresh = new DOMParser().parseFromString(html, "text/html");
      document.getElementById("report").replaceWith(fresh.getElementById("report"));
      document.title = fresh.title;
      state.textContent = ""; state.className = "";
    }).catch(function (error) {
      state.textContent = "Health service not answering (" + error.message + "); showing the last report.";
      state.className = "lost";
    });
  }
  setInterval(refresh, seconds * 1000);
})();
