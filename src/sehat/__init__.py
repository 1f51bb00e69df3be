"""Sehat (صحت): issues and verifies the 20-digit authenticity code of academic documents."""

__version__ = "0.1.0"
