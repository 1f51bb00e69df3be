"""The peer of bench/backfill.py: OpenAttestation's ``wrapDocuments`` on the same people.

    .venv/bin/python bench/peer_openattestation.py [--documents 20000] [--seed 7]

OpenAttestation (npm ``@govtechsg/open-attestation``, pinned in bench/peer/package.json and
its lock file) is a national framework for verifiable certificates. Its ``wrapDocuments``
salts and hashes every field of each document and builds one Merkle tree over the batch; it
signs nothing (an issuer then publishes or signs the root). The benchmark compares it with
the import, which validates, signs and stores every record.

The documents are made from the first N rows of ``sehat synth`` with the seed of the Sehat
file, so both sides process the same people: one OpenAttestation v2 document per row
(schema 2.0, an embedded-renderer ``$template``, the institution as issuer with a document
store and a DNS-TXT identity proof, the graduate as recipient, the degree's fields beside).
Empty cells are left out, and a transcript's courses go in as the one text the row carries:
a document of its own courses would give OpenAttestation more fields to salt and hash. The
peer is measured at its fastest.

The npm package is installed into bench/peer/node_modules the first time the benchmark runs
(``npm ci`` from the committed lock file), never when the project is installed or imported.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import subprocess
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sehat.reference.loader import load_reference
from sehat.reference.models import Reference
from sehat.synth import iter_records

PEER_DIR = Path(__file__).resolve().parent / "peer"
PACKAGE = "@govtechsg/open-attestation"
INSTALL_TIMEOUT = 600  # seconds
TEMPLATE = {
    "name": "SEHAT_DEGREE",
    "type": "EMBEDDED_RENDERER",
    "url": "https://renderer.sehat.example",
}


class PeerUnavailable(RuntimeError):
    """The peer could not run here: no node or npm, or the npm registry out of reach."""


@dataclass(frozen=True)
class PeerResult:
    documents: int
    seconds: float
    rate: float  # documents/s
    package: str  # name@version actually run
    node: str  # Node.js version


def _document_store(institution: str) -> str:
    """A stand-in Ethereum address of the institution's document store (20 bytes, hex)."""
    return "0x" + hashlib.sha256(f"sehat-document-store:{institution}".encode()).hexdigest()[:40]


def _present(values: dict[str, str]) -> dict[str, str]:
    return {key: value for key, value in values.items() if value}


def degree_documents(
    reference: Reference, records: Iterable[dict[str, str]]
) -> Iterator[dict[str, Any]]:
    """One raw (not yet wrapped) OpenAttestation v2 document per synthetic record."""
    for row in records:
        institution = reference.institutions[row["institution"]]
        kind = reference.kinds[int(row["kind"])]
        field = reference.fields[row["field_code"]]
        document: dict[str, Any] = {
            "id": "-".join(
                part
                for part in (
                    row["institution"],
                    row["student_number"],
                    row["kind"],
                    row["seminary_level"],
                )
                if part
            ),
            "$template": TEMPLATE,
            "issuers": [
                {
                    "name": institution.name_en,
                    "documentStore": _document_store(institution.code),
                    "identityProof": {
                        "type": "DNS-TXT",
                        "location": f"i{institution.code}.sehat.example",
                    },
                }
            ],
            "recipient": _present(
                {
                    "name": f"{row['first_name_latin']} {row['last_name_latin']}".strip(),
                    "nameFa": f"{row['first_name']} {row['last_name']}",
                    "fatherNameFa": row["father_name"],
                    "nationalId": row["national_id"],
                    "birthDate": row["birth_date"],
                    "gender": row["gender"],
                }
            ),
            "degree": _present(
                {
                    "kind": kind.name_en,
                    "kindFa": kind.name_fa,
                    "seminaryLevel": row["seminary_level"],
                    "fieldCode": field.code,
                    "field": field.name_en,
                    "fieldFa": row["field_name"],
                    "programType": row["program_type"],
                    "institutionCode": institution.code,
                    "institutionFa": institution.name_fa,
                    "studentNumber": row["student_number"],
                    "entryDate": row["entry_date"],
                    "graduationDate": row["graduation_date"],
                    "gpa": row["gpa"],
                }
            ),
        }
        if row["courses"]:
            document["transcript"] = {"courses": row["courses"]}
        yield document


