// The scanner's brain: one handler for every scan (camera, keyboard wedge, name search, tests), online
// answers from the server, offline answers from the cached list, a queue in IndexedDB that syncs through
// the batch endpoint (idempotent by client scan id), and the differences the server reports after a sync.
import { ApiError, NetworkError } from "./api.js";
import { TicketBook, codeHash, newScanId, parseCode } from "./local.js";

const REPEAT_MS = 3000; // the camera keeps seeing the ticket it just read
const ONLINE_TIMEOUT_MS = 2500; // longer than this at the door and the phone decides by itself
const DEGRADED_MS = 20000; // after a failed request, answer locally for a while instead of waiting again
const BATCH = 200;

export class Door {
  constructor({ config, api, store, ui, t, rooms = null }) {
    Object.assign(this, { config, api, store, ui, t, rooms });
    this.eventId = config.eventId;
    this.book = new TicketBook(config.eventId);
    this.book.event = {
      id: config.eventId,
      title: config.title,
      checkin_opens_at: config.checkinOpensAt,
      status: config.status,
    };
    this.queueCount = 0;
    this.pendingHere = 0; // people admitted on this phone, not yet synced
    this.seq = Date.now() * 1000;
    this.lastKey = null;
    this.lastAt = 0;
    this.degradedUntil = 0;
    this.syncing = null;
    this.conflicts = [];
    this.last = null; // the last answer, for undo
    this.guestsOneByOne = false; // a setting: the member enters first, each guest with a tap of their own
    this.saveTimer = null;
  }

  get online() {
    return navigator.onLine !== false;
  }

  /** Scanning at a room's door (a conference's programme), not at the entrance: see rooms.js. */
  get inRoom() {
    return Boolean(this.rooms && this.rooms.current);
  }

  get degraded() {
    return Date.now() < this.degradedUntil;
  }

  degrade() {
    this.degradedUntil = Date.now() + DEGRADED_MS;
    this.ui.banner(this);
  }

  async start() {
    const saved = await this.store.loadList(this.eventId);
    if (saved) this.book.load(saved);
    await this.applyQueue();
    this.stats = await this.store.getMeta(`stats:${this.eventId}`);
    this.ui.list(this);
    this.ui.stats(this);
    this.ui.banner(this);
    if (this.online) {
      await this.sync();
      if (!this.book.generatedAt || Date.now() - Date.parse(this.book.generatedAt) > 5000) {
        await this.refreshList();
      }
      this.refreshStats();
    }
  }

  // Scanning

  /** Answer one decoded text: whatever read it (camera, wedge, search, a test) comes through here. */
  async handleDecoded(text, { source = "camera", repeat = false } = {}) {
    const started = performance.now();
    const raw = String(text ?? "").trim().slice(0, 300);
    if (!raw) return null;
    const code = parseCode(raw);
    const key = code || raw;
    const now = Date.now();
    if (!repeat && key === this.lastKey && now - this.lastAt < REPEAT_MS) {
      if (source === "camera") this.lastAt = now; // still in front of the camera: keep ignoring it
      return null;
    }
    this.lastKey = key;
    this.lastAt = now;
    const scan = {
      eventId: this.eventId,
      client_scan_id: newScanId(),
      scanned_at: new Date(now).toISOString(),
      code: code || raw,
    };
    let answer;
    if (this.inRoom) {
      answer = await this.rooms.scan({ code: code || raw, clientScanId: scan.client_scan_id }, this.online);
    } else {
      if (this.online && !this.degraded) {
        if (this.guestsOneByOne) scan.guests = 0; // offline the whole party goes in, as the list decides
        answer = await this.askServer(scan, code);
        if (answer) answer.code = code;
      }
      if (!answer) answer = await this.decideHere(scan, code);
    }
    answer.source = source;
    answer.ms = Math.round(performance.now() - started);
    this.show(answer);
    return answer;
  }

  async askServer(scan, code) {
    try {
      const answer = await this.api.checkIn(scan, ONLINE_TIMEOUT_MS);
      answer.local = false;
      this.learn(code, answer);
      return answer;
    } catch (error) {
      if (error instanceof NetworkError) {
        this.degrade();
        return null; // decide here; the queued scan carries the same client scan id if the post got through
      }
      return { result: "error", message: error.message, status: error instanceof ApiError ? error.status : 0 };
    }
  }

  async decideHere(scan, code) {
    const hash = code ? await codeHash(code) : null;
    const answer = { ...this.book.decide(hash, scan.scanned_at), local: true, client_scan_id: scan.client_scan_id };
    if (answer.result === "ok") {
      this.book.admit(hash, { checkedInAt: scan.scanned_at, by: this.t("this_phone"), pendingScanId: scan.client_scan_id });
      this.pendingHere += 1 + (answer.attendee ? answer.attendee.guests : 0);
      answer.checked_in_at = scan.scanned_at;
    }
    const item = { ...scan, kind: "code", h: hash, seq: ++this.seq, local: { result: answer.result } };
    item.name = answer.attendee ? answer.attendee.name : "";
    await this.enqueue(item);
    return answer;
  }

