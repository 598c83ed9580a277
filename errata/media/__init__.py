"""A cut's video: where it comes from and how it is served."""
