// Bundles the front-end into static/build/ (git-ignored): `npm run build`, after `npm ci`.
//   static/build/scanner.js                the door scanner page (static/js/scanner/main.js and its imports)
//   static/build/scanner-decode-worker.js  QR decoding off the main thread (native BarcodeDetector or ZXing wasm)
//   static/build/zxing_reader.wasm         ZXing-C++ for the polyfill, served by us, never from a CDN
//   static/build/scanner-sw.js             the scanner's service worker, served at /scanner-sw.js
// The service worker carries a hash of every file it caches, so any change to them makes browsers install
// a new worker and fetch the new files; an unchanged build leaves phones' caches alone.
import { createHash } from "node:crypto";
import { copyFile, mkdir, readFile, rm } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

import * as esbuild from "esbuild";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const STATIC = join(ROOT, "static");
const OUT = join(STATIC, "build");
const WASM = join(ROOT, "node_modules", "zxing-wasm", "dist", "reader", "zxing_reader.wasm");

// What the scanner needs to open with the network off (paths under static/, served at /static/...).
const PRECACHE = [
  "build/scanner.js",
  "build/scanner-decode-worker.js",
  "build/zxing_reader.wasm",
  "css/app.css",
  "css/scanner.css",
  "css/shell.css",
  "js/app.js",
  "icons/scanner-192.png",
  "icons/scanner-512.png",
];

const common = {
  bundle: true,
  minify: true,
  sourcemap: "linked",
  format: "iife",
  target: ["chrome90", "firefox90", "safari15"],
  logLevel: "warning",
};

async function main() {
  await rm(OUT, { recursive: true, force: true });
  await mkdir(OUT, { recursive: true });
  await esbuild.build({
    ...common,
    entryPoints: {
      scanner: join(STATIC, "js", "scanner", "main.js"),
      "scanner-decode-worker": join(STATIC, "js", "scanner", "decode-worker.js"),
    },
    outdir: OUT,
  });
  await copyFile(WASM, join(OUT, "zxing_reader.wasm"));

  const hash = createHash("sha256");
  for (const path of PRECACHE) {
    hash.update(path);
    hash.update(await readFile(join(STATIC, path)));
  }
  const buildId = hash.digest("hex").slice(0, 16);
  await esbuild.build({
    ...common,
    entryPoints: { "scanner-sw": join(STATIC, "js", "scanner", "sw.js") },
    outdir: OUT,
    define: {
      __BUILD_ID__: JSON.stringify(buildId),
      __PRECACHE__: JSON.stringify(PRECACHE.map((path) => `/static/${path}`)),
    },
  });
  console.log(`static/build: scanner ${buildId}`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
