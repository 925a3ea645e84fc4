"""Statistical disclosure control of the public store: suppression (:mod:`.suppress`) and its proof (:mod:`.verify`).

The policy is ``schemas/disclosure.yaml``; the table structure is the additive rules of ``schemas/rules.yaml``.
"""

from yearbook.disclosure.policy import DisclosurePolicy, load_policy
from yearbook.disclosure.suppress import DisclosureError, DisclosureResult, protect
from yearbook.disclosure.verify import Verification, cell_intervals, check_protection, derived_leaks, recoverable_figures, verify

__all__ = [
    "DisclosureError",
    "DisclosurePolicy",
    "DisclosureResult",
    "Verification",
    "cell_intervals",
    "check_protection",
    "derived_leaks",
    "load_policy",
    "protect",
    "recoverable_figures",
    "verify",
]
