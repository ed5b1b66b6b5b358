# Shared by the bench/ scripts (sourced, not run): the build, the test classpath, the machine line and the
# replacement of one "## " section of BENCHMARKS.md.

home="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$home"
load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
opens="--add-opens=java.base/java.lang=ALL-UNNAMED --add-opens=java.base/java.io=ALL-UNNAMED --add-opens=java.base/java.util=ALL-UNNAMED --add-opens=java.base/java.util.concurrent=ALL-UNNAMED --add-opens=java.rmi/sun.rmi.transport=ALL-UNNAMED"

# Builds the archive, the runner and the test classes once per bench/all run (BENCH_BUILT=1 skips it).
bench_build() {
  if [ "${BENCH_BUILT:-0}" != 1 ]; then
    mvn -q -DskipTests package test-compile dependency:build-classpath -Dmdep.includeScope=test \
      -Dmdep.outputFile=target/bench-classpath.txt
  fi
  cp="target/test-classes:target/classes:$(cat target/bench-classpath.txt)"
}

# Runs a benchmark main class with the properties the test fixtures read.
bench_java() {
  java -cp "$cp" -Dswitchboard.basedir="$home" -Dswitchboard.war="$home/target/switchboard.war" \
    -Dswitchboard.runner.dir="$home/target/runner" -Dswitchboard.container.opens="$opens" \
    -Djava.util.logging.config.file=/dev/null "$@"
}

machine() {
  # The load average goes with the figures: anything else running on the machine shows in it.
  local cpu
  cpu="$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
  echo "$(nproc) cores ($cpu), $(free -g | awk '/Mem:/ {print $2}') GiB, $(java -version 2>&1 | head -1), load average before the run $load_before"
}

# write_section TITLE FILE: FILE's text becomes the section "## TITLE (date, commit)" of BENCHMARKS.md,
# replacing the section of that title if there is one and keeping the others.
write_section() {
  local title="$1" body="$2" out="target/section.md"
  {
    echo "## $title ($(date -u +%Y-%m-%d), commit $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- src pom.xml bench || echo ', with uncommitted changes'))"
    echo
    cat "$body"
  } > "$out"
  python3 - "$home/BENCHMARKS.md" "$out" "$title" <<'PY'
import re, sys, pathlib
path, section, title = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2]).read_text(), sys.argv[3]
text = path.read_text() if path.exists() else "# Benchmarks\n"
parts = re.split(r'(?m)^(?=## )', text)
kept = [p for p in parts if not re.match(r'## ' + re.escape(title) + r'( \(|\s*$)', p)]
path.write_text("".join(kept).rstrip() + "\n\n" + section)
PY
  echo "bench: wrote the \"$title\" section of BENCHMARKS.md" >&2
}
