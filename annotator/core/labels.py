"""The default label set: Cityscapes' classes for driving scenes, with our own definitions.

Plain data: what a replacement set must meet, from a request or a file, is `annotator.core.schemas.labels`;
storing it is the store's job.
"""

from __future__ import annotations

from dataclasses import dataclass

MAX_NAME_LENGTH = 64  # Category.name and .supercategory columns
MAX_DEFINITION_LENGTH = 500


@dataclass(frozen=True)
class Label:
    """One class of the label set, as shown in the picker and written to COCO `categories`."""

    name: str
    supercategory: str
    colour: str
    definition: str
    # The stored class this entry edits, when the page sends it: a rename keeps the class (and its COCO id).
    id: int | None = None


# Colours follow the Cityscapes palette, so outlines look familiar to anyone who has seen that
# dataset; the definitions are ours, one sentence each, written for a workshop participant.
DEFAULT_LABELS: tuple[Label, ...] = (
    Label("road", "flat", "#804080", "The part of the ground that cars drive on, lane markings included."),
    Label("sidewalk", "flat", "#f423e8", "Ground set aside for pedestrians or cyclists, usually raised behind a kerb."),
    Label("parking", "flat", "#faaaa0", "Ground marked or used for parked vehicles, beside the lanes."),
    Label("rail track", "flat", "#e6968c", "Ground carrying tram or train rails, whether or not cars share it."),
    Label("person", "human", "#dc143c", "A human on foot, standing, walking, sitting or lying, not riding anything."),
    Label("rider", "human", "#ff0000", "A human riding a bicycle, motorcycle or scooter; label the vehicle apart."),
    Label("car", "vehicle", "#00008e", "A passenger car, van, pick-up or SUV."),
    Label("truck", "vehicle", "#000046", "A vehicle built to carry goods, with a separate cab."),
    Label("bus", "vehicle", "#003c64", "A vehicle built to carry many passengers on the road."),
    Label("train", "vehicle", "#005064", "A train or tram running on rails."),
    Label("motorcycle", "vehicle", "#0000e6", "A motorcycle or motor scooter, without its rider."),
    Label("bicycle", "vehicle", "#770b20", "A bicycle, without its rider."),
    Label("caravan", "vehicle", "#00005a", "A vehicle that people live in, towed or self-driving."),
    Label("trailer", "vehicle", "#00006e", "A wheeled load pulled by another vehicle."),
    Label("building", "construction", "#464646", "A house, shop, tower or other structure with walls and a roof."),
    Label("wall", "construction", "#66669c", "A free-standing wall that is not part of a building."),
    Label("fence", "construction", "#be9999", "A fence or railing you can partly see through."),
    Label("guard rail", "construction", "#b4a5b4", "A metal barrier along the road edge that keeps vehicles on it."),
    Label("bridge", "construction", "#966464", "A bridge, overpass or its supports."),
    Label("tunnel", "construction", "#96785a", "The walls and mouth of a tunnel."),
    Label("pole", "object", "#999999", "A vertical post carrying signs, lights or cables."),
    Label("traffic light", "object", "#faaa1e", "The housing and lamps of a traffic signal, not its pole."),
    Label("traffic sign", "object", "#dcdc00", "The face of a road sign, not its pole."),
    Label("vegetation", "nature", "#6b8e23", "Trees, hedges and other plants standing above the ground."),
    Label("terrain", "nature", "#98fb98", "Grass, soil or sand on the ground that is not road or sidewalk."),
    Label("sky", "sky", "#4682b4", "Open sky, clouds included."),
    Label("void/unknown", "void", "#000000", "Anything no other class fits, or that you cannot make out."),
)


VOID_NAME = "void/unknown"


def void_label() -> Label:
    """The class a flagged annotation carries until the instructor decides ("none fits", "unsure"): the
    default set's void/unknown, re-created from here when an instructor's own label set lacks it."""
    return next(label for label in DEFAULT_LABELS if label.name == VOID_NAME)
