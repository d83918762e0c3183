"""Live streaming app: input and output shapes."""
