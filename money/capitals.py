"""人民币大写 (the capitals written on a cheque and read back before a transfer)."""

from __future__ import annotations

from decimal import Decimal

import cn2an

from money.fen import fen_to_yuan_str, to_fen


def to_capitals(yuan: Decimal | str) -> str:
    """500 -> 伍佰元整, 1200.50 -> 壹仟贰佰元伍角, 1005.07 -> 壹仟零伍元零柒分, 0.25 -> 贰角伍分.

    cn2an's "rmb" mode implements the standard rules; it is given the exact two-place string, so no
    float is involved. Negative amounts are not payable and raise ValueError.
    """
    fen = to_fen(yuan)
    if fen < 0:
        raise ValueError("negative amounts have no capitals")
    return cn2an.an2cn(fen_to_yuan_str(fen), "rmb")
