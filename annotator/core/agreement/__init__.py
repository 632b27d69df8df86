"""Agreement between people who labelled the same image. Pure: numpy and `masks` (pycocotools), no Flask
or database: the shell hands in plain outlines and gets plain, JSON-ready figures back.

**Objects.** Everyone's outlines of one image are grouped into objects ("the second car from the left"):
outlines are taken largest first (ties by annotation id); each joins the existing object whose *seed* (its
first, largest member) it overlaps with the highest mask IoU, provided that IoU is at least `MATCH_IOU` and
the object has no outline from the same person yet; otherwise it starts an object of its own. Classes play no
part in the matching, so "rider" and "person" drawn round the same cyclist land in one object and show up as
a confusion. Comparing with the seed only (not with every member) keeps the rule order-free within a size
and cheap: an outline is compared with seeds whose boxes it touches.

**Per object**: the class each person gave, the IoU of every two members' masks, and the people who have
no outline in it (`missing`). A missing person is a miss, never a silent IoU of 0 in the average: the
object's `mean_iou` is over the pairs who both outlined it, and the misses are listed beside it (in the CSV
such a pair is a row with IoU 0 and the missing side's class empty).

**Between two people**: the mean IoU over the objects both outlined, how many those are, and how many only
one of them outlined.

**Class confusions**: for each object, every two members who gave different classes count once for that
(unordered) pair of classes.

**Per pixel**: each person's outlines are painted into a class map in the order they were made, a later one
over an earlier one (as the semantic label maps are); then each pixel has the number of people who labelled
it, how many gave each class, the number of distinct classes, and the majority's share of the labellers.

**Ground truth** (the sample scenes ship it): each person's outlines are matched one-to-one to ground-truth
objects, greedily by IoU (highest first, at least `MATCH_IOU`, whatever the classes), and each match says
whether the classes agree. Ground truth outlines every small sign and pole; people outline a few objects, so
a person's figures are the outlines that match, their mean IoU, and coverage (ground-truth objects matched,
by count and by area).

The package: `outlines` (what comes in), `objects` (the report: objects, pairs, confusions), `truth` (ground
truth), `pixels` (per pixel, the disagreement map) and `csv_export` (the report as CSV rows).
"""

from annotator.core.agreement.csv_export import CSV_COLUMNS, GROUND_TRUTH, csv_rows, csv_text
from annotator.core.agreement.objects import analyse
from annotator.core.agreement.outlines import MATCH_IOU, ROUND, Outline, TruthObject
from annotator.core.agreement.pixels import (
           AMBER,
           GREEN,
           RED,
           PixelAgreement,
           heat_rgba,
           pixel_agreement,
           pixel_classes,
           png,
)
from annotator.core.agreement.truth import truth_for_image

__all__ = ["AMBER", "CSV_COLUMNS", "GREEN", "GROUND_TRUTH", "MATCH_IOU", "RED", "ROUND", "Outline", "PixelAgreement",
           "TruthObject", "analyse", "csv_rows", "csv_text", "heat_rgba", "pixel_agreement", "pixel_classes", "png",
           "truth_for_image"]
