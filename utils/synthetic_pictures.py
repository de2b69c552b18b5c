"""Drawing the generated competitions' pictures, each with a class signal a network can learn
from the pixels alone (utils.synthetic writes them in Kaggle's layouts):

* dogs vs cats: a compact striped animal with pointed ears (cat) or a long
  spotted one with floppy ears (dog), at a random place and size, in any
  colour (colour says nothing of the class), on a random cluttered background;
* State Farm: each driver has their own look (cabin and shirt colours,
  window, hair, build); the class decides where the hands are and what
  brightly coloured thing they hold. A model that has seen a driver does
  better on their other pictures than on a new driver, as with the real data,
  so a random split scores higher than a split by driver.
"""

import colorsys

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

# ---------------------------------------------------------------- dogs vs cats


def dogscats_image(rng, is_dog):
    """One 'photo' of about 500x375: background clutter plus one animal."""
    width, height = int(rng.integers(380, 501)), int(rng.integers(280, 376))
    picture = _cluttered_background(rng, width, height)
    _draw_animal(picture, rng, is_dog)
    return _finish(picture, rng, blur=rng.uniform(0, 1.2))


def _cluttered_background(rng, width, height):
    """A low-saturation gradient with a few random 'furniture' shapes."""
    top = _hsv(rng.uniform(), rng.uniform(0.05, 0.35), rng.uniform(0.35, 0.95))
    bottom = _hsv(rng.uniform(), rng.uniform(0.05, 0.35), rng.uniform(0.25, 0.85))
    fade = np.linspace(0, 1, height, dtype=np.float32)[:, None, None]
    pixels = (1 - fade) * top + fade * bottom
    picture = Image.fromarray(np.broadcast_to(pixels, (height, width, 3)).astype(np.uint8))
    draw = ImageDraw.Draw(picture)
    for _ in range(int(rng.integers(2, 6))):
        x, y = rng.uniform(-0.2, 1.0) * width, rng.uniform(-0.2, 1.0) * height
        w, h = rng.uniform(0.1, 0.5) * width, rng.uniform(0.1, 0.5) * height
        colour = _rgb(rng.uniform(), rng.uniform(0, 0.4), rng.uniform(0.2, 0.9))
        shape = draw.rectangle if rng.uniform() < 0.6 else draw.ellipse
        shape([x, y, x + w, y + h], fill=colour)
    return picture


def _draw_animal(picture, rng, is_dog):
    """Body, head and ears, filled with the class's palette and texture."""
    width, height = picture.size
    size = rng.uniform(0.22, 0.36) * min(width, height)
    cx, cy = rng.uniform(0.3, 0.7) * width, rng.uniform(0.4, 0.65) * height
    mask = Image.new("L", picture.size, 0)
    draw = ImageDraw.Draw(mask)
    length = 1.6 if is_dog else 1.0  # dogs long and low, cats compact
    draw.ellipse([cx - length * size, cy - 0.6 * size, cx + length * size, cy + 0.8 * size], fill=255)
    hx, hy = cx + rng.choice([-1, 1]) * (length - 0.4) * size, cy - 0.7 * size
    head = 0.55 * size
    draw.ellipse([hx - head, hy - head, hx + head, hy + head], fill=255)
    if is_dog:  # floppy ears hanging beside the head
        for side in (-1, 1):
            ex = hx + side * 0.95 * head
            draw.ellipse([ex - 0.35 * head, hy - 0.5 * head, ex + 0.35 * head, hy + 0.9 * head], fill=255)
    else:  # pointed ears on top of the head
        for side in (-1, 1):
            ex = hx + side * 0.55 * head
            draw.polygon(
                [
                    (ex - 0.4 * head, hy - 0.6 * head),
                    (ex + 0.4 * head, hy - 0.6 * head),
                    (ex + side * 0.15 * head, hy - 1.7 * head),
                ],
                fill=255,
            )
    fur = _spotted_fur(rng, picture.size, size) if is_dog else _striped_fur(rng, picture.size, size)
    picture.paste(Image.fromarray(fur), (0, 0), mask)
    eyes = ImageDraw.Draw(picture)
    for side in (-1, 1):
        ex, ey, r = hx + side * 0.3 * head, hy - 0.1 * head, 0.1 * head
        eyes.ellipse([ex - r, ey - r, ex + r, ey + r], fill=(20, 20, 20))


