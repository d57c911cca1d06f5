#!/usr/bin/env bash
# Runs the benchmarks of the quality bars (docs/performance.md) and prints the results as a Markdown section.
#
#   bench/run-benchmarks.sh BUILD_DIR [--write] [--rounds N] [--quick] [--no-callgrind]
#
# BUILD_DIR holds bench/bench_bluez, bench/null_agent, bench/bench_policy and
# agent/daemon/btfenced (configure with -DCMAKE_BUILD_TYPE=RelWithDebInfo).
# --write   also replaces the results section of docs/performance.md
# --rounds  agent-latency rounds, alternating baseline and btfenced (default 3)
# --quick   short runs, to check that everything works (numbers not worth publishing)
# --no-callgrind  skip the instruction counts under valgrind (the slowest part)
# --report-from DIR  measure nothing; write the report from results kept with --keep DIR
# --keep DIR  copy the raw results (result lines, stderr of every process) to DIR
# --only RE run only the measurements whose name matches the regular expression RE
#           (latency.ROUND, latency-tmpfs, remove.btfenced, remove-churn.btfenced,
#           flood.ROUND.KIND, flood-sd.ROUND.KIND, cpu.RATE.VARIANT.ROUND.KIND,
#           cost.KIND.BURST.AGENT, idle.KIND, policy)
#
# Every number is a ratio against a baseline measured by this same script on this same
# machine: null_agent, a do-nothing sd-bus Agent1, run twice: subscribed to org.bluez's
# signals as btfenced is ("null"), and subscribed to nothing ("quiet": no flood reaches it,
# the floor of a pairing request in a crowded room). Each measurement gets its own private
# dbus-daemon (allow-all policy, unix socket in a temporary directory), its own fake
# org.bluez (bench_bluez) and a fresh agent. Synchronisation is by messages with deadlines:
# bench_bluez prints "ready" once it owns org.bluez and measures only after the agent has
# called RequestDefaultAgent.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$here")

usage() {
    sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//' >&2
    exit 2
}

build=""
write=0
rounds=3
quick=0
only=""
keep=""
report_from=""
callgrind=1
while [[ $# -gt 0 ]]; do
    case "$1" in
        --write) write=1 ;;
        --rounds) rounds=${2:?}; shift ;;
        --quick) quick=1 ;;
        --no-callgrind) callgrind=0 ;;
        --only) only=${2:?}; shift ;;
        --keep) keep=${2:?}; shift ;;
        --report-from) report_from=${2:?}; shift ;;
        -h | --help) usage ;;
        -*) echo "unknown option $1" >&2; usage ;;
        *) build=$1 ;;
    esac
    shift
done
[[ -n "$build" ]] || usage
build=$(cd "$build" && pwd)

bench_bluez=$build/bench/bench_bluez
null_agent=$build/bench/null_agent
bench_policy=$build/bench/bench_policy
# The shipped policy verifies FIDO keys (verify = true): btfenced must find its probe. The
# benchmarks never pair a key, so it never runs.
probe_args=()
[[ -x $build/agent/fido/btfence-probe ]] && probe_args=(--probe "$build/agent/fido/btfence-probe")
btfenced=$build/agent/daemon/btfenced
for tool in "$bench_bluez" "$null_agent" "$btfenced"; do
    [[ -x "$tool" ]] || { echo "missing $tool: build it first" >&2; exit 2; }
done

# --- parameters ----------------------------------------------------------------------------
samples=2000          # measured agent calls per phase
warmup=200
call_gap_ms=3         # spacing of the "spaced" phases (an audit fdatasync fits in it)
churn_rate=20000      # PropertiesChanged/s while measuring under churn (quality bar)
remove_samples=500
flood_rate=50000      # PropertiesChanged/s (quality bar)
flood_seconds=15
flood_devices=100000  # distinct devices seen (quality bar)
flood_rounds=2        # each: baseline and btfenced, RSSI and ServiceData variants
idle_seconds=5
cpu_rates=(20000 50000)  # PropertiesChanged/s of the CPU runs (quality bar: ≤ 3 µs each)
cpu_seconds=10
cpu_devices=1000      # announced during a CPU run: few, so that the CPU is the changes'
cost_bursts=2500      # callgrind: bursts of signals, each then a barrier
cost_burst_sizes=(4 10)  # 20,000/s and 50,000/s arrive in 200 µs bursts of 4 and 10
if ((quick)); then
    samples=300 warmup=50 remove_samples=50 flood_seconds=4 flood_devices=20000 rounds=1
    flood_rounds=1 cpu_seconds=3 cost_bursts=200
fi
if ((callgrind)) && ! command -v valgrind >/dev/null; then
    echo "valgrind not found: install it or pass --no-callgrind" >&2
    exit 2
fi

work=$(mktemp -d /tmp/btfence-bench.XXXXXX)
shm=$(mktemp -d /dev/shm/btfence-bench.XXXXXX)
results=$work/results
mkdir -p "$results"
declare -A started=()  # pids this script started and has not reaped yet

main_shell=$BASHPID
cleanup() {
    [[ $BASHPID == "$main_shell" ]] || return 0  # never in a subshell
    local pid
    for pid in "${!started[@]}"; do
        kill -TERM "$pid" 2>/dev/null || true
    done
    rm -rf "$work" "$shm"
}
trap cleanup EXIT

log() { echo "run-benchmarks: $*" >&2; }

# The shipped recommended policy (fido-ble allowed, default deny, every adapter managed).
mkdir -p "$work/policy"
cp "$repo/policy/examples/passkey-only.toml" "$work/policy/policy.toml"

# --- processes -----------------------------------------------------------------------------

# stop PID SECONDS: SIGTERM, then wait for the exit with a deadline (SIGKILL after it).
# Sets stopped_status to the exit status. (Shutdown only: nothing is measured here.)
stop() {
    local pid=$1 seconds=$2 deadline
    kill -TERM "$pid" 2>/dev/null || true
    deadline=$((SECONDS + seconds))
    while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do
        sleep 0.02
    done
    if kill -0 "$pid" 2>/dev/null; then
        log "pid $pid did not exit within $seconds s of SIGTERM; killing it"
        kill -KILL "$pid" 2>/dev/null || true
    fi
    stopped_status=0
    wait "$pid" || stopped_status=$?
    unset "started[$pid]"
}

