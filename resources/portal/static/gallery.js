// PhotoFlow client gallery: picks, stars, comments, approvals, live updates.
// Everything the server sends is put on the page with textContent, never as HTML.
(function () {
  "use strict";
  var csrf = document.getElementById("csrf").getAttribute("content");
  var grid = document.getElementById("grid");
  var counter = document.getElementById("counter");
  var status = document.getElementById("status");
  var submitBtn = document.getElementById("submit");
  var viewer = document.getElementById("viewer");
  var vAfter = document.querySelector("#v-after img");
  var vBefore = document.getElementById("v-before");
  var vCaption = document.getElementById("v-caption");
  var vPick = document.getElementById("v-pick");
  var vStars = document.getElementById("v-stars");
  var vApprove = document.getElementById("v-approve");
  var vChanges = document.getElementById("v-changes");
  var vComments = document.getElementById("v-comments");
  var vForm = document.getElementById("v-comment");
  var vText = document.getElementById("v-text");
  var data = null;
  var byId = {};
  var current = -1;
  var lastFocus = null;
  var gone = false;

  function say(text) { status.textContent = text; }

  function api(method, url, body) {
    var opts = { method: method, credentials: "same-origin", headers: { "X-CSRF-Token": csrf } };
    if (body !== undefined) {
      opts.headers["Content-Type"] = "application/json";
      opts.body = JSON.stringify(body);
    }
    return fetch(url, opts).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (j) {
        if (!r.ok) { throw new Error(j.error || "Something went wrong; please try again."); }
        return j;
      });
    });
  }

  function figures() { return Array.prototype.slice.call(grid.querySelectorAll("figure.photo")); }

  function updateCounter() {
    if (!data || !data.can_pick) { counter.textContent = ""; return; }
    counter.textContent = data.picks + (data.max_select !== null ? " of " + data.max_select : "") + " picked";
  }

  function paint() {
    figures().forEach(function (fig) {
      var p = byId[fig.dataset.id];
      if (!p) { return; }
      fig.classList.toggle("picked", p.picked);
      fig.classList.toggle("approval", p.decision === "approval");
      fig.classList.toggle("change_request", p.decision === "change_request");
      fig.classList.toggle("commented", p.comments.length > 0);
      var pick = fig.querySelector(".pick");
      pick.setAttribute("aria-pressed", p.picked ? "true" : "false");
      pick.hidden = !data.can_pick;
      var badge = fig.querySelector(".badge");
      badge.textContent = (p.stars ? "\u2605" + p.stars + " " : "") + (p.comments.length ? "\u{1F4AC}" + p.comments.length : "");
    });
    updateCounter();
    submitBtn.hidden = !data.can_pick;
    if (current >= 0) { showViewer(); }
  }

  function load() {
    return api("GET", "/api/gallery").then(function (g) {
      var before = Object.keys(byId).sort().join();
      var ids = g.photos.map(function (p) { return p.id; });
      if (data && (before !== ids.slice().sort().join() || data.stage !== g.stage)) {
        location.reload();
        return;
      }
      data = g;
      byId = {};
      g.photos.forEach(function (p) { byId[p.id] = p; });
      paint();
      grid.removeAttribute("aria-busy");  // the buttons work from here on
    }).catch(function (e) { say(e.message); });
  }

  function setPick(id, picked) {
    return api("POST", "/api/photos/" + id + "/pick", { picked: picked }).then(function (r) {
      byId[id].picked = picked;
      data.picks = r.picks;
      paint();
      say(picked ? "Picked." : "Unpicked.");
    }).catch(function (e) { say(e.message); });
  }

  function setStars(id, stars) {
    return api("POST", "/api/photos/" + id + "/stars", { stars: stars }).then(function (r) {
      byId[id].stars = r.stars;
      paint();
    }).catch(function (e) { say(e.message); });
  }

  function decide(id, approve) {
    var note = vText.value.trim();
    if (!approve && !note) { say("Write what should change in the comment box first."); vText.focus(); return; }
    api("POST", "/api/photos/" + id + "/decision", { approve: approve, note: note || null }).then(function (r) {
      byId[id].decision = r.decision;
      vText.value = "";
      paint();
      say(approve ? "Approved." : "Change request sent.");
    }).catch(function (e) { say(e.message); });
  }

  function photoAt(i) { var f = figures()[i]; return f ? byId[f.dataset.id] : null; }

  function showViewer() {
    var p = photoAt(current);
    if (!p) { closeViewer(); return; }
    var feedback = data.can_decide && p.has_retouch;
    vBefore.hidden = !feedback;
    if (feedback) {
      vBefore.querySelector("img").src = "/api/photos/" + p.id + "/preview?size=loupe&variant=original";
      vAfter.src = "/api/photos/" + p.id + "/preview?size=loupe&variant=retouched";
    } else {
      vAfter.src = "/api/photos/" + p.id + "/preview?size=loupe";
    }
    vCaption.textContent = feedback ? "After" : (p.filename || "Photo " + (current + 1));
    vPick.hidden = !data.can_pick;
    vPick.setAttribute("aria-pressed", p.picked ? "true" : "false");
    vPick.textContent = p.picked ? "Picked \u2665" : "Pick \u2661";
    vApprove.hidden = vChanges.hidden = !feedback;
    vApprove.setAttribute("aria-pressed", p.decision === "approval" ? "true" : "false");
    vChanges.setAttribute("aria-pressed", p.decision === "change_request" ? "true" : "false");
    Array.prototype.forEach.call(vStars.children, function (b, i) {
      b.setAttribute("aria-pressed", i < p.stars ? "true" : "false");
      b.textContent = i < p.stars ? "\u2605" : "\u2606";
    });
    vComments.textContent = "";
    p.comments.forEach(function (c) {
      var li = document.createElement("li");
      var who = document.createElement("strong");
      who.textContent = c.by + ": ";
      var text = document.createElement("span");
      text.textContent = c.text;
      li.appendChild(who);
      li.appendChild(text);
      vComments.appendChild(li);
    });
  }

  function openViewer(i) {
    lastFocus = document.activeElement;
    current = i;
    viewer.hidden = false;
    document.body.classList.add("viewing");
    showViewer();
    document.getElementById("v-close").focus();
  }

  function closeViewer() {
    current = -1;
    viewer.hidden = true;
    document.body.classList.remove("viewing");
    if (lastFocus) { lastFocus.focus(); }
  }

  function step(d) {
    var n = figures().length;
    if (n) { current = (current + d + n) % n; showViewer(); }
  }

  for (var s = 1; s <= 5; s++) {
    var b = document.createElement("button");
    b.type = "button";
    b.className = "star";
    b.dataset.stars = String(s);
    b.setAttribute("aria-label", s + (s === 1 ? " star" : " stars"));
    vStars.appendChild(b);
  }

  grid.addEventListener("click", function (ev) {
    var fig = ev.target.closest("figure.photo");
    if (!fig || !data) { return; }
    var id = fig.dataset.id;
    if (ev.target.closest(".pick")) { setPick(id, !byId[id].picked); }
    else if (ev.target.closest(".open")) { openViewer(figures().indexOf(fig)); }
  });
  vStars.addEventListener("click", function (ev) {
    var b = ev.target.closest("button");
    var p = photoAt(current);
    if (b && p) { var n = Number(b.dataset.stars); setStars(p.id, p.stars === n ? 0 : n); }
  });
  vPick.addEventListener("click", function () { var p = photoAt(current); if (p) { setPick(p.id, !p.picked); } });
  vApprove.addEventListener("click", function () { var p = photoAt(current); if (p) { decide(p.id, true); } });
  vChanges.addEventListener("click", function () { var p = photoAt(current); if (p) { decide(p.id, false); } });
  document.getElementById("v-prev").addEventListener("click", function () { step(-1); });
  document.getElementById("v-next").addEventListener("click", function () { step(1); });
  document.getElementById("v-close").addEventListener("click", closeViewer);
  vForm.addEventListener("submit", function (ev) {
    ev.preventDefault();
    var p = photoAt(current);
    var text = vText.value.trim();
    if (!p || !text) { return; }
    api("POST", "/api/photos/" + p.id + "/comments", { text: text }).then(function (c) {
      p.comments.push(c);
      vText.value = "";
      paint();
      say("Comment sent.");
    }).catch(function (e) { say(e.message); });
  });
  submitBtn.addEventListener("click", function () {
    if (!data || !window.confirm("Send your " + data.picks + " picks to the photographer?")) { return; }
    api("POST", "/api/submit", {}).then(function (r) {
      data.submitted = true;
      say("Thank you! Your selection of " + r.submitted + " photos was sent.");
    }).catch(function (e) { say(e.message); });
  });
  document.addEventListener("keydown", function (ev) {
    if (viewer.hidden || ev.target === vText) { return; }
    var p = photoAt(current);
    if (ev.key === "Escape") { closeViewer(); }
    else if (ev.key === "ArrowRight") { step(1); }
    else if (ev.key === "ArrowLeft") { step(-1); }
    else if ((ev.key === "p" || ev.key === "P") && p && data.can_pick) { setPick(p.id, !p.picked); }
    else if (/^[0-5]$/.test(ev.key) && p) { setStars(p.id, Number(ev.key)); }
    else { return; }
    ev.preventDefault();
  });

  var refreshTimer = null;
  function refreshSoon() {
    if (refreshTimer) { return; }
    refreshTimer = setTimeout(function () { refreshTimer = null; load(); }, 150);
  }

  function connect() {
    if (gone) { return; }
    var ws = new WebSocket((location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/api/live");
    ws.onmessage = function (ev) {
      var msg;
      try { msg = JSON.parse(ev.data); } catch (e) { return; }
      if (msg.type === "closed") {
        gone = true;
        say("This gallery is no longer available.");
        grid.textContent = "";
        closeViewer();
      } else if (msg.type === "album.stage") { location.reload(); }
      else if (msg.type !== "hello") { refreshSoon(); }
    };
    ws.onclose = function () { if (!gone) { setTimeout(connect, 3000); } };
  }

  load().then(connect);
})();
