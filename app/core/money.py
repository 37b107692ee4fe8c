"""Money: integer fen in, yuan in figures and in Chinese capital numerals (大写) out.

Sums are kept as integer fen everywhere; this module only writes them for people. The capitals
(壹万伍仟元整) are what a mediation agreement or a fund decision states beside the figures, so
an amount cannot be altered by adding a digit; ``cn2an`` writes them, following the rules for
filling in amounts on bills (PBOC payment and settlement measures): 整 after 元, none after 分,
零 for the gaps (壹万零伍元零柒分).
"""

from __future__ import annotations

from decimal import Decimal

import cn2an

# cn2an writes at most 16 digits before the decimal point: up to 9,999,999,999,999,999.99 yuan.
MAX_CAPITALS_FEN = 10**18 - 1


def yuan(fen: int | None) -> str:
    """``1500000`` → ``15,000.00``; empty for no amount."""
    return f"{Decimal(int(fen)) / 100:,.2f}" if fen is not None else ""


def yuan_in_capitals(fen: int) -> str:
    """``1500000`` → ``壹万伍仟元整``; ``1000507`` → ``壹万零伍元零柒分``; ``0`` → ``零元整``.

    ``fen`` is a whole number of fen from 0 to ``MAX_CAPITALS_FEN``; anything else is a ValueError."""
    if isinstance(fen, bool) or not isinstance(fen, int) or fen < 0:
        raise ValueError("an amount in capitals is a non-negative whole number of fen")
    if fen > MAX_CAPITALS_FEN:
        raise ValueError("the amount is too large to be written in capitals")
    return cn2an.an2cn(str(Decimal(fen) / 100), "rmb")


FULL_WIDTH = str.maketrans("０１２３４５６７８９．", "0123456789.")


def fen_from_text(raw) -> int | str | None:
    """Yuan as a person types them (``15000``, ``15,000.50``, ``¥１５０００``) → fen; ``None`` when empty;
    what is not a sum with at most two decimals is returned as typed, for a guard to refuse (the one
    reading of a typed sum: plans, mediation agreements, referrals' penalties, the fund)."""
    from decimal import InvalidOperation

    if raw is None or not isinstance(raw, str):
        return raw
    text = raw.strip()
    for mark in (",", "，", "¥", "￥"):
        text = text.replace(mark, "")
    text = text.translate(FULL_WIDTH)
    if text == "":
        return None
    try:
        value = Decimal(text)
        # ``1e30`` is finite but too large to quantize in the default context (InvalidOperation).
        if not value.is_finite() or value != value.quantize(Decimal("0.01")):
            return raw
    except InvalidOperation:
        return raw
    return int(value * 100)
