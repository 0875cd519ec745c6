// Decodes camera frames off the main thread, so the page stays responsive while the camera runs.
// Messages in: {type: "init", wasmUrl} then {type: "frame", id, image: ImageBitmap} (transferred).
// Messages out: {type: "ready", kind} or {type: "error", message}; {type: "result", id, texts}.
import { createDetector, detectTexts } from "./detector.js";

let ready = null;

self.onmessage = async (event) => {
  const message = event.data || {};
  if (message.type === "init") {
    ready = createDetector(message.wasmUrl);
    try {
      self.postMessage({ type: "ready", kind: (await ready).kind });
    } catch (error) {
      self.postMessage({ type: "error", message: String(error && error.message ? error.message : error) });
    }
    return;
  }
  if (message.type !== "frame") return;
  let texts = [];
  try {
    texts = await detectTexts((await ready).detector, message.image);
  } catch (error) {
    texts = []; // a frame that cannot be read is just the next frame's job
  } finally {
    if (message.image && message.image.close) message.image.close();
  }
  self.postMessage({ type: "result", id: message.id, texts });
};
