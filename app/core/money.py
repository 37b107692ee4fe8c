"""Money: integer fen in, yuan in figures and in Chinese capital numerals (大写) out.

Sums are kept as integer fen everywhere; this module only writes them for people. The capitals
(壹万伍仟元整) are what a mediation agreement or a fund decision states beside the figures, so
an amount cannot be altered by adding a digit; ``cn2an`` writes them.
"""

from __future__ import annotations

from decimal import Decimal

import cn2an


def yuan(fen: int | None) -> str:
    """``1500000`` → ``15,000.00``; empty for no amount."""
    return f"{Decimal(int(fen)) / 100:,.2f}" if fen is not None else ""


def yuan_in_capitals(fen: int) -> str:
    """``1500000`` → ``壹万伍仟元整``; ``1000507`` → ``壹万零伍元零柒分``."""
    if isinstance(fen, bool) or not isinstance(fen, int) or fen < 0:
        raise ValueError("an amount in capitals is a non-negative whole number of fen")
    return cn2an.an2cn(str(Decimal(fen) / 100), "rmb")
