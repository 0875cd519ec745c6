// The volunteers' scanner at /e/<id>/checkin (templates/checkin/scanner.html). Three ways in — the camera,
// a keyboard-wedge scanner, a name search — and one handler behind them, also exposed as
// window.meetupsScanner.handleDecoded(text) for tests and for anyone debugging at the door.
import { Api } from "./api.js";
import { Camera } from "./camera.js";
import { Door } from "./door.js";
import { unlockAudio } from "./feedback.js";
import { setStrings, t } from "./i18n.js";
import { Rooms } from "./rooms.js";
import { openStore } from "./store.js";
import { Ui } from "./ui.js";

const $ = (id) => document.getElementById(id);

function readJson(id) {
  const element = $(id);
  return element ? JSON.parse(element.textContent) : {};
}

function deviceName() {
  // Which phone scanned, for the organiser's scan log: a random id kept on this phone, and its browser.
  let id = null;
  try {
    id = localStorage.getItem("meetups-scanner-device");
    if (!id) {
      id = Math.random().toString(36).slice(2, 8);
      localStorage.setItem("meetups-scanner-device", id);
    }
  } catch (error) {
    id = "private";
  }
  const browser = (navigator.userAgentData && navigator.userAgentData.platform) || navigator.platform || "";
  return `web ${id} ${browser}`.trim().slice(0, 100);
}

const TYPING = /^(search|text|email)$/;

function keepWedgeFocus(wedge) {
  // A wedge scanner types into whatever has focus, and its Enter would press a focused button: bring focus
  // back here unless the volunteer is typing somewhere else (the name search).
  const refocus = () => {
    const active = document.activeElement;
    const typing = active && active !== wedge && active.tagName === "INPUT" && TYPING.test(active.type);
    if (!typing) wedge.focus({ preventScroll: true });
  };
  wedge.addEventListener("blur", () => setTimeout(refocus, 150));
  document.addEventListener("visibilitychange", () => document.visibilityState === "visible" && refocus());
  return refocus;
}

function wireSearch(door, ui, api) {
  const input = $("search");
  let timer = null;
  let asked = 0;
  const run = async () => {
    const query = input.value.trim();
    const mine = ++asked;
    if (query.length < 2) return ui.searchResults(null, { door, onPick });
    let people;
    if (door.online && !door.degraded) {
      try {
        people = (await api.search(query)).attendees;
      } catch (error) {
        people = null;
      }
    }
    if (!people) people = door.search(query).map((ticket) => ({ ...ticket, offline: true }));
    if (mine === asked) ui.searchResults(people, { door, onPick });
  };
  const onPick = (person) => {
    door.checkInByRsvp(person.rsvp_id).then(() => run());
  };
  input.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(run, 250);
  });
  $("search-form").addEventListener("submit", (event) => {
    event.preventDefault();
    clearTimeout(timer);
    run();
  });
}

function wireCamera(config, door) {
  const button = $("camera-start");
  const state = $("camera-state");
  if (!Camera.available() || !window.isSecureContext) {
    button.hidden = true;
    state.textContent = t("camera_unavailable");
    return;
  }
  const camera = new Camera({
    video: $("scanner-video"),
    workerUrl: config.workerUrl,
    wasmUrl: config.wasmUrl,
    onText: (text) => door.handleDecoded(text, { source: "camera" }),
    onError: (error) => console.warn("scanner: frame", error),
  });
  const start = async () => {
    state.textContent = t("camera_starting");
    try {
      await camera.start();
      $("viewfinder").classList.add("running");
      button.textContent = t("camera_stop");
      state.textContent = t("camera_ready");
    } catch (error) {
      camera.stop();
      state.textContent = t("camera_failed", { why: error.message || error.name || "" });
    }
  };
  button.addEventListener("click", () => {
    if (camera.running) {
      camera.stop();
      $("viewfinder").classList.remove("running");
      button.textContent = t("camera_start");
      state.textContent = "";
    } else {
      start();
    }
  });
  // Start on its own when the volunteer already allowed the camera: the next scan needs no tap.
  if (navigator.permissions && navigator.permissions.query) {
    navigator.permissions.query({ name: "camera" }).then((status) => status.state === "granted" && start(), () => {});
  }
  window.meetupsScanner.camera = camera;
}

