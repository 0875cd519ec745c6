// The door's JSON API (meetups/checkin/api.py). Session callers send the CSRF header; a door link's
// holder sends its token. A network failure or a server in trouble is a NetworkError: the scanner then
// decides locally and queues the scan. Anything else the server says is an ApiError, shown as it is.

export class NetworkError extends Error {}

export class ApiError extends Error {
  constructor(status, error) {
    super((error && error.message) || `HTTP ${status}`);
    this.status = status;
    this.code = (error && error.code) || "";
    this.reason = (error && error.reason) || "";
    this.data = error || {}; // the rest of the error, e.g. the room's next session for no_session_now
  }
}

export class Api {
  constructor({ apiBase, eventId, doorToken, pageUrl, device }) {
    this.base = apiBase;
    this.device = device || "web scanner";
    this.eventId = eventId;
    this.doorToken = doorToken || "";
    this.pageUrl = pageUrl;
    const meta = document.querySelector('meta[name="csrf-token"]');
    this.csrf = meta ? meta.content : "";
  }

  headers(withBody) {
    const headers = { Accept: "application/json", "X-Scanner-Device": this.device };
    if (withBody) headers["Content-Type"] = "application/json";
    if (this.csrf) headers["X-CSRFToken"] = this.csrf;
    if (this.doorToken) headers["X-Door-Token"] = this.doorToken;
    return headers;
  }

  async request(method, path, body, { timeout = 8000, retried = false } = {}) {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), timeout);
    let response;
    try {
      response = await fetch(this.base + path, {
        method,
        headers: this.headers(body !== undefined),
        body: body === undefined ? undefined : JSON.stringify(body),
        credentials: "same-origin",
        cache: "no-store",
        signal: controller.signal,
      });
    } catch (error) {
      throw new NetworkError(error.message || "network");
    } finally {
      clearTimeout(timer);
    }
    let data = null;
    try {
      data = await response.json();
    } catch (error) {
      data = null;
    }
    if (response.status >= 500 || response.status === 429) throw new NetworkError(`HTTP ${response.status}`);
    if (!response.ok) {
      const error = new ApiError(response.status, data && data.error);
      // A page kept by the service worker may carry the CSRF token of an older session: fetch a fresh one.
      if (error.reason === "csrf" && !retried && (await this.refreshCsrf())) {
        return this.request(method, path, body, { timeout, retried: true });
      }
      throw error;
    }
    if (data === null) throw new NetworkError("not JSON"); // a captive portal's page, say
    return data;
  }

  async refreshCsrf() {
    try {
      const response = await fetch(this.pageUrl, { credentials: "same-origin", cache: "no-store" });
      const html = await response.text();
      const match = /<meta name="csrf-token" content="([^"]+)"/.exec(html);
      if (!match) return false;
      this.csrf = match[1];
      return true;
    } catch (error) {
      return false;
    }
  }

  checkIn(scan, timeout) {
    return this.request("POST", `/events/${this.eventId}/checkins`, scanBody(scan), { timeout });
  }

  checkInBatch(scans) {
    return this.request("POST", `/events/${this.eventId}/checkins/batch`, { checkins: scans.map(scanBody) },
      { timeout: 30000 });
  }

  undo(checkinId) {
    return this.request("DELETE", `/checkins/${checkinId}`);
  }

  checkinList() {
    return this.request("GET", `/events/${this.eventId}/checkin-list`, undefined, { timeout: 30000 });
  }

  stats() {
    return this.request("GET", `/events/${this.eventId}/stats`);
  }

  roomCheckIn(roomId, body, timeout) {
    return this.request("POST", `/events/${this.eventId}/rooms/${roomId}/checkins`, body, { timeout });
  }

  roomStats(roomId) {
    return this.request("GET", `/events/${this.eventId}/rooms/${roomId}/stats`);
  }

  search(query) {
    return this.request("GET", `/events/${this.eventId}/checkin-search?q=${encodeURIComponent(query)}`);
  }
}

function scanBody(scan) {
  const body = { client_scan_id: scan.client_scan_id, scanned_at: scan.scanned_at };
  if (scan.rsvp_id) body.rsvp_id = scan.rsvp_id; // admitted by name: the door never holds that code
  else body.code = scan.code;
  if (scan.guests !== undefined && scan.guests !== null) body.guests = scan.guests;
  return body;
}
