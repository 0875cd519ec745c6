// What the volunteer sees: the full-screen answer, the sync banner, the numbers, the search results and
// what a sync found. Text goes in with textContent only: names come from members.
import { signal } from "./feedback.js";
import { t, timeIn, tn } from "./i18n.js";

const SHOW_MS = { good: 1500, warn: 3000, bad: 3000 };
const ICON = { good: "✓", warn: "!", bad: "✕" };
const UNCONFIRMED = { waitlisted: "status_waitlisted", pending: "status_pending", offered: "status_offered" };

const $ = (id) => document.getElementById(id);

export class Ui {
  constructor(config) {
    this.zone = config.timezone;
    this.timer = null;
    this.onDismiss = () => {};
    this.soundOn = true;
  }

  time(iso) {
    return timeIn(this.zone, iso);
  }

  /** The answer as the door needs it: a colour (with a word and an icon, never colour alone) and a line. */
  describe(answer) {
    if (answer.room) return this.describeRoom(answer);
    const who = answer.attendee ? answer.attendee.name : "";
    switch (answer.result) {
      case "ok": {
        const guests = answer.guests_entering ?? (answer.attendee ? answer.attendee.guests_admitted : 0);
        const title = t("welcome", { name: who }) + (guests > 0 ? " " + tn("guests", guests) : "");
        return { kind: "good", title, detail: (answer.attendee && answer.attendee.pronouns) || "" };
      }
      case "already_checked_in": {
        const at = this.time(answer.checked_in_at);
        const by = answer.checked_in_by || (answer.duplicate && answer.duplicate.by) || "";
        return { kind: "warn", title: by ? t("already_by", { time: at, who: by }) : t("already", { time: at }), detail: who };
      }
      case "wrong_event":
        return { kind: "bad", title: t("wrong_event"), detail: answer.event ? answer.event.title : "" };
      case "not_confirmed": {
        const status = answer.attendee && UNCONFIRMED[answer.attendee.status];
        return { kind: "bad", title: t(status || "not_confirmed"), detail: who };
      }
      case "cancelled":
        return { kind: "bad", title: t("cancelled"), detail: who };
      case "not_open_yet":
        return { kind: "bad", title: t("not_open_yet"), detail: t("opens_at", { time: this.time(answer.opens_at) }) };
      case "unknown_ticket":
        return { kind: "bad", title: t("unknown"), detail: answer.local ? t("unknown_local") : "" };
      default:
        return { kind: "bad", title: t("error"), detail: answer.message || "" };
    }
  }

  /** A room's answer: the person, and the session it counted for with the room's count beneath. */
  describeRoom(answer) {
    const who = answer.attendee ? answer.attendee.name : "";
    const session = answer.session ? answer.session.title : "";
    const note = [session, this.roomCount(answer.checked_in, answer.capacity, answer.room.name)]
      .filter(Boolean).join(" · ");
    switch (answer.result) {
      case "ok":
        return { kind: "good", title: t("welcome", { name: who }), detail: session,
          note: this.roomCount(answer.checked_in, answer.capacity, answer.room.name) };
      case "already_checked_in":
        return { kind: "warn", title: t("room_already", { time: this.time(answer.checked_in_at) }), detail: who, note };
      case "not_registered":
        return { kind: "bad", title: t("not_registered"), detail: who, note };
      case "session_cancelled":
        return { kind: "bad", title: t("session_cancelled"), detail: session, note: t("room_cancelled_note") };
      case "no_session_now":
        return { kind: "bad", title: t("no_session_now"), detail: t("room_nothing", { room: answer.room.name }),
          note: answer.next ? t("room_next", { title: answer.next.title, time: this.time(answer.next.starts_at) }) : "" };
      case "room_offline":
        return { kind: "bad", title: t("room_offline"), detail: t("room_offline_detail"), note: "" };
      case "error":
        return { kind: "bad", title: t("error"), detail: answer.message || "", note: "" };
      default: {
        const view = this.describe({ ...answer, room: null });
        return { ...view, note };
      }
    }
  }

  roomCount(count, capacity, room) {
    if (count === undefined || count === null) return "";
    return capacity === null || capacity === undefined
      ? t("room_count", { count, room })
      : t("room_count_of", { count, capacity, room });
  }

