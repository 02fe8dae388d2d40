#!/usr/bin/env bash
# A one-node Slurm cluster on this machine, for the tests of `dast matrix --executor slurm`.
#
#   scripts/slurm-local.sh start    start munged, slurmctld and slurmd (idempotent)
#   scripts/slurm-local.sh stop     stop what `start` started, by pid (idempotent)
#   scripts/slurm-local.sh status   say what runs
#
# Needs root and Debian's slurm-wlm and munge packages (apt-get install -y slurm-wlm munge).
# The daemons run in the foreground of background processes whose pids are kept in
# $DAST_SLURM_DIR (default /tmp/dast-slurm), with their logs, state and spool directories.
# A munged that was already running is used and left alone. The configuration goes to
# /etc/slurm/slurm.conf (where the client commands look) only when that file is absent or was
# written by this script; `stop` removes it again.
set -euo pipefail

dir=${DAST_SLURM_DIR:-/tmp/dast-slurm}
conf=/etc/slurm/slurm.conf
marker="# written by dast scripts/slurm-local.sh"

die() { echo "slurm-local: $*" >&2; exit 1; }

alive() { # alive NAME: the process NAME we started is running
	local pid
	[[ -f $dir/$1.pid ]] || return 1
	pid=$(cat "$dir/$1.pid")
	[[ -n $pid ]] && kill -0 "$pid" 2>/dev/null
}

stop_one() { # stop_one NAME: TERM, then KILL after 10 s, the process NAME we started
	local pid i
	[[ -f $dir/$1.pid ]] || return 0
	pid=$(cat "$dir/$1.pid")
	if [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null; then
		kill -TERM "$pid" 2>/dev/null || true
		for ((i = 0; i < 100; i++)); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		if kill -0 "$pid" 2>/dev/null; then
			kill -KILL "$pid" 2>/dev/null || true
		fi
		echo "slurm-local: stopped $1 (pid $pid)"
	fi
	rm -f "$dir/$1.pid"
}

write_conf() {
	local node host mem
	if [[ -f $conf ]] && ! grep -qF "$marker" "$conf"; then
		die "$conf exists and was not written by this script; not touching an existing cluster's configuration"
	fi
	host=$(hostname -s)
	# slurmd -C prints this machine's NodeName line (CPUs, sockets, cores, threads, RealMemory).
	node=$(slurmd -C | head -n 1)
	[[ $node == NodeName=* ]] || die "slurmd -C printed no NodeName line: $node"
	mem=$(sed -n 's/.*RealMemory=\([0-9]*\).*/\1/p' <<<"$node")
	# Leave 1 GiB to the system; jobs that ask for no memory get 1 GiB per CPU.
	node=$(sed "s/RealMemory=[0-9]*/RealMemory=$((mem > 2048 ? mem - 1024 : mem))/" <<<"$node")
	mkdir -p /etc/slurm
	cat >"$conf.tmp" <<EOF
$marker
ClusterName=dastlocal
SlurmctldHost=$host
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.daemon.pid
SlurmdPidFile=$dir/slurmd.daemon.pid
SlurmctldLogFile=$dir/slurmctld.log
SlurmdLogFile=$dir/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
SchedulerType=sched/backfill
MpiDefault=none
ReturnToService=2
DefMemPerCPU=1024
MinJobAge=600
SlurmctldTimeout=30
SlurmdTimeout=30
$node State=UNKNOWN
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF
	mv "$conf.tmp" "$conf"
}

start() {
	[[ $(id -u) == 0 ]] || die "needs root (slurmd runs jobs as their users)"
	for b in munged slurmctld slurmd sbatch scontrol setpriv; do
		command -v "$b" >/dev/null || die "$b not found: apt-get install -y slurm-wlm munge"
	done
	mkdir -p "$dir/state" "$dir/spool"
	if alive slurmctld && alive slurmd && scontrol ping 2>/dev/null | grep -q UP; then
		echo "slurm-local: already running (pids $(cat "$dir/slurmctld.pid") $(cat "$dir/slurmd.pid"))"
		return 0
	fi
	# munge: reuse a running munged (not ours: left alone), else start one as the munge user.
	if ! munge -n </dev/null >/dev/null 2>&1; then
		[[ -f /etc/munge/munge.key ]] || { mungekey --create >/dev/null 2>&1 || die "no /etc/munge/munge.key and mungekey failed"; }
		chown munge:munge /etc/munge/munge.key
		mkdir -p /run/munge /var/log/munge /var/lib/munge
		chown munge:munge /run/munge /var/log/munge /var/lib/munge
		# setpriv execs munged itself (runuser would stay as its parent), so the pid is munged's.
		setsid setpriv --reuid=munge --regid=munge --init-groups munged --foreground >"$dir/munged.out" 2>&1 </dev/null &
		echo $! >"$dir/munged.pid"
		for ((i = 0; i < 50; i++)); do
			munge -n </dev/null >/dev/null 2>&1 && break
			sleep 0.1
		done
		munge -n </dev/null >/dev/null 2>&1 || die "munged did not start: $(tail -n 3 "$dir/munged.out")"
	fi
	write_conf
	if ! alive slurmctld; then
		setsid slurmctld -D -i >"$dir/slurmctld.out" 2>&1 </dev/null &
		echo $! >"$dir/slurmctld.pid"
	fi
	if ! alive slurmd; then
		setsid slurmd -D >"$dir/slurmd.out" 2>&1 </dev/null &
		echo $! >"$dir/slurmd.pid"
	fi
	# Ready when the controller answers and the node is idle (or already running jobs).
	for ((i = 0; i < 300; i++)); do
		if scontrol ping 2>/dev/null | grep -q UP; then
			state=$(sinfo --noheader --format=%T 2>/dev/null | head -n 1)
			case $state in idle* | mixed* | allocated*) break ;; esac
		fi
		alive slurmctld || die "slurmctld exited: $(tail -n 5 "$dir/slurmctld.out" "$dir/slurmctld.log" 2>/dev/null)"
		alive slurmd || die "slurmd exited: $(tail -n 5 "$dir/slurmd.out" "$dir/slurmd.log" 2>/dev/null)"
		sleep 0.1
	done
	state=$(sinfo --noheader --format=%T 2>/dev/null | head -n 1)
	case $state in
	idle* | mixed* | allocated*) ;;
	*) die "the node did not become idle within 30 s (state '$state'); logs in $dir" ;;
	esac
	echo "slurm-local: running (slurmctld pid $(cat "$dir/slurmctld.pid"), slurmd pid $(cat "$dir/slurmd.pid"), node $(hostname -s) $state; logs in $dir)"
}

stop() {
	stop_one slurmd
	stop_one slurmctld
	stop_one munged
	if [[ -f $conf ]] && grep -qF "$marker" "$conf"; then
		rm -f "$conf"
	fi
}

status() {
	local n
	for n in munged slurmctld slurmd; do
		if alive "$n"; then echo "$n: running (pid $(cat "$dir/$n.pid"))"; else echo "$n: not started by this script"; fi
	done
	scontrol ping 2>/dev/null || true
}

case ${1:-} in
start) start ;;
stop) stop ;;
status) status ;;
*) die "usage: $0 start|stop|status" ;;
esac
