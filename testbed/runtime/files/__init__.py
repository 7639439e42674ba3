"""The files the runtime builds images and renders nodes from. Their sources are the
checkout's top-level images/ (node, builder) and compose/ folders; this package links to them,
so the wheel carries them (setuptools copies what the links point at)."""

from pathlib import Path

FILES = Path(__file__).resolve().parent
"""images/node, images/builder, compose/ (through the links; real folders in a wheel)"""
