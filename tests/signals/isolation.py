"""Makers for the isolation walk: URL keyword arguments of signals -> objects of the given municipality."""

from tenancy.models import Municipality

from .factories import DebtorExclusionFactory, EvaluationRunFactory, SignalFactory, WhatIfFactory


def make_run(municipality: Municipality) -> int:
    return EvaluationRunFactory(municipality=municipality, finished=True).pk


def make_signal(municipality: Municipality) -> int:
    return SignalFactory(debtor__municipality=municipality).pk


def make_what_if(municipality: Municipality) -> int:
    return WhatIfFactory(profile__municipality=municipality, finished=True).pk


def make_exclusion(municipality: Municipality) -> int:
    return DebtorExclusionFactory(debtor__municipality=municipality).pk


KWARGS = {
    "run_id": make_run,
    "signal_id": make_signal,
    "what_if_id": make_what_if,
    "exclusion_id": make_exclusion,
}


def seed(municipality: Municipality) -> list[str]:
    """Data of the other municipality that must never show on a page of this one."""
    exclusion = DebtorExclusionFactory(
        debtor__municipality=municipality, debtor__debtor_ref="KANARIE-SIGNAAL-1", reason="Kanarie-reden"
    )
    SignalFactory(debtor=exclusion.debtor, evidence_key="KANARIE-KENTEKEN")
    return ["KANARIE-SIGNAAL-1", "Kanarie-reden", "KANARIE-KENTEKEN"]
