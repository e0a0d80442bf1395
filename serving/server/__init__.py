"""A local server that speaks TensorFlow Serving's REST and gRPC protocol.

For machines without Docker: it serves the SavedModels under a base path on
TF Serving's paths, with its JSON and proto shapes and status codes, loading
them with TensorFlow only. Start it with `genreclf serve models/` or
`genreclf.serving.server.local_server.LocalServer`.
"""