  /** Guests one by one (online): one more guest of the last admitted ticket goes in. */
  async admitGuest() {
    const last = this.last;
    if (!last || last.room || !(last.code || last.rsvp_id) || !this.online || this.degraded) return null;
    const scan = { eventId: this.eventId, client_scan_id: newScanId(), scanned_at: new Date().toISOString(),
      guests: 1 };
    if (last.code) scan.code = last.code;
    else scan.rsvp_id = last.rsvp_id;
    const answer = await this.askServer(scan, last.code || null);
    if (answer) {
      Object.assign(answer, { code: last.code, rsvp_id: last.rsvp_id });
      this.show(answer);
    }
    return answer;
  }

  /** Name search: neither the server's answers nor the cached list carry codes, so the scan names the RSVP
   * (online at once; offline it is queued and synced like any other scan). */
  async checkInByRsvp(rsvpId) {
    const started = performance.now();
    const now = new Date().toISOString();
    const scan = { eventId: this.eventId, client_scan_id: newScanId(), scanned_at: now, rsvp_id: rsvpId };
    if (this.inRoom) {
      const answer = await this.rooms.scan({ rsvpId, clientScanId: scan.client_scan_id }, this.online);
      Object.assign(answer, { rsvp_id: rsvpId, source: "search", ms: Math.round(performance.now() - started) });
      this.show(answer);
      return answer;
    }
    if (this.online && !this.degraded) {
      if (this.guestsOneByOne) scan.guests = 0;
      const online = await this.askServer(scan, null);
      if (online) {
        if (online.attendee && online.checkin_id) this.learnByRsvp(rsvpId, online);
        online.rsvp_id = rsvpId;
        online.source = "search";
        online.ms = Math.round(performance.now() - started);
        this.show(online);
        return online;
      }
    }
    const [hash, ticket] = this.book.findByRsvp(rsvpId);
    if (!ticket) return null;
    const answer = { ...this.book.decide(hash, now), local: true, source: "search" };
    Object.assign(scan, { kind: "rsvp", name: ticket.name, h: hash, seq: ++this.seq, local: { result: answer.result } });
    if (answer.result === "ok") {
      this.book.admit(hash, { checkedInAt: now, by: this.t("this_phone"), pendingScanId: scan.client_scan_id });
      this.pendingHere += 1 + ticket.guests;
      answer.checked_in_at = now;
    }
    answer.client_scan_id = scan.client_scan_id;
    if (answer.result === "ok") await this.enqueue(scan); // a refusal by name needs no record
    answer.ms = Math.round(performance.now() - started);
    this.show(answer);
    return answer;
  }

  show(answer) {
    this.last = answer;
    this.ui.answer(answer, this);
    this.ui.banner(this);
    this.ui.stats(this);
    if (!answer.local && answer.result === "ok" && !answer.room) setTimeout(() => this.refreshStats(), 0); // off the answer's path
  }

  /** The same for an RSVP admitted by name. */
  learnByRsvp(rsvpId, answer) {
    const [hash, ticket] = this.book.findByRsvp(rsvpId);
    if (!ticket) return;
    this.book.admit(hash, { checkedInAt: answer.checked_in_at, by: answer.checked_in_by,
      checkinId: answer.checkin_id, guestsAdmitted: answer.attendee.guests_admitted });
    answer.h = hash;
    this.saveSoon();
  }

  /** What an online answer teaches the local list, so a scan after the network drops is still right. */
  async learn(code, answer) {
    if (!code || !answer.attendee || !["ok", "already_checked_in"].includes(answer.result)) return;
    const hash = await codeHash(code);
    if (answer.checkin_id) {
      this.book.admit(hash, { checkedInAt: answer.checked_in_at, by: answer.checked_in_by,
        checkinId: answer.checkin_id, guestsAdmitted: answer.attendee.guests_admitted });
    }
    answer.h = hash;
    this.saveSoon();
  }

  // Queue and sync

  async enqueue(item) {
    await this.store.enqueue(item);
    this.queueCount += 1;
    this.saveSoon();
    this.ui.banner(this);
  }

  /** Scans this phone admitted but has not synced yet stay admitted over a fresh list from the server. */
  async applyQueue() {
    const items = await this.store.queued(this.eventId);
    this.queueCount = items.length;
    this.pendingHere = 0;
    for (const item of items) {
      if (item.local.result !== "ok" || !item.h) continue;
      const ticket = this.book.byHash.get(item.h);
      if (!ticket || (ticket.checked_in_at && !ticket.pending)) continue;
      this.book.admit(item.h, { checkedInAt: item.scanned_at, by: this.t("this_phone"), pendingScanId: item.client_scan_id });
      this.pendingHere += 1 + (ticket.guests || 0);
    }
    return items;
  }

