"""How guessable a secret typed by a person is: a simple, conservative estimate of its entropy.

Used to refuse a production key-encryption key (``SEHAT_KEK``) that someone made up rather
than drew at random. It is no proof of randomness — a dictionary phrase can still score
well — it only discounts what people type when they invent a key: one character repeated,
runs of the alphabet or the digits, a piece typed again. The estimate:

- every character is worth log2 of the alphabet its character classes span (digits 10,
  lowercase 26, uppercase 26, ASCII punctuation and space 33, anything else 64, added up
  over the classes the whole secret uses);
- half that when it equals or neighbours the character before it (``aa``, ``ab``, ``98``);
- nothing when it continues a run of three (``aaa``, ``abc``, ``321``) or ends a
  three-character piece already seen earlier in the secret (``key…key``).

A secret drawn at random (``sehat keys kek-new``: 32 random bytes, base64url) scores about
270 bits; 32 random hexadecimal digits (128 bits) about 150, and once in some hundreds of
draws under 128.
"""

from __future__ import annotations

import math
import string

_CLASSES = (
    (frozenset(string.digits), 10),
    (frozenset(string.ascii_lowercase), 26),
    (frozenset(string.ascii_uppercase), 26),
    (frozenset(string.punctuation + " "), 33),
)
_OTHER = 64  # any character outside printable ASCII


def alphabet_size(secret: str) -> int:
    """The size of the alphabet spanned by the character classes ``secret`` uses.

    Args:
        secret: any text.
    """
    size = sum(n for chars, n in _CLASSES if any(c in chars for c in secret))
    if any(not any(c in chars for chars, _ in _CLASSES) for c in secret):
        size += _OTHER
    return size


def estimate_bits(secret: str) -> float:
    """Bits of entropy of ``secret`` by the estimate of this module's docstring.

    Args:
        secret: the text of the secret, as configured.
    """
    if not secret:
        return 0.0
    per_char = math.log2(max(alphabet_size(secret), 2))
    codes = [ord(c) for c in secret]
    seen: set[str] = set()
    worth = 0.0
    for i, c in enumerate(codes):
        if i >= 2:
            piece = secret[i - 2 : i + 1]
            step, before = c - codes[i - 1], codes[i - 1] - codes[i - 2]
            repeated_piece = piece in seen
            seen.add(piece)
            if repeated_piece or (step == before and step in (-1, 0, 1)):
                continue
        if i >= 1 and abs(c - codes[i - 1]) <= 1:
            worth += 0.5
        else:
            worth += 1.0
    return worth * per_char