def _animal_colour(rng):
    """Any hue for either class, 15 % greyish: colour must not give the class away,
    so a model has to learn the ears and the fur's pattern."""
    saturation = rng.uniform(0.05, 0.2) if rng.uniform() < 0.15 else rng.uniform(0.45, 0.9)
    return _hsv(rng.uniform(), saturation, rng.uniform(0.45, 0.95))


def _striped_fur(rng, size, animal_size):
    """Tabby stripes running roughly across the body, wide enough to survive resizing."""
    width, height = size
    angle = np.pi / 2 + rng.uniform(-0.35, 0.35)
    period = rng.uniform(0.1, 0.2) * animal_size
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    wave = np.sin(2 * np.pi * (x * np.cos(angle) + y * np.sin(angle)) / period)
    shade = 0.4 + 0.6 * (wave > rng.uniform(-0.3, 0.3))
    return _to_uint8(_animal_colour(rng) * shade[..., None])


def _spotted_fur(rng, size, animal_size):
    """Round patches on a plain coat, a few across the body."""
    width, height = size
    colour = _animal_colour(rng)
    coat = Image.new("RGB", size, _as_tuple(colour))
    draw = ImageDraw.Draw(coat)
    patch = _as_tuple(colour * rng.uniform(0.3, 0.6))
    for _ in range(int(rng.integers(25, 60))):
        x, y = rng.uniform(0, width), rng.uniform(0, height)
        r = rng.uniform(0.05, 0.12) * animal_size
        draw.ellipse([x - r, y - r, x + r, y + r], fill=patch)
    return np.asarray(coat)


# ---------------------------------------------------------------- State Farm


def driver_look(rng):
    """What stays the same across one driver's pictures: cabin and body.

    Muted colours, so the brightly coloured things the class is about (phone,
    cup, radio...) stand out whoever the driver is.
    """
    return {
        "cabin": _hsv(rng.uniform(), rng.uniform(0.05, 0.3), rng.uniform(0.25, 0.5)),
        "window": _hsv(rng.uniform(0.5, 0.65), rng.uniform(0.0, 0.3), rng.uniform(0.7, 0.95)),
        "window_box": [rng.uniform(0, 120), rng.uniform(0, 40), rng.uniform(420, 640), rng.uniform(110, 160)],
        "seat": _hsv(rng.uniform(), rng.uniform(0.1, 0.4), rng.uniform(0.1, 0.35)),
        "shirt": _hsv(rng.uniform(), rng.uniform(0.1, 0.45), rng.uniform(0.25, 0.6)),
        "skin": _hsv(rng.uniform(0.03, 0.1), rng.uniform(0.25, 0.6), rng.uniform(0.5, 0.9)),
        "hair": _hsv(rng.uniform(0.0, 0.15), rng.uniform(0.2, 0.8), rng.uniform(0.05, 0.45)),
        "head": (rng.uniform(300, 340), rng.uniform(160, 185)),  # drivers sit alike: cues line up
        "head_radius": rng.uniform(44, 56),
    }


_HAND_POSES = {  # class index (see utils.files.STATEFARM_MEANINGS): right hand's offset, what it holds
    0: ((95, 185), None),  # on the wheel
    1: ((70, 230), "texting"),
    2: ((70, 10), "phone"),  # at the right ear
    3: ((95, 185), "texting_left"),
    4: ((95, 185), "phone_left"),  # left hand at the left ear
    5: ((200, 190), "radio"),
    6: ((20, 60), "cup"),
    7: ((280, -40), None),  # behind the seat
    8: ((15, -85), "brush"),
    9: ((95, 185), "turned"),  # head turned to the passenger
}
_OBJECT_COLOURS = {
    "phone": (240, 240, 240),
    "screen": (70, 225, 255),
    "radio": (60, 230, 90),
    "cup": (220, 40, 40),
    "brush": (250, 215, 40),
}
_OBJECT_SIZES = {
    "phone": (26, 48),
    "screen": (44, 32),
    "radio": (70, 40),
    "cup": (32, 46),
    "brush": (18, 70),
}  # half-widths, half-heights: big enough to see at 224x224


