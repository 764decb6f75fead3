#!/usr/bin/env bash
# A one-node SLURM cluster on this machine, for tests (tests/test_slurm.py) and for trying profiles/slurm.
#
#   sudo scripts/slurm_cluster.sh start    # prints: export SLURM_CONF=<dir>/slurm.conf
#   sudo scripts/slurm_cluster.sh status   # the daemons' PIDs and sinfo; exit status 0 when all run
#   sudo scripts/slurm_cluster.sh stop     # cancels this cluster's jobs, stops the daemons that start started
#
# Exit status: 0 done, 1 failed (the daemons' logs are printed), 2 usage, 3 this machine cannot host it.
#
# Runs as root. Installs Debian's slurm-wlm and munge when missing (apt-get), then writes everything into one
# private folder, $MINERESTORE_SLURM_DIR (default /tmp/minerestore-slurm): slurm.conf, a munge key and socket,
# slurmctld state, slurmd spool, logs and the daemons' PID files. /etc is not touched and no system service is
# started: munged, slurmctld and slurmd run from this folder, and `stop` kills exactly the PIDs recorded there.
# The node has this machine's CPUs (nproc) and its memory less some headroom; CR_Core_Memory makes SLURM
# schedule memory (jobs get what they ask with --mem) and jobacct_gather kills a job that uses more. There is
# no accounting database (accounting_storage/none): `sacct` answers "Slurm accounting storage is disabled", so
# job status must come from squeue (profiles/slurm sets slurm-status-command: squeue).
# `start` is idempotent: with the cluster running it only prints the export line. Clients (sbatch, squeue,
# snakemake --profile profiles/slurm) need that SLURM_CONF in their environment. Inside a job, though, Snakemake's
# slurm-jobstep plugin runs the rule through `srun` with every SLURM_* variable but the job's identity removed,
# SLURM_CONF included, so that srun reads the default config: start links /run/slurm/conf/slurm.conf (where
# configless clients look when /etc/slurm/slurm.conf is absent; /run is emptied at boot) to this slurm.conf, and
# stop removes the link. With an /etc/slurm/slurm.conf of another cluster on the machine, start refuses.
set -euo pipefail

DIR=${MINERESTORE_SLURM_DIR:-/tmp/minerestore-slurm}
CONF=$DIR/slurm.conf
NODE=$(hostname -s)
CLUSTER=minerestore
PARTITION=main
HEADROOM_MB=${MINERESTORE_SLURM_HEADROOM_MB:-1024}   # memory left to the OS and the submitting Snakemake
WAIT_S=${MINERESTORE_SLURM_WAIT_S:-60}                # how long start waits for the node to be idle

# Exit status 3: this machine cannot host the cluster (not root, no apt-get, the install failed); 1: it failed.
die() { echo "slurm_cluster.sh: error: $*" >&2; exit 1; }
cannot() { echo "slurm_cluster.sh: cannot start a cluster here: $*" >&2; exit 3; }
say() { echo "slurm_cluster.sh: $*" >&2; }

need_root() {
    [[ $(id -u) -eq 0 ]] || cannot "must run as root (it installs packages and starts munged, slurmctld and slurmd" \
        "as root); run it with sudo, or skip what needs a SLURM cluster"
}

# --- the daemons this script starts: name -> PID file in $DIR ------------------------------------------------
DAEMONS=(munged slurmctld slurmd)
pidfile() { echo "$DIR/run/$1.pid"; }

# The PID recorded for a daemon when that process still runs and is that daemon (not a recycled PID).
running_pid() {
    local file pid
    file=$(pidfile "$1")
    [[ -s $file ]] || return 1
    pid=$(tr -dc 0-9 <"$file")
    [[ -n $pid && -r /proc/$pid/comm ]] || return 1
    [[ $(cat "/proc/$pid/comm") == "$1" ]] || return 1
    echo "$pid"
}

all_running() {
    local d
    for d in "${DAEMONS[@]}"; do running_pid "$d" >/dev/null || return 1; done
}

