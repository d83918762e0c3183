"""Social app: input and output shapes."""
