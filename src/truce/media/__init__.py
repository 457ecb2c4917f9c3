"""Media monitoring: press items, their candidate incidents and attributed claims, clusters."""
