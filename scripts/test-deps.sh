#!/usr/bin/env bash
# What the tests run besides Node: real lock servers, git, pkill, Jenkins' own Python clients and PyYAML,
# all from Debian's packages. `npm test` runs this first (its pretest), and so does .ci/run.
# - everything there: exits 0 and says nothing;
# - something missing, run as root where apt-get is: installs the packages, then checks again;
# - otherwise: names what is missing and the one command that installs it, and exits 1 before
#   any test runs.
# It uses bash builtins and absolute paths only, so that it works with any PATH.
set -uo pipefail

missing=()   # Debian packages
what=()      # what each one is for, in the same order

need() { missing+=("$1"); what+=("$2"); }

check() {
  missing=()
  what=()
  command -v git >/dev/null || need git 'git (the git plugin tests)'
  command -v pkill >/dev/null || need procps 'pkill (process clean-up in the end-to-end tests)'
  command -v redis-server >/dev/null || need redis-server 'redis-server (Redis leases)'
  [ -x /usr/sbin/sshd ] || need openssh-server 'sshd (agents started over SSH, git over SSH)'
  command -v ssh-keygen >/dev/null || need openssh-client 'ssh-keygen (keys for the SSH agent tests)'
  command -v etcd >/dev/null || need etcd-server 'etcd (etcd leases)'
  [ -e /usr/share/java/zookeeper.jar ] || need zookeeper 'ZooKeeper (ZooKeeper leases)'
  local initdb=(/usr/lib/postgresql/*/bin/initdb)
  [ -x "${initdb[0]}" ] || need postgresql 'PostgreSQL (PostgreSQL leases)'
  # Jenkins' Python clients, run by the system python as the compatibility tests do.
  /usr/bin/python3 -c 'import jenkins' 2>/dev/null || need python3-jenkins 'python-jenkins for /usr/bin/python3'
  /usr/bin/python3 -c 'import jenkins_jobs' 2>/dev/null || need jenkins-job-builder 'Jenkins Job Builder for /usr/bin/python3'
  # A disk that fails with EIO: a FUSE file system in Python (test/support/failing-fs.py).
  /usr/bin/python3 -c 'import fusepy' 2>/dev/null || need python3-fusepy 'fusepy for /usr/bin/python3 (the failing disk of the EIO tests)'
  [ -x /usr/bin/fusermount ] || need fuse 'fusermount and libfuse2 (the failing disk of the EIO tests)'
  /usr/bin/python3 -c 'import yaml' 2>/dev/null || need python3-yaml 'PyYAML for /usr/bin/python3 (the Kubernetes manifests test)'
}

report() {
  echo "The tests need what these Debian packages install:" >&2
  local i
  for i in "${!missing[@]}"; do echo "  ${missing[$i]}: ${what[$i]}" >&2; done
}

check
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "${EUID}" -eq 0 ] && command -v apt-get >/dev/null; then
  echo "Installing for the tests: ${missing[*]}" >&2
  apt-get update -qq || exit 1
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" || exit 1
  check
  [ ${#missing[@]} -eq 0 ] && exit 0
  report
  echo "They are still missing after apt-get install." >&2
  exit 1
fi

report
if [ "${EUID}" -eq 0 ]; then
  echo "Install them (there is no apt-get here: use your system's packages of the same names), then run the tests again." >&2
else
  echo "Run this, then the tests again:" >&2
  echo "sudo apt-get install -y ${missing[*]}" >&2
fi
exit 1
