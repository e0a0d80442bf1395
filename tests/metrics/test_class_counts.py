import numpy as np
from keras import ops

from genreclf.metrics import ClassCountsMetric


class Counts(ClassCountsMetric):
    def result(self):
        return ops.sum(self.true_positives)


def counts(metric):
    return [
        ops.convert_to_numpy(v)
        for v in (metric.true_positives, metric.false_positives, metric.false_negatives)
    ]


def test_single_label_counts_use_the_arg_max():
    metric = Counts(num_classes=3, name="counts")
    metric.update_state(
        [[1, 0, 0], [0, 1, 0], [0, 0, 1]],
        [[0.5, 0.3, 0.2], [0.5, 0.4, 0.1], [0.1, 0.2, 0.7]],
    )
    tp, fp, fn = counts(metric)
    assert tp.tolist() == [1, 0, 1]
    assert float(metric.result()) == 2.0
    assert fp.tolist() == [1, 0, 0]
    assert fn.tolist() == [0, 1, 0]
    assert ops.convert_to_numpy(metric.support).tolist() == [1, 1, 1]


def test_multi_label_counts_use_per_class_thresholds_inclusively():
    metric = Counts(num_classes=2, multi_label=True, threshold=[0.3, 0.8], name="counts")
    metric.update_state([[1, 1], [0, 1], [1, 0]], [[0.3, 0.79], [0.2, 0.8], [0.1, 0.9]])
    tp, fp, fn = counts(metric)
    assert tp.tolist() == [1, 1]
    assert fp.tolist() == [0, 1]
    assert fn.tolist() == [1, 1]


def test_counts_accumulate_across_batches_and_weights_apply():
    metric = Counts(num_classes=2, name="counts")
    metric.update_state([[1, 0]], [[0.9, 0.1]], sample_weight=[2.0])
    metric.update_state([[1, 0], [0, 1]], [[0.2, 0.8], [0.3, 0.7]], sample_weight=[[1.0], [0.0]])
    tp, fp, fn = counts(metric)
    assert tp.tolist() == [2, 0]
    assert fp.tolist() == [0, 1]
    assert fn.tolist() == [1, 0]


def test_numpy_threshold_array_is_stored_as_a_list():
    metric = Counts(num_classes=2, multi_label=True, threshold=np.float32([0.25, 0.75]))
    assert metric.get_config()["threshold"] == [0.25, 0.75]
    assert Counts(num_classes=2, threshold=np.float32(0.5)).get_config()["threshold"] == 0.5


def test_sparse_class_ids_count_as_their_one_hot():
    # As with sparse_categorical_crossentropy: ids [batch] or [batch, 1] (an id column
    # of shape [batch, 1] used to be read as one-hot: every target class 0).
    scores = [[0.5, 0.3, 0.2], [0.5, 0.4, 0.1], [0.1, 0.2, 0.7]]
    for ids in ([0, 1, 2], [[0], [1], [2]]):
        metric = Counts(num_classes=3, name="counts")
        metric.update_state(np.array(ids), scores)
        assert [c.tolist() for c in counts(metric)] == [[1, 0, 1], [1, 0, 0], [0, 1, 0]]


def test_targets_of_the_wrong_width_are_refused():
    import pytest

    from genreclf.errors import ConfigError

    with pytest.raises(ConfigError, match="Received: y_true.shape=\\(1, 2\\)"):
        Counts(num_classes=3, name="c").update_state([[1, 0]], [[0.5, 0.3, 0.2]])
    with pytest.raises(ConfigError, match="multi-hot targets \\[batch, 3\\]"):
        Counts(num_classes=3, multi_label=True, name="c").update_state([1], [[0.5, 0.3, 0.2]])
