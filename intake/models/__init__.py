from .arrears import ArrearsCase, ArrearsContactAttempt, ArrearsReport, ArrearsSettings, Result
from .debtors import Debtor, DebtorCategory, DebtorSnapshot, HouseholdType
from .deliveries import Delivery, DeliveryFingerprints
from .known_debtors import DebtorWrites, KnownDebtorsCopy
from .sources import BankBalance, IncomeRecord, VehicleRecord

__all__ = [
    "ArrearsCase",
    "ArrearsContactAttempt",
    "ArrearsReport",
    "ArrearsSettings",
    "BankBalance",
    "Debtor",
    "DebtorCategory",
    "DebtorSnapshot",
    "DebtorWrites",
    "Delivery",
    "DeliveryFingerprints",
    "HouseholdType",
    "IncomeRecord",
    "KnownDebtorsCopy",
    "Result",
    "VehicleRecord",
]
