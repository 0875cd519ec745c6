import re, logging
from sqlalchemy import select
from meetups.accounts.models import Member

def test_dbg_b(client, session, now, outbox):
    r = client.post("/signup", data={"name": "Ada", "email": "ada@example.com", "password": "analytical engine"})
    print("=== GET /me")
    client.get("/me")
    link = re.search(r"https?://\S+", outbox[0].body).group(0).removeprefix("http://meetups.test")
    print("=== verify")
    r = client.get(link)
    assert r.status_code == 302, r.text
