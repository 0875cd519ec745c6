// A conference's rooms: the same scanner at the entrance or at a room's door. The volunteer picks where
// they are (remembered on this phone); in a room every scan goes to the room's endpoint and counts for the
// session on there now (meetups/programme/door.py). Rooms answer online only: there is no room list on the
// phone, so offline a room scan is refused and says so, while the entrance keeps deciding offline.
import { ApiError, NetworkError } from "./api.js";

const ROOM_TIMEOUT_MS = 5000;

function storageKey(eventId) {
  return `meetups-scanner-room:${eventId}`;
}

export class Rooms {
  constructor({ config, api }) {
    this.eventId = config.eventId;
    this.api = api;
    this.rooms = config.rooms || []; // [{id, name}] left to right as on the agenda; none: no programme
    this.current = null; // the picked room, or null: the entrance
    this.stats = null; // the picked room now (GET .../rooms/<id>/stats)
    this.onUpdate = () => {};
  }

  get enabled() {
    return this.rooms.length > 0;
  }

  /** The place this phone scanned at last time, if the event still has that room. */
  restore() {
    let saved = "";
    try {
      saved = localStorage.getItem(storageKey(this.eventId)) || "";
    } catch (error) {
      saved = "";
    }
    this.current = this.rooms.find((room) => String(room.id) === saved) || null;
    return this.current;
  }

  pick(roomId) {
    this.current = this.rooms.find((room) => String(room.id) === String(roomId)) || null;
    this.stats = null;
    try {
      if (this.current) localStorage.setItem(storageKey(this.eventId), String(this.current.id));
      else localStorage.removeItem(storageKey(this.eventId));
    } catch (error) {
      // a private window keeps no storage: the pick lasts until the page is closed
    }
    this.onUpdate(this.current);
    return this.current;
  }

  /** One scan in the picked room: the server's answer, or why there is none (never decided here). */
  async scan({ code, rsvpId, clientScanId }, online) {
    const room = this.current;
    if (!online) return { result: "room_offline", room: { ...room }, local: true };
    const body = { client_scan_id: clientScanId };
    if (rsvpId) body.rsvp_id = rsvpId;
    else body.code = code;
    try {
      const answer = await this.api.roomCheckIn(room.id, body, ROOM_TIMEOUT_MS);
      answer.local = false;
      this.learn(answer);
      return answer;
    } catch (error) {
      if (error instanceof NetworkError) return { result: "room_offline", room: { ...room }, local: true };
      if (error instanceof ApiError && error.code === "no_session_now") {
        return { result: "no_session_now", room: { ...room }, next: error.data.next || null, local: false };
      }
      return { result: "error", room: { ...room }, message: error.message, local: false };
    }
  }

  /** The answer carries the session's count: the room card follows at once, the full numbers after. */
  learn(answer) {
    if (this.stats && this.stats.session && answer.session && this.stats.session.id === answer.session.id) {
      this.stats.checked_in = answer.checked_in;
    } else if (answer.session) {
      this.stats = { room: answer.room, session: answer.session, next: null, checked_in: answer.checked_in,
        capacity: answer.capacity, registered: null };
    }
    if (answer.result === "ok") setTimeout(() => this.refreshStats(), 0); // off the answer's path
  }

  async refreshStats() {
    const room = this.current;
    if (!room || navigator.onLine === false) return this.stats;
    try {
      const stats = await this.api.roomStats(room.id);
      if (this.current === room) {
        this.stats = stats;
        this.onUpdate(room);
      }
    } catch (error) {
      // the card keeps what it had; the answer to a scan says when the network is gone
    }
    return this.stats;
  }
}
