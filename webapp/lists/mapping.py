"""Xero's JSON for each list, turned into our columns."""
import json
from decimal import Decimal

from webapp.xero.dates import parse_date

APPLIES_TO = ("Assets", "Equity", "Expenses", "Liabilities", "Revenue")


def organisation(data: dict, multi_currency: bool) -> dict:
    return {
        "name": data.get("Name") or "", "base_currency": data.get("BaseCurrency") or "",
        "country_code": data.get("CountryCode") or "", "tax_basis": data.get("SalesTaxBasis") or "",
        "tax_number": data.get("TaxNumber") or "",
        "period_lock_date": parse_date(data.get("PeriodLockDate")),
        "end_of_year_lock_date": parse_date(data.get("EndOfYearLockDate")),
        "financial_year_end_day": data.get("FinancialYearEndDay"),
        "financial_year_end_month": data.get("FinancialYearEndMonth"),
        "multi_currency": multi_currency,
    }


def category(data: dict) -> dict:
    return {
        "xero_id": data["AccountID"], "code": data.get("Code") or "", "name": data.get("Name") or "",
        "type": data.get("Type") or "", "account_class": data.get("Class") or "",
        "status": data.get("Status") or "ACTIVE", "tax_type": data.get("TaxType") or "",
        "description": data.get("Description") or "", "currency_code": data.get("CurrencyCode") or "",
        "bank_account_number": data.get("BankAccountNumber") or "",
    }


def contact(data: dict) -> dict:
    return {
        "xero_id": data["ContactID"], "name": data.get("Name") or "", "email": data.get("EmailAddress") or "",
        "status": data.get("ContactStatus") or "ACTIVE", "is_supplier": bool(data.get("IsSupplier")),
        "is_customer": bool(data.get("IsCustomer")), "default_currency": data.get("DefaultCurrency") or "",
        "tax_number": data.get("TaxNumber") or "",
        "purchases_account_code": data.get("PurchasesDefaultAccountCode") or "",
        "sales_account_code": data.get("SalesDefaultAccountCode") or "",
    }


def tracking_category(data: dict) -> dict:
    return {"xero_id": data["TrackingCategoryID"], "name": data.get("Name") or "",
            "status": data.get("Status") or "ACTIVE"}


def tracking_option(data: dict, category_id: int) -> dict:
    return {"xero_id": data["TrackingOptionID"], "name": data.get("Name") or "",
            "status": data.get("Status") or "ACTIVE", "category": category_id}


def tax_rate(data: dict) -> dict:
    components = [{"name": c.get("Name") or "", "rate": str(c.get("Rate", 0)),
                   "is_compound": bool(c.get("IsCompound")), "is_non_recoverable": bool(c.get("IsNonRecoverable"))}
                  for c in data.get("TaxComponents") or []]
    display = data.get("DisplayTaxRate")
    return {
        "xero_id": data["TaxType"], "name": data.get("Name") or "", "status": data.get("Status") or "ACTIVE",
        "effective_rate": _money(data.get("EffectiveRate", 0)),
        "display_rate": None if display is None else _money(display),
        "report_tax_type": data.get("ReportTaxType") or "",
        "can_apply_to": " ".join(area.upper() for area in APPLIES_TO if data.get(f"CanApplyTo{area}")),
        "components": json.dumps(components, sort_keys=True),
    }


def currency(data: dict) -> dict:
    return {"xero_id": data["Code"], "description": data.get("Description") or "", "status": "ACTIVE"}


def _money(value) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.0001"))
