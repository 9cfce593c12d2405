from .arrears import ArrearsCase, ArrearsReport, Result
from .debtors import Debtor, DebtorCategory, DebtorSnapshot, HouseholdType
from .deliveries import Delivery
from .sources import BankBalance, IncomeRecord, VehicleRecord

__all__ = [
    "ArrearsCase",
    "ArrearsReport",
    "BankBalance",
    "Debtor",
    "DebtorCategory",
    "DebtorSnapshot",
    "Delivery",
    "HouseholdType",
    "IncomeRecord",
    "Result",
    "VehicleRecord",
]
