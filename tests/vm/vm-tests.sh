#!/bin/sh
# The cgroup tests of issue 6, run as root inside the VM (tests/vm/run-vm.sh);
# every sandbox command runs as the lingering user `tester`. TAP-style output;
# exit 1 when a test failed.
. /mnt/sbx/lib.sh
set -u
echo "# kernel $(uname -r), cgroup: $(stat -fc %T /sys/fs/cgroup)"
if ! ldd "$SBX_BIN" | grep -q 'not found'; then ok "binary's libraries present"; else
  not_ok "binary's libraries present: $(ldd "$SBX_BIN" | grep 'not found' | tr '\n' ' ')"; fi
make_busybox_image && ok "busybox image imported" || not_ok "busybox image imported"
T=/tmp/sbxvm; mkdir -p $T; chmod 777 $T

# Stock Debian 12 delegates cpu memory pids, not cpuset and io: a limit on
# those fails naming the controller and the fix, or runs with one warning.
echo "# delegated to user@$SBX_UID (stock): $(cat /sys/fs/cgroup/user.slice/user-$SBX_UID.slice/user@$SBX_UID.service/cgroup.controllers)"
sbx run --rm --network none --cpuset-cpus 0 bb true 2>$T/err; rc=$?
echo "# $(tr '\n' ' ' <$T/err)"
check "undelegated cpuset refused (125, got $rc)" [ "$rc" = 125 ]
check "the error names the cpuset controller" grep -q 'controller cpuset' $T/err
check "the error gives the drop-in fix" grep -q 'Delegate=cpu cpuset io memory pids' $T/err
out=$(sbx run --rm --network none --cpuset-cpus 0 --limits=best-effort bb echo ran 2>$T/err); rc=$?
echo "# $(tr '\n' ' ' <$T/err)"
check "best-effort runs ($rc)" [ "$rc" = 0 -a "$out" = ran ]
check "best-effort warns once" [ "$(grep -c warning $T/err)" = 1 ]

# packaging/systemd/delegate.conf adds cpuset and io.
mkdir -p /etc/systemd/system/user@.service.d
cp /mnt/sbx/delegate.conf /etc/systemd/system/user@.service.d/delegate.conf
systemctl daemon-reload; systemctl restart user@$SBX_UID.service
i=0; until [ -S /run/user/$SBX_UID/systemd/private ] || [ $i -ge 100 ]; do sleep 0.1; i=$((i + 1)); done
echo "# delegated with packaging/systemd/delegate.conf: $(cat /sys/fs/cgroup/user.slice/user-$SBX_UID.slice/user@$SBX_UID.service/cgroup.controllers)"
out=$(sbx run --rm --network none --cpuset-cpus 0 --io-weight 200 bb cat /sys/fs/cgroup/cpuset.cpus /sys/fs/cgroup/io.weight 2>$T/err); rc=$?
applied=no; [ "$rc" = 0 ] && echo "$out" | grep -qx 0 && echo "$out" | grep -q 'default 200' && applied=yes
check "cpuset and io limits seen in the container's /sys/fs/cgroup ($(echo $out | tr '\n' ' '))" [ $applied = yes ]
out=$(sbx run --rm --network none --memory 64m bb sh -c 'echo 1 >/sys/fs/cgroup/pids.max' 2>&1); rc=$?
check "the container cannot raise its limits ($rc)" [ "$rc" != 0 ]

# No limits: no scope, nothing in the way.
out=$(sbx run --rm bb echo hello 2>$T/err); rc=$?
check "run without limits works" [ "$rc" = 0 -a "$out" = hello ]
[ "$rc" = 0 ] || cat $T/err

# The container sees its own cgroup as /.
out=$(sbx run --rm --memory 64m bb cat /proc/self/cgroup 2>$T/err); rc=$?
check "run with --memory works ($rc)" [ "$rc" = 0 ]
[ "$rc" = 0 ] || cat $T/err
check "cgroup namespace shows / ($out)" [ "$out" = "0::/" ]

# Memory hog under --memory 64m: killed (137), and only it.
before=$(dmesg | grep -c 'Killed process')
sbx run --rm --memory 64m bb dd if=/dev/zero of=/dev/null bs=256M count=1 2>$T/err; rc=$?
check "memory hog killed with 137 (got $rc)" [ "$rc" = 137 ]
killed=$(dmesg | grep 'Killed process' | tail -n +$((before + 1)))
check "only the hog was OOM-killed: $(echo "$killed" | sed 's/.*Killed process //; s/ total-vm.*//' | tr '\n' ';')" \
  [ "$(echo "$killed" | grep -c .)" = 1 -a "$(echo "$killed" | grep -c '(dd)')" = 1 ]