# start_bus DIR: a private dbus-daemon; sets bus_pid and exports DBUS_SYSTEM_BUS_ADDRESS.
start_bus() {
    local dir=$1 fd address
    cat >"$dir/bus.conf" <<EOF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-BUS Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path=$dir/bus.socket</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <allow own="*"/>
    <allow send_type="method_call"/>
    <allow send_destination="*"/>
    <allow receive_sender="*"/>
  </policy>
</busconfig>
EOF
    mkfifo "$dir/bus.address"
    dbus-daemon --config-file="$dir/bus.conf" --nofork --nopidfile --print-address=1 \
        >"$dir/bus.address" 2>"$dir/bus.log" &
    bus_pid=$!
    started[$bus_pid]=1
    exec {fd}<"$dir/bus.address"
    if ! read -r -t 10 -u "$fd" address; then
        log "dbus-daemon printed no address within 10 s:"; cat "$dir/bus.log" >&2
        exit 1
    fi
    exec {fd}<&-
    export DBUS_SYSTEM_BUS_ADDRESS=$address
}

# start_agent KIND DIR: null_agent subscribed to btfenced's signals (null) or to nothing
# (quiet), btfenced (audit log next to the run, on disk) or btfenced-tmpfs (audit log on
# tmpfs, where fdatasync costs nothing: a diagnostic that shows what the disk adds).
# BTFENCE_BENCH_LABEL tells bench_bluez which agent is which. With agent_wrapper set (an
# array), the agent runs under it (valgrind). Appends the pid to agent_pids.
agent_wrapper=()
start_agent() {
    local kind=$1 dir=$2 audit
    local -a wrap=()
    ((${#agent_wrapper[@]})) && wrap=("${agent_wrapper[@]}" --callgrind-out-file="$dir/$kind.callgrind")
    case "$kind" in
        null)
            BTFENCE_BENCH_LABEL=$kind "${wrap[@]}" "$null_agent" --subscribe \
                >"$dir/$kind.out" 2>"$dir/$kind.err" &
            ;;
        quiet)
            BTFENCE_BENCH_LABEL=$kind "${wrap[@]}" "$null_agent" \
                >"$dir/$kind.out" 2>"$dir/$kind.err" &
            ;;
        btfenced | btfenced-tmpfs)
            audit=$dir/audit.jsonl
            [[ $kind == btfenced-tmpfs ]] && audit=$shm/$(basename "$dir").audit.jsonl
            BTFENCE_BENCH_LABEL=$kind "${wrap[@]}" "$btfenced" --policy "$work/policy/policy.toml" \
                --audit-log "$audit" --state-dir "$dir" --no-permission-check --log-level warn \
                "${probe_args[@]}" >"$dir/$kind.out" 2>"$dir/$kind.err" &
            ;;
    esac
    agent_pids+=("$!")
    started[$!]=1
}

# measure NAME KINDS BENCH_ARGS...: one measurement on a fresh bus with fresh agents (KINDS:
# comma-separated, started in that order). Results go to $results/NAME; returns non-zero
# (after saying why) when it failed.
measure() {
    local name=$1 kinds=$2
    shift 2
    local dir=$work/$name fd line status kind i failed=0
    local -a kind_list
    IFS=, read -r -a kind_list <<<"$kinds"
    mkdir -p "$dir"
    start_bus "$dir"
    mkfifo "$dir/bluez.out"
    "$bench_bluez" --bus-pid "$bus_pid" --agents "${#kind_list[@]}" "$@" \
        >"$dir/bluez.out" 2>"$dir/bluez.err" &
    local bluez_pid=$!
    started[$bluez_pid]=1
    exec {fd}<"$dir/bluez.out"
    if ! read -r -t 10 -u "$fd" line || [[ "$line" != ready ]]; then
        log "$name: bench_bluez did not become ready"; cat "$dir/bluez.err" >&2
        exit 1
    fi
    agent_pids=()
    for kind in "${kind_list[@]}"; do
        start_agent "$kind" "$dir"
    done
    : >"$results/$name"
    # bench_bluez has a deadline for every wait; this one only guards against a hang.
    while IFS= read -r -t 600 -u "$fd" line; do
        echo "$line" >>"$results/$name"
    done
    exec {fd}<&-
    status=0
    wait "$bluez_pid" || status=$?
    unset "started[$bluez_pid]"
    echo "result run.bench_status $status" >>"$results/$name"
    ((status == 0)) || failed=1
    for i in "${!kind_list[@]}"; do
        kind=${kind_list[$i]}
        stop "${agent_pids[$i]}" "$agent_stop_seconds"
        echo "result run.$kind.exit_status $stopped_status" >>"$results/$name"
        if [[ -s "$dir/$kind.callgrind" ]]; then
            # Instructions executed by every thread of the agent over its whole life.
            echo "result callgrind.$kind.instructions $(awk '/^(summary|totals):/ { print $2; exit }' "$dir/$kind.callgrind")" \
                >>"$results/$name"
        fi
        ((stopped_status == 0)) || failed=1
        [[ -s "$dir/$kind.err" ]] && cp "$dir/$kind.err" "$results/$name.$kind.stderr"
    done
    stop "$bus_pid" 5
    if ((failed)); then
        log "$name FAILED: bench_bluez exit $status (args: $*)"
        log "--- bench_bluez stderr:"; tail -n 20 "$dir/bluez.err" >&2
        for kind in "${kind_list[@]}"; do
            log "--- $kind exit $(get "$name" "run.$kind.exit_status"), stderr:"
            tail -n 40 "$dir/$kind.err" >&2
        done
        cp "$dir/bluez.err" "$results/$name.bench.stderr"
        return 1
    fi
    return 0
}

agent_stop_seconds=10

