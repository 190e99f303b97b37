"""Region configuration in force on a date: a stored version, or the shipped default."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from doorstroom.core import assessment, residence, waiting
from doorstroom.journey.models import RegionConfiguration
from doorstroom.reference.models import Region

DEFAULT_VERSION = "standaard"


@dataclass(frozen=True)
class Configured:
    version: str
    definition: Any
    stored: RegionConfiguration | None


def _latest(region: Region, kind: str, on: date) -> RegionConfiguration | None:
    return (
        RegionConfiguration.objects.filter(region=region, kind=kind, valid_from__lte=on)
        .order_by("-valid_from", "-id")
        .first()
    )


def assessment_framework(region: Region, on: date) -> Configured:
    stored = _latest(region, RegionConfiguration.Kind.ASSESSMENT_FRAMEWORK, on)
    if stored is not None:
        return Configured(stored.version, stored.definition, stored)
    framework = assessment.default_framework()
    return Configured(f"{DEFAULT_VERSION} {framework['version']}", framework, None)


def residence_rules(region: Region, on: date) -> Configured:
    stored = _latest(region, RegionConfiguration.Kind.RESIDENCE_RULES, on)
    if stored is not None:
        return Configured(stored.version, stored.definition, stored)
    return Configured(DEFAULT_VERSION, residence.default_rules(), None)


def waiting_list_policy(region: Region, on: date) -> Configured:
    stored = _latest(region, RegionConfiguration.Kind.WAITING_LIST_POLICY, on)
    if stored is not None:
        return Configured(stored.version, waiting.validate_policy(stored.definition), stored)
    return Configured(DEFAULT_VERSION, waiting.DEFAULT_POLICY, None)
