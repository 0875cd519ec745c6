/* Meetups: small enhancements on top of pages that work without JavaScript.
   - <time datetime data-zone>: add "(19:00 your time)" when the reader's clock differs from the event's zone
   - <button data-copy="text or field id" data-copied="Copied">: copy to the clipboard and say so
   - <span class="countdown" data-deadline>: how long a held seat stays held
   - <form data-confirm="question">: ask before submitting
   - [data-focus] (an error summary): takes the focus on load, so it is read out and in view */
(function () {
  "use strict";

  // The page's language, in the reader's regional flavour when they have one (en-GB writes "Sun 2 Jun")
  var lang = (function () {
    var page = document.documentElement.lang || "";
    var mine = (navigator.languages || [navigator.language || ""]).filter(function (tag) {
      return tag && (!page || tag.split("-")[0] === page.split("-")[0]);
    });
    return mine[0] || page || undefined;
  })();

  function readerZone() {
    try {
      return Intl.DateTimeFormat().resolvedOptions().timeZone;
    } catch (e) {
      return null;
    }
  }

  function formatter(zone, withDay) {
    var options = { hour: "2-digit", minute: "2-digit", hourCycle: "h23", timeZone: zone };
    if (withDay) {
      options.weekday = "short";
      options.day = "numeric";
      options.month = "short";
    }
    return new Intl.DateTimeFormat(lang, options);
  }

  function dayOf(at, zone) {
    return new Intl.DateTimeFormat("en-CA", { timeZone: zone, year: "numeric", month: "2-digit", day: "2-digit" })
      .format(at);
  }

  function addLocalTime(el, here) {
    var zone = el.getAttribute("data-zone");
    var at = new Date(el.getAttribute("datetime"));
    if (!zone || zone === here || isNaN(at.getTime())) return;
    var there, mine;
    try {
      there = formatter(zone, true).format(at);
      mine = formatter(here, true).format(at);
    } catch (e) {
      return; // a zone this browser does not know: say nothing rather than something wrong
    }
    if (there === mine) return; // another name for the same clock (Paris and Berlin)
    var text = dayOf(at, zone) === dayOf(at, here) ? formatter(here, false).format(at) : mine;
    var template = el.getAttribute("data-your-time") || "(%s your time)";
    var note = document.createElement("span");
    note.className = "local-time";
    note.textContent = " " + template.replace("%s", text);
    var after = el.nextElementSibling && el.nextElementSibling.classList.contains("zone") ? el.nextElementSibling : el;
    after.insertAdjacentElement("afterend", note);
  }

  function localTimes() {
    var here = readerZone();
    if (!here) return;
    document.querySelectorAll("time[datetime][data-zone]").forEach(function (el) {
      addLocalTime(el, here);
    });
  }

  function fallbackCopy(text) {
    var area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.style.position = "fixed";
    area.style.opacity = "0";
    document.body.appendChild(area);
    area.select();
    var ok = false;
    try {
      ok = document.execCommand("copy");
    } catch (e) {
      ok = false;
    }
    document.body.removeChild(area);
    return ok ? Promise.resolve() : Promise.reject(new Error("copy failed"));
  }

  function announce(message) {
    var live = document.getElementById("copy-status");
    if (!live) {
      live = document.createElement("p");
      live.id = "copy-status";
      live.className = "visually-hidden";
      live.setAttribute("role", "status");
      document.body.appendChild(live);
    }
    live.textContent = message;
  }

  // data-copy holds the text itself, or the id of a field whose value to copy (which is then selected)
  function copiedText(button) {
    var value = button.getAttribute("data-copy");
    var source = value && document.getElementById(value);
    if (!source) return value;
    if (source.select) source.select();
    return source.value !== undefined ? source.value : source.textContent;
  }

  function onCopy(event) {
    var button = event.target.closest("[data-copy]");
    if (!button) return;
    event.preventDefault();
    var text = copiedText(button);
    var copy = navigator.clipboard && window.isSecureContext
      ? navigator.clipboard.writeText(text).catch(function () { return fallbackCopy(text); })
      : fallbackCopy(text);
    copy.then(function () {
      var done = button.getAttribute("data-copied") || "Copied";
      if (!button.hasAttribute("data-label")) button.setAttribute("data-label", button.textContent);
      button.textContent = done;
      announce(done);
      window.setTimeout(function () { button.textContent = button.getAttribute("data-label"); }, 2500);
    }, function () {
      window.prompt(button.getAttribute("data-copy-prompt") || "", text);
    });
  }

  // <span class="countdown" data-deadline="ISO time">: "in 3 hours", in the page's language
  function countdowns() {
    var spans = document.querySelectorAll(".countdown[data-deadline]");
    if (!spans.length || !window.Intl || !Intl.RelativeTimeFormat) return;
    var words = new Intl.RelativeTimeFormat(lang, { numeric: "auto" });
    function tick() {
      spans.forEach(function (span) {
        var left = (new Date(span.getAttribute("data-deadline")).getTime() - Date.now()) / 60000;
        if (isNaN(left) || left <= 0) {
          span.textContent = "";
          return;
        }
        var text = left < 90 ? words.format(Math.ceil(left), "minute")
          : left < 48 * 60 ? words.format(Math.round(left / 60), "hour")
          : words.format(Math.round(left / 1440), "day");
        if (span.textContent !== "(" + text + ")") span.textContent = "(" + text + ")";
      });
    }
    tick();
    window.setInterval(tick, 60000);
  }

  function onSubmit(event) {
    var form = event.target;
    var question = form.getAttribute && form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) event.preventDefault();
  }

  function start() {
    localTimes();
    countdowns();
    var summary = document.querySelector("[data-focus]");
    if (summary) summary.focus();
    document.addEventListener("click", onCopy);
    document.addEventListener("submit", onSubmit);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();

// Live check-in numbers on the organiser dashboard: [data-live-stats] holds the stats URL.
(function () {
  const box = document.querySelector("[data-live-stats]");
  if (!box) return;
  const list = document.querySelector("[data-stat-list=arrivals]");
  const timeFormat = new Intl.DateTimeFormat(document.documentElement.lang || undefined,
    { hour: "2-digit", minute: "2-digit" });
  async function refresh() {
    try {
      const response = await fetch(box.dataset.liveStats, { credentials: "same-origin" });
      if (!response.ok) return;
      const stats = await response.json();
      box.querySelector("[data-stat=checked_in]").textContent = stats.checked_in;
      box.querySelector("[data-stat=expected]").textContent = stats.expected;
      if (list) {
        const peak = Math.max(1, ...stats.arrivals.map((a) => a.people));
        list.replaceChildren(...stats.arrivals.slice(-12).map((a) => {
          const item = document.createElement("li");
          item.textContent = `${timeFormat.format(new Date(a.from))} · ${a.people}`;
          item.style.setProperty("--share", (a.people / peak).toFixed(2));
          return item;
        }));
      }
    } catch (_error) {
      // offline for a moment: the next round tries again
    }
  }
  refresh();
  setInterval(refresh, 10000);
})();
