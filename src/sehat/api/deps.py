"""Typed FastAPI dependencies: the parts of the app's :class:`~sehat.api.runtime.Runtime` a
route needs (the engine, settings, reference data, keys) and the caller."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import sqlalchemy as sa
from fastapi import Depends, Request

from sehat.api.runtime import runtime
from sehat.config import Settings
from sehat.errors import AuthenticationError
from sehat.keystore import KeyStore
from sehat.reference.models import Reference
from sehat.services.access_log import AccessBuffer
from sehat.services.accounts import authenticate
from sehat.services.evidence import Evidence
from sehat.services.principal import Principal


def get_engine(request: Request) -> sa.Engine:
    """The app's database engine."""
    return runtime(request).engine


def get_settings(request: Request) -> Settings:
    """The settings the app was built with."""
    return runtime(request).settings


def get_reference(request: Request) -> Reference:
    """The reference data loaded at start-up."""
    return runtime(request).reference


def get_keystore(request: Request) -> KeyStore:
    """The signing key store."""
    return runtime(request).keystore


def get_evidence(request: Request) -> Evidence:
    """Signing and logging of document versions."""
    return runtime(request).evidence


def get_access_buffer(request: Request) -> AccessBuffer:
    """Public-tier accesses waiting to be written to the access log."""
    return runtime(request).access_buffer


def client_address(request: Request) -> str | None:
    """The caller's network address as the server sees it (the socket's peer)."""
    return request.client.host if request.client else None


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization")
    if not header:
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise AuthenticationError(
            "the Authorization header must be `Bearer <token>`",
            "سرآیند Authorization باید به شکل `Bearer <token>` باشد",
        )
    return token.strip()


def get_optional_principal(request: Request) -> Principal | None:
    """The caller when a bearer token is given (401 for a bad one), else None (the public)."""
    token = _bearer(request)
    if token is None:
        return None
    # Looked up on every request, never cached: a revoked token stops at once.
    with get_engine(request).connect() as conn:
        return authenticate(conn, token, datetime.now(UTC))


def get_principal(request: Request) -> Principal:
    """The caller; 401 without a bearer token."""
    principal = get_optional_principal(request)
    if principal is None:
        raise AuthenticationError(
            "this endpoint needs a bearer token: Authorization: Bearer <token>",
            "این درخواست توکن لازم دارد: Authorization: Bearer <token>",
        )
    return principal


EngineDep = Annotated[sa.Engine, Depends(get_engine)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
ReferenceDep = Annotated[Reference, Depends(get_reference)]
KeyStoreDep = Annotated[KeyStore, Depends(get_keystore)]
EvidenceDep = Annotated[Evidence, Depends(get_evidence)]
AccessBufferDep = Annotated[AccessBuffer, Depends(get_access_buffer)]
PrincipalDep = Annotated[Principal, Depends(get_principal)]
OptionalPrincipalDep = Annotated[Principal | None, Depends(get_optional_principal)]