  sync() {
    if (!this.syncing) this.syncing = this.syncNow().finally(() => (this.syncing = null));
    return this.syncing;
  }

  async syncNow() {
    if (!this.online) return false;
    try {
      let items = await this.store.queued(this.eventId);
      const sent = items.length > 0;
      while (items.length) {
        await this.sendBatch(items.slice(0, BATCH));
        items = await this.store.queued(this.eventId);
      }
      this.degradedUntil = 0;
      if (sent) {
        await this.refreshList(); // the server's word on everyone, including what other scanners did
        this.refreshStats();
      } else {
        await this.applyQueue();
      }
      return true;
    } catch (error) {
      if (error instanceof NetworkError) this.degrade();
      else this.ui.problem(error.message);
      return false;
    } finally {
      this.ui.banner(this);
      this.ui.stats(this);
    }
  }

  async sendBatch(items) {
    const { results } = await this.api.checkInBatch(items);
    results.forEach((result, index) => this.compare(items[index], result));
    await this.store.dequeue(items.map((item) => item.client_scan_id));
    this.queueCount = Math.max(0, this.queueCount - items.length);
    this.ui.conflicts(this);
  }

  /** After a sync: what the server decided, where it differs from what this phone said at the door. */
  compare(item, result) {
    if (this.last && this.last.client_scan_id === item.client_scan_id) {
      this.last.checkin_id = result.checkin_id;
      this.last.local = false;
    }
    const name = (result.attendee && result.attendee.name) || item.name || this.t("someone");
    const dup = result.duplicate;
    if (result.result === "ok" && item.local.result === "ok") {
      if (dup) this.conflicts.push({ name, text: this.t("conflict_earlier", { time: this.ui.time(dup.checked_in_at), who: dup.by || "?" }) });
      return;
    }
    if (result.result === item.local.result) return;
    if (result.result === "already_checked_in" && dup) {
      this.conflicts.push({ name, text: this.t("conflict_already", { time: this.ui.time(dup.checked_in_at), who: dup.by || "?" }) });
      return;
    }
    this.conflicts.push({ name, text: this.t("conflict_other", { answer: this.ui.describe(result, this).title }) });
  }

  // Undo

  async undo() {
    const last = this.last;
    if (!last || last.room || last.undone || !["ok"].includes(last.result)) return; // a room scan stays
    if (last.local && last.client_scan_id) {
      const queued = (await this.store.queued(this.eventId)).find((item) => item.client_scan_id === last.client_scan_id);
      if (queued) {
        await this.store.dequeue([queued.client_scan_id]);
        this.queueCount = Math.max(0, this.queueCount - 1);
        if (queued.h) this.book.unadmit(queued.h);
        this.pendingHere = Math.max(0, this.pendingHere - 1 - ((last.attendee && last.attendee.guests) || 0));
        return this.undone(last);
      }
    }
    if (!last.checkin_id) return;
    if (!this.online) return this.ui.problem(this.t("undo_offline"));
    try {
      await this.api.undo(last.checkin_id);
    } catch (error) {
      return this.ui.problem(error instanceof NetworkError ? this.t("undo_offline") : error.message);
    }
    if (last.h) this.book.unadmit(last.h);
    this.undone(last);
    this.refreshStats();
  }

  undone(last) {
    last.undone = true;
    this.lastKey = null; // the same ticket may be scanned again at once
    this.saveSoon();
    this.ui.undone(last, this);
    this.ui.banner(this);
  }

  // What the phone keeps fresh

  async refreshList() {
    if (!this.online) return;
    try {
      const data = await this.api.checkinList();
      this.book.load({ event: data.event, generated_at: data.generated_at, tickets: data.tickets });
      await this.applyQueue();
      await this.store.saveList(this.book.record());
      this.ui.list(this);
    } catch (error) {
      if (error instanceof NetworkError) this.degrade();
      else this.ui.problem(error.message);
    }
  }

  async refreshStats() {
    if (!this.online) return;
    try {
      this.stats = await this.api.stats();
      this.store.setMeta(`stats:${this.eventId}`, this.stats);
      this.ui.stats(this);
    } catch (error) {
      if (error instanceof NetworkError) this.degrade();
    }
  }

  saveSoon() {
    clearTimeout(this.saveTimer); // one write after a burst of scans, off the answer's path
    this.saveTimer = setTimeout(() => this.store.saveList(this.book.record()), 1500);
  }

  search(query) {
    return this.book.search(query);
  }
}