# get NAME KEY: a result value ("" when absent).
get() {
    [[ -f "$results/$1" ]] || return 0
    awk -v k="$2" '$1 == "result" && $2 == k { print $3 }' "$results/$1"
}

# --- the runs --------------------------------------------------------------------------------

if [[ -n "$report_from" ]]; then
    cp -r "$report_from/." "$results/"
    only='^$'  # nothing is measured
fi

failures=()
run() {
    [[ -z "$only" || "$1" =~ $only ]] || return 0
    log "measuring $1"
    measure "$@" || failures+=("$1")
}

latency_orders=(null,quiet,btfenced btfenced,null,quiet quiet,btfenced,null)
for ((round = 1; round <= rounds; round++)); do
    # The three agents on the bus at once, called in turn (paired samples); the start order
    # rotates so that none is always the newest process.
    kinds=${latency_orders[$(((round - 1) % 3))]}
    run "latency.$round" "$kinds" --mode agent-latency --samples "$samples" \
        --warmup "$warmup" --call-gap-ms "$call_gap_ms" --churn-rate "$churn_rate"
done
# Diagnostic: the same with btfenced's audit log on tmpfs (fdatasync is free there).
run latency-tmpfs null,btfenced-tmpfs --mode agent-latency --samples "$samples" \
    --warmup "$warmup" --call-gap-ms "$call_gap_ms"

run remove.btfenced btfenced --mode remove-latency --samples "$remove_samples" --warmup 20
run remove-churn.btfenced btfenced --mode remove-latency --samples "$remove_samples" \
    --warmup 20 --churn-rate "$churn_rate"

# The flood starts from a nearly empty room (--crowd 10) so that its RSS shows what devices
# streaming in cost; the idle run below shows the cost of many devices present at start.
# "flood-sd": half of the changes rotate ServiceData (which btfenced must re-classify).
# Baseline and btfenced run one after the other, the order alternating by round: whether the
# bus itself keeps up on this machine at that moment is part of the result.
for ((round = 1; round <= flood_rounds; round++)); do
    if ((round % 2)); then order=(null btfenced); else order=(btfenced null); fi
    for variant in flood flood-sd; do
        for kind in "${order[@]}"; do
            extra=()
            [[ $variant == flood-sd ]] && extra=(--service-data-percent 50)
            run "$variant.$round.$kind" "$kind" --mode flood --flood-rate "$flood_rate" \
                --flood-seconds "$flood_seconds" --flood-devices "$flood_devices" --crowd 10 \
                "${extra[@]}"
        done
    done
done

# CPU per PropertiesChanged at the rates of the quality bars: a short flood over the 1000
# devices present at start (few new ones), RSSI only and half rotating ServiceData.
for rate in "${cpu_rates[@]}"; do
    for ((round = 1; round <= flood_rounds; round++)); do
        if ((round % 2)); then order=(null btfenced); else order=(btfenced null); fi
        for variant in rssi sd; do
            for kind in "${order[@]}"; do
                extra=()
                [[ $variant == sd ]] && extra=(--service-data-percent 50)
                run "cpu.$rate.$variant.$round.$kind" "$kind" --mode flood --flood-rate "$rate" \
                    --flood-seconds "$cpu_seconds" --flood-devices "$cpu_devices" \
                    "${extra[@]}"
            done
        done
    done
done

for kind in null btfenced; do
    run "idle.$kind" "$kind" --mode idle --idle-seconds "$idle_seconds"
done

# Instructions per signal under callgrind: independent of the machine's load (CPU time is
# not, on a shared machine). Each agent runs once without signals (the same bursts of
# barriers: start-up, registration and wake-ups) and once per kind and burst size; the
# difference divided by the signals is the cost of one.
if ((callgrind)); then
    agent_wrapper=(valgrind --tool=callgrind --trace-children=no)
    agent_stop_seconds=180
    cost_run() {  # KIND BURST AGENT
        run "cost.$1.$2.$3" "$3" --mode signal-cost --cost-kind "$1" --bursts "$cost_bursts" \
            --signals-per-burst "$2" --agent-timeout 600
    }
    for agent in btfenced null; do
        cost_run none 0 "$agent"
        for burst in "${cost_burst_sizes[@]}"; do
            cost_run rssi "$burst" "$agent"
            [[ $agent == btfenced ]] && cost_run service-data "$burst" "$agent"
        done
    done
    agent_wrapper=()
    agent_stop_seconds=10
fi

if [[ -x "$bench_policy" && ( -z "$only" || policy =~ $only ) ]]; then
    log "bench_policy"
    "$bench_policy" --benchmark_repetitions=5 --benchmark_report_aggregates_only=true \
        --benchmark_format=csv >"$results/policy.csv" 2>"$work/policy.err" ||
        failures+=(bench_policy)
fi

# What the report says about the machine and the run, recorded when the measurements end.
if [[ -z "$report_from" ]]; then
    {
        echo "date $(date -u +%Y-%m-%d)"
        echo "kernel $(uname -sr)"
        echo "cores $(nproc)"
        echo "cpu $(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)"
        echo "loadavg $(cut -d' ' -f1-3 /proc/loadavg)"
        echo "commit $(git -C "$repo" describe --always --dirty 2>/dev/null || echo unknown)"
        echo "audit_fs $(df -T "$work" | awk 'NR == 2 { print $2 }')"
    } >"$results/run-info"
fi

# --- report ----------------------------------------------------------------------------------

# info KEY: a line of run-info
info() { awk -v k="$1" '$1 == k { $1 = ""; sub(/^ /, ""); print }' "$results/run-info" 2>/dev/null; }

# median VALUES...
median() { printf '%s\n' "$@" | awk 'NF && $1 != "n/a"' | sort -g | awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)] }'; }
# fmt VALUE [DECIMALS]
fmt() { [[ -n "$1" ]] && awk -v v="$1" -v d="${2:-0}" 'BEGIN { printf "%.*f", d, v }' || printf 'n/a'; }
# ratio A B: A/B with two decimals
ratio() { [[ -n "$1" && -n "$2" ]] && awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }' || printf 'n/a'; }
# verdict VALUE OP LIMIT: "met" / "**missed**"
verdict() {
    [[ -n "$1" && "$1" != n/a ]] || { printf 'not measured'; return; }
    awk -v v="$1" -v op="$2" -v l="$3" 'BEGIN {
        ok = (op == "<=" ? v <= l : op == "<" ? v < l : v >= l)
        printf "%s", (ok ? "met" : "**missed**") }'
}

