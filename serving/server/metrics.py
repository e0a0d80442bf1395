"""`ServingMetrics`: the local server's Prometheus metrics, kept by `prometheus_client`.

Served at TF Serving's path on the REST port, from a registry of each server's
own; the metrics are listed in serving/README.md. `model` is empty when a
request names no served model and `version` when none was resolved, so hostile
requests cannot grow the label sets.
"""

import collections
import time

import numpy as np
from prometheus_client import CONTENT_TYPE_LATEST
from prometheus_client import CollectorRegistry
from prometheus_client import Counter
from prometheus_client import Gauge
from prometheus_client import Histogram
from prometheus_client import generate_latest

METRICS_PATH = "/monitoring/prometheus/metrics"
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)
_LABELS = ("model", "version", "api", "protocol")


class ServingMetrics:
    """The counters and histograms of one local server, in their own registry.

    Example:

    >>> metrics = ServingMetrics()
    >>> call = metrics.start("rest", "predict")
    >>> call.model, call.version = "genre", 2
    >>> call.predicted(["drama", "comedy"])
    >>> call.finish(200)
    >>> labels = {"model": "genre", "version": "2", "label": "drama"}
    >>> metrics.registry.get_sample_value("genreclf_serving_predictions_total", labels)
    1.0
    """

    def __init__(self):
        self.registry = CollectorRegistry()
        for attribute, kind, name, doc, labels in (
            ("requests", Counter, "requests", "Requests answered, errors included.", _LABELS),
            ("latency", Histogram, "request_latency_seconds", "Arrival to answer.", _LABELS),
            ("errors", Counter, "request_errors", "Failed requests.", (*_LABELS, "code")),
            ("instances", Counter, "instances", "Texts or examples answered.", _LABELS[:3]),
            ("predictions", Counter, "predictions", "Labels given.", ("model", "version", "label")),
        ):
            options = {"buckets": LATENCY_BUCKETS} if kind is Histogram else {}
            metric = kind(
                f"genreclf_serving_{name}", doc, labels, registry=self.registry, **options
            )
            setattr(self, attribute, metric)

    def track_body_budget(self, budget):
        """Exports `genreclf_serving_body_bytes_in_flight`: the bytes `budget` (the server's
        `BodyBudget`) holds at each scrape."""
        gauge = Gauge(
            "genreclf_serving_body_bytes_in_flight",
            "Request body bytes received or held at once (--max-body-bytes-in-flight).",
            registry=self.registry,
        )
        gauge.set_function(lambda: budget.held)

    def start(self, protocol, api=""):
        """A `Call` for one request, timed from now."""
        return Call(self, protocol, api)

    def exposition(self):
        """`{"content": ..., "media_type": ...}`: every metric in Prometheus's text format."""
        return {"content": generate_latest(self.registry), "media_type": CONTENT_TYPE_LATEST}


class Call:
    """One request as it is handled: the handlers fill in `api`, `model`, `version` and the
    labels given (`predicted`, `predicted_from`, `classified`); `finish(code)` records it."""

    def __init__(self, metrics, protocol, api):
        self.metrics, self.protocol, self.api = metrics, protocol, api
        self.model = self.version = ""
        self.instances = 0
        self._labels = collections.Counter()
        self._started = time.perf_counter()

    def served_by(self, servable):
        """Names the servable that answers the request."""
        self.model, self.version = servable.name, servable.version

    def predicted(self, labels, instances=None):
        """Counts the labels given (one entry per label per instance; '' is none)."""
        self._labels.update(label for label in labels if label)
        self.instances += len(labels) if instances is None else instances

    def predicted_from(self, outputs, classes=None):
        """Counts the labels of predict outputs: `labels` (multi-label: every class at or
        above its threshold), else the first `top_labels`, else the class of the top score."""
        labels = _rows(outputs.get("labels"))
        if labels is None and (top := _rows(outputs.get("top_labels"))) is not None:
            labels = top[:, :1]
        if labels is not None:
            texts = [v.decode("utf-8", "replace") for v in labels.ravel() if isinstance(v, bytes)]
            self.predicted(texts, len(labels))
        elif (scores := _rows(outputs.get("scores"))) is not None and classes:
            if scores.shape[1] == len(classes):
                self.predicted([classes[i] for i in np.argmax(scores, axis=1)])

    def classified(self, results):
        """Counts the best label of each classify result (lists of `(label, score)`)."""
        best = [max(row, key=lambda pair: pair[1])[0] for row in results if row]
        self.predicted(best, len(results))

    def finish(self, code):
        """Records the request, answered with `code` (200 / "OK" for success)."""
        labels = (self.model, str(self.version), self.api, self.protocol)
        self.metrics.requests.labels(*labels).inc()
        self.metrics.latency.labels(*labels).observe(time.perf_counter() - self._started)
        if code not in (200, "OK"):
            self.metrics.errors.labels(*labels, str(code)).inc()
            return
        if self.instances:
            self.metrics.instances.labels(*labels[:3]).inc(self.instances)
        for label, count in self._labels.items():
            self.metrics.predictions.labels(*labels[:2], label).inc(count)


def _rows(array):
    """A batch-first output as a 2-D array (one row per instance), or None."""
    if array is None or np.ndim(array) == 0 or len(array) == 0:
        return None
    return np.asarray(array).reshape(len(array), -1)
