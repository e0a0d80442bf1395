"""The serving kit: a TF Serving client, a local TF-Serving-protocol server, a web page.

* `serving.client.GenreClient`: one client for REST and gRPC.
* `serving.server`: `genreclf serve models/` for machines without Docker.
* `serving/Dockerfile`, `docker-compose.yml`, `*.config`: the real TF Serving.
"""
