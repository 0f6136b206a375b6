"""The course-style network of ``coursenet.net`` as a kvsbench twin (docs/plugins.md)."""

from benchmarks.twins.state import SLOT_NAMES
from benchmarks.twins.step_twin import StepTwin
from coursenet import net


class CourseNetTwin(StepTwin):
    label = "course net"
    package = "kvsbench-coursenet"
    description = "a course-style network: a dict of W1, b1, W2, b2 (examples/kvsbench-coursenet)"

    def __init__(self, config, weights, n_train):
        super().__init__(config, weights, n_train)
        if config.activation != "relu":
            raise ValueError(f"course net has relu hidden layers, not {config.activation}")
        self.parameters = net.parameters_from_keras(weights)
        self.slots = net.initialize_slots(self.parameters, SLOT_NAMES[self.optimizer])

    def logits(self, X):
        return net.forward_propagation(X.T, self.parameters)[0].reshape(-1)

    def train_step(self, X, y):
        Z, caches = net.forward_propagation(X.T, self.parameters)
        grads = net.backward_propagation(y.reshape(1, -1).astype("float32"), caches)
        lr, self.iterations = self.learning_rate(), self.iterations + 1
        net.update_parameters(self.parameters, grads, self.slots, self.iterations, lr,
                              self.optimizer, self.hyper)
        return Z.reshape(-1)

    def get_state(self):
        slots = {n: net.parameters_to_keras(s) for n, s in self.slots.items()}
        return {"weights": net.parameters_to_keras(self.parameters), "slots": slots,
                "iterations": self.iterations}

    def set_state(self, state):
        self.parameters = net.parameters_from_keras(state["weights"])
        self.slots = {n: net.parameters_from_keras(a) for n, a in state["slots"].items()}
        self.iterations = int(state["iterations"])
