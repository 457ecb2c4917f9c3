"""Pure domain model: scenarios (members, clauses, taxonomy, gazetteer) and permissions."""
