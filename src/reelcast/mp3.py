"""One MP3 stream from parts encoded side by side.

LAME encodes on one thread, so an episode encoded as one stream takes one core however many the
machine has. Encoded as parts that start in the pauses between paragraphs, the parts can run at
once, and their frames then simply follow one another: every part begins with a frame that needs
no earlier one (its bit reservoir starts empty), so the joined frames are one valid stream. Only
the first frame, LAME's Info header (frame count, size, seek table, encoder delay and padding,
CRCs), must describe the whole: it is the first part's, rewritten here as ffmpeg writes it.

A part's decoded audio fills whole frames: LAME puts its 576 samples of delay before the audio
and pads after it. A part whose audio is 576 samples short of whole frames gets exactly one frame
of padding, so the next part's audio is heard PART_GAP samples after the last one's ends, and
the encoder takes that much out of the pause it starts in: the joined episode is as long as the
audio handed in, sample for sample, and every chapter starts where it was planned.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from reelcast.errors import AudioError

FRAME_SAMPLES = 1152  # MPEG-1 Layer III
ENCODER_DELAY = 576  # what LAME puts before the audio
# Between one part's last sample and the next part's first: its one frame of padding and the
# next part's delay. A part other than the last is cut so that its padding is exactly one frame.
PART_GAP = FRAME_SAMPLES + ENCODER_DELAY

_BITRATES_KBPS = (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320)  # MPEG-1 Layer III
_SAMPLE_RATES = (44100, 48000, 32000)
_INFO_AT = 4 + 17  # the frame header, then a mono frame's side information
_TOC_SIZE = 100
_TOC_BAGS = 400  # ffmpeg's, for the seek table
_DELAY_PADDING_AT = _INFO_AT + 141
_MUSIC_LENGTH_AT = _INFO_AT + 148
_MUSIC_CRC_AT = _INFO_AT + 152
_TAG_CRC_AT = _INFO_AT + 154
_TAG_CRC_SPAN = 190  # the bytes of the Info frame its CRC covers


class Unjoinable(AudioError):
    """The parts were not framed as joining needs (an ffmpeg whose LAME pads otherwise)."""


def part_frames(samples: int) -> int:
    """How many samples of a part's audio (at the encoder's output rate) make it end 576 short of
    whole frames, the first such count at or after `samples`."""
    return samples + (-(samples + ENCODER_DELAY)) % FRAME_SAMPLES


@dataclass(frozen=True, slots=True)
class Part:
    """An encoded part, as its Info header describes it."""

    path: Path
    header: bytes  # the Info frame
    frames: int  # audio frames, after the Info frame
    delay: int
    padding: int
    music_crc: int  # CRC-16 of the audio frames


def read_part(path: Path) -> Part:
    """The Info header of the MP3 ffmpeg wrote at `path` (no ID3 tag before it)."""
    with path.open("rb") as f:
        head = f.read(4)
        size = _frame_size(head)
        frame = head + f.read(size - 4)
    if len(frame) < _TAG_CRC_AT + 2 or frame[_INFO_AT : _INFO_AT + 4] != b"Info":
        raise AudioError(f"{path.name} does not start with a CBR Info header")
    delay_padding = int.from_bytes(frame[_DELAY_PADDING_AT : _DELAY_PADDING_AT + 3], "big")
    music_crc = int.from_bytes(frame[_MUSIC_CRC_AT : _MUSIC_CRC_AT + 2], "big")
    return Part(path, frame, _be32(frame, _INFO_AT + 8), delay_padding >> 12, delay_padding & 0xFFF, music_crc)


def join(parts: Sequence[Path], out: Path) -> None:
    """Write the parts' frames one after another to `out`, under the first part's Info header
    rewritten for the whole. Every part but the last must have been cut with part_frames()."""
    read = [read_part(path) for path in parts]
    for part in read[:-1]:
        if part.padding != FRAME_SAMPLES or part.delay != ENCODER_DELAY:
            raise Unjoinable(f"a part was encoded with {part.delay} samples of delay and {part.padding} of padding, "
                             f"not {ENCODER_DELAY} and {FRAME_SAMPLES}: it cannot be joined")
    header = bytearray(read[0].header)
    frame_sizes: list[int] = []
    music_crc = 0
    with out.open("wb") as sink:
        sink.write(header)  # for now: it is rewritten once every frame is counted
        for part in read:
            with part.path.open("rb") as source:
                source.seek(len(part.header))
                frames = source.read()
            frame_sizes += _frame_sizes(frames, part)
            music_crc = crc16_combine(music_crc, part.music_crc, len(frames))
            sink.write(frames)
        total = len(header) + sum(frame_sizes)
        header[_INFO_AT + 8 : _INFO_AT + 16] = len(frame_sizes).to_bytes(4, "big") + total.to_bytes(4, "big")
        header[_INFO_AT + 16 : _INFO_AT + 16 + _TOC_SIZE] = _seek_table(len(header), frame_sizes)
        delay_padding = (read[0].delay << 12) | read[-1].padding
        header[_DELAY_PADDING_AT : _DELAY_PADDING_AT + 3] = delay_padding.to_bytes(3, "big")
        header[_MUSIC_LENGTH_AT : _MUSIC_LENGTH_AT + 4] = total.to_bytes(4, "big")
        header[_MUSIC_CRC_AT : _MUSIC_CRC_AT + 2] = music_crc.to_bytes(2, "big")
        header[_TAG_CRC_AT : _TAG_CRC_AT + 2] = b"\0\0"  # as ffmpeg does: the CRC is taken with its own field zero
        header[_TAG_CRC_AT : _TAG_CRC_AT + 2] = crc16(bytes(header[:_TAG_CRC_SPAN])).to_bytes(2, "big")
        sink.seek(0)
        sink.write(header)


def _frame_sizes(frames: bytes, part: Part) -> list[int]:
    """The sizes of the MP3 frames that make up `frames`, the audio of `part`."""
    sizes, at = [], 0
    while at < len(frames):
        sizes.append(_frame_size(frames[at : at + 4]))
        at += sizes[-1]
    if at != len(frames) or len(sizes) != part.frames:
        raise AudioError(f"{part.path.name} holds {len(sizes)} frames where its header says {part.frames}")
    return sizes


def _seek_table(header_size: int, frame_sizes: Sequence[int]) -> bytes:
    """The Xing seek table as ffmpeg's muxer makes it (after LAME's VbrTag.c): the byte offset
    after every so many frames, the spacing doubled whenever the bags run out."""
    bags, want, seen, pos, size = [0] * _TOC_BAGS, 1, 0, 0, header_size
    for frame in frame_sizes:
        seen += 1
        size += frame
        if seen == want:
            bags[pos] = size
            pos += 1
            if pos == _TOC_BAGS:
                bags[: _TOC_BAGS // 2] = bags[1::2]
                want, pos = want * 2, _TOC_BAGS // 2
            seen = 0
    table = [0] + [min(256 * bags[i * pos // _TOC_SIZE] // size, 255) for i in range(1, _TOC_SIZE)]
    return bytes(table)


def _frame_size(header: bytes) -> int:
    """The length of the MPEG-1 Layer III frame with this 4-byte header."""
    if len(header) < 4 or header[0] != 0xFF or header[1] & 0xFE != 0xFA:
        raise AudioError("not an MPEG-1 Layer III frame")
    bitrate_index, rate_index = header[2] >> 4, (header[2] >> 2) & 3
    if not 0 < bitrate_index < len(_BITRATES_KBPS) or rate_index == 3:
        raise AudioError("an MP3 frame with a free or bad bitrate or sample rate")
    return 144_000 * _BITRATES_KBPS[bitrate_index] // _SAMPLE_RATES[rate_index] + ((header[2] >> 1) & 1)


def _be32(data: bytes, at: int) -> int:
    return int.from_bytes(data[at : at + 4], "big")


# --- CRC-16 (ANSI, reflected: ffmpeg's AV_CRC_16_ANSI_LE, as the LAME tag uses) ------------------


@functools.cache
def _crc_table() -> tuple[int, ...]:
    table = []
    for byte in range(256):
        crc = byte
        for _ in range(8):
            crc = (crc >> 1) ^ (0xA001 if crc & 1 else 0)
        table.append(crc)
    return tuple(table)


def crc16(data: bytes, crc: int = 0) -> int:
    table = _crc_table()
    for byte in data:
        crc = table[(crc ^ byte) & 0xFF] ^ (crc >> 8)
    return crc


def crc16_combine(crc_a: int, crc_b: int, length_b: int) -> int:
    """The CRC of A followed by B, from the CRCs of each and B's length: A's CRC carried through
    as many zero bytes (a linear map, raised to that power by squaring), then B's added."""
    return _apply(_power(_zero_byte(), length_b), crc_a) ^ crc_b


@functools.cache
def _zero_byte() -> tuple[int, ...]:
    """The map of the CRC register through one zero byte, as the images of its 16 bits."""
    table = _crc_table()
    return tuple(table[(1 << bit) & 0xFF] ^ ((1 << bit) >> 8) for bit in range(16))


def _apply(columns: Sequence[int], vector: int) -> int:
    result, bit = 0, 0
    while vector:
        if vector & 1:
            result ^= columns[bit]
        vector, bit = vector >> 1, bit + 1
    return result


def _power(columns: tuple[int, ...], n: int) -> tuple[int, ...]:
    result = tuple(1 << bit for bit in range(16))  # the identity
    while n:
        if n & 1:
            result = tuple(_apply(columns, c) for c in result)
        columns, n = tuple(_apply(columns, c) for c in columns), n >> 1
    return result