# --- install -------------------------------------------------------------------------------------------------
install_packages() {
    local missing=()
    command -v munged >/dev/null || [[ -x /usr/sbin/munged ]] || missing+=(munge)
    for tool in slurmctld slurmd sbatch; do
        command -v "$tool" >/dev/null || [[ -x /usr/sbin/$tool ]] || { missing+=(slurm-wlm); break; }
    done
    [[ ${#missing[@]} -eq 0 ]] && return 0
    command -v apt-get >/dev/null || cannot "${missing[*]} not installed and apt-get is unavailable (not Debian or" \
        "Ubuntu?): install SLURM (slurmctld, slurmd, sbatch) and munge yourself"
    say "installing ${missing[*]} with apt-get"
    # Keep the packages' maintainer scripts from starting system munge/slurm services (this script starts its
    # own daemons): a policy-rc.d that denies every start, only for the install and only when there is none.
    local policy=/usr/sbin/policy-rc.d made_policy=0
    if [[ ! -e $policy ]]; then
        printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod 755 "$policy" && made_policy=1
    fi
    local ok=0
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}" >"$DIR/apt.log" 2>&1 \
        || { DEBIAN_FRONTEND=noninteractive apt-get update >>"$DIR/apt.log" 2>&1 \
             && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}" \
                >>"$DIR/apt.log" 2>&1; } || ok=$?
    [[ $made_policy -eq 1 ]] && rm -f "$policy"
    [[ $ok -eq 0 ]] || { tail -n 20 "$DIR/apt.log" >&2; cannot "apt-get install ${missing[*]} failed (log: $DIR/apt.log)"; }
}

# --- configuration -------------------------------------------------------------------------------------------
write_config() {
    local cpus mem_mb
    cpus=$(nproc)
    mem_mb=$(awk '/^MemTotal:/ {print int($2 / 1024)}' /proc/meminfo)
    (( mem_mb - HEADROOM_MB >= 1024 )) || die "only ${mem_mb} MB of memory: too little for a node with" \
        "${HEADROOM_MB} MB headroom (set MINERESTORE_SLURM_HEADROOM_MB)"
    mem_mb=$(( mem_mb - HEADROOM_MB ))
    cat >"$CONF.new" <<EOF
# Written by scripts/slurm_cluster.sh: a one-node test cluster; everything lives in $DIR.
ClusterName=$CLUSTER
SlurmctldHost=$NODE(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$DIR/munge/munge.socket.2
StateSaveLocation=$DIR/state
SlurmdSpoolDir=$DIR/spool
SlurmctldPidFile=$(pidfile slurmctld)
SlurmdPidFile=$(pidfile slurmd)
SlurmctldLogFile=$DIR/log/slurmctld.log
SlurmdLogFile=$DIR/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SwitchType=switch/none
MpiDefault=none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
DefMemPerCPU=1000
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
# Memory is enforced without cgroups: the job's processes are sampled every second and a job over its --mem is
# killed (state OUT_OF_MEMORY), so the retry with more memory per attempt can be tested.
JobAcctGatherType=jobacct_gather/linux
JobAcctGatherFrequency=task=1
JobAcctGatherParams=OverMemoryKill
# squeue shows a finished job for MinJobAge seconds: the squeue status checks of Snakemake's SLURM plugin need
# that window (it falls back to sacct when MinJobAge < 3 x slurm-init-seconds-before-status-checks).
MinJobAge=300
ReturnToService=2
SlurmdTimeout=60
InactiveLimit=0
KillWait=10
NodeName=$NODE NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$mem_mb State=UNKNOWN
PartitionName=$PARTITION Nodes=$NODE Default=YES MaxTime=INFINITE State=UP
EOF
    mv "$CONF.new" "$CONF"
}

make_munge_key() {
    local key=$DIR/munge/munge.key
    [[ -s $key ]] && return 0
    if command -v mungekey >/dev/null; then
        mungekey --create --keyfile="$key" >/dev/null
    else
        dd if=/dev/urandom of="$key" bs=1024 count=1 status=none
    fi
    chmod 0400 "$key"
}

# Clients without SLURM_CONF (srun inside jobs) read /etc/slurm/slurm.conf, else /run/slurm/conf/slurm.conf.
RUN_LINK=/run/slurm/conf/slurm.conf
link_client_conf() {
    if [[ -e /etc/slurm/slurm.conf && ! /etc/slurm/slurm.conf -ef $CONF ]]; then
        die "/etc/slurm/slurm.conf exists (another SLURM cluster on this machine?): srun inside this cluster's" \
            "jobs would read it instead of $CONF; stop using it or move it away"
    fi
    if [[ -e $RUN_LINK || -L $RUN_LINK ]] && [[ ! -L $RUN_LINK || $(readlink "$RUN_LINK") != "$CONF" ]]; then
        die "$RUN_LINK exists and is not a link to $CONF (a configless slurmd on this machine?)"
    fi
    mkdir -p "$(dirname "$RUN_LINK")"
    ln -sfn "$CONF" "$RUN_LINK"
}

unlink_client_conf() {
    [[ -L $RUN_LINK && $(readlink "$RUN_LINK") == "$CONF" ]] && rm -f "$RUN_LINK"
    return 0
}

# --- start / stop --------------------------------------------------------------------------------------------
export SLURM_CONF=$CONF

wait_for() {  # wait_for SECONDS DESCRIPTION COMMAND...: poll COMMAND every 0.5 s
    local seconds=$1 what=$2 i
    shift 2
    for (( i = 0; i < seconds * 2; i++ )); do
        "$@" >/dev/null 2>&1 && return 0
        sleep 0.5
    done
    say "timed out after ${seconds}s waiting for $what"
    return 1
}

node_idle() { [[ $(sinfo -h -n "$NODE" -o %T 2>/dev/null) == idle ]]; }

logs_and_die() {
    local f
    for f in "$DIR"/log/*.log; do [[ -s $f ]] && { echo "--- $f" >&2; tail -n 15 "$f" >&2; }; done
    die "$*"
}

start() {
    need_root
    mkdir -p "$DIR"
    chmod 0755 "$DIR"
    if all_running && node_idle_or_busy && [[ -L $RUN_LINK ]]; then
        say "already running (pids in $DIR/run)"
        echo "export SLURM_CONF=$CONF"
        return 0
    fi
    install_packages
    mkdir -p "$DIR"/{munge,state,spool,log,run}
    chmod 0700 "$DIR/munge"
    make_munge_key
    running_pid slurmctld >/dev/null && running_pid slurmd >/dev/null || write_config
    link_client_conf

    if ! running_pid munged >/dev/null; then
        # --force: munged refuses to run as root or with a socket outside /run/munge otherwise
        munged --force --socket="$DIR/munge/munge.socket.2" --key-file="$DIR/munge/munge.key" \
            --pid-file="$(pidfile munged)" --log-file="$DIR/log/munged.log" --seed-file="$DIR/munge/munge.seed" \
            || logs_and_die "munged did not start"
        wait_for 10 "munged's PID file" running_pid munged || logs_and_die "munged did not start"
    fi
    if ! running_pid slurmctld >/dev/null; then
        # -c: a fresh controller state each start (a test cluster; jobs of an earlier start are gone)
        slurmctld -c -f "$CONF" || logs_and_die "slurmctld did not start"
        wait_for 30 "slurmctld" scontrol ping || logs_and_die "slurmctld does not answer scontrol ping"
    fi
    if ! running_pid slurmd >/dev/null; then
        slurmd -f "$CONF" || logs_and_die "slurmd did not start"
    fi
    wait_for 10 "the daemons' PID files" all_running || logs_and_die "a daemon exited after starting"
    if ! wait_for "$WAIT_S" "node $NODE to be idle" node_idle; then
        sinfo -N -l >&2 || true
        logs_and_die "node $NODE is not idle"
    fi
    say "running: $(for d in "${DAEMONS[@]}"; do printf '%s=%s ' "$d" "$(running_pid "$d")"; done)"
    echo "export SLURM_CONF=$CONF"
}

node_idle_or_busy() { [[ $(sinfo -h -n "$NODE" -o %T 2>/dev/null) =~ ^(idle|mixed|allocated|completing)$ ]]; }

stop() {
    need_root
    local d pid i
    if running_pid slurmctld >/dev/null; then
        # this cluster's jobs only: slurmstepd would outlive slurmd otherwise
        squeue -h -o %i 2>/dev/null | xargs -r scancel 2>/dev/null || true
        for (( i = 0; i < 20; i++ )); do
            [[ -z $(squeue -h -o %i 2>/dev/null) ]] && break
            sleep 0.5
        done
    fi
    for d in slurmd slurmctld munged; do
        pid=$(running_pid "$d") || continue
        kill -TERM "$pid" 2>/dev/null || true
        for (( i = 0; i < 40; i++ )); do
            [[ -d /proc/$pid ]] || break
            sleep 0.25
        done
        [[ -d /proc/$pid ]] && kill -KILL "$pid" 2>/dev/null || true
        rm -f "$(pidfile "$d")"
        say "stopped $d ($pid)"
    done
    unlink_client_conf
}

status() {
    local d pid rc=0
    for d in "${DAEMONS[@]}"; do
        if pid=$(running_pid "$d"); then echo "$d: running ($pid)"; else echo "$d: not running"; rc=1; fi
    done
    [[ $rc -eq 0 ]] && { sinfo -N -o '%N %T %c %m' || rc=1; }
    [[ $rc -eq 0 ]] && echo "export SLURM_CONF=$CONF"
    return $rc
}

case ${1:-} in
    start) start ;;
    stop) stop ;;
    status) status ;;
    *) echo "usage: $0 start|stop|status   (folder: \$MINERESTORE_SLURM_DIR, default /tmp/minerestore-slurm)" >&2
       exit 2 ;;
esac
