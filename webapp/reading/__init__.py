"""Reading documents: text layers, OCR and e-invoice XML in; fields with confidence and boxes out (no Flask)."""
