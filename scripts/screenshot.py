#!/usr/bin/env python3
"""Render a terminal screen captured with ANSI escapes to a PNG.

    tmux capture-pane -e -p -t TARGET > capture.ansi
    python3 scripts/screenshot.py capture.ansi out.png --cols 120 --rows 40
    ... | python3 scripts/screenshot.py - out.png --size 120x40

Needs Python 3 with Pillow (`pip install pillow`) and the DejaVu fonts
(Debian/Ubuntu: fonts-dejavu-core; `--font-dir` if they live elsewhere).

The screen is a fixed grid of cells. SGR attributes handled: reset, bold, dim,
italic, underline, reverse, hidden, strike-through, the 16 basic colours,
256 colours (38;5;n / 48;5;n) and truecolour (38;2;r;g;b), with ';' or ':'
separators. Other escape sequences are skipped. Box-drawing lines, block
elements and braille are drawn as shapes so that borders join across cells;
other characters come from DejaVu Sans Mono, falling back to DejaVu Sans (then
other DejaVu faces) when the mono face lacks a glyph, scaled to fit the cell.
"""

import argparse
import os
import re
import sys
import unicodedata

try:
    from PIL import Image, ImageDraw, ImageFont
except ImportError:  # pragma: no cover
    sys.exit("screenshot.py needs Pillow: pip install pillow")

# ---------------------------------------------------------------- colours ---

DEFAULT_BG = (0x1b, 0x1d, 0x23)
DEFAULT_FG = (0xd0, 0xd3, 0xd8)

# A dark-terminal palette for colours 0-15.
BASIC = [
    (0x20, 0x22, 0x28),  # 0 black
    (0xe0, 0x6c, 0x75),  # 1 red
    (0x98, 0xc3, 0x79),  # 2 green
    (0xe5, 0xc0, 0x7b),  # 3 yellow
    (0x61, 0xaf, 0xef),  # 4 blue
    (0xc6, 0x78, 0xdd),  # 5 magenta
    (0x56, 0xb6, 0xc2),  # 6 cyan
    (0xc8, 0xcc, 0xd4),  # 7 white (light grey)
    (0x70, 0x78, 0x86),  # 8 bright black (grey)
    (0xff, 0x86, 0x8f),  # 9 bright red
    (0xb5, 0xe0, 0x8f),  # 10 bright green
    (0xff, 0xd6, 0x8a),  # 11 bright yellow
    (0x85, 0xc6, 0xff),  # 12 bright blue
    (0xdd, 0xa0, 0xf0),  # 13 bright magenta
    (0x7f, 0xd6, 0xe0),  # 14 bright cyan
    (0xf4, 0xf5, 0xf7),  # 15 bright white
]


