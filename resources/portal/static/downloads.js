// PhotoFlow client gallery: downloads in Final. One photo or "Download all" (a zip the server
// writes while it sends it); where the link has a download PIN, it is asked once, in the page's
// own dialog, before the first download. Text from the server goes in with textContent only.
(function () {
  "use strict";
  var all = document.getElementById("download-all");
  var dialog = document.getElementById("download-pin");
  if (!all || !dialog) { return; }
  var csrf = document.getElementById("csrf").getAttribute("content");
  var form = document.getElementById("dp-form");
  var input = document.getElementById("dp-pin");
  var error = document.getElementById("dp-error");
  var needPin = all.getAttribute("data-pin") === "1";
  var pending = null;

  function fetchFile(href) {
    var a = document.createElement("a");
    a.href = href;
    a.setAttribute("download", "");
    a.hidden = true;
    document.body.appendChild(a);
    a.click();
    a.remove();
  }

  document.addEventListener("click", function (e) {
    var a = e.target.closest ? e.target.closest("a[download]") : null;
    if (!a || !needPin || a.hidden) { return; }
    var href = a.getAttribute("href");
    if (!href || href === "#") { return; }
    e.preventDefault();
    e.stopPropagation();
    pending = href;
    error.textContent = "";
    input.value = "";
    dialog.showModal();
    input.focus();
  }, true);

  document.getElementById("dp-cancel").addEventListener("click", function () {
    pending = null;
    dialog.close();
  });

  form.addEventListener("submit", function (e) {
    e.preventDefault();
    fetch("/api/downloads/pin", {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
      body: JSON.stringify({ pin: input.value })
    }).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (j) {
        if (!r.ok) {
          error.textContent = j.error || "That did not work; please try again.";
          input.select();
          return;
        }
        needPin = false;
        all.setAttribute("data-pin", "0");
        dialog.close();
        if (pending) { fetchFile(pending); }
        pending = null;
      });
    }).catch(function () {
      error.textContent = "The gallery cannot be reached; please try again.";
    });
  });
})();
