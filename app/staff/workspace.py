"""The staff workspace's blueprint and what its views share: the guard and the dataset lookup."""
from __future__ import annotations

from flask import Blueprint

from app.staff.auth import authorize, guard_workspace, no_store
from app.state import current_portal
from datasets import catalog
from metadata.records import Dataset

bp = Blueprint("staff", __name__, url_prefix="/staff", template_folder="templates")
bp.before_request(guard_workspace)
bp.after_request(no_store)


def dataset_for(slug: str, action: str) -> Dataset:
    """Return the dataset after checking the user may take `action` for its publisher."""
    dataset = catalog.get_dataset(current_portal().engine, slug)
    authorize(action, dataset.publisher_id)
    return dataset
