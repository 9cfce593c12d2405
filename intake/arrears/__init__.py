"""Supplier arrears reports (vroegsignalering, domain.md section 5)."""
