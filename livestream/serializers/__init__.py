"""Live streaming app: input and output shapes, one module per area (`streams`,
`hooks`: what the media servers post)."""
