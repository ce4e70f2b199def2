"""Les Houches Event files: a streaming, vectorised reader and the scale/PDF variations.

* :mod:`.header`: the header (``<init>``, ``<initrwgt>`` weight list, process);
* :mod:`.reader`: the one byte stream (:class:`LHEStream`, gzip via :func:`is_gzip`) and the
  one event parser (:func:`parse_block`: Python for small files, the compiled kernel of
  :mod:`.kernel` for big ones, the same numbers); events in blocks, as arrays;
* :mod:`.variations`: cross sections of scale and PDF variations, envelopes.
"""

from __future__ import annotations

from scaleuq.io.lhe.header import LHEHeader, WeightInfo, decode_weight, parse_header
from scaleuq.io.lhe.reader import (
    BLOCK_BYTES,
    EventBlock,
    LHEArrays,
    LHEStream,
    is_gzip,
    iter_blocks,
    parse_block,
    read_header,
    read_lhe,
)
from scaleuq.io.lhe.variations import (
    ENVELOPES,
    PDF_METHODS,
    Envelope,
    LHESummary,
    ScaleWeights,
    scale_weights,
    summarize_lhe,
)

__all__ = [
    "BLOCK_BYTES", "ENVELOPES", "PDF_METHODS", "Envelope", "EventBlock", "LHEArrays", "LHEHeader",
    "LHEStream", "LHESummary", "ScaleWeights", "WeightInfo", "decode_weight", "is_gzip",
    "iter_blocks", "parse_block", "parse_header", "read_header", "read_lhe", "scale_weights",
    "summarize_lhe",
]  # fmt: skip
