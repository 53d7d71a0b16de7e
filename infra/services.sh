#!/usr/bin/env bash
# Local PostgreSQL and RabbitMQ for CaiEvents, run as plain processes (no Docker needed).
#
#   infra/services.sh up|down|status|env|reset
#
# Everything lives under one git-ignored folder ($REPO/.cai/services, or $CAI_STATE_DIR):
#   postgres/          PostgreSQL data directory (also holds its private unix socket)
#   postgres.log       PostgreSQL server log
#   rabbitmq/          RabbitMQ HOME: .erlang.cookie, rabbitmq.conf, enabled_plugins, mnesia/, log/
#   credentials.env    generated passwords and the dashboard's access token (mode 600); printed only by `env`
#   tls/               with `up --tls`: CA, server certificate and key (infra/services-tls.sh)
# Both services listen on 127.0.0.1 only, on non-default ports so they never clash with
# system-wide installations.
set -euo pipefail
# Secrets and data are created here: keep everything private unless opened up on purpose.
umask 077

script_dir=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
repo_root=$(cd -- "$script_dir/.." && pwd)
state_dir=${CAI_STATE_DIR:-$repo_root/.cai/services}
timeout_s=${CAI_SERVICES_TIMEOUT:-60}

readonly bind_ip=127.0.0.1
readonly pg_port=${CAI_PG_PORT:-55432}
# Node 1's ports and name; infra/rabbitmq-cluster.sh points them at another node of a cluster.
amqp_port=${CAI_RABBITMQ_PORT:-55672}
mgmt_port=${CAI_RABBITMQ_MANAGEMENT_PORT:-55673}
dist_port=${CAI_RABBITMQ_DIST_PORT:-55674}
readonly epmd_port=${CAI_EPMD_PORT:-55675}
readonly app_user=caievents
readonly app_db=caievents
rmq_node=cai@localhost

pg_data=$state_dir/postgres
pg_log=$state_dir/postgres.log
rmq_home=$state_dir/rabbitmq
rmq_pid_file=$rmq_home/rabbitmq.pid
rmq_log_dir=$rmq_home/log
creds_file=$state_dir/credentials.env

# shellcheck source=infra/rabbitmq-cluster.sh
source "$script_dir/rabbitmq-cluster.sh"

pg_bin=""
rmq_bin=""
pg_password=""
rmq_password=""
dashboard_token=""
rmq_env_vars=()
# TLS-only mode (up --tls) lives in its own file; these hooks are all services.sh knows of it.
# shellcheck source=infra/services-tls.sh
source "$script_dir/services-tls.sh"

# The optional streaming-replication standby (up --postgres-standby, promote).
# shellcheck source=infra/postgres-standby.sh
source "$script_dir/postgres-standby.sh"

info() { printf 'services: %s\n' "$*"; }
die() { printf 'services: error: %s\n' "$*" >&2; exit 1; }
is_root() { [[ $(id -u) -eq 0 ]]; }

