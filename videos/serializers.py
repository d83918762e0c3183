"""Videos app: input and output shapes."""
