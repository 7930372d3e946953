#!/bin/sh
# The cgroup tests, run as root inside the VM (tests/vm/run-vm.sh);
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

echo "# at $(cut -d' ' -f1 /proc/uptime) s: update, stats I/O and cgroupfs tests"
# update is kept: live, on a stopped container, and both applied by the next start.
wait_no_scope
sbx run -d --name upd --memory 128m bb sh -c \
  'for i in 1 2 3; do wget -q -T 1 http://10.0.2.2:9/ 2>/dev/null; done; sleep 300' >/dev/null 2>$T/err
cg=$(wait_for_scope); sleep 2
json=$(sbx stats --no-stream --format json upd 2>&1)
echo "# stats: $json"
check "stats shows NET I/O of the slirp4netns interface" \
  sh -c "echo '$json' | grep -q '\"net_tx_bytes\":[1-9]'"
check "stats shows BLOCK I/O where io is delegated" \
  sh -c "echo '$json' | grep -q '\"block_write_bytes\":[0-9]'"
sbx stats --no-stream upd | sed 's/^/# /'
sbx update --memory 200m upd >/dev/null 2>$T/err; rc=$?
check "update of a running container ($rc $(cat $T/err))" [ "$rc" = 0 -a "$(cat $cg/memory.max)" = 209715200 ]
sbx stop -t 1 upd >/dev/null 2>&1
sbx update --pids-limit 40 upd >/dev/null 2>$T/err; rc=$?
check "update of a stopped container ($rc $(cat $T/err))" [ "$rc" = 0 ]
wait_no_scope
sbx start upd >/dev/null 2>$T/err; rc=$?
cg=$(wait_for_scope)
check "start applies the updated limits ($rc: memory.max $(cat $cg/memory.max 2>&1), pids.max $(cat $cg/pids.max 2>&1))" \
  [ "$rc" = 0 -a "$(cat $cg/memory.max 2>/dev/null)" = 209715200 -a "$(cat $cg/pids.max 2>/dev/null)" = 40 ]
# pause/unpause: the cgroup v2 freezer of the container's own cgroup.
sbx pause upd >/dev/null 2>$T/err; rc=$?
st=$(sbx inspect -f '{{.State.Status}} {{.State.Paused}}' upd 2>&1)
check "pause freezes the container's cgroup ($rc $(cat $T/err); freeze $(cat $cg/cgroup.freeze 2>&1); $st)" \
  [ "$rc" = 0 -a "$(cat $cg/cgroup.freeze 2>/dev/null)" = 1 -a "$st" = "paused true" ]
sbx unpause upd >/dev/null 2>$T/err; rc=$?
check "unpause thaws it ($rc $(cat $T/err); freeze $(cat $cg/cgroup.freeze 2>&1))" \
  [ "$rc" = 0 -a "$(cat $cg/cgroup.freeze 2>/dev/null)" = 0 ]
sbx rm -f upd >/dev/null 2>&1

# --cgroup-manager=cgroupfs: a cgroup the user's manager delegated (a
# systemd-run scope with Delegate=yes) holds the limits, and nothing of the
# container's is left in it afterwards.
sbx run --rm --network none --cgroup-manager=cgroupfs --memory 64m bb true 2>$T/err; rc=$?
echo "# $(tr '\n' ' ' <$T/err)"
named=no; grep -q 'cgroupfs: the current cgroup .* is not delegated to you' $T/err && named=yes
check "cgroupfs outside a delegated cgroup: 125 ($rc), one error naming it" \
  [ "$rc" = 125 -a "$(grep -c 'sandbox:' $T/err)" = 1 -a $named = yes ]
cat >$T/cgfs.sh <<'CGFS'
cg=/sys/fs/cgroup$(sed -n 's/^0:://p' /proc/self/cgroup)
S=/mnt/sbx/sandbox
left() { ls -d $cg/sandbox-* 2>/dev/null | grep -v sandbox-init | tr '\n' ' '; }
echo "base $cg"
echo "limits $($S run --rm --network none --cgroup-manager=cgroupfs --memory 64m --pids-limit 30 bb \
  cat /sys/fs/cgroup/memory.max /sys/fs/cgroup/pids.max | tr '\n' ' ')"
$S run --rm --network none --cgroup-manager=cgroupfs --memory 64m bb \
  dd if=/dev/zero of=/dev/null bs=256M count=1 2>/dev/null
echo "hog $?"
echo "left-fg [$(left)]"
id=$($S run -d --cgroup-manager=cgroupfs --memory 64m --pids-limit 30 bb sleep 300)
echo "d-limits $(cat $cg/sandbox-$id/container/memory.max $cg/sandbox-$id/container/pids.max | tr '\n' ' ')"
$S update --memory 100m --cpus 0.5 $id >/dev/null
echo "d-update $(cat $cg/sandbox-$id/container/memory.max $cg/sandbox-$id/container/cpu.max | tr '\n' ' ')"
$S rm -f $id >/dev/null
echo "left-rm [$(left)]"
id=$($S run -d --cgroup-manager=cgroupfs --pids-limit 30 bb sleep 300)
$S stop -t 1 $id >/dev/null
i=0; while [ -e $cg/sandbox-$id ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
echo "left-stop [$(left)]"
$S rm $id >/dev/null
CGFS
chmod 644 $T/cgfs.sh
as_user systemd-run --user --scope -q -p Delegate=yes sh $T/cgfs.sh >$T/cgfs.out 2>&1
sed 's/^/# /' $T/cgfs.out
check "cgroupfs: the limits are in the container's cgroup" grep -qx 'limits 67108864 30 ' $T/cgfs.out
check "cgroupfs: a memory hog is killed (137)" grep -qx 'hog 137' $T/cgfs.out
check "cgroupfs: no cgroup left after a foreground run" grep -qx 'left-fg \[\]' $T/cgfs.out
check "cgroupfs -d: the limits are in force" grep -qx 'd-limits 67108864 30 ' $T/cgfs.out
check "cgroupfs -d: update, also of a controller the run did not need" \
  grep -qx 'd-update 104857600 50000 100000 ' $T/cgfs.out
check "cgroupfs -d: no cgroup left after rm -f" grep -qx 'left-rm \[\]' $T/cgfs.out
check "cgroupfs -d: no cgroup left after stop" grep -qx 'left-stop \[\]' $T/cgfs.out

echo "# at $(cut -d' ' -f1 /proc/uptime) s: done"
if [ -x /mnt/sbx/cgroup_bench.sh ] && [ "${SBX_BENCH:-1}" = 1 ]; then sh /mnt/sbx/cgroup_bench.sh; fi
echo "1..$N"
echo "# $FAILED failed"
[ "$FAILED" = 0 ]
