from .arrears import ArrearsCase, ArrearsContactAttempt, ArrearsReport, ArrearsSettings, Result
from .debtors import Debtor, DebtorCategory, DebtorSnapshot, HouseholdType
from .deliveries import Delivery, DeliveryFingerprints
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
    "Delivery",
    "DeliveryFingerprints",
    "HouseholdType",
    "IncomeRecord",
    "Result",
    "VehicleRecord",
]
