"""Exact RMB amounts: parsing what people say or type, fen/yuan conversion, 大写 capitals (stub)."""
