"""The SIA DC-09 codec against golden frames, an independent CRC and AES."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from gateway.upstream.sia_codec import (
    Message,
    SiaFrameError,
    UnreportableEvent,
    Where,
    ack_frame,
    crc16_arc,
    decode_frame,
    encode_frame,
    event_to_message,
    nak_frame,
    next_seq,
    null_message,
    padding,
    parse_response,
)
from gateway.upstream.sia_text import transliterate
from hlidka_contract import Event, EventType, make_event, uuid7

TS = datetime(2024, 3, 5, 7, 8, 9, tzinfo=UTC)
KEY16 = bytes(range(16))
WHERE = Where("ZŠ Žižkova", "Budova 1", "Vchod A", "Vrátnice", 12)


def zeros(n: int) -> bytes:
    return bytes(n)


def event(event_type: EventType, data: dict[str, Any], **extensions: Any) -> Event:
    return make_event(
        event_type,
        data,
        id=uuid7(TS.timestamp(), bytes(10)),
        time=TS,
        site="zs-zizkova",
        agent="vchod-a",
        seq=1,
        bootid=uuid7(TS.timestamp(), b"\x01" * 10),
        **extensions,
    )


# ---- CRC, sequence, time ---------------------------------------------------------------


def test_crc16_arc_check_value() -> None:
    assert crc16_arc(b"123456789") == 0xBB3D
    assert crc16_arc(b"") == 0


def test_crc_agrees_with_pysiaalarm() -> None:
    event_module = pytest.importorskip("pysiaalarm.event")
    body = '"SIA-DCS"0001R0L0#1234[#1234|Nri1/HA012]_07:08:09,03-05-2024'
    assert f"{crc16_arc(body.encode()):04X}" == event_module.BaseEvent._crc_calc(body)


def test_seq_wraps_from_9999_to_1() -> None:
    assert next_seq(0) == 1
    assert next_seq(1) == 2
    assert next_seq(9999) == 1


def test_timestamp_is_utc_and_naive_time_is_refused() -> None:
    prague = TS.astimezone(__import__("zoneinfo").ZoneInfo("Europe/Prague"))
    assert encode_frame(null_message(), seq=1, account="1234", timestamp=prague).endswith(b"_07:08:09,03-05-2024\r")
    with pytest.raises(SiaFrameError):
        encode_frame(null_message(), seq=1, account="1234", timestamp=datetime(2024, 3, 5))


# ---- golden frames ---------------------------------------------------------------------


def test_golden_sia_dcs_without_extended_data() -> None:
    frame = encode_frame(Message("SIA-DCS", "Nri1/HA012"), seq=1, account="1234", timestamp=TS)
    assert frame == b'\n2515003C"SIA-DCS"0001R0L0#1234[#1234|Nri1/HA012]_07:08:09,03-05-2024\r'


def test_golden_sia_dcs_with_extended_data() -> None:
    message = Message(
        "SIA-DCS",
        "Nri1/HA012",
        (("R", "Vrátnice"), ("L", "Vchod A"), ("O", "Budova 1"), ("S", "ZŠ Žižkova"), ("I", "Silent panic")),
    )
    assert encode_frame(message, seq=1, account="1234", timestamp=TS) == (
        b'\n35FB0078"SIA-DCS"0001R0L0#1234[#1234|Nri1/HA012]'
        b"[RVratnice][LVchod A][OBudova 1][SZS Zizkova][ISilent panic]_07:08:09,03-05-2024\r"
    )


def test_golden_adm_cid_with_receiver_line_and_letters_in_account() -> None:
    frame = encode_frame(
        Message("ADM-CID", "1122 01 012"), seq=42, account="abc123", timestamp=TS, receiver=0x12, line=3
    )
    assert frame == b'\n5B340042"ADM-CID"0042R12L3#ABC123[#ABC123|1122 01 012]_07:08:09,03-05-2024\r'


def test_golden_adm_cid_with_extended_data() -> None:
    frame = encode_frame(
        Message("ADM-CID", "1122 01 012", (("R", "Vratnice"),)), seq=9999, account="1234", timestamp=TS
    )
    assert frame == b'\nEEE60048"ADM-CID"9999R0L0#1234[#1234|1122 01 012][RVratnice]_07:08:09,03-05-2024\r'


def test_golden_null() -> None:
    frame = encode_frame(null_message(), seq=7, account="1234", timestamp=TS)
    assert frame == b'\nBBAE0029"NULL"0007R0L0#1234[]_07:08:09,03-05-2024\r'


def test_golden_encrypted_null_decrypts_with_plain_aes() -> None:
    frame = encode_frame(null_message(), seq=7, account="1234", timestamp=TS, key=KEY16, random_bytes=zeros)
    assert frame.startswith(b'\n002D0055"*NULL"0007R0L0#1234[')
    hex_part = frame[frame.index(b"[") + 1 : -1]
    decryptor = Cipher(algorithms.AES(KEY16), modes.CBC(bytes(16))).decryptor()
    plain = decryptor.update(bytes.fromhex(hex_part.decode())) + decryptor.finalize()
    # 22 characters of content: 10 pad characters make 32, two AES blocks.
    assert plain == b"AAAAAAAAAA|]_07:08:09,03-05-2024"


@pytest.mark.parametrize("key", [bytes(range(16)), bytes(range(24)), bytes(range(32))])
def test_encryption_round_trip_with_every_key_size(key: bytes) -> None:
    message = Message("SIA-DCS", "Nri1/HA012", (("R", "Vratnice"), ("I", "Silent panic")))
    frame = encode_frame(message, seq=3, account="1234", timestamp=TS, key=key, random_bytes=zeros)
    decoded = decode_frame(frame, key)
    assert decoded.encrypted
    assert (decoded.kind, decoded.seq, decoded.account) == ("SIA-DCS", 3, "1234")
    assert (decoded.data, decoded.xdata, decoded.timestamp) == (message.data, message.xdata, TS)


def test_padding_never_holds_delimiters_whatever_the_random_bytes() -> None:
    pad = padding(256, lambda n: bytes(range(n)))
    assert len(pad) == 256
    assert not set(pad) & set("[]|")


def test_wrong_key_sizes_and_bad_accounts_are_refused() -> None:
    with pytest.raises(SiaFrameError):
        encode_frame(null_message(), seq=1, account="1234", timestamp=TS, key=b"short")
    for account in ("12", "12345678901234567", "12G4"):
        with pytest.raises(SiaFrameError):
            encode_frame(null_message(), seq=1, account=account, timestamp=TS)
    for seq in (0, 10000):
        with pytest.raises(SiaFrameError):
            encode_frame(null_message(), seq=seq, account="1234", timestamp=TS)


# ---- responses -------------------------------------------------------------------------


def test_parse_ack_echoes_seq_receiver_line_account() -> None:
    response = parse_response(ack_frame(42, "1234", "R12", "L3"))
    assert (response.kind, response.seq, response.receiver, response.line) == ("ACK", 42, "12", "3")
    assert (response.account, response.timestamp) == ("1234", None)


def test_parse_nak_gives_the_receivers_clock() -> None:
    receiver_time = TS + timedelta(hours=1)
    response = parse_response(nak_frame(receiver_time))
    assert (response.kind, response.seq, response.timestamp) == ("NAK", 0, receiver_time)


def test_parse_pysiaalarm_responses() -> None:
    # As pysiaalarm writes them: its format-error NAK lists L before R and says A0.
    nak = parse_response(b'\n09690025"NAK"0000L0R0A0[]_19:53:48,11-21-2026\r')
    assert (nak.kind, nak.line, nak.receiver, nak.account) == ("NAK", "0", "0", "0")
    assert nak.timestamp == datetime(2026, 11, 21, 19, 53, 48, tzinfo=UTC)
    duh = parse_response(b"\n" + _with_crc('"DUH"0005R0L0#1234[]'))
    assert (duh.kind, duh.seq) == ("DUH", 5)


def test_parse_encrypted_ack_reads_its_timestamp() -> None:
    # pysiaalarm's encrypted ACK: zero-filled "]_timestamp", no "|".
    plain = b"0000000000000]_07:08:09,03-05-2024"
    plain = b"0" * (48 - len(plain)) + plain
    encryptor = Cipher(algorithms.AES(KEY16), modes.CBC(bytes(16))).encryptor()
    hex_part = (encryptor.update(plain) + encryptor.finalize()).hex().upper()
    response = parse_response(b"\n" + _with_crc(f'"*ACK"0001R0L0#1234[{hex_part}'), KEY16)
    assert (response.kind, response.seq, response.timestamp) == ("ACK", 1, TS)


def _with_crc(body: str) -> bytes:
    raw = body.encode()
    return f"{crc16_arc(raw):04X}{len(raw):04X}".encode() + raw + b"\r"


def test_bad_crc_length_and_garbage_are_frame_errors() -> None:
    good = ack_frame(1, "1234")
    with pytest.raises(SiaFrameError, match="CRC"):
        parse_response(b"\n0000" + good[5:])
    with pytest.raises(SiaFrameError, match="length"):
        parse_response(good[:5] + b"0FFF" + good[9:])
    for garbage in (b"", b"\n\r", b"hello\r"):
        with pytest.raises(SiaFrameError):
            parse_response(garbage)


def test_length_in_decimal_is_accepted() -> None:
    body = '"ACK"0001R0L0#1234[]'
    raw = f"{crc16_arc(body.encode()):04X}{len(body):04d}{body}".encode()
    assert len(body) == 20 and parse_response(raw).kind == "ACK"


# ---- transliteration -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "ascii_text"),
    [
        ("Vrátnice, Žižkova 3, učebna ř", "Vratnice, Zizkova 3, ucebna r"),
        ("Kůň úpěl ďábelské ódy", "Kun upel dabelske ody"),
        ("PŘÍZEMÍ – ŠATNY „B“", 'PRIZEMI - SATNY "B"'),
        ("Sál [2] | vchod", "Sal 2 vchod"),
        ("Łódź Straße", "Lodz Strasse"),
        ("tab\there\nnewline", "tab here newline"),
        ("🏫 škola", "skola"),
    ],
)
def test_transliteration(text: str, ascii_text: str) -> None:
    assert transliterate(text) == ascii_text


def test_transliteration_cuts_to_the_limit() -> None:
    assert transliterate("Učebna " * 20, 10) == "Ucebna Uce"


# ---- events to messages ----------------------------------------------------------------


def test_silent_panic_is_ha_with_the_zone_and_every_place_name() -> None:
    message = event_to_message(event(EventType.PANIC_PRESSED, {"button": "b1"}), WHERE)
    assert message == Message(
        "SIA-DCS",
        "Nri1/HA012",
        (
            ("R", "Vrátnice"),
            ("L", "Vchod A"),
            ("O", "Budova 1"),
            ("S", "ZŠ Žižkova"),
            ("I", "Silent panic / hold-up"),
        ),
    )


def test_adm_cid_panic_and_its_restore() -> None:
    pressed = event_to_message(event(EventType.PANIC_PRESSED, {"button": "b1"}), WHERE, fmt="ADM-CID")
    assert (pressed.kind, pressed.data, pressed.xdata) == ("ADM-CID", "1122 01 012", (("R", "Vrátnice"),))
    reset = event(EventType.PANIC_RESET, {"button": "b1", "by": "Novak"})
    message = event_to_message(reset, WHERE, fmt="ADM-CID", adm_xdata_blocks=None)
    assert message.data == "3122 01 012"
    assert message.xdata[-1] == ("I", "Silent panic / hold-up restore")


def test_codes_without_contact_id_go_as_sia_dcs_on_an_adm_cid_link() -> None:
    held = event(EventType.DOOR_HELD_OPEN, {"door": "d1", "held_s": 60})
    message = event_to_message(held, WHERE, fmt="ADM-CID")
    assert (message.kind, message.data) == ("SIA-DCS", "Nri1/DL012")
    assert len(message.xdata) == 5


def test_duress_puts_the_user_in_the_contact_id_zone() -> None:
    duress = event(EventType.DURESS_ALARM, {"input": "k1", "user": 7})
    assert event_to_message(duress, WHERE, fmt="ADM-CID").data == "1121 01 007"
    assert event_to_message(duress, WHERE).data == "Nri1/HA012"


def test_drills_become_test_reports() -> None:
    drilled = event(EventType.PANIC_PRESSED, {"button": "b1"}, drill=True)
    sia = event_to_message(drilled, WHERE)
    assert sia.data == "Nri1/RX012"
    assert sia.xdata[-1] == ("I", "DRILL/TEST Silent panic / hold-up")
    assert event_to_message(drilled, WHERE, fmt="ADM-CID").data == "1601 01 012"


def test_escalated_and_historical_events() -> None:
    queued = event(EventType.DOOR_FORCED, {"door": "d1"}, historical=True)
    message = event_to_message(queued, Where("Skola", None, None, None, 3), escalated=True)
    assert message.data == "Nri1/DF003"
    assert message.xdata == (("S", "Skola"), ("I", "ESCALATED Door forced"), ("H", "07:08:09,03-05-2024"))
    frame = encode_frame(message, seq=1, account="1234", timestamp=TS + timedelta(minutes=5))
    assert b"[H07:08:09,03-05-2024]_07:13:09,03-05-2024\r" in frame


def test_plain_facts_are_not_reportable() -> None:
    with pytest.raises(UnreportableEvent):
        event_to_message(event(EventType.DOOR_OPENED, {"door": "d1"}), WHERE)


def test_zone_must_be_1_to_999() -> None:
    for zone in (0, 1000):
        with pytest.raises(ValueError, match="zone"):
            Where("Skola", None, None, None, zone)
