"""Two requests making one ticket's QR at once (the badge preview and the PDF): the second finds no row, then
inserts after the first did; it reads the first's row instead of failing on the key."""

from meetups.rsvps import tickets
from meetups.rsvps.models import TicketQr


def test_a_qr_made_meanwhile_by_another_request_is_read_not_inserted_twice(session, site, now, monkeypatch):
    code = tickets.new_code()
    first = tickets.get_qr(session, code, site=site, now=now)
    session.flush()
    real_get = type(session).get
    missed = []

    def stale_get(self, model, key, *args, **kwargs):
        if model is TicketQr and not missed:  # this request looked before the other one's row existed
            missed.append(key)
            return None
        return real_get(self, model, key, *args, **kwargs)

    monkeypatch.setattr(type(session), "get", stale_get)
    again = tickets.get_qr(session, code, site=site, now=now)
    assert missed == [code] and again.png == first.png
    assert session.query(TicketQr).filter_by(code=code).count() == 1
