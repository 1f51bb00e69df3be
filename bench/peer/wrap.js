#!/usr/bin/env node
// Peer baseline of bench/backfill.py: OpenAttestation's wrapDocuments on N degree documents.
//
//     node bench/peer/wrap.js DOCUMENTS.jsonl
//
// DOCUMENTS is one OpenAttestation v2 document (raw, not yet wrapped) per line, or one JSON
// array of them. All of them go to a single wrapDocuments call, as an issuer wraps one batch:
// each document is salted and hashed field by field, then a Merkle tree is built over the
// batch and every document gets its proof. Nothing is signed. Reading and parsing the file
// and a warm-up call on the first 100 documents are not timed; the one call on all of them
// is. Prints one JSON line:
//
//     {"documents": N, "seconds": S, "documents_per_second": R, ...}
"use strict";

const fs = require("node:fs");
const { performance } = require("node:perf_hooks");
const oa = require("@govtechsg/open-attestation");
const { version } = require("@govtechsg/open-attestation/package.json");

function readDocuments(path) {
  const text = fs.readFileSync(path, "utf8").trim();
  if (text.startsWith("[")) {
    return JSON.parse(text);
  }
  return text
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => JSON.parse(line));
}

function main() {
  const path = process.argv[2];
  if (!path) {
    process.stderr.write("usage: node wrap.js DOCUMENTS.jsonl\n");
    process.exit(2);
  }
  const documents = readDocuments(path);
  if (documents.length === 0) {
    process.stderr.write(`${path}: no documents\n`);
    process.exit(2);
  }
  // Warm-up, not timed: the schema validator is compiled on first use and the JIT warms up,
  // so the timed call measures wrapping alone.
  oa.wrapDocuments(documents.slice(0, 100), { version: oa.SchemaId.v2 });
  const started = performance.now();
  const wrapped = oa.wrapDocuments(documents, { version: oa.SchemaId.v2 });
  const seconds = (performance.now() - started) / 1000;
  // Outside the timing: what was made is what OpenAttestation itself accepts.
  const root = wrapped[0].signature.merkleRoot;
  const sameRoot = wrapped.every((doc) => doc.signature.merkleRoot === root);
  const last = wrapped[wrapped.length - 1];
  if (
    wrapped.length !== documents.length ||
    !sameRoot ||
    !oa.utils.isWrappedV2Document(last) ||
    !oa.verifySignature(last)
  ) {
    process.stderr.write("wrapDocuments gave documents that do not verify\n");
    process.exit(1);
  }
  process.stdout.write(
    JSON.stringify({
      peer: "OpenAttestation wrapDocuments",
      package: `@govtechsg/open-attestation@${version}`,
      node: process.version,
      documents: wrapped.length,
      seconds: Number(seconds.toFixed(3)),
      documents_per_second: Number((wrapped.length / seconds).toFixed(1)),
      merkle_root: root,
    }) + "\n",
  );
}

main();