usage() {
  cat <<EOF
usage: infra/services.sh up [--tls] [--rabbitmq-nodes N] [--postgres-standby]|down|status|env|reset|promote   (up and down take an optional postgres|rabbitmq)
       infra/services.sh up --rabbitmq-nodes N       (a RabbitMQ cluster of N nodes: infra/rabbitmq-cluster.sh)

  up      start PostgreSQL (127.0.0.1:$pg_port) and RabbitMQ (AMQP 127.0.0.1:$amqp_port,
          management http://127.0.0.1:$mgmt_port); creates data and credentials on first run
          --tls: TLS-only PostgreSQL and AMQP with a generated CA (kept for this state folder until reset)
  down    stop both
  status  one line per service; exit 0 only when both are running
  env     print export lines for eval: ConnectionStrings__EventStore, RabbitMq__*
  reset   down, then delete $state_dir
  up --postgres-standby   also a streaming-replication standby on 127.0.0.1:$pg_standby_port (synchronous);
          later 'up's keep it; 'env' then prints a multi-host connection string
  promote promote the standby to primary (the old primary is retired for good)

State folder: \$CAI_STATE_DIR (default \$REPO/.cai/services). Start timeout: \$CAI_SERVICES_TIMEOUT (s).
EOF
}

# True when something accepts TCP connections on 127.0.0.1:$1.
port_open() { (exec 3<>"/dev/tcp/$bind_ip/$1") 2>/dev/null; }

# ---------------------------------------------------------------- packages

# The distribution's default PostgreSQL; a data dir made by another major version needs that one.
find_pg_bin() {
  local dir
  if [[ -n ${CAI_PG_BIN:-} ]]; then
    pg_bin=""
    if [[ -x $CAI_PG_BIN/pg_ctl ]]; then pg_bin=$CAI_PG_BIN; fi
    return 0
  fi
  if [[ -f $pg_data/PG_VERSION ]]; then
    dir=/usr/lib/postgresql/$(<"$pg_data/PG_VERSION")/bin
    if [[ -x $dir/pg_ctl ]]; then pg_bin=$dir; return 0; fi
  fi
  dir=$(find /usr/lib/postgresql -mindepth 3 -maxdepth 3 -path '*/bin/initdb' -printf '%h\n' 2>/dev/null | sort -V | tail -n 1 || true)
  if [[ -z $dir ]] && command -v initdb >/dev/null; then dir=$(dirname -- "$(readlink -f -- "$(command -v initdb)")"); fi
  pg_bin=$dir
}

# Debian's /usr/sbin/rabbitmq* wrappers switch to the rabbitmq user and drop our environment,
# so call the real scripts directly.
find_rmq_bin() {
  rmq_bin=""
  if [[ -n ${CAI_RABBITMQ_BIN:-} ]]; then
    if [[ -x $CAI_RABBITMQ_BIN/rabbitmq-server ]]; then rmq_bin=$CAI_RABBITMQ_BIN; fi
  elif [[ -x /usr/lib/rabbitmq/bin/rabbitmq-server ]]; then rmq_bin=/usr/lib/rabbitmq/bin
  elif command -v rabbitmq-server >/dev/null; then rmq_bin=$(dirname -- "$(command -v rabbitmq-server)")
  fi
}

apt_install() {
  # Package scripts would start the system-wide services on the default ports (5432, 5672,
  # epmd 4369, bound to all interfaces); a policy-rc.d that says "no" keeps them stopped.
  local guard=""
  if [[ ! -e /usr/sbin/policy-rc.d ]]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
    chmod 755 /usr/sbin/policy-rc.d
    guard=/usr/sbin/policy-rc.d
    trap 'rm -f /usr/sbin/policy-rc.d' EXIT
  fi
  info "installing: $*"
  # Packages need the ordinary umask, not ours.
  if ! (umask 022; DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$@"); then
    info "install failed; refreshing package lists and retrying"
    (umask 022; apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$@")
  fi
  if [[ -n $guard ]]; then rm -f "$guard"; trap - EXIT; fi
}

ensure_packages() {
  local -a missing=()
  find_pg_bin
  find_rmq_bin
  [[ -n $pg_bin && -x $pg_bin/initdb && -x $pg_bin/pg_ctl ]] || missing+=(postgresql)
  command -v psql >/dev/null && command -v pg_isready >/dev/null || missing+=(postgresql-client)
  [[ -n $rmq_bin ]] || missing+=(rabbitmq-server)
  command -v curl >/dev/null || missing+=(curl)
  if is_root; then command -v runuser >/dev/null || missing+=(util-linux); fi
  ((${#missing[@]} == 0)) && return 0
  if ! is_root; then
    printf 'services: error: missing packages. Install them with:\n  sudo apt-get install -y %s\n' "${missing[*]}" >&2
    exit 1
  fi
  apt_install "${missing[@]}"
  find_pg_bin
  find_rmq_bin
  [[ -n $pg_bin && -n $rmq_bin ]] || die "packages installed but PostgreSQL/RabbitMQ binaries still not found"
}

# ---------------------------------------------------------------- state and credentials

# 32 alphanumeric characters: safe inside connection strings, URLs and config files unquoted.
random_secret() {
  local s
  # A bounded read avoids SIGPIPE trouble under pipefail.
  s=$(head -c 1024 /dev/urandom | LC_ALL=C tr -dc 'A-Za-z0-9')
  ((${#s} >= 32)) || die "could not read enough randomness from /dev/urandom"
  printf '%s' "${s:0:32}"
}

# Reads KEY=value lines instead of sourcing, so the file is never executed.
load_credentials() {
  local key value
  [[ -f $creds_file ]] || return 1
  while IFS='=' read -r key value; do
    case $key in
      CAI_PG_PASSWORD) pg_password=$value ;;
      CAI_RABBITMQ_PASSWORD) rmq_password=$value ;;
      CAI_DASHBOARD_TOKEN) dashboard_token=$value ;;
    esac
  done <"$creds_file"
  [[ -n $pg_password && -n $rmq_password ]] || die "$creds_file is incomplete; delete it and run 'up' again"
}

ensure_credentials() {
  if load_credentials; then
    # Files from before the dashboard had a token get one added; the passwords stay.
    if [[ -z $dashboard_token ]]; then
      dashboard_token=$(random_secret)
      printf 'CAI_DASHBOARD_TOKEN=%s\n' "$dashboard_token" >>"$creds_file"
      info "added a dashboard access token to $creds_file"
    fi
    return 0
  fi
  pg_password=$(random_secret)
  rmq_password=$(random_secret)
  dashboard_token=$(random_secret)
  cat >"$creds_file" <<EOF
# Written by infra/services.sh on first 'up'. Local development secrets: never commit.
# User name for both services: $app_user
CAI_PG_PASSWORD=$pg_password
CAI_RABBITMQ_PASSWORD=$rmq_password
# Bearer token of 'cai dashboard --allow-remote'
CAI_DASHBOARD_TOKEN=$dashboard_token
EOF
  chmod 600 "$creds_file"
  info "generated credentials in $creds_file"
}

# The postgres user must be able to walk down to the data dir. Repos often sit under
# root-owned folders, so open only the missing search (x) bit on the path, never read.
grant_postgres_traversal() {
  local dir=$state_dir
  while [[ -n $dir && $dir != / ]]; do
    if ! runuser -u postgres -- test -x "$dir" 2>/dev/null; then
      chmod o+x "$dir"
      info "chmod o+x $dir (so the postgres user can reach its data dir)"
    fi
    dir=$(dirname -- "$dir")
  done
  runuser -u postgres -- test -x "$state_dir" ||
    die "user postgres cannot reach $state_dir; set CAI_STATE_DIR to a folder it can reach"
}

prepare_state_dir() {
  mkdir -p "$state_dir" "$rmq_home" "$rmq_log_dir"
  [[ $state_dir != *"'"* ]] || die "state dir path must not contain a single quote: $state_dir"
  # A unix socket path is limited to ~107 bytes; PostgreSQL puts its socket in the data dir.
  ((${#pg_data} + 20 < 107)) || die "state dir path too long for a unix socket; set CAI_STATE_DIR to a shorter path"
  if is_root; then grant_postgres_traversal; fi
}

# ---------------------------------------------------------------- PostgreSQL

pg_os_user() { if is_root; then echo postgres; else id -un; fi; }

# PostgreSQL refuses to run as root: run its tools as the postgres user, from a directory it can read.
as_pg() {
  if is_root; then (cd / && runuser -u postgres -- "$@"); else "$@"; fi
}

pg_running() {
  [[ -f $pg_data/PG_VERSION ]] && as_pg "$pg_bin/pg_ctl" status -D "$pg_data" >/dev/null 2>&1
}

pg_init() {
  [[ -f $pg_data/PG_VERSION ]] && return 0
  if [[ -d $pg_data ]] && [[ -n $(ls -A "$pg_data") ]]; then
    die "$pg_data exists but is not a PostgreSQL data dir; run 'infra/services.sh reset'"
  fi
  mkdir -p "$pg_data"
  chmod 700 "$pg_data"
  if is_root; then chown postgres: "$pg_data"; fi
  info "initialising PostgreSQL data dir $pg_data"
  # Superuser = the OS user running the server, reachable only through the private socket (peer).
  as_pg "$pg_bin/initdb" -D "$pg_data" --auth-local=peer --auth-host=scram-sha-256 \
    --encoding=UTF8 --no-locale >"$state_dir/initdb.log" 2>&1 ||
    die "initdb failed; see $state_dir/initdb.log"
}

# Rewritten on every start so port and access rules follow this script.
pg_write_config() {
  local su hba_type
  su=$(pg_os_user)
  hba_type=$(tls_pg_hba_type)
  cat >"$pg_data/cai.conf" <<EOF
# Managed by infra/services.sh; rewritten on every 'up'.
listen_addresses = '$bind_ip'
port = $pg_port
unix_socket_directories = '$pg_data'
unix_socket_permissions = 0700
password_encryption = 'scram-sha-256'
max_connections = 200
EOF
  cat >"$pg_data/pg_hba.conf" <<EOF
# Managed by infra/services.sh; rewritten on every 'up'.
# TYPE  DATABASE  USER  ADDRESS       METHOD
local   all       $su   peer
host    all       $su   127.0.0.1/32  reject
host    all       $su   ::1/128       reject
$hba_type all       all   127.0.0.1/32  scram-sha-256
$hba_type all       all   ::1/128       scram-sha-256
EOF
  tls_pg_config
  if ! grep -q "^include 'cai.conf'" "$pg_data/postgresql.conf"; then
    printf "\ninclude 'cai.conf'\n" >>"$pg_data/postgresql.conf"
  fi
  touch "$pg_log"
  if is_root; then chown postgres: "$pg_data/cai.conf" "$pg_data/pg_hba.conf" "$pg_data/postgresql.conf" "$pg_log"; fi
}

# After a crash or reboot the old postmaster pid may now belong to an unrelated process,
# which makes PostgreSQL refuse to start. Drop lock files whose pid is not a postgres.
pg_clear_stale_locks() {
  local f pid
  for f in "$pg_data/postmaster.pid" "$pg_data/.s.PGSQL.$pg_port.lock"; do
    [[ -f $f ]] || continue
    pid=$(head -n 1 "$f" 2>/dev/null || true)
    if [[ ! $pid =~ ^[0-9]+$ ]] || [[ $(cat "/proc/$pid/comm" 2>/dev/null || true) != postgres ]]; then
      info "removing stale $(basename -- "$f")"
      rm -f "$f"
    fi
  done
}

pg_wait_ready() {
  local deadline=$((SECONDS + timeout_s))
  until pg_isready -q -h "$bind_ip" -p "$pg_port" -t 2; do
    ((SECONDS < deadline)) || die "PostgreSQL did not accept connections within ${timeout_s}s; log: $pg_log"
    sleep 0.5
  done
}

# Role and database are (re)asserted on every start; the SQL goes through stdin so the
# password never appears on a command line.
pg_provision() {
  as_pg psql -X -q -v ON_ERROR_STOP=1 -h "$pg_data" -p "$pg_port" -U "$(pg_os_user)" -d postgres >/dev/null <<EOF ||
SELECT 'CREATE ROLE $app_user LOGIN' WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$app_user') \gexec
ALTER ROLE $app_user WITH LOGIN CREATEDB PASSWORD '$pg_password';
SELECT 'CREATE DATABASE $app_db OWNER $app_user' WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = '$app_db') \gexec
EOF
    die "could not create PostgreSQL role/database; log: $pg_log"
  PGPASSWORD=$pg_password psql -X -q -At -h "$bind_ip" -p "$pg_port" -U "$app_user" -d "$app_db" \
    -c 'select 1' >/dev/null 2>&1 || die "password login as $app_user over TCP failed; log: $pg_log"
}

pg_up() {
  if primary_retired; then standby_up_promoted; return 0; fi
  if pg_running; then
    info "postgres: already running on $bind_ip:$pg_port"
    pg_wait_ready
    if standby_configured; then standby_before_provision; fi
    pg_provision
    if standby_configured; then standby_up; fi
    return 0
  fi
  if port_open "$pg_port"; then
    die "port $pg_port is already in use by another process (another checkout's services?); see 'ss -ltnp'"
  fi
  pg_init
  pg_write_config
  pg_clear_stale_locks
  # pg_ctl detaches the server into its own session, so it outlives this script.
  # fd 9 is our lock: the long-running server must not inherit it.
  as_pg "$pg_bin/pg_ctl" start -D "$pg_data" -l "$pg_log" -w -t "$timeout_s" >/dev/null 2>&1 9>&- ||
    die "PostgreSQL failed to start; log: $pg_log"
  pg_wait_ready
  if standby_configured; then standby_before_provision; fi
  pg_provision
  info "postgres: started on $bind_ip:$pg_port"
  if standby_configured; then standby_up; fi
}

pg_down() {
  if ! pg_running; then
    info "postgres: not running"
  else
    as_pg "$pg_bin/pg_ctl" stop -D "$pg_data" -m fast -w -t "$timeout_s" >/dev/null ||
      die "PostgreSQL did not stop; log: $pg_log"
    info "postgres: stopped"
  fi
  standby_down
}

# ---------------------------------------------------------------- RabbitMQ

# This instance's private RabbitMQ environment. The CLI tools need the same node name,
# cookie (via HOME) and epmd port as the server to reach it.
rmq_env() {
  rmq_env_vars=(
    HOME="$rmq_home"
    LC_ALL=C.UTF-8
    RABBITMQ_NODENAME="$rmq_node"
    RABBITMQ_CONF_ENV_FILE="$rmq_home/rabbitmq-env.conf"
    RABBITMQ_CONFIG_FILE="$rmq_home/rabbitmq.conf"
    RABBITMQ_ADVANCED_CONFIG_FILE="$rmq_home/advanced.config"
    RABBITMQ_ENABLED_PLUGINS_FILE="$rmq_home/enabled_plugins"
    RABBITMQ_MNESIA_BASE="$rmq_home/mnesia"
    RABBITMQ_LOG_BASE="$rmq_log_dir"
    RABBITMQ_PID_FILE="$rmq_pid_file"
    RABBITMQ_DIST_PORT="$dist_port"
    ERL_EPMD_PORT="$epmd_port"
    # epmd and Erlang distribution listen on all interfaces unless told otherwise.
    ERL_EPMD_ADDRESS="$bind_ip"
    # +sbwt none ...: Erlang schedulers otherwise spin (busy-wait) for work before sleeping, which on a small
    # machine shared with the workers and PostgreSQL takes CPU from them (see docs/benchmarks.md, scaling).
    RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1} +sbwt none +sbwtdcpu none +sbwtdio none"
  )
}

# Runs a RabbitMQ CLI tool (rabbitmqctl, rabbitmq-diagnostics...) against our node, time-limited.
rmq() {
  local tool=$1
  shift
  rmq_env
  env "${rmq_env_vars[@]}" timeout "$timeout_s" "$rmq_bin/$tool" "$@"
}

rmq_pid() {
  local pid
  [[ -f $rmq_pid_file ]] || return 1
  pid=$(head -n 1 "$rmq_pid_file" 2>/dev/null || true)
  [[ $pid =~ ^[0-9]+$ ]] && [[ $(cat "/proc/$pid/comm" 2>/dev/null || true) == beam* ]] || return 1
  echo "$pid"
}

rmq_running() { rmq_pid >/dev/null && port_open "$amqp_port"; }

rmq_write_config() {
  local cookie=$rmq_home/.erlang.cookie
  if [[ ! -s $cookie ]]; then
    # Erlang would make one itself; ours is random and never shared with other nodes.
    random_secret >"$cookie"
    chmod 400 "$cookie"
  fi
  # default_user replaces 'guest' when the node first creates its database.
  cat >"$rmq_home/rabbitmq.conf" <<EOF
# Managed by infra/services.sh; rewritten on every 'up'.
$(tls_rmq_listeners)
management.tcp.ip = $bind_ip
management.tcp.port = $mgmt_port
default_vhost = /
default_user = $app_user
default_pass = $rmq_password
default_user_tags.administrator = true
default_permissions.configure = .*
default_permissions.read = .*
default_permissions.write = .*
# Queue counters in the management API refresh every second (default 5 s): tests and
# dashboards read queue depths from it.
collect_statistics_interval = 1000
EOF
  chmod 600 "$rmq_home/rabbitmq.conf"
  echo '[rabbitmq_management].' >"$rmq_home/enabled_plugins"
}

# Prints the HTTP status of an authenticated management API call. Credentials reach curl
# through a config on stdin, not argv. Extra args are passed to curl (e.g. -X PUT).
mgmt_call() {
  local path=$1
  shift
  printf 'user = "%s:%s"\n' "$app_user" "$rmq_password" |
    curl -q -s -o /dev/null -w '%{http_code}' -K - --max-time 5 "$@" \
      "http://$bind_ip:$mgmt_port$path" || true
}

rmq_wait_ready() {
  local launcher_pid=${1:-} deadline=$((SECONDS + timeout_s)) code
  while :; do
    if port_open "$amqp_port"; then
      code=$(mgmt_call /api/overview)
      [[ $code == 200 || $code == 401 ]] && { echo "$code"; return 0; }
    fi
    if [[ -n $launcher_pid ]] && ! kill -0 "$launcher_pid" 2>/dev/null; then
      die "RabbitMQ exited during startup; logs: $rmq_log_dir"
    fi
    ((SECONDS < deadline)) || die "RabbitMQ did not answer on $bind_ip:$amqp_port/$mgmt_port within ${timeout_s}s; logs: $rmq_log_dir"
    sleep 1
  done
}

# Makes sure the app user works as administrator and guest is gone. Normally the API call is
# enough; only if the stored password was lost or changed do we fall back to rabbitmqctl.
rmq_provision() {
  local code=$1
  if [[ $code == 401 ]]; then
    info "rabbitmq: resetting password of user $app_user"
    if rmq rabbitmqctl -q list_users 2>/dev/null | grep -q "^${app_user}[[:space:]]"; then
      rmq rabbitmqctl -q change_password "$app_user" "$rmq_password" >/dev/null
    else
      rmq rabbitmqctl -q add_user "$app_user" "$rmq_password" >/dev/null
    fi
    rmq rabbitmqctl -q set_user_tags "$app_user" administrator >/dev/null
    rmq rabbitmqctl -q set_permissions -p / "$app_user" '.*' '.*' '.*' >/dev/null
    [[ $(mgmt_call /api/overview) == 200 ]] || die "RabbitMQ login as $app_user still fails; logs: $rmq_log_dir"
  fi
  code=$(mgmt_call /api/permissions/%2F/$app_user -X PUT -H 'content-type: application/json' \
    -d '{"configure":".*","write":".*","read":".*"}')
  [[ $code == 201 || $code == 204 ]] || die "could not set RabbitMQ permissions (HTTP $code); logs: $rmq_log_dir"
  code=$(mgmt_call /api/users/guest -X DELETE)
  [[ $code == 204 || $code == 404 ]] || die "could not delete RabbitMQ user guest (HTTP $code)"
}

rmq_up() {
  local code port launcher_pid=""
  if rmq_running; then
    info "rabbitmq: already running on $bind_ip:$amqp_port (management $mgmt_port)"
    code=$(rmq_wait_ready)
    rmq_provision "$code"
    return 0
  fi
  if [[ -f $rmq_pid_file ]] && ! rmq_pid >/dev/null; then
    info "removing stale $(basename -- "$rmq_pid_file")"
    rm -f "$rmq_pid_file"
  fi
  if ! rmq_pid >/dev/null; then
    for port in "$amqp_port" "$mgmt_port" "$dist_port"; do
      if port_open "$port"; then
        die "port $port is already in use by another process (another checkout's services?); see 'ss -ltnp'"
      fi
    done
  fi
  rmq_write_config
  if ! rmq_pid >/dev/null; then
    # Own session (setsid) and no terminal, so the node outlives this script and its caller;
    # fd 9 (our lock) is closed so the node does not hold it.
    rmq_env
    env "${rmq_env_vars[@]}" setsid "$rmq_bin/rabbitmq-server" </dev/null >>"$rmq_log_dir/startup.log" 2>&1 9>&- &
    launcher_pid=$!
    disown "$launcher_pid" 2>/dev/null || true
  fi
  code=$(rmq_wait_ready "$launcher_pid")
  rmq_provision "$code"
  info "rabbitmq: started on $bind_ip:$amqp_port (management http://$bind_ip:$mgmt_port)"
}

epmd_bin() { command -v epmd || find /usr/lib/erlang -path '*/bin/epmd' -print -quit 2>/dev/null || true; }

rmq_down() {
  local pid deadline epmd
  if pid=$(rmq_pid); then
    # Given the pid file, rabbitmqctl stop waits until the process has exited.
    if ! rmq rabbitmqctl -q stop "$rmq_pid_file" >/dev/null 2>&1; then
      info "rabbitmq: rabbitmqctl stop failed; sending SIGTERM to $pid"
      kill -TERM "$pid" 2>/dev/null || true
      deadline=$((SECONDS + timeout_s))
      while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do sleep 1; done
      if kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid" 2>/dev/null || true; fi
    fi
    rm -f "$rmq_pid_file"
    info "rabbitmq: stopped"
  else
    info "rabbitmq: not running"
  fi
  # The node started its own epmd on our port; it stays behind otherwise.
  epmd=$(epmd_bin)
  if [[ -n $epmd ]] && port_open "$epmd_port"; then
    ERL_EPMD_PORT=$epmd_port "$epmd" -kill >/dev/null 2>&1 || true
  fi
}

# ---------------------------------------------------------------- commands

with_lock() {
  # Two launchers starting services at once would race on initdb and ports.
  exec 9>"$state_dir/.lock"
  flock -w $((timeout_s * 2)) 9 || die "another infra/services.sh is still running (lock $state_dir/.lock)"
}

# Which services a command acts on: both (default), or one named service (the fault tests restart one at a time).
check_service() {
  case $1 in
    all | postgres | rabbitmq) ;;
    *) die "unknown service '$1' (expected postgres or rabbitmq)" ;;
  esac
}

cmd_up() {
  local which=all tls=false arg
  for arg in "$@"; do
    case $arg in
      --tls) tls=true ;;
      --postgres-standby) pg_standby_wanted=true ;;
      *) which=$arg ;;
    esac
  done
  check_service "$which"
  # Not built yet: the standby's replication login and pg_basebackup would need TLS too (hostssl, sslmode in primary_conninfo).
  if { $tls || tls_enabled; } && standby_configured; then
    die "--tls and --postgres-standby cannot be combined yet (the standby replicates over plain TCP); use one or the other"
  fi
  ensure_packages
  prepare_state_dir
  with_lock
  ensure_credentials
  if $tls; then tls_enable; fi
  tls_ensure_certs
  rmq_cluster_configure
  if [[ $which != rabbitmq ]]; then pg_up; fi
  if [[ $which != postgres ]]; then rmq_cluster_up; fi
  info "credentials: $creds_file (use 'infra/services.sh env')"
}

cmd_down() {
  local which=${1:-all}
  check_service "$which"
  find_pg_bin
  find_rmq_bin
  [[ -d $state_dir ]] || { info "nothing to stop (no $state_dir)"; return 0; }
  with_lock
  if [[ $which != rabbitmq ]]; then
    if [[ -n $pg_bin ]]; then pg_down; else info "postgres: not installed"; fi
  fi
  if [[ $which != postgres ]]; then
    if [[ -n $rmq_bin ]]; then rmq_cluster_down; else info "rabbitmq: not installed"; fi
  fi
}

cmd_status() {
  local rc=0
  find_pg_bin
  if [[ -n $pg_bin ]] && pg_running; then
    printf '%-9s running  %s:%s\n' postgres "$bind_ip" "$pg_port"
  elif primary_retired; then
    printf '%-9s retired  %s:%s (the standby was promoted)\n' postgres "$bind_ip" "$pg_port"
  else
    printf '%-9s stopped  %s:%s\n' postgres "$bind_ip" "$pg_port"
    rc=3
  fi
  if [[ -n $pg_bin ]]; then standby_status || rc=3; fi
  if (($(rmq_node_count) > 1)); then
    rmq_cluster_status || rc=3
  elif rmq_running; then
    printf '%-9s running  %s:%s (management http://%s:%s)\n' rabbitmq "$bind_ip" "$amqp_port" "$bind_ip" "$mgmt_port"
  else
    printf '%-9s stopped  %s:%s (management http://%s:%s)\n' rabbitmq "$bind_ip" "$amqp_port" "$bind_ip" "$mgmt_port"
    rc=3
  fi
  return "$rc"
}

# Single-quoted for eval; the connection string contains semicolons.
shell_quote() { printf "'%s'" "${1//\'/\'\\\'\'}"; }
emit() { printf 'export %s=%s\n' "$1" "$(shell_quote "$2")"; }

cmd_env() {
  load_credentials || die "no credentials yet ($creds_file); run 'infra/services.sh up' first"
  if standby_configured; then
    # Both servers; Npgsql connects to whichever is the primary (it rechecks a host's role after 2 s, default 10).
    emit ConnectionStrings__EventStore \
      "Host=$(standby_hosts);Database=$app_db;Username=$app_user;Password=$pg_password;Target Session Attributes=primary;Host Recheck Seconds=2$(tls_pg_connection_suffix)"
  else
    emit ConnectionStrings__EventStore \
      "Host=$bind_ip;Port=$pg_port;Database=$app_db;Username=$app_user;Password=$pg_password$(tls_pg_connection_suffix)"
  fi
  emit RabbitMq__Host "$bind_ip"
  emit RabbitMq__Port "$amqp_port"
  emit RabbitMq__ManagementPort "$mgmt_port"
  emit RabbitMq__VirtualHost /
  emit RabbitMq__Username "$app_user"
  emit RabbitMq__Password "$rmq_password"
  tls_emit_env
  if [[ -n $dashboard_token ]]; then emit Dashboard__AccessToken "$dashboard_token"; fi
  rmq_cluster_env
}

cmd_reset() {
  cmd_down
  [[ -d $state_dir ]] || return 0
  # Refuse to delete anything that does not look like our own state folder.
  if [[ ! -e $state_dir/credentials.env && ! -d $state_dir/postgres && ! -d $state_dir/rabbitmq && ! -d $pg_standby_data ]] ||
    [[ $state_dir == / || $state_dir == "${HOME:-}" || $state_dir == "$repo_root" ]]; then
    die "refusing to delete $state_dir: it does not look like a services state folder"
  fi
  rm -rf -- "$state_dir"
  info "deleted $state_dir"
}

# --rabbitmq-nodes N may stand anywhere among the arguments of `up`.
positional=()
while (($#)); do
  case $1 in
    --rabbitmq-nodes) (($# >= 2)) || die "--rabbitmq-nodes needs a number"; rabbitmq_nodes_requested=$2; shift 2 ;;
    --rabbitmq-nodes=*) rabbitmq_nodes_requested=${1#*=}; shift ;;
    *) positional+=("$1"); shift ;;
  esac
done
set -- "${positional[@]}"

case ${1:-} in
  up) shift; cmd_up "$@" ;;
  down) cmd_down "${2:-all}" ;;
  status) cmd_status ;;
  env) cmd_env ;;
  reset) cmd_reset ;;
  promote) cmd_promote ;;
  -h | --help | help) usage ;;
  *) usage >&2; exit 2 ;;
esac
