// One QR detector for the worker and for the main-thread fallback: the browser's own BarcodeDetector
// where it reads QR codes (Android, macOS), otherwise the barcode-detector ponyfill, i.e. ZXing-C++ in
// WebAssembly. Its .wasm comes from our static/build/, never from the CDN the package defaults to, so the
// scanner works offline and sends nothing to a third party.
import { BarcodeDetector as ZXingDetector, prepareZXingModule } from "barcode-detector/ponyfill";

export async function createDetector(wasmUrl) {
  const Native = globalThis.BarcodeDetector;
  if (Native && Native !== ZXingDetector) {
    try {
      if ((await Native.getSupportedFormats()).includes("qr_code")) {
        return { kind: "native", detector: new Native({ formats: ["qr_code"] }) };
      }
    } catch (error) {
      // a native class that cannot list its formats: use ours
    }
  }
  await prepareZXingModule({
    overrides: { locateFile: (path, prefix) => (path.endsWith(".wasm") ? wasmUrl : prefix + path) },
    fireImmediately: true, // load the wasm now, not on the first frame, so the first scan is quick
  });
  return { kind: "zxing", detector: new ZXingDetector({ formats: ["qr_code"] }) };
}

export async function detectTexts(detector, image) {
  const codes = await detector.detect(image);
  return codes.map((code) => code.rawValue).filter(Boolean);
}
