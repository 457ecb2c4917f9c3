"""Services: admission of signed acts and the operations the entry points call."""
