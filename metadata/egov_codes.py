"""The national portal's integer codes, and how our vocabularies map onto them.

data.egov.bg (governmentbg/data-gov-bg, read at commit 10e92521) takes codes, not words: the
constants below are its own, cited by file and line, so that a reader can check each one.
"""
from __future__ import annotations

# app/Resource.php:21-24 (TYPE_FILE = 1, TYPE_HYPERLINK = 2, TYPE_API = 3, TYPE_AUTO = 4).
# API: the portal fetches resource_url itself, on the schedule below
# (app/Console/Commands/ApiResourceSendPending.php:63-82 runs every resource whose
# upl_freq_type and upl_freq are set).
RESOURCE_TYPE_API = 3
RESOURCE_TYPES = (1, 2, 3, 4)

# app/Resource.php:39-40 and getRequestTypes() at :128-134: the names the API takes in
# data[http_rq_type] (ResourceController.php:82 "in:POST,GET").
HTTP_REQUEST_TYPES = ("POST", "GET")

# app/DataQuery.php:12-15 and getFreqTypes() at :20-28.
FREQ_HOUR, FREQ_DAY, FREQ_WEEK, FREQ_MONTH = 1, 2, 3, 4
FREQ_TYPES = (FREQ_HOUR, FREQ_DAY, FREQ_WEEK, FREQ_MONTH)
# ResourceController.php:90 and :469: 'upl_freq' => 'nullable|int|max:127'.
MAX_UPL_FREQ = 127

# Our EU frequency -> (upl_freq_type, upl_freq): how often the national portal pulls our CSV.
# IRREG and UNKNOWN promise nothing, but such data still changes: a weekly pull keeps the
# national copy at most a week behind. NEVER: no schedule at all (both fields null).
PULL_SCHEDULE: dict[str, tuple[int, int] | None] = {
    "UPDATE_CONT": (FREQ_HOUR, 1),
    "DAILY": (FREQ_DAY, 1),
    "WEEKLY": (FREQ_WEEK, 1),
    "MONTHLY": (FREQ_MONTH, 1),
    "QUARTERLY": (FREQ_MONTH, 3),
    "ANNUAL_2": (FREQ_MONTH, 6),
    "ANNUAL": (FREQ_MONTH, 12),
    "BIENNIAL": (FREQ_MONTH, 24),
    "IRREG": (FREQ_WEEK, 1),
    "UNKNOWN": (FREQ_WEEK, 1),
    "NEVER": None,
}

# app/DataSet.php:24-25 (VISIBILITY_PUBLIC = 1, VISIBILITY_PRIVATE = 2). addDataset makes a
# dataset private unless told otherwise (DataSetController.php:140); ours are all public.
VISIBILITY_PUBLIC = 1
VISIBILITIES = (1, 2)

# Categories are rows, created in this order by
# database/migrations/2018_09_19_070222_insert_base_categories_in_categories.php:12-117
# (ids 1-13 on a fresh install) and ..._2018_09_21_111448_add_uncategorized_category.php:12-19
# (id 14). They match the EU data themes one to one; the national portal has one category per
# dataset, so a dataset's first theme decides it.
CATEGORIES: dict[str, int] = {
    "AGRI": 1, "EDUC": 2, "ENVI": 3, "ENER": 4, "TRAN": 5, "TECH": 6, "ECON": 7,
    "SOCI": 8, "GOVE": 9, "HEAL": 10, "REGI": 11, "JUST": 12, "INTR": 13,
}
UNCATEGORIZED = 14

# Terms of use, created in this order by
# database/migrations/2018_10_04_075652_insert_terms_in_terms_of_use.php:13-95:
# 1 no copyright protection, 2 attribution, 3 attribution + share-alike, 4-7 no-derivatives and
# non-commercial variants, 8 trade secrets. ODbL asks for attribution and share-alike: 3.
TERMS_OF_USE: dict[str, int] = {"CC0-1.0": 1, "CC-BY-4.0": 2, "CC-BY-SA-4.0": 3, "ODbL-1.0": 3}

# Lengths the controllers validate (DataSetController.php:81-96, ResourceController.php:73-81).
MAX_TEXT = 8000  # name, description
MAX_SHORT = 191  # tags, source, author_name, resource_url


def category_of(themes: tuple[str, ...]) -> int:
    """Return the national category id of a dataset's first known theme (else Uncategorized)."""
    return next((CATEGORIES[t] for t in themes if t in CATEGORIES), UNCATEGORIZED)
