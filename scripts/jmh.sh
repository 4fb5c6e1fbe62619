#!/usr/bin/env bash
# Builds the reactor and runs the JMH benchmarks of tokenmix-bench (docs/benchmarks.md).
#
#   scripts/jmh.sh [--classifier <nd4j classifier>] [JMH args...]
#
# Examples:
#   scripts/jmh.sh -l                                        # list the benchmarks
#   scripts/jmh.sh ModelBenchmark                            # deit_tiny_patch16_224, batch 8, 224x224
#   scripts/jmh.sh ModelBenchmark.forward -p batch=1,8       # any JMH option passes through
#   scripts/jmh.sh --models 'glnet_4g,pacavit_tiny*' ModelBenchmark   # models from the registry (-p model=...)
#   scripts/jmh.sh --models '*' ModelBenchmark               # every registered model
#   scripts/jmh.sh PrimitiveBenchmark -p primitive=linear,attention
#   ND4J_CLASSIFIER=linux-x86_64-onednn-avx512 scripts/jmh.sh ModelBenchmark
#   OMP_NUM_THREADS=1 scripts/jmh.sh ModelBenchmark          # the forked JVM inherits the environment
#
# Environment:
#   ND4J_CLASSIFIER  native binary of the CPU backend, passed to Maven as -Dnd4j.classifier
#                    (default: the pom's, linux-x86_64-onednn-avx2; see docs/backends.md)
#   MVN              Maven command (default: mvn); MVN_ARGS extra Maven arguments (e.g. "-o -Pcuda")
#   JAVA             java command (default: $JAVA_HOME/bin/java, else java)
#   OMP_WAIT_POLICY, OPENBLAS_THREAD_TIMEOUT  default PASSIVE and 4, as ./tokenmix sets them (docs/backends.md)
#   JMH_SKIP_BUILD=1 reuse the class path of the previous build
#
# --models PATTERN (after --classifier, before the JMH arguments) expands comma-separated wildcards over the
# model registry into JMH's "-p model=a,b,c", so newly registered models need no change here.
#
# No uber-jar: ND4J's native jar is ~100 MB, so the benchmarks run from tokenmix-bench/target/classes
# (which holds JMH's META-INF/BenchmarkList) plus the module's runtime class path from
# dependency:build-classpath, computed in the same reactor build so the sibling modules' jars are on it.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

classifier="${ND4J_CLASSIFIER:-}"
if [[ "${1:-}" == "--classifier" ]]; then
    classifier="${2:?--classifier needs a value, e.g. linux-x86_64-onednn-avx512}"
    shift 2
elif [[ "${1:-}" == --classifier=* ]]; then
    classifier="${1#--classifier=}"
    shift
fi

models=""
if [[ "${1:-}" == "--models" ]]; then
    models="${2:?--models needs a pattern, e.g. 'glnet_*' or '*'}"
    shift 2
elif [[ "${1:-}" == --models=* ]]; then
    models="${1#--models=}"
    shift
fi

cp_file="tokenmix-bench/target/jmh-classpath.txt"
if [[ "${JMH_SKIP_BUILD:-0}" != "1" || ! -f "$cp_file" ]]; then
    mvn_args=(-q -B -DskipTests)
    if [[ -n "$classifier" ]]; then
        mvn_args+=("-Dnd4j.classifier=$classifier")
    fi
    # shellcheck disable=SC2086
    "${MVN:-mvn}" "${mvn_args[@]}" ${MVN_ARGS:-} -pl tokenmix-bench -am \
        package dependency:build-classpath \
        -Dmdep.outputFile=target/jmh-classpath.txt -Dmdep.includeScope=runtime
fi

if [[ ! -f tokenmix-bench/target/classes/META-INF/BenchmarkList ]]; then
    echo "jmh.sh: tokenmix-bench/target/classes/META-INF/BenchmarkList is missing; JMH's annotation processor did not run" >&2
    exit 1
fi

if [[ -n "${JAVA:-}" ]]; then
    java_cmd="$JAVA"
elif [[ -n "${JAVA_HOME:-}" ]]; then
    java_cmd="$JAVA_HOME/bin/java"
else
    java_cmd=java
fi

cp="$root/tokenmix-bench/target/classes:$(cat "$cp_file")"
if [[ -n "$models" ]]; then
    names="$("$java_cmd" -cp "$cp" dev.tokenmix.bench.ListModels "$models" 2>/dev/null)" || {
        echo "jmh.sh: --models '$models' matches no registered model" >&2
        exit 2
    }
    set -- "$@" -p "model=$names"
fi

export OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-PASSIVE}"
export OPENBLAS_THREAD_TIMEOUT="${OPENBLAS_THREAD_TIMEOUT:-4}"
exec "$java_cmd" -cp "$cp" org.openjdk.jmh.Main "$@"
