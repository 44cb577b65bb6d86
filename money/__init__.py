"""Exact RMB amounts: parsing what people say or type, fen/yuan conversion, 大写 capitals.

Pure Python on 3.10 and 3.11: imported by the Rasa NLU component (.venv-rasa) and by backend and
voice (.venv). Values are Decimal or integer fen, never float.
"""

from money.capitals import to_capitals
from money.counts import say_count
from money.fen import fen_to_yuan_str, quantize_yuan, to_fen
from money.numerals import parse_number
from money.parse import AmountResult, parse_amount

__all__ = [
    "AmountResult",
    "fen_to_yuan_str",
    "parse_amount",
    "parse_number",
    "quantize_yuan",
    "say_count",
    "to_capitals",
    "to_fen",
]