def statefarm_image(rng, look, class_index):
    """A 640x480 'dashboard camera' frame of one driver doing one thing."""
    picture = Image.new("RGB", (640, 480), _as_tuple(look["cabin"] * rng.uniform(0.85, 1.15)))
    draw = ImageDraw.Draw(picture)
    draw.rectangle(look["window_box"], fill=_as_tuple(look["window"]))
    hx, hy = look["head"][0] + rng.normal(0, 8), look["head"][1] + rng.normal(0, 6)
    draw.rectangle([hx - 110, hy + 40, hx + 120, 480], fill=_as_tuple(look["seat"]))
    draw.ellipse([hx - 80, hy + 60, hx + 80, hy + 330], fill=_as_tuple(look["shirt"]))
    wheel = (hx - 60, hy + 200)
    draw.ellipse([wheel[0] - 90, wheel[1] - 70, wheel[0] + 90, wheel[1] + 70], outline=(25, 25, 25), width=14)
    (dx, dy), holding = _HAND_POSES[class_index]
    _draw_head(draw, look, hx, hy, turned=holding == "turned")
    left_hand = _left_hand(hx, hy, wheel, holding)
    right_hand = (hx + dx + rng.normal(0, 10), hy + dy + rng.normal(0, 10))
    for shoulder, hand in (((hx - 60, hy + 90), left_hand), ((hx + 60, hy + 90), right_hand)):
        draw.line([shoulder, hand], fill=_as_tuple(look["shirt"]), width=34)
        draw.ellipse([hand[0] - 24, hand[1] - 24, hand[0] + 24, hand[1] + 24], fill=_as_tuple(look["skin"]))
    _draw_held_object(draw, holding, left_hand if "left" in (holding or "") else right_hand)
    return _finish(picture, rng, blur=rng.uniform(0, 1.0))


def _draw_head(draw, look, hx, hy, turned):
    """Face with hair on top; turned towards the passenger, the hair shows instead."""
    r = look["head_radius"]
    shift = 35 if turned else 0
    draw.ellipse([hx - r + shift, hy - r, hx + r + shift, hy + r], fill=_as_tuple(look["skin"]))
    hair = (
        [hx - r + shift, hy - r - 6, hx + r + shift, hy - 0.2 * r]
        if not turned
        else [hx - r + shift - 4, hy - r - 6, hx + 0.4 * r + shift, hy + r]
    )
    draw.ellipse(hair, fill=_as_tuple(look["hair"]))


def _left_hand(hx, hy, wheel, holding):
    if holding == "texting_left":
        return (hx - 75, hy + 230)
    if holding == "phone_left":
        return (hx - 70, hy + 10)
    return (wheel[0] - 75, wheel[1] - 20)


def _draw_held_object(draw, holding, hand):
    if holding is None or holding == "turned":
        return
    kind = holding.removesuffix("_left")
    kind = "screen" if kind == "texting" else kind  # a lit screen, seen from above
    x, y = hand
    w, h = _OBJECT_SIZES[kind]
    draw.rectangle([x - w, y - h, x + w, y + h], fill=_OBJECT_COLOURS[kind])


# ---------------------------------------------------------------- shared helpers


def _finish(picture, rng, blur):
    """Camera blur, lighting and sensor noise, so no two images are alike."""
    if blur > 0.5:
        picture = picture.filter(ImageFilter.BoxBlur(blur))
    pixels = np.asarray(picture, dtype=np.float32) * rng.uniform(0.8, 1.15)
    noise = rng.standard_normal(pixels.shape[:2], dtype=np.float32)[..., None]
    return _to_uint8(pixels + rng.uniform(3, 12) * noise)


def _hsv(hue, saturation, value):
    return np.array(colorsys.hsv_to_rgb(hue % 1.0, saturation, value), dtype=np.float32) * 255


def _rgb(hue, saturation, value):
    return _as_tuple(_hsv(hue, saturation, value))


def _as_tuple(colour):
    return tuple(int(c) for c in np.clip(colour, 0, 255))


def _to_uint8(pixels):
    return np.clip(pixels, 0, 255).astype(np.uint8)
