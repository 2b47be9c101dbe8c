// PhotoFlow client gallery: picks, favourites, stars, comments, approvals, live updates.
// Everything the server sends is put on the page with textContent, never as HTML.
(function () {
  "use strict";
  var csrf = document.getElementById("csrf").getAttribute("content");
  var grid = document.getElementById("grid");
  var counter = document.getElementById("counter");
  var status = document.getElementById("status");
  var note = document.getElementById("note");
  var stageLabel = document.getElementById("stage");
  var submitBtn = document.getElementById("submit");
  var sentMark = document.getElementById("sent");
  var showAll = document.getElementById("show-all");
  var showFavourites = document.getElementById("show-favourites");
  var countAll = document.getElementById("count-all");
  var countFavourites = document.getElementById("count-favourites");
  var noFavourites = document.getElementById("no-favourites");
  var confirmSend = document.getElementById("confirm-send");
  var confirmText = document.getElementById("confirm-text");
  var viewer = document.getElementById("viewer");
  var vImages = document.getElementById("v-images");
  var vAfter = document.querySelector("#v-after img");
  var vBefore = document.getElementById("v-before");
  var vCaption = document.getElementById("v-caption");
  var vPosition = document.getElementById("v-position");
  var vDownload = document.getElementById("v-download");
  var downloadAll = document.getElementById("download-all");
  var vPick = document.getElementById("v-pick");
  var vStars = document.getElementById("v-stars");
  var vDecide = document.getElementById("v-decide");
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
  var favouritesOnly = location.hash === "#favourites";

  function say(text) { status.textContent = text; }

  function api(method, url, body) {
    var opts = { method: method, credentials: "same-origin", headers: { "X-CSRF-Token": csrf } };
    if (body !== undefined) {
      opts.headers["Content-Type"] = "application/json";
      opts.body = JSON.stringify(body);
    }
    return fetch(url, opts).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (j) {
        if (!r.ok) {
          var e = new Error(j.error || "Something went wrong; please try again.");
          e.status = r.status;
          throw e;
        }
        return j;
      });
    });
  }

  // Each tile is as wide as its photo at the row's height: the whole photo, never a square crop.
  function shape(fig) {
    var w = Number(fig.dataset.w), h = Number(fig.dataset.h);
    if (w > 0 && h > 0) { fig.style.setProperty("--r", String(w / h)); }
    var img = fig.querySelector("img");
    function fit() {
      if (img.naturalWidth && img.naturalHeight) {
        fig.style.setProperty("--r", String(img.naturalWidth / img.naturalHeight));
      }
    }
    if (img.complete) { fit(); } else { img.addEventListener("load", fit); }
  }

  function allFigures() { return Array.prototype.slice.call(grid.querySelectorAll("figure.photo")); }
  // The photos of the current view, in order: all of them, or only my favourites.
  function figures() {
    return allFigures().filter(function (f) { return !favouritesOnly || f.classList.contains("picked"); });
  }

  function locked() { return !!(data && data.stage === "rate" && data.submitted_at); }

  function sentWhen(iso) {
    var d = new Date(iso);
    return d.toLocaleDateString(undefined, { weekday: "long", day: "numeric", month: "long", year: "numeric" }) +
      " at " + d.toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit" });
  }

  function paintNote() {
    note.textContent = "";
    note.classList.toggle("locked", locked());
    if (locked()) {
      var time = document.createElement("time");
      time.dateTime = data.submitted_at;
      time.textContent = sentWhen(data.submitted_at);
      note.appendChild(document.createTextNode(
        "You sent your selection of " + data.picks + (data.picks === 1 ? " photo" : " photos") + " on "));
      note.appendChild(time);
      note.appendChild(document.createTextNode(". " + data.stage_note));
    } else {
      note.textContent = data.stage_note;
    }
  }

  function paintView() {
    grid.classList.toggle("favourites", favouritesOnly);
    showAll.setAttribute("aria-pressed", favouritesOnly ? "false" : "true");
    showFavourites.setAttribute("aria-pressed", favouritesOnly ? "true" : "false");
    noFavourites.hidden = !(favouritesOnly && data && data.picks === 0);
  }

  function paint() {
    allFigures().forEach(function (fig) {
      var p = byId[fig.dataset.id];
      if (!p) { return; }
      fig.classList.toggle("picked", p.picked);
      fig.classList.toggle("approval", p.decision === "approval");
      fig.classList.toggle("change_request", p.decision === "change_request");
      fig.classList.toggle("commented", p.comments.length > 0);
      var img = fig.querySelector("img");
      // A new retouch or watermark is a new address; the same picture keeps its own.
      if (p.pictures.grid && img.getAttribute("src") !== p.pictures.grid) { img.src = p.pictures.grid; }
      var pick = fig.querySelector(".pick");
      pick.setAttribute("aria-pressed", p.picked ? "true" : "false");
      pick.textContent = p.picked ? "\u2665" : "\u2661";
      pick.hidden = !data.can_pick;
      var badge = fig.querySelector(".badge");
      badge.textContent = (p.stars ? "\u2605" + p.stars + " " : "") + (p.comments.length ? "\u{1F4AC}" + p.comments.length : "");
    });
    grid.classList.toggle("no-picking", !data.can_pick);
    // Downloads appear once the album is Final and the link allows them (the page may be older).
    grid.querySelectorAll("a.get").forEach(function (a) { a.hidden = !data.downloads; });
    if (downloadAll) { downloadAll.hidden = !data.downloads; }
    stageLabel.textContent = data.stage_label;
    paintNote();
    counter.textContent = data.stage === "rate"
      ? data.picks + (data.max_select !== null ? " of " + data.max_select : "") + " picked" : "";
    countAll.textContent = String(data.photos.length);
    countFavourites.textContent = String(data.picks);
    showFavourites.hidden = data.stage !== "rate" && data.picks === 0;
    submitBtn.hidden = !data.can_pick;
    sentMark.hidden = !locked();
    paintView();
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

  // A refusal that means the page is behind (409: the selection was sent meanwhile): catch up.
  function refused(e) {
    if (e.status === 409) { return load().then(function () { say(e.message); }); }
    say(e.message);
  }

  function setPick(id, picked) {
    return api("POST", "/api/photos/" + id + "/pick", { picked: picked }).then(function (r) {
      byId[id].picked = picked;
      data.picks = r.picks;
      paint();
      say(picked ? "Added to your favourites." : "Removed from your favourites.");
    }).catch(refused);
  }

  function setStars(id, stars) {
    return api("POST", "/api/photos/" + id + "/stars", { stars: stars }).then(function (r) {
      byId[id].stars = r.stars;
      paint();
    }).catch(refused);
  }

  function decide(id, approve) {
    var text = vText.value.trim();
    if (!approve && !text) { say("Write what should change in the comment box first."); vText.focus(); return; }
    api("POST", "/api/photos/" + id + "/decision", { approve: approve, note: text || null }).then(function (r) {
      byId[id].decision = r.decision;
      vText.value = "";
      paint();
      say(approve ? "Approved." : "Change request sent.");
    }).catch(refused);
  }

  function photoAt(i) { var f = figures()[i]; return f ? byId[f.dataset.id] : null; }

  function showViewer() {
    var p = photoAt(current);
    if (!p) { closeViewer(); return; }
    var feedback = data.can_decide && p.has_retouch;
    vBefore.hidden = !feedback;
    if (feedback) {
      vBefore.querySelector("img").src = p.pictures.original;
      vAfter.src = p.pictures.retouched;
    } else {
      vAfter.src = p.pictures.loupe;
    }
    vPosition.textContent = (current + 1) + " / " + figures().length;
    vDownload.hidden = !data.downloads;
    vDownload.href = data.downloads ? "/api/photos/" + p.id + "/download" : "#";
    vCaption.textContent = feedback ? "After" : (p.filename || "");
    vPick.hidden = !data.can_pick;
    vPick.setAttribute("aria-pressed", p.picked ? "true" : "false");
    vPick.textContent = p.picked ? "\u2665 Picked" : "\u2661 Pick";
    vDecide.hidden = !feedback;
    vApprove.setAttribute("aria-pressed", p.decision === "approval" ? "true" : "false");
    vChanges.setAttribute("aria-pressed", p.decision === "change_request" ? "true" : "false");
    Array.prototype.forEach.call(vStars.children, function (b, i) {
      b.setAttribute("aria-pressed", i < p.stars ? "true" : "false");
      b.textContent = i < p.stars ? "\u2605" : "\u2606";
    });
    vComments.textContent = "";
    // The studio's replies go in a thread under the comment they answer.
    var items = {};
    p.comments.forEach(function (c) {
      var li = document.createElement("li");
      li.className = c.kind === "reply" ? "reply" : "comment";
      var who = document.createElement("strong");
      who.textContent = (c.kind === "reply" ? c.by + " (studio)" : c.by) + ": ";
      var text = document.createElement("span");
      text.textContent = (c.kind === "change_request" ? "Asked for changes: " : "") + c.text;
      li.appendChild(who);
      li.appendChild(text);
      items[c.id] = li;
      var parent = c.reply_to && items[c.reply_to];
      if (parent) {
        var thread = parent.querySelector("ul.thread");
        if (!thread) { thread = document.createElement("ul"); thread.className = "thread"; parent.appendChild(thread); }
        thread.appendChild(li);
      } else {
        vComments.appendChild(li);
      }
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

  // The next or previous photo of the view; at either end it stays where it is.
  function step(d) {
    var next = current + d;
    if (next >= 0 && next < figures().length) { current = next; showViewer(); }
  }

  // Swipe left for the next photo, right for the previous one; the photo follows the finger.
  var touch = null;
  vImages.addEventListener("touchstart", function (ev) {
    if (ev.touches.length !== 1) { touch = null; return; }
    touch = { x: ev.touches[0].clientX, y: ev.touches[0].clientY, dx: 0, dy: 0 };
    vImages.classList.add("dragging");
  }, { passive: true });
  vImages.addEventListener("touchmove", function (ev) {
    if (!touch || ev.touches.length !== 1) { return; }
    touch.dx = ev.touches[0].clientX - touch.x;
    touch.dy = ev.touches[0].clientY - touch.y;
    if (Math.abs(touch.dx) > Math.abs(touch.dy)) { vAfter.style.transform = "translateX(" + touch.dx + "px)"; }
  }, { passive: true });
  function endSwipe() {
    vImages.classList.remove("dragging");
    vAfter.style.transform = "";
    if (touch && Math.abs(touch.dx) > 50 && Math.abs(touch.dx) > 1.5 * Math.abs(touch.dy)) {
      step(touch.dx < 0 ? 1 : -1);
    }
    touch = null;
  }
  vImages.addEventListener("touchend", endSwipe);
  vImages.addEventListener("touchcancel", function () { touch = null; endSwipe(); });

  for (var s = 1; s <= 5; s++) {
    var b = document.createElement("button");
    b.type = "button";
    b.className = "star";
    b.dataset.stars = String(s);
    b.setAttribute("aria-label", s + (s === 1 ? " star" : " stars"));
    vStars.appendChild(b);
  }

  allFigures().forEach(shape);
  grid.addEventListener("click", function (ev) {
    var fig = ev.target.closest("figure.photo");
    if (!fig || !data) { return; }
    var id = fig.dataset.id;
    if (ev.target.closest(".pick")) { if (data.can_pick) { setPick(id, !byId[id].picked); } }
    else if (ev.target.closest(".open")) { openViewer(figures().indexOf(fig)); }
  });
  function chooseView(favourites) {
    favouritesOnly = favourites;
    history.replaceState(null, "", favourites ? "#favourites" : location.pathname + location.search);
    if (data) { paintView(); }
  }
  showAll.addEventListener("click", function () { chooseView(false); });
  showFavourites.addEventListener("click", function () { chooseView(true); });
  vStars.addEventListener("click", function (ev) {
    var b = ev.target.closest("button");
    var p = photoAt(current);
    if (b && p) { var n = Number(b.dataset.stars); setStars(p.id, p.stars === n ? 0 : n); }
  });
  vPick.addEventListener("click", function () { var p = photoAt(current); if (p && data.can_pick) { setPick(p.id, !p.picked); } });
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
    }).catch(refused);
  });

  // Sending asks first, in the page's own dialog (never the browser's confirm()).
  submitBtn.addEventListener("click", function () {
    if (!data || !data.can_pick) { return; }
    if (data.picks === 0) { say("Pick at least one photo before sending your selection."); return; }
    confirmText.textContent = "Send your " + data.picks + (data.picks === 1 ? " favourite" : " favourites") +
      " to " + data.studio + "?";
    confirmSend.returnValue = "";
    confirmSend.showModal();
    document.getElementById("confirm-ok").focus();
  });
  confirmSend.addEventListener("close", function () {
    if (confirmSend.returnValue !== "send") { return; }
    api("POST", "/api/submit", {}).then(function (r) {
      return load().then(function () {
        say("Thank you! Your selection of " + r.submitted + (r.submitted === 1 ? " photo" : " photos") + " was sent.");
      });
    }).catch(refused);
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
      else if (msg.type === "album.delivery") { load(); }  // the finals are in: their pictures, downloads
      else if (msg.type !== "hello") { refreshSoon(); }
    };
    ws.onclose = function () { if (!gone) { setTimeout(connect, 3000); } };
  }

  paintView();
  load().then(connect);
})();