function wireRooms(rooms, door, ui) {
  // "Where are you scanning?": Entrance or a room, remembered on this phone. Without rooms nothing shows.
  if (!rooms.enabled) return;
  const picker = $("room-picker");
  const choose = (value) => {
    for (const input of picker.querySelectorAll('input[name="room"]')) input.checked = input.value === value;
  };
  rooms.onUpdate = () => {
    ui.roomNow(rooms);
    ui.banner(door);
  };
  const room = rooms.restore();
  choose(room ? String(room.id) : "");
  picker.addEventListener("change", (event) => {
    if (event.target.name !== "room") return;
    rooms.pick(event.target.value);
    door.lastKey = null; // the ticket just scanned at the entrance may be scanned here at once
    ui.dismiss();
    rooms.refreshStats();
  });
  ui.roomNow(rooms);
  rooms.refreshStats();
}

function registerServiceWorker(config) {
  if (!("serviceWorker" in navigator) || !config.swUrl) return Promise.resolve(null);
  return navigator.serviceWorker.register(config.swUrl, { scope: config.pageUrl }).catch((error) => {
    console.warn("scanner: no offline page", error);
    return null;
  });
}

async function boot() {
  const config = readJson("scanner-config");
  setStrings(readJson("scanner-strings"), config.lang);
  const ui = new Ui(config);
  const api = new Api({ ...config, device: deviceName() });
  const store = await openStore();
  const rooms = new Rooms({ config, api });
  const door = new Door({ config, api, store, ui, t, rooms });

  const wedge = $("wedge");
  const refocus = keepWedgeFocus(wedge);
  ui.onDismiss = refocus;
  $("wedge-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const text = wedge.value;
    wedge.value = "";
    door.handleDecoded(text, { source: "wedge" });
  });
  $("answer").addEventListener("click", () => ui.dismiss());
  for (const id of ["answer-undo", "last-undo"]) {
    $(id).addEventListener("click", (event) => {
      event.stopPropagation();
      door.undo();
    });
  }
  $("conflicts-dismiss").addEventListener("click", () => {
    door.conflicts = [];
    ui.conflicts(door);
  });
  $("sound").addEventListener("change", (event) => (ui.soundOn = event.target.checked));
  $("guests-one-by-one").addEventListener("change", (event) => (door.guestsOneByOne = event.target.checked));
  $("last-guest").addEventListener("click", () => door.admitGuest());
  document.addEventListener("pointerdown", unlockAudio, { passive: true });
  document.addEventListener("keydown", unlockAudio);

  window.meetupsScanner = {
    handleDecoded: (text, options) => door.handleDecoded(text, options),
    sync: () => door.sync(),
    refresh: () => Promise.all([door.refreshList(), door.refreshStats()]),
    undo: () => door.undo(),
    door,
    rooms,
    pickRoom: (roomId) => {
      const input = document.querySelector(`#room-picker input[name="room"][value="${roomId || ""}"]`);
      if (input) input.click();
      return rooms.current;
    },
    ready: null,
    serviceWorker: registerServiceWorker(config),
  };
  wireSearch(door, ui, api);
  wireCamera(config, door);
  wireRooms(rooms, door, ui);

  window.addEventListener("online", () => door.sync().then(() => ui.banner(door)));
  window.addEventListener("offline", () => ui.banner(door));
  const every = (ms, job) => setInterval(() => document.visibilityState !== "hidden" && door.online && job(), ms);
  every(config.intervals.sync, () => (door.queueCount || door.degraded) && door.sync());
  every(config.intervals.list, () => door.refreshList());
  every(config.intervals.stats, () => (door.refreshStats(), rooms.refreshStats()));

  window.meetupsScanner.ready = door.start();
  await window.meetupsScanner.ready;
  document.body.classList.add("scanner-ready");
  refocus();
}

boot().catch((error) => {
  console.error(error);
  const box = document.getElementById("scanner-problem");
  if (box) {
    box.textContent = String(error && error.message ? error.message : error);
    box.hidden = false;
  }
});
