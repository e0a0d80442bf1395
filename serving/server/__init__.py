"""A local server that speaks TensorFlow Serving's REST and gRPC protocol.

For machines without Docker: it serves the SavedModels under a base path the
way `tensorflow_model_server` does (same paths, bodies, status codes and
messages), loading them with TensorFlow only. Start it with
`genreclf serve models/` or `serving.server.LocalServer`.
"""


def __getattr__(name):
    # Lazy, so `serving.server.json_values` & co. do not pull in the servers.
    if name == "LocalServer":
        from genreclf.serving.server.local_server import LocalServer

        return LocalServer
    raise AttributeError(name)
