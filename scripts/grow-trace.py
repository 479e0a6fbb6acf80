#!/usr/bin/env python3
"""Makes a big trace from a recorded run: its events repeated COPIES times,
each copy after the last in time, with fresh sequence numbers, call ids
and message numbers, so the result reads as one long run.

    scripts/grow-trace.py RECORDED.jsonl COPIES > BIG.jsonl

Each rank's `finished` event (with its event count) comes once, at the
end; the run's ending record last.
"""
import json
import sys
from collections import defaultdict


def main(path, copies):
    with open(path) as f:
        header = f.readline()
        events = [json.loads(line) for line in f if line.strip()]
    ending = [e for e in events if "run_ended" in e["event"]]
    body = [e for e in events if "run_ended" not in e["event"]]
    finished = [e for e in body if "finished" in e["event"]]
    body = [e for e in body if "finished" not in e["event"]]
    per_rank = defaultdict(int)
    ids = defaultdict(int)
    kinds = defaultdict(int)
    for e in body:
        per_rank[e["rank"]] += 1
        ids[e["rank"]] = max(ids[e["rank"]], call_id(e) + 1)
        for m in messages(e):
            kinds[key(m)] = max(kinds[key(m)], m["k"] + 1)
    span = max(e["t"] for e in body)
    out = sys.stdout
    out.write(header)
    for c in range(copies):
        for e in body:
            out.write(json.dumps(shifted(e, c, per_rank, ids, kinds, span)) + "\n")
    for e in finished:
        e["seq"] = copies * per_rank[e["rank"]]
        e["t"] += (copies - 1) * span
        e["event"]["finished"]["events"] = copies * per_rank[e["rank"]] + 1
        out.write(json.dumps(e) + "\n")
    for e in ending:
        e["t"] += (copies - 1) * span
        out.write(json.dumps(e) + "\n")


def shifted(e, c, per_rank, ids, kinds, span):
    e = json.loads(json.dumps(e))
    e["seq"] += c * per_rank[e["rank"]]
    e["t"] += c * span
    for part in ("begin", "end"):
        if part in e["event"] and "id" in e["event"][part]:
            e["event"][part]["id"] += c * ids[e["rank"]]
    for m in messages(e):
        m["k"] += c * kinds[key(m)]
    return e


def call_id(e):
    for part in ("begin", "end"):
        if part in e["event"] and "id" in e["event"][part]:
            return e["event"][part]["id"]
    return -1


def messages(e):
    """The message numbers a call carries: a send's, a receive's."""
    begin = e["event"].get("begin") or {}
    found = [(begin.get("send") or {}).get("msg")]
    end = e["event"].get("end") or {}
    found += [r.get("msg") for r in end.get("received") or []]
    return [m for m in found if isinstance(m, dict)]


def key(m):
    return (m["from"], m["to"], m["tag"], m["comm"])


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
