#!/usr/bin/env bash
# Batch preparation, ksef-rs against the Python SDK ksef2 on the same directory of invoices.
#
#   crates/ksef-batch/benches/ksef2_compare.sh [RUNS]
#
# Creates a virtual environment under target/ (Python >= 3.12, which ksef2 requires; set
# PYTHON to choose the interpreter), installs ksef2 from PyPI (KSEF2_VERSION, default 1.1.0),
# generates the 10,000 FA(3) invoices of the `prepare` benchmark once (target/bench-invoices/),
# then runs ours (`cargo bench -p ksef-batch --bench prepare -- dir DIR`) and ksef2's
# `prepare_batch_package` alternately RUNS times (default 3), so that whatever else the machine
# is doing slows both, and prints the medians of MB/s, CPU seconds, package size, peak RSS and
# the ratio ours/ksef2.
set -euo pipefail

runs=${1:-3}
root=$(cd "$(dirname "$0")/../../.." && pwd)
target="$root/target"
venv="$target/ksef2-venv"
version=${KSEF2_VERSION:-1.1.0}

find_python() {
    for candidate in ${PYTHON:-} python3.13 python3.12 python3; do
        if command -v "$candidate" >/dev/null 2>&1 &&
            "$candidate" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' 2>/dev/null; then
            echo "$candidate"
            return
        fi
    done
    echo "ksef2 needs Python >= 3.12; set PYTHON to one" >&2
    exit 1
}

if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c "import ksef2" 2>/dev/null; then
    "$(find_python)" -m venv "$venv"
    "$venv/bin/pip" install --quiet "ksef2==$version"
fi

cd "$root"
cargo bench -p ksef-batch --bench prepare --quiet -- generate >/dev/null
dir="$target/bench-invoices/fa3-10000"

ksef2_run() {
    "$venv/bin/python" - "$dir" <<'PY'
import os, resource, sys, time
from pathlib import Path

from ksef2.raw import prepare_batch_package
from ksef2._services.batch_preparation import load_batch_invoices

files = sorted(p for p in Path(sys.argv[1]).iterdir() if p.suffix == ".xml")
wall, cpu = time.perf_counter(), time.process_time()
invoices = load_batch_invoices(files)
batch = prepare_batch_package(
    invoices=invoices, aes_key=os.urandom(32), iv=os.urandom(16), encrypted_key=bytes(256)
)
wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
total = sum(len(i.content) for i in invoices) / 1e6
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(f"ksef2: {len(invoices)} invoices, {total:.1f} MB of XML -> package "
      f"{batch.batch_file.file_size / 1e6:.2f} MB; {wall:.2f} s, {total / wall:.1f} MB/s, "
      f"{cpu:.2f} CPU-s, peak RSS {rss:.1f} MB", file=sys.stderr)
print(f"RESULT mb_per_s={total / wall:.2f} rss_mb={rss:.1f} "
      f"package_mb={batch.batch_file.file_size / 1e6:.3f} secs={wall:.3f} cpu_s={cpu:.3f}")
PY
}

ours_run() {
    local out
    out=$(cargo bench -p ksef-batch --bench prepare --quiet -- dir "$dir")
    printf '%s\n' "$out" >&2
    printf '%s\n' "$out" | grep '^RESULT'
}

field() { sed -n "s/.*$1=\([0-9.]*\).*/\1/p"; }
median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

ours=() theirs=()
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
for i in $(seq 1 "$runs"); do
    echo "--- run $i of $runs"
    ours+=("$(ours_run)")
    theirs+=("$(ksef2_run)")
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"

summary() {
    local name=$1; shift
    local line=""
    for key in mb_per_s cpu_s package_mb rss_mb; do
        line+=" $key=$(printf '%s\n' "$@" | field "$key" | median)"
    done
    echo "$name medians:$line"
}
s_ours=$(summary "ksef-rs" "${ours[@]}")
s_theirs=$(summary "ksef2  " "${theirs[@]}")
echo "$s_ours"
echo "$s_theirs"
a=$(echo "$s_ours" | field mb_per_s)
b=$(echo "$s_theirs" | field mb_per_s)
awk -v a="$a" -v b="$b" 'BEGIN { printf "ratio ksef-rs / ksef2 (median MB/s): %.2fx\n", a / b }'
