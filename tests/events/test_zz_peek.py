from tests.events.test_event_organiser_views import *  # noqa
def test_peek(client, session, now, login, organiser, event):
    login(organiser)
    page = client.post(f"/e/{event.id}/cancel", data={"reason": "x" * 501})
    import re
    print(page.text[page.text.index("<main"):])