# Per-round values and ratios from the paired agent-latency runs (results latency.ROUND, keys
# KIND.PHASE.STAT).
round_values() {  # KIND PHASE STAT
    local r
    for ((r = 1; r <= rounds; r++)); do get "latency.$r" "$1.$2.$3"; done
}
round_ratios() {  # PHASE_A STAT_A PHASE_B STAT_B: btfenced's A / null's B, one line per round
    local r
    for ((r = 1; r <= rounds; r++)); do
        ratio "$(get "latency.$r" "btfenced.$1.$2")" "$(get "latency.$r" "null.$3.$4")"
        echo
    done
}
# round_ratios_vs KIND PHASE STAT: btfenced's PHASE.STAT / KIND's PHASE.STAT, one line per round
round_ratios_vs() {
    local r
    for ((r = 1; r <= rounds; r++)); do
        ratio "$(get "latency.$r" "btfenced.$2.$3")" "$(get "latency.$r" "$1.$2.$3")"
        echo
    done
}
# spread VALUES...: "median× (min–max)" of ratios
spread() { printf '%s× (%s)' "$(median "$@")" "$(range "$@")"; }
# cpu_values RATE VARIANT KIND: µs of CPU per PropertiesChanged, one line per round
cpu_values() {
    local r
    for ((r = 1; r <= flood_rounds; r++)); do get "cpu.$1.$2.$r.$3" agent.cpu_us_per_change; done
}
# cost_per_signal KIND BURST AGENT: instructions per signal under callgrind (the run with
# signals minus the run without, over the signals sent)
cost_per_signal() {
    local with without signals
    with=$(get "cost.$1.$2.$3" "callgrind.$3.instructions")
    without=$(get "cost.none.0.$3" "callgrind.$3.instructions")
    signals=$(get "cost.$1.$2.$3" cost.signals)
    [[ -n "$with" && -n "$without" && -n "$signals" ]] || return 0
    awk -v w="$with" -v o="$without" -v n="$signals" 'BEGIN { if (n > 0) printf "%.0f", (w - o) / n }'
}
range() { printf '%s\n' "$@" | awk 'NF && $1 != "n/a"' | sort -g | awk 'NR == 1 { lo = $1 } { hi = $1 } END { if (NR) printf "%s–%s", lo, hi }'; }

# mib KIB: KiB as MiB with one decimal
mib() { [[ -n "$1" ]] && awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }' || printf 'n/a'; }
# kept_up RUN: the backlog is gone within 100 ms of the flood's end and probe latency did not
# grow from the first to the last third of the flood (2x, plus 1 ms for noise).
kept_up() {
    local drain first last
    drain=$(get "$1" flood.drain_ms)
    first=$(get "$1" flood.probe_first_third_p50_us)
    last=$(get "$1" flood.probe_last_third_p50_us)
    [[ -n "$drain" && -n "$first" && -n "$last" ]] || { printf 'not measured'; return; }
    awk -v d="$drain" -v f="$first" -v l="$last" 'BEGIN {
        printf "%s", (d <= 100 && l <= 2 * f + 1000 ? "met" : "**missed**") }'
}
# flood_verdict VARIANT: btfenced must keep up in every round in which the baseline did;
# with no such round the machine could not carry the load and nothing can be said.
flood_verdict() {
    local round any=0 bad=0
    for ((round = 1; round <= flood_rounds; round++)); do
        [[ "$(kept_up "$1.$round.null")" == met ]] || continue
        any=1
        [[ "$(kept_up "$1.$round.btfenced")" == met ]] || bad=1
    done
    if ((!any)); then
        printf 'inconclusive (the baseline fell behind in every round)'
    elif ((bad)); then
        printf '**missed**'
    else
        printf 'met'
    fi
}
# flood_summary VARIANT: one line per round for the summary table.
flood_summary() {
    local round sep=""
    for ((round = 1; round <= flood_rounds; round++)); do
        printf '%sround %s: btfenced %s/s, drained %s ms, %s of a core, kept up: %s; null %s/s, drained %s ms, kept up: %s' \
            "$sep" "$round" \
            "$(fmt "$(get "$1.$round.btfenced" flood.changes_per_s)")" \
            "$(fmt "$(get "$1.$round.btfenced" flood.drain_ms)" 1)" \
            "$(fmt "$(get "$1.$round.btfenced" agent.cpu_share)" 2)" \
            "$(kept_up "$1.$round.btfenced")" \
            "$(fmt "$(get "$1.$round.null" flood.changes_per_s)")" \
            "$(fmt "$(get "$1.$round.null" flood.drain_ms)" 1)" \
            "$(kept_up "$1.$round.null")"
        sep="<br>"
    done
}
# over_rounds RUN_PREFIX KEY: the values of KEY in RUN_PREFIX.1.btfenced, RUN_PREFIX.2.btfenced...
over_rounds() {
    local round
    for ((round = 1; round <= flood_rounds; round++)); do get "$1.$round.btfenced" "$2"; done
}
# over_kind_rounds RUN_PREFIX KIND KEY: the same for another agent kind.
over_kind_rounds() {
    local round
    for ((round = 1; round <= flood_rounds; round++)); do get "$1.$round.$2" "$3"; done
}
# policy_ns NAME: median CPU time of a bench_policy benchmark (CSV column 4)
policy_ns() { awk -F, -v n="\"$1_median\"" '$1 == n { print $4 }' "$results/policy.csv"; }

