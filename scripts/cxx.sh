# Sourced by scripts/benchmarks.sh, scripts/spread.sh and .ci/run: whether a C++ compiler runs,
# the one the `cc` crate would use to compile the `fork_union` crate's C++17 core for the
# ForkUnion benchmark rows (the `forkunion` feature of workshare-bench): $CXX when set, else
# c++, else g++ (then exported as CXX, since `cc` looks for c++).
cxx_runs() {
  if [ -n "${CXX:-}" ]; then
    # $CXX may hold a launcher and flags ("ccache g++"): split as make would.
    # shellcheck disable=SC2086
    $CXX --version >/dev/null 2>&1
    return
  fi
  if c++ --version >/dev/null 2>&1; then
    return 0
  fi
  if g++ --version >/dev/null 2>&1; then
    export CXX=g++
    return 0
  fi
  return 1
}

# The cargo arguments that add the ForkUnion rows where a C++ compiler runs, in the array
# forkunion_features (empty otherwise, with a one-line notice on standard error).
forkunion_features=()
if cxx_runs; then
  forkunion_features=(--features forkunion)
else
  echo "NOTICE: no C++ compiler (\$CXX, c++ or g++): the benchmarks are built without the ForkUnion rows." >&2
fi
