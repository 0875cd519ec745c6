// Parses an iCalendar feed from stdin with ical.js (an independent parser) and prints what calendar apps would
// see as JSON: the calendar's properties and, per event, its fields with start and end as UTC instants that
// ical.js worked out from the feed's own VTIMEZONEs. Run with TZ=UTC so floating times would stand out.
import ICAL from "ical.js";

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const calendar = new ICAL.Component(ICAL.parse(Buffer.concat(chunks).toString("utf8")));

const zoneOf = (time) => (time.zone ? time.zone.tzid : null);
const text = (component, name) => {
  const value = component.getFirstPropertyValue(name);
  return value === null ? null : String(value);
};

const events = calendar.getAllSubcomponents("vevent").map((component) => {
  const event = new ICAL.Event(component);
  const organizer = component.getFirstProperty("organizer");
  return {
    uid: event.uid,
    summary: event.summary,
    status: text(component, "status"),
    sequence: event.sequence,
    start: event.startDate.toJSDate().toISOString(),
    end: event.endDate.toJSDate().toISOString(),
    tz: zoneOf(event.startDate),
    tzid: component.getFirstProperty("dtstart").getParameter("tzid") || null,
    location: event.location,
    description: event.description,
    url: text(component, "url"),
    organizer: organizer ? { cn: organizer.getParameter("cn"), value: organizer.getFirstValue() } : null,
    dtstamp: text(component, "dtstamp"),
    lastModified: text(component, "last-modified"),
    transp: text(component, "transp"),
    attendees: component.getAllProperties("attendee").map((property) => ({
      value: property.getFirstValue(),
      partstat: property.getParameter("partstat") || null,
    })),
    alarms: component.getAllSubcomponents("valarm").map((alarm) => ({
      action: text(alarm, "action"),
      trigger: text(alarm, "trigger"),
    })),
  };
});

const timezones = calendar.getAllSubcomponents("vtimezone").map((zone) => ({
  tzid: text(zone, "tzid"),
  rdates: zone.getAllSubcomponents().flatMap((part) => part.getAllProperties("rdate")).length,
}));

process.stdout.write(JSON.stringify({
  calname: text(calendar, "x-wr-calname"),
  timezone: text(calendar, "x-wr-timezone"),
  method: text(calendar, "method"),
  prodid: text(calendar, "prodid"),
  refresh: text(calendar, "refresh-interval"),
  ttl: text(calendar, "x-published-ttl"),
  timezones,
  events,
}));
