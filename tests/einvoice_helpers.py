"""E-invoices made for the tests: a Peppol BIS Billing 3.0 (UBL 2.1) invoice or credit note, a Factur-X EN 16931
(CII) invoice, and a PDF carrying that CII XML, each valid against its official schema unless a test breaks it."""
import io

import facturx
from PIL import Image

PEPPOL_CUSTOMIZATION = "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0"
PEPPOL_PROFILE = "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"

# Two lines in two tax categories: 3 × 40.00 at 21 % (S) and a 100-unit pack priced per 100 at 0 % (Z).
UBL_LINES = (
    {"name": "Consulting hours", "quantity": "3", "price": "40.00", "per": None, "amount": "120.00",
     "category": "S", "percent": "21"},
    {"name": "Printed manuals", "quantity": "100", "price": "250.00", "per": "100", "amount": "250.00",
     "category": "Z", "percent": "0"},
)


def ubl_document(kind: str = "Invoice", *, type_code: str | None = None, payable: str | None = "395.20",
                 tax_currency_total: str | None = None, lines=UBL_LINES, due_date: str = "2024-04-14") -> bytes:
    """A Peppol BIS 3.0 UBL invoice (kind="Invoice") or credit note (kind="CreditNote"): 370.00 net, 25.20 VAT,
    395.20 payable. `payable=None` leaves the payable amount out; `tax_currency_total` adds a tax total in the
    tax currency (SEK) ahead of the document's own."""
    line_tag, quantity_tag = ("InvoiceLine", "InvoicedQuantity") if kind == "Invoice" \
        else ("CreditNoteLine", "CreditedQuantity")
    type_tag = "InvoiceTypeCode" if kind == "Invoice" else "CreditNoteTypeCode"
    type_code = type_code or ("380" if kind == "Invoice" else "381")
    due = f"<cbc:DueDate>{due_date}</cbc:DueDate>" if kind == "Invoice" else ""
    payment_due = "" if kind == "Invoice" else f"<cbc:PaymentDueDate>{due_date}</cbc:PaymentDueDate>"
    body_lines = "".join(_ubl_line(number, line, line_tag, quantity_tag) for number, line in enumerate(lines, 1))
    second_tax = (f'<cac:TaxTotal><cbc:TaxAmount currencyID="SEK">{tax_currency_total}</cbc:TaxAmount>'
                  "</cac:TaxTotal>") if tax_currency_total else ""
    tax_currency = "<cbc:TaxCurrencyCode>SEK</cbc:TaxCurrencyCode>" if tax_currency_total else ""
    payable_element = f'<cbc:PayableAmount currencyID="EUR">{payable}</cbc:PayableAmount>' if payable else ""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<{kind} xmlns="urn:oasis:names:specification:ubl:schema:xsd:{kind}-2"
    xmlns:cac="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
    xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">
  <cbc:CustomizationID>{PEPPOL_CUSTOMIZATION}</cbc:CustomizationID>
  <cbc:ProfileID>{PEPPOL_PROFILE}</cbc:ProfileID>
  <cbc:ID>INV-2024-0042</cbc:ID>
  <cbc:IssueDate>2024-03-15</cbc:IssueDate>
  {due}
  <cbc:{type_tag}>{type_code}</cbc:{type_tag}>
  <cbc:DocumentCurrencyCode>EUR</cbc:DocumentCurrencyCode>
  {tax_currency}
  <cbc:BuyerReference>PO-77</cbc:BuyerReference>
  <cac:AccountingSupplierParty>
    <cac:Party>
      <cbc:EndpointID schemeID="0106">12345678</cbc:EndpointID>
      <cac:PartyName><cbc:Name>Tulip Trading</cbc:Name></cac:PartyName>
      <cac:PostalAddress>
        <cbc:StreetName>Keizersgracht 1</cbc:StreetName><cbc:CityName>Amsterdam</cbc:CityName>
        <cbc:PostalZone>1015 CJ</cbc:PostalZone><cac:Country><cbc:IdentificationCode>NL</cbc:IdentificationCode></cac:Country>
      </cac:PostalAddress>
      <cac:PartyTaxScheme>
        <cbc:CompanyID>NL123456789B01</cbc:CompanyID><cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme>
      </cac:PartyTaxScheme>
      <cac:PartyLegalEntity><cbc:RegistrationName>Tulip Trading B.V.</cbc:RegistrationName></cac:PartyLegalEntity>
      <cac:Contact><cbc:Name>Accounts</cbc:Name><cbc:ElectronicMail>billing@tulip.example</cbc:ElectronicMail></cac:Contact>
    </cac:Party>
  </cac:AccountingSupplierParty>
  <cac:AccountingCustomerParty>
    <cac:Party>
      <cbc:EndpointID schemeID="0088">7300010000001</cbc:EndpointID>
      <cac:PostalAddress><cac:Country><cbc:IdentificationCode>SE</cbc:IdentificationCode></cac:Country></cac:PostalAddress>
      <cac:PartyLegalEntity><cbc:RegistrationName>Fjord Bikes AB</cbc:RegistrationName></cac:PartyLegalEntity>
    </cac:Party>
  </cac:AccountingCustomerParty>
  <cac:PaymentMeans><cbc:PaymentMeansCode>30</cbc:PaymentMeansCode>{payment_due}</cac:PaymentMeans>
  {second_tax}
  <cac:TaxTotal>
    <cbc:TaxAmount currencyID="EUR">25.20</cbc:TaxAmount>
    <cac:TaxSubtotal>
      <cbc:TaxableAmount currencyID="EUR">120.00</cbc:TaxableAmount><cbc:TaxAmount currencyID="EUR">25.20</cbc:TaxAmount>
      <cac:TaxCategory><cbc:ID>S</cbc:ID><cbc:Percent>21</cbc:Percent><cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme></cac:TaxCategory>
    </cac:TaxSubtotal>
    <cac:TaxSubtotal>
      <cbc:TaxableAmount currencyID="EUR">250.00</cbc:TaxableAmount><cbc:TaxAmount currencyID="EUR">0.00</cbc:TaxAmount>
      <cac:TaxCategory><cbc:ID>Z</cbc:ID><cbc:Percent>0</cbc:Percent><cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme></cac:TaxCategory>
    </cac:TaxSubtotal>
  </cac:TaxTotal>
  <cac:LegalMonetaryTotal>
    <cbc:LineExtensionAmount currencyID="EUR">370.00</cbc:LineExtensionAmount>
    <cbc:TaxExclusiveAmount currencyID="EUR">370.00</cbc:TaxExclusiveAmount>
    <cbc:TaxInclusiveAmount currencyID="EUR">395.20</cbc:TaxInclusiveAmount>
    {payable_element}
  </cac:LegalMonetaryTotal>
  {body_lines}
