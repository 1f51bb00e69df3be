"""Transparency log: append rate and proof times at 10M leaves (DESIGN §9: proofs ≤ 1 ms).

Appends leaf hashes in batches to ``InMemoryNodes`` (what the database adapter stores, kept
in memory), then times random inclusion and consistency proofs against the full tree and
checks each one verifies. Baseline, same run: raw ``hashlib`` SHA-256 on 32-byte inputs.
Each proof is timed by the wall clock and by this thread's CPU clock: on a shared machine a
rare wall-clock outlier is the scheduler, which the CPU clock leaves out.

    .venv/bin/python bench/log.py               # 10,000,000 leaves
    .venv/bin/python bench/log.py --leaves 100000
"""

from __future__ import annotations

import argparse
import hashlib
import random
import resource
import statistics
import time
from collections.abc import Callable

from sehat.core import merkle


def sha256_rate(count: int) -> float:
    """Raw SHA-256 digests per second on 32-byte inputs."""
    sha256, data = hashlib.sha256, bytes(32)
    start = time.perf_counter()
    for _ in range(count):
        sha256(data).digest()
    return count / (time.perf_counter() - start)


def append(store: merkle.InMemoryNodes, leaves: int, batch: int) -> tuple[float, float]:
    """Append ``leaves`` leaves; return (seconds appending and storing, seconds leaf hashing)."""
    appending = hashing = 0.0
    for first in range(0, leaves, batch):
        t0 = time.perf_counter()
        leaf_hashes = [
            merkle.leaf_hash(i.to_bytes(8, "big")) for i in range(first, min(first + batch, leaves))
        ]
        t1 = time.perf_counter()
        store.write(merkle.append_leaves(leaf_hashes, store.size, store))
        t2 = time.perf_counter()
        hashing += t1 - t0
        appending += t2 - t1
    return appending, hashing


Prover = Callable[[int, int, merkle.NodeReader], list[bytes]]


def _timed(
    prove: Prover, a: int, b: int, store: merkle.NodeReader
) -> tuple[list[bytes], float, float]:
    """Run ``prove(a, b, store)``; return the proof, wall-clock ms and this thread's CPU ms."""
    wall, cpu = time.perf_counter_ns(), time.thread_time_ns()
    result = prove(a, b, store)
    return result, (time.perf_counter_ns() - wall) / 1e6, (time.thread_time_ns() - cpu) / 1e6


def time_proofs(
    store: merkle.InMemoryNodes, size: int, count: int, rng: random.Random
) -> dict[str, tuple[list[float], list[float]]]:
    """Wall-clock and CPU ms per inclusion and consistency proof (to ``size``), each verified."""
    root = merkle.root(size, store)
    times: dict[str, tuple[list[float], list[float]]] = {
        "inclusion": ([], []),
        "consistency": ([], []),
    }
    for _ in range(count):
        index = rng.randrange(size)
        proof, wall, cpu = _timed(merkle.inclusion_proof, index, size, store)
        times["inclusion"][0].append(wall)
        times["inclusion"][1].append(cpu)
        merkle.verify_inclusion(store.node(0, index), index, size, proof, root)
    for _ in range(count):
        first = rng.randrange(1, size) if size > 1 else 1
        proof, wall, cpu = _timed(merkle.consistency_proof, first, size, store)
        times["consistency"][0].append(wall)
        times["consistency"][1].append(cpu)
        merkle.verify_consistency(first, size, proof, merkle.root(first, store), root)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leaves", type=int, default=10_000_000)
    parser.add_argument("--proofs", type=int, default=10_000)
    parser.add_argument("--batch", type=int, default=65_536)
    parser.add_argument("--seed", type=int, default=9162)
    args = parser.parse_args()

    baseline = sha256_rate(2_000_000)
    print(f"baseline  raw hashlib SHA-256, 32-byte input: {baseline:,.0f} hashes/s")

    store = merkle.InMemoryNodes()
    appending, hashing = append(store, args.leaves, args.batch)
    rate = args.leaves / appending
    print(
        f"append    {args.leaves:,} leaves in batches of {args.batch:,}: {rate:,.0f} leaves/s "
        f"({appending:.1f} s; leaf hashing {args.leaves / hashing:,.0f} leaves/s apart)"
    )
    print(f"          ratio append / raw SHA-256 = {rate / baseline:.2f}")

    times = time_proofs(store, args.leaves, args.proofs, random.Random(args.seed))
    for name, (wall, cpu) in times.items():
        p99, p999 = (statistics.quantiles(wall, n=1000)[i] for i in (989, 998))
        slow = sum(t > 1.0 for t in wall)
        verdict = "meets" if max(cpu) <= 1.0 and p999 <= 1.0 else "MISSES"
        print(
            f"{name:<11} proof at {args.leaves:,} leaves, {len(wall):,} random: "
            f"mean {statistics.fmean(wall):.3f} ms, p99 {p99:.3f} ms, p99.9 {p999:.3f} ms, "
            f"worst {max(wall):.3f} ms wall ({slow} over 1 ms) / {max(cpu):.3f} ms CPU "
            f"({verdict} the 1 ms target)"
        )
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"memory    peak RSS {rss:,.0f} MB (32 bytes per stored node, ~2 nodes per leaf)")


if __name__ == "__main__":
    main()
