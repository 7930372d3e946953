#!/bin/sh
# Extra start latency of a systemd scope with limits: median of N
# runs of `sandbox run --rm bb true` without limits and the same with
# --memory/--pids-limit (a transient scope over D-Bus, leaves, limits), side by
# side. Runs inside the VM (tests/vm/run-vm.sh, after vm-tests.sh made the
# `bb` image), or on any systemd host as the user: SBX_BIN=... BENCH_AS_SELF=1.
RUNS=${BENCH_RUNS:-20}
if [ "${BENCH_AS_SELF:-0}" = 1 ]; then
  run() { "${SBX_BIN:-sandbox}" "$@"; }
else
  # shellcheck disable=SC1091  # the VM's helpers, not tests/bench/lib.sh
  . /mnt/sbx/lib.sh
  run() { sbx "$@"; }
fi

now_us() { echo $(($(date +%s%N) / 1000)); }
median_ms() { sort -n | awk '{ v[NR] = $1 } END { m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; printf "%.1f", m / 1000 }'; }
one() {  # one ARGS... -> the duration of one run (us)
  t0=$(now_us); run run --rm --network none "$@" bb true >/dev/null 2>&1 || echo "# run failed: $*" >&2
  t1=$(now_us); echo $((t1 - t0))
}

run run --rm bb true >/dev/null 2>&1  # warm caches
# Interleaved, so a drifting host load weighs on both alike.
: >/tmp/bench.plain; : >/tmp/bench.scoped
i=0
while [ $i -lt "$RUNS" ]; do
  one >>/tmp/bench.plain
  one --memory 256m --pids-limit 100 >>/tmp/bench.scoped
  i=$((i + 1))
done
plain=$(median_ms </tmp/bench.plain)
scoped=$(median_ms </tmp/bench.scoped)
echo "# cgroup bench: median of $RUNS interleaved runs of 'run --rm --network none bb true'"
printf '# %-34s %10s\n' "variant" "median ms"
printf '# %-34s %10s\n' "no limits" "$plain"
printf '# %-34s %10s\n' "--memory 256m --pids-limit 100" "$scoped"
echo "# extra for the scope: $(echo "$scoped $plain" | awk '{ printf "%.1f", $1 - $2 }') ms"
