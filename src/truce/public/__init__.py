"""The public record: what the scenario's publication policy lets out, to anyone."""
