"""Tap targets on a phone (360 px): every control is at least 24 × 24 px (WCAG 2.5.8; links inside a sentence
are exempt), and the primary action of the event page is at least 44 px tall and visible without scrolling."""

from __future__ import annotations

import pytest

from meetups.demo import LOGINS

pytestmark = pytest.mark.browser

SMALL_TARGETS = """() => {
  const small = [];
  for (const el of document.querySelectorAll(
      'a, button, input:not([type=hidden]), select, textarea, summary, [role=button]')) {
    const box = el.getBoundingClientRect(), style = getComputedStyle(el);
    if (!box.width || !box.height || style.visibility === 'hidden') continue;
    if (el.tagName === 'A' && style.display === 'inline' && !el.classList.contains('button')) continue;
    if (box.width < 24 || box.height < 24) {
      small.push(`${el.tagName.toLowerCase()} "${(el.textContent || el.name || '').trim().slice(0, 40)}" ` +
                 `${Math.round(box.width)}x${Math.round(box.height)}`);
    }
  }
  return small;
}"""
PAGES = ["/", "/c/berlin-py", "/e/1", "/me", "/me/mail", "/login", "/signup"]


def _log_in(page, url: str, role: str) -> None:
    email, password = next((e, p) for r, e, p, _name in LOGINS if r == role)
    page.goto(f"{url}/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", password)
    page.press("input[name=password]", "Enter")
    page.wait_for_load_state()


def test_every_control_is_big_enough_to_tap(live_server, phone):
    url, _app = live_server
    _log_in(phone, url, "member")
    found = {}
    for path in PAGES:
        phone.goto(url + path)
        if small := phone.evaluate(SMALL_TARGETS):
            found[path] = small
    assert found == {}


def test_the_event_pages_primary_action_is_big_and_above_the_fold(live_server, phone):
    url, _app = live_server
    phone.goto(f"{url}/e/1")
    action = phone.locator(".rsvp-box form button, .rsvp-box a.button").first
    box = action.bounding_box()
    assert box is not None and box["height"] >= 44
    assert box["y"] + box["height"] <= 740, "the RSVP action is below the fold"