  answer(answer, door) {
    const view = this.describe(answer);
    const box = $("answer");
    box.className = `answer answer-${view.kind}`;
    box.dataset.result = answer.result;
    $("answer-icon").textContent = ICON[view.kind];
    $("answer-title").textContent = view.title;
    $("answer-detail").textContent = view.detail;
    $("answer-note").textContent = view.note ?? (answer.local ? t("decided_here") : "");
    $("answer-undo").hidden = answer.result !== "ok" || Boolean(answer.room); // a room scan has no undo
    box.hidden = false;
    signal(view.kind, { sound: this.soundOn });
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.dismiss(), SHOW_MS[view.kind]);
    this.lastResult(answer, view, door);
  }

  dismiss() {
    clearTimeout(this.timer);
    $("answer").hidden = true;
    this.onDismiss();
  }

  lastResult(answer, view) {
    const strip = $("last-result");
    strip.hidden = false;
    strip.className = `last-result last-${view.kind}`;
    $("last-text").textContent = `${ICON[view.kind]} ${view.title}${view.detail ? " · " + view.detail : ""}`;
    $("last-undo").hidden = answer.result !== "ok" || Boolean(answer.room);
    const person = answer.attendee;
    $("last-guest").hidden = !(answer.result === "ok" && !answer.local && !answer.room && person &&
      person.guests > person.guests_admitted);
    const reprint = $("last-reprint");
    if (reprint) {
      const rsvpId = answer.attendee && answer.attendee.rsvp_id;
      reprint.hidden = !(answer.result === "ok" && rsvpId && !answer.local && !answer.room);
      if (rsvpId) reprint.href = reprint.dataset.url.replace("RSVP_ID", String(rsvpId));
    }
  }

  undone(last) {
    const name = last.attendee ? last.attendee.name : "";
    $("last-text").textContent = t("undone", { name });
    $("last-result").className = "last-result last-undone";
    $("last-undo").hidden = true;
    $("answer-undo").hidden = true;
    if ($("last-reprint")) $("last-reprint").hidden = true;
    $("last-guest").hidden = true;
    if (!$("answer").hidden) {
      $("answer-title").textContent = t("undone", { name });
      $("answer").className = "answer answer-undone";
    }
  }

  problem(message) {
    const box = $("scanner-problem");
    box.textContent = message;
    box.hidden = !message;
  }

  banner(door) {
    const box = $("scanner-banner");
    let text = "";
    let kind = "warn";
    if (!door.online && door.inRoom) {
      text = t("room_offline_banner");
      kind = "bad";
    } else if (!door.online) {
      text = door.queueCount ? tn("waiting_offline", door.queueCount) : t("offline");
      if (!door.book.size) text += " " + t("no_list");
    } else if (door.queueCount) {
      text = tn("waiting_online", door.queueCount);
      kind = "info";
    } else if (door.degraded) {
      text = t("slow_network");
    }
    box.textContent = text;
    box.className = `scanner-banner banner-${kind}`;
    box.hidden = !text;
  }

  /** The picked room now: its session (or what is next), people in, capacity, workshop seats taken. */
  roomNow(rooms) {
    const card = $("room-now");
    if (!card) return;
    const room = rooms.current;
    document.body.dataset.scanning = room ? "room" : "entrance";
    card.hidden = !room;
    if (!room) return;
    const stats = rooms.stats;
    const session = stats && stats.session;
    $("room-now-title").textContent = room.name;
    let line = "";
    if (session) {
      line = t("room_starts", { title: session.title, start: this.time(session.starts_at), end: this.time(session.ends_at) });
      if (session.status === "cancelled") line += " — " + t("room_cancelled_note");
    } else if (stats) {
      line = t("room_nothing", { room: room.name });
      if (stats.next) line += " " + t("room_next", { title: stats.next.title, time: this.time(stats.next.starts_at) });
    }
    $("room-session").textContent = line;
    const capacity = stats ? stats.capacity : null;
    $("room-in").textContent = stats && session ? String(stats.checked_in) : "–";
    $("room-of").textContent = capacity === null || capacity === undefined
      ? t("room_in") : t("room_of", { capacity });
    $("room-registered").textContent = stats && stats.registered !== null && stats.registered !== undefined
      ? t("room_registered", { count: stats.registered }) : "";
  }

  list(door) {
    const parts = [tn("list_size", door.book.size)];
    if (door.book.generatedAt) parts.push(t("list_updated", { time: this.time(door.book.generatedAt) }));
    $("list-state").textContent = parts.join(" · ");
  }

  stats(door) {
    const stats = door.stats;
    $("stats-in").textContent = stats ? String(stats.checked_in) : "–";
    $("stats-expected").textContent = stats ? String(stats.expected) : "–";
    $("stats-pending").textContent = door.pendingHere ? tn("pending_here", door.pendingHere) : "";
    const list = $("stats-arrivals");
    const arrivals = stats ? stats.arrivals.slice(-8) : [];
    const most = Math.max(1, ...arrivals.map((bucket) => bucket.people));
    list.replaceChildren(...arrivals.map((bucket) => {
      const item = document.createElement("li");
      const label = document.createElement("span");
      label.className = "arrivals-time";
      label.textContent = this.time(bucket.from);
      const bar = document.createElement("span");
      bar.className = "arrivals-bar";
      bar.style.setProperty("--share", `${Math.round((bucket.people / most) * 100)}%`);
      const count = document.createElement("span");
      count.className = "arrivals-count";
      count.textContent = String(bucket.people);
      item.append(label, bar, count);
      return item;
    }));
    $("stats-empty").hidden = arrivals.length > 0;
  }

  conflicts(door) {
    const box = $("conflicts");
    box.hidden = door.conflicts.length === 0;
    $("conflicts-list").replaceChildren(...door.conflicts.map(({ name, text }) => {
      const item = document.createElement("li");
      const strong = document.createElement("strong");
      strong.textContent = name;
      item.append(strong, " — ", text);
      return item;
    }));
  }

  /** Search results: one tap checks in; people who cannot be admitted show why instead of a button. */
  searchResults(people, { onPick, door }) {
    const list = $("search-results");
    $("search-empty").hidden = people === null || people.length > 0;
    list.replaceChildren(...(people || []).map((person) => {
      const item = document.createElement("li");
      item.className = "search-person";
      const name = document.createElement("span");
      name.className = "search-name";
      name.textContent = person.name;
      if (person.guests) name.append(" ", tn("guests", person.guests));
      item.append(name);
      const [, ticket] = door.book.findByRsvp(person.rsvp_id);
      if (ticket && ticket.checked_in_at) {
        const note = document.createElement("span");
        note.className = "badge badge-going";
        note.textContent = t("checked_in_at", { time: this.time(ticket.checked_in_at) });
        item.append(note);
      }
      if (person.status === "going") {
        const button = document.createElement("button");
        button.type = "button";
        button.className = "button small";
        button.textContent = t("check_in");
        button.addEventListener("click", () => onPick(person));
        item.append(button);
      } else {
        const badge = document.createElement("span");
        badge.className = `badge badge-${person.status}`;
        badge.textContent = t(`status_${person.status}`);
        item.append(badge);
      }
      return item;
    }));
  }
}
