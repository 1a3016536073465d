#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""What rollback snapshots cost (kernel/worker/worker_snapshot.c), in one
kernel, with %rollback on and off in turns:

  trivial      round trip of `int x = 1;` (jupyter_client execute to idle),
               median, in an empty kernel and with the lesson loaded
  fork         fork() of the worker holding the lesson's data and model
               (a cell forks 20 times; the child exits at once), median
  heap check   the end-of-cell heap walk (heap_check, exported by the
               worker), mean of 200 calls, with the lesson loaded
  training     300 training steps of the lesson's model, on vs off, and
               the minor page faults they take (copy-on-write after a fork
               shows there, whatever the machine's load)
  PSS          worker and idle snapshot after the lesson, from
               /proc/PID/smaps_rollup (shared pages counted once in all),
               and the worker alone with %rollback off

Usage: rollback_cost.py [--runs N] [--mnist ROOT]  (ROOT holds MNIST/raw)."""

import argparse
import os
import statistics
import sys
import time

from jupyter_client.manager import KernelManager

LESSON = [
    'Dataset *train_dataset = mnist("{root}", .train = true, .transform = to_tensor());\n'
    'Dataset *test_dataset = mnist("{root}", .train = false, .transform = to_tensor());\n'
    'DataLoader *train_loader = dataloader(train_dataset, .batch_size = 64, .shuffle = true);\n'
    'DataLoader *test_loader = dataloader(test_dataset, .batch_size = 64);',
    'manual_seed(42);\n'
    'Model *model = sequential(flatten(), linear(28 * 28, 256), relu(), linear(256, 128), relu(),\n'
    '                          linear(128, 64), relu(), linear(64, 10));\n'
    'Loss *criterion = cross_entropy_loss();\n'
    'Optimizer *optimizer = adam(model, .lr = 0.001);',
]
TRAIN = ('#include <sys/resource.h>\n'
         'struct rusage usage_before, usage_after;\n'
         'getrusage(RUSAGE_SELF, &usage_before);\n'
         'Batch batch;\n'
         'for (int step = 0; step < 300; step++) {\n'
         '    if (!next_batch(train_loader, &batch)) next_batch(train_loader, &batch);\n'
         '    optimizer_zero_grad(optimizer);\n'
         '    Tensor *loss = loss_forward(criterion, model_forward(model, batch.data), batch.target);\n'
         '    loss_backward(loss);\n'
         '    optimizer_step(optimizer);\n'
         '}\n'
         'getrusage(RUSAGE_SELF, &usage_after);\n'
         'printf("%ld\\n", usage_after.ru_minflt - usage_before.ru_minflt);')
FORK = ('#include <sys/wait.h>\n#include <time.h>\n#include <unistd.h>\n'
        'double fork_ms[20];\n'
        'for (int i = 0; i < 20; i++) {\n'
        '    struct timespec a, b;\n'
        '    clock_gettime(CLOCK_MONOTONIC, &a);\n'
        '    pid_t child = fork();\n'
        '    if (child == 0) _exit(0);\n'
        '    clock_gettime(CLOCK_MONOTONIC, &b);\n'
        '    waitpid(child, NULL, 0);\n'
        '    fork_ms[i] = (b.tv_sec - a.tv_sec) * 1e3 + (b.tv_nsec - a.tv_nsec) / 1e6;\n'
        '}\n'
        'for (int i = 0; i < 20; i++) printf("%.4f\\n", fork_ms[i]);')
HEAP = ('#include <time.h>\n'
        'int heap_check(char *why, size_t size);\n'
        'struct timespec ha, hb;\n'
        'clock_gettime(CLOCK_MONOTONIC, &ha);\n'
        'for (int i = 0; i < 200; i++) heap_check(NULL, 0);\n'
        'clock_gettime(CLOCK_MONOTONIC, &hb);\n'
        'printf("%.4f\\n", ((hb.tv_sec - ha.tv_sec) * 1e3 + (hb.tv_nsec - ha.tv_nsec) / 1e6) / 200);')


def run(kc, code):
    msg_id = kc.execute(code)
    out, status = [], None
    while True:
        msg = kc.get_iopub_msg(timeout=600)
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        if msg["msg_type"] == "stream" and msg["content"]["name"] == "stdout":
            out.append(msg["content"]["text"])
        if msg["msg_type"] == "error":
            status = msg["content"]
        if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
            break
    if status:
        sys.exit(f"cell failed: {status['ename']}: {status['evalue']}\n{code}")
    return "".join(out)


def round_trip(kc):
    start = time.perf_counter()
    run(kc, "int x = 1;")
    return time.perf_counter() - start


def trivial(kc, runs):
    """Medians (on, off) in ms, in blocks of 10 taken in turns."""
    times = {"on": [], "off": []}
    for block in range(max(1, runs // 10)):
        for mode in ("on", "off"):
            run(kc, f"%rollback {mode}")
            round_trip(kc)    # the first cell after the switch takes the first snapshot
            times[mode] += [round_trip(kc) for _ in range(10)]
    return {m: 1e3 * statistics.median(t) for m, t in times.items()}


def pss_kib(pid):
    with open(f"/proc/{pid}/smaps_rollup") as f:
        for line in f:
            if line.startswith("Pss:"):
                return int(line.split()[1])
    return 0


def children(pid):
    found = []
    for task in os.listdir(f"/proc/{pid}/task"):
        with open(f"/proc/{pid}/task/{task}/children") as f:
            found += [int(p) for p in f.read().split()]
    return found


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=30)
    here = os.path.dirname(os.path.abspath(__file__))
    parser.add_argument("--mnist", default=os.path.join(os.path.dirname(here), "data"))
    args = parser.parse_args()
    km = KernelManager(kernel_name="cnb")
    km.start_kernel()
    kc = km.client()
    kc.start_channels()
    kc.wait_for_ready(timeout=60)
    try:
        empty = trivial(kc, args.runs)
        for cell in LESSON:
            run(kc, cell.format(root=args.mnist))
        run(kc, TRAIN)
        loaded = trivial(kc, args.runs)
        training = {"on": [], "off": []}
        faults = {"on": [], "off": []}
        for order in (("on", "off"), ("off", "on"), ("on", "off")):
            for mode in order:
                run(kc, f"%rollback {mode}")
                run(kc, "int switched = 1;")   # on: the snapshot exists when training starts
                start = time.perf_counter()
                faults[mode].append(int(run(kc, TRAIN)))
                training[mode].append(time.perf_counter() - start)
        forks = [float(v) for v in run(kc, FORK).split()]
        heap_ms = float(run(kc, HEAP))
        front = km.provisioner.process.pid
        run(kc, "%rollback off")
        run(kc, "int alone = 1;")
        time.sleep(1)
        pss_alone = pss_kib(children(front)[0])
        run(kc, "%rollback on")
        run(kc, "int settled = 1;")
        time.sleep(1)
        worker = children(front)[0]
        snapshot = children(worker)[0]
        pss_w, pss_s = pss_kib(worker), pss_kib(snapshot)
        print(f"trivial cell, empty kernel:      on {empty['on']:.1f} ms, off {empty['off']:.1f} ms (median)")
        print(f"trivial cell, lesson loaded:     on {loaded['on']:.1f} ms, off {loaded['off']:.1f} ms (median)")
        print(f"fork of the worker (lesson):     {statistics.median(forks):.2f} ms median, "
              f"{min(forks):.2f}-{max(forks):.2f} ms")
        print(f"heap check at a cell's end:      {heap_ms * 1e3:.0f} us (lesson loaded)")
        print(f"300 training steps:              on {min(training['on']):.2f} s, "
              f"off {min(training['off']):.2f} s (best of 3); minor page faults "
              f"on {statistics.median(faults['on'])}, off {statistics.median(faults['off'])} (median)")
        print(f"PSS after the lesson:            worker {pss_w / 1024:.1f} MiB + snapshot "
              f"{pss_s / 1024:.1f} MiB = {(pss_w + pss_s) / 1024:.1f} MiB; "
              f"the worker alone (rollback off) {pss_alone / 1024:.1f} MiB")
        print(f"load average during the run:     {os.getloadavg()[0]:.1f} ({os.cpu_count()} CPUs)")
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=False)


if __name__ == "__main__":
    main()