# The kill is recorded: inspect shows OOMKilled (the container is kept, no --rm).
sbx run --name hog --network none --memory 64m bb dd if=/dev/zero of=/dev/null bs=256M count=1 \
  2>/dev/null; rc=$?
oom=$(sbx inspect hog 2>&1 | grep -o '"OOMKilled": *[a-z]*')
killed=no; [ "$rc" = 137 ] && echo "$oom" | grep -q true && killed=yes
check "inspect shows OOMKilled true after a 137 ($rc, $oom)" [ $killed = yes ]
sbx rm hog >/dev/null 2>&1

# Fork bomb under --pids-limit 20: contained, host responsive.
wait_no_scope
as_user timeout -s KILL 60 "$SBX_BIN" run --rm --pids-limit 20 bb sh -c 'b() { b | b & }; b; sleep 6' \
  >/dev/null 2>&1 &
bomb=$!
cg=$(wait_for_scope); sleep 3
pids=$(cat "$cg/pids.current" 2>/dev/null); max_events=$(awk '$1 == "max" { print $2 }' "$cg/pids.events" 2>/dev/null)
check "fork bomb held at pids.max=$(cat $cg/pids.max 2>/dev/null) (pids.current $pids, max events $max_events)" \
  [ -n "$pids" ] && [ "$pids" -le 20 ] && [ "${max_events:-0}" -gt 0 ]
t0=$(date +%s%N); timeout 5 sh -c 'echo responsive >/dev/null'; t1=$(date +%s%N)
check "host responsive during the bomb ($(((t1 - t0) / 1000000)) ms)" [ $(((t1 - t0) / 1000000)) -lt 3000 ]
kill -9 $bomb 2>/dev/null; wait $bomb 2>/dev/null
wait_no_scope

# --cpus 0.5 holds a busy loop near half a core (cpu.stat, generous bound).
as_user "$SBX_BIN" run --rm --cpus 0.5 bb sh -c 'timeout 15 sh -c "while :; do :; done"' \
  >/dev/null 2>&1 &
busy=$!
cg=$(wait_for_scope); sleep 1
u0=$(cpu_usage "$cg"); t0=$(date +%s%N); sleep 4; u1=$(cpu_usage "$cg"); t1=$(date +%s%N)
throttled=$(awk '$1 == "nr_throttled" { print $2 }' "$cg/cpu.stat")
share=$(((u1 - u0) * 1000 / ((t1 - t0) / 1000)))  # per mille of one CPU
echo "# --cpus 0.5: $share/1000 of a CPU; cpu.max $(cat $cg/cpu.max); nr_throttled $throttled"
check "--cpus 0.5 caps the loop ($share/1000 of a CPU)" [ "$share" -le 650 -a "$share" -ge 50 ]
wait $busy

# stats and update on a live container (a foreground run in the background).
wait_no_scope
as_user "$SBX_BIN" run --rm --memory 128m bb sleep 30 >/dev/null 2>&1 &
sleeper=$!
cg=$(wait_for_scope)
json=$(sbx stats --no-stream --format json 2>$T/err)
echo "# stats: $json"
check "stats shows the memory limit" sh -c "echo '$json' | grep -q '\"memory_limit\":134217728'"
check "stats shows pids" sh -c "echo '$json' | grep -q '\"pids\":[1-9]'"
sbx stats --no-stream | sed 's/^/# /'
id=$(echo "$json" | sed 's/.*"id":"\([0-9a-f]*\)".*/\1/')
sbx update --memory 256m --pids-limit 50 "$(echo $id | cut -c1-12)" >/dev/null 2>$T/err; rc=$?
check "update succeeds ($rc $(cat $T/err))" [ "$rc" = 0 ]
check "update changed memory.max live ($(cat $cg/memory.max))" [ "$(cat $cg/memory.max)" = 268435456 ]
check "update changed pids.max live ($(cat $cg/pids.max))" [ "$(cat $cg/pids.max)" = 50 ]
kill $sleeper 2>/dev/null; wait $sleeper 2>/dev/null

if [ -x /mnt/sbx/cgroup_bench.sh ] && [ "${SBX_BENCH:-1}" = 1 ]; then sh /mnt/sbx/cgroup_bench.sh; fi
echo "1..$N"
echo "# $FAILED failed"
[ "$FAILED" = 0 ]
