"""Every colour a chart uses, in one place.

The hues are Okabe-Ito's: distinguishable with the common colour-vision deficiencies. Colours
are keyed by code (age group, age class, judgement), never by the words shown, so that a change
of wording in ``figures.labels`` cannot lose a colour.
"""

from __future__ import annotations

BLUE = "#0072B2"
VERMILLION = "#D55E00"
GREEN = "#009E73"
PURPLE = "#CC79A7"
SKY_BLUE = "#56B4E9"
ORANGE = "#E69F00"
YELLOW = "#F0E442"
BLACK = "#000000"
GREY = "#999999"
PALE_GREY = "#BBBBBB"

# A categorical range for groups with no meaning of their own (the contrasts of one study).
CATEGORIES = [BLUE, VERMILLION, GREEN, PURPLE, SKY_BLUE, ORANGE, BLACK]

# Table 1: pediatric figures blue; adult-derived figures orange with a darker outline, so that the
# difference survives greyscale printing.
PEDIATRIC = BLUE
ADULT = ORANGE
ADULT_OUTLINE = "#8A5A00"

# The patients' age group (codes of codes.schema.json#/$defs/age_group): young patients blue,
# mixed ages green, adults orange (the Table 1 adult colour). The order is the legends' order.
AGE_GROUPS = {
    "pediatric": BLUE,
    "adolescent": SKY_BLUE,
    "pediatric-adolescent": SKY_BLUE,
    "mixed": GREEN,
    "adult": ORANGE,
}
# The coarser age classes of ``labels.age_class`` (evidence map): pediatric, adult, mixed.
AGE_CLASSES = {"pediatric": BLUE, "adult": ORANGE, "mixed": GREY}

# Two periods of a survival trend: the earlier grey, the later blue.
EARLIER = GREY
LATER = BLUE

# Forest plots: members blue, the pooled diamond and prediction interval vermillion.
STUDY = BLUE
POOLED = VERMILLION

# Risk of bias (robvis style): a colour per judgement and per overall risk.
JUDGEMENTS = {"yes": GREEN, "no": VERMILLION, "unclear": YELLOW, "not-applicable": PALE_GREY}
RISKS = {"low": GREEN, "moderate": YELLOW, "high": VERMILLION, "unclear": PALE_GREY}

# Outlines, letters and the PRISMA boxes.
OUTLINE = "#333333"
TEXT = BLACK
BOX = "#F0F4F8"
