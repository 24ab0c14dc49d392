"""An issue's trace: what the sync saw, decided and did for it (lines: what each record says,
pure; reader: reading it from the stored documents)."""
