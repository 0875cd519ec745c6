from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Enum, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from meetups.accounts.models import Member
from meetups.extensions import db


class CommunityRole(enum.StrEnum):
    member = "member"
    organiser = "organiser"


class Community(db.Model):
    __tablename__ = "communities"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(50), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(Text, default="")
    #: the accent colour on pages and badges, "#rrggbb"
    color: Mapped[str] = mapped_column(String(7), default="#3b5bdb")
    created_at: Mapped[datetime]
    #: who founded it (the "founded a community" achievement)
    founded_by_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))

    memberships: Mapped[list[Membership]] = relationship(back_populates="community", passive_deletes=True)

    def __repr__(self) -> str:
        return f"<Community {self.slug}>"


class Membership(db.Model):
    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("community_id", "member_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    role: Mapped[CommunityRole] = mapped_column(Enum(CommunityRole, native_enum=False, length=16))
    joined_at: Mapped[datetime]

    community: Mapped[Community] = relationship(back_populates="memberships")
    member: Mapped[Member] = relationship()
