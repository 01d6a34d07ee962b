"""Access links: only the hash of each token is stored (``harvest.access`` makes and
checks the tokens)."""

from __future__ import annotations

import sqlalchemy as sa

from harvest.model import ROLES
from harvest.store.database import Database
from harvest.store.errors import LinkExists
from harvest.store.records import Link, link_of, links_t, utc_now
from harvest.store.workshops import load_workshop, table_id_of

__all__ = ["LinkStore"]

class LinkStore(Database):
    """Access links by token hash."""

    def save_link(
        self, workshop_id: int, role: str, token_hash: str, *, table_id: int | None = None
    ) -> Link:
        """Store an access link's token hash (unique). Links do not bump the revision:
        they change who may see the board, not what it shows."""
        if role not in ROLES:
            raise ValueError(f"role must be one of {', '.join(ROLES)}, not {role!r}")
        with self._write() as conn:
            load_workshop(conn, workshop_id)
            if table_id is not None:
                table_id_of(conn, workshop_id, table_id, create=False)
            if conn.execute(
                sa.select(links_t.c.id).where(links_t.c.token_hash == token_hash)
            ).first():
                raise LinkExists("A link with this token is already stored.")
            link_id = conn.execute(
                links_t.insert()
                .values(
                    workshop_id=workshop_id,
                    role=role,
                    table_id=table_id,
                    token_hash=token_hash,
                    created_at=utc_now(),
                    revoked=False,
                )
                .returning(links_t.c.id)
            ).scalar_one()
            return link_of(conn.execute(sa.select(links_t).where(links_t.c.id == link_id)).one())

    def find_link(self, token_hash: str) -> Link | None:
        """The link with this token hash, revoked or not (check ``revoked``), or None."""
        with self._read() as conn:
            row = conn.execute(
                sa.select(links_t).where(links_t.c.token_hash == token_hash)
            ).one_or_none()
            return None if row is None else link_of(row)

    def revoke_links(self, workshop_id: int, role: str | None = None) -> int:
        """Revoke the workshop's links (of one role, or all); return how many."""
        query = sa.update(links_t).where(
            links_t.c.workshop_id == workshop_id, links_t.c.revoked == sa.false()
        )
        if role is not None:
            query = query.where(links_t.c.role == role)
        with self._write() as conn:
            return int(conn.execute(query.values(revoked=True)).rowcount)

    def links(self, workshop_id: int) -> list[Link]:
        """The workshop's links, revoked ones too, oldest first."""
        with self._read() as conn:
            rows = conn.execute(
                sa.select(links_t)
                .where(links_t.c.workshop_id == workshop_id)
                .order_by(links_t.c.id)
            )
            return [link_of(row) for row in rows]