</{kind}>""".encode()


def _ubl_line(number: int, line: dict, line_tag: str, quantity_tag: str) -> str:
    per = f'<cbc:BaseQuantity unitCode="C62">{line["per"]}</cbc:BaseQuantity>' if line["per"] else ""
    return f"""<cac:{line_tag}>
    <cbc:ID>{number}</cbc:ID>
    <cbc:{quantity_tag} unitCode="C62">{line["quantity"]}</cbc:{quantity_tag}>
    <cbc:LineExtensionAmount currencyID="EUR">{line["amount"]}</cbc:LineExtensionAmount>
    <cac:Item>
      <cbc:Name>{line["name"]}</cbc:Name>
      <cac:ClassifiedTaxCategory>
        <cbc:ID>{line["category"]}</cbc:ID><cbc:Percent>{line["percent"]}</cbc:Percent>
        <cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme>
      </cac:ClassifiedTaxCategory>
    </cac:Item>
    <cac:Price><cbc:PriceAmount currencyID="EUR">{line["price"]}</cbc:PriceAmount>{per}</cac:Price>
  </cac:{line_tag}>"""


def cii_document(*, type_code: str = "380", payable: str = "60.00") -> bytes:
    """A Factur-X EN 16931 invoice in CII: one line of 4 × 12.50 at 20 % (S), 50.00 net, 10.00 VAT, 60.00 due."""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<rsm:CrossIndustryInvoice xmlns:rsm="urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"
    xmlns:ram="urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"
    xmlns:udt="urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100"
    xmlns:qdt="urn:un:unece:uncefact:data:standard:QualifiedDataType:100">
  <rsm:ExchangedDocumentContext>
    <ram:GuidelineSpecifiedDocumentContextParameter><ram:ID>urn:cen.eu:en16931:2017</ram:ID></ram:GuidelineSpecifiedDocumentContextParameter>
  </rsm:ExchangedDocumentContext>
  <rsm:ExchangedDocument>
    <ram:ID>FX-2024-17</ram:ID>
    <ram:TypeCode>{type_code}</ram:TypeCode>
    <ram:IssueDateTime><udt:DateTimeString format="102">20240301</udt:DateTimeString></ram:IssueDateTime>
  </rsm:ExchangedDocument>
  <rsm:SupplyChainTradeTransaction>
    <ram:IncludedSupplyChainTradeLineItem>
      <ram:AssociatedDocumentLineDocument><ram:LineID>1</ram:LineID></ram:AssociatedDocumentLineDocument>
      <ram:SpecifiedTradeProduct><ram:Name>Croissants (box)</ram:Name></ram:SpecifiedTradeProduct>
      <ram:SpecifiedLineTradeAgreement>
        <ram:NetPriceProductTradePrice><ram:ChargeAmount>12.50</ram:ChargeAmount></ram:NetPriceProductTradePrice>
      </ram:SpecifiedLineTradeAgreement>
      <ram:SpecifiedLineTradeDelivery><ram:BilledQuantity unitCode="C62">4</ram:BilledQuantity></ram:SpecifiedLineTradeDelivery>
      <ram:SpecifiedLineTradeSettlement>
        <ram:ApplicableTradeTax>
          <ram:TypeCode>VAT</ram:TypeCode><ram:CategoryCode>S</ram:CategoryCode>
          <ram:RateApplicablePercent>20.00</ram:RateApplicablePercent>
        </ram:ApplicableTradeTax>
        <ram:SpecifiedTradeSettlementLineMonetarySummation><ram:LineTotalAmount>50.00</ram:LineTotalAmount></ram:SpecifiedTradeSettlementLineMonetarySummation>
      </ram:SpecifiedLineTradeSettlement>
    </ram:IncludedSupplyChainTradeLineItem>
    <ram:ApplicableHeaderTradeAgreement>
      <ram:SellerTradeParty>
        <ram:Name>Boulangerie Martin SARL</ram:Name>
        <ram:DefinedTradeContact>
          <ram:EmailURIUniversalCommunication><ram:URIID>factures@martin.example</ram:URIID></ram:EmailURIUniversalCommunication>
        </ram:DefinedTradeContact>
        <ram:PostalTradeAddress><ram:CountryID>FR</ram:CountryID></ram:PostalTradeAddress>
        <ram:SpecifiedTaxRegistration><ram:ID schemeID="VA">FR32123456789</ram:ID></ram:SpecifiedTaxRegistration>
      </ram:SellerTradeParty>
      <ram:BuyerTradeParty>
        <ram:Name>Café du Coin</ram:Name>
        <ram:PostalTradeAddress><ram:CountryID>FR</ram:CountryID></ram:PostalTradeAddress>
      </ram:BuyerTradeParty>
    </ram:ApplicableHeaderTradeAgreement>
    <ram:ApplicableHeaderTradeDelivery/>
    <ram:ApplicableHeaderTradeSettlement>
      <ram:InvoiceCurrencyCode>EUR</ram:InvoiceCurrencyCode>
      <ram:ApplicableTradeTax>
        <ram:CalculatedAmount>10.00</ram:CalculatedAmount><ram:TypeCode>VAT</ram:TypeCode>
        <ram:BasisAmount>50.00</ram:BasisAmount><ram:CategoryCode>S</ram:CategoryCode>
        <ram:RateApplicablePercent>20.00</ram:RateApplicablePercent>
      </ram:ApplicableTradeTax>
      <ram:SpecifiedTradePaymentTerms>
        <ram:DueDateDateTime><udt:DateTimeString format="102">20240331</udt:DateTimeString></ram:DueDateDateTime>
      </ram:SpecifiedTradePaymentTerms>
      <ram:SpecifiedTradeSettlementHeaderMonetarySummation>
        <ram:LineTotalAmount>50.00</ram:LineTotalAmount>
        <ram:TaxBasisTotalAmount>50.00</ram:TaxBasisTotalAmount>
        <ram:TaxTotalAmount currencyID="EUR">10.00</ram:TaxTotalAmount>
        <ram:GrandTotalAmount>60.00</ram:GrandTotalAmount>
        <ram:DuePayableAmount>{payable}</ram:DuePayableAmount>
      </ram:SpecifiedTradeSettlementHeaderMonetarySummation>
    </ram:ApplicableHeaderTradeSettlement>
  </rsm:SupplyChainTradeTransaction>
</rsm:CrossIndustryInvoice>""".encode()


def plain_pdf() -> bytes:
    """A one-page PDF with no text layer, as a scanner makes."""
    buffer = io.BytesIO()
    Image.new("RGB", (300, 400), "white").save(buffer, "PDF")
    return buffer.getvalue()


def facturx_pdf(xml: bytes | None = None) -> bytes:
    """A Factur-X PDF: a plain PDF with the CII XML embedded by the factur-x library (which checks it against
    the schema first)."""
    return facturx.generate_from_binary(plain_pdf(), xml or cii_document())
