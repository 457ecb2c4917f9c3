"""Cases: an allegation, its answer, investigation, findings, ruling, appeal and penalty."""
