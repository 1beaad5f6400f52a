#!/usr/bin/env bash
# Builds the raw-epoll C floor and the C# scenario harness, runs every case side by side, interleaved
# (rep 1 runs all cases for every peer, then rep 2, ...), and prints per case and peer the median, the
# min-max range, the ratio of the medians to the floor's and the paired ratio (median of peer[r]/floor[r]).
#
#   bench/run.sh                 3 repetitions, apphost build
#   REPS=5 bench/run.sh          more repetitions
#   AOT=1 bench/run.sh           also publish with NativeAOT and run it as a third peer
#   CASES="S1:1000000 S5:1000000" bench/run.sh   a subset
#   PEERS_ONLY="floor calloop-dotnet calloop-dotnet-iouring" bench/run.sh   a subset of the peers
#   EXTRA_PEERS="base:/tmp/base/Calloop.Scenarios base-iouring:/tmp/base/Calloop.Scenarios" bench/run.sh
#                                an earlier build of the harness as more peers (before/after in one run)
#
# The C# peers named calloop-dotnet-iouring (and calloop-dotnet-aot-iouring) run the same harness with
# CALLOOP_BENCH_BACKEND=iouring, which makes every scenario's loop use Backend.IoUring; calloop-dotnet uses the
# default backend (epoll on Linux).
#
# The case S2+slack runs S2 with the loop's TimerSlack at 1 ms for the C# peers (the floor runs plain S2: it
# already rounds its waits up to whole milliseconds); S2q+slack does the same for S2q.
#
# S2q and S2bq are S2 and S2b with every timer in one TimerQueue (the floor runs S2 and S2b for them):
#   CASES="S2q:100000 S2q+slack:100000 S2q:1000000 S2bq:100000" PEERS_ONLY="floor calloop-dotnet" bench/run.sh
#
# Raw result lines go to bench/out/raw-<timestamp>.txt, the table to bench/out/summary-<timestamp>.txt.
set -euo pipefail
cd "$(dirname "$0")"
OUT=out
mkdir -p "$OUT"
REPS=${REPS:-3}
CASES=${CASES:-"S1:1000000 S2:100000 S2+slack:100000 S2:1000000 S2b:100000 S3:1000000 S4:100000 S5:1000000 S6:20000"}
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
RAW="$OUT/raw-$STAMP.txt"
SUMMARY="$OUT/summary-$STAMP.txt"

echo "== building floor (gcc -O2)" >&2
gcc -O2 -o "$OUT/floor" floor/floor.c -lpthread -lm
# The same floor with one extra, sleeping thread: what the C code pays once its process is multi-threaded, as
# every .NET process is (a reference row; ratios stay relative to the single-threaded floor).
gcc -O2 -o "$OUT/floor-mt" floor/floor.c floor/idle_thread.c -lpthread -lm
echo "== publishing Calloop.Scenarios (Release, apphost)" >&2
dotnet publish Calloop.Scenarios -c Release -o "$OUT/cs" -nologo -v quiet >&2
PEERS=("floor:$OUT/floor" "floor-mt:$OUT/floor-mt" "calloop-dotnet:$OUT/cs/Calloop.Scenarios" "calloop-dotnet-iouring:$OUT/cs/Calloop.Scenarios")
if [[ "${AOT:-0}" == 1 ]]; then
    echo "== publishing Calloop.Scenarios (Release, NativeAOT)" >&2
    dotnet publish Calloop.Scenarios -c Release -p:PublishAot=true -o "$OUT/cs-aot" -nologo -v quiet >&2
    PEERS+=("calloop-dotnet-aot:$OUT/cs-aot/Calloop.Scenarios" "calloop-dotnet-aot-iouring:$OUT/cs-aot/Calloop.Scenarios")
fi
for p in ${EXTRA_PEERS:-}; do PEERS+=("$p"); done
if [[ -n "${PEERS_ONLY:-}" ]]; then
    kept=()
    for p in "${PEERS[@]}"; do
        if [[ " $PEERS_ONLY " == *" ${p%%:*} "* ]]; then kept+=("$p"); fi
    done
    PEERS=("${kept[@]}")
fi

# The backend a C# peer's loops use, from its name.
backend_of() {
    case $1 in
        *-iouring) echo iouring ;;
        *) echo "" ;;
    esac
}

# One run: prints "<rep> <case label> <peer label> <result line>" to the raw file; a failed run is recorded as FAIL.
run_one() {
    local rep=$1 label=$2 peer=$3 exe=$4 mode=$5 n=$6 line slack=0
    if [[ "$mode" == *+slack ]]; then mode=${mode%+slack} slack=1000; fi
    # The timer-queue variants of S2 and S2b do the scenario's work through one TimerQueue; the C floor runs the
    # scenario itself.
    if [[ "$peer" == floor* ]]; then
        case $mode in S2q) mode=S2 ;; S2bq) mode=S2b ;; esac
    fi
    if line=$(CALLOOP_BENCH_BACKEND=$(backend_of "$peer") CALLOOP_BENCH_TIMER_SLACK_US=$slack timeout 120 "$exe" "$mode" "$n" 2>/dev/null | grep -E '^(scenario=|ERROR)' | tail -1) && [[ "$line" == scenario=* ]]; then
        echo "$rep $label $peer $line" >>"$RAW"
    else
        echo "$rep $label $peer FAIL ${line:-no result line}" >>"$RAW"
        echo "   FAIL: $peer $mode $n: ${line:-no result line}" >&2
    fi
}

