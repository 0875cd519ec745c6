// The scanner's service worker, served at /scanner-sw.js and registered with the scanner page as its scope
// (/e/<id>/checkin), so it controls that page only. It keeps the page shell, the bundled JS, the ZXing wasm
// and the CSS, so a reload with the network off still opens the scanner; the page itself keeps the
// check-in list and the queued scans in IndexedDB.
//   static files: cache first (a new build is a new worker, with a new cache)
//   the scanner page: network first, the last good copy when offline
//   everything else (the API above all): not touched

/* global __BUILD_ID__, __PRECACHE__ */
const BUILD = __BUILD_ID__;
const PRECACHE = __PRECACHE__;
const STATIC_CACHE = `scanner-static-${BUILD}`;
const PAGE_CACHE = "scanner-pages";
const PAGE_TIMEOUT_MS = 4000; // bad venue Wi-Fi: after this the kept page opens instead of a spinner

self.addEventListener("install", (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(STATIC_CACHE);
    await cache.addAll(PRECACHE.map((url) => new Request(url, { cache: "reload" })));
    await keepPage(self.registration.scope).catch(() => {}); // the page that registered us, for offline reloads
    await self.skipWaiting();
  })());
});

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    // Old builds' static caches go; their pages stay (they are per event and refreshed on every visit).
    const names = await caches.keys();
    await Promise.all(names.filter((name) => name.startsWith("scanner-static-") && name !== STATIC_CACHE)
      .map((name) => caches.delete(name)));
    await self.clients.claim();
  })());
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.mode === "navigate" && pageKey(url) === pageKey(new URL(self.registration.scope))) {
    event.respondWith(page(request));
  } else if (url.pathname.startsWith("/static/")) {
    event.respondWith(staticFile(request));
  }
});

function pageKey(url) {
  return url.origin + url.pathname.replace(/\/$/, "");
}

async function keepPage(url) {
  const response = await fetch(url, { credentials: "same-origin", cache: "no-store" });
  if (response.ok && response.type === "basic" && !response.redirected) {
    const cache = await caches.open(PAGE_CACHE);
    await cache.put(pageKey(new URL(url)), response);
  }
  return response;
}

async function page(request) {
  const url = new URL(request.url);
  const network = fetch(request).then(async (response) => {
    // Only a real scanner page is kept: not a login redirect, not an error page.
    if (response.ok && response.type === "basic" && !url.search) {
      const cache = await caches.open(PAGE_CACHE);
      await cache.put(pageKey(url), response.clone());
    }
    return response;
  });
  network.catch(() => {}); // when the kept copy answered first, a late failure is nobody's business
  const kept = () => caches.open(PAGE_CACHE).then((cache) => cache.match(pageKey(url)));
  try {
    return await Promise.race([network, timeout(PAGE_TIMEOUT_MS)]);
  } catch (error) {
    const copy = await kept();
    if (copy) return copy;
    // Nothing kept yet: wait for the network; if it fails, the browser shows its own offline page.
    return network.catch(() => Response.error());
  }
}

function timeout(ms) {
  return new Promise((resolve, reject) => setTimeout(() => reject(new Error("timeout")), ms));
}

async function staticFile(request) {
  const cache = await caches.open(STATIC_CACHE);
  const hit = await cache.match(request, { ignoreSearch: true });
  if (hit) return hit;
  const response = await fetch(request);
  if (response.ok && response.type === "basic") cache.put(request, response.clone());
  return response;
}
