"""LeNet-5 learns the generated digits: the set is learnable, headless, in a few seconds.

The stack of the lecture's Fig. 2 (LeCun et al. 1998) with ReLU and max pooling,
trained with Adam for 3 epochs on 4,000 digits, is tested on 1,000 digits drawn
with another seed (none of them seen in training).
"""
import pytest

from core.datasets import digits
from core.layers import Conv2D, Dense, Flatten, MaxPool2D
from core.network import Network
from core.optimizers import Adam
from core.training import Trainer


def lenet5():
    return Network([Conv2D(6, 5, padding=2, activation="relu"), MaxPool2D(2),
                    Conv2D(16, 5, activation="relu"), MaxPool2D(2),
                    Flatten(), Dense(120, activation="relu"), Dense(84, activation="relu"),
                    Dense(10, activation="softmax")],
                   input_shape=(1, 28, 28), loss="cross_entropy", dtype="float32", seed=0)


@pytest.mark.slow      # about 20 s of CPU; deselect with -m "not slow" while iterating
def test_lenet5_reaches_95_percent_on_generated_digits():
    x_train, y_train = digits(n=4000, seed=0)
    x_test, y_test = digits(n=1000, seed=1)
    net = lenet5()
    assert net.output_shape == (10,)
    trainer = Trainer(net, Adam(lr=0.002), x_train, y_train, batch_size=32, seed=0)
    trainer.fit(3)
    assert not trainer.diverged
    _, accuracy = trainer.evaluate(x_test, y_test)
    assert accuracy >= 0.95, f"test accuracy {accuracy:.3f}"