def write_documents(path: Path, reference: Reference, count: int, seed: int) -> int:
    """Write the first ``count`` records of ``sehat synth`` (``seed``) as JSON lines."""
    written = 0
    with open(path, "w", encoding="utf-8") as out:
        for document in degree_documents(reference, iter_records(reference, count, seed)):
            out.write(json.dumps(document, ensure_ascii=False, separators=(",", ":")) + "\n")
            written += 1
    return written


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise PeerUnavailable(f"`{name}` is not installed (Node.js 18 or later is needed)")
    return found


def _pinned_version(peer_dir: Path) -> str:
    manifest = json.loads((peer_dir / "package.json").read_text(encoding="utf-8"))
    return str(manifest["dependencies"][PACKAGE])


def _installed_version(peer_dir: Path) -> str | None:
    manifest = peer_dir / "node_modules" / PACKAGE / "package.json"
    if not manifest.is_file():
        return None
    return str(json.loads(manifest.read_text(encoding="utf-8"))["version"])


def ensure_installed(peer_dir: Path = PEER_DIR) -> str:
    """Install the pinned package into ``peer_dir``/node_modules if missing; its version."""
    _tool("node")
    pinned = _pinned_version(peer_dir)
    installed = _installed_version(peer_dir)
    if installed == pinned:
        return installed
    npm = _tool("npm")
    # The committed lock file makes the install reproducible; `npm ci` follows it exactly.
    verb = "ci" if (peer_dir / "package-lock.json").is_file() else "install"
    command = [npm, verb, "--no-audit", "--no-fund", "--loglevel=error"]
    print(f"peer: installing {PACKAGE}@{pinned} into {peer_dir}/node_modules (npm {verb}) …")
    try:
        subprocess.run(
            command,
            cwd=peer_dir,
            check=True,
            capture_output=True,
            text=True,
            timeout=INSTALL_TIMEOUT,
        )
    except subprocess.TimeoutExpired as exc:
        raise PeerUnavailable(
            f"`npm {verb}` in {peer_dir} gave no answer in {INSTALL_TIMEOUT} s "
            "(is the npm registry reachable?)"
        ) from exc
    except subprocess.CalledProcessError as exc:
        lines = [line.removeprefix("npm error").strip() for line in exc.stderr.splitlines()]
        said = " | ".join([line for line in lines if line][:4])
        raise PeerUnavailable(
            f"`npm {verb}` in {peer_dir} failed (is the npm registry reachable?): {said}"
        ) from exc
    installed = _installed_version(peer_dir)
    if installed != pinned:
        raise PeerUnavailable(f"npm installed {PACKAGE} {installed}, not the pinned {pinned}")
    return installed


def run_peer(
    reference: Reference, count: int, seed: int, folder: Path, peer_dir: Path = PEER_DIR
) -> PeerResult:
    """``wrapDocuments`` on ``count`` degree documents made from ``sehat synth`` (``seed``)."""
    ensure_installed(peer_dir)
    source = folder / "peer-documents.jsonl"
    write_documents(source, reference, count, seed)
    try:
        done = subprocess.run(
            [_tool("node"), str(peer_dir / "wrap.js"), str(source)],
            cwd=peer_dir,
            check=True,
            capture_output=True,
            text=True,
        )
    except subprocess.CalledProcessError as exc:
        raise PeerUnavailable(f"bench/peer/wrap.js failed: {exc.stderr.strip()}") from exc
    finally:
        source.unlink(missing_ok=True)
    answer = json.loads(done.stdout.strip().splitlines()[-1])
    return PeerResult(
        documents=int(answer["documents"]),
        seconds=float(answer["seconds"]),
        rate=float(answer["documents_per_second"]),
        package=str(answer["package"]),
        node=str(answer["node"]),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=7, help="as bench/backfill.py")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="sehat-peer-") as tmp:
        try:
            result = run_peer(load_reference(), args.documents, args.seed, Path(tmp))
        except PeerUnavailable as exc:
            raise SystemExit(f"peer: not measured: {exc}") from None
    print(
        f"peer: OpenAttestation wrapDocuments ({result.package}, node {result.node}), "
        f"{result.documents:,} documents: "
        f"{result.seconds:.1f} s, {result.rate:,.0f} docs/s"
    )


if __name__ == "__main__":
    main()
