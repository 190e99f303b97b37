"""Labels for the products of ``core.journey`` (advice, decisions, facility types)."""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from doorstroom.core.journey import PLACE_PRODUCTS, Product

PRODUCT_LABELS: dict[Product, Promise] = {
    Product.BW: _("Sheltered housing 24/7 (Beschermd Wonen)"),
    Product.BT_INDIVIDUAL: _("Protected at home, individual (Beschermd Thuis)"),
    Product.BT_CLUSTER: _("Protected at home, cluster (Beschermd Thuis)"),
    Product.BT_YOUTH_CLUSTER: _("Youth cluster 18-24 (Beschermd Thuis)"),
    Product.MO_NIGHT: _("Night shelter (Maatschappelijke Opvang)"),
    Product.MO_24H: _("24-hour shelter (Maatschappelijke Opvang)"),
    Product.MO_CRISIS: _("Crisis shelter (Maatschappelijke Opvang)"),
    Product.AMBULANT: _("Ambulant support at home"),
    Product.NOT_ELIGIBLE: _("Not eligible for BW/BT/MO"),
}
PRODUCT_CHOICES = [(p.value, label) for p, label in PRODUCT_LABELS.items()]
PLACE_PRODUCT_CHOICES = [
    (p.value, label) for p, label in PRODUCT_LABELS.items() if p in PLACE_PRODUCTS
]


def product_label(value: str) -> Promise | str:
    try:
        return PRODUCT_LABELS[Product(value)]
    except ValueError:
        return value
