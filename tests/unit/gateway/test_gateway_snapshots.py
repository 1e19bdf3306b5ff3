"""Snapshot storage at the gateway: an image is stored only whole and with its hash, receipts follow the commit,
hostile chunks cost only themselves, and retention deletes old images and says so in the audit log."""

from __future__ import annotations

import hashlib

from gateway.metrics import Metrics
from gateway.snapshot_ingest import SnapshotIngest, expire
from gateway.store import Store
from hlidka_contract import uuid7
from hlidka_contract.snapshots import MAX_CHUNK_DATA, parse_chunk, parse_snapshot_ack, split

T0 = 1_780_000_000.0
JPEG = bytes(range(256)) * (MAX_CHUNK_DATA // 128)  # two chunks and a bit


def test_an_image_is_stored_once_whole_and_only_with_its_hash(store: Store) -> None:
    sid = uuid7(T0)
    chunks = [parse_chunk(c) for c in split(sid, JPEG)]
    assert [store.add_snapshot_chunk("a1", c, T0) for c in chunks] == [False] * (len(chunks) - 1) + [True]
    assert store.snapshot(sid) == ("a1", JPEG, T0)
    assert store.add_snapshot_chunk("a1", chunks[0], T0 + 1)  # a resend after a lost receipt: stored already
    assert store.snapshot(sid) == ("a1", JPEG, T0)


def test_retention_deletes_old_images_and_writes_the_deletion_to_the_audit_log(store: Store) -> None:
    old, new = uuid7(T0), uuid7(T0 + 1)
    for sid, at in ((old, T0), (new, T0 + 40 * 86400)):
        for chunk in split(sid, JPEG):
            store.add_snapshot_chunk("a1", parse_chunk(chunk), at)
    assert expire(store, 30, T0 + 40 * 86400) == [old]
    assert store.snapshot(old) is None and store.snapshot(new) is not None
    [entry] = [a for a in store.audit(0, 100) if a.action == "snapshots_deleted"]
    assert old in entry.detail and "30 days" in entry.detail
    assert expire(store, 30, T0 + 40 * 86400) == []


def test_the_receipt_goes_out_after_the_commit_and_bad_chunks_cost_only_themselves(store: Store) -> None:
    sent: list[tuple[str, bytes]] = []
    ingest = SnapshotIngest("s1", store, lambda t, p: sent.append((t, p)), Metrics(), lambda: T0)
    sid = uuid7(T0)
    good = split(sid, JPEG)
    tampered = bytearray(good[-1])
    tampered[-1] ^= 0xFF
    assert not ingest.handle("hlidka/v1/s1/a1/snapshot", b"not a chunk")
    assert not ingest.handle("hlidka/v1/other-site/a1/snapshot", good[0])
    for chunk in good[:-1]:
        assert not ingest.handle("hlidka/v1/s1/a1/snapshot", chunk)
    assert sent == []
    assert not ingest.handle("hlidka/v1/s1/a1/snapshot", bytes(tampered))  # the hash does not add up
    assert store.snapshot(sid) is None and sent == []
    assert ingest.handle("hlidka/v1/s1/a1/snapshot", good[-1])
    [(topic, payload)] = sent
    ack = parse_snapshot_ack(payload)
    assert topic == "hlidka/v1/s1/a1/snapshot_ack" and ack.ids == (sid,) and ack.agent == "a1"
    found = store.snapshot(sid)
    assert found is not None and hashlib.sha256(found[1]).digest() == hashlib.sha256(JPEG).digest()
