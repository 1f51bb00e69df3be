"""The HTTP routes, one module per area of DESIGN §7; each exposes ``router``.

A route parses the request, calls one service function and maps its answer; queries and
rules live in ``sehat.services``.
"""
