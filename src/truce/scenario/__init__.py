"""The scenario: one TOML file that defines a mechanism, and its translated labels."""
