"""The annex's pages of a report's PDF: one line per act, written straight into the PDF.

WeasyPrint lays out each line of text at a cost of a couple of milliseconds, so an annex
of ten thousand acts would take it half a minute. The annex is plain fixed-width text
(log index, leaf hash, kind of act, case number, time), so its pages are written here
instead, after WeasyPrint has laid out the rest (a ``finisher`` of ``write_pdf``): one
content stream per page, in DejaVu Sans Mono (shipped with matplotlib), embedded once as
a TrueType subset of printable ASCII with its widths, as PDF/A requires. Every row is
kept; the lines read back with ``pdftotext`` as they were written.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any

#: A4, in points, and the annex pages' margins and type.
PAGE_WIDTH, PAGE_HEIGHT = 595.28, 841.89
MARGIN_X, MARGIN_TOP, MARGIN_BOTTOM = 40.0, 46.0, 52.0
FONT_SIZE, LEADING = 6.2, 7.6
LINES_PER_PAGE = int((PAGE_HEIGHT - MARGIN_TOP - MARGIN_BOTTOM) / LEADING) - 2
#: The column heads: the data's own field names, the same in every language.
HEAD = f"{'log_index':>9}  {'leaf_hash':<64}  {'kind':<18} {'case':>6}  at (UTC)"
_FIRST, _LAST = 32, 126
_TAG = "TRUCEA+"


def lines(annex: Sequence[dict[str, Any]]) -> list[str]:
    """One fixed-width line per act of the annex."""
    return [
        f"{row['log_index']:>9}  {row['leaf_hash']}  {row['kind']:<18} "
        f"{'' if row['case'] is None else row['case']:>6}  {row['at']}"
        for row in annex
    ]


def _font_path() -> Path:
    import matplotlib

    return Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSansMono.ttf"


def _font(pdf: Any) -> Any:
    """DejaVu Sans Mono as a subset TrueType font of printable ASCII, added to ``pdf``."""
    from fontTools import subset
    from fontTools.ttLib import TTFont
    from pydyf import Array, Dictionary, Stream

    font = TTFont(_font_path(), recalcTimestamp=False)
    options = subset.Options()
    options.name_IDs = ["*"]
    options.notdef_outline = True
    options.recalc_timestamp = False
    options.drop_tables = [*options.drop_tables, "FFTM"]
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=range(_FIRST, _LAST + 1))
    subsetter.subset(font)
    out = io.BytesIO()
    font.save(out)
    program = out.getvalue()
    scale = 1000 / font["head"].unitsPerEm
    cmap = font.getBestCmap()
    widths = [
        round(font["hmtx"][cmap[code]][0] * scale) if code in cmap else 0
        for code in range(_FIRST, _LAST + 1)
    ]
    head, os2 = font["head"], font["OS/2"]
    name = f"/{_TAG}DejaVuSansMono"
    file = Stream([program], Dictionary({"Length1": len(program)}), compress=True)
    pdf.add_object(file)
    descriptor = Dictionary(
        {
            "Type": "/FontDescriptor",
            "FontName": name,
            "Flags": 32 + 1,  # non-symbolic, fixed pitch
            "FontBBox": Array(
                [round(v * scale) for v in (head.xMin, head.yMin, head.xMax, head.yMax)]
            ),
            "ItalicAngle": 0,
            "Ascent": round(os2.sTypoAscender * scale),
            "Descent": round(os2.sTypoDescender * scale),
            "CapHeight": round(getattr(os2, "sCapHeight", 729) * scale),
            "StemV": 80,
            "FontFile2": file.reference,
        }
    )
    pdf.add_object(descriptor)
    dictionary = Dictionary(
        {
            "Type": "/Font",
            "Subtype": "/TrueType",
            "BaseFont": name,
            "FirstChar": _FIRST,
            "LastChar": _LAST,
            "Widths": Array(widths),
            "Encoding": "/WinAnsiEncoding",
            "FontDescriptor": descriptor.reference,
        }
    )
    pdf.add_object(dictionary)
    return dictionary


def _escape(text: str) -> bytes:
    ascii_only = text.encode("ascii", "replace")
    return ascii_only.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")


def _page_stream(rows: Sequence[str], number: int) -> bytes:
    top = PAGE_HEIGHT - MARGIN_TOP
    parts = [
        b"q 0 0 0 rg BT /FA %.1f Tf %.1f TL 1 0 0 1 %.2f %.2f Tm"
        % (FONT_SIZE, LEADING, MARGIN_X, top),
        b"(" + _escape(HEAD) + b") Tj T* T*",
    ]
    parts.extend(b"(" + _escape(row) + b") Tj T*" for row in rows)
    parts.append(b"ET")
    footer = str(number).encode()
    width = len(footer) * FONT_SIZE * 0.602
    parts.append(
        b"BT /FA 8 Tf 1 0 0 1 %.2f %.2f Tm (%s) Tj ET Q"
        % ((PAGE_WIDTH - width) / 2, MARGIN_BOTTOM / 2, footer)
    )
    return b"\n".join(parts)


def appender(annex_lines: Sequence[str]) -> Any:
    """A ``write_pdf`` finisher that appends the annex's pages after WeasyPrint's."""

    def finish(document: Any, pdf: Any) -> None:
        from pydyf import Array, Dictionary, Stream

        if not annex_lines:
            return
        font = _font(pdf)
        first = len(document.pages) + 1
        for offset, start in enumerate(range(0, len(annex_lines), LINES_PER_PAGE)):
            content = Stream(
                [_page_stream(annex_lines[start : start + LINES_PER_PAGE], first + offset)],
                compress=True,
            )
            pdf.add_object(content)
            pdf.add_page(
                Dictionary(
                    {
                        "Type": "/Page",
                        "Parent": pdf.pages.reference,
                        "MediaBox": Array([0, 0, PAGE_WIDTH, PAGE_HEIGHT]),
                        "Contents": content.reference,
                        "Resources": Dictionary({"Font": Dictionary({"FA": font.reference})}),
                    }
                )
            )

    return finish