# cpu_rows: the CPU-per-PropertiesChanged bars, one row per rate and variant.
cpu_rows() {
    local rate variant title
    local -a values null_values
    for rate in "${cpu_rates[@]}"; do
        for variant in rssi sd; do
            title="RSSI only"
            [[ $variant == sd ]] && title="half rotating ServiceData"
            mapfile -t values < <(cpu_values "$rate" "$variant" btfenced)
            mapfile -t null_values < <(cpu_values "$rate" "$variant" null)
            echo "| CPU per PropertiesChanged at $(fmt "$rate")/s, $title (/proc CPU time; median of $flood_rounds runs, range) | ≤ 3 µs | $(fmt "$(median "${values[@]}")" 2) µs ($(range "${values[@]}")); floor (null, subscribed): $(fmt "$(median "${null_values[@]}")" 2) µs | $(verdict "$(median "${values[@]}")" "<=" 3) |"
        done
    done
}
# cost_summary_rows: callgrind instructions per signal, when measured.
cost_summary_rows() {
    local burst rssi sd null_rssi
    for burst in "${cost_burst_sizes[@]}"; do
        rssi=$(cost_per_signal rssi "$burst" btfenced)
        [[ -n "$rssi" ]] || continue
        sd=$(cost_per_signal service-data "$burst" btfenced)
        null_rssi=$(cost_per_signal rssi "$burst" null)
        echo "| instructions per PropertiesChanged (callgrind, load-independent; bursts of $burst) | | RSSI $(fmt "$rssi"), rotating ServiceData $(fmt "$sd"); floor (null, subscribed) $(fmt "$null_rssi"): btfenced / floor $(ratio "$rssi" "$null_rssi")× RSSI, $(ratio "$sd" "$null_rssi")× ServiceData | |"
    done
}

