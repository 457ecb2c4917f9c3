"""Evidence files: typed by content, stored once, read within the audience of citing acts."""