{
    echo "# date: $(date -u +%Y-%m-%dT%H:%M:%SZ)  host: $(uname -srm)  cpus: $(nproc)  $(grep -m1 'model name' /proc/cpuinfo | sed 's/\t//g')"
    echo "# dotnet: $(dotnet --version)  gcc: $(gcc -dumpfullversion)  reps: $REPS  peers: ${PEERS[*]%%:*}"
} | tee "$SUMMARY" >&2
for ((rep = 1; rep <= REPS; rep++)); do
    echo "== repetition $rep/$REPS (load average: $(cut -d' ' -f1-3 /proc/loadavg))" | tee -a "$SUMMARY" >&2
    for c in $CASES; do
        mode=${c%%:*} n=${c##*:}
        label="$mode@$n"
        for p in "${PEERS[@]}"; do
            run_one "$rep" "$label" "${p%%:*}" "${p#*:}" "$mode" "$n"
        done
        # S3: the floor also runs its coalescing protocol, the one to beat.
        if [[ "$mode" == S3 ]]; then
            run_one "$rep" "$label" floor-coalesced "$OUT/floor" S3c "$n"
        fi
    done
done

awk '
function field(line, key,   i, n, parts, kv) {
    n = split(line, parts, " ")
    for (i = 1; i <= n; i++) { if (index(parts[i], key "=") == 1) return substr(parts[i], length(key) + 2) }
    return ""
}
function median(list,   n, a, i, j, t) {
    n = split(list, a, " ")
    for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t }
    if (n == 0) return ""
    return (n % 2) ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
function minmax(list,   n, a, i, lo, hi) {
    n = split(list, a, " "); lo = a[1]; hi = a[1]
    for (i = 2; i <= n; i++) { if (a[i] + 0 < lo + 0) lo = a[i]; if (a[i] + 0 > hi + 0) hi = a[i] }
    return lo "-" hi
}
{
    rep = $1; c = $2; p = $3
    if (!(c in seenCase)) { seenCase[c] = 1; cases[++nc] = c }
    if (!((c, p) in seenPeer)) { seenPeer[c, p] = 1; peers[c, ++np[c]] = p }
    if ($4 == "FAIL") { fails[c, p]++; next }
    line = $0
    v = field(line, "ns_per_op"); vals[c, p] = vals[c, p] " " v; byRep[c, p, rep] = v
    if (substr(c, 1, 2) == "S6") { q = field(line, "p99_us") * 1000; p99[c, p] = p99[c, p] " " q; p99Rep[c, p, rep] = q }
    a = field(line, "alloc_bytes_per_op"); if (a != "") alloc[c, p] = a
    reps[rep] = 1
}
END {
    printf "%-12s %-20s %12s %22s %8s %8s %10s  %s\n", "case", "peer", "median_ns", "min-max", "ratio", "paired", "alloc/op", "notes"
    for (i = 1; i <= nc; i++) {
        c = cases[i]; fm = median(vals[c, "floor"])
        metric = (substr(c, 1, 3) == "S2@" || substr(c, 1, 3) == "S2+" || substr(c, 1, 4) == "S2q@" || substr(c, 1, 4) == "S2q+") ? "cpu ns/timer" : (substr(c, 1, 2) == "S6") ? "p50 latency ns" : "wall ns/op"
        for (j = 1; j <= np[c]; j++) {
            p = peers[c, j]; m = median(vals[c, p])
            ratio = (fm > 0 && m != "") ? sprintf("%.3f", m / fm) : "-"
            pr = ""
            for (r in reps) if (byRep[c, p, r] != "" && byRep[c, "floor", r] > 0) pr = pr " " byRep[c, p, r] / byRep[c, "floor", r]
            paired = (pr != "") ? sprintf("%.3f", median(pr)) : "-"
            note = metric
            if (fails[c, p]) note = note "; " fails[c, p] " failed run(s)"
            printf "%-12s %-20s %12s %22s %8s %8s %10s  %s\n", c, p, (m == "" ? "-" : sprintf("%.1f", m)), (m == "" ? "-" : minmax(substr(vals[c, p], 2))), ratio, paired, (alloc[c, p] == "" ? "-" : alloc[c, p]), note
            if (substr(c, 1, 2) == "S6" && p99[c, p] != "") {
                fq = median(p99[c, "floor"]); mq = median(p99[c, p]); pq = ""
                for (r in reps) if (p99Rep[c, p, r] != "" && p99Rep[c, "floor", r] > 0) pq = pq " " p99Rep[c, p, r] / p99Rep[c, "floor", r]
                printf "%-12s %-20s %12.1f %22s %8.3f %8.3f %10s  %s\n", c " p99", p, mq, minmax(substr(p99[c, p], 2)), mq / fq, median(pq), "", "p99 latency ns"
            }
        }
    }
}' "$RAW" | tee -a "$SUMMARY"
echo "raw lines: bench/$RAW   summary: bench/$SUMMARY" >&2