def palette256(n):
    """RGB of xterm colour n (0-255)."""
    n = max(0, min(255, n))
    if n < 16:
        return BASIC[n]
    if n < 232:
        n -= 16
        levels = (0, 95, 135, 175, 215, 255)
        return (levels[n // 36], levels[(n // 6) % 6], levels[n % 6])
    v = 8 + 10 * (n - 232)
    return (v, v, v)


def blend(a, b, t):
    """a moved towards b by t (0..1)."""
    return tuple(round(x + (y - x) * t) for x, y in zip(a, b))


# ------------------------------------------------------------ the screen ---


class Attr:
    __slots__ = ("fg", "bg", "bold", "dim", "italic", "underline",
                 "reverse", "hidden", "strike")

    def __init__(self):
        self.reset()

    def reset(self):
        self.fg = None  # None = default, else (r, g, b)
        self.bg = None
        self.bold = self.dim = self.italic = self.underline = False
        self.reverse = self.hidden = self.strike = False

    def copy(self):
        a = Attr.__new__(Attr)
        for k in Attr.__slots__:
            setattr(a, k, getattr(self, k))
        return a


class Cell:
    __slots__ = ("text", "attr", "span")

    def __init__(self, text, attr, span):
        self.text = text
        self.attr = attr
        self.span = span  # 1, or 2 for a wide character; 0 = covered by one


def char_width(ch):
    if unicodedata.combining(ch) or ch in "\u200b\u200c\u200d\u2060\ufe0e\ufe0f":
        return 0
    if unicodedata.category(ch) in ("Mn", "Me", "Cf"):
        return 0
    return 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1


def extended_colour(params, i):
    """Parses 38/48 arguments starting at params[i] (the 5 or 2).
    Returns (colour or None, number of parameters consumed)."""
    if i >= len(params):
        return None, 0
    kind = params[i]
    if kind == 5 and i + 1 < len(params):
        return palette256(params[i + 1]), 2
    if kind == 2 and i + 3 < len(params):
        r, g, b = (max(0, min(255, v)) for v in params[i + 1:i + 4])
        return (r, g, b), 4
    return None, 1


def apply_sgr(attr, raw):
    # Colon sub-parameters (38:2::r:g:b or 38:2:r:g:b, 4:3) become a group.
    groups = raw.split(";") if raw else ["0"]
    params = []
    for g in groups:
        if ":" in g:
            parts = g.split(":")
            head = int(parts[0] or 0)
            rest = [int(p) if p else None for p in parts[1:]]
            if head in (38, 48, 58) and rest and rest[0] == 2 and len(rest) >= 5:
                rest = [2] + rest[-3:]  # drop the colour-space id
            params.append((head, [0 if v is None else v for v in rest]))
        else:
            params.append((int(g) if g.isdigit() else 0, None))
    flat = []
    for head, sub in params:
        if sub is None:
            flat.append(head)
        else:
            flat.append((head, sub))
    i = 0
    while i < len(flat):
        p = flat[i]
        i += 1
        if isinstance(p, tuple):
            head, sub = p
            if head in (38, 48):
                col, _ = extended_colour(sub, 0)
                if head == 38:
                    attr.fg = col
                else:
                    attr.bg = col
            elif head == 4:
                attr.underline = bool(sub and sub[0] != 0)
            continue
        if p == 0:
            attr.reset()
        elif p == 1:
            attr.bold = True
        elif p == 2:
            attr.dim = True
        elif p == 3:
            attr.italic = True
        elif p in (4, 21):
            attr.underline = True
        elif p == 7:
            attr.reverse = True
        elif p == 8:
            attr.hidden = True
        elif p == 9:
            attr.strike = True
        elif p == 22:
            attr.bold = attr.dim = False
        elif p == 23:
            attr.italic = False
        elif p == 24:
            attr.underline = False
        elif p == 27:
            attr.reverse = False
        elif p == 28:
            attr.hidden = False
        elif p == 29:
            attr.strike = False
        elif 30 <= p <= 37:
            attr.fg = BASIC[p - 30]
        elif p == 39:
            attr.fg = None
        elif 40 <= p <= 47:
            attr.bg = BASIC[p - 40]
        elif p == 49:
            attr.bg = None
        elif 90 <= p <= 97:
            attr.fg = BASIC[p - 90 + 8]
        elif 100 <= p <= 107:
            attr.bg = BASIC[p - 100 + 8]
        elif p in (38, 48, 58):
            rest = [q if isinstance(q, int) else 0 for q in flat[i:i + 4]]
            col, used = extended_colour(rest, 0)
            i += used
            if p == 38:
                attr.fg = col
            elif p == 48:
                attr.bg = col
        # anything else (blink, overline, fonts, ...) is ignored


ESCAPE = re.compile(
    r"\x1b\[([0-9;:?<=>]*)([ -/]*)([@-~])"      # CSI
    r"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?"      # OSC (hyperlinks, titles)
    r"|\x1b[PX^_][^\x1b]*(?:\x1b\\)?"           # DCS, SOS, PM, APC
    r"|\x1b[()*+][0-9A-Za-z]"                   # charset designation
    r"|\x1b[^\[\]]"                             # other two-byte escapes
)


def parse(text, cols, rows):
    """The grid (rows x cols of Cell or None) the ANSI text draws."""
    grid = [[None] * cols for _ in range(rows)]
    attr = Attr()
    row = col = 0
    pos = 0
    n = len(text)
    while pos < n:
        ch = text[pos]
        if ch == "\x1b":
            m = ESCAPE.match(text, pos)
            if not m:
                pos += 1
                continue
            if m.group(3) == "m" and not m.group(2) and not (m.group(1) or "").startswith(("?", "<", "=", ">")):
                apply_sgr(attr, m.group(1))
            pos = m.end()
            continue
        pos += 1
        if ch == "\n":
            row += 1
            col = 0
            continue
        if ch == "\r":
            col = 0
            continue
        if ch == "\t":
            col = min(cols, (col // 8 + 1) * 8)
            continue
        if ch == "\b":
            col = max(0, col - 1)
            continue
        if ord(ch) < 0x20 or ord(ch) == 0x7f:
            continue
        if row >= rows:
            continue
        w = char_width(ch)
        if w == 0:
            # joins the previous character (combining mark, selector)
            prev = col - 1
            while prev >= 0 and grid[row][prev] is not None and grid[row][prev].span == 0:
                prev -= 1
            if prev >= 0 and grid[row][prev] is not None and ch not in "\ufe0e\ufe0f\u200d":
                grid[row][prev].text += ch
            continue
        if col + w > cols:
            continue  # clipped: the capture is one line per row
        grid[row][col] = Cell(ch, attr.copy(), w)
        if w == 2:
            grid[row][col + 1] = Cell("", attr.copy(), 0)
        col += w
    return grid


# ----------------------------------------------------------------- fonts ---


class Fonts:
    def __init__(self, font_dir, size):
        def f(name):
            path = os.path.join(font_dir, name)
            return ImageFont.truetype(path, size) if os.path.exists(path) else None

        self.size = size
        self.mono = {
            (False, False): f("DejaVuSansMono.ttf"),
            (True, False): f("DejaVuSansMono-Bold.ttf"),
            (False, True): f("DejaVuSansMono-Oblique.ttf"),
            (True, True): f("DejaVuSansMono-BoldOblique.ttf"),
        }
        if self.mono[(False, False)] is None:
            sys.exit(f"screenshot.py: DejaVuSansMono.ttf not found in {font_dir} (--font-dir)")
        for k in self.mono:
            if self.mono[k] is None:
                self.mono[k] = self.mono[(False, False)]
        # Fallback faces, in order, for glyphs the mono face lacks.
        self.fallback_names = {
            False: ["DejaVuSans.ttf", "DejaVuSerif.ttf", "DejaVuMathTeXGyre.ttf"],
            True: ["DejaVuSans-Bold.ttf", "DejaVuSans.ttf", "DejaVuSerif.ttf",
                   "DejaVuMathTeXGyre.ttf"],
        }
        self.font_dir = font_dir
        self._big = {}
        self._has = {}
        base = self.mono[(False, False)]
        self.cell_w = max(1, round(base.getlength("M")))
        ascent, descent = base.getmetrics()
        self.ascent = ascent
        self.cell_h = ascent + descent

    def big(self, name):
        """A fallback face at 4x size (drawn large, then scaled down)."""
        if name not in self._big:
            path = os.path.join(self.font_dir, name)
            self._big[name] = ImageFont.truetype(path, self.size * 4) if os.path.exists(path) else None
        return self._big[name]

    def has(self, font, key, text):
        """Whether `font` has a real glyph (not .notdef) for every char."""
        k = (key, text)
        if k not in self._has:
            notdef = font.getmask("\U0010ffff")
            nd = (notdef.size, bytes(notdef))
            ok = True
            for ch in text:
                m = font.getmask(ch)
                if (m.size, bytes(m)) == nd:
                    ok = False
                    break
            self._has[k] = ok
        return self._has[k]


# ------------------------------------------------- drawn glyphs (shapes) ---

# Box drawing: char -> (up, right, down, left); 1 light, 2 heavy, 3 double.
BOX = {}


def _box(chars, spec):
    for ch, s in zip(chars, spec):
        BOX[ch] = s


_box("─━│┃", [(0, 1, 0, 1), (0, 2, 0, 2), (1, 0, 1, 0), (2, 0, 2, 0)])
_box("┌┍┎┏", [(0, 1, 1, 0), (0, 2, 1, 0), (0, 1, 2, 0), (0, 2, 2, 0)])
_box("┐┑┒┓", [(0, 0, 1, 1), (0, 0, 1, 2), (0, 0, 2, 1), (0, 0, 2, 2)])
_box("└┕┖┗", [(1, 1, 0, 0), (1, 2, 0, 0), (2, 1, 0, 0), (2, 2, 0, 0)])
_box("┘┙┚┛", [(1, 0, 0, 1), (1, 0, 0, 2), (2, 0, 0, 1), (2, 0, 0, 2)])
_box("├┝┞┟┠┡┢┣", [(1, 1, 1, 0), (1, 2, 1, 0), (2, 1, 1, 0), (1, 1, 2, 0),
                  (2, 1, 2, 0), (2, 2, 1, 0), (1, 2, 2, 0), (2, 2, 2, 0)])
_box("┤┥┦┧┨┩┪┫", [(1, 0, 1, 1), (1, 0, 1, 2), (2, 0, 1, 1), (1, 0, 2, 1),
                  (2, 0, 2, 1), (2, 0, 1, 2), (1, 0, 2, 2), (2, 0, 2, 2)])
_box("┬┭┮┯┰┱┲┳", [(0, 1, 1, 1), (0, 1, 1, 2), (0, 2, 1, 1), (0, 2, 1, 2),
                  (0, 1, 2, 1), (0, 1, 2, 2), (0, 2, 2, 1), (0, 2, 2, 2)])
_box("┴┵┶┷┸┹┺┻", [(1, 1, 0, 1), (1, 1, 0, 2), (1, 2, 0, 1), (1, 2, 0, 2),
                  (2, 1, 0, 1), (2, 1, 0, 2), (2, 2, 0, 1), (2, 2, 0, 2)])
_box("┼┽┾┿╀╁╂╃╄╅╆╇╈╉╊╋",
     [(1, 1, 1, 1), (1, 1, 1, 2), (1, 2, 1, 1), (1, 2, 1, 2),
      (2, 1, 1, 1), (1, 1, 2, 1), (2, 1, 2, 1), (2, 1, 1, 2),
      (2, 2, 1, 1), (1, 1, 2, 2), (1, 2, 2, 1), (2, 2, 1, 2),
      (1, 2, 2, 2), (2, 1, 2, 2), (2, 2, 2, 1), (2, 2, 2, 2)])
_box("═║╔╗╚╝╠╣╦╩╬", [(0, 3, 0, 3), (3, 0, 3, 0), (0, 3, 3, 0), (0, 0, 3, 3),
                     (3, 3, 0, 0), (3, 0, 0, 3), (3, 3, 3, 0), (3, 0, 3, 3),
                     (0, 3, 3, 3), (3, 3, 0, 3), (3, 3, 3, 3)])
_box("╴╵╶╷╸╹╺╻╼╽╾╿", [(0, 0, 0, 1), (1, 0, 0, 0), (0, 1, 0, 0), (0, 0, 1, 0),
                      (0, 0, 0, 2), (2, 0, 0, 0), (0, 2, 0, 0), (0, 0, 2, 0),
                      (0, 2, 0, 1), (1, 0, 2, 0), (0, 1, 0, 2), (2, 0, 1, 0)])
ROUNDED = {"╭": (0, 1, 1, 0), "╮": (0, 0, 1, 1), "╯": (1, 0, 0, 1), "╰": (1, 1, 0, 0)}


class Shapes:
    """Masks (mode L, cell-sized) for characters drawn as shapes."""

    def __init__(self, cw, ch):
        self.cw, self.ch = cw, ch
        self.light = max(1, round(cw / 9))
        self.heavy = max(self.light + 1, round(cw / 4))
        self.gap = max(1, round(cw / 6))  # half distance between double lines
        self._cache = {}

    def mask(self, text):
        if len(text) != 1:
            return None
        c = text
        if c not in self._cache:
            self._cache[c] = self._make(c)
        return self._cache[c]

    def _make(self, c):
        o = ord(c)
        if c in BOX:
            return self._box(BOX[c])
        if c in ROUNDED:
            return self._rounded(ROUNDED[c])
        if 0x2580 <= o <= 0x259F:
            return self._block(o)
        if 0x2800 <= o <= 0x28FF:
            return self._braille(o - 0x2800)
        if c in "⧗⧖⌛⏳":
            return self._hourglass(filled=c in "⧗⌛⏳")
        if c == "✉":
            return self._envelope()
        return None

    def _new(self):
        im = Image.new("L", (self.cw, self.ch), 0)
        return im, ImageDraw.Draw(im)

    def _box(self, spec):
        up, right, down, left = spec
        im, d = self._new()
        cw, ch = self.cw, self.ch
        cx, cy = cw // 2, ch // 2

        def thick(w):
            return self.heavy if w == 2 else self.light

        # the centre square covers the widest single line so corners join
        t = max([thick(w) for w in spec if w in (1, 2)] or [0])
        a = t // 2
        for w, arm in ((up, "u"), (right, "r"), (down, "d"), (left, "l")):
            if w in (1, 2):
                tw = thick(w)
                b = tw // 2
                if arm == "u":
                    d.rectangle([cx - b, 0, cx - b + tw - 1, cy - a + t - 1], fill=255)
                elif arm == "d":
                    d.rectangle([cx - b, cy - a, cx - b + tw - 1, ch - 1], fill=255)
                elif arm == "l":
                    d.rectangle([0, cy - b, cx - a + t - 1, cy - b + tw - 1], fill=255)
                else:
                    d.rectangle([cx - a, cy - b, cw - 1, cy - b + tw - 1], fill=255)
        g = self.gap
        lw = self.light
        has = {"u": up, "r": right, "d": down, "l": left}
        # double arms: two lines, which stop short or meet at corners
        for arm in "urdl":
            if has[arm] != 3:
                continue
            if arm in "rl":
                for side, y in (("u", cy - g), ("d", cy + g)):
                    other = "d" if side == "u" else "u"
                    opp = "l" if arm == "r" else "r"
                    if has[side]:
                        start = g
                    elif has[opp]:
                        start = 0
                    elif has[other]:
                        start = -g
                    else:
                        start = 0
                    if arm == "r":
                        d.rectangle([cx + start, y, cw - 1, y + lw - 1], fill=255)
                    else:
                        d.rectangle([0, y, cx - start + lw - 1, y + lw - 1], fill=255)
            else:
                for side, x in (("l", cx - g), ("r", cx + g)):
                    other = "r" if side == "l" else "l"
                    opp = "u" if arm == "d" else "d"
                    if has[side]:
                        start = g
                    elif has[opp]:
                        start = 0
                    elif has[other]:
                        start = -g
                    else:
                        start = 0
                    if arm == "d":
                        d.rectangle([x, cy + start, x + lw - 1, ch - 1], fill=255)
                    else:
                        d.rectangle([x, 0, x + lw - 1, cy - start + lw - 1], fill=255)
        return im

    def _rounded(self, spec):
        up, right, down, left = spec
        s = 4  # supersampling
        cw, ch = self.cw, self.ch
        big = Image.new("L", (cw * s, ch * s), 0)
        d = ImageDraw.Draw(big)
        cx, cy = (cw // 2) * s + s // 2, (ch // 2) * s + s // 2
        lw = self.light * s
        r = min(cw, ch) // 2 * s
        # straight parts from the arc's ends to the cell edges
        if right:
            d.rectangle([cx + r, cy - lw // 2, cw * s, cy - lw // 2 + lw - 1], fill=255)
        if left:
            d.rectangle([0, cy - lw // 2, cx - r, cy - lw // 2 + lw - 1], fill=255)
        if down:
            d.rectangle([cx - lw // 2, cy + r, cx - lw // 2 + lw - 1, ch * s], fill=255)
        if up:
            d.rectangle([cx - lw // 2, 0, cx - lw // 2 + lw - 1, cy - r], fill=255)
        # the quarter circle, centred on the inside corner
        ox = cx + r if right else cx - r
        oy = cy + r if down else cy - r
        box = [ox - r - lw // 2, oy - r - lw // 2, ox + r + lw // 2, oy + r + lw // 2]
        start = {(1, 1): 180, (0, 1): 270, (0, 0): 0, (1, 0): 90}[(right, down)]
        d.arc(box, start, start + 90, fill=255, width=lw)
        return big.resize((cw, ch), Image.LANCZOS)

    def _block(self, o):
        im, d = self._new()
        cw, ch = self.cw, self.ch
        hw, hh = cw // 2, ch // 2

        def rect(x0, y0, x1, y1, v=255):
            if x1 > x0 and y1 > y0:
                d.rectangle([x0, y0, x1 - 1, y1 - 1], fill=v)

        if o == 0x2580:
            rect(0, 0, cw, hh)
        elif 0x2581 <= o <= 0x2588:
            n = o - 0x2580  # eighths from the bottom
            rect(0, ch - round(ch * n / 8), cw, ch)
        elif 0x2589 <= o <= 0x258F:
            n = 0x2590 - o  # eighths from the left
            rect(0, 0, round(cw * n / 8), ch)
        elif o == 0x2590:
            rect(hw, 0, cw, ch)
        elif 0x2591 <= o <= 0x2593:
            rect(0, 0, cw, ch, (64, 128, 192)[o - 0x2591])
        elif o == 0x2594:
            rect(0, 0, cw, max(1, round(ch / 8)))
        elif o == 0x2595:
            rect(cw - max(1, round(cw / 8)), 0, cw, ch)
        else:
            # quadrants: upper-left, upper-right, lower-left, lower-right
            quads = {
                0x2596: "0010", 0x2597: "0001", 0x2598: "1000", 0x2599: "1011",
                0x259A: "1001", 0x259B: "1110", 0x259C: "1101", 0x259D: "0100",
                0x259E: "0110", 0x259F: "0111",
            }[o]
            boxes = [(0, 0, hw, hh), (hw, 0, cw, hh), (0, hh, hw, ch), (hw, hh, cw, ch)]
            for on, b in zip(quads, boxes):
                if on == "1":
                    rect(*b)
        return im

    def _braille(self, bits):
        s = 4
        cw, ch = self.cw, self.ch
        big = Image.new("L", (cw * s, ch * s), 0)
        d = ImageDraw.Draw(big)
        # dot number -> (column, row); bits 0..7 are dots 1..8
        where = [(0, 0), (0, 1), (0, 2), (1, 0), (1, 1), (1, 2), (0, 3), (1, 3)]
        r = max(1.0, min(cw / 4, ch / 8) * 0.8) * s
        for bit, (x, y) in enumerate(where):
            if bits & (1 << bit):
                px = (x + 0.5) * cw / 2 * s
                py = (y + 0.5) * ch / 4 * s
                d.ellipse([px - r, py - r, px + r, py + r], fill=255)
        return big.resize((cw, ch), Image.LANCZOS)

    def _envelope(self):
        # The mono face's envelope is a faint 9x7 outline; a solid one with
        # its flap cut out reads better at terminal size.
        s = 4
        cw, ch = self.cw, self.ch
        big = Image.new("L", (cw * s, ch * s), 0)
        d = ImageDraw.Draw(big)
        w = cw * s
        h = round(min(ch * 0.5, cw * 0.8)) * s
        top = (ch // 2) * s + s // 2 - h // 2
        x0, x1 = 0.02 * w, 0.98 * w
        d.rectangle([x0, top, x1, top + h], fill=255)
        d.line([(x0, top), (w / 2, top + h * 0.58), (x1, top)], fill=0, width=s)
        return big.resize((cw, ch), Image.LANCZOS)

    def _hourglass(self, filled):
        s = 4
        cw, ch = self.cw, self.ch
        big = Image.new("L", (cw * s, ch * s), 0)
        d = ImageDraw.Draw(big)
        w = cw * s
        x0, x1 = 0.12 * w, 0.88 * w
        top, bot = 0.2 * ch * s, 0.8 * ch * s
        mid = (top + bot) / 2
        bar = max(s, 0.07 * ch * s)
        xm = w / 2
        d.rectangle([x0 - 0.05 * w, top, x1 + 0.05 * w, top + bar], fill=255)
        d.rectangle([x0 - 0.05 * w, bot - bar, x1 + 0.05 * w, bot], fill=255)
        tri1 = [(x0, top + bar), (x1, top + bar), (xm, mid)]
        tri2 = [(xm, mid), (x1, bot - bar), (x0, bot - bar)]
        if filled:
            d.polygon(tri1, fill=255)
            d.polygon(tri2, fill=255)
        else:
            d.polygon(tri1, outline=255, width=s)
            d.polygon(tri2, outline=255, width=s)
        return big.resize((cw, ch), Image.LANCZOS)


# ---------------------------------------------------------------- render ---


class Glyphs:
    """Text glyph masks, positioned relative to a cell's top-left corner."""

    def __init__(self, fonts):
        self.f = fonts
        self._cache = {}

    def get(self, text, bold, italic, span):
        key = (text, bold, italic, span)
        if key not in self._cache:
            self._cache[key] = self._make(text, bold, italic, span)
        return self._cache[key]

    def _make(self, text, bold, italic, span):
        f = self.f
        cw, ch = f.cell_w, f.cell_h
        mono = f.mono[(bold, italic)]
        if f.has(mono, ("mono", bold, italic), text):
            # draw on a canvas one cell wider on each side: glyphs may overhang
            im = Image.new("L", (cw * (span + 2), ch), 0)
            ImageDraw.Draw(im).text((cw, f.ascent), text, font=mono, fill=255, anchor="ls")
            return im, -cw, 0
        for name in f.fallback_names[bold]:
            big = f.big(name)
            if big is None or not f.has(big, name, text):
                continue
            return self._fitted(big, text, span)
        # nothing has it: the mono face's .notdef box
        im = Image.new("L", (cw * (span + 2), ch), 0)
        ImageDraw.Draw(im).text((cw, f.ascent), text[0], font=mono, fill=255, anchor="ls")
        return im, -cw, 0

    def _fitted(self, big, text, span):
        """A glyph from a proportional face, scaled down if needed to fit."""
        f = self.f
        s = 4
        cw, ch = f.cell_w, f.cell_h
        box_w = cw * span
        l, t, r, b = big.getbbox(text, anchor="ls")
        if r <= l or b <= t:
            return Image.new("L", (1, 1), 0), 0, 0
        im = Image.new("L", (r - l, b - t), 0)
        ImageDraw.Draw(im).text((-l, -t), text, font=big, fill=255, anchor="ls")
        gw, gh = (r - l) / s, (b - t) / s
        scale = min(1.0, (box_w - 0.5) / gw, (ch - 1) / gh)
        nw, nh = max(1, round(gw * scale)), max(1, round(gh * scale))
        small = im.resize((nw, nh), Image.LANCZOS)
        x = (box_w - nw) // 2
        # keep the glyph's vertical centre where the face would put it
        centre = f.ascent + (t + b) / 2 / s
        y = round(centre - nh / 2)
        y = max(0, min(ch - nh, y))
        return small, x, y


def render(grid, cols, rows, fonts, padding):
    cw, ch = fonts.cell_w, fonts.cell_h
    W, H = cols * cw + 2 * padding, rows * ch + 2 * padding
    img = Image.new("RGB", (W, H), DEFAULT_BG)
    d = ImageDraw.Draw(img)
    shapes = Shapes(cw, ch)
    glyphs = Glyphs(fonts)

    def colours(a):
        fg = a.fg if a.fg is not None else DEFAULT_FG
        bg = a.bg if a.bg is not None else DEFAULT_BG
        if a.reverse:
            fg, bg = bg, fg
        if a.dim:
            fg = blend(fg, bg, 0.45)
        if a.hidden:
            fg = bg
        return fg, bg

    # backgrounds first, so glyphs that overhang a cell are not cut off
    for r in range(rows):
        for c in range(cols):
            cell = grid[r][c]
            if cell is None or cell.span == 0:
                continue
            fg, bg = colours(cell.attr)
            if bg != DEFAULT_BG:
                x, y = padding + c * cw, padding + r * ch
                d.rectangle([x, y, x + cw * cell.span - 1, y + ch - 1], fill=bg)
    for r in range(rows):
        for c in range(cols):
            cell = grid[r][c]
            if cell is None or cell.span == 0:
                continue
            a = cell.attr
            fg, bg = colours(a)
            x, y = padding + c * cw, padding + r * ch
            if cell.text.strip():
                m = shapes.mask(cell.text)
                if m is not None:
                    d.bitmap((x, y), m, fill=fg)
                else:
                    m, dx, dy = glyphs.get(cell.text, a.bold, a.italic, cell.span)
                    d.bitmap((x + dx, y + dy), m, fill=fg)
            if a.underline:
                uy = y + fonts.ascent + max(1, (ch - fonts.ascent) // 3)
                d.rectangle([x, uy, x + cw * cell.span - 1, uy], fill=fg)
            if a.strike:
                sy = y + fonts.ascent - round(fonts.ascent * 0.3)
                d.rectangle([x, sy, x + cw * cell.span - 1, sy], fill=fg)
    return img


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("input", nargs="?", default="-", help="ANSI text file, or - for stdin")
    ap.add_argument("output", help="PNG to write")
    ap.add_argument("--cols", type=int, default=None, help="cells across (default 120)")
    ap.add_argument("--rows", type=int, default=None, help="cells down (default 40)")
    ap.add_argument("--size", default=None, help="COLSxROWS, e.g. 120x40")
    ap.add_argument("--font-size", type=int, default=15, help="pixels (default 15)")
    ap.add_argument("--padding", type=int, default=12, help="border in pixels (default 12)")
    ap.add_argument("--font-dir", default="/usr/share/fonts/truetype/dejavu")
    args = ap.parse_args()

    cols, rows = 120, 40
    if args.size:
        m = re.fullmatch(r"(\d+)[xX](\d+)", args.size)
        if not m:
            ap.error("--size wants COLSxROWS, e.g. 120x40")
        cols, rows = int(m.group(1)), int(m.group(2))
    if args.cols:
        cols = args.cols
    if args.rows:
        rows = args.rows

    if args.input == "-":
        data = sys.stdin.buffer.read()
    else:
        with open(args.input, "rb") as fh:
            data = fh.read()
    text = data.decode("utf-8", errors="replace")

    fonts = Fonts(args.font_dir, args.font_size)
    grid = parse(text, cols, rows)
    img = render(grid, cols, rows, fonts, args.padding)
    img.save(args.output, optimize=True)


if __name__ == "__main__":
    main()
