// Docket's service worker (served at /sw.js by webapp.capture.views): keeps the app's shell (stylesheet, scripts,
// icons and the offline page) so that Snap opens and takes photos without a connection. Pages and documents are
// never kept: they hold people's data. Static files are fetched fresh when online and taken from the cache when not.
"use strict";

var CACHE = "docket-shell-v1";
var SCOPE = self.registration.scope;
var OFFLINE = new URL("offline", SCOPE).href;
var STATIC = new URL("static/", SCOPE).href;
var SHELL = [OFFLINE, "static/css/docket.css", "static/js/snap.js", "static/js/pwa.js", "static/favicon.svg",
             "static/icons/icon-192.png", "manifest.webmanifest"].map(function (path) { return new URL(path, SCOPE).href; });

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(CACHE).then(function (cache) {
    // Without cookies: what is kept must be the same for everyone (the offline page names nobody).
    return cache.addAll(SHELL.map(function (url) { return new Request(url, { credentials: "omit" }); }));
  }).then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  // Navigation preload: a page's request starts at once rather than after the worker has woken up.
  var preload = self.registration.navigationPreload ? self.registration.navigationPreload.enable() : Promise.resolve();
  event.waitUntil(preload.then(function () { return caches.keys(); }).then(function (names) {
    return Promise.all(names.filter(function (name) { return name !== CACHE; })
      .map(function (name) { return caches.delete(name); }));
  }).then(function () { return self.clients.claim(); }));
});

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") { return; }  // uploads and forms go straight to the network
  if (request.mode === "navigate") {
    event.respondWith(Promise.resolve(event.preloadResponse).then(function (preloaded) {
      return preloaded || fetch(request);
    }).catch(function () { return caches.match(OFFLINE); }));
  } else if (request.url.indexOf(STATIC) === 0 || SHELL.indexOf(request.url) !== -1) {
    event.respondWith(freshOrKept(request));
  }
});

function freshOrKept(request) {
  return fetch(request).then(function (response) {
    if (response.ok) {
      var copy = response.clone();
      caches.open(CACHE).then(function (cache) { return cache.put(request, copy); });
    }
    return response;
  }).catch(function () {
    return caches.match(request, { ignoreSearch: true }).then(function (kept) {
      return kept || Response.error();
    });
  });
}
