// Snap (templates/capture/snap.html, and the offline page): photos of receipts, each kept on the phone (IndexedDB)
// the moment it is taken and sent to its inbox in the background, one at a time, with progress. A photo leaves the
// phone only when Docket has answered "added" or "duplicate": a photo whose answer was lost on the way is sent again
// and Docket, which keeps one copy of a file per business, answers "duplicate". Sending starts on load, when the
// connection returns, and every half minute; one tab sends at a time (Web Locks), the others follow (BroadcastChannel).
(function () {
  "use strict";
  var root = document.querySelector("[data-snap]");
  if (!root || !window.indexedDB) { return; }
  var RETRY_MS = 30000;
  var SOON_MS = [2000, 5000, 10000];  // after a lost connection, tries sooner before falling back to RETRY_MS
  var TIMEOUT_MS = 300000;
  var offlinePage = root.hasAttribute("data-offline-page");
  // the offline page shown by the service worker in place of a page (not /offline opened as itself)
  var standsIn = offlinePage && location.pathname !== root.getAttribute("data-own-url");
  var statusLine = root.querySelector("[data-snap-status]");
  var list = root.querySelector("[data-snap-photos]");
  var tiles = {};  // photo id → its tile, for this page's lifetime (sent photos stay shown until the page closes)
  var sending = false;
  var failures = 0;  // network failures in a row
  var stopped = "";  // why sending stopped until the page is reloaded (signed out, an expired page)
  var target = null;  // where new photos go: this page's inbox, or on the offline page the one last snapped for
  var others = window.BroadcastChannel ? new BroadcastChannel("docket-snap") : null;  // Snap in other tabs

  // --- IndexedDB: a "photos" store (id → {user, url, inbox, target, name, type, blob, state, message}) and a
  // "settings" store (the inbox last snapped for, for the offline page).
  var opened = null;
  function db() {
    opened = opened || new Promise(function (resolve, reject) {
      var request = indexedDB.open("docket-snap", 1);
      request.onupgradeneeded = function () {
        request.result.createObjectStore("photos", { keyPath: "id", autoIncrement: true });
        request.result.createObjectStore("settings");
      };
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { reject(request.error); };
    });
    return opened;
  }
  function store(name, mode, work) {
    return db().then(function (database) {
      return new Promise(function (resolve, reject) {
        var transaction = database.transaction(name, mode);
        var request = work(transaction.objectStore(name));
        transaction.oncomplete = function () { resolve(request && request.result); };
        transaction.onerror = transaction.onabort = function () { reject(transaction.error); };
      });
    });
  }
  function allPhotos() {
    return store("photos", "readonly", function (photos) { return photos.getAll(); }).then(function (found) {
      return found.filter(function (photo) { return target && photo.user === target.user; });
    });
  }
  function getPhoto(id) { return store("photos", "readonly", function (photos) { return photos.get(id); }); }
  function putPhoto(photo) {
    return store("photos", "readwrite", function (photos) { return photos.put(photo); }).then(changed);
  }
  function deletePhoto(id) {
    return store("photos", "readwrite", function (photos) { return photos.delete(id); }).then(changed);
  }
  function changed(result) {
    if (others) { others.postMessage("changed"); }
    return result;
  }

  // --- What the page shows
  function tile(photo) {
    var item = tiles[photo.id];
    if (!item) {
      item = document.createElement("li");
      item.className = "snap-photo";
      var image = document.createElement("img");
      image.src = URL.createObjectURL(photo.blob);
      image.alt = photo.name;
      image.onerror = function () { item.classList.add("no-preview"); };  // not an image this browser can show
      var state = document.createElement("p");
      state.className = "snap-state";
      item.appendChild(image);
      item.appendChild(state);
      list.insertBefore(item, list.firstChild);
      tiles[photo.id] = item;
    }
    return item;
  }
  function show(photo, state, text, link) {
    var item = tile(photo);
    item.setAttribute("data-state", state);
    var line = item.querySelector(".snap-state");
    line.textContent = text;
    if (target && photo.target !== target.label) { line.appendChild(note(" · " + photo.target)); }
    if (link) {
      var anchor = document.createElement("a");
      anchor.href = link;
      anchor.textContent = "Open";
      line.appendChild(document.createTextNode(" "));
      line.appendChild(anchor);
    }
    if (state === "refused") {
      var remove = document.createElement("button");
      remove.type = "button";
      remove.className = "button button-small";
      remove.textContent = "Remove";
      remove.addEventListener("click", function () {
        deletePhoto(photo.id).then(function () {
          URL.revokeObjectURL(item.querySelector("img").src);
          item.remove();
          delete tiles[photo.id];
          return refreshStatus();
        });
      });
      line.appendChild(remove);
    }
  }
  function note(text) {
    var span = document.createElement("span");
    span.className = "muted";
    span.textContent = text;
    return span;
  }
  function refreshStatus() {
    return allPhotos().then(function (photos) {
      var waiting = photos.filter(function (photo) { return photo.state === "waiting"; });
      var kept = {};
      photos.forEach(function (photo) { kept[photo.id] = true; });
      Object.keys(tiles).forEach(function (id) {  // sent meanwhile from another tab
        if (!kept[id] && tiles[id].getAttribute("data-state") === "waiting") {
          tiles[id].setAttribute("data-state", "sent");
          tiles[id].querySelector(".snap-state").textContent = "Sent";
        }
      });
      photos.forEach(function (photo) {
        if (photo.state === "refused") { show(photo, "refused", photo.message); }
        else if (!tiles[photo.id] || tiles[photo.id].getAttribute("data-state") !== "sending") { show(photo, "waiting", "Waiting to send"); }
      });
      var count = waiting.length;
      var refused = photos.length - count;
      var done = list.querySelectorAll('[data-state="sent"], [data-state="duplicate"]').length;
      var text = [];
      if (count) {
        text.push(count === 1 ? "1 photo waiting to send." : count + " photos waiting to send.");
        if (stopped) { text.push(stopped); }
        else if (offlinePage || !navigator.onLine) { text.push("You're offline: they are sent when the connection returns."); }
      } else if (done) {
        text.push("All sent.");
      }
      if (!count && !done) { text.push(statusLine.getAttribute("data-idle") || ""); }
      if (refused) { text.push(refused === 1 ? "1 photo couldn't be sent." : refused + " photos couldn't be sent."); }
      statusLine.textContent = text.join(" ").trim();
      root.classList.toggle("is-offline", !navigator.onLine);
    });
  }

  // --- Taking photos: kept first, sent after
  function stamp(date) {
    function two(n) { return (n < 10 ? "0" : "") + n; }
    return date.getFullYear() + "-" + two(date.getMonth() + 1) + "-" + two(date.getDate()) + " " +
      two(date.getHours()) + "." + two(date.getMinutes()) + "." + two(date.getSeconds());
  }
  function keep(files, fromCamera) {
    var now = new Date();
    var kept = Array.prototype.map.call(files, function (file, index) {
      var extension = (/\.[A-Za-z0-9]{1,5}$/.exec(file.name) || [".jpg"])[0];
      var name = fromCamera ? "Photo " + stamp(now) + (files.length > 1 ? " " + (index + 1) : "") + extension : file.name;
      var photo = { user: target.user, url: target.url, inbox: target.inbox, target: target.label, name: name,
                    type: file.type || "image/jpeg", blob: file, state: "waiting", message: "", taken: now.getTime() };
      return putPhoto(photo).then(function (id) { photo.id = id; show(photo, "waiting", "Waiting to send"); });
    });
    return Promise.all(kept).then(refreshStatus).then(sendAll);
  }
  root.addEventListener("change", function (event) {
    var input = event.target;
    if (!input.matches("[data-snap-input]") || !input.files.length || !target) { return; }
    var files = Array.prototype.slice.call(input.files);
    input.value = "";  // the same photo can be chosen again; it was kept already
    keep(files, input.hasAttribute("data-camera")).catch(function () {
      statusLine.textContent = "This phone couldn't keep the photo (its storage may be full or turned off for this site).";
    });
  });

  // --- Sending: one photo at a time, one tab at a time
  function sendAll() {
    if (sending || stopped || offlinePage || !navigator.onLine) { return Promise.resolve(); }
    sending = true;
    var run = function () { return sendNext(); };
    var locked = navigator.locks ? navigator.locks.request("docket-snap-send", { ifAvailable: true }, function (lock) {
      return lock ? run() : null;  // another tab is sending: the next retry looks again
    }) : run();
    return Promise.resolve(locked).catch(function () {}).then(function () {
      sending = false;
      return refreshStatus();
    });
  }
  function sendNext() {
    return allPhotos().then(function (photos) {
      var next = photos.filter(function (photo) { return photo.state === "waiting"; })[0];
      if (!next || !navigator.onLine) { return null; }
      // Read again inside the lock: another tab may have sent it since
      return getPhoto(next.id).then(function (photo) {
        if (!photo || photo.state !== "waiting") { return sendNext(); }
        return send(photo).then(function (goOn) { return goOn ? sendNext() : null; });
      });
    });
  }
  function send(photo) {
    return new Promise(function (resolve) {
      var request = new XMLHttpRequest();
      var form = new FormData();
      form.append("files", new File([photo.blob], photo.name, { type: photo.type }));
      request.open("POST", photo.url);
      request.setRequestHeader("Accept", "application/json");
      request.setRequestHeader("X-CSRFToken", root.getAttribute("data-csrf"));
      request.timeout = TIMEOUT_MS;
      request.upload.onprogress = function (event) {
        var percent = event.lengthComputable ? Math.round(100 * event.loaded / event.total) : 0;
        show(photo, "sending", "Sending " + percent + "%");
      };
      request.onload = function () {
        failures = 0;
        resolve(answered(photo, request));
      };
      request.onerror = request.ontimeout = request.onabort = function () {
        show(photo, "waiting", "Waiting to send");
        if (failures < SOON_MS.length) { setTimeout(sendAll, SOON_MS[failures]); }
        failures += 1;
        resolve(false);
      };
      show(photo, "sending", "Sending 0%");
      request.send(form);
    });
  }
  function answered(photo, request) {
    var outcome = null;
    try { outcome = JSON.parse(request.responseText).outcomes[0]; } catch (error) { outcome = null; }
    if (outcome && outcome.outcome === "added") {
      return deletePhoto(photo.id).then(function () { show(photo, "sent", "Sent", outcome.item_url); return true; });
    }
    if (outcome && outcome.outcome === "duplicate") {
      return deletePhoto(photo.id).then(function () {
        show(photo, "duplicate", "Already in Docket", outcome.item_url);
        return true;
      });
    }
    if (outcome && outcome.outcome === "rejected") { return refuse(photo, outcome.message); }
    if (request.responseURL && new URL(request.responseURL).pathname.indexOf("/login") !== -1) {
      return stop(photo, "You were signed out: sign in again to send.", "Sign in", root.getAttribute("data-login-url"));
    }
    if (request.status === 413) {
      return refuse(photo, "This photo is larger than Docket takes (" +
        Math.round(Number(root.getAttribute("data-max-bytes")) / 1048576) + " MB), so it wasn't sent.");
    }
    if (request.status === 404) {
      return refuse(photo, "Docket can't find this inbox any more (you may no longer be a member of the business), so it wasn't sent.");
    }
    if (request.status === 400) {  // the CSRF token: the session it belongs to has ended
      return stop(photo, "This page has expired or you were signed out: reload to send.", "Reload", location.href);
    }
    show(photo, "waiting", "Waiting to send: Docket couldn't take it just now");
    return false;  // Docket is busy or briefly out of reach: the next retry sends it
  }
  function refuse(photo, message) {
    photo.state = "refused";
    photo.message = message;
    return putPhoto(photo).then(function () { show(photo, "refused", message); return true; });
  }
  function stop(photo, why, action, href) {
    stopped = why;
    var link = root.querySelector("[data-snap-action]");
    link.textContent = action;
    link.href = href;
    link.parentNode.hidden = false;
    show(photo, "waiting", "Waiting to send");
    return false;
  }

  // --- Start: where photos go, then send whatever is waiting
  function rememberTarget() {
    target = { user: root.getAttribute("data-user"), url: root.getAttribute("data-upload-url"),
               inbox: root.getAttribute("data-inbox-url"), label: root.getAttribute("data-target") };
    statusLine.setAttribute("data-idle", statusLine.textContent);
    return store("settings", "readwrite", function (settings) { return settings.put(target, "target"); });
  }
  function lastTarget() {
    return store("settings", "readonly", function (settings) { return settings.get("target"); }).then(function (found) {
      if (!found) { return; }
      target = found;
      statusLine.setAttribute("data-idle", "Photos you take now are kept on this device and sent to " + found.label +
                                           " when the connection returns.");
      root.querySelector("[data-snap-offline-capture]").hidden = false;
    });
  }
  var ready = (offlinePage ? lastTarget() : rememberTarget()).then(refreshStatus);
  ready.then(sendAll).catch(function () {
    statusLine.textContent = "This phone can't keep photos for Docket (storage is turned off for this site).";
  });
  window.addEventListener("online", function () {
    if (offlinePage) { if (standsIn) { openWhenReachable(); } return; }
    failures = 0;
    refreshStatus().then(sendAll);
  });
  window.addEventListener("offline", refreshStatus);
  if (others) { others.onmessage = function () { ready.then(refreshStatus); }; }
  setInterval(function () { ready.then(sendAll); }, RETRY_MS);

  // The offline page opens the page it stood in for once Docket answers again (not while the camera is open)
  function openWhenReachable() {
    if (!navigator.onLine || document.visibilityState !== "visible") { return; }
    fetch(root.getAttribute("data-probe-url"), { cache: "no-store" }).then(function (response) {
      if (response.ok) { location.reload(); }
    }).catch(function () {});
  }
  if (standsIn) {
    setInterval(openWhenReachable, SOON_MS[1]);
    document.addEventListener("visibilitychange", openWhenReachable);
  }
})();
