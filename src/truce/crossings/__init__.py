"""Border crossings: their reported status and stranded traffic."""
