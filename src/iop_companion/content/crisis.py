"""Loads the crisis resources for a region from `assets/crisis/<region>.json`."""

from __future__ import annotations

import json
from pathlib import Path

from iop_companion.domain.crisis import RegionCrisisResources, contact_from_dict


def load_region_resources(crisis_dir: Path, region: str = "us") -> RegionCrisisResources:
    with (crisis_dir / f"{region.lower()}.json").open(encoding="utf-8") as handle:
        data = json.load(handle)
    contacts = tuple(contact_from_dict(item) for item in data["contacts"])
    if not contacts:
        raise ValueError(f"Crisis resources for {region} list no contacts.")
    referral = data.get("referral")
    return RegionCrisisResources(
        region=str(data["region"]),
        contacts=contacts,
        referral=contact_from_dict(referral) if referral else None,
    )
