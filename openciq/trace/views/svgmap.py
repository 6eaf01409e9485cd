"""An offline map of a trace, drawn on the server as SVG: no tiles, no network, no script.

The places with a latitude and longitude go through an equirectangular projection (longitude
scaled by the cosine of the middle latitude, so a degree east and a degree north are about as
long on the page as on the ground) fitted to the drawing with a margin. Stops are numbered in
timeline order and joined by arrows; a place visited twice carries both numbers. A scale bar
of a round distance gives the size. At the distances of one trace (a farm to a border gate, a
few hundred kilometres) the projection's error is far below what the drawing shows.

Pure geometry: the view decides which place each event happened at.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass, field

WIDTH = 640
HEIGHT = 400
MARGIN = 56
RADIUS = 12
KM_PER_DEGREE = 111.32  # along a meridian, and along the equator
MIN_SPAN = 0.02  # degrees: a trace at one place still shows a couple of kilometres around it
_LABEL_GAP = 16
_NICE = (1, 2, 5)


@dataclass(frozen=True)
class Place:
    """A located place: ``key`` identifies it (the location's id)."""

    key: int
    name: str
    latitude: float
    longitude: float


@dataclass
class Marker:
    place: Place
    x: float
    y: float
    numbers: list[int] = field(default_factory=list)

    @property
    def number(self) -> int:
        return self.numbers[0]

    @property
    def later(self) -> list[int]:
        """The numbers of later visits, written beside the label."""
        return self.numbers[1:]

    @property
    def anchor(self) -> str:
        return "end" if self.x > WIDTH * 0.72 else "start"

    @property
    def label_x(self) -> float:
        return round(self.x - _LABEL_GAP if self.anchor == "end" else self.x + _LABEL_GAP, 1)


@dataclass(frozen=True)
class Segment:
    """A leg between two stops, cut back at both ends so its arrow ends at the marker's rim."""

    x1: float
    y1: float
    x2: float
    y2: float


@dataclass(frozen=True)
class Scale:
    x: float
    y: float
    length: float
    label: str

    @property
    def end(self) -> float:
        return round(self.x + self.length, 1)

    @property
    def top(self) -> float:
        return self.y - 4

    @property
    def bottom(self) -> float:
        return self.y + 4


@dataclass
class Map:
    width: int
    height: int
    markers: list[Marker]
    segments: list[Segment]
    scale: Scale
    stops: int

    @property
    def north_x(self) -> int:
        """Where the north arrow stands (bottom right corner, opposite the scale bar)."""
        return self.width - 28

    @property
    def north_y(self) -> int:
        return self.height - 20


def stops_of(places: Sequence[Place]) -> list[Place]:
    """The places in order with repeats in a row folded (three reads at one gate are one stop)."""
    stops: list[Place] = []
    for place in places:
        if not stops or stops[-1].key != place.key:
            stops.append(place)
    return stops


def draw(places: Sequence[Place]) -> Map | None:
    """The map of ``places`` in timeline order; ``None`` when none is given."""
    stops = stops_of(places)
    if not stops:
        return None
    middle = (min(p.latitude for p in stops) + max(p.latitude for p in stops)) / 2
    shrink = max(math.cos(math.radians(middle)), 0.01)
    xs = [p.longitude * shrink for p in stops]
    ys = [p.latitude for p in stops]
    span_x = max(max(xs) - min(xs), MIN_SPAN)
    span_y = max(max(ys) - min(ys), MIN_SPAN)
    scale = min((WIDTH - 2 * MARGIN) / span_x, (HEIGHT - 2 * MARGIN) / span_y)
    centre_x, centre_y = (max(xs) + min(xs)) / 2, (max(ys) + min(ys)) / 2

    def project(place: Place) -> tuple[float, float]:
        x = WIDTH / 2 + (place.longitude * shrink - centre_x) * scale
        y = HEIGHT / 2 - (place.latitude - centre_y) * scale
        return round(x, 1), round(y, 1)

    markers: dict[int, Marker] = {}
    points: list[tuple[float, float]] = []
    for number, place in enumerate(stops, start=1):
        x, y = project(place)
        markers.setdefault(place.key, Marker(place, x, y)).numbers.append(number)
        points.append((x, y))
    segments = [_segment(a, b) for a, b in itertools.pairwise(points) if a != b]
    return Map(
        WIDTH,
        HEIGHT,
        list(markers.values()),
        [s for s in segments if s is not None],
        _scale(scale),
        len(stops),
    )


def _segment(a: tuple[float, float], b: tuple[float, float]) -> Segment | None:
    dx, dy = b[0] - a[0], b[1] - a[1]
    length = math.hypot(dx, dy)
    cut = RADIUS + 3
    if length <= 2 * cut:
        return None
    ux, uy = dx / length, dy / length
    return Segment(
        round(a[0] + ux * cut, 1),
        round(a[1] + uy * cut, 1),
        round(b[0] - ux * cut, 1),
        round(b[1] - uy * cut, 1),
    )


def _scale(pixels_per_degree: float) -> Scale:
    """A bar of a round distance (1, 2 or 5 times a power of ten) about a fifth of the width."""
    km_per_pixel = KM_PER_DEGREE / pixels_per_degree
    target = (WIDTH / 5) * km_per_pixel
    power = 10 ** math.floor(math.log10(target))
    distance = max(n * power for n in _NICE if n * power <= target)
    label = f"{distance:g} km" if distance >= 1 else f"{distance * 1000:g} m"
    return Scale(x=MARGIN / 2, y=HEIGHT - 20, length=round(distance / km_per_pixel, 1), label=label)
