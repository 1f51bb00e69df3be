"""The framework's own cost: FastAPI's hello-world (an async route, as in its tutorial) with
the same path shape as the verification route, answering a small dict."""

from __future__ import annotations

from fastapi import FastAPI

app = FastAPI()


@app.get("/api/v1/verify/{code}")
async def verify(code: str) -> dict[str, str]:
    return {"status": "VALID", "code": code}
