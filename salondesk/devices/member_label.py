"""Member card labels on the receipt printer: store, member, Code128 and QR of the card code.

The label is drawn as one picture (the bundled font for the Chinese, python-barcode and
qrcode for the codes) and sent as a raster image, so it prints the same on printers with or
without a Chinese font and any barcode reader - or zxing-cpp in the tests - can read it back.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

from salondesk.devices.escpos_output import PAPER_DOTS, escpos_module, paper_profile
from salondesk.devices.printing import send_to_printer
from salondesk.errors import ValidationError
from salondesk.i18n import _
from salondesk.paths import font_path

MARGIN = 8
QR_BOX = 4


@dataclass(frozen=True)
class MemberLabel:
    store_name: str
    member_name: str
    member_no: int
    card_code: str


def _font(size: int) -> Any:
    from PIL import ImageFont

    return ImageFont.truetype(str(font_path()), size)


def _code128(payload: str, width: int) -> Any:
    import barcode
    from barcode.writer import ImageWriter

    # module_width is in mm at the writer's dpi; pick the widest that fits the paper
    for module_mm in (0.5, 0.4, 0.33, 0.25):
        options = {"module_width": module_mm, "module_height": 12.0, "quiet_zone": 2.0,
                   "write_text": False, "dpi": 203}
        picture = barcode.get("code128", payload, writer=ImageWriter()).render(options)
        if picture.width <= width:
            return picture.convert("1")
    raise ValidationError(_("The card code {code} is too long for this label.").format(
        code=payload))


def _qr(payload: str) -> Any:
    import qrcode

    code = qrcode.QRCode(box_size=QR_BOX, border=2)
    code.add_data(payload.encode("utf-8"))
    return code.make_image().get_image().convert("1")


def draw_label(label: MemberLabel, *, width_mm: int) -> Any:
    """The label as a black-and-white Pillow image exactly the paper's dot width."""
    from PIL import Image, ImageDraw

    width = PAPER_DOTS[width_mm]
    if not label.card_code.isascii() or not label.card_code.isprintable():
        raise ValidationError(_("The card code {code} cannot be printed as a barcode.").format(
            code=label.card_code))
    title, body = _font(30), _font(24)
    bar = _code128(label.card_code, width - 2 * MARGIN)
    qr = _qr(label.card_code)
    member = _("{name}  No. {no}").format(name=label.member_name, no=label.member_no)
    lines = [(label.store_name, title), (member, body)]
    heights = [font.getbbox(text)[3] + 8 for text, font in lines]
    total = MARGIN + sum(heights) + bar.height + 8 + qr.height + 24 + MARGIN
    canvas = Image.new("1", (width, total), 1)
    draw = ImageDraw.Draw(canvas)
    y = MARGIN
    for (text, font), height in zip(lines, heights, strict=True):
        text_width = draw.textlength(text, font=font)
        draw.text((max(0, (width - text_width) / 2), y), text, font=font, fill=0)
        y += height
    canvas.paste(bar, ((width - bar.width) // 2, y))
    y += bar.height + 8
    canvas.paste(qr, ((width - qr.width) // 2, y))
    y += qr.height
    text_width = draw.textlength(label.card_code, font=body)
    draw.text(((width - text_width) / 2, y), label.card_code, font=body, fill=0)
    return canvas


def label_bytes(label: MemberLabel, *, width_mm: int) -> bytes:
    """ESC/POS bytes for one label: initialise, the picture, feed and cut."""
    printer = escpos_module().Dummy(profile=paper_profile(width_mm))
    printer.hw("INIT")
    printer.image(draw_label(label, width_mm=width_mm), impl="bitImageRaster")
    printer.cut()
    return bytes(printer.output)


def print_label(uri: str, label: MemberLabel, *, width_mm: int) -> None:
    """Print the label; raises only PrinterError (or ValidationError for an unprintable code)."""
    send_to_printer(uri, label_bytes(label, width_mm=width_mm))


def preview_png(label: MemberLabel, *, width_mm: int) -> bytes:
    buffer = io.BytesIO()
    draw_label(label, width_mm=width_mm).save(buffer, format="PNG")
    return buffer.getvalue()
