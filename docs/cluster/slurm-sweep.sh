#!/bin/bash
# A desim sweep on a Slurm cluster: one array task per shard, then one
# merge job that starts only when every shard has succeeded.
#
# Submit from a directory on a file system shared by the compute nodes:
#
#   ./slurm-sweep.sh                 # 16 shards (the default)
#   SHARDS=64 ./slurm-sweep.sh       # or any other count
#   GRID=slow-machine SEEDS=1-10000 DURATION=300s ./slurm-sweep.sh
#                                    # a grid (docs/grids.md) instead of a sweep
#
# The script submits itself twice: as a job array (the shards; Slurm sets
# SLURM_ARRAY_TASK_ID and SLURM_ARRAY_TASK_COUNT in each task), and as
# the merge job, with --dependency=afterok on the whole array.
#
# Every task must run the same sweep (same scenarios, --seeds and
# --duration) and the same desim version: desim merge refuses shards of
# different sweeps, a missing shard or one given twice.

#SBATCH --job-name=desim-sweep
#SBATCH --cpus-per-task=4          # --workers below uses them all
#SBATCH --mem=1G                   # memory does not grow with the seeds
#SBATCH --time=01:00:00
#SBATCH --output=logs/%x-%A_%a.out # %A: array job id, %a: task index

set -euo pipefail

# The sweep, identical in every task. Edit here.
DESIM=${DESIM:-desim}              # path of the desim binary on the nodes
SCENARIOS=(A1 A2 A3 A4 A5 B1 B2 B3 B4)
SEEDS=${SEEDS:-1-1000000}
DURATION=${DURATION:-60s}
# A grid (a built-in name or a grid file on the shared file system) runs
# "desim grid" over the same shards instead, and the merge draws its map.
GRID=${GRID:-}
OUTDIR=${OUTDIR:-results}          # on the shared file system
SHARDS=${SHARDS:-16}

case "${1:-submit}" in
submit)
	# On the login node: submit the array, then the merge depending on it.
	mkdir -p logs "$OUTDIR"
	array=$(sbatch --parsable --array=0-$((SHARDS - 1)) "$0" shard)
	# afterok: run only if every task of the array exited 0.
	merge=$(sbatch --parsable --dependency=afterok:"$array" --cpus-per-task=1 \
		--job-name=desim-merge "$0" merge "$SHARDS")
	echo "submitted the $SHARDS shards as job array $array and the merge as job $merge"
	;;
shard)
	# One array task: shard $SLURM_ARRAY_TASK_ID of $SLURM_ARRAY_TASK_COUNT.
	index=$SLURM_ARRAY_TASK_ID
	count=$SLURM_ARRAY_TASK_COUNT
	out="$OUTDIR/shard-$index.json"
	partial="$out.partial.json"
	resume=()
	# A task that was preempted or hit its time limit (Slurm sends SIGTERM
	# first) left a partial state: resume it instead of starting over.
	if [[ -f $partial ]]; then
		resume=(--resume "$partial")
	fi
	# exec, so that Slurm's SIGTERM reaches desim, which then saves its
	# completed runs in $partial and exits 130 (requeue the task to resume).
	what=(sweep "${SCENARIOS[@]}")
	if [[ -n $GRID ]]; then
		what=(grid "$GRID")
	fi
	exec "$DESIM" "${what[@]}" --seeds "$SEEDS" --duration "$DURATION" \
		--workers "${SLURM_CPUS_PER_TASK:-1}" --quiet \
		--shard "$index/$count" -o "$out" ${resume[@]+"${resume[@]}"}
	;;
merge)
	# After every shard: combine them. The result is the same bytes as one
	# unsharded "desim sweep ... --json" on a single machine. The shards are
	# listed one by one rather than as shard-*.json, which would also match
	# a leftover shard-K.json.partial.json.
	shards=()
	for ((k = 0; k < ${2:-$SHARDS}; k++)); do
		shards+=("$OUTDIR/shard-$k.json")
	done
	plot=()
	if [[ -n $GRID ]]; then
		plot=(--plot "$OUTDIR/grid.png") # the grid's map, from the shards alone
	fi
	exec "$DESIM" merge "${shards[@]}" --json -o "$OUTDIR/result.json" ${plot[@]+"${plot[@]}"}
	;;
*)
	echo "usage: $0 [submit|shard|merge]" >&2
	exit 2
	;;
esac