report() {
    local -a r_med_sp r_med_b2b r_p99_sp r_p99_b2b r_p99_same_sp r_p99_same_b2b
    local -a r_floor_sp=() r_floor_b2b=()
    mapfile -t r_med_sp < <(round_ratios idle-spaced p50_us idle-spaced p50_us)
    mapfile -t r_med_b2b < <(round_ratios idle p50_us idle p50_us)
    mapfile -t r_p99_sp < <(round_ratios churn-spaced p99_us idle-spaced p99_us)
    mapfile -t r_p99_b2b < <(round_ratios churn p99_us idle p99_us)
    mapfile -t r_p99_same_sp < <(round_ratios churn-spaced p99_us churn-spaced p99_us)
    mapfile -t r_p99_same_b2b < <(round_ratios churn p99_us churn p99_us)
    local r
    for ((r = 1; r <= rounds; r++)); do
        r_floor_sp+=("$(ratio "$(get "latency.$r" null.churn-spaced.p99_us)" \
            "$(get "latency.$r" null.idle-spaced.p99_us)")")
        r_floor_b2b+=("$(ratio "$(get "latency.$r" null.churn.p99_us)" \
            "$(get "latency.$r" null.idle.p99_us)")")
    done
    local med_sp med_b2b p99_sp p99_b2b
    med_sp=$(median "${r_med_sp[@]}")
    med_b2b=$(median "${r_med_b2b[@]}")
    p99_sp=$(median "${r_p99_sp[@]}")
    p99_b2b=$(median "${r_p99_b2b[@]}")
    local tmpfs_sp tmpfs_b2b
    tmpfs_sp=$(ratio "$(get latency-tmpfs btfenced-tmpfs.idle-spaced.p50_us)" \
        "$(get latency-tmpfs null.idle-spaced.p50_us)")
    tmpfs_b2b=$(ratio "$(get latency-tmpfs btfenced-tmpfs.idle.p50_us)" \
        "$(get latency-tmpfs null.idle.p50_us)")

    # The quality bars (docs/performance.md): idle median vs null; under churn median and p99 vs the responder that
    # subscribes to nothing ("quiet").
    local -a q_med_sp q_med_b2b q_p99_sp q_p99_b2b
    mapfile -t q_med_sp < <(round_ratios_vs quiet churn-spaced p50_us)
    mapfile -t q_med_b2b < <(round_ratios_vs quiet churn p50_us)
    mapfile -t q_p99_sp < <(round_ratios_vs quiet churn-spaced p99_us)
    mapfile -t q_p99_b2b < <(round_ratios_vs quiet churn p99_us)

    local rm_p99 rm_p50 rmc_p99
    rm_p99=$(get remove.btfenced remove.p99_us)
    rm_p50=$(get remove.btfenced remove.p50_us)
    rmc_p99=$(get remove-churn.btfenced remove.p99_us)

    local rss_mib refused refused_at idle_wake idle_wake_null
    local rss_max anon_max file_max probes
    rss_max=$(printf '%s\n' $(over_rounds flood agent.rss_kib_after) | sort -g | tail -n 1)
    anon_max=$(printf '%s\n' $(over_rounds flood agent.rss_anon_kib_after) | sort -g | tail -n 1)
    file_max=$(printf '%s\n' $(over_rounds flood agent.rss_file_kib_after) | sort -g | tail -n 1)
    rss_mib=$(mib "$rss_max")
    refused=$(printf '%s\n' $(over_rounds flood flood.probes_refused) $(over_rounds flood-sd flood.probes_refused) |
        awk 'NF { t += $1; n++ } END { if (n) print t }')
    probes=$(printf '%s\n' $(over_rounds flood flood.probe.count) \
        $(over_rounds flood-sd flood.probe.count) | awk 'NF { t += $1; n++ } END { if (n) print t }')
    refused_at=$(printf '%s\n' $(over_rounds flood flood.probe_first_refusal_devices) \
        $(over_rounds flood-sd flood.probe_first_refusal_devices) | sort -g | head -n 1)
    idle_wake=$(get idle.btfenced idle.voluntary_switches)
    idle_wake_null=$(get idle.null idle.voluntary_switches)

    local announce_rate total_rate
    announce_rate=$(awk -v d="$flood_devices" -v s="$flood_seconds" 'BEGIN { printf "%.0f", d / s }')
    total_rate=$((flood_rate + announce_rate))

    cat <<EOF
<!-- results:begin (generated by bench/run-benchmarks.sh; do not edit by hand) -->
## Results

Measured $(info date) on $(info kernel), $(info cores) cores ($(info cpu)), a shared
virtual machine on which other builds ran at the same time (load average
$(info loadavg) at the end): absolute numbers are noisy, read the ratios.
btfenced $(info commit), built
RelWithDebInfo. Command: \`bench/run-benchmarks.sh BUILD_DIR$( ((quick)) && printf ' --quick')\`
($rounds agent-latency round(s) of $samples calls per agent and phase; null, quiet and btfenced on the bus at
once and called in turn). btfenced's audit log is on $(info audit_fs),
and every audit line is fdatasync'ed.

| Quality bar | Target | Measured (median over rounds; range) | |
| --- | --- | --- | --- |
| Agent1 call → reply, idle, median, btfenced / null (calls ${call_gap_ms} ms apart) | ≤ 1.1× | ${med_sp}× ($(range "${r_med_sp[@]}")) | $(verdict "$med_sp" "<=" 1.1) |
| same, calls back to back | ≤ 1.1× | ${med_b2b}× ($(range "${r_med_b2b[@]}")) | $(verdict "$med_b2b" "<=" 1.1) |
| same, audit log on tmpfs (diagnostic, 1 run) | | spaced ${tmpfs_sp}×, back to back ${tmpfs_b2b}× | |
| under $(fmt "$churn_rate") PropertiesChanged/s, median, btfenced / the responder that subscribes to nothing (spaced) | ≤ 1.2× | $(spread "${q_med_sp[@]}") | $(verdict "$(median "${q_med_sp[@]}")" "<=" 1.2) |
| same, calls back to back | ≤ 1.2× | $(spread "${q_med_b2b[@]}") | $(verdict "$(median "${q_med_b2b[@]}")" "<=" 1.2) |
| under $(fmt "$churn_rate") PropertiesChanged/s, p99, btfenced / the responder that subscribes to nothing (spaced) | ≤ 1.5× | $(spread "${q_p99_sp[@]}") | $(verdict "$(median "${q_p99_sp[@]}")" "<=" 1.5) |
| same, calls back to back | ≤ 1.5× | $(spread "${q_p99_b2b[@]}") | $(verdict "$(median "${q_p99_b2b[@]}")" "<=" 1.5) |
| (earlier bar) p99 under that churn, btfenced / null *idle* p99 | | spaced ${p99_sp}× ($(range "${r_p99_sp[@]}")), back to back ${p99_b2b}× ($(range "${r_p99_b2b[@]}")) | |
| floor: null's own p99 under that churn / null idle p99 | | spaced $(median "${r_floor_sp[@]}")× ($(range "${r_floor_sp[@]}")), back to back $(median "${r_floor_b2b[@]}")× ($(range "${r_floor_b2b[@]}")) | |
| btfenced / null, both under the same churn, p99 | | spaced $(median "${r_p99_same_sp[@]}")× ($(range "${r_p99_same_sp[@]}")), back to back $(median "${r_p99_same_b2b[@]}")× ($(range "${r_p99_same_b2b[@]}")) | |
$(cpu_rows)
$(cost_summary_rows)
| Paired denied device → RemoveDevice, p99 | < 5 ms | $(fmt "$rm_p99") µs (p50 $(fmt "$rm_p50") µs; under churn p99 $(fmt "$rmc_p99") µs) | $(verdict "$rm_p99" "<" 5000) |
| $(fmt "$flood_rate") RSSI PropertiesChanged/s, no growing backlog | keeps up | $(flood_summary flood) | $(flood_verdict flood) |
| same, half of them rotating ServiceData | keeps up | $(flood_summary flood-sd) | $(flood_verdict flood-sd) |
| CPU per 1000 signals, btfenced / null (median over rounds), RSSI; 50% ServiceData | | $(fmt "$(median $(over_rounds flood agent.cpu_ms_per_1000_signals))" 1) / $(fmt "$(median $(over_kind_rounds flood null agent.cpu_ms_per_1000_signals))" 1) ms; $(fmt "$(median $(over_rounds flood-sd agent.cpu_ms_per_1000_signals))" 1) / $(fmt "$(median $(over_kind_rounds flood-sd null agent.cpu_ms_per_1000_signals))" 1) ms: at $(fmt "$total_rate") signals/s ($(fmt "$flood_rate") changes + $(fmt "$announce_rate") InterfacesAdded) btfenced needs $(awk -v c="$(median $(over_rounds flood agent.cpu_ms_per_1000_signals))" -v r="$total_rate" 'BEGIN { printf "%.2f", c * r / 1e6 }'); $(awk -v c="$(median $(over_rounds flood-sd agent.cpu_ms_per_1000_signals))" -v r="$total_rate" 'BEGIN { printf "%.2f", c * r / 1e6 }') of a core | |
| RSS after $(fmt "$flood_devices") distinct devices (streamed in; largest of $flood_rounds rounds) | < 16 MiB | ${rss_mib} MiB: $(mib "$anon_max") MiB own (RssAnon) + $(mib "$file_max") MiB mapped files (shared libraries) | $(verdict "$rss_mib" "<" 16) |
| RSS after starting with $(fmt "$(get idle.btfenced idle.devices_at_start)") devices present (no target; for comparison) | | $(mib "$(get idle.btfenced idle.rss_kib)") MiB: $(mib "$(get idle.btfenced idle.rss_anon_kib)") MiB own + $(mib "$(get idle.btfenced idle.rss_file_kib)") MiB mapped files | |
| allowed FIDO key answered correctly during the flood (correctness, not a quality bar) | 0 refusals | ${refused:-n/a} of $(fmt "$probes") probes refused${refused_at:+ (first after $(fmt "$refused_at") devices)} | $([[ "${refused:-0}" == 0 ]] && echo met || echo '**wrong answers**') |
| Wake-ups in ${idle_seconds} s of idle | 0 | $(fmt "$idle_wake") (null: $(fmt "$idle_wake_null")) | $(verdict "$idle_wake" "<=" 0) |

EOF
    if ((${#failures[@]})); then
        echo "**Runs that failed:** ${failures[*]} (see the script's stderr)."
        echo
    fi

    echo "### Agent1 round trips (µs)"
    echo
    echo "The three agents on the bus at once, called in turn. \"spaced\": calls ${call_gap_ms} ms apart;"
    echo "otherwise back to back. \"churn\": $(fmt "$churn_rate") RSSI PropertiesChanged/s streaming in."
    echo
    echo "\"null\" subscribes to org.bluez's signals as btfenced does; \"quiet\" subscribes to nothing."
    echo
    echo "| run | phase | null p50 | quiet p50 | btfenced p50 | / null | / quiet | null p99 | quiet p99 | btfenced p99 | / null | / quiet | churn reached |"
    echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"
    local phase run_name agent label n50 b50 n99 b99 q50 q99 reached
    for run_name in $(for ((r = 1; r <= rounds; r++)); do echo "latency.$r"; done) latency-tmpfs; do
        agent=btfenced
        label="round ${run_name#latency.}"
        if [[ $run_name == latency-tmpfs ]]; then
            agent=btfenced-tmpfs
            label="audit log on tmpfs"
        fi
        [[ -s "$results/$run_name" ]] || continue
        for phase in idle idle-spaced churn churn-spaced; do
            n50=$(get "$run_name" "null.$phase.p50_us")
            [[ -n "$n50" ]] || continue
            b50=$(get "$run_name" "$agent.$phase.p50_us")
            n99=$(get "$run_name" "null.$phase.p99_us")
            b99=$(get "$run_name" "$agent.$phase.p99_us")
            q50=$(get "$run_name" "quiet.$phase.p50_us")
            q99=$(get "$run_name" "quiet.$phase.p99_us")
            reached=$(get "$run_name" "$phase.churn_achieved_rate")
            echo "| $label | $phase | $(fmt "$n50") | $(fmt "$q50") | $(fmt "$b50") | $(ratio "$b50" "$n50") | $(ratio "$b50" "$q50") |" \
                "$(fmt "$n99") | $(fmt "$q99") | $(fmt "$b99") | $(ratio "$b99" "$n99") | $(ratio "$b99" "$q99") |" \
                "${reached:+$(fmt "$reached")/s} |"
        done
    done
    echo
    echo "CPU while $(fmt "$churn_rate") changes/s streamed in (spaced phase, median over rounds):"
    echo "btfenced $(fmt "$(median $(round_values btfenced churn-spaced cpu_share))" 2) of a core,"
    echo "null responder $(fmt "$(median $(round_values null churn-spaced cpu_share))" 2)."
    echo

    echo "### CPU per PropertiesChanged (µs, from /proc CPU time)"
    echo
    echo "${cpu_seconds} s floods over the 1000 devices present at start ($(fmt "$cpu_devices") more announced"
    echo "during the flood, their cost included). \"sd\": half of the changes rotate ServiceData."
    echo
    echo "| rate | variant | round | null µs | btfenced µs | btfenced / null | reached/s | btfenced CPU (share of a core) |"
    echo "| --- | --- | --- | --- | --- | --- | --- | --- |"
    local cpu_run rate variant
    for rate in "${cpu_rates[@]}"; do
        for variant in rssi sd; do
            for ((r = 1; r <= flood_rounds; r++)); do
                cpu_run=cpu.$rate.$variant.$r
                [[ -s "$results/$cpu_run.btfenced" ]] || continue
                echo "| $(fmt "$rate") | $variant | $r | $(fmt "$(get "$cpu_run.null" agent.cpu_us_per_change)" 2) |" \
                    "$(fmt "$(get "$cpu_run.btfenced" agent.cpu_us_per_change)" 2) |" \
                    "$(ratio "$(get "$cpu_run.btfenced" agent.cpu_us_per_change)" "$(get "$cpu_run.null" agent.cpu_us_per_change)") |" \
                    "$(fmt "$(get "$cpu_run.btfenced" flood.changes_per_s)") |" \
                    "$(fmt "$(get "$cpu_run.btfenced" agent.cpu_share)" 2) |"
            done
        done
    done
    echo
    if [[ -n "$(cost_per_signal rssi "${cost_burst_sizes[0]}" btfenced)" ]]; then
        echo "### Instructions per PropertiesChanged (callgrind)"
        echo
        echo "Each agent under \`valgrind --tool=callgrind\`: $(fmt "$cost_bursts") bursts of N signals, each"
        echo "burst followed by a Peer.Ping to every connection of the agent (one wake-up a burst),"
        echo "minus the same run without signals. Counts every thread; independent of load."
        echo
        echo "| agent | signals | burst | instructions per signal | / null (RSSI, same burst) |"
        echo "| --- | --- | --- | --- | --- |"
        local agent kind burst cost
        for agent in null btfenced; do
            for kind in rssi service-data; do
                for burst in "${cost_burst_sizes[@]}"; do
                    cost=$(cost_per_signal "$kind" "$burst" "$agent")
                    [[ -n "$cost" ]] || continue
                    echo "| $agent | $kind | $burst | $(fmt "$cost") | $(ratio "$cost" "$(cost_per_signal rssi "$burst" null)") |"
                done
            done
        done
        echo
    fi

    echo "### RemoveDevice after Paired=true (µs from the signal)"
    echo
    echo "| bus | samples | Disconnect p50 | RemoveDevice p50 | p90 | p99 | max |"
    echo "| --- | --- | --- | --- | --- | --- | --- |"
    local run bus
    for run in remove remove-churn; do
        bus=quiet
        [[ $run == remove-churn ]] && bus="$(fmt "$churn_rate")/s churn"
        echo "| $bus | $(get "$run.btfenced" remove.count) |" \
            "$(fmt "$(get "$run.btfenced" disconnect.p50_us)") |" \
            "$(fmt "$(get "$run.btfenced" remove.p50_us)") |" \
            "$(fmt "$(get "$run.btfenced" remove.p90_us)") |" \
            "$(fmt "$(get "$run.btfenced" remove.p99_us)") |" \
            "$(fmt "$(get "$run.btfenced" remove.max_us)") |"
    done
    echo

    echo "### Flood: $(fmt "$flood_rate") PropertiesChanged/s for ${flood_seconds} s, $(fmt "$flood_devices") devices announced"
    echo
    echo "Changes go to the 1000 most recently announced devices. \"RSSI\": every change is an RSSI"
    echo "update (no decision depends on it); \"50% ServiceData\": every other change rotates the"
    echo "device's ServiceData instead (btfenced must re-classify the device). Probes: an"
    echo "Agent1.RequestAuthorization for the allowed FIDO key every 100 ms during the flood."
    echo
    local variant title header separator round kind key line
    for variant in flood flood-sd; do
        title="RSSI"
        [[ $variant == flood-sd ]] && title="50% ServiceData"
        echo "#### $title"
        echo
        header="| |"
        separator="| --- |"
        for ((round = 1; round <= flood_rounds; round++)); do
            for kind in null btfenced; do
                header+=" $kind, round $round |"
                separator+=" --- |"
            done
        done
        echo "$header"
        echo "$separator"
        while IFS='|' read -r key label; do
            line="| $label |"
            for ((round = 1; round <= flood_rounds; round++)); do
                for kind in null btfenced; do
                    line+=" $(fmt "$(get "$variant.$round.$kind" "$key")" 1) |"
                done
            done
            echo "$line"
        done <<'ROWS'
flood.changes_per_s|PropertiesChanged/s reached
flood.changes_skipped|changes skipped (bus not taking more)
flood.signals_per_s|signals/s incl. InterfacesAdded
flood.devices_announced_in_time|devices announced during the flood
flood.probe.p50_us|probe round trip during flood, p50 (µs)
flood.probe.p99_us|probe round trip during flood, p99 (µs)
flood.probe_first_third_p50_us|probe p50, first third of the flood (µs)
flood.probe_last_third_p50_us|probe p50, last third of the flood (µs)
flood.drain_ms|backlog drained: answer to a call sent as the flood stopped (ms)
flood.probes_refused|probes refused (the FIDO key is allowed: each refusal is a wrong answer)
flood.probe_first_refusal_devices|devices announced when the first probe was refused
agent.cpu_share|agent CPU (share of one core)
agent.cpu_ms_per_1000_signals|agent CPU per 1000 signals (ms)
bus.cpu_share|dbus-daemon CPU (share of one core)
fake.cpu_share|bench_bluez CPU (share of one core)
agent.rss_kib_before|agent RSS before (KiB)
agent.rss_kib_mid|agent RSS mid-flood (KiB)
agent.rss_kib_after|agent RSS after (KiB)
agent.rss_anon_kib_after|of which own memory, RssAnon (KiB)
agent.rss_file_kib_after|of which mapped files, RssFile (KiB)
agent.hwm_kib|agent peak RSS (KiB)
fake.get_all_calls|Properties.GetAll calls to the fake
ROWS
        echo
    done

    echo "### Idle (${idle_seconds} s, nothing on the bus; $(fmt "$(get idle.btfenced idle.devices_at_start)") devices known)"
    echo
    echo "| | null responder | btfenced |"
    echo "| --- | --- | --- |"
    while IFS='|' read -r key label; do
        echo "| $label | $(fmt "$(get idle.null "$key")" 1) | $(fmt "$(get idle.btfenced "$key")" 1) |"
    done <<'ROWS'
idle.settled|settled before measuring (1 = yes)
idle.voluntary_switches|voluntary context switches (wake-ups)
idle.involuntary_switches|involuntary context switches
idle.cpu_ms|CPU time (ms)
idle.calls_to_bluez|calls to org.bluez
idle.rss_kib|RSS (KiB)
idle.rss_anon_kib|of which own memory, RssAnon (KiB)
idle.rss_file_kib|of which mapped files, RssFile (KiB)
idle.hwm_kib|peak RSS (KiB)
ROWS
    echo

    if [[ -s "$results/policy.csv" ]]; then
        local classify d1 d50 d50none
        classify=$(policy_ns BM_Classify)
        d1=$(policy_ns BM_DecideOneRule)
        d50=$(policy_ns BM_DecideFiftyRulesFidoKeyMatchesLast)
        d50none=$(policy_ns BM_DecideFiftyRulesKeyboardMatchesNone)
        echo "### Policy library (in-process, Google Benchmark, median of 5 repetitions)"
        echo
        echo "| | CPU ns | / classify() |"
        echo "| --- | --- | --- |"
        echo "| classify() | $(fmt "$classify" 1) | 1.00 |"
        echo "| decide(), 1 rule | $(fmt "$d1" 1) | $(ratio "$d1" "$classify") |"
        echo "| decide(), 50 rules, FIDO key matches the last | $(fmt "$d50" 1) | $(ratio "$d50" "$classify") |"
        echo "| decide(), 50 rules, keyboard matches none | $(fmt "$d50none" 1) | $(ratio "$d50none" "$classify") |"
        echo
    fi
    echo "<!-- results:end -->"
}

report >"$work/section.md"
cat "$work/section.md"
if [[ -n "$keep" ]]; then
    mkdir -p "$keep"
    cp -r "$results/." "$keep/"
    cp "$work/section.md" "$keep/"
    log "raw results in $keep"
fi

if ((write)); then
    doc=$repo/docs/performance.md
    if grep -q '<!-- results:begin' "$doc" 2>/dev/null; then
        awk -v section="$work/section.md" '
            /<!-- results:begin/ { while ((getline line < section) > 0) print line; skip = 1; next }
            /<!-- results:end -->/ { skip = 0; next }
            !skip { print }' "$doc" >"$work/performance.md"
        cp "$work/performance.md" "$doc"
    else
        { [[ -f "$doc" ]] && cat "$doc" && echo; cat "$work/section.md"; } >"$work/performance.md"
        cp "$work/performance.md" "$doc"
    fi
    log "wrote $doc"
fi

((${#failures[@]} == 0))
