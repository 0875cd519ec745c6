// Sound and vibration, so the volunteer hears the answer while looking at the next person. Browsers only
// let a page make sound after a tap, so the audio context is made on the first touch or key press.

const TONES = {
  good: [{ freq: 1046, ms: 110 }],
  warn: [{ freq: 660, ms: 120 }, { gap: 70 }, { freq: 660, ms: 120 }],
  bad: [{ freq: 220, ms: 420, wave: "square" }],
};
const VIBRATE = { good: [60], warn: [90, 60, 90], bad: [300, 100, 300] };

let audio = null;

export function unlockAudio() {
  if (audio) {
    if (audio.state === "suspended") audio.resume().catch(() => {});
    return;
  }
  const Context = window.AudioContext || window.webkitAudioContext;
  if (!Context) return;
  try {
    audio = new Context();
  } catch (error) {
    audio = null;
  }
}

function beep(kind) {
  if (!audio || audio.state !== "running") return;
  let at = audio.currentTime + 0.01;
  for (const tone of TONES[kind]) {
    if (tone.gap) {
      at += tone.gap / 1000;
      continue;
    }
    const osc = audio.createOscillator();
    const gain = audio.createGain();
    osc.type = tone.wave || "sine";
    osc.frequency.value = tone.freq;
    const end = at + tone.ms / 1000;
    gain.gain.setValueAtTime(0.0001, at);
    gain.gain.exponentialRampToValueAtTime(0.3, at + 0.01); // no click at the start or the end
    gain.gain.exponentialRampToValueAtTime(0.0001, end);
    osc.connect(gain).connect(audio.destination);
    osc.start(at);
    osc.stop(end + 0.02);
    at = end;
  }
}

export function signal(kind, { sound = true } = {}) {
  if (sound) beep(kind);
  if (navigator.vibrate) {
    try {
      navigator.vibrate(VIBRATE[kind]);
    } catch (error) {
      // some browsers refuse vibration without a recent tap; the sound and the colour still tell
    }
  }
}
