// The rear camera: frames go to the decode worker at most ~8 times a second (one at a time), and every
// text read goes to the same handler a keyboard-wedge scanner or a test uses.

const FRAME_MS = 125;
const MAX_SIDE = 720; // enough pixels for a ticket QR held up to the phone; fewer keep decoding quick

export class Camera {
  constructor({ video, workerUrl, wasmUrl, onText, onError }) {
    Object.assign(this, { video, workerUrl, wasmUrl, onText, onError });
    this.stream = null;
    this.decoder = null;
    this.running = false;
    this.timer = null;
  }

  static available() {
    return Boolean(navigator.mediaDevices && navigator.mediaDevices.getUserMedia && window.createImageBitmap);
  }

  async start() {
    if (this.running) return;
    this.stream = await navigator.mediaDevices.getUserMedia({
      audio: false,
      video: { facingMode: { ideal: "environment" }, width: { ideal: 1280 }, height: { ideal: 720 } },
    });
    this.video.srcObject = this.stream;
    this.video.muted = true;
    this.video.setAttribute("playsinline", "");
    await this.video.play();
    this.decoder = this.decoder || (await this.makeDecoder());
    this.running = true;
    this.tick();
  }

  stop() {
    this.running = false;
    clearTimeout(this.timer);
    if (this.stream) this.stream.getTracks().forEach((track) => track.stop());
    this.stream = null;
    this.video.srcObject = null;
  }

  async makeDecoder() {
    // Workers and OffscreenCanvas are everywhere a camera page runs (Chrome, Safari 16.4+, Firefox);
    // where the decoder cannot start, the wedge input and the name search still work.
    return this.workerDecoder();
  }

  workerDecoder() {
    return new Promise((resolve, reject) => {
      const worker = new Worker(this.workerUrl);
      let pending = null;
      const fail = (why) => {
        worker.terminate();
        reject(new Error(why));
      };
      const timeout = setTimeout(() => fail("the decoder did not start"), 20000);
      worker.onerror = (event) => fail(event.message || "worker error");
      worker.onmessage = (event) => {
        const message = event.data || {};
        if (message.type === "ready") {
          clearTimeout(timeout);
          resolve({
            kind: message.kind,
            decode: (image) =>
              new Promise((done) => {
                pending = done;
                worker.postMessage({ type: "frame", id: Date.now(), image }, [image]);
              }),
          });
        } else if (message.type === "error") {
          clearTimeout(timeout);
          fail(message.message);
        } else if (message.type === "result" && pending) {
          const done = pending;
          pending = null;
          done(message.texts || []);
        }
      };
      worker.postMessage({ type: "init", wasmUrl: this.wasmUrl });
    });
  }

  async tick() {
    if (!this.running) return;
    const started = performance.now();
    try {
      const { videoWidth: width, videoHeight: height } = this.video;
      if (this.video.readyState >= 2 && width && height) {
        const side = Math.min(width, height); // the square in the middle, where the viewfinder points
        const target = Math.min(side, MAX_SIDE);
        const image = await createImageBitmap(this.video, (width - side) / 2, (height - side) / 2, side, side,
          { resizeWidth: target, resizeHeight: target });
        const texts = await this.decoder.decode(image);
        if (texts.length && this.running) this.onText(texts[0]);
      }
    } catch (error) {
      if (this.onError) this.onError(error);
    }
    if (this.running) this.timer = setTimeout(() => this.tick(), Math.max(0, FRAME_MS - (performance.now() - started)));
  }
}
