// Deciding at the door without the network: the cached check-in list holds SHA-256 hashes of the ticket
// codes (never the codes), so the scanner hashes what it read and looks it up. The rules mirror
// meetups/checkin/service.py `_decide`; the server has the last word when the scan syncs.

// Same as CODE_RE in meetups/checkin/service.py: a bare code or a whole ticket URL.
const CODE_RE = /(?:\/t\/)?([A-Za-z0-9_-]{16,64})\/?$/;
const UNCONFIRMED = new Set(["waitlisted", "pending", "offered"]);
const VOID = new Set(["cancelled", "declined"]);

export function parseCode(text) {
  if (typeof text !== "string" || text.length > 300) return null;
  const match = CODE_RE.exec(text.trim());
  return match ? match[1] : null;
}

export async function codeHash(code) {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(code));
  return Array.from(new Uint8Array(digest).slice(0, 16), (b) => b.toString(16).padStart(2, "0")).join("");
}

export function newScanId() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

export class TicketBook {
  constructor(eventId) {
    this.eventId = eventId;
    this.event = null;
    this.generatedAt = null;
    this.byHash = new Map();
  }

  get size() {
    return this.byHash.size;
  }

  load(record) {
    this.event = record.event || this.event;
    this.generatedAt = record.generated_at || record.generatedAt || null;
    this.byHash = new Map((record.tickets || []).map((ticket) => [ticket.h, { ...ticket }]));
  }

  record() {
    return {
      eventId: this.eventId,
      event: this.event,
      generatedAt: this.generatedAt,
      tickets: [...this.byHash.values()],
    };
  }

  attendee(ticket) {
    return {
      rsvp_id: ticket.rsvp_id,
      name: ticket.name,
      pronouns: ticket.pronouns || null,
      status: ticket.status,
      guests: ticket.guests || 0,
      guests_admitted: ticket.guests_admitted || 0,
    };
  }

  /** The answer the server would most likely give, from what this phone knows. */
  decide(hash, scannedAt) {
    const opens = this.event && this.event.checkin_opens_at;
    if (opens && new Date(scannedAt) < new Date(opens)) return { result: "not_open_yet", opens_at: opens };
    const ticket = hash ? this.byHash.get(hash) : undefined;
    if (!ticket) return { result: "unknown_ticket" };
    const attendee = this.attendee(ticket);
    if (VOID.has(ticket.status) || (this.event && this.event.status === "cancelled")) {
      return { result: "cancelled", attendee };
    }
    if (UNCONFIRMED.has(ticket.status) || ticket.status !== "going") return { result: "not_confirmed", attendee };
    if (ticket.checked_in_at) {
      return {
        result: "already_checked_in",
        attendee,
        checkin_id: ticket.checkin_id || null,
        checked_in_at: ticket.checked_in_at,
        checked_in_by: ticket.checked_in_by || "",
      };
    }
    return { result: "ok", attendee: { ...attendee, guests_admitted: attendee.guests } };
  }

  admit(hash, { checkedInAt, by, checkinId, guestsAdmitted, pendingScanId }) {
    const ticket = this.byHash.get(hash);
    if (!ticket) return;
    ticket.checked_in_at = checkedInAt;
    ticket.checked_in_by = by || "";
    ticket.checkin_id = checkinId || null;
    ticket.guests_admitted = guestsAdmitted ?? ticket.guests;
    ticket.pending = pendingScanId || null;
  }

  unadmit(hash) {
    const ticket = this.byHash.get(hash);
    if (!ticket) return;
    Object.assign(ticket, { checked_in_at: null, checked_in_by: "", checkin_id: null, guests_admitted: 0 });
    ticket.pending = null;
  }

  findByRsvp(rsvpId) {
    for (const [hash, ticket] of this.byHash) if (ticket.rsvp_id === rsvpId) return [hash, ticket];
    return [null, null];
  }

  search(query, limit = 20) {
    const needle = query.trim().toLocaleLowerCase();
    if (needle.length < 2) return [];
    const found = [];
    for (const ticket of this.byHash.values()) {
      if (ticket.name && ticket.name.toLocaleLowerCase().includes(needle)) found.push(ticket);
    }
    return found.sort((a, b) => a.name.localeCompare(b.name)).slice(0, limit);
  }
}
