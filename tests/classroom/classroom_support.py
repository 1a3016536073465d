# SPDX-License-Identifier: BSD-3-Clause
"""What the classroom tests share: the lesson's cells that a student runs
(data, model, one epoch of training, the test accuracy), the shared data
folder of a class, and what /proc says about a kernel's processes (their
CPU time, their proportional set size).

A kernel is two processes: the front (cnb-kernel) and its worker
(cnb-kernel --worker).  Memory is their PSS, so that what several kernels
share (libcnb, libclang, the precompiled header, mapped data files) counts
once in total, divided among them."""
import gzip
import os
import re
import shutil

SRCDIR = os.environ.get("CNB_SRCDIR") or os.path.abspath(
    os.path.join(os.path.dirname(__file__), "..", ".."))
BUILDDIR = os.environ.get("CNB_BUILDDIR") or SRCDIR
MNIST_GZ = os.environ.get("CNB_MNIST_DIR") or os.path.join(SRCDIR, "data", "MNIST", "raw")
CLOCK_TICK = os.sysconf("SC_CLK_TCK")

# The limits of a class on one server (docs/classroom.md): PSS per kernel
# with the lesson's data and model; the slowest of six kernels training at
# once against the fastest (measured 1.03-1.14 on the 2-core VM); the test
# accuracy after the epochs the tests train (seed 42: the same in every
# kernel, whatever its thread count).
PSS_LIMIT_MIB = 120
SPREAD_LIMIT = 1.2
ACCURACY_MIN = 95.0

# The lesson's first half as a student runs it (notebooks/lektion-klassifikation.ipynb):
# the data, the loaders, the model and its optimizer.  data_path is the
# class's shared read-only folder.
SETUP_CELLS = [
    """#include <cnb.h>
#include <time.h>
manual_seed(42);""",
    """const char *data_path = "{data}";
Dataset *train_dataset = mnist(data_path, .train = true, .transform = to_tensor());
Dataset *full_test_dataset = mnist(data_path, .train = false, .transform = to_tensor());
Dataset **test_split = random_split(full_test_dataset, 5000, 5000);
Dataset *test_dataset = test_split[0];
DataLoader *train_loader = dataloader(train_dataset, .batch_size = 64, .shuffle = true);
DataLoader *test_loader = dataloader(test_dataset, .batch_size = 64, .shuffle = false);""",
    """Model *model = sequential(flatten(), linear(28 * 28, 256), relu(), linear(256, 128), relu(),
                          linear(128, 64), relu(), linear(64, 10));
Loss *criterion = cross_entropy_loss();
Optimizer *optimizer = adam(model, .lr = 0.001);
printf("threads=%d\\n", get_num_threads());""",
]

# One epoch as the lesson's training cell runs it, timed inside the worker
# (so that the figure is the training, not the cell's compilation).  It
# starts at the wall-clock time {start} (seconds since the epoch; 0: at
# once), so that kernels whose cells compiled at different speeds still
# start training together.  The last 0.3 s before it they spin: six
# kernels that woke from sleep at the same instant were left by the
# scheduler five on one core and one on the other for a hundred
# milliseconds or more, and that one finished 10-20 % ahead of the rest
# (spinning kernels are spread over the cores before the start).
EPOCH_CELL = """double start_at = {start};
double wake_at = start_at > 0.3 ? start_at - 0.3 : 0;
struct timespec wake = {(time_t)wake_at, (long)((wake_at - (time_t)wake_at) * 1e9)};
while (clock_nanosleep(CLOCK_REALTIME, TIMER_ABSTIME, &wake, NULL) != 0) {}
struct timespec spin;
do clock_gettime(CLOCK_REALTIME, &spin); while (spin.tv_sec + spin.tv_nsec * 1e-9 < start_at);
struct timespec t0, t1;
clock_gettime(CLOCK_REALTIME, &t0);
model_train(model);
Batch batch;
while (next_batch(train_loader, &batch)) {
    optimizer_zero_grad(optimizer);
    Tensor *output = model_forward(model, batch.data);
    Tensor *loss = loss_forward(criterion, output, batch.target);
    loss_backward(loss);
    optimizer_step(optimizer);
}
clock_gettime(CLOCK_REALTIME, &t1);
printf("epoch_s=%.3f\\n", (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) * 1e-9);
printf("begin=%.3f\\nend=%.3f\\n", t0.tv_sec + t0.tv_nsec * 1e-9, t1.tv_sec + t1.tv_nsec * 1e-9);"""

ACCURACY_CELL = """model_eval(model);
int correct = 0, seen = 0;
Batch test_batch;
while (next_batch(test_loader, &test_batch)) {
    Tensor *output = model_predict(model, test_batch.data);
    correct += count_correct(output, test_batch.target);
    seen += tensor_dim(test_batch.target, 0);
}
printf("accuracy=%.2f\\n", 100.0 * correct / seen);"""


def shared_data(folder):
    """The class's shared data folder: MNIST extracted (the form that a
    kernel maps instead of reading into its own memory), made once."""
    raw = os.path.join(folder, "MNIST", "raw")
    os.makedirs(raw, exist_ok=True)
    for name in os.listdir(MNIST_GZ):
        if not name.endswith(".gz"):
            continue
        target = os.path.join(raw, name[:-3])
        if not os.path.exists(target):
            with gzip.open(os.path.join(MNIST_GZ, name)) as src, open(target + ".part", "wb") as dst:
                shutil.copyfileobj(src, dst)
            os.rename(target + ".part", target)
    return folder


def value(text, name):
    """The number printed as name=NUMBER."""
    match = re.search(rf"^{name}=([0-9.]+)$", text, re.M)
    assert match, f"no {name}= in the output: {text!r}"
    return float(match.group(1))


def children(pid):
    found = []
    for task in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{task}/children") as f:
                found += [int(c) for c in f.read().split()]
        except FileNotFoundError:
            pass
    return found


def kernel_processes(pid):
    """The kernel process (past a libtool wrapper, which execs it) and
    its worker."""
    return [pid] + [c for c in children(pid) if "--worker" in cmdline(c)]


def cmdline(pid):
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read().replace(b"\0", b" ").decode()
    except FileNotFoundError:
        return ""


def cpu_seconds(pids):
    """User plus system CPU time of these processes, all threads."""
    total = 0
    for pid in pids:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])     # utime, stime
    return total / CLOCK_TICK


def pss_mib(pids):
    """Proportional set size of these processes together, in MiB."""
    total = 0
    for pid in pids:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            total += sum(int(line.split()[1]) for line in f if line.startswith("Pss:"))
    return total / 1024


def threads(pid):
    return len(os.listdir(f"/proc/{pid}/task"))
