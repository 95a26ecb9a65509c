"""Documents linked to a case (IPAB forms, MOUs, Post replies): kept inline or by path, always with sha256."""

from __future__ import annotations

import hashlib
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from ipa.store import audit
from ipa.store._once import case_by_ref, once
from ipa.store.schema import Document


class DocumentChanged(ValueError):
    """A file on disk no longer matches the hash recorded when it was attached."""


def attach_document(
    s: Session,
    request_id: str,
    *,
    name: str,
    media_type: str,
    op_key: str,
    actor: str,
    content: bytes | None = None,
    path: Path | None = None,
) -> Document:
    """Attach bytes (stored in the database) or a file (stored by path, hashed now)."""
    if content is not None and path is None:
        data = content
    elif path is not None and content is None:
        data = Path(path).read_bytes()
    else:
        raise ValueError("give exactly one of content or path")
    case = case_by_ref(s, request_id)

    def build() -> Document:
        return Document(
            case_id=case.id,
            op_key=str(op_key),
            name=name,
            media_type=media_type,
            sha256=hashlib.sha256(data).hexdigest(),
            size=len(data),
            path=str(path) if path is not None else None,
            content=content,
        )

    row, created = once(s, Document, str(op_key), build)
    if created:
        audit.append(
            s,
            action="document.attached",
            actor=actor,
            request_id=request_id,
            detail={"name": name, "mediaType": media_type, "sha256": row.sha256, "size": row.size},
        )
    return row


def read_document(doc: Document) -> bytes:
    """The document's bytes, checked against the recorded sha256."""
    data = doc.content if doc.content is not None else Path(doc.path or "").read_bytes()
    if hashlib.sha256(data).hexdigest() != doc.sha256:
        raise DocumentChanged(f"document {doc.id} ({doc.name}) does not match its recorded sha256")
    return data


def documents_for(s: Session, request_id: str) -> list[Document]:
    case = case_by_ref(s, request_id)
    return list(s.scalars(select(Document).where(Document.case_id == case.id).order_by(Document.id)))
