"""What a business's country decides when reading its documents: how dates are written, which languages to expect,
what a dollar sign means, and how tax numbers are labelled and checked."""
from stdnum import get_cc_module

# Month first only where that is the everyday habit. Canada is mixed; its accounting software and English-speaking
# bookkeepers mostly write month first, so a Canadian business reads 03/04/2025 as March 4 (a day over 12 still
# decides it either way).
MONTH_FIRST = {"US", "CA", "PH"}

LANGUAGES = {
    "DE": ("de",), "AT": ("de",), "CH": ("de", "fr", "it"), "FR": ("fr",), "BE": ("fr", "nl"), "LU": ("fr", "de"),
    "NL": ("nl",), "ES": ("es",), "IT": ("it",), "PT": ("pt",), "IE": (), "MY": ("ms",), "CA": ("fr",),
}

DOLLAR = {"US": "USD", "AU": "AUD", "NZ": "NZD", "CA": "CAD", "SG": "SGD", "HK": "HKD", "FJ": "FJD"}

# Labels a supplier's tax number is printed after, by country ("" for any country).
TAX_LABELS = {
    "": r"VAT|GST|TIN|Tax\s*(?:ID|No\.?|Number|Reg)",
    "GB": r"VAT", "IE": r"VAT", "AU": r"ABN", "NZ": r"GST|NZBN|IRD", "US": r"EIN|FEIN|Tax\s*ID",
    "CA": r"GST|HST|BN|QST", "MY": r"GST|SST", "SG": r"GST|UEN", "IN": r"GSTIN|GST", "DE": r"USt|Steuer",
    "FR": r"TVA|SIRET|SIREN", "NL": r"BTW", "BE": r"BTW|TVA", "ES": r"NIF|CIF|IVA", "IT": r"P\.?\s*IVA",
    "ZA": r"VAT",
}

# The python-stdnum modules that check a country's tax numbers (first that accepts a number wins).
TAX_CHECKERS = {
    "GB": ("vat",), "IE": ("vat",), "AU": ("abn",), "NZ": ("ird",), "US": ("ein",), "CA": ("bn",),
    "IN": ("gstin",), "DE": ("vat",), "FR": ("tva", "siren", "siret"), "NL": ("btw",), "BE": ("vat",),
    "ES": ("nif",), "IT": ("iva",), "SG": ("uen",),
}


def day_first(country: str) -> bool:
    return country.upper() not in MONTH_FIRST


def languages(country: str) -> list[str]:
    return ["en", *LANGUAGES.get(country.upper(), ())]


def tax_number_valid(number: str, country: str) -> bool | None:
    """Whether python-stdnum accepts the number for the country (None: no checker for that country)."""
    names = TAX_CHECKERS.get(country.upper())
    if not names:
        return None
    for name in names:
        module = get_cc_module(country.lower(), name)
        if module is not None and module.is_valid(number):
            return True
    return False
