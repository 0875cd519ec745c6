from __future__ import annotations

import enum
import hashlib
from datetime import datetime

from sqlalchemy import Enum, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from meetups.extensions import db


class Visibility(enum.StrEnum):
    """Who sees a member's profile and attendance."""

    public = "public"  # anyone
    communities = "communities"  # members of a community they belong to (the default)
    private = "private"  # only themselves


class Member(db.Model):
    __tablename__ = "members"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: stored lower-cased, so one address is one account
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    pronouns: Mapped[str] = mapped_column(String(40), default="")
    bio: Mapped[str] = mapped_column(Text, default="")
    #: scrypt hash (werkzeug); empty for members imported without a password until they reset it
    password_hash: Mapped[str] = mapped_column(String(255), default="")
    is_admin: Mapped[bool] = mapped_column(default=False)
    locale: Mapped[str] = mapped_column(String(8), default="")
    email_verified_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    profile_visibility: Mapped[Visibility] = mapped_column(
        Enum(Visibility, native_enum=False, length=16, validate_strings=True), default=Visibility.communities
    )
    #: whether their name appears in the "who's going" list of an event page (organisers always see them)
    show_in_attendee_lists: Mapped[bool] = mapped_column(default=True)
    #: whether they appear on their communities' leaderboards
    show_on_leaderboards: Mapped[bool] = mapped_column(default=True)

    tokens: Mapped[list[ApiToken]] = relationship(
        back_populates="member", cascade="all, delete-orphan", passive_deletes=True
    )

    def __repr__(self) -> str:
        return f"<Member {self.id} {self.email}>"

    # What Flask-Login asks of the user it keeps (its UserMixin, without importing the web layer here);
    # a member who is not logged in is Flask-Login's AnonymousUserMixin instead.
    is_authenticated = True
    is_active = True
    is_anonymous = False

    def get_id(self) -> str:
        """The session id carries a fingerprint of the password: changing it logs out every other session."""
        return f"{self.id}:{hashlib.sha256(self.password_hash.encode()).hexdigest()[:12]}"

    @property
    def initials(self) -> str:
        """The avatar: up to two letters from the name, in any script."""
        parts = [p for p in self.name.split() if p[:1].isalnum()]
        letters = "".join(p[0] for p in parts[:2]) or self.name[:1] or "?"
        return letters.upper()

    @property
    def is_email_verified(self) -> bool:
        return self.email_verified_at is not None


class ApiToken(db.Model):
    """A personal token for the JSON API; only its SHA-256 is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(60))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    #: the first characters of the token, so members can tell their tokens apart
    prefix: Mapped[str] = mapped_column(String(12))
    created_at: Mapped[datetime]
    last_used_at: Mapped[datetime | None]

    member: Mapped[Member] = relationship(back_populates="tokens")
