"""Resident pages, one module per area. Each view parses input, calls one service and
renders; reads come from selectors."""
